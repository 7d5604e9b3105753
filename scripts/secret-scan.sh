#!/usr/bin/env bash
# Secret scan of the repository: the work tree (tracked and untracked files that git does not
# ignore) and every file version in the git history (all refs), with secretlint's
# recommended rule preset (.secretlintrc.json at the root). Exit 1 on any finding, with
# the secrets masked in the report: no secret committed, ever.
#
# Usage: scripts/secret-scan.sh [--repo DIR]     (default: this repository)
#   A past commit that added a secret and a later one that removed it is still a finding:
#   the history must be rewritten and the secret rotated.
# Takes a few seconds; runs on the repo's pinned Node through the root devDependency.
set -o errexit -o nounset -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${REPO_ROOT}"
case ${1:-} in
  --repo) target="$(cd "${2:?--repo needs a directory}" && pwd)" ;;
  "") ;;
  *) echo "usage: $0 [--repo DIR]" >&2; exit 2 ;;
esac
git -C "${target}" rev-parse --git-dir >/dev/null 2>&1 || { echo "secret-scan: ${target} is not a git repository" >&2; exit 2; }

secretlint="${REPO_ROOT}/node_modules/.bin/secretlint"
[[ -x ${secretlint} ]] || { echo "secret-scan: ${secretlint} is missing; run npm ci first" >&2; exit 2; }
rc_file="${REPO_ROOT}/.secretlintrc.json"

scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT

# 1. The work tree as it is now, committed or not.
# shellcheck disable=SC2016  # "$f" belongs to the inner sh, not to this script
(cd "${target}" && git ls-files -z --cached --others --exclude-standard) \
  | (cd "${target}" && xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh) >"${scratch}/tree.lst"
tree_count="$(tr -cd '\0' <"${scratch}/tree.lst" | wc -c)"

# 2. Every blob that any ref ever reached, written under its own path so that file-name
#    rules (.pem, id_rsa, .npmrc …) still apply; blobs the work tree has unchanged are skipped.
mkdir -p "${scratch}/history"
git -C "${target}" ls-files -s | awk '{ print $2 }' | sort -u >"${scratch}/current-blobs"
git -C "${target}" rev-list --objects --all \
  | git -C "${target}" cat-file --batch-check='%(objecttype) %(objectname) %(objectsize) %(rest)' \
  | awk '$1 == "blob" && $4 != ""' | sort -u -k2,2 >"${scratch}/blobs"
history_count=0
while read -r _ sha size path; do
  grep -qx "${sha}" "${scratch}/current-blobs" && continue
  # Data files of several MB are not where secrets hide; keep the scan fast.
  ((size <= 5242880)) || continue
  mkdir -p "${scratch}/history/${sha}/$(dirname "${path}")"
  git -C "${target}" cat-file blob "${sha}" >"${scratch}/history/${sha}/${path}"
  history_count=$((history_count + 1))
done <"${scratch}/blobs"

status=0
# secretlint resolves its rules from the directory it runs in: always this repository.
cd "${REPO_ROOT}"
if ((tree_count > 0)); then
  (cd "${target}" && xargs -0 "${secretlint}" --secretlintrc "${rc_file}" --no-glob --format stylish <"${scratch}/tree.lst") || status=1
fi
if ((history_count > 0)); then
  (cd "${scratch}/history" && find . -type f -print0 | xargs -0 "${secretlint}" --secretlintrc "${rc_file}" --no-glob --format stylish) \
    || status=1
fi

if ((status != 0)); then
  echo "secret-scan: FAILED — findings above (history paths are <blob-sha>/<path>; find the commit with: git log --all --find-object=<blob-sha>)" >&2
  exit 1
fi
echo "secret-scan: ${tree_count} work-tree files and ${history_count} earlier file versions scanned, no secrets found"
