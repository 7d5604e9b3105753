#!/usr/bin/env bash
# Installs the Debian packages the test suites need when they are missing, so a fresh
# machine can run `npm test` and `npm run test:e2e`. Idempotent; prints what it installs.
set -Eeuo pipefail

declare -A needs=(
  [chromium]=chromium          # browser end-to-end tests (playwright-core drives it)
  [pg_ctlcluster]=postgresql   # API tests against a real PostgreSQL, the cluster's "remote" DB
  [debootstrap]=debootstrap    # stand-in base images (no registry to pull node:24 from)
  [dockerd]=docker.io          # image tests and the test cluster's image loading
  [docker-compose]=docker-compose
  [wrk]=wrk                    # bounded load in the cluster and e2e figures
  [conntrack]=conntrack        # kube-proxy
  [socat]=socat                # kubectl port-forward
  [ethtool]=ethtool
  [iptables]=iptables
  [shellcheck]=shellcheck      # npm test lints every shell script
)
missing=()
for cmd in "${!needs[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${needs[$cmd]}")
done
[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "all system packages present"
fi
