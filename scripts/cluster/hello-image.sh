#!/usr/bin/env bash
# Builds the smoke suite's hello image on the stand-in base image (if not built yet) and prints
# its reference. The tag is a hash of the Dockerfile, the server and the base image's ID, so a
# change is a new tag and the cluster never runs a stale image under an old name.
#
# Usage: scripts/cluster/hello-image.sh      -> e.g. localhost/todo-cluster-test/hello:3f2a9c1b7d4e
set -o errexit -o nounset -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "${REPO_ROOT}/scripts/images/docker-lib.sh"

ensure_docker
base_image="$("${REPO_ROOT}/scripts/images/base-image.sh")"
dir="${REPO_ROOT}/tests/cluster/hello"
tag="$(cat "${dir}/Dockerfile" "${dir}/server.mjs" <("${DOCKER}" image inspect --format '{{.Id}}' "${base_image}") \
  | sha256sum | cut -c1-12)"
image="localhost/todo-cluster-test/hello:${tag}"
if ! image_exists "${image}"; then
  docker_lib::log "building ${image}"
  "${DOCKER}" build -q --build-arg "BASE_IMAGE=${base_image}" -t "${image}" "${dir}" >/dev/null \
    || docker_lib::die "docker build of ${image} failed"
fi
echo "${image}"
