#!/usr/bin/env bash
# Static checks of the Kubernetes manifests and the Helm chart: installs the pinned
# tools (cached under ${TODO_APP_CACHE:-~/.cache/todo-app}; cold ~10-15 min because helm 3 and
# 4 are built from source, warm ~1 s), builds the shared contract, runs tests/contract/*.test.ts.
# No cluster, no Docker, no root needed.
set -o errexit -o nounset -o pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scripts/tools/install.sh
npm run -s build -w packages/contract
exec npx --no-install node --import tsx --test --test-reporter=./harness/lib/strict-reporter.ts tests/contract/*.test.ts "$@"
