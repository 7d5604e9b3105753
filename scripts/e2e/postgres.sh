#!/usr/bin/env bash
# The "remote" PostgreSQL of the end-to-end run: a Debian postgresql cluster of its own
# (`<major> todo-e2e`, port 5439), listening on loopback and on the node address the pods
# reach (10.244.0.1, the bridge scripts/cluster/up.sh creates). Its own cluster, not the
# `main` one of scripts/postgres.sh: the tests stop and start it, which must not disturb
# anything else using PostgreSQL on this machine.
#
# Usage: sudo scripts/e2e/postgres.sh up      create (if needed) and start; prints DATABASE_URL
#        sudo scripts/e2e/postgres.sh stop    stop it (the database outage test)
#        sudo scripts/e2e/postgres.sh start   start it again
#        sudo scripts/e2e/postgres.sh drop    stop and delete the cluster and its data
#        sudo scripts/e2e/postgres.sh status  exit 0 when it accepts connections
# Environment: E2E_PG_PORT (5439), E2E_PG_LISTEN (the node address, 10.244.0.1),
#   E2E_PG_CIDR (who may connect, 10.244.0.0/24). Idempotent; needs root.
set -o errexit -o nounset -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_CLUSTER=todo-e2e
PG_PORT="${E2E_PG_PORT:-5439}"
PG_LISTEN="${E2E_PG_LISTEN:-${NODE_IP}}"
PG_CIDR="${E2E_PG_CIDR:-${POD_CIDR}}"
PG_ROLE=todo_e2e
PG_DB=todo_e2e
STATE_DIR="${CACHE}/e2e"

kube::require_root
kube::ensure_commands pg_createcluster:postgresql pg_isready:postgresql-client

pg_major() { basename "$(printf '%s\n' /usr/lib/postgresql/*/ | sort -V | tail -n 1)"; }
cluster_line() { pg_lsclusters --no-header 2>/dev/null | awk -v c="${PG_CLUSTER}" '$2 == c'; }
is_ready() { pg_isready -q -h 127.0.0.1 -p "${PG_PORT}"; }
psql_admin() { su postgres -c "PGOPTIONS='-c client_min_messages=warning' psql -p ${PG_PORT} -h /var/run/postgresql -v ON_ERROR_STOP=1 -qtAX $*"; }

wait_ready() {
  local _
  for _ in $(seq 1 60); do is_ready && return 0; sleep 0.25; done
  tail -n 30 "/var/log/postgresql/postgresql-$(pg_major)-${PG_CLUSTER}.log" >&2 || true
  e2e::die "PostgreSQL ${PG_CLUSTER} does not accept connections on 127.0.0.1:${PG_PORT}"
}

cmd_up() {
  local major conf
  major="$(pg_major)"
  if [[ -z $(cluster_line) ]]; then
    e2e::log "creating PostgreSQL cluster ${major}/${PG_CLUSTER} on port ${PG_PORT}"
    pg_createcluster "${major}" "${PG_CLUSTER}" --port "${PG_PORT}" >/dev/null
  fi
  conf="/etc/postgresql/${major}/${PG_CLUSTER}"
  # The pods connect from the pod network to the node address; nothing else is opened.
  cat >"${conf}/conf.d/todo-e2e.conf" <<EOF
# Written by scripts/e2e/postgres.sh: reachable by the test cluster's pods at ${PG_LISTEN}.
listen_addresses = 'localhost,${PG_LISTEN}'
port = ${PG_PORT}
max_connections = 100
EOF
  local hba_line="host ${PG_DB} ${PG_ROLE} ${PG_CIDR} scram-sha-256"
  grep -qxF "${hba_line}" "${conf}/pg_hba.conf" || echo "${hba_line}" >>"${conf}/pg_hba.conf"

  ip -4 addr show | grep -q "inet ${PG_LISTEN}/" \
    || e2e::die "no interface has ${PG_LISTEN}: start the cluster first (scripts/cluster/up.sh creates it)"
  if [[ $(cluster_line | awk '{print $4}') == online ]]; then
    # listen_addresses only changes on a restart; the cluster is ours alone.
    pg_ctlcluster "${major}" "${PG_CLUSTER}" restart
  else
    pg_ctlcluster "${major}" "${PG_CLUSTER}" start
  fi
  wait_ready

  # A fresh random password per run, kept outside the work tree (never in the repository).
  mkdir -p "${STATE_DIR}"
  chmod 700 "${STATE_DIR}"
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"${STATE_DIR}/pg-password"
  chmod 600 "${STATE_DIR}/pg-password"
  local password
  password="$(cat "${STATE_DIR}/pg-password")"
  if [[ $(psql_admin "-c \"select 1 from pg_roles where rolname = '${PG_ROLE}'\"") != 1 ]]; then
    psql_admin "-c \"create role ${PG_ROLE} login\""
  fi
  psql_admin "-c \"alter role ${PG_ROLE} with login password '${password}'\""
  # A new, empty database every run: no state leaks from one run into the next.
  psql_admin "-c \"drop database if exists ${PG_DB} with (force)\""
  psql_admin "-c \"create database ${PG_DB} owner ${PG_ROLE}\""
  e2e::log "PostgreSQL ${major}/${PG_CLUSTER} ready on ${PG_LISTEN}:${PG_PORT} (database ${PG_DB})"
  echo "postgresql://${PG_ROLE}:${password}@${PG_LISTEN}:${PG_PORT}/${PG_DB}"
}

case ${1:-} in
  up) cmd_up ;;
  stop) pg_ctlcluster "$(pg_major)" "${PG_CLUSTER}" stop -m fast ;;
  start) pg_ctlcluster "$(pg_major)" "${PG_CLUSTER}" start && wait_ready ;;
  status) is_ready ;;
  drop)
    if [[ -n $(cluster_line) ]]; then
      pg_dropcluster --stop "$(pg_major)" "${PG_CLUSTER}"
      e2e::log "PostgreSQL cluster ${PG_CLUSTER} dropped"
    fi
    rm -f "${STATE_DIR}/pg-password"
    ;;
  *) e2e::die "usage: $0 up|stop|start|status|drop" ;;
esac
