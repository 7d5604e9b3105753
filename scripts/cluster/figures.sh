#!/usr/bin/env bash
# Measures the figures docs/testing.md quotes, on the running cluster of scripts/cluster/up.sh:
#   - memory the cluster takes at rest (RSS of its processes, containers included)
#   - the Ingress ceiling with a trivial backend: wrk through Traefik (http://127.0.0.1:80)
#     vs the same pod directly (its pod IP), bounded: WRK_CONNECTIONS (16) for WRK_SECONDS (8)
# Deploys one hello pod in namespace cluster-bench and deletes the namespace afterwards.
#
# Usage: sudo scripts/cluster/figures.sh     (cluster up; ~40 s)
set -o errexit -o nounset -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "${REPO_ROOT}/scripts/cluster/lib.sh"
kube::require_root
kube::ensure_commands wrk:wrk
kube::pid_alive kube-apiserver || kube::die "the cluster is not up (scripts/cluster/up.sh)"
export KUBECONFIG="${KUBECONFIG_OUT}"
k() { kube::kubectl "$@"; }

connections=${WRK_CONNECTIONS:-16}
seconds=${WRK_SECONDS:-8}
ns=cluster-bench
host=bench.cluster.test

# RSS (MiB) of the component processes, the containerd shims and everything under them.
cluster_rss_mib() {
  local roots=() f p
  for f in "${PID_DIR}"/*.pid; do roots+=("$(cat "${f}")"); done
  for p in /proc/[0-9]*; do
    [[ $({ tr '\0' ' ' <"${p}/cmdline"; } 2>/dev/null) == *"-address ${CONTAINERD_SOCK} "* ]] && roots+=("${p#/proc/}")
  done
  ps -eo pid=,ppid=,rss= | awk -v roots="${roots[*]}" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) mark[r[i]] = 1 }
    { pid[NR] = $1; ppid[NR] = $2; rss[NR] = $3 }
    END {
      do { changed = 0
        for (i = 1; i <= NR; i++) if (!(pid[i] in mark) && (ppid[i] in mark)) { mark[pid[i]] = 1; changed = 1 }
      } while (changed)
      for (i = 1; i <= NR; i++) if (pid[i] in mark) total += rss[i]
      printf "%d", total / 1024
    }'
}

# wrk_summary LABEL URL [HOST]: one bounded run, printed as "req/s p50 p99".
wrk_summary() {
  local label=$1 url=$2 host_header=${3:-} out
  local args=(-t 2 -c "${connections}" -d "${seconds}s" --latency)
  [[ -n ${host_header} ]] && args+=(-H "Host: ${host_header}")
  out="$(wrk "${args[@]}" "${url}")"
  local rps p50 p99 errors
  rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"${out}")"
  p50="$(awk '$1 == "50%" { print $2 }' <<<"${out}")"
  p99="$(awk '$1 == "99%" { print $2 }' <<<"${out}")"
  errors="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"${out}")"
  printf '%-28s %10s req/s   p50 %-8s p99 %-8s non-2xx %s\n' "${label}" "${rps}" "${p50}" "${p99}" "${errors:-0}"
}

kube::log "memory at rest: $(cluster_rss_mib) MiB RSS (control plane, kubelet, containerd, CoreDNS, Traefik)"

image="$("${REPO_ROOT}/scripts/cluster/hello-image.sh")"
"${REPO_ROOT}/scripts/cluster/load.sh" "${image}"
k create namespace "${ns}" --dry-run=client -o yaml | k apply -f - >/dev/null
trap 'k delete namespace "${ns}" --wait=false >/dev/null 2>&1 || true' EXIT
k -n "${ns}" apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: 1
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      automountServiceAccountToken: false
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: hello
          image: ${image}
          imagePullPolicy: IfNotPresent
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1 }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
---
apiVersion: v1
kind: Service
metadata: { name: hello }
spec: { selector: { app: hello }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: hello }
spec:
  rules:
    - host: ${host}
      http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: hello, port: { name: http } } } }] }
EOF
k -n "${ns}" rollout status deployment/hello --timeout 120s >/dev/null
pod_ip="$(k -n "${ns}" get pods -l app=hello -o jsonpath='{.items[0].status.podIP}')"
routed() { [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Host: ${host}" http://127.0.0.1/) == 200 ]]; }
kube::wait_for "the bench Ingress" 30 routed || kube::die "the bench Ingress does not route"

kube::log "wrk: ${connections} connections, ${seconds}s each, trivial Node.js backend (1 pod)"
wrk_summary "through Ingress (Traefik)" http://127.0.0.1/ "${host}"
wrk_summary "pod directly (${pod_ip})" "http://${pod_ip}:8080/"
kube::log "memory after the runs: $(cluster_rss_mib) MiB RSS"
