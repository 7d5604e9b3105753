#!/usr/bin/env bash
# Shared helpers for the test cluster scripts in scripts/cluster/. Sourced, never run.
#
# Everything the cluster needs lives outside the work tree, under
#   CACHE   = ${TODO_APP_CACHE:-$HOME/.cache/todo-app}
#   BIN     = $CACHE/bin/<name>-<version>     built binaries (build.sh)
#   WORK    = $CACHE/work/<name>-<version>    Go consumer modules used to build them
#   LOCKS   = $CACHE/locks/<name>-<version>.lock  flock(1) per build, shared with scripts/tools/
#   CLUSTER = $CACHE/cluster                  certificates, kubeconfigs, etcd data, logs, PIDs
# The cluster's own state on the host (containerd root/state, kubelet dir) is under
# /var/lib/todo-cluster and /run/todo-cluster so that down.sh can remove it wholesale.

# shellcheck disable=SC2034  # variables are used by the scripts that source this file
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../versions.env
source "${REPO_ROOT}/scripts/versions.env"

CACHE="${TODO_APP_CACHE:-$HOME/.cache/todo-app}"
BIN="${CACHE}/bin"
WORK="${CACHE}/work"
LOCKS="${CACHE}/locks"
CLUSTER="${CACHE}/cluster"
PKI="${CLUSTER}/pki"
KUBE_DIR="${CLUSTER}/kubernetes"       # kubeadm's --cert-dir parent and kubeconfigs
LOG_DIR="${CLUSTER}/logs"
PID_DIR="${CLUSTER}/pids"
ETCD_DATA="${CLUSTER}/etcd"
KUBECONFIG_OUT="${CLUSTER}/kubeconfig"
MANIFESTS_DIR="${REPO_ROOT}/scripts/cluster/manifests"

STATE_ROOT=/var/lib/todo-cluster
RUN_ROOT=/run/todo-cluster
CONTAINERD_ROOT="${STATE_ROOT}/containerd"
CONTAINERD_STATE="${RUN_ROOT}/containerd"
CONTAINERD_SOCK="${RUN_ROOT}/containerd.sock"
KUBELET_ROOT="${STATE_ROOT}/kubelet"
# A private CNI config and IPAM directory: nothing else on the machine reads or writes them.
CNI_CONF_DIR="${STATE_ROOT}/cni/net.d"
CNI_IPAM_DIR="${STATE_ROOT}/cni/networks"
CNI_NETWORK=todo-cluster
CNI_BIN_DIR=/usr/lib/cni

# The node's address is the CNI bridge's gateway: it exists only because we create it, so
# the cluster depends on nothing of the machine's own network (CLUSTER.md, host preparation).
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/12
CLUSTER_DNS=10.96.0.10
CLUSTER_DOMAIN=cluster.local
NODE_NAME=todo-node
BRIDGE=cni0

# Images the cluster runs, all built locally (scripts/cluster/images.sh) — nothing is pulled.
PAUSE_IMAGE="registry.k8s.io/pause:${PAUSE_VERSION}"
COREDNS_IMAGE="localhost/todo-cluster/coredns:${COREDNS_VERSION}"
TRAEFIK_IMAGE="localhost/todo-cluster/traefik:${TRAEFIK_VERSION}"

# Gateway the cluster offers to HTTPRoutes (documented in docs/testing.md).
GATEWAY_NAME=traefik-gateway
GATEWAY_NAMESPACE=traefik
GATEWAY_LISTENER=web

K8S_COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubeadm kubelet kubectl)

kube::log() { printf '\033[1;34m[%s]\033[0m %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
kube::warn() { printf '\033[1;33m[%s] WARN\033[0m %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
kube::die() { printf '\033[1;31m[%s] ERROR\033[0m %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

# bin_path NAME VERSION -> the cached binary's path (may not exist yet).
kube::bin() { printf '%s/%s-%s' "${BIN}" "$1" "$2"; }
kube::k8s_bin() { kube::bin "$1" "${KUBERNETES_VERSION}"; }

kube::require_root() {
  [[ ${EUID} -eq 0 ]] || kube::die "$(basename "$0") needs root (it manages containerd, iptables, mounts and a bridge)"
}

# Installs Debian packages for the commands that are missing (CI starts from a fresh clone).
# Arguments are pairs command:package.
kube::ensure_commands() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  ((${#missing[@]} == 0)) && return 0
  kube::log "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } \
    || kube::die "apt-get install ${missing[*]} failed"
}

# The kubectl of build.sh (same minor as the server), else the one on PATH (kind/Minikube users).
kube::kubectl() {
  local bin
  bin="$(kube::k8s_bin kubectl)"
  [[ -x ${bin} ]] || bin=kubectl
  "${bin}" --kubeconfig "${KUBECONFIG:-${KUBECONFIG_OUT}}" "$@"
}

# Polls CMD... every second until it succeeds or TIMEOUT seconds pass.
kube::wait_for() {
  local what=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { kube::warn "timed out after ${timeout}s waiting for ${what}"; return 1; }
    sleep 1
  done
}

kube::pid_alive() {
  local f="${PID_DIR}/$1.pid"
  [[ -f ${f} ]] && kill -0 "$(cat "${f}")" 2>/dev/null
}

kube::log_tail() {
  local f="${LOG_DIR}/$1.log" n=${2:-40}
  [[ -f ${f} ]] || return 0
  printf '\n----- last %s lines of %s -----\n' "${n}" "${f}" >&2
  tail -n "${n}" "${f}" >&2
}

# module_dir MODULE@VERSION -> the module's source directory, fetched from the Go module proxy.
kube::module_dir() {
  local dir
  dir="$(go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -d ${dir} ]] || kube::die "could not fetch $1 from the Go module proxy"
  printf '%s' "${dir}"
}

# kube::serialize NAME "$0" "$@": re-executes the calling script under flock(1) on
# $LOCKS/NAME.lock unless this process tree already holds it. The lock is held by the flock
# process itself (-o), so the daemons up.sh starts never inherit it.
# up.sh, down.sh and test entry points (scripts/cluster/smoke.sh, scripts/e2e/run.sh) all take
# the lock "cluster":
# a suite holds it from its up to its down, so a down.sh started elsewhere waits for the
# suite to finish instead of pulling the cluster from under it. A suite of your own that
# calls up.sh ... down.sh should start with: kube::serialize cluster "$0" "$@"
kube::serialize() {
  local name=$1; shift
  local var="TODO_CLUSTER_LOCK_${name//[^A-Za-z0-9]/_}"
  [[ -n ${!var:-} ]] && return 0
  mkdir -p "${LOCKS}"
  local lock="${LOCKS}/${name}.lock"
  flock -n "${lock}" true || kube::log "waiting for ${lock}: another session is using the cluster"
  export "${var}=1"
  exec flock -o "${lock}" "$@"
}
