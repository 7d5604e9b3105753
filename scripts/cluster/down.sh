#!/usr/bin/env bash
# Stops the cluster of up.sh and removes every trace of it from the host: processes
# (including containerd shims), mounts, network namespaces, the cni0 bridge, and the KUBE-*
# and CNI-* chains with their jump rules in iptables and ip6tables (filter, nat, mangle, raw).
# Docker's own chains are left alone; the FORWARD policy up.sh changed is put back.
#
# Usage: sudo scripts/cluster/down.sh [--purge]
#   default  keeps the cluster's data (certificates, etcd, imported images): the next up.sh
#            brings the same cluster, workloads included, back within seconds.
#   --purge  also deletes that data ($CACHE/cluster, /var/lib/todo-cluster); built binaries
#            and images in Docker stay cached.
# Idempotent; ends with a check and exits non-zero if anything of the cluster is left.
set -o errexit -o nounset -o pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${SCRIPT_DIR}/lib.sh"

purge=false
case ${1:-} in
  --purge) purge=true ;;
  "") ;;
  *) kube::die "unknown argument '$1' (usage: $0 [--purge])" ;;
esac
kube::require_root
kube::serialize cluster "$0" "$@"
START=${SECONDS}

KUBECTL_BIN="$(kube::k8s_bin kubectl)"
kubectl_admin() { env -u KUBECONFIG "${KUBECTL_BIN}" --kubeconfig "${KUBE_DIR}/super-admin.conf" --request-timeout 10s "$@"; }
ctr_k8s() { ctr --address "${CONTAINERD_SOCK}" --namespace k8s.io "$@"; }

# stop NAME GRACE_SECONDS: SIGTERM to the PID recorded by up.sh, SIGKILL after the grace time.
stop() {
  local name=$1 grace=$2 pidfile="${PID_DIR}/$1.pid" pid
  [[ -f ${pidfile} ]] || return 0
  pid="$(cat "${pidfile}")"
  if kill -0 "${pid}" 2>/dev/null; then
    kube::log "${name}: stopping (PID ${pid})"
    kill -TERM "${pid}" 2>/dev/null || true
    local deadline=$((SECONDS + grace))
    while kill -0 "${pid}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "${pid}" 2>/dev/null; then
      kube::warn "${name} ignored SIGTERM for ${grace}s, killing it"
      kill -KILL "${pid}" 2>/dev/null || true
      while kill -0 "${pid}" 2>/dev/null; do sleep 0.1; done
    fi
  fi
  rm -f "${pidfile}"
}

running_tasks() { ctr_k8s tasks ls 2>/dev/null | awk 'NR > 1 && $3 == "RUNNING" { print $1 }'; }

# ---------------------------------------------------------------------------------------------
# Pods first, while the kubelet still runs, so that each sandbox gets its CNI teardown. With
# the controllers stopped nothing recreates them; their owners stay in etcd for the next up.
stop kube-controller-manager 10
stop kube-scheduler 10
if kube::pid_alive kube-apiserver && kube::pid_alive kubelet && [[ -S ${CONTAINERD_SOCK} ]]; then
  kube::log "deleting pods so the kubelet tears their sandboxes down"
  kubectl_admin delete pods --all --all-namespaces --grace-period 1 --wait=false >/dev/null 2>&1 || true
  deadline=$((SECONDS + 60))
  while [[ -n $(running_tasks) ]] && ((SECONDS < deadline)); do sleep 1; done
  [[ -z $(running_tasks) ]] || kube::warn "containers still running after 60s; killing them"
fi
stop kubelet 15
stop kube-proxy 10

if [[ -S ${CONTAINERD_SOCK} ]] && kube::pid_alive containerd; then
  for task in $(running_tasks); do
    ctr_k8s tasks kill --signal SIGKILL "${task}" >/dev/null 2>&1 || true
  done
  for task in $(ctr_k8s tasks ls -q 2>/dev/null); do
    ctr_k8s tasks delete --force "${task}" >/dev/null 2>&1 || true
  done
fi
stop kube-apiserver 20
stop etcd 10
stop containerd 15

# Shims outlive containerd by design; ours are the ones told to use our containerd's socket.
our_shims() {
  local p
  for p in /proc/[0-9]*; do
    [[ $({ tr '\0' ' ' <"${p}/cmdline"; } 2>/dev/null) == *"-address ${CONTAINERD_SOCK} "* ]] && echo "${p#/proc/}"
  done
  return 0
}
for pid in $(our_shims); do
  kube::log "killing leftover containerd shim (PID ${pid})"
  kill -KILL "${pid}" 2>/dev/null || true
done

# ---------------------------------------------------------------------------------------------
if [[ -x $(kube::k8s_bin kube-proxy) ]]; then
  "$(kube::k8s_bin kube-proxy)" --cleanup >>"${LOG_DIR}/kube-proxy.log" 2>&1 || true
fi

our_mounts() {
  awk -v a="${STATE_ROOT}/" -v b="${RUN_ROOT}/" \
    'index($2, a) == 1 || index($2, b) == 1 || $2 ~ "^/run/netns/cni-" || $2 ~ "^/var/run/netns/cni-" { print $2 }' \
    /proc/self/mounts | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-
}
for m in $(our_mounts); do
  umount "${m}" 2>/dev/null || umount -l "${m}" 2>/dev/null || kube::warn "could not unmount ${m}"
done

# containerd's CRI names the sandboxes' network namespaces cni-<uuid>.
for ns in /run/netns/cni-*; do
  [[ -e ${ns} ]] || continue
  ip netns delete "$(basename "${ns}")" 2>/dev/null || rm -f "${ns}"
done
if ip link show "${BRIDGE}" >/dev/null 2>&1; then
  ip link delete "${BRIDGE}"
fi

# iptables_cleanup CMD: for each table, remove the rules jumping into KUBE-*/CNI-* chains from
# other chains, then flush and delete those chains. Docker's chains are never touched.
iptables_cleanup() {
  local cmd=$1 table line chain
  command -v "${cmd}" >/dev/null 2>&1 || return 0
  ours() { "${cmd}-save" -t "${table}" 2>/dev/null | sed -n 's/^:\(\(KUBE-\|CNI-\)[^ ]*\) .*/\1/p'; }
  for table in filter nat mangle raw; do
    "${cmd}-save" -t "${table}" >/dev/null 2>&1 || continue
    while IFS= read -r line; do
      eval "${cmd} -w -t ${table} -D ${line#-A }" 2>/dev/null || true
    done < <("${cmd}-save" -t "${table}" 2>/dev/null | grep -E '^-A ' | grep -vE '^-A (KUBE-|CNI-)' | grep -E -- '-j (KUBE-|CNI-)')
    for chain in $(ours); do "${cmd}" -w -t "${table}" -F "${chain}" 2>/dev/null || true; done
    for chain in $(ours); do "${cmd}" -w -t "${table}" -X "${chain}" 2>/dev/null || true; done
  done
}
iptables_cleanup iptables
iptables_cleanup ip6tables
# Only when legacy tables exist: merely listing them with the legacy tools would create them.
[[ -s /proc/net/ip_tables_names ]] && iptables_cleanup iptables-legacy
[[ -s /proc/net/ip6_tables_names ]] && iptables_cleanup ip6tables-legacy
if command -v nft >/dev/null 2>&1; then
  for family in ip ip6; do
    nft delete table "${family}" kube-proxy 2>/dev/null || true
  done
fi

if [[ -f ${CLUSTER}/forward-policy ]]; then
  policy="$(cat "${CLUSTER}/forward-policy")"
  [[ -n ${policy} ]] && iptables -P FORWARD "${policy}"
  rm -f "${CLUSTER}/forward-policy"
fi

# Logs of the pods that are gone: the kubelet writes them to fixed host paths and would have
# removed them itself on its next garbage collection. Only this cluster's kubelet runs here.
for link in /var/log/containers/*.log; do
  [[ -L ${link} && $(readlink "${link}") == /var/log/pods/* ]] && rm -f "${link}"
done
rm -rf /var/log/pods/*

# Address reservations and CNI result caches of the sandboxes that are gone.
rm -rf "${CNI_IPAM_DIR:?}/${CNI_NETWORK}" /var/lib/cni/results/"${CNI_NETWORK}"-* "${RUN_ROOT}"
if ${purge}; then
  kube::log "purging the cluster's data"
  rm -rf "${STATE_ROOT}" "${CLUSTER}"
fi

# ---------------------------------------------------------------------------------------------
# The same checks the smoke test makes: anything left is an error.
leftovers=()
for f in "${PID_DIR}"/*.pid; do
  [[ -f ${f} ]] && kill -0 "$(cat "${f}")" 2>/dev/null && leftovers+=("process $(basename "${f}" .pid)")
done
[[ -n $(our_shims) ]] && leftovers+=("containerd shims: $(our_shims | tr '\n' ' ')")
[[ -n $(our_mounts) ]] && leftovers+=("mounts: $(our_mounts | tr '\n' ' ')")
netns_left=(/run/netns/cni-*)
[[ -e ${netns_left[0]} ]] && leftovers+=("netns: ${netns_left[*]}")
ip link show "${BRIDGE}" >/dev/null 2>&1 && leftovers+=("link ${BRIDGE}")
for cmd in iptables ip6tables; do
  n="$("${cmd}-save" 2>/dev/null | grep -cE '(KUBE-|CNI-)' || true)"
  ((n == 0)) || leftovers+=("${n} ${cmd} lines naming KUBE-/CNI- chains")
done
if ((${#leftovers[@]})); then
  printf '  left behind: %s\n' "${leftovers[@]}" >&2
  kube::die "down finished with leftovers"
fi
kube::log "cluster down in $((SECONDS - START))s; nothing of it is left on the host"
