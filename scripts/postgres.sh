#!/usr/bin/env bash
# Ensures a local PostgreSQL (Debian's package) is installed and running, with a role and a
# database for the API tests and the benchmark, then prints the DATABASE_URL to use on stdout
# (everything else goes to stderr). Idempotent; needs root (apt-get, su postgres).
#   TEST_DATABASE_URL="$(scripts/postgres.sh)" npm test -w backend
# The role may create databases: the tests make a fresh database per suite.
set -euo pipefail

ROLE="${TODO_PG_ROLE:-todo_test}"
DB="${TODO_PG_DB:-todo_test}"
STATE_DIR="${TODO_APP_CACHE:-$HOME/.cache/todo-app}/postgres"

log() { echo "postgres.sh: $*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  log "must run as root (installs packages and administers the cluster as the postgres user)"
  exit 1
fi

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; }
fi

# The first cluster Debian created (e.g. "15 main"); create one if the package made none.
read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters --no-header | head -n 1) || true
if [[ -z "${VERSION:-}" ]]; then
  VERSION="$(basename "$(printf '%s\n' /usr/lib/postgresql/*/ | sort -V | tail -n 1)")"
  CLUSTER=main
  log "creating cluster $VERSION $CLUSTER"
  pg_createcluster "$VERSION" "$CLUSTER" >&2
  read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters --no-header | head -n 1)
fi

if [[ "$STATUS" != online* ]]; then
  log "starting cluster $VERSION $CLUSTER (no systemd here: pg_ctlcluster)"
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 0.2
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { log "cluster on port $PORT does not answer"; exit 1; }

psql_admin() { su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qtAX $*"; }

# A random password per machine, kept outside the work tree: nothing secret in the repository.
mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR"
if [[ ! -s "$STATE_DIR/password" ]]; then
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$STATE_DIR/password"
  chmod 600 "$STATE_DIR/password"
fi
PASSWORD="$(cat "$STATE_DIR/password")"

if [[ "$(psql_admin "-c \"select 1 from pg_roles where rolname = '$ROLE'\"")" != 1 ]]; then
  log "creating role $ROLE"
  psql_admin "-c \"create role \\\"$ROLE\\\" login createdb\""
fi
psql_admin "-c \"alter role \\\"$ROLE\\\" with login createdb password '$PASSWORD'\""

if [[ "$(psql_admin "-c \"select 1 from pg_database where datname = '$DB'\"")" != 1 ]]; then
  log "creating database $DB"
  psql_admin "-c \"create database \\\"$DB\\\" owner \\\"$ROLE\\\"\""
fi

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
