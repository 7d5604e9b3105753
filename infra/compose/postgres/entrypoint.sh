#!/bin/sh
# Creates the database cluster on the first start, then runs postgres as PID 1 (exec).
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
user="${POSTGRES_USER:-todo}"
db="${POSTGRES_DB:-todo}"

case "${user}${db}" in
  *[!A-Za-z0-9_]*) echo "todo-postgres: POSTGRES_USER and POSTGRES_DB may only use letters, digits and _" >&2; exit 64 ;;
esac

if [ ! -s "${PGDATA}/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "todo-postgres: POSTGRES_PASSWORD is empty; set it in .env (see .env.example)" >&2
    exit 64
  fi
  echo "todo-postgres: creating the cluster in ${PGDATA} (superuser ${user}, database ${db})"
  pwfile="$(mktemp)"
  trap 'rm -f "${pwfile}"' EXIT
  printf '%s\n' "${POSTGRES_PASSWORD}" >"${pwfile}"
  initdb --pgdata="${PGDATA}" --username="${user}" --pwfile="${pwfile}" \
    --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "${pwfile}"
  trap - EXIT
  # Other containers of the Compose network connect over TCP with the password.
  printf 'host all all all scram-sha-256\n' >>"${PGDATA}/pg_hba.conf"
  # Single-user mode: no server, no socket, nothing to stop afterwards.
  printf 'CREATE DATABASE "%s" OWNER "%s";\n' "${db}" "${user}" \
    | postgres --single -D "${PGDATA}" postgres >/dev/null
fi

# The socket goes to /tmp (a tmpfs): the root filesystem is read-only.
exec postgres -D "${PGDATA}" -c listen_addresses='*' -c unix_socket_directories=/tmp "$@"
