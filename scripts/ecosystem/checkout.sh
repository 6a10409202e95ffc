#!/usr/bin/env bash
# Get the work trees that run.sh checks: one per repos.toml entry, at the pinned commit,
# as <repos-dir>/<owner>__<name> (plain files, no .git) plus <owner>__<name>.commit.
#
# usage: scripts/ecosystem/checkout.sh [--repos-dir DIR] [--mirror-root DIR] [--network]
#
#   --repos-dir DIR    where to put the trees (default: /work/eco/repos, as run.sh)
#   --mirror-root DIR  take commits from bare git directories laid out as
#                      DIR/<owner>+<name>/repo (the layout of the search tool's `fetch`;
#                      default /work/.mirror). Blobs missing from a partial snapshot
#                      (files over a few MiB, LFS) are skipped by materialise.py.
#   --network          for entries with no local mirror, fetch the single pinned commit
#                      from GitHub (git fetch --depth 1 origin <sha>). Off by default.
#
# Existing trees are left alone (delete one to re-create it). Entries that cannot be
# had are listed at the end; run.sh counts them as missing and goes on.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repos_dir=/work/eco/repos
mirror_root=/work/.mirror
network=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --repos-dir) repos_dir=$2; shift 2 ;;
    --mirror-root) mirror_root=$2; shift 2 ;;
    --network) network=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "checkout.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$repos_dir"
failed=()
while read -r repo commit; do
  tree="$repos_dir/${repo/\//__}"
  if [[ -d "$tree" ]]; then
    continue
  fi
  gitdir="$mirror_root/${repo/\//+}/repo"
  if [[ -d "$gitdir" ]] && git --git-dir="$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null; then
    mkdir -p "$tree"
    python3 "$here/materialise.py" "$gitdir" "$commit" "$tree"
  elif [[ $network == 1 ]]; then
    tmp=$(mktemp -d)
    if git -C "$tmp" init -q && git -C "$tmp" fetch -q --depth 1 "https://github.com/$repo" "$commit"; then
      mkdir -p "$tree"
      git -C "$tmp" archive FETCH_HEAD | tar -x -C "$tree"
    else
      failed+=("$repo")
    fi
    rm -rf "$tmp"
  else
    failed+=("$repo")
    continue
  fi
  [[ -d "$tree" ]] && echo "$commit" > "$tree.commit" && echo "got $repo @ ${commit:0:12}"
done < <(python3 -c '
import sys, tomllib
for e in tomllib.load(open(sys.argv[1], "rb"))["repo"]:
    print(e["repo"], e["commit"])
' "$here/repos.toml")
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "not available (no local mirror with the commit; try --network): ${failed[*]}" >&2
fi
