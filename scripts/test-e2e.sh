#!/usr/bin/env bash
# `npm run test:e2e`: everything that needs root, a Docker engine or a Kubernetes cluster.
#   1. images on a real Docker engine: build, run read-only as non-root, stop times, leaks,
#      scans, SBOMs, and the Compose stack with the browser test against it (tests/images)
#   2. the offline single-node Kubernetes cluster: build (cached), up, smoke suite, down
#      (tests/cluster) — skipped only when KUBECONFIG names an existing cluster
#   3. the app on Kubernetes: helm install, Ingress, secrets, probes, upgrades (scripts/e2e)
# Stops at the first failing step and names it.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n--- [%(%H:%M:%S)T] %s\n' -1 "$*"; }
trap 'echo "npm run test:e2e: FAILED at step: ${current:-?}" >&2' ERR

current="build the shared contract"; step "$current"
npm run -s build -w packages/contract

current="image tests on a real Docker engine"; step "$current"
bash tests/images/run.sh

current="test cluster smoke suite"; step "$current"
npm run -s test:cluster

current="the app on Kubernetes"; step "$current"
bash scripts/e2e/run.sh

step "npm run test:e2e passed"
