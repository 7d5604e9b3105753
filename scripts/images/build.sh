#!/usr/bin/env bash
# Builds the project's container images on the local Docker engine, from a fresh machine and
# without any container registry:
#
#   todo-backend:<version>   backend/Dockerfile                  (the product images)
#   todo-frontend:<version>  frontend/Dockerfile
#   todo-postgres:<version>  infra/compose/postgres/Dockerfile   (Compose stack only)
#   todo-proxy:<version>     infra/compose/proxy/Dockerfile      (Compose stack only)
#
# Usage: scripts/images/build.sh [backend|frontend|postgres|proxy]...   (default: all four)
#
# <version> is the root package.json's. The real Dockerfiles are built unchanged: the base
# images they name (node:<NODE_MAJOR>-bookworm-slim, debian:bookworm-slim) are stand-ins made
# locally when missing (scripts/images/base-image.sh; the Debian one is imported from the
# same debootstrap root filesystem), and BuildKit uses a local image of that name as it is.
#
# Environment:
#   TODO_APP_CA_BUNDLE  CA bundle of a TLS-intercepting proxy, handed to `npm ci` as the build
#                       secret `ca` (never stored in a layer). Default: $NODE_EXTRA_CA_CERTS
#                       when it names a readable file. Set it to "none" to pass nothing.
#   IMAGE_TAG           tag instead of the package version.
#   IMAGE_SOURCE        org.opencontainers.image.source label (default: the git remote
#                       `origin` without credentials, else the package.json repository).
#   BUILD_NO_CACHE=1    build without BuildKit's layer cache.
#
# Progress goes to stderr, the full BuildKit log of each image to
# $CACHE/logs/images/<name>.log; stdout gets one `<image> <seconds>` line per built image.
# Cold (empty BuildKit cache): about 3 min per Node image on 2 cores, 1 min each for the two
# Debian ones; warm (nothing changed): a few seconds in total.
set -o errexit -o nounset -o pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
# shellcheck source=../versions.env
source "${REPO_ROOT}/scripts/versions.env"
# shellcheck source=docker-lib.sh
source "${SCRIPT_DIR}/docker-lib.sh"

CACHE="${TODO_APP_CACHE:-$HOME/.cache/todo-app}"
LOG_DIR="${CACHE}/logs/images"
DEBIAN_TAG=debian:bookworm-slim
DEBIAN_TAR="${CACHE}/images/debian-bookworm-minbase.rootfs.tar"
ALL=(backend frontend postgres proxy)

log() { docker_lib::log "images: $*"; }
die() { docker_lib::die "images: $*"; }

targets=("$@")
((${#targets[@]})) || targets=("${ALL[@]}")
for t in "${targets[@]}"; do
  [[ " ${ALL[*]} " == *" ${t} "* ]] || die "unknown image '${t}' (known: ${ALL[*]})"
done

command -v python3 >/dev/null || die "python3 is needed to read package.json"
version="${IMAGE_TAG:-$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "${REPO_ROOT}/package.json")}"
[[ ${version} =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "'${version}' is not a valid image tag"
[[ ${version} != latest ]] || die "the tag 'latest' is not used (Kubernetes would pull it Always)"

revision="$(git -C "${REPO_ROOT}" rev-parse HEAD 2>/dev/null || echo unknown)"
if [[ -z ${IMAGE_SOURCE:-} ]]; then
  IMAGE_SOURCE="$(git -C "${REPO_ROOT}" config --get remote.origin.url 2>/dev/null || true)"
  # Never put credentials of a remote URL (https://user:token@host/...) into a label.
  IMAGE_SOURCE="$(printf '%s' "${IMAGE_SOURCE}" | sed -E 's#^([a-z+]+://)[^/@]*@#\1#')"
  if [[ -z ${IMAGE_SOURCE} ]]; then
    IMAGE_SOURCE="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])).get("repository",""); print(r.get("url","") if isinstance(r,dict) else r)' "${REPO_ROOT}/package.json")"
  fi
  IMAGE_SOURCE="${IMAGE_SOURCE:-unknown}"
fi

ca_bundle="${TODO_APP_CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-}}"
secret_args=()
if [[ -n ${ca_bundle} && ${ca_bundle} != none ]]; then
  [[ -r ${ca_bundle} ]] || die "CA bundle '${ca_bundle}' is not readable (TODO_APP_CA_BUNDLE / NODE_EXTRA_CA_CERTS)"
  secret_args=(--secret "id=ca,src=${ca_bundle}")
fi

ensure_docker
mkdir -p "${LOG_DIR}"

need_node=false need_debian=false
for t in "${targets[@]}"; do
  case ${t} in backend | frontend) need_node=true ;; *) need_debian=true ;; esac
done

if ${need_node}; then
  log "base image node:${NODE_MAJOR}-bookworm-slim"
  "${SCRIPT_DIR}/base-image.sh" >/dev/null
fi

# debian:bookworm-slim: the Debian root filesystem base-image.sh keeps, imported as it is.
ensure_debian_base() {
  image_exists "${DEBIAN_TAG}" && return 0
  if [[ ! -f ${DEBIAN_TAR} ]]; then
    # base-image.sh creates the tarball on its way to the node image; with a node image
    # already present it has nothing to do, so force the root filesystem step only when
    # the tarball is what is missing.
    log "no cached Debian root filesystem; building it through base-image.sh --force"
    "${SCRIPT_DIR}/base-image.sh" --force >/dev/null
  fi
  [[ -f ${DEBIAN_TAR} ]] || die "${DEBIAN_TAR} is missing after base-image.sh"
  log "docker import ${DEBIAN_TAG} from ${DEBIAN_TAR}"
  # Made like the official slim image: apt sources for bookworm, bookworm-updates and
  # bookworm-security (debootstrap writes only `bookworm main`, so `apt-get install` in
  # the Compose images would miss security fixes), no package lists, docs or locales.
  python3 - "${DEBIAN_TAR}" <<'PY' | "${DOCKER}" import \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change 'CMD ["bash"]' - "${DEBIAN_TAG}" >/dev/null
import io, sys, tarfile
SOURCES = b"""Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
DROP = ("var/lib/apt/lists/", "usr/share/doc/", "usr/share/man/", "usr/share/info/", "usr/share/locale/", "var/cache/apt/")
src = tarfile.open(sys.argv[1])
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|")
for m in src:
    name = m.name[2:] if m.name.startswith("./") else m.name
    if name == "etc/apt/sources.list" or (name.startswith(DROP) and not name.endswith("/lock") and name not in DROP):
        continue
    out.addfile(m, src.extractfile(m) if m.isreg() else None)
info = tarfile.TarInfo("./etc/apt/sources.list.d/debian.sources")
info.size, info.mode = len(SOURCES), 0o644
out.addfile(info, io.BytesIO(SOURCES))
out.close()
PY
}
${need_debian} && ensure_debian_base

# Each BuildKit step header once, shortened, as it arrives (mawk would buffer its input).
show_steps() {
  local line
  declare -A seen=()
  while IFS= read -r line; do
    [[ -n ${seen[${line}]:-} ]] && continue
    seen[${line}]=1
    printf '    %.150s\n' "${line}" >&2
  done
}

# build NAME DOCKERFILE CONTEXT: one image, progress lines on stderr, full log in LOG_DIR.
build() {
  local name=$1 dockerfile=$2 context=$3 tag="todo-$1:${version}" logf="${LOG_DIR}/$1.log" start=${SECONDS}
  local args=(build --progress=plain -f "${REPO_ROOT}/${dockerfile}" -t "${tag}"
    --build-arg "VERSION=${version}" --build-arg "REVISION=${revision}" --build-arg "SOURCE=${IMAGE_SOURCE}")
  [[ ${BUILD_NO_CACHE:-0} == 1 ]] && args+=(--no-cache)
  case ${name} in
    backend | frontend) args+=("${secret_args[@]}" --build-arg "NODE_IMAGE=node:${NODE_MAJOR}-bookworm-slim") ;;
    *) args+=(--build-arg "DEBIAN_IMAGE=${DEBIAN_TAG}") ;;
  esac
  log "building ${tag} from ${dockerfile} (log: ${logf})"
  # Show the step headers as they start: enough to see where a slow build is.
  local rc_file="${logf}.rc"
  { DOCKER_BUILDKIT=1 "${DOCKER}" "${args[@]}" "${REPO_ROOT}/${context}" 2>&1; echo $? >"${rc_file}"; } \
    | tee "${logf}" \
    | { grep --line-buffered -E '^#[0-9]+ \[[^]]+\] [A-Z]+' || true; } \
    | show_steps
  if [[ $(cat "${rc_file}") != 0 ]]; then
    tail -n 40 "${logf}" >&2
    die "building ${tag} failed (full log: ${logf})"
  fi
  local size
  size="$("${DOCKER}" image inspect -f '{{.Size}}' "${tag}")"
  log "${tag} built in $((SECONDS - start))s, $((size / 1000000)) MB"
  printf '%s %s\n' "${tag}" "$((SECONDS - start))"
}

for t in "${targets[@]}"; do
  case ${t} in
    backend) build backend backend/Dockerfile . ;;
    frontend) build frontend frontend/Dockerfile . ;;
    postgres) build postgres infra/compose/postgres/Dockerfile infra/compose/postgres ;;
    proxy) build proxy infra/compose/proxy/Dockerfile infra/compose/proxy ;;
  esac
done
