#!/usr/bin/env bash
# Runs the command blocks of docs/deployment.md marked `<!-- e2e-step: NAME -->`, unchanged,
# against the cluster under test: the deployment guide is what the end-to-end run executes,
# so it cannot go stale.
#
# Usage: scripts/e2e/deploy.sh STEP...     e.g. deploy.sh secret install check
#   Steps of the guide: cluster build load secret install check uninstall.
#   Needs DATABASE_URL (and OPENAI_API_KEY, may be empty) for the `secret` step.
#
# The guide is written for Minikube and the default namespace. Here each block runs with
# `bash -euo pipefail` and:
#   - KUBECONFIG = a copy of the cluster's kubeconfig whose current namespace is
#     $E2E_NAMESPACE, so `kubectl`/`helm` without -n act there;
#   - shell functions for the commands that differ on the test cluster (the table at the end
#     of docs/deployment.md): `minikube start|addons enable ingress|image load|ip`, `npm ci`,
#     and `helm install|upgrade` getting this cluster's overrides (Ingress class, HTTPRoute).
# Each step's duration goes to $E2E_STATE/timings.tsv (the `install` one is the figure
# "helm install -> all Ready").
set -o errexit -o nounset -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($#)) || e2e::die "usage: $0 STEP...   (steps: cluster build load secret install check uninstall)"
[[ -n ${KUBECTL} ]] || e2e::die "no kubectl: run scripts/cluster/build.sh or put kubectl on PATH"
[[ -n ${HELM} ]] || e2e::die "no helm: run scripts/cluster/build.sh or put helm on PATH"

mkdir -p "${E2E_STATE}"
kubeconfig="${E2E_STATE}/kubeconfig"
if [[ " $* " != " build " ]]; then
  install -m 600 "$(e2e::kubeconfig)" "${kubeconfig}"
  "${KUBECTL}" --kubeconfig "${kubeconfig}" config set-context --current --namespace "${E2E_NAMESPACE}" >/dev/null
fi

# What every block sees: the stand-ins of docs/deployment.md's table, as functions.
prelude() {
  cat <<'EOF'
kubectl() { "${KUBECTL}" "$@"; }
helm() {
  case ${1:-} in
    install|upgrade)
      # Overrides this cluster needs: its Ingress class and the HTTPRoute on its Gateway.
      "${HELM}" "$@" --set ingress.className=traefik \
        --set httpRoute.enabled=true \
        --set "httpRoute.parentRefs[0].name=${E2E_GATEWAY_NAME}" \
        --set "httpRoute.parentRefs[0].namespace=${E2E_GATEWAY_NAMESPACE}" \
        --set "httpRoute.parentRefs[0].sectionName=${E2E_GATEWAY_LISTENER}" \
        --set "httpRoute.hostnames[0]=${E2E_ROUTE_HOST}" ;;
    *) "${HELM}" "$@" ;;
  esac
}
minikube() {
  case "${1:-} ${2:-}" in
    "start "*) kubectl get --raw /readyz >/dev/null && echo "cluster answers (minikube start: stand-in)" ;;
    "addons enable")
      [[ ${3:-} == ingress ]] || { echo "minikube addons enable ${3:-}: no stand-in" >&2; return 1; }
      [[ -n $(kubectl get ingressclass -o name) ]] || { echo "the cluster has no IngressClass" >&2; return 1; }
      echo "IngressClass present: $(kubectl get ingressclass -o name | tr '\n' ' ')" ;;
    "image load")
      shift 2
      if [[ ${E2E_LOAD_CMD} == "minikube image load" ]]; then command minikube image load "$@"; else ${E2E_LOAD_CMD} "$@"; fi ;;
    "ip "*) echo 127.0.0.1 ;;
    *) echo "minikube $*: no stand-in on the test cluster (add one to scripts/e2e/deploy.sh and the table in docs/deployment.md)" >&2; return 1 ;;
  esac
}
npm() {
  if [[ ${1:-} == ci && -d node_modules/.bin ]]; then
    echo "npm ci: node_modules already installed (stand-in: skipped)"
  else
    command npm "$@"
  fi
}
EOF
}

E2E_LOAD_CMD="$(e2e::load_cmd)"
[[ ${E2E_LOAD_CMD} != true ]] || e2e::warn "unknown kind of cluster: the images must already be on its nodes"
export E2E_LOAD_CMD KUBECTL HELM

for step in "$@"; do
  block="$(e2e::doc_step "${step}")"
  e2e::log "docs/deployment.md step '${step}':"
  printf '%s\n' "${block}" | sed 's/^/    | /' >&2
  start=${SECONDS}
  (
    cd "${REPO_ROOT}"
    export KUBECONFIG="${kubeconfig}"
    export DATABASE_URL="${DATABASE_URL:-}" OPENAI_API_KEY="${OPENAI_API_KEY:-}"
    # Secret values never reach the log: xtrace stays off.
    bash -euo pipefail -c "$(prelude)
$(printf '%s\n' "${block}")"
  ) || e2e::die "step '${step}' of docs/deployment.md failed"
  printf '%s\t%s\n' "${step}" "$((SECONDS - start))" >>"${E2E_STATE}/timings.tsv"
  e2e::log "step '${step}' done in $((SECONDS - start))s"
done
