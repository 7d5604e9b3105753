#!/usr/bin/env bash
# The test cluster's smoke suite, end to end:
#   build (cached) -> hello image -> up -> load -> tests/cluster/smoke.test.ts -> down
#   -> tests/cluster/after-down.test.ts (nothing of the cluster is left on the host)
# Exits non-zero on any failure, after printing scripts/cluster/status.sh.
#
# Usage: sudo scripts/cluster/smoke.sh [--keep]
#   --keep   leave the cluster (and the test namespace) up after the smoke tests; skips down.
# With KUBECONFIG set to an existing cluster (kind, Minikube, ...), build/up/down are skipped
# and the suite runs against that cluster; the hello image is loaded with `kind load` or
# `minikube image load` when the current context is one of those.
# Takes ~2 min warm (binaries and images cached); the first run also builds (~30 CPU-min).
set -o errexit -o nounset -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "${REPO_ROOT}/scripts/cluster/lib.sh"
CLUSTER_SCRIPTS="${REPO_ROOT}/scripts/cluster"

keep=false
case ${1:-} in
  --keep) keep=true ;;
  "") ;;
  *) kube::die "unknown argument '$1' (usage: $0 [--keep])" ;;
esac

own_cluster=true
[[ -n ${KUBECONFIG:-} && ${KUBECONFIG} != "${KUBECONFIG_OUT}" ]] && own_cluster=false
if ${own_cluster}; then
  kube::require_root
  kube::serialize cluster "$0" "$@"
fi

declare -A took=()
timed() {
  local label=$1 start=${SECONDS}; shift
  "$@"
  took[${label}]=$((SECONDS - start))
}

cluster_is_up=false
finish() {
  local rc=$?
  if ((rc != 0)); then
    kube::warn "cluster smoke suite failed (exit ${rc}); cluster state follows"
    if ${own_cluster} && ${cluster_is_up}; then "${CLUSTER_SCRIPTS}/status.sh" >&2 || true; fi
    if ! ${own_cluster}; then "${CLUSTER_SCRIPTS}/status.sh" >&2 || true; fi
    if ${own_cluster} && ${cluster_is_up} && ! ${keep}; then "${CLUSTER_SCRIPTS}/down.sh" >&2 || true; fi
  fi
  if ((${#took[@]})); then
    printf '\ntimings (s):' >&2
    for k in build up load smoke down; do [[ -n ${took[${k}]:-} ]] && printf ' %s=%s' "${k}" "${took[${k}]}" >&2; done
    printf '\n' >&2
  fi
  exit "${rc}"
}
trap finish EXIT

node_test() {
  (cd "${REPO_ROOT}" && npx --no-install node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts "$@")
}

# ---------------------------------------------------------------------------------------------
if ${own_cluster}; then
  timed build "${CLUSTER_SCRIPTS}/build.sh"
fi

HELLO_IMAGE="$("${REPO_ROOT}/scripts/cluster/hello-image.sh")"
export HELLO_IMAGE

if ${own_cluster}; then
  cluster_is_up=true
  timed up "${CLUSTER_SCRIPTS}/up.sh"
  timed load "${CLUSTER_SCRIPTS}/load.sh" "${HELLO_IMAGE}"
  export KUBECONFIG="${KUBECONFIG_OUT}"
else
  context="$(kubectl config current-context 2>/dev/null || true)"
  case ${context} in
    kind-*) kind load docker-image "${HELLO_IMAGE}" --name "${context#kind-}" ;;
    minikube) minikube image load "${HELLO_IMAGE}" ;;
    *) kube::warn "context '${context}': make ${HELLO_IMAGE} available to its nodes yourself (pull policy IfNotPresent)" ;;
  esac
fi

kube::log "smoke suite against $(kube::kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
timed smoke node_test tests/cluster/smoke.test.ts

if ${own_cluster} && ! ${keep}; then
  timed down "${CLUSTER_SCRIPTS}/down.sh"
  cluster_is_up=false
  node_test tests/cluster/after-down.test.ts
fi
kube::log "cluster smoke suite passed"
