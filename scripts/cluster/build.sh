#!/usr/bin/env bash
# Builds every binary the test cluster needs, from the Go module proxy, offline otherwise.
#
# Usage: scripts/cluster/build.sh [--background] [NAME...]
#   NAME is one of: kubernetes etcd pause coredns traefik helm3 helm4 (default: all, in
#   that order — longest first). Versions come from scripts/versions.env.
#   --background  start the build detached, log to $CACHE/logs/build.log, print the PID and
#                 return; a later build.sh/up.sh waits for it through the per-build locks.
#
# Output: $CACHE/bin/<name>-<version> (CACHE=${TODO_APP_CACHE:-~/.cache/todo-app}). A binary
# that already exists is never rebuilt, so a warm run builds nothing and takes a second.
# Each build holds flock $CACHE/locks/<name>-<version>.lock, so concurrent builders (two
# shells, or this and scripts/tools/install.sh) wait for each other instead of colliding.
# Cold, everything is ~30 CPU-minutes on 2 cores; the Go build cache is kept between runs.
set -o errexit -o nounset -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL_TARGETS=(kubernetes etcd pause coredns traefik helm3 helm4)

if [[ ${1:-} == --background ]]; then
  shift
  mkdir -p "${CACHE}/logs"
  nohup "${BASH_SOURCE[0]}" "$@" >"${CACHE}/logs/build.log" 2>&1 </dev/null &
  echo $! >"${CACHE}/logs/build.pid"
  kube::log "build started in the background (PID $!), log: ${CACHE}/logs/build.log"
  exit 0
fi

command -v go >/dev/null || kube::die "go is not on PATH (Go >= 1.25 is needed to build the cluster)"
kube::ensure_commands gcc:gcc flock:util-linux

export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
mkdir -p "${BIN}" "${WORK}" "${LOCKS}"

# Runs a Go/compiler command at low priority: the machine is shared with other work.
nicely() { nice -n 10 "$@"; }

# build_locked NAME VERSION FUNCTION: runs FUNCTION under the build lock unless every output
# FUNCTION declares (via the OUTPUTS array set by the caller) is already present.
have_all() { local o; for o in "$@"; do [[ -x ${o} ]] || return 1; done; }

build_locked() {
  local name=$1 version=$2 fn=$3; shift 3
  local outputs=("$@")
  if have_all "${outputs[@]}"; then
    kube::log "${name} ${version}: cached"
    return 0
  fi
  local lock="${LOCKS}/${name}-${version}.lock" start=${SECONDS}
  exec {lock_fd}>"${lock}"
  if ! flock -n "${lock_fd}"; then
    kube::log "${name} ${version}: another build holds ${lock}, waiting"
    flock "${lock_fd}"
  fi
  if have_all "${outputs[@]}"; then
    kube::log "${name} ${version}: built by the other holder of the lock"
  else
    kube::log "${name} ${version}: building"
    "${fn}" "${version}"
    have_all "${outputs[@]}" || kube::die "${name} ${version}: build finished without producing ${outputs[*]}"
    kube::log "${name} ${version}: done in $((SECONDS - start))s"
  fi
  exec {lock_fd}>&-
}

# install_bin SRC NAME VERSION: atomic, so a reader never sees a half-written binary.
install_bin() {
  install -m 0755 "$1" "${BIN}/.$2-$3.tmp"
  mv -f "${BIN}/.$2-$3.tmp" "${BIN}/$2-$3"
}

# module_gomod MODULE@VERSION -> the path of the module's go.mod in the module cache.
module_gomod() { go mod download -json "$1" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p'; }

build_kubernetes() {
  local v=$1 dir="${WORK}/kubernetes-$1"
  local staging="v0.${v#v1.}"   # k8s.io/* staging modules are tagged v0.<minor>.<patch>
  mkdir -p "${dir}"
  local upstream_gomod
  upstream_gomod="$(module_gomod "k8s.io/kubernetes@${v}")"
  [[ -f ${upstream_gomod} ]] || kube::die "could not download k8s.io/kubernetes@${v} from the Go module proxy"

  # `go install k8s.io/kubernetes/cmd/...@v` is refused because the module replaces its
  # staging modules with ./staging paths; a consumer module replaces them with the
  # published versions instead.
  {
    printf 'module todo-app/cluster-build/kubernetes\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes %s\n\n' "${v}"
    grep -E '^[[:space:]]*k8s\.io/[^ ]+ => \./staging/' "${upstream_gomod}" \
      | awk -v sv="${staging}" '{ printf "replace %s => %s %s\n", $1, $1, sv }'
  } >"${dir}/go.mod"
  (($(grep -c '^replace ' "${dir}/go.mod") > 20)) || kube::die "found too few staging replaces in ${upstream_gomod}"
  {
    printf '//go:build tools\n\n// Keeps the component packages in this module graph for go mod tidy.\npackage tools\n\nimport (\n'
    local c
    for c in "${K8S_COMPONENTS[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "${c}"; done
    printf ')\n'
  } >"${dir}/tools.go"
  (cd "${dir}" && nicely go mod tidy)

  # Without the version stamp kubeadm looks the version up online and Helm's kubeVersion
  # checks see v0.0.0.
  local minor=${v#v1.}; minor=${minor%%.*}
  local ldflags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X ${pkg}.gitVersion=${v} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
    ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
  done
  local c
  for c in "${K8S_COMPONENTS[@]}"; do
    [[ -x ${BIN}/${c}-${v} ]] && continue
    kube::log "  go build k8s.io/kubernetes/cmd/${c}"
    (cd "${dir}" && nicely go build -trimpath -ldflags "${ldflags}" -o "${dir}/out/${c}" "k8s.io/kubernetes/cmd/${c}")
    install_bin "${dir}/out/${c}" "${c}" "${v}"
  done
}

build_etcd() {
  local v=$1 dir="${WORK}/etcd-$1"
  mkdir -p "${dir}"
  printf 'module todo-app/cluster-build/etcd\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "${v}" >"${dir}/go.mod"
  cat >"${dir}/main.go" <<'GO'
// The etcd server binary; the upstream main package lives outside any released module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "${dir}" && nicely go mod tidy && nicely go build -trimpath -ldflags "-s -w" -o out/etcd .)
  install_bin "${dir}/out/etcd" etcd "${v}"
}

build_pause() {
  local v=$1 dir="${WORK}/pause-$1" src
  src="$(kube::module_dir "k8s.io/kubernetes@${KUBERNETES_VERSION}")/build/pause/linux/pause.c"
  [[ -f ${src} ]] || kube::die "pause.c not found in k8s.io/kubernetes@${KUBERNETES_VERSION}"
  mkdir -p "${dir}"
  nicely gcc -Os -Wall -Werror -static -DVERSION="v${v}" -o "${dir}/pause" "${src}"
  strip "${dir}/pause"
  install_bin "${dir}/pause" pause "${v}"
}

build_coredns() {
  local v=$1 dir="${WORK}/coredns-$1"
  mkdir -p "${dir}"
  (cd "${dir}" && GOBIN="${dir}/out" nicely go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@${v}")
  install_bin "${dir}/out/coredns" coredns "${v}"
}

build_traefik() {
  local v=$1 dir="${WORK}/traefik-$1" upstream_gomod
  mkdir -p "${dir}"
  upstream_gomod="$(module_gomod "github.com/traefik/traefik/v3@${v}")"
  [[ -f ${upstream_gomod} ]] || kube::die "could not download github.com/traefik/traefik/v3@${v}"
  # go install refuses modules with replace directives; a consumer module carries them.
  {
    printf 'module todo-app/cluster-build/traefik\n\ngo 1.25.0\n\n'
    awk '/^replace \($/ { inblock = 1; print; next }
         inblock { print; if ($0 ~ /^\)$/) inblock = 0; next }
         /^replace / { print }' "${upstream_gomod}"
  } >"${dir}/go.mod"
  (cd "${dir}" \
    && nicely go get "github.com/traefik/traefik/v3/cmd/traefik@${v}" \
    && nicely go build -trimpath \
      -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${v} -X github.com/traefik/traefik/v3/pkg/version.Codename=todo-cluster" \
      -o out/traefik github.com/traefik/traefik/v3/cmd/traefik)
  install_bin "${dir}/out/traefik" traefik "${v}"
}

# helm is built by the project's one tool installer (it stamps the version and, for helm 3,
# the Kubernetes version it renders for offline), under the same cache path and lock.
build_helm() { "${REPO_ROOT}/scripts/tools/install.sh" "$1"; }

build_target() {
  case $1 in
    kubernetes)
      local outs=() c
      for c in "${K8S_COMPONENTS[@]}"; do outs+=("$(kube::k8s_bin "${c}")"); done
      build_locked kubernetes "${KUBERNETES_VERSION}" build_kubernetes "${outs[@]}" ;;
    etcd) build_locked etcd "${ETCD_VERSION}" build_etcd "$(kube::bin etcd "${ETCD_VERSION}")" ;;
    pause) build_locked pause "${PAUSE_VERSION}" build_pause "$(kube::bin pause "${PAUSE_VERSION}")" ;;
    coredns) build_locked coredns "${COREDNS_VERSION}" build_coredns "$(kube::bin coredns "${COREDNS_VERSION}")" ;;
    traefik) build_locked traefik "${TRAEFIK_VERSION}" build_traefik "$(kube::bin traefik "${TRAEFIK_VERSION}")" ;;
    helm3 | helm4) build_helm "$1" ;;
    *) kube::die "unknown build target '$1' (known: ${ALL_TARGETS[*]})" ;;
  esac
}

targets=("$@")
((${#targets[@]})) || targets=("${ALL_TARGETS[@]}")
start=${SECONDS}
for t in "${targets[@]}"; do build_target "${t}"; done
kube::log "build complete in $((SECONDS - start))s; binaries in ${BIN}"
