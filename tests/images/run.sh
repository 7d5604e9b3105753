#!/usr/bin/env bash
# Image tests on the real Docker engine.
#
# Usage: bash tests/images/run.sh [--skip-build] [--skip-compose] [--skip-e2e] [--skip-scan]
#
#   1. builds todo-backend, todo-frontend, todo-postgres, todo-proxy (scripts/images/build.sh)
#   2. .dockerignore: a probe build of a copy of the repo with canary files (.env, keys,
#      node_modules, tests, data, build outputs) gets none of them
#   3. image config: numeric non-root user, ports, node as PID 1 (no npm), OCI labels,
#      HOSTNAME for Next, no secret in Env, healthcheck on the real health path
#   4. layers: no .env, secret, key, test file, TypeScript source, server source map, .git
#      or build secret in any file of the image or in `docker history`
#   5. containers with --read-only, tmpfs for the writable paths only, all capabilities
#      dropped: backend /api/v1/health answers 200 on its published 127.0.0.1 port with
#      PostgreSQL (todo-postgres) reachable; the frontend serves / and its assets and
#      forwards /api/*; both run as UID 10001; nothing outside the writable paths can be
#      written; `docker stop` ends each in well under 10 s with a clean exit (no SIGKILL)
#   6. Compose: docker-compose.yml validates and comes up with a generated .env; one origin
#      routes / to the frontend and /api to the backend; the browser e2e (tests/e2e) passes
#      against it
#   7. scans: scripts/images/scan.sh (hadolint, trivy config, npm audit, SBOMs)
# Figures (sizes, start-to-healthy, stop time, idle RSS) go to artifacts/images/figures.md.
# Ends with "N passed, N failed"; exit 1 if anything failed.
set -o errexit -o nounset -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${REPO_ROOT}"
# shellcheck source=../../scripts/versions.env
source scripts/versions.env
# shellcheck source=../../scripts/images/docker-lib.sh
source scripts/images/docker-lib.sh

skip_build=false skip_compose=false skip_e2e=false skip_scan=false
for arg in "$@"; do
  case ${arg} in
    --skip-build) skip_build=true ;;
    --skip-compose) skip_compose=true ;;
    --skip-e2e) skip_e2e=true ;;
    --skip-scan) skip_scan=true ;;
    *) echo "usage: $0 [--skip-build] [--skip-compose] [--skip-e2e] [--skip-scan]" >&2; exit 2 ;;
  esac
done

pass=0 fail=0 unchecked=0
failures=()
# A check the machine cannot perform is neither a pass nor a failure: it is said plainly.
not_checked() { unchecked=$((unchecked + 1)); printf '\033[33mNOT CHECKED\033[0m - %s\n' "$*"; }
ok() { pass=$((pass + 1)); printf '\033[32mok\033[0m - %s\n' "$*"; }
not_ok() { fail=$((fail + 1)); failures+=("$*"); printf '\033[31mnot ok\033[0m - %s\n' "$*"; }
check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
  local what=$1; shift
  if "$@"; then ok "${what}"; else not_ok "${what}"; fi
}
section() { printf '\n\033[1m# %s\033[0m (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
now_ms() { date +%s%3N; }

RUN_ID="imgtest$$"
NET="todo-${RUN_ID}"
ARTIFACTS="${REPO_ROOT}/artifacts/images"
FIGURES="${ARTIFACTS}/figures.md"
WORK="$(mktemp -d)"
containers=()
compose_up=false

cleanup() {
  local c
  for c in "${containers[@]}"; do "${DOCKER}" rm -f -v "${c}" >/dev/null 2>&1 || true; done
  "${DOCKER}" network rm "${NET}" >/dev/null 2>&1 || true
  if ${compose_up}; then
    docker-compose -p "${RUN_ID}" -f "${REPO_ROOT}/docker-compose.yml" --env-file "${WORK}/compose.env" \
      down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  "${DOCKER}" image rm -f "todo-dockerignore-probe:${RUN_ID}" >/dev/null 2>&1 || true
  rm -rf "${WORK}"
}
trap cleanup EXIT

ensure_docker
mkdir -p "${ARTIFACTS}"

# ---- constants shared with the code, manifests and chart -------------------------------
[[ -f packages/contract/dist/constants.js ]] || npm run -s build -w packages/contract
npm run -s constants:json -w packages/contract >"${WORK}/constants.json"
constant() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(" ".join(v) if isinstance(v,list) else v)' "${WORK}/constants.json" "$1"; }
BACKEND_PORT="$(constant BACKEND_PORT)"
FRONTEND_PORT="$(constant FRONTEND_PORT)"
HEALTH_PATH="$(constant HEALTH_PATH)"
CONTAINER_UID="$(constant CONTAINER_UID)"
IMAGE_BACKEND="$(constant IMAGE_BACKEND)"
IMAGE_FRONTEND="$(constant IMAGE_FRONTEND)"
read -r -a BACKEND_WRITABLE <<<"$(constant BACKEND_WRITABLE_PATHS)"
read -r -a FRONTEND_WRITABLE <<<"$(constant FRONTEND_WRITABLE_PATHS)"
VERSION="$(python3 -c 'import json; print(json.load(open("package.json"))["version"])')"
REVISION="$(git rev-parse HEAD)"
BACKEND_IMAGE="${IMAGE_BACKEND}:${VERSION}"
FRONTEND_IMAGE="${IMAGE_FRONTEND}:${VERSION}"
POSTGRES_IMAGE="todo-postgres:${VERSION}"

{
  echo "# Image figures"
  echo
  echo "Measured by tests/images/run.sh on $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, Docker $("${DOCKER}" version -f '{{.Server.Version}}'), revision ${REVISION:0:12}."
  echo
} >"${FIGURES}"

# ---- 1. build ---------------------------------------------------------------------------
section "1. build the images"
if ${skip_build}; then
  echo "skipped (--skip-build): using the images already tagged ${VERSION}"
else
  start=${SECONDS}
  if scripts/images/build.sh >"${WORK}/build-times"; then
    ok "all four images build (${IMAGE_BACKEND}, ${IMAGE_FRONTEND}, todo-postgres, todo-proxy) in $((SECONDS - start)) s"
    { echo "Build times (s), this run: $(tr '\n' ' ' <"${WORK}/build-times")"; echo; } >>"${FIGURES}"
  else
    not_ok "scripts/images/build.sh failed"
  fi
fi
for img in "${BACKEND_IMAGE}" "${FRONTEND_IMAGE}" "${POSTGRES_IMAGE}" "todo-proxy:${VERSION}"; do
  image_exists "${img}" || { not_ok "${img} does not exist; nothing more can be tested"; echo "${pass} passed, ${fail} failed, ${unchecked} not checked"; exit 1; }
done

# ---- 2. .dockerignore -----------------------------------------------------------------
section "2. the build context keeps secrets, dependencies, tests and data out"
ctx="${WORK}/context"
mkdir -p "${ctx}"
git ls-files -z --cached --others --exclude-standard | grep -zv '^node_modules/' \
  | xargs -0 tar -cf - --ignore-failed-read 2>/dev/null | tar -C "${ctx}" -xf -
canaries=(.env .env.local .env.production backend/.env frontend/.env.local packages/contract/.env
  node_modules/canary/index.js backend/node_modules/canary/index.js frontend/node_modules/canary/index.js
  .git/config backend/dist/server.js.map frontend/.next/server/canary.js .data/pglite/PG_VERSION
  backend/.data/canary tests/canary.test.ts backend/test/canary.test.ts frontend/test/canary.test.ts
  frontend/app/canary.spec.tsx backend/src/canary.test.ts artifacts/sbom.json test-results/e2e/log.txt
  secrets/db.txt server.key tls.pem backend/coverage/lcov.info)
for f in "${canaries[@]}"; do mkdir -p "$(dirname "${ctx}/${f}")"; echo "canary-${RUN_ID}" >"${ctx}/${f}"; done
printf 'FROM node:%s-bookworm-slim\nCOPY . /ctx\n' "${NODE_MAJOR}" >"${WORK}/probe.Dockerfile"
if DOCKER_BUILDKIT=1 "${DOCKER}" build -q -f "${WORK}/probe.Dockerfile" -t "todo-dockerignore-probe:${RUN_ID}" "${ctx}" >/dev/null 2>"${WORK}/probe.err"; then
  "${DOCKER}" run --rm "todo-dockerignore-probe:${RUN_ID}" find /ctx -mindepth 1 \( -type f -o -type l \) >"${WORK}/ctx.lst"
  leaked=()
  for f in "${canaries[@]}"; do grep -qx "/ctx/${f}" "${WORK}/ctx.lst" && leaked+=("${f}"); done
  if ((${#leaked[@]} == 0)); then ok ".dockerignore keeps all ${#canaries[@]} canaries out of the context"; else not_ok ".dockerignore let through: ${leaked[*]}"; fi
  missing=()
  for f in package.json package-lock.json .npmrc tsconfig.base.json packages/contract/src/index.ts \
    backend/package.json backend/src/server.ts backend/drizzle/meta/_journal.json frontend/package.json \
    frontend/next.config.ts scripts/images/prod-closure.mjs; do
    grep -qx "/ctx/${f}" "${WORK}/ctx.lst" || missing+=("${f}")
  done
  if ((${#missing[@]} == 0)); then ok "the context still has what the builds compile from"; else not_ok "context lacks: ${missing[*]}"; fi
  n_ctx="$(wc -l <"${WORK}/ctx.lst")"
  ((n_ctx < 2000)) && ok "context is small (${n_ctx} files)" || not_ok "context has ${n_ctx} files: something large slipped in"
else
  cat "${WORK}/probe.err"
  not_ok "the .dockerignore probe did not build"
fi

# ---- 3. image configuration -----------------------------------------------------------
section "3. image configuration"
inspect() { "${DOCKER}" image inspect -f "$2" "$1"; }
for img in "${BACKEND_IMAGE}" "${FRONTEND_IMAGE}"; do
  user="$(inspect "${img}" '{{.Config.User}}')"
  [[ ${user} == "${CONTAINER_UID}:${CONTAINER_UID}" ]] && ok "${img} runs as ${user} (numeric, non-root)" || not_ok "${img} user is '${user}', want ${CONTAINER_UID}:${CONTAINER_UID}"
  ep="$(inspect "${img}" '{{json .Config.Entrypoint}}')" cmd="$(inspect "${img}" '{{json .Config.Cmd}}')"
  [[ ${ep} == null && ${cmd} == '["node",'* ]] && ok "${img} starts node directly as PID 1: ${cmd}" || not_ok "${img} entrypoint ${ep} cmd ${cmd}: want node as PID 1"
  labels="$(inspect "${img}" '{{json .Config.Labels}}')"
  want_rev="${REVISION}"
  # Images from an earlier build (--skip-build) carry the commit they were built from.
  ${skip_build} && want_rev="$(python3 -c 'import json,sys; print((json.loads(sys.argv[1]) or {}).get("org.opencontainers.image.revision",""))' "${labels}")"
  if python3 - "${labels}" "${VERSION}" "${want_rev}" <<'PY' && git cat-file -e "${want_rev}^{commit}" 2>/dev/null; then
import json, sys
l = json.loads(sys.argv[1]) or {}
assert l.get("org.opencontainers.image.version") == sys.argv[2], "version"
assert l.get("org.opencontainers.image.revision") == sys.argv[3], "revision"
assert l.get("org.opencontainers.image.source"), "source"
PY
    ok "${img} has OCI labels version=${VERSION}, revision=${want_rev:0:12} (a commit of this repository), source"
  else
    not_ok "${img} OCI labels wrong: ${labels}"
  fi
  env_json="$(inspect "${img}" '{{json .Config.Env}}')"
  bad_env="$(python3 -c 'import json,sys; names={"DATABASE_URL","OPENAI_API_KEY","AUTH_SECRET","NODE_EXTRA_CA_CERTS"}; print(" ".join(e.split("=")[0] for e in json.loads(sys.argv[1]) if e.split("=")[0] in names))' "${env_json}")"
  [[ -z ${bad_env} ]] && ok "${img} bakes no secret or CA path into its Env" || not_ok "${img} Env has ${bad_env}"
  [[ ${env_json} == *'"NODE_ENV=production"'* ]] && ok "${img} sets NODE_ENV=production" || not_ok "${img} lacks NODE_ENV=production"
done
[[ "$(inspect "${BACKEND_IMAGE}" '{{json .Config.ExposedPorts}}')" == *"\"${BACKEND_PORT}/tcp\""* ]] && ok "backend exposes ${BACKEND_PORT}" || not_ok "backend does not expose ${BACKEND_PORT}"
[[ "$(inspect "${FRONTEND_IMAGE}" '{{json .Config.ExposedPorts}}')" == *"\"${FRONTEND_PORT}/tcp\""* ]] && ok "frontend exposes ${FRONTEND_PORT}" || not_ok "frontend does not expose ${FRONTEND_PORT}"
[[ "$(inspect "${FRONTEND_IMAGE}" '{{json .Config.Env}}')" == *'"HOSTNAME=0.0.0.0"'* ]] && ok "frontend sets HOSTNAME=0.0.0.0 (Next binds to it)" || not_ok "frontend lacks HOSTNAME=0.0.0.0"
[[ "$(inspect "${BACKEND_IMAGE}" '{{json .Config.Healthcheck.Test}}')" == *"${HEALTH_PATH}"* ]] && ok "backend HEALTHCHECK uses ${HEALTH_PATH}" || not_ok "backend HEALTHCHECK does not use ${HEALTH_PATH}"

# ---- 4. what is inside the layers -------------------------------------------------------
section "4. nothing leaks into the layers"
ca_sha=""
ca_bundle="${TODO_APP_CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-}}"
[[ -n ${ca_bundle} && -r ${ca_bundle} ]] && ca_sha="$(sha256sum "${ca_bundle}" | cut -d' ' -f1)"
# layer_paths IMAGE: every path of every layer (docker save), not only the merged file system:
# a file that one layer adds and a later one deletes still ships, so a deletion's whiteout
# counts as the file.
layer_paths() {
  "${DOCKER}" save "$1" | python3 -c '
import sys, tarfile
outer = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
names = set()
for m in outer:
    if m.name.endswith("layer.tar"):
        with tarfile.open(fileobj=outer.extractfile(m), mode="r|") as layer:
            for e in layer:
                n = e.name[2:] if e.name.startswith("./") else e.name
                head, _, base = n.rstrip("/").rpartition("/")
                if base.startswith(".wh."):
                    base = base[4:]
                    if base.startswith(".wh."):  # opaque-directory marker, not a file
                        continue
                names.add((head + "/" if head else "") + base)
print("\n".join(sorted(names)))
'
}
declare -A LEAK_KINDS=([env]=".env file" [map]="source map of our code" [test]="test file"
  [source]="TypeScript source" [secret]=".git, data dir, npmrc, key or build secret")
# leak_scan PATHS_FILE: "<kind> <path>" for each path that must not ship. Our code is /app
# outside node_modules; .env files, keys and build secrets count anywhere outside the OS.
leak_scan() {
  local f=$1
  grep -E '(^|/)\.env($|\.)' "${f}" | sed 's/^/env /' || true
  local app
  app="$(grep '^app/' "${f}" | grep -v '/node_modules/' || true)"
  grep -E '\.map$' <<<"${app}" | sed 's/^/map /' || true
  grep -E '(\.(test|spec)\.[cm]?[jt]sx?$|(^|/)(tests?|__tests__|e2e|bench)(/|$))' <<<"${app}" | sed 's/^/test /' || true
  grep -E '\.(ts|tsx|mts|cts)$' <<<"${app}" | grep -vE '\.d\.[cm]?ts$' | sed 's/^/source /' || true
  grep -E '(^|/)(\.git|\.data|\.npmrc|\.secretlintrc[^/]*|id_rsa[^/]*|[^/]+\.(pem|key))$|^run/secrets' "${f}" \
    | grep -vE '^(usr|etc)/' | sed 's/^/secret /' || true
}

# Negative control: the scan must see what a careless image would ship, including a file
# deleted again in a later layer.
printf 'FROM %s\nUSER 0\nCOPY canary.env /app/backend/.env\nCOPY canary.map /app/backend/dist/server.js.map\nCOPY canary.env /app/backend/src/leak.ts\nRUN rm /app/backend/.env\n' \
  "${BACKEND_IMAGE}" >"${WORK}/leaky.Dockerfile"
mkdir -p "${WORK}/leaky" && echo "canary" >"${WORK}/leaky/canary.env" && echo "{}" >"${WORK}/leaky/canary.map"
if DOCKER_BUILDKIT=1 "${DOCKER}" build -q -f "${WORK}/leaky.Dockerfile" -t "todo-leaky-probe:${RUN_ID}" "${WORK}/leaky" >/dev/null 2>&1; then
  layer_paths "todo-leaky-probe:${RUN_ID}" >"${WORK}/leaky.layers.lst"
  leak_scan "${WORK}/leaky.layers.lst" >"${WORK}/leaky.leaks"
  "${DOCKER}" image rm -f "todo-leaky-probe:${RUN_ID}" >/dev/null 2>&1 || true
  if grep -qx 'env app/backend/.env' "${WORK}/leaky.leaks" && grep -qx 'map app/backend/dist/server.js.map' "${WORK}/leaky.leaks" \
    && grep -qx 'source app/backend/src/leak.ts' "${WORK}/leaky.leaks"; then
    ok "negative control: the layer scan finds a planted .env (deleted in a later layer), source map and source"
  else
    not_ok "negative control: the layer scan missed planted files: $(tr '\n' ' ' <"${WORK}/leaky.leaks")"
  fi
else
  not_ok "negative control image did not build"
fi

for img in "${BACKEND_IMAGE}" "${FRONTEND_IMAGE}"; do
  name="${img%%:*}"
  cid="$("${DOCKER}" create "${img}")"
  "${DOCKER}" export "${cid}" >"${WORK}/${name}.tar"
  "${DOCKER}" rm "${cid}" >/dev/null
  tar -tf "${WORK}/${name}.tar" | sed 's#^\./##; s#/$##' >"${WORK}/${name}.lst"
  layer_paths "${img}" >"${WORK}/${name}.layers.lst"
  leak_scan "${WORK}/${name}.layers.lst" >"${WORK}/${name}.leaks"
  for kind in env map test source secret; do
    leaks="$(awk -v k="${kind}" '$1 == k { print $2 }' "${WORK}/${name}.leaks" | head -5 | tr '\n' ' ')"
    [[ -z ${leaks} ]] && ok "${name}: no ${LEAK_KINDS[${kind}]} in any layer" || not_ok "${name}: ${LEAK_KINDS[${kind}]}: ${leaks}"
  done
  if [[ -n ${ca_sha} ]]; then
    mkdir -p "${WORK}/${name}-fs" && tar -C "${WORK}/${name}-fs" -xf "${WORK}/${name}.tar" app 2>/dev/null || true
    hit="$(find "${WORK}/${name}-fs" -type f -size "$(stat -c %s "${ca_bundle}")c" -exec sha256sum {} + 2>/dev/null | grep "${ca_sha}" || true)"
    [[ -z ${hit} ]] && ok "${name}: the build-secret CA bundle is in no file of /app" || not_ok "${name}: CA bundle copied into ${hit}"
    rm -rf "${WORK}/${name}-fs"
  fi
  hist="$("${DOCKER}" history --no-trunc --format '{{.CreatedBy}}' "${img}")"
  if grep -qE 'BEGIN (CERTIFICATE|[A-Z ]*PRIVATE KEY)|(DATABASE_URL|AUTH_SECRET|OPENAI_API_KEY|NODE_EXTRA_CA_CERTS)=|npm (ci|install)' <<<"${hist}"; then
    not_ok "${name}: docker history shows a secret, CA or install step of the build stages"
  else
    ok "${name}: docker history holds no secret and no build-stage step (multi-stage)"
  fi
  n_total="$(wc -l <"${WORK}/${name}.lst")"
  echo "    ${name}: ${n_total} paths in the image, $(grep -c '^app/' "${WORK}/${name}.lst") under /app; $(wc -l <"${WORK}/${name}.layers.lst") paths over all layers"
  rm -f "${WORK}/${name}.tar"
done
grep -q '^app/backend/dist/server.js$' "${WORK}/todo-backend.lst" && grep -q '^app/backend/drizzle/meta/_journal.json$' "${WORK}/todo-backend.lst" \
  && ok "backend image has its compiled entry point and the SQL migrations" || not_ok "backend image lacks dist/server.js or drizzle/"
grep -q '^app/frontend/server.js$' "${WORK}/todo-frontend.lst" && grep -q '^app/frontend/.next/static/' "${WORK}/todo-frontend.lst" \
  && ok "frontend image has /app/frontend/server.js and .next/static" || not_ok "frontend image lacks server.js or .next/static"
for pm in usr/local/bin/npm usr/local/lib/node_modules/npm/package.json; do
  grep -qx "${pm}" "${WORK}/todo-backend.lst" "${WORK}/todo-frontend.lst" && not_ok "a package manager is left in a runtime image (${pm})"
done
grep -qx 'usr/local/bin/npm' "${WORK}/todo-backend.lst" "${WORK}/todo-frontend.lst" || ok "no npm in the runtime images"
if grep -qE '^app/node_modules/(next|react|react-dom|drizzle-kit|typescript|tsx|esbuild)(/|$)' "${WORK}/todo-backend.lst"; then
  not_ok "backend image carries front-end or build tooling: $(grep -oE '^app/node_modules/(next|react|react-dom|drizzle-kit|typescript|tsx|esbuild)/' "${WORK}/todo-backend.lst" | sort -u | tr '\n' ' ')"
else
  ok "backend image carries no Next.js, React, TypeScript or build tooling"
fi

# ---- 5. containers ------------------------------------------------------------------------
section "5. containers: read-only, non-root, health, forwarding, stop"
"${DOCKER}" network create "${NET}" >/dev/null
PG_PASSWORD="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
AUTH="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
hardening=(--read-only --cap-drop ALL --security-opt no-new-privileges:true)
tmpfs_args() { local p; for p in "$@"; do printf -- '--tmpfs\n%s:rw,nosuid,nodev,size=64m\n' "${p}"; done; }
mapfile -t be_tmpfs < <(tmpfs_args "${BACKEND_WRITABLE[@]}")
mapfile -t fe_tmpfs < <(tmpfs_args "${FRONTEND_WRITABLE[@]}")

pg="${RUN_ID}-postgres"
containers+=("${pg}")
"${DOCKER}" run -d --name "${pg}" --network "${NET}" --network-alias postgres "${hardening[@]}" --tmpfs /tmp \
  -e POSTGRES_PASSWORD="${PG_PASSWORD}" "${POSTGRES_IMAGE}" >/dev/null
for _ in $(seq 1 120); do
  [[ "$("${DOCKER}" inspect -f '{{.State.Health.Status}}' "${pg}")" == healthy ]] && break
  sleep 0.5
done
[[ "$("${DOCKER}" inspect -f '{{.State.Health.Status}}' "${pg}")" == healthy ]] && ok "todo-postgres is healthy (read-only, no capabilities)" || not_ok "todo-postgres never became healthy: $("${DOCKER}" logs --tail 20 "${pg}" 2>&1)"

# wait_http URL TIMEOUT_S: prints milliseconds until the URL answered 200, or fails.
wait_http() {
  local url=$1 deadline=$(($(now_ms) + $2 * 1000)) t0
  t0=$(now_ms)
  while (($(now_ms) < deadline)); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${url}")" == 200 ]]; then echo $(($(now_ms) - t0)); return 0; fi
    sleep 0.1
  done
  return 1
}
rss() { # rss CONTAINER: resident memory of PID 1 (from the host's /proc) and the cgroup's usage
  local pid
  pid="$("${DOCKER}" inspect -f '{{.State.Pid}}' "$1")"
  printf '%s MiB RSS (cgroup %s)' "$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/${pid}/status")" \
    "$("${DOCKER}" stats --no-stream --format '{{.MemUsage}}' "$1" | cut -d/ -f1 | tr -d ' ')"
}
stop_ms() { # stop_ms CONTAINER: docker stop with the default 10 s grace; prints ms
  local t0; t0=$(now_ms)
  "${DOCKER}" stop "$1" >/dev/null
  echo $(($(now_ms) - t0))
}
assert_stop() { # assert_stop NAME CONTAINER
  local ms code
  ms="$(stop_ms "$2")"
  code="$("${DOCKER}" inspect -f '{{.State.ExitCode}}' "$2")"
  if ((ms < 5000)) && [[ ${code} != 137 ]]; then
    ok "$1: docker stop took ${ms} ms, exit code ${code} (SIGTERM handled, no SIGKILL)"
  else
    not_ok "$1: docker stop took ${ms} ms, exit code ${code}"
  fi
  eval "stop_${1}_ms=${ms}"
}
assert_fs() { # assert_fs NAME CONTAINER WRITABLE...: only the listed paths can be written
  local name=$1 c=$2; shift 2
  local script="const fs=require('fs');const r={};for(const p of process.argv.slice(1)){try{fs.writeFileSync(p+'/.w','x');fs.unlinkSync(p+'/.w');r[p]='rw'}catch(e){r[p]=e.code}}console.log(JSON.stringify(r))"
  local out
  out="$("${DOCKER}" exec "${c}" node -e "${script}" "$@" /app / /etc /usr/local/lib 2>&1)"
  python3 - "${out}" "$@" <<'PY' && ok "${name}: writable exactly at $* (elsewhere EROFS): ${out}" || not_ok "${name}: filesystem ${out}"
import json, sys
r = json.loads(sys.argv[1]); writable = set(sys.argv[2:])
for p, v in r.items():
    assert (v == "rw") == (p in writable), p
PY
}
assert_uid() { # assert_uid NAME CONTAINER: PID 1 is the node binary, as CONTAINER_UID, no capabilities
  local status exe uids capeff
  status="$("${DOCKER}" exec "$2" node -e 'const fs=require("fs");const s=fs.readFileSync("/proc/1/status","utf8").split("\n");const g=k=>s.find(l=>l.startsWith(k+":")).split(":")[1].trim().split(/\s+/).join(",");console.log(fs.readlinkSync("/proc/1/exe"),g("Uid"),g("CapEff"))')"
  read -r exe uids capeff <<<"${status}"
  if [[ ${exe} == */node && ${uids} == "${CONTAINER_UID},${CONTAINER_UID},${CONTAINER_UID},${CONTAINER_UID}" && ${capeff} == 0000000000000000 ]]; then
    ok "$1: PID 1 is ${exe} as UID ${CONTAINER_UID} with no capabilities"
  else
    not_ok "$1: PID 1 is '${status}'"
  fi
}

be="${RUN_ID}-backend"
containers+=("${be}")
t0=$(now_ms)
"${DOCKER}" run -d --name "${be}" --network "${NET}" --network-alias backend "${hardening[@]}" "${be_tmpfs[@]}" \
  -p "127.0.0.1::${BACKEND_PORT}" \
  -e DATABASE_URL="postgresql://todo:${PG_PASSWORD}@postgres:5432/todo" -e AUTH_SECRET="${AUTH}" \
  -e ENVIRONMENT_NAME="imagetest" -e LOG_LEVEL=warn "${BACKEND_IMAGE}" >/dev/null
be_port="$("${DOCKER}" port "${be}" "${BACKEND_PORT}/tcp" | head -1 | sed 's/.*://')"
if wait_http "http://127.0.0.1:${be_port}${HEALTH_PATH}" 120 >/dev/null; then
  be_ready_ms=$(($(now_ms) - t0))
  body="$(curl -s "http://127.0.0.1:${be_port}${HEALTH_PATH}")"
  [[ ${body} == *'"status":"healthy"'* ]] && ok "backend ${HEALTH_PATH} answers 200 healthy on 127.0.0.1:${be_port} with PostgreSQL (${be_ready_ms} ms after docker run)" \
    || not_ok "backend health body: ${body}"
else
  be_ready_ms=-1
  not_ok "backend ${HEALTH_PATH} never answered 200: $("${DOCKER}" logs --tail 30 "${be}" 2>&1)"
fi
assert_uid backend "${be}"
assert_fs backend "${be}" "${BACKEND_WRITABLE[@]}"
for _ in $(seq 1 60); do
  [[ "$("${DOCKER}" inspect -f '{{.State.Health.Status}}' "${be}")" == healthy ]] && break
  sleep 1
done
[[ "$("${DOCKER}" inspect -f '{{.State.Health.Status}}' "${be}")" == healthy ]] && ok "backend image HEALTHCHECK reports healthy" || not_ok "backend HEALTHCHECK: $("${DOCKER}" inspect -f '{{json .State.Health}}' "${be}")"

fe="${RUN_ID}-frontend"
containers+=("${fe}")
t0=$(now_ms)
"${DOCKER}" run -d --name "${fe}" --network "${NET}" "${hardening[@]}" "${fe_tmpfs[@]}" \
  -p "127.0.0.1::${FRONTEND_PORT}" -e API_BASE_URL="http://backend:${BACKEND_PORT}" -e ENVIRONMENT_NAME=imagetest \
  "${FRONTEND_IMAGE}" >/dev/null
fe_port="$("${DOCKER}" port "${fe}" "${FRONTEND_PORT}/tcp" | head -1 | sed 's/.*://')"
if wait_http "http://127.0.0.1:${fe_port}/" 120 >/dev/null; then
  fe_ready_ms=$(($(now_ms) - t0))
  ok "frontend serves / with 200 on 127.0.0.1:${fe_port} (${fe_ready_ms} ms after docker run)"
else
  fe_ready_ms=-1
  not_ok "frontend / never answered 200: $("${DOCKER}" logs --tail 30 "${fe}" 2>&1)"
fi
page="$(curl -s "http://127.0.0.1:${fe_port}/")"
asset="$(grep -oE '/_next/static/[^"]+\.js' <<<"${page}" | head -1 || true)"
if [[ -n ${asset} && "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${fe_port}${asset}")" == 200 ]]; then
  ok "frontend serves its static assets (${asset})"
else
  not_ok "frontend static asset '${asset}' not served"
fi
fwd="$(curl -s -w ' %{http_code}' "http://127.0.0.1:${fe_port}${HEALTH_PATH}")"
[[ ${fwd} == *'"status":"healthy"'*' 200' ]] && ok "frontend forwards ${HEALTH_PATH} to the backend: 200 healthy" || not_ok "frontend /api forwarding: ${fwd}"
assert_uid frontend "${fe}"
assert_fs frontend "${fe}" "${FRONTEND_WRITABLE[@]}"

sleep 5 # idle
be_rss="$(rss "${be}")" fe_rss="$(rss "${fe}")"
echo "    idle memory: backend ${be_rss}, frontend ${fe_rss}"
assert_stop frontend "${fe}"
assert_stop backend "${be}"
pg_stop="$(stop_ms "${pg}")"
"${DOCKER}" network rm "${NET}" >/dev/null 2>&1 || true

size() { "${DOCKER}" image inspect -f '{{.Size}}' "$1"; }
mb() { python3 -c "print(f'{$1/1e6:.0f}')"; }
base_size="$(size "node:${NODE_MAJOR}-bookworm-slim")"
{
  echo "| image | total MB | app layers over the base MB | docker run → healthy | docker stop | idle memory |"
  echo "|---|---|---|---|---|---|"
  echo "| ${BACKEND_IMAGE} | $(mb "$(size "${BACKEND_IMAGE}")") | $(mb "$(($(size "${BACKEND_IMAGE}") - base_size))") | ${be_ready_ms} ms | ${stop_backend_ms:-?} ms | ${be_rss} |"
  echo "| ${FRONTEND_IMAGE} | $(mb "$(size "${FRONTEND_IMAGE}")") | $(mb "$(($(size "${FRONTEND_IMAGE}") - base_size))") | ${fe_ready_ms} ms | ${stop_frontend_ms:-?} ms | ${fe_rss} |"
  echo "| todo-postgres:${VERSION} (Compose only) | $(mb "$(size "${POSTGRES_IMAGE}")") | — | — | ${pg_stop} ms | — |"
  echo "| todo-proxy:${VERSION} (Compose only) | $(mb "$(size "todo-proxy:${VERSION}")") | — | — | — | — |"
  echo
  echo "Base node:${NODE_MAJOR}-bookworm-slim (local stand-in): $(mb "${base_size}") MB. Backend start includes applying the SQL migrations to an empty database."
  echo
} >>"${FIGURES}"

# ---- 6. Compose -------------------------------------------------------------------------
section "6. Compose stack behind one origin"
if ${skip_compose}; then
  echo "skipped (--skip-compose)"
else
  command -v docker-compose >/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose >/dev/null 2>&1 \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose >/dev/null; }
  }
  http_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  env_name="compose-${RUN_ID}"
  # The user's path: .env.example copied, secrets filled in.
  sed -e "s/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')/" \
    -e "s|^AUTH_SECRET=.*|AUTH_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')|" \
    -e "s/^TODO_HTTP_PORT=.*/TODO_HTTP_PORT=${http_port}/" -e "s/^ENVIRONMENT_NAME=.*/ENVIRONMENT_NAME=${env_name}/" \
    .env.example >"${WORK}/compose.env"
  dc() { docker-compose -p "${RUN_ID}" -f "${REPO_ROOT}/docker-compose.yml" --env-file "${WORK}/compose.env" "$@"; }

  if out="$(docker-compose -f docker-compose.yml --env-file .env.example config -q 2>&1)"; then
    not_ok "compose accepted .env.example with empty secrets"
  else
    [[ ${out} == *POSTGRES_PASSWORD* || ${out} == *AUTH_SECRET* ]] && ok "compose refuses to start with the empty secrets of .env.example, naming the variable" || not_ok "compose error unclear: ${out}"
  fi
  dc config >"${WORK}/compose.resolved.yml" && ok "docker-compose $(docker-compose version --short) validates docker-compose.yml" || not_ok "docker-compose config failed"
  grep -q "image: ${BACKEND_IMAGE}" "${WORK}/compose.resolved.yml" && grep -q "image: ${FRONTEND_IMAGE}" "${WORK}/compose.resolved.yml" \
    && ok "compose uses the images build.sh tags (${VERSION}, the package version)" || not_ok "compose image tags differ from ${VERSION}"
  # Compose v2 reads the file with compose-go; tests/images/composecheck is that loader, built
  # from the Go module proxy (cached by its go.sum), so v2 validity is checked without v2.
  cc_hash="$(cat tests/images/composecheck/go.mod tests/images/composecheck/go.sum tests/images/composecheck/main.go | sha256sum | cut -c1-12)"
  composecheck="${TODO_APP_CACHE:-$HOME/.cache/todo-app}/bin/composecheck-${cc_hash}"
  if [[ ! -x ${composecheck} ]]; then
    echo "    building tests/images/composecheck (compose-go, the loader of docker compose v2)"
    (cd tests/images/composecheck && CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local nice -n 10 go build -o "${composecheck}.tmp" . && mv "${composecheck}.tmp" "${composecheck}") \
      || not_ok "building tests/images/composecheck failed"
  fi
  if [[ -x ${composecheck} ]] && "${composecheck}" -p "${RUN_ID}" -f docker-compose.yml --env-file "${WORK}/compose.env" >"${WORK}/compose.v2.json" 2>"${WORK}/compose.v2.err"; then
    ok "compose-go (the loader of docker compose v2) validates docker-compose.yml"
    python3 - "${WORK}/compose.v2.json" <<'PY' && ok "each secret reaches only the service that needs it; all services read-only, no capabilities" || not_ok "compose secrets or hardening wrong"
import json, sys
project = json.load(open(sys.argv[1]))
allowed = {"postgres": {"POSTGRES_PASSWORD"}, "backend": {"DATABASE_URL", "AUTH_SECRET", "OPENAI_API_KEY"}}
for name, svc in project["services"].items():
    env = svc.get("environment") or {}
    for secret in ("POSTGRES_PASSWORD", "DATABASE_URL", "AUTH_SECRET", "OPENAI_API_KEY"):
        assert secret not in env or secret in allowed.get(name, set()), f"{secret} in {name}"
    assert svc.get("read_only") is True, f"{name} not read_only"
    assert svc.get("cap_drop") == ["ALL"], f"{name} keeps capabilities"
PY
  else
    cat "${WORK}/compose.v2.err" 2>/dev/null
    not_ok "compose-go rejects docker-compose.yml"
  fi

  compose_up=true
  t0=$(now_ms)
  if dc up -d --no-build >"${WORK}/compose-up.log" 2>&1; then
    up_ms=$(($(now_ms) - t0))
    ok "the Compose stack comes up, every service healthy (${up_ms} ms, depends_on waits for health)"
    echo "Compose: \`docker-compose up -d --no-build\` until every service is healthy (fresh database volume): ${up_ms} ms." >>"${FIGURES}"
  else
    cat "${WORK}/compose-up.log"
    dc ps || true
    dc logs --tail 30 || true
    not_ok "docker-compose up failed"
  fi
  origin="http://127.0.0.1:${http_port}"
  h="$(curl -s -w ' %{http_code}' "${origin}${HEALTH_PATH}")"
  [[ ${h} == *'"status":"healthy"'*' 200' ]] && ok "one origin: ${HEALTH_PATH} → backend, 200 healthy" || not_ok "${origin}${HEALTH_PATH}: ${h}"
  # Straight to the backend, not through the frontend's own forwarding: the backend's
  # Fastify answers its 404 for an unknown /api path as JSON, Next.js would answer HTML.
  nf="$(curl -s -w ' %{http_code} %{content_type}' "${origin}/api/v1/no-such-route-${RUN_ID}")"
  [[ ${nf} == *' 404 application/json'* ]] && ok "one origin: unknown /api path is the backend's JSON 404" || not_ok "/api routing: ${nf}"
  root="$(curl -s -L -w ' %{http_code} %{content_type}' "${origin}/")"
  [[ ${root} == *' 200 text/html'* ]] && ok "one origin: / → frontend, 200 HTML" || not_ok "${origin}/: ${root: -60}"
  [[ ${root} == *"${env_name}"* ]] && ok "the page shows ENVIRONMENT_NAME from .env (${env_name})" || echo "    (the start page does not show the environment name; the e2e checks it after sign-in)"

  if ${skip_e2e}; then
    echo "e2e skipped (--skip-e2e)"
  elif [[ ! -f tests/e2e/app.e2e.test.ts ]]; then
    not_ok "tests/e2e/app.e2e.test.ts is missing"
  else
    t0=$(now_ms)
    if BASE_URL="${origin}" EXPECT_ENVIRONMENT_NAME="${env_name}" \
      npx --no-install node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts tests/e2e/app.e2e.test.ts >"${WORK}/e2e.log" 2>&1; then
      ok "browser e2e (tests/e2e/app.e2e.test.ts) passes against the Compose stack ($(($(now_ms) - t0)) ms)"
    else
      tail -n 60 "${WORK}/e2e.log"
      dc logs --tail 40 || true
      not_ok "browser e2e failed against the Compose stack"
    fi
    grep -E '^ℹ (tests|pass|fail)' "${WORK}/e2e.log" | sed 's/^/    e2e /' || true
  fi

  t0=$(now_ms)
  dc stop >/dev/null 2>&1
  down_ms=$(($(now_ms) - t0))
  ((down_ms < 10000)) && ok "docker-compose stop of the whole stack: ${down_ms} ms" || not_ok "docker-compose stop took ${down_ms} ms"
  for s in backend frontend proxy postgres; do
    code="$("${DOCKER}" inspect -f '{{.State.ExitCode}}' "$(dc ps -q "${s}")" 2>/dev/null || echo '?')"
    [[ ${code} != 137 ]] || not_ok "compose ${s} was killed (exit 137)"
  done
  dc down -v --remove-orphans >/dev/null 2>&1 && compose_up=false
fi

# ---- 7. scans ---------------------------------------------------------------------------
section "7. lint, CIS checks, npm audit, SBOMs"
if ${skip_scan}; then
  echo "skipped (--skip-scan)"
elif bash scripts/images/scan.sh 2> >(tee "${WORK}/scan.err" >&2); then
  if grep -q 'npm audit: NOT CHECKED' "${WORK}/scan.err"; then
    ok "scripts/images/scan.sh: hadolint and trivy config clean, SBOMs in artifacts/images/"
    not_checked "npm audit of the shipped dependencies: no vulnerability database is reachable from this machine"
  else
    ok "scripts/images/scan.sh: hadolint, trivy config and npm audit clean, SBOMs in artifacts/images/"
  fi
else
  not_ok "scripts/images/scan.sh reported findings"
fi
if bash tests/images/secret-scan.test.sh >"${WORK}/secret-test.log" 2>&1; then
  ok "secret scan self-test (history, masking, work tree): $(tail -1 "${WORK}/secret-test.log")"
else
  cat "${WORK}/secret-test.log"
  not_ok "secret scan self-test"
fi
if bash scripts/secret-scan.sh >"${WORK}/secret-scan.log" 2>&1; then
  ok "$(tail -1 "${WORK}/secret-scan.log")"
else
  cat "${WORK}/secret-scan.log"
  not_ok "the repository's secret scan has findings"
fi

echo
cat "${FIGURES}"
echo
if ((fail > 0)); then
  printf 'FAILED: %s\n' "${failures[@]}"
fi
echo "${pass} passed, ${fail} failed, ${unchecked} not checked"
((fail == 0))
