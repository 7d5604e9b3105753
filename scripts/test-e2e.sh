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

source scripts/lib/steps.sh
trap 'steps_on_failure "npm run test:e2e"' ERR

step "build the shared contract"
npm run -s build -w packages/contract

step "image tests on a real Docker engine"
bash tests/images/run.sh

step "test cluster smoke suite"
npm run -s test:cluster

step "the app on Kubernetes"
bash scripts/e2e/run.sh

steps_end "npm run test:e2e"
