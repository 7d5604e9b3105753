#!/usr/bin/env bash
# Runs the Kubernetes end-to-end tests (tests/k8s/, Node's test runner) against the release
# deploy.sh installed, in order — each file builds on the state the previous one left — and the
# browser journey of tests/e2e/ through the Ingress. A failing file does not stop the others
# (the first failure is the one to read: later ones may follow from it); exits 1 if any failed.
#
# Usage: scripts/e2e/test.sh [NAME...]
#   NAME: a test file's stem under tests/k8s (e.g. liveness), or `browser`; default: all,
#   in the order of ORDER below (each file builds on the state the previous one left).
#   Needs the release of `deploy.sh secret install` in $E2E_NAMESPACE; DATABASE_URL for the
#   plain-manifest test; E2E_PG_SCRIPT (set by run.sh) for the database outage test.
set -o errexit -o nounset -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The latency figures run late, on the pods the rollouts left at rest, so that a machine too
# busy to meet the latency target does not keep the functional tests from running first.
ORDER=(install routing browser existing-secret liveness database-outage rollout
  secret-values latency uninstall plain-manifests)

selected=()
if (($#)); then
  for want in "$@"; do
    match=""
    for name in "${ORDER[@]}"; do [[ ${name} == "${want}" || ${name} == "${want}"-* ]] && match=${name}; done
    [[ -n ${match} ]] || e2e::die "unknown test '${want}' (known: ${ORDER[*]})"
    selected+=("${match}")
  done
else
  selected=("${ORDER[@]}")
fi

command -v psql >/dev/null || kube::ensure_commands psql:postgresql-client
export KUBECONFIG
KUBECONFIG="$(e2e::kubeconfig)"
mkdir -p "${E2E_STATE}"
cd "${REPO_ROOT}"
[[ -f packages/contract/dist/index.js ]] || npm run -s build -w packages/contract

node_test() { npx --no-install node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts --test-concurrency=1 "$@"; }

failed=()
for name in "${selected[@]}"; do
  start=${SECONDS}
  e2e::log "test ${name}"
  if [[ ${name} == browser ]]; then
    # The browser journey of tests/e2e (sign up, add, complete, filter, delete, sign in
    # again) against the release, through the Ingress; the badge must show values-dev.yaml's
    # environment name.
    BASE_URL="${E2E_BASE_URL}" EXPECT_ENVIRONMENT_NAME=development node_test tests/e2e/app.e2e.test.ts \
      || { failed+=("${name}"); e2e::warn "test ${name} FAILED"; }
  else
    node_test "tests/k8s/${name}.test.ts" || { failed+=("${name}"); e2e::warn "test ${name} FAILED"; }
  fi
  printf 'test %s\t%s\n' "${name}" "$((SECONDS - start))" >>"${E2E_STATE}/timings.tsv"
done
((${#failed[@]} == 0)) || e2e::die "failed: ${failed[*]} (of ${selected[*]})"
e2e::log "tests passed: ${selected[*]}"
