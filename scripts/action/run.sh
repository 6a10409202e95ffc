#!/usr/bin/env bash
# The GitHub Action's logic (action.yml calls it), kept in a script so that tests can run
# it under simulated GitHub environments with a stub `guardrail`.
#
# Inputs come as environment variables, as composite actions pass them:
#   INPUT_PATHS      paths to check (default: .)
#   INPUT_BASE       a ref or sha to compare with; empty: the pull request's base (nothing
#                    on a push: history rules are skipped with a note)
#   INPUT_FAIL_ON    error | warning | info | never (default: the config's, else error)
#   INPUT_CONFIG     a configuration file
#   INPUT_SARIF      true: write guardrail.sarif for upload (default true)
#   INPUT_ARGS       more arguments for `guardrail check`
#   GUARDRAIL        the binary (default: guardrail on PATH)
# GitHub's: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_BASE_REF, GITHUB_OUTPUT,
# GITHUB_REPOSITORY.
#
# Outputs (to $GITHUB_OUTPUT): exit-code (guardrail's), sarif (the file, when written),
# upload-sarif (true when the token may upload: not a pull request from a fork).
set -uo pipefail

bin=${GUARDRAIL:-guardrail}
paths=${INPUT_PATHS:-.}
out=${GITHUB_OUTPUT:-/dev/null}

args=()
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
fail_on=()
[ -n "${INPUT_FAIL_ON:-}" ] && fail_on=(--fail-on "$INPUT_FAIL_ON")

# The base: the input, else the pull request's (fetched when the checkout is shallow).
base=${INPUT_BASE:-}
if [ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then
  base=$(python3 -c 'import json,os,sys
try:
    print(json.load(open(os.environ["GITHUB_EVENT_PATH"]))["pull_request"]["base"]["sha"])
except Exception:
    pass' 2>/dev/null)
  [ -n "$base" ] || base="origin/$GITHUB_BASE_REF"
fi
if [ -n "$base" ]; then
  if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
    # A shallow checkout lacks the base: fetch just that commit (or branch).
    want=${base#origin/}
    git fetch --no-tags --depth=1 origin "$want" >/dev/null 2>&1 \
      && { [ "$base" = "$want" ] || git update-ref "refs/remotes/origin/$want" FETCH_HEAD; }
  fi
  args+=(--base "$base")
else
  args+=(--base auto)
fi

# shellcheck disable=SC2206 # INPUT_ARGS and INPUT_PATHS are word lists by design
extra=(${INPUT_ARGS:-})
# shellcheck disable=SC2206
targets=($paths)

# Annotations first; their exit code is the job's result.
"$bin" check "${args[@]}" "${fail_on[@]}" "${extra[@]}" --format github "${targets[@]}"
code=$?
echo "exit-code=$code" >> "$out"

# SARIF whatever the findings: a failing check never prevents the upload.
if [ "${INPUT_SARIF:-true}" = "true" ] && [ "$code" -ne 2 ]; then
  "$bin" check "${args[@]}" "${extra[@]}" --format sarif --output guardrail.sarif --fail-on never --quiet "${targets[@]}"
  echo "sarif=guardrail.sarif" >> "$out"
  fork=$(python3 -c 'import json,os
try:
    e = json.load(open(os.environ["GITHUB_EVENT_PATH"]))
    head = e["pull_request"]["head"]["repo"]["full_name"]
    print("true" if head != os.environ.get("GITHUB_REPOSITORY") else "false")
except Exception:
    print("false")' 2>/dev/null)
  if [ "$fork" = "true" ]; then
    echo "upload-sarif=false" >> "$out"
    echo "guardrail: a pull request from a fork cannot upload SARIF (read-only token); annotations only" >&2
  else
    echo "upload-sarif=true" >> "$out"
  fi
fi
exit "$code"
