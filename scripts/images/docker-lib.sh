#!/usr/bin/env bash
# Docker helpers shared by the image scripts. Sourced, never run.
#
#   ensure_docker   installs Debian's docker.io if missing and starts dockerd in the
#                   background (log: $CACHE/logs/dockerd.log) when no daemon answers.
#   DOCKER          the client to use: Debian's /usr/bin/docker, which has BuildKit built in
#                   (the /usr/local/bin/docker 28 found on these machines lacks buildx, so
#                   DOCKER_BUILDKIT=1 builds fail with it).

DOCKER=/usr/bin/docker
export DOCKER_BUILDKIT=1

docker_lib::log() { printf '\033[1;34m[%s]\033[0m %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
docker_lib::die() { printf '\033[1;31m[%s] ERROR\033[0m %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

ensure_docker() {
  local cache="${TODO_APP_CACHE:-$HOME/.cache/todo-app}"
  if [[ ! -x ${DOCKER} ]] || ! command -v dockerd >/dev/null 2>&1; then
    docker_lib::log "installing Debian's docker.io"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io >/dev/null \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io >/dev/null; } \
      || docker_lib::die "apt-get install docker.io failed"
  fi
  "${DOCKER}" info >/dev/null 2>&1 && return 0

  # No systemd on these machines: run the daemon ourselves, detached, with a log file.
  [[ ${EUID} -eq 0 ]] || docker_lib::die "no Docker daemon answers and starting one needs root"
  mkdir -p "${cache}/logs"
  docker_lib::log "starting dockerd (log: ${cache}/logs/dockerd.log)"
  nohup dockerd >"${cache}/logs/dockerd.log" 2>&1 </dev/null &
  echo $! >"${cache}/logs/dockerd.pid"
  local _
  for _ in $(seq 1 60); do
    "${DOCKER}" info >/dev/null 2>&1 && { docker_lib::log "dockerd is up (PID $(cat "${cache}/logs/dockerd.pid"))"; return 0; }
    kill -0 "$(cat "${cache}/logs/dockerd.pid")" 2>/dev/null || break
    sleep 1
  done
  tail -n 30 "${cache}/logs/dockerd.log" >&2
  docker_lib::die "dockerd did not come up"
}

# image_exists REF: true when the local Docker daemon has the image.
image_exists() { "${DOCKER}" image inspect "$1" >/dev/null 2>&1; }
