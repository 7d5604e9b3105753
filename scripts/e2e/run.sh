#!/usr/bin/env bash
# The Kubernetes end-to-end run, in one command (called by `npm run test:e2e`):
#
#   build the two images (docs/deployment.md step `build`), tag them a second time for the
#   upgrade test -> bring the test cluster up (scripts/cluster/up.sh) -> load the images
#   (step `load`) -> PostgreSQL on the host, reached by pods at 10.244.0.1
#   (scripts/e2e/postgres.sh) -> the guide's steps `cluster secret install check` in a fresh
#   namespace (scripts/e2e/deploy.sh) -> tests/k8s and the browser journey
#   (scripts/e2e/test.sh) -> tear down what it started, also on failure.
#
# Usage: sudo scripts/e2e/run.sh [--keep]
#   --keep  leave the cluster, the namespaces and the database up afterwards (to debug).
#   E2E_TESTS="install liveness"  only those tests (names of scripts/e2e/test.sh); default: all.
#   With KUBECONFIG set to another cluster (Minikube, kind, …): build, up and down are
#   skipped, images are loaded with `minikube image load` / `kind load docker-image`, and
#   E2E_DATABASE_URL must name a PostgreSQL the pods reach (the outage test is then skipped:
#   that database is not ours to stop). The cluster needs an IngressClass `traefik` answering
#   on 127.0.0.1:80 and the Gateway traefik/traefik-gateway (docs/testing.md), or override
#   E2E_BASE_URL / E2E_GATEWAY_* (scripts/e2e/lib.sh).
#
# Exits non-zero on any failure, after printing the cluster's state (scripts/cluster/status.sh),
# the namespace's objects, events and logs. Figures go to test-results/k8s/figures.json,
# step durations to test-results/k8s/timings.tsv. Warm (binaries and images cached): ~12 min.
set -o errexit -o nounset -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "${REPO_ROOT}/scripts/images/docker-lib.sh"

keep=false
case ${1:-} in
  --keep) keep=true ;;
  "") ;;
  *) e2e::die "unknown argument '$1' (usage: $0 [--keep])" ;;
esac
e2e::own_cluster && kube::require_root

# One session at a time on this machine's test cluster (the lock "cluster" of
# scripts/cluster/lib.sh, shared with up.sh, down.sh and scripts/cluster/smoke.sh): another
# suite's down in the middle of this run, or ours in theirs, would break both.
e2e::own_cluster && kube::serialize cluster "$0" "$@"

RUN_START=${SECONDS}
rm -rf "${E2E_STATE}"
mkdir -p "${E2E_STATE}"
cluster_started=false
db_started=false
namespaces_made=false

phase() {
  local name=$1 start=${SECONDS}; shift
  e2e::log "── ${name}"
  "$@"
  printf '%s\t%s\n' "${name}" "$((SECONDS - start))" >>"${E2E_STATE}/timings.tsv"
}

print_failure_state() {
  e2e::warn "the end-to-end run failed; the cluster's state follows"
  "${REPO_ROOT}/scripts/cluster/status.sh" 40 >&2 || true
  local ns
  for ns in "${E2E_NAMESPACE}" "${E2E_K8S_NAMESPACE}"; do
    e2e::kubectl get namespace "${ns}" >/dev/null 2>&1 || continue
    printf '\n=== namespace %s ===\n' "${ns}" >&2
    e2e::kubectl -n "${ns}" get all,ingress,httproute,secrets,configmaps -o wide >&2 2>&1 || true
    e2e::kubectl -n "${ns}" get events --sort-by .lastTimestamp >&2 2>&1 | tail -n 40 >&2 || true
    local pod
    for pod in $(e2e::kubectl -n "${ns}" get pods -o name 2>/dev/null); do
      printf '\n--- %s (last 30 lines, and the previous container'"'"'s) ---\n' "${pod}" >&2
      e2e::kubectl -n "${ns}" logs "${pod}" --all-containers --tail 30 >&2 2>&1 || true
      e2e::kubectl -n "${ns}" logs "${pod}" --all-containers --previous --tail 15 >&2 2>/dev/null || true
    done
  done
  local pg_log
  pg_log="/var/log/postgresql/postgresql-$(basename "$(printf '%s\n' /usr/lib/postgresql/*/ | sort -V | tail -n 1)")-todo-e2e.log"
  [[ -f ${pg_log} ]] && { printf '\n=== %s ===\n' "${pg_log}" >&2; tail -n 20 "${pg_log}" >&2; }
}

teardown() {
  local rc=$?
  trap - EXIT
  ((rc == 0)) || print_failure_state
  if ${keep}; then
    e2e::warn "--keep: cluster, namespaces and database left up (KUBECONFIG=$(e2e::kubeconfig))"
  else
    e2e::log "── teardown"
    if ${namespaces_made}; then
      e2e::kubectl delete namespace "${E2E_NAMESPACE}" "${E2E_K8S_NAMESPACE}" --ignore-not-found --wait=true --timeout=120s >/dev/null 2>&1 \
        || e2e::warn "deleting the test namespaces did not finish"
    fi
    ${db_started} && { "${E2E_DIR}/postgres.sh" drop || e2e::warn "dropping the e2e database failed"; }
    ${cluster_started} && { "${REPO_ROOT}/scripts/cluster/down.sh" || { e2e::warn "scripts/cluster/down.sh failed"; ((rc)) || rc=1; }; }
  fi
  if [[ -f ${E2E_STATE}/timings.tsv ]]; then
    printf '\ndurations (s):\n' >&2
    sed 's/^/  /' "${E2E_STATE}/timings.tsv" >&2
  fi
  [[ -f ${E2E_STATE}/figures.json ]] && { printf '\nfigures (%s):\n' "${E2E_STATE}/figures.json" >&2; cat "${E2E_STATE}/figures.json" >&2; }
  printf '\n' >&2
  if ((rc == 0)); then e2e::log "end-to-end run passed in $((SECONDS - RUN_START))s"; else e2e::warn "end-to-end run FAILED (exit ${rc}) after $((SECONDS - RUN_START))s"; fi
  exit "${rc}"
}
trap teardown EXIT

# ---------------------------------------------------------------------------------------------
build_images() {
  "${E2E_DIR}/deploy.sh" build
  ensure_docker
  local image
  for image in todo-backend todo-frontend; do
    "${DOCKER}" tag "${image}:${E2E_VERSION}" "${image}:${E2E_UPGRADE_TAG}"
  done
}

cluster_up() {
  if e2e::own_cluster; then
    cluster_started=true
    "${REPO_ROOT}/scripts/cluster/up.sh"
  else
    e2e::kubectl get --raw /readyz >/dev/null || e2e::die "the cluster of KUBECONFIG=${E2E_EXTERNAL_KUBECONFIG} does not answer"
    e2e::log "using the cluster of KUBECONFIG=${E2E_EXTERNAL_KUBECONFIG}"
  fi
}

load_images() {
  "${E2E_DIR}/deploy.sh" load
  local load_cmd
  load_cmd="$(e2e::load_cmd)"
  # shellcheck disable=SC2086  # the command may carry arguments (kind's --name)
  ${load_cmd} "todo-backend:${E2E_UPGRADE_TAG}" "todo-frontend:${E2E_UPGRADE_TAG}"
}

database_up() {
  if [[ -n ${E2E_DATABASE_URL:-} ]]; then
    DATABASE_URL="${E2E_DATABASE_URL}"
    e2e::log "using the database of E2E_DATABASE_URL (the outage test is skipped)"
    # A skip asked for by choosing this database; any other skip still fails the run.
    export TEST_ALLOWED_SKIPS="${TEST_ALLOWED_SKIPS:+${TEST_ALLOWED_SKIPS},}PostgreSQL outage"
  elif e2e::own_cluster; then
    db_started=true
    DATABASE_URL="$("${E2E_DIR}/postgres.sh" up)"
    export E2E_PG_SCRIPT="${E2E_DIR}/postgres.sh"
  else
    e2e::die "with KUBECONFIG set, E2E_DATABASE_URL must name a PostgreSQL the cluster's pods can reach"
  fi
  export DATABASE_URL OPENAI_API_KEY=''
}

fresh_namespace() {
  namespaces_made=true
  e2e::kubectl delete namespace "${E2E_NAMESPACE}" "${E2E_K8S_NAMESPACE}" --ignore-not-found --wait=true --timeout=180s >/dev/null
  e2e::kubectl create namespace "${E2E_NAMESPACE}" >/dev/null
}

phase "build images" build_images
phase "cluster up" cluster_up
phase "load images" load_images
phase "database" database_up
phase "namespace" fresh_namespace
phase "deploy (docs/deployment.md)" "${E2E_DIR}/deploy.sh" cluster secret install check
# E2E_TESTS="install secret-values ..." runs a subset (scripts/e2e/test.sh names); default: all.
# shellcheck disable=SC2086
phase "tests" "${E2E_DIR}/test.sh" ${E2E_TESTS:-}
