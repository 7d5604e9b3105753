#!/usr/bin/env bash
# Brings up a single-node Kubernetes cluster on this machine from the binaries of build.sh:
# its own containerd, etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
# kube-proxy, CoreDNS, and Traefik as the default IngressClass and Gateway API controller.
#
# Usage: sudo scripts/cluster/up.sh
#   Idempotent: components already running are left alone, manifests are re-applied.
#   Runs build.sh first (a second when everything is cached; otherwise it waits for/does the build).
#   Then: export KUBECONFIG=$CACHE/cluster/kubeconfig   (printed at the end)
#
# What the cluster offers (docs/testing.md):
#   - node "todo-node", address 10.244.0.1 (bridge cni0, created here), pods 10.244.0.0/24,
#     Services 10.96.0.0/12, DNS 10.96.0.10, domain cluster.local
#   - http://127.0.0.1:80 -> Traefik (hostPort on loopback only): Ingresses of class "traefik"
#     (the default class) and HTTPRoutes attached to Gateway traefik/traefik-gateway,
#     listener "web" (port 8000), routes allowed from all namespaces
#   - images come from scripts/cluster/load.sh; nothing is ever pulled
# State: $CACHE/cluster (certs, etcd data, logs/<component>.log, pids/<component>.pid) and
# /var/lib/todo-cluster, /run/todo-cluster. scripts/cluster/down.sh stops it all.
# On failure the failing component's log tail and scripts/cluster/status.sh are printed.
set -o errexit -o nounset -o pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${SCRIPT_DIR}/lib.sh"

kube::require_root
kube::serialize cluster "$0" "$@"
START=${SECONDS}

# fail COMPONENT MESSAGE: the component's log, then the cluster's state, then exit.
fail() {
  kube::warn "$2"
  kube::log_tail "$1" 60
  "${SCRIPT_DIR}/status.sh" >&2 || true
  kube::die "up failed: $2"
}

# ---------------------------------------------------------------------------------------------
kube::log "checking host packages"
kube::ensure_commands \
  containerd:containerd runc:runc ctr:containerd iptables:iptables ip6tables:iptables \
  conntrack:conntrack socat:socat ethtool:ethtool ip:iproute2 curl:curl flock:util-linux \
  openssl:openssl
[[ -x ${CNI_BIN_DIR}/bridge && -x ${CNI_BIN_DIR}/portmap && -x ${CNI_BIN_DIR}/firewall ]] \
  || kube::ensure_commands "${CNI_BIN_DIR}/bridge:containernetworking-plugins"

"${SCRIPT_DIR}/build.sh"
"${SCRIPT_DIR}/images.sh"

BIN_kube_apiserver="$(kube::k8s_bin kube-apiserver)"
BIN_kube_controller_manager="$(kube::k8s_bin kube-controller-manager)"
BIN_kube_scheduler="$(kube::k8s_bin kube-scheduler)"
BIN_kube_proxy="$(kube::k8s_bin kube-proxy)"
BIN_kubeadm="$(kube::k8s_bin kubeadm)"
BIN_kubelet="$(kube::k8s_bin kubelet)"
BIN_kubectl="$(kube::k8s_bin kubectl)"
ETCD_BIN="$(kube::bin etcd "${ETCD_VERSION}")"
KUBECTL=(env -u KUBECONFIG "${BIN_kubectl}" --kubeconfig "${KUBE_DIR}/super-admin.conf")

mkdir -p "${PKI}" "${KUBE_DIR}" "${LOG_DIR}" "${PID_DIR}" "${ETCD_DATA}" \
  "${CONTAINERD_ROOT}" "${CONTAINERD_STATE}" "${KUBELET_ROOT}" "${CNI_CONF_DIR}" "${CNI_IPAM_DIR}"
chmod 700 "${ETCD_DATA}" "${PKI}"

# write_config PATH < content: replaces PATH only when the content differs, because a running
# kube-proxy exits as soon as its configuration file is written to, even with equal content.
write_config() {
  local tmp
  tmp="$(mktemp "$1.XXXXXX")"
  cat >"${tmp}"
  if cmp -s "${tmp}" "$1"; then rm -f "${tmp}"; else mv -f "${tmp}" "$1"; fi
}

# Ports each component listens on: a port already taken means another cluster (or a stale
# process) is there, and starting would only make the new component die or, worse, let the
# readiness check talk to the stranger.
declare -A PORTS=(
  [etcd]="2379 2380 2381" [kube-apiserver]="6443" [kube-controller-manager]="10257"
  [kube-scheduler]="10259" [kubelet]="10248 10250" [kube-proxy]="10249 10256"
)

# start NAME COMMAND...: runs a component detached, logging to $LOG_DIR/NAME.log, unless the
# process recorded in $PID_DIR/NAME.pid is still alive.
start() {
  local name=$1; shift
  if kube::pid_alive "${name}"; then
    kube::log "${name}: running (PID $(cat "${PID_DIR}/${name}.pid"))"
    return 0
  fi
  local port holder
  for port in ${PORTS[${name}]:-}; do
    holder="$(ss -Hltnp "sport = :${port}" 2>/dev/null)"
    [[ -z ${holder} ]] || kube::die "${name} cannot start: port ${port} is taken (${holder//$'\n'/; }); is another cluster running? Try scripts/cluster/down.sh"
  done
  kube::log "${name}: starting"
  printf '\n===== %s start %s =====\n' "$(date -u +%FT%TZ)" "${name}" >>"${LOG_DIR}/${name}.log"
  setsid nohup "$@" >>"${LOG_DIR}/${name}.log" 2>&1 </dev/null &
  echo $! >"${PID_DIR}/${name}.pid"
}

# ready NAME TIMEOUT CHECK...: waits for CHECK; fails with NAME's log when NAME dies or times out.
ready() {
  local name=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    kube::pid_alive "${name}" || fail "${name}" "${name} exited (see ${LOG_DIR}/${name}.log)"
    ((SECONDS < deadline)) || fail "${name}" "${name} not ready after ${timeout}s"
    sleep 0.5
  done
  kube::pid_alive "${name}" || fail "${name}" "${name} exited right after answering (see ${LOG_DIR}/${name}.log)"
  kube::log "${name}: ready ($((SECONDS - START))s)"
}

# ---------------------------------------------------------------------------------------------
kube::log "preparing the host network"
sysctl -qw net.ipv4.ip_forward=1
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || modprobe br_netfilter 2>/dev/null \
  || kube::die "bridge netfilter is unavailable (no /proc/sys/net/bridge and modprobe br_netfilter failed)"
sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
# Docker sets the FORWARD policy to DROP, which drops pod <-> Service traffic. Remember the
# previous policy so that down.sh can put it back.
if [[ ! -f ${CLUSTER}/forward-policy ]]; then
  iptables -S FORWARD | awk '$1 == "-P" { print $3 }' >"${CLUSTER}/forward-policy"
fi
iptables -P FORWARD ACCEPT

# The node's address lives on the CNI bridge, created before anything starts: the bridge
# plugin adopts it as the pods' gateway, and the cluster needs nothing of the host's network.
if ! ip link show "${BRIDGE}" >/dev/null 2>&1; then
  ip link add "${BRIDGE}" type bridge
fi
# (String match, not `| grep -q`: with pipefail an early grep exit fails the pipeline.)
[[ $(ip -4 -o addr show dev "${BRIDGE}") == *"inet ${NODE_IP}/24 "* ]] || ip addr add "${NODE_IP}/24" dev "${BRIDGE}"
ip link set "${BRIDGE}" up

write_config "${CNI_CONF_DIR}/10-${CNI_NETWORK}.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "${CNI_NETWORK}",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "${BRIDGE}",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "${CNI_IPAM_DIR}",
        "ranges": [[{ "subnet": "${POD_CIDR}", "gateway": "${NODE_IP}" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "firewall" }
  ]
}
EOF

# ---------------------------------------------------------------------------------------------
# containerd of its own, so Docker's managed containerd is never touched.
write_config "${CLUSTER}/containerd.toml" <<EOF
version = 2
root = "${CONTAINERD_ROOT}"
state = "${CONTAINERD_STATE}"

[grpc]
  address = "${CONTAINERD_SOCK}"

[ttrpc]
  address = "${CONTAINERD_SOCK}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "${STATE_ROOT}/containerd-opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  # This process lacks CAP_SYS_RESOURCE: lowering oom_score_adj is denied, and without this
  # every sandbox fails with "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${CNI_CONF_DIR}"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
EOF
start containerd containerd --config "${CLUSTER}/containerd.toml"
ready containerd 30 ctr --address "${CONTAINERD_SOCK}" version

# The pause image must be there before the first sandbox; CoreDNS and Traefik with it.
"${SCRIPT_DIR}/load.sh" "${PAUSE_IMAGE}" "${COREDNS_IMAGE}" "${TRAEFIK_IMAGE}"

# ---------------------------------------------------------------------------------------------
kube::log "certificates and kubeconfigs (kubeadm, offline)"
write_config "${CLUSTER}/kubeadm.yaml" <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${NODE_IP}
  bindPort: 6443
nodeRegistration:
  name: ${NODE_NAME}
  criSocket: unix://${CONTAINERD_SOCK}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: todo-cluster
kubernetesVersion: ${KUBERNETES_VERSION}
controlPlaneEndpoint: ${NODE_IP}:6443
certificatesDir: ${PKI}
networking:
  dnsDomain: ${CLUSTER_DOMAIN}
  serviceSubnet: ${SERVICE_CIDR}
  podSubnet: ${POD_CIDR}
apiServer:
  certSANs: [127.0.0.1, localhost, ${NODE_IP}]
EOF
# Both phases keep files that already exist, so a second up reuses the cluster's identity.
"${BIN_kubeadm}" init phase certs all --config "${CLUSTER}/kubeadm.yaml" >"${LOG_DIR}/kubeadm.log" 2>&1 \
  || fail kubeadm "kubeadm init phase certs failed"
"${BIN_kubeadm}" init phase kubeconfig all --config "${CLUSTER}/kubeadm.yaml" --kubeconfig-dir "${KUBE_DIR}" \
  >>"${LOG_DIR}/kubeadm.log" 2>&1 || fail kubeadm "kubeadm init phase kubeconfig failed"
if [[ ! -s ${KUBE_DIR}/kube-proxy.conf ]]; then
  # Bound to the built-in ClusterRoleBinding system:node-proxier (user system:kube-proxy).
  "${BIN_kubeadm}" kubeconfig user --config "${CLUSTER}/kubeadm.yaml" --client-name system:kube-proxy \
    >"${KUBE_DIR}/kube-proxy.conf.tmp" 2>>"${LOG_DIR}/kubeadm.log" || fail kubeadm "kubeadm kubeconfig user failed"
  mv "${KUBE_DIR}/kube-proxy.conf.tmp" "${KUBE_DIR}/kube-proxy.conf"
fi
chmod 600 "${KUBE_DIR}"/*.conf

# ---------------------------------------------------------------------------------------------
# Test data only: no fsync, plain HTTP on loopback.
start etcd "${ETCD_BIN}" --name todo-cluster --data-dir "${ETCD_DATA}" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster todo-cluster=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
  --unsafe-no-fsync --quota-backend-bytes 1073741824
ready etcd 30 curl -fsS http://127.0.0.1:2379/health

start kube-apiserver "${BIN_kube_apiserver}" \
  --advertise-address "${NODE_IP}" --bind-address "${NODE_IP}" --secure-port 6443 \
  --etcd-servers http://127.0.0.1:2379 \
  --service-cluster-ip-range "${SERVICE_CIDR}" \
  --service-account-issuer "https://kubernetes.default.svc.${CLUSTER_DOMAIN}" \
  --service-account-key-file "${PKI}/sa.pub" --service-account-signing-key-file "${PKI}/sa.key" \
  --client-ca-file "${PKI}/ca.crt" \
  --tls-cert-file "${PKI}/apiserver.crt" --tls-private-key-file "${PKI}/apiserver.key" \
  --kubelet-client-certificate "${PKI}/apiserver-kubelet-client.crt" \
  --kubelet-client-key "${PKI}/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types InternalIP \
  --proxy-client-cert-file "${PKI}/front-proxy-client.crt" --proxy-client-key-file "${PKI}/front-proxy-client.key" \
  --requestheader-client-ca-file "${PKI}/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-extra-headers-prefix X-Remote-Extra- --requestheader-group-headers X-Remote-Group \
  --requestheader-username-headers X-Remote-User \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --enable-bootstrap-token-auth=true --allow-privileged=true --profiling=false
ready kube-apiserver 90 "${KUBECTL[@]}" get --raw /readyz

# kubeadm's admin.conf is in group kubeadm:cluster-admins, which kubeadm init would bind.
"${KUBECTL[@]}" create clusterrolebinding kubeadm:cluster-admins --clusterrole cluster-admin \
  --group kubeadm:cluster-admins --dry-run=client -o yaml | "${KUBECTL[@]}" apply -f - >/dev/null

start kube-controller-manager "${BIN_kube_controller_manager}" \
  --kubeconfig "${KUBE_DIR}/controller-manager.conf" \
  --authentication-kubeconfig "${KUBE_DIR}/controller-manager.conf" \
  --authorization-kubeconfig "${KUBE_DIR}/controller-manager.conf" \
  --bind-address 127.0.0.1 --leader-elect=false \
  --client-ca-file "${PKI}/ca.crt" --requestheader-client-ca-file "${PKI}/front-proxy-ca.crt" \
  --cluster-signing-cert-file "${PKI}/ca.crt" --cluster-signing-key-file "${PKI}/ca.key" \
  --root-ca-file "${PKI}/ca.crt" --service-account-private-key-file "${PKI}/sa.key" \
  --service-cluster-ip-range "${SERVICE_CIDR}" --use-service-account-credentials=true \
  --controllers '*,bootstrapsigner,tokencleaner' --profiling=false
start kube-scheduler "${BIN_kube_scheduler}" \
  --kubeconfig "${KUBE_DIR}/scheduler.conf" \
  --authentication-kubeconfig "${KUBE_DIR}/scheduler.conf" \
  --authorization-kubeconfig "${KUBE_DIR}/scheduler.conf" \
  --bind-address 127.0.0.1 --leader-elect=false --profiling=false

# CoreDNS forwards to the kubelet's resolv.conf; a loopback resolver there (systemd-resolved's
# 127.0.0.53) would be CoreDNS itself inside the pod, so only the other resolvers are kept.
{ grep -E '^(nameserver|search|options)' /etc/resolv.conf | grep -vE '^nameserver[[:space:]]+(127\.|::1)' || true; } \
  | write_config "${CLUSTER}/resolv.conf"

write_config "${CLUSTER}/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_IP}
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ${PKI}/ca.crt
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://${CONTAINERD_SOCK}
clusterDNS: [${CLUSTER_DNS}]
clusterDomain: ${CLUSTER_DOMAIN}
resolvConf: ${CLUSTER}/resolv.conf
failSwapOn: false
# These machines run cgroup v1, which 1.34 still supports when asked to.
failCgroupV1: false
rotateCertificates: false
# A test machine's disk is often fuller than the defaults allow; evicting pods for it would
# only make tests flaky, and imported images must never be garbage-collected (no registry).
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
EOF
start kubelet "${BIN_kubelet}" --config "${CLUSTER}/kubelet.yaml" --kubeconfig "${KUBE_DIR}/kubelet.conf" \
  --root-dir "${KUBELET_ROOT}" --node-ip "${NODE_IP}" --hostname-override "${NODE_NAME}"

write_config "${CLUSTER}/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${KUBE_DIR}/kube-proxy.conf
mode: iptables
clusterCIDR: ${POD_CIDR}
hostnameOverride: ${NODE_NAME}
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Leave the host's conntrack sysctls alone (not permitted in every environment).
conntrack:
  maxPerCore: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
start kube-proxy "${BIN_kube_proxy}" --config "${CLUSTER}/kube-proxy.yaml"

ready kube-controller-manager 60 curl -kfsS https://127.0.0.1:10257/healthz
ready kube-scheduler 60 curl -kfsS https://127.0.0.1:10259/healthz
ready kubelet 60 curl -fsS http://127.0.0.1:10248/healthz
ready kube-proxy 60 curl -fsS http://127.0.0.1:10256/healthz
ready kubelet 90 "${KUBECTL[@]}" wait --for condition=Ready "node/${NODE_NAME}" --timeout 1s

# ---------------------------------------------------------------------------------------------
kube::log "add-ons: CoreDNS, Gateway API CRDs, Traefik"
k8s_src="$(kube::module_dir "k8s.io/kubernetes@${KUBERNETES_VERSION}")"
coredns_manifest="${CLUSTER}/coredns.yaml"
sed -e "s/\$DNS_DOMAIN/${CLUSTER_DOMAIN}/g" -e "s/\$DNS_SERVER_IP/${CLUSTER_DNS}/g" \
  -e "s/\$DNS_MEMORY_LIMIT/170Mi/g" \
  -e "s|image: registry.k8s.io/coredns/coredns:.*|image: ${COREDNS_IMAGE}|" \
  "${k8s_src}/cluster/addons/dns/coredns/coredns.yaml.sed" >"${coredns_manifest}"
if ! grep -q '^nameserver' "${CLUSTER}/resolv.conf"; then
  # No usable upstream resolver: serve the cluster's names only.
  sed -i -e '/forward \. \/etc\/resolv.conf/,/}/d' -e '/^ *loop$/d' "${coredns_manifest}"
fi
grep -q "image: ${COREDNS_IMAGE}" "${coredns_manifest}" || kube::die "could not set the CoreDNS image in ${coredns_manifest}"
"${KUBECTL[@]}" apply -f "${coredns_manifest}" >/dev/null

gateway_src="$(kube::module_dir "sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}")"
"${KUBECTL[@]}" apply --server-side --force-conflicts -f "${gateway_src}/config/crd/standard/" >/dev/null
"${KUBECTL[@]}" wait --for condition=Established --timeout 60s -f "${gateway_src}/config/crd/standard/" >/dev/null \
  || fail kube-apiserver "Gateway API CRDs were not established"

render() {
  sed -e "s|@TRAEFIK_IMAGE@|${TRAEFIK_IMAGE}|g" -e "s|@GATEWAY_NAME@|${GATEWAY_NAME}|g" \
    -e "s|@GATEWAY_NAMESPACE@|${GATEWAY_NAMESPACE}|g" -e "s|@GATEWAY_LISTENER@|${GATEWAY_LISTENER}|g" "$1"
}
render "${MANIFESTS_DIR}/traefik.yaml" | "${KUBECTL[@]}" apply -f - >/dev/null
render "${MANIFESTS_DIR}/gateway.yaml" | "${KUBECTL[@]}" apply -f - >/dev/null

"${KUBECTL[@]}" -n kube-system rollout status deployment/coredns --timeout 120s >/dev/null \
  || fail kubelet "CoreDNS did not become ready"
kube::log "coredns: ready ($((SECONDS - START))s)"
"${KUBECTL[@]}" -n traefik rollout status deployment/traefik --timeout 120s >/dev/null \
  || fail kubelet "Traefik did not become ready"
kube::log "traefik: ready ($((SECONDS - START))s)"
"${KUBECTL[@]}" -n "${GATEWAY_NAMESPACE}" wait --for condition=Programmed "gateway/${GATEWAY_NAME}" --timeout 60s >/dev/null \
  || fail kubelet "Gateway ${GATEWAY_NAMESPACE}/${GATEWAY_NAME} was not programmed by Traefik"

# Traefik answers 404 for an unknown route: any HTTP answer proves the loopback hostPort path.
ingress_answers() { [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:80/) != 000 ]]; }
kube::wait_for "Traefik on http://127.0.0.1:80" 60 ingress_answers || fail kube-proxy "nothing answers on http://127.0.0.1:80"

install -m 600 "${KUBE_DIR}/admin.conf" "${KUBECONFIG_OUT}"
kube::log "cluster up in $((SECONDS - START))s; Ingress and Gateway answer on http://127.0.0.1:80"
cat <<EOF

  export KUBECONFIG=${KUBECONFIG_OUT}
  kubectl: $(kube::k8s_bin kubectl)    helm: $(kube::bin helm "${HELM3_VERSION}"), $(kube::bin helm "${HELM4_VERSION}")
  load images: scripts/cluster/load.sh IMAGE:TAG...    status: scripts/cluster/status.sh    stop: scripts/cluster/down.sh

EOF
