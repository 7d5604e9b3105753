#!/usr/bin/env bash
# Prints what is needed to debug the cluster: component processes, nodes, pods, recent events,
# the logs of pods that are not Ready, and the tail of every component's log.
# up.sh and the test suites call it on any failure.
#
# Usage: scripts/cluster/status.sh [LINES]     (LINES of each log, default 25)
#   With KUBECONFIG set (e.g. kind or Minikube), shows that cluster's objects instead and
#   skips the component logs, which only exist for the cluster of up.sh.
set -o nounset -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lines=${1:-25}

KUBECTL_BIN="$(kube::k8s_bin kubectl)"
[[ -x ${KUBECTL_BIN} ]] || KUBECTL_BIN="$(command -v kubectl || true)"
[[ -n ${KUBECTL_BIN} ]] || kube::die "no kubectl: run scripts/cluster/build.sh"
own_cluster=false
if [[ -z ${KUBECONFIG:-} || ${KUBECONFIG} == "${KUBECONFIG_OUT}" ]]; then
  own_cluster=true
  export KUBECONFIG="${KUBECONFIG_OUT}"
  [[ -f ${KUBECONFIG} ]] || export KUBECONFIG="${KUBE_DIR}/super-admin.conf"
fi
k() { "${KUBECTL_BIN}" --request-timeout 10s "$@"; }
section() { printf '\n\033[1m=== %s ===\033[0m\n' "$*"; }

if ${own_cluster}; then
  section "components (${PID_DIR})"
  for c in containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
    if kube::pid_alive "${c}"; then
      printf '  %-24s running  PID %s  RSS %s kB\n' "${c}" "$(cat "${PID_DIR}/${c}.pid")" \
        "$(awk '/^VmRSS/ { print $2 }' "/proc/$(cat "${PID_DIR}/${c}.pid")/status" 2>/dev/null)"
    else
      printf '  %-24s NOT RUNNING\n' "${c}"
    fi
  done
fi

if k get --raw /readyz >/dev/null 2>&1; then
  section "nodes"
  k get nodes -o wide
  section "pods"
  k get pods --all-namespaces -o wide
  section "recent events"
  k get events --all-namespaces --sort-by .lastTimestamp 2>/dev/null | tail -n 40
  # Pods that are not Ready: their description's tail and their containers' last logs.
  while read -r ns name; do
    [[ -n ${name} ]] || continue
    section "pod ${ns}/${name} (not ready)"
    k -n "${ns}" describe pod "${name}" | sed -n '/^Containers:/,$p' | tail -n "${lines}"
    k -n "${ns}" logs "${name}" --all-containers --tail "${lines}" 2>&1 | sed 's/^/  log: /'
    k -n "${ns}" logs "${name}" --all-containers --previous --tail "${lines}" 2>/dev/null | sed 's/^/  previous: /'
  done < <(k get pods --all-namespaces -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{range .status.conditions[?(@.type=="Ready")]}{.status}{end}{"\n"}{end}' \
    | awk '$3 != "True" { print $1, $2 }')
else
  section "API server"
  echo "  not answering at $(k config view --minify -o jsonpath='{.clusters[0].cluster.server}' 2>/dev/null)"
fi

if ${own_cluster}; then
  for f in "${LOG_DIR}"/*.log; do
    [[ -f ${f} ]] || continue
    section "$(basename "${f}") (last ${lines} lines)"
    tail -n "${lines}" "${f}"
  done
fi
exit 0
