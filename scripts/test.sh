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

source scripts/lib/steps.sh
trap 'steps_on_failure "npm test"' ERR

step "build the shared contract"
npm run -s build -w packages/contract

step "secret scan"
bash scripts/secret-scan.sh
bash tests/images/secret-scan.test.sh   # the scanner itself catches a secret committed then deleted

step "type checks"
npm run -s typecheck -w backend
npm run -s typecheck -w frontend
npx --no-install tsc -p tsconfig.tests.json   # the proving ground: harness/, tests/, scripts/tools/

step "lint: shellcheck"
command -v shellcheck >/dev/null || { echo "shellcheck is missing: apt-get install shellcheck (scripts/ensure-system-packages.sh does it)" >&2; exit 1; }
git ls-files -z '*.sh' .ci/run | xargs -0 shellcheck

step "proving-ground helpers"
npx --no-install node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts harness/test/*.test.ts

step "PostgreSQL for the API tests"
TEST_DATABASE_URL="$(bash scripts/postgres.sh)"
export TEST_DATABASE_URL

step "backend tests (PGlite and PostgreSQL)"
npm test -w backend

step "frontend tests"
npm test -w frontend

step "manifest and chart contract tests"
bash tests/contract/run.sh

step "the Minikube guide is the one the e2e executes"
npx --no-install node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts tests/k8s/guide.test.ts

step "browser end-to-end tests"
command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium (scripts/ensure-system-packages.sh does it)" >&2; exit 1; }
npx --no-install node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts --test-concurrency=1 tests/e2e/*.e2e.test.ts

steps_end "npm test"
