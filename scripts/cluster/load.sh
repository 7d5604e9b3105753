#!/usr/bin/env bash
# Copies images from the local Docker daemon into the cluster's containerd (namespace k8s.io),
# where the kubelet finds them: no registry is involved.
#
# Usage: scripts/cluster/load.sh IMAGE[:TAG]...
#   e.g. scripts/cluster/load.sh todo-backend:dev todo-frontend:dev
# Pods must then use the same reference with a fixed tag (not :latest) and
# imagePullPolicy IfNotPresent. An image whose Docker ID was already loaded is skipped.
# Against an existing cluster (KUBECONFIG set to kind/Minikube) use `kind load docker-image`
# or `minikube image load` instead; this script only knows the cluster of up.sh.
set -o errexit -o nounset -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "${REPO_ROOT}/scripts/images/docker-lib.sh"

(($#)) || kube::die "usage: $0 IMAGE[:TAG]...  (images from the local Docker daemon)"
kube::require_root
[[ -S ${CONTAINERD_SOCK} ]] || kube::die "the cluster's containerd is not running (${CONTAINERD_SOCK} missing); run scripts/cluster/up.sh"
ensure_docker

ctr_k8s() { ctr --address "${CONTAINERD_SOCK}" --namespace k8s.io "$@"; }

# The name containerd stores for a Docker reference: Docker's short forms expanded.
full_ref() {
  local ref=$1 first=${1%%/*}
  [[ ${ref} == *:* || ${ref} == *@* ]] || ref+=":latest"
  if [[ ${ref} != */* ]]; then
    printf 'docker.io/library/%s' "${ref}"
  elif [[ ${first} == *.* || ${first} == *:* || ${first} == localhost ]]; then
    printf '%s' "${ref}"
  else
    printf 'docker.io/%s' "${ref}"
  fi
}

mkdir -p "${CLUSTER}/loaded"
for image in "$@"; do
  id="$("${DOCKER}" image inspect --format '{{.Id}}' "${image}" 2>/dev/null)" \
    || kube::die "image '${image}' is not in the local Docker daemon (build it first)"
  ref="$(full_ref "${image}")"
  stamp="${CLUSTER}/loaded/$(printf '%s' "${ref}" | tr '/:@' '___')"
  if [[ -f ${stamp} && $(cat "${stamp}") == "${id}" ]] && [[ -n $(ctr_k8s images ls -q "name==${ref}") ]]; then
    kube::log "load ${ref}: already in the cluster"
    continue
  fi
  start=${SECONDS}
  "${DOCKER}" save "${image}" | ctr_k8s images import - >/dev/null \
    || kube::die "importing ${image} into the cluster's containerd failed"
  [[ -n $(ctr_k8s images ls -q "name==${ref}") ]] || kube::die "containerd did not register ${ref} after the import"
  printf '%s' "${id}" >"${stamp}"
  kube::log "load ${ref}: imported in $((SECONDS - start))s"
done
