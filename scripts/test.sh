#!/usr/bin/env bash
# `npm test`: everything that needs no Docker and no cluster.
#   1. secret scan of the work tree and the whole git history
#   2. type checks of the three workspaces and of the proving ground (harness/, tests/)
#   3. backend unit + API tests, on PGlite AND on a real PostgreSQL (Debian's, started here)
#   4. frontend tests (the /api forwarding against real local servers, UI logic)
#   5. static tests of the Kubernetes manifests and the Helm chart (tests/contract)
#   6. browser end-to-end tests against the app as `npm start` serves it (Chromium)
# Stops at the first failing step and names it. Needs root for PostgreSQL (apt, su postgres).
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n--- [%(%H:%M:%S)T] %s\n' -1 "$*"; }
trap 'echo "npm test: FAILED at step: ${current:-?}" >&2' ERR

current="build the shared contract"; step "$current"
npm run -s build -w packages/contract

current="secret scan"; step "$current"
bash scripts/secret-scan.sh
bash tests/images/secret-scan.test.sh   # the scanner itself catches a secret committed then deleted

current="type checks"; step "$current"
npm run -s typecheck -w backend
npm run -s typecheck -w frontend
npx --no-install tsc -p tsconfig.tests.json   # the proving ground: harness/, tests/, scripts/tools/

current="proving-ground helpers"; step "$current"
npx --no-install node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts harness/test/*.test.ts

current="PostgreSQL for the API tests"; step "$current"
TEST_DATABASE_URL="$(bash scripts/postgres.sh)"
export TEST_DATABASE_URL

current="backend tests (PGlite and PostgreSQL)"; step "$current"
npm test -w backend

current="frontend tests"; step "$current"
npm test -w frontend

current="manifest and chart contract tests"; step "$current"
bash tests/contract/run.sh

current="the Minikube guide is the one the e2e executes"; step "$current"
npx --no-install node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts tests/k8s/guide.test.ts

current="browser end-to-end tests"; step "$current"
command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium (scripts/ensure-system-packages.sh does it)" >&2; exit 1; }
npx --no-install node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts --test-concurrency=1 tests/e2e/*.e2e.test.ts

step "npm test passed"
