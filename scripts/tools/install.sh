#!/usr/bin/env bash
# Installs the pinned tools that check the manifests and the chart, and the offline JSON
# schemas they validate against. Nothing is assumed to be on PATH.
#
# Usage: scripts/tools/install.sh [--print-env] [NAME...]
#   NAME is one of: kubeconform kustomize kube-score schemas helm3 helm4 (default: all).
#   --print-env  after installing, print shell assignments of every tool path
#                (eval "$(scripts/tools/install.sh --print-env)").
#
# Output, under CACHE=${TODO_APP_CACHE:-~/.cache/todo-app}:
#   bin/<name>-<version>                       binaries, built with `go install` from the Go
#                                              module proxy (helm has its version stamped)
#   schemas/kubernetes-<version>-strict-<id>/  kubeconform schemas of every built-in kind,
#                                              generated from k8s.io/kubernetes' OpenAPI
#   schemas/gateway-api-<version>-strict-<id>/ the same for the Gateway API standard CRDs
#                                              (<id>: hash of the generator script)
# Present outputs are never rebuilt (a warm run takes about a second). Every build holds
# flock $CACHE/locks/<name>-<version>.lock, the same locks scripts/cluster/build.sh takes for
# helm, so whoever comes first builds and the other waits and reuses the binary.
# Cold: about 12 CPU-minutes (helm 3 and 4 are ~5 each), schemas ~10 s.
set -o errexit -o nounset -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../versions.env
source "${REPO_ROOT}/scripts/versions.env"
CACHE="${TODO_APP_CACHE:-$HOME/.cache/todo-app}"
BIN="${CACHE}/bin" WORK="${CACHE}/work" LOCKS="${CACHE}/locks" SCHEMAS="${CACHE}/schemas"

log() { printf '[tools %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[tools %s] ERROR %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

trap 'log "FAILED (exit $?): ${BASH_COMMAND}"' ERR

print_env=false
if [[ ${1:-} == --print-env ]]; then print_env=true; shift; fi
ALL=(kubeconform kustomize kube-score schemas helm3 helm4)
targets=("$@")
((${#targets[@]})) || targets=("${ALL[@]}")

command -v go >/dev/null || die "go is not on PATH; Go >= 1.25 builds these tools from the Go module proxy"
command -v flock >/dev/null || { apt-get install -y util-linux >&2 || die "flock (util-linux) is missing"; }
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
mkdir -p "${BIN}" "${WORK}" "${LOCKS}" "${SCHEMAS}"

# locked NAME VERSION OUTPUT FUNCTION...: runs FUNCTION under the build lock unless OUTPUT exists.
locked() {
  local name=$1 version=$2 out=$3; shift 3
  # --print-env callers (the tests) run this on every start: stay quiet when all is cached.
  [[ -e ${out} ]] && { ${print_env} || log "${name} ${version}: cached"; return 0; }
  local lock_fd start=${SECONDS}
  exec {lock_fd}>"${LOCKS}/${name}-${version}.lock"
  flock -n "${lock_fd}" || { log "${name} ${version}: another build holds the lock, waiting"; flock "${lock_fd}"; }
  if [[ -e ${out} ]]; then
    log "${name} ${version}: built by the other holder of the lock"
  else
    log "${name} ${version}: building"
    "$@"
    log "${name} ${version}: done in $((SECONDS - start))s"
  fi
  exec {lock_fd}>&-
}

# go_tool NAME VERSION PACKAGE@VERSION [LDFLAGS]: go install into a private GOBIN, then move
# the binary into place atomically so a reader never sees half a file.
go_tool() {
  local name=$1 version=$2 pkg=$3 ldflags=${4:-} dir="${WORK}/$1-$2"
  mkdir -p "${dir}"
  (cd "${dir}" && GOBIN="${dir}/out" nice -n 10 go install -trimpath -ldflags "-s -w ${ldflags}" "${pkg}")
  # The binary is named after the last path element that is not a major version suffix.
  local path="${pkg%@*}" base
  base="${path##*/}"
  [[ ${base} =~ ^v[0-9]+$ ]] && { path="${path%/*}"; base="${path##*/}"; }
  local built="${dir}/out/${base}"
  [[ -x ${built} ]] || die "${name}: go install produced no ${built}"
  install -m 0755 "${built}" "${BIN}/${name}-${version}.tmp"
  mv "${BIN}/${name}-${version}.tmp" "${BIN}/${name}-${version}"
}

build_helm() {
  local major=$1 v=$2 k8s=''
  if [[ ${major} == v3 ]]; then
    # Helm 3 assumes Kubernetes v1.20 offline (helm template, lint, install --dry-run=client)
    # unless its release build stamps the version of the client-go it is built with; a chart
    # with kubeVersion >= 1.30 would not render. Stamp it the way helm's Makefile does.
    local gomod minor
    gomod="$(go mod download -json "helm.sh/helm/v3@${v}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
    minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "${gomod}")"
    [[ -n ${minor} ]] || die "helm ${v}: no k8s.io/client-go version in ${gomod}"
    local pkg
    for pkg in pkg/chartutil pkg/lint/rules; do
      k8s+=" -X helm.sh/helm/v3/${pkg}.k8sVersionMajor=1 -X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${minor}"
    done
  fi
  # Helm 4 reads the Kubernetes version from its own build info: nothing to stamp.
  go_tool helm "${v}" "helm.sh/helm/${major}/cmd/helm@${v}" \
    "-X helm.sh/helm/${major}/internal/version.version=${v} -X helm.sh/helm/${major}/internal/version.gitTreeState=clean${k8s}"
}

# The schema generator runs on the repo's pinned Node (npx resolves the `node` devDependency).
node_run() { (cd "${REPO_ROOT}" && npx --no-install node "$@"); }

build_k8s_schemas() {
  local out=$1 dir
  dir="$(go mod download -json "k8s.io/kubernetes@${KUBERNETES_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d ${dir}/api/openapi-spec/v3 ]] || die "k8s.io/kubernetes@${KUBERNETES_VERSION} has no api/openapi-spec/v3"
  rm -rf "${out}.tmp"
  node_run "${REPO_ROOT}/scripts/tools/openapi2jsonschema.mjs" openapi "${dir}/api/openapi-spec/v3" "${out}.tmp"
  mv "${out}.tmp" "${out}"
}

build_gateway_schemas() {
  local out=$1 dir
  dir="$(go mod download -json "sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d ${dir}/config/crd/standard ]] || die "sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION} has no config/crd/standard"
  rm -rf "${out}.tmp"
  node_run "${REPO_ROOT}/scripts/tools/openapi2jsonschema.mjs" crd "${dir}/config/crd/standard" "${out}.tmp"
  mv "${out}.tmp" "${out}"
}

# The generator's own hash is part of the directory name: a changed generator regenerates.
gen_id="$(sha256sum "${REPO_ROOT}/scripts/tools/openapi2jsonschema.mjs" | cut -c1-12)"
k8s_schema_dir="${SCHEMAS}/kubernetes-${KUBERNETES_VERSION}-strict-${gen_id}"
gw_schema_dir="${SCHEMAS}/gateway-api-${GATEWAY_API_VERSION}-strict-${gen_id}"
for t in "${targets[@]}"; do
  case ${t} in
    kubeconform) locked kubeconform "${KUBECONFORM_VERSION}" "${BIN}/kubeconform-${KUBECONFORM_VERSION}" \
      go_tool kubeconform "${KUBECONFORM_VERSION}" "github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION}" ;;
    kustomize) locked kustomize "${KUSTOMIZE_VERSION}" "${BIN}/kustomize-${KUSTOMIZE_VERSION}" \
      go_tool kustomize "${KUSTOMIZE_VERSION}" "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}" \
      "-X sigs.k8s.io/kustomize/api/provenance.version=${KUSTOMIZE_VERSION}" ;;
    kube-score) locked kube-score "${KUBE_SCORE_VERSION}" "${BIN}/kube-score-${KUBE_SCORE_VERSION}" \
      go_tool kube-score "${KUBE_SCORE_VERSION}" "github.com/zegl/kube-score/cmd/kube-score@${KUBE_SCORE_VERSION}" \
      "-X main.version=${KUBE_SCORE_VERSION}" ;;
    schemas)
      locked schemas-kubernetes "${KUBERNETES_VERSION}" "${k8s_schema_dir}" build_k8s_schemas "${k8s_schema_dir}"
      locked schemas-gateway-api "${GATEWAY_API_VERSION}" "${gw_schema_dir}" build_gateway_schemas "${gw_schema_dir}" ;;
    helm3) locked helm "${HELM3_VERSION}" "${BIN}/helm-${HELM3_VERSION}" build_helm v3 "${HELM3_VERSION}" ;;
    helm4) locked helm "${HELM4_VERSION}" "${BIN}/helm-${HELM4_VERSION}" build_helm v4 "${HELM4_VERSION}" ;;
    *) die "unknown tool '${t}' (known: ${ALL[*]})" ;;
  esac
done

if ${print_env}; then
  printf 'KUBERNETES_VERSION=%q\nHELM3=%q\nHELM4=%q\nKUBECONFORM=%q\nKUSTOMIZE=%q\nKUBE_SCORE=%q\nK8S_SCHEMAS=%q\nGATEWAY_SCHEMAS=%q\n' \
    "${KUBERNETES_VERSION}" "${BIN}/helm-${HELM3_VERSION}" "${BIN}/helm-${HELM4_VERSION}" "${BIN}/kubeconform-${KUBECONFORM_VERSION}" \
    "${BIN}/kustomize-${KUSTOMIZE_VERSION}" "${BIN}/kube-score-${KUBE_SCORE_VERSION}" "${k8s_schema_dir}" "${gw_schema_dir}"
fi
