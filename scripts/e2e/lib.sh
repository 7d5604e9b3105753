#!/usr/bin/env bash
# Shared settings of the Kubernetes end-to-end scripts (scripts/e2e/). Sourced, never run.
#
# Names the run uses everywhere (tests/k8s/lib.ts reads the same environment variables):
#   E2E_NAMESPACE   namespace of the Helm release        (default todo-e2e)
#   E2E_K8S_NAMESPACE  namespace of the plain manifests  (default todo-e2e-k8s)
#   E2E_RELEASE     Helm release name                    (todo-app: the name docs/deployment.md uses)
#   E2E_ROUTE_HOST  host name the chart's HTTPRoute matches (todo-route.e2e.test)
#   E2E_BASE_URL    where the Ingress answers            (http://127.0.0.1)
#   E2E_STATE       per-run files: kubeconfig, figures, the second image tag (test-results/k8s)

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../cluster/lib.sh
source "${E2E_DIR}/../cluster/lib.sh"   # REPO_ROOT, CACHE, versions, kube::log/warn/die

export E2E_NAMESPACE="${E2E_NAMESPACE:-todo-e2e}"
export E2E_K8S_NAMESPACE="${E2E_K8S_NAMESPACE:-todo-e2e-k8s}"
export E2E_RELEASE="${E2E_RELEASE:-todo-app}"
export E2E_ROUTE_HOST="${E2E_ROUTE_HOST:-todo-route.e2e.test}"
export E2E_BASE_URL="${E2E_BASE_URL:-http://127.0.0.1}"
export E2E_STATE="${E2E_STATE:-${REPO_ROOT}/test-results/k8s}"
export E2E_GATEWAY_NAME="${E2E_GATEWAY_NAME:-${GATEWAY_NAME}}"
export E2E_GATEWAY_NAMESPACE="${E2E_GATEWAY_NAMESPACE:-${GATEWAY_NAMESPACE}}"
export E2E_GATEWAY_LISTENER="${E2E_GATEWAY_LISTENER:-${GATEWAY_LISTENER}}"

# The version the images are tagged with (root package.json), and the second tag the upgrade
# test rolls to: the same image under a new name, so the rollout changes every pod.
E2E_VERSION="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "${REPO_ROOT}/package.json" | head -n 1)"
[[ -n ${E2E_VERSION} ]] || kube::die "cannot read the version from ${REPO_ROOT}/package.json"
export E2E_VERSION
export E2E_UPGRADE_TAG="${E2E_UPGRADE_TAG:-${E2E_VERSION}-e2e2}"

# Our own cluster (scripts/cluster/up.sh) unless KUBECONFIG names another one.
e2e::own_cluster() { [[ -z ${E2E_EXTERNAL_KUBECONFIG:-} ]]; }
if [[ -n ${KUBECONFIG:-} && ${KUBECONFIG} != "${KUBECONFIG_OUT}" ]]; then
  export E2E_EXTERNAL_KUBECONFIG="${KUBECONFIG}"
fi

# kubectl and helm: the cached builds of scripts/cluster/build.sh, else PATH (kind/Minikube users).
e2e::bin() {
  local cached=$1 fallback=$2
  if [[ -x ${cached} ]]; then printf '%s' "${cached}"; else command -v "${fallback}" || true; fi
}
export KUBECTL="${KUBECTL:-$(e2e::bin "$(kube::k8s_bin kubectl)" kubectl)}"
export HELM="${HELM:-$(e2e::bin "$(kube::bin helm "${HELM3_VERSION}")" helm)}"

e2e::log() { kube::log "e2e: $*"; }
e2e::warn() { kube::warn "e2e: $*"; }
e2e::die() { kube::die "e2e: $*"; }

# The kubeconfig of the cluster under test.
e2e::kubeconfig() {
  if e2e::own_cluster; then printf '%s' "${KUBECONFIG_OUT}"; else printf '%s' "${E2E_EXTERNAL_KUBECONFIG}"; fi
}

e2e::kubectl() { "${KUBECTL}" --kubeconfig "$(e2e::kubeconfig)" "$@"; }

# Prints the fenced ```sh block that follows the marker `<!-- e2e-step: NAME -->` in
# docs/deployment.md; fails when the marker or its block is missing.
e2e::doc_step() {
  local name=$1 doc="${REPO_ROOT}/docs/deployment.md" out
  out="$(awk -v want="<!-- e2e-step: ${name} -->" '
    $0 == want { found = 1; next }
    found == 1 && /^```sh$/ { inblock = 1; found = 2; next }
    found == 1 && NF { exit 1 }            # something other than the block follows the marker
    inblock && /^```$/ { exit 0 }
    inblock { print }
  ' "${doc}")" || true
  [[ -n ${out} ]] || e2e::die "docs/deployment.md has no command block marked <!-- e2e-step: ${name} -->"
  printf '%s\n' "${out}"
}

# How images reach the nodes: our cluster's load.sh, kind's or Minikube's own loader.
e2e::load_cmd() {
  if e2e::own_cluster; then
    printf '%s' "${REPO_ROOT}/scripts/cluster/load.sh"
    return
  fi
  local context
  context="$(e2e::kubectl config current-context 2>/dev/null || true)"
  case ${context} in
    kind-*) printf 'kind load docker-image --name %s' "${context#kind-}" ;;
    minikube) printf 'minikube image load' ;;
    *) printf 'true' ;;   # images must already be on the nodes (e.g. pushed to a registry)
  esac
}
