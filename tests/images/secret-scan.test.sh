#!/usr/bin/env bash
# Proves scripts/secret-scan.sh can fail: a throwaway repository gets a token-shaped secret in
# one commit and loses it in the next; the scan must still report it from the history, and
# must pass once the history no longer holds it. The secret is assembled at run time so that
# this file itself holds none.
set -o errexit -o nounset -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
git init -q "${work}/repo"
g() { git -C "${work}/repo" -c user.name=test -c user.email=test@example.invalid "$@"; }

token="ghp_$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 36)"
printf 'export default { token: "%s" };\n' "${token}" >"${work}/repo/config.js"
g add config.js && g commit -q -m "add config"
printf 'export default { token: process.env.TOKEN };\n' >"${work}/repo/config.js"
g add config.js && g commit -q -m "read the token from the environment"

out="$(bash "${REPO_ROOT}/scripts/secret-scan.sh" --repo "${work}/repo" 2>&1)" && rc=0 || rc=$?
if [[ ${rc} -ne 0 && ${out} == *config.js* && ${out} == *GitHub* ]]; then
  ok "a token removed from the work tree is still found in the history"
else
  not_ok "history scan missed the token (exit ${rc}): ${out}"
fi
[[ ${out} != *"${token}"* ]] && ok "the report masks the secret" || not_ok "the report printed the secret in clear"

# Same content, but only ever committed without the secret: the scan passes.
git init -q "${work}/clean"
cp "${work}/repo/config.js" "${work}/clean/config.js"
git -C "${work}/clean" add config.js
git -C "${work}/clean" -c user.name=test -c user.email=test@example.invalid commit -q -m clean
if out="$(bash "${REPO_ROOT}/scripts/secret-scan.sh" --repo "${work}/clean" 2>&1)"; then
  ok "a repository without secrets passes"
else
  not_ok "clean repository reported: ${out}"
fi

# An uncommitted file in the work tree counts too.
printf 'token=%s\n' "${token}" >"${work}/clean/notes.txt"
if out="$(bash "${REPO_ROOT}/scripts/secret-scan.sh" --repo "${work}/clean" 2>&1)"; then
  not_ok "an untracked file with a token passed the scan"
else
  ok "an untracked work-tree file with a token is found"
fi

echo "${pass} passed, ${fail} failed"
((fail == 0))
