#!/usr/bin/env bash
# Builds the container images the cluster itself runs, from the binaries of build.sh:
#   registry.k8s.io/pause:<PAUSE_VERSION>          the sandbox image containerd is told to use
#   localhost/todo-cluster/coredns:<COREDNS_VERSION>  runs as root: the CoreDNS manifest drops ALL
#                                                  capabilities and adds NET_BIND_SERVICE, which a
#                                                  non-root process would not receive (port 53)
#   localhost/todo-cluster/traefik:<TRAEFIK_VERSION>  non-root (65532), listens on 8000/8080
# Each is FROM scratch with one static binary, so nothing is pulled. Skips images that exist.
#
# Usage: scripts/cluster/images.sh     (prints nothing on stdout; up.sh calls it)
set -o errexit -o nounset -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "${REPO_ROOT}/scripts/images/docker-lib.sh"

ensure_docker

# build_image REF BINARY_PATH USER EXTRA_DOCKERFILE_LINES
build_image() {
  local ref=$1 binary=$2 user=$3 name
  name="$(basename "${binary}")"; name=${name%%-*}
  if image_exists "${ref}"; then
    kube::log "image ${ref}: exists"
    return 0
  fi
  [[ -x ${binary} ]] || kube::die "image ${ref} needs ${binary}; run scripts/cluster/build.sh"
  local ctx
  ctx="$(mktemp -d)"
  cp "${binary}" "${ctx}/${name}"
  {
    printf 'FROM scratch\nCOPY %s /%s\n' "${name}" "${name}"
    [[ -n ${user} ]] && printf 'USER %s\n' "${user}"
    printf 'ENTRYPOINT ["/%s"]\n' "${name}"
  } >"${ctx}/Dockerfile"
  kube::log "image ${ref}: building"
  "${DOCKER}" build -q -t "${ref}" "${ctx}" >/dev/null || { rm -rf "${ctx}"; kube::die "docker build of ${ref} failed"; }
  rm -rf "${ctx}"
}

build_image "${PAUSE_IMAGE}" "$(kube::bin pause "${PAUSE_VERSION}")" 65535:65535
build_image "${COREDNS_IMAGE}" "$(kube::bin coredns "${COREDNS_VERSION}")" ""
build_image "${TRAEFIK_IMAGE}" "$(kube::bin traefik "${TRAEFIK_VERSION}")" 65532:65532
