#!/usr/bin/env bash
# Scaffolds a new rule (docs/ARCHITECTURE.md, "Adding a rule").
#
#   scripts/new-rule.sh <family>/<rule-name> <CODE> [error|warning|info] [--file|--project]
#   scripts/new-rule.sh docker/secret-in-build-arg GR307 error
#
# Writes src/rules/<family>/<rule_name>.rs (doc sections as TODOs, declare_rule!, an empty
# hook), adds `pub mod` to the family's mod.rs, the registry line to ALL in
# src/rules/mod.rs, the test to rule_tests! in tests/rules.rs, and the fixture folders
# fixtures/<family>/<rule_name>/{invalid,valid}/. Severity defaults to warning. The hook
# is check_file or check_project by family (compose, docker: file; others: project);
# --file/--project choose. Every check runs before anything is written: the script
# refuses rather than half-writes. It works on the repository that holds the current
# directory (the nearest Cargo.toml above it with src/rules/mod.rs). It never runs cargo.
set -euo pipefail

usage() {
    sed -n '4,5p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[ $# -ge 2 ] && [ $# -le 4 ] || usage

root="$PWD"
while [ ! -f "$root/Cargo.toml" ] || [ ! -f "$root/src/rules/mod.rs" ]; do
    if [ "$root" = "/" ]; then
        echo "new-rule: no guardrail checkout (Cargo.toml with src/rules/mod.rs) above $PWD" >&2
        exit 2
    fi
    root="$(dirname "$root")"
done

exec python3 - "$root" "$@" <<'PY'
import os
import re
import sys

root, spec, code, *rest = sys.argv[1:]


def die(msg):
    print(f"new-rule: {msg}", file=sys.stderr)
    sys.exit(1)


severity = "warning"
hook = None
for arg in rest:
    if arg in ("error", "warning", "info"):
        severity = arg
    elif arg in ("--file", "--project"):
        hook = arg[2:]
    else:
        die(f"unknown argument `{arg}`: a severity (error, warning, info) or --file/--project")

# --- names -------------------------------------------------------------------------
if spec.count("/") != 1:
    die(f"`{spec}`: write <family>/<rule-name>, e.g. docker/secret-in-build-arg")
family, raw_name = spec.split("/")
if not re.fullmatch(r"[a-z]+", family):
    die(f"family `{family}`: lowercase letters only (a folder of src/rules/)")
slug_name = raw_name.replace("_", "-")
# The registry test accepts lowercase letters and `-` in slugs (no digits).
if not re.fullmatch(r"[a-z]+(-[a-z]+)*", slug_name):
    die(f"rule name `{raw_name}`: kebab-case of lowercase letters, e.g. secret-in-build-arg")
module = slug_name.replace("-", "_")
slug = f"{family}/{slug_name}"
struct = "".join(part.capitalize() for part in slug_name.split("-"))

code = code.upper()
if not re.fullmatch(r"GR\d{3}", code):
    die(f"code `{code}`: GR followed by three digits, e.g. GR307")
ranges = {
    "guardrail": "GR0",
    "migrations": "GR1",
    "security": "GR2",
    "docker": "GR3",
    "middleware": "GR4",
    "compose": "GR5",
    "secrets": "GR6",
}
want = ranges.get(family, "GR9")
if not code.startswith(want):
    die(f"code {code}: rules of family `{family}` take codes {want}xx")

# --- what exists -------------------------------------------------------------------
def path(*parts):
    return os.path.join(root, *parts)


def read(p):
    with open(p, encoding="utf-8") as f:
        return f.read()


family_dir = path("src", "rules", family)
family_mod = path("src", "rules", family, "mod.rs")
registry = path("src", "rules", "mod.rs")
tests = path("tests", "rules.rs")
rule_file = path("src", "rules", family, f"{module}.rs")
fixture_dir = path("fixtures", family, module)

if not os.path.isdir(family_dir):
    die(f"no family folder src/rules/{family}/ (a new family is a decision: create it, "
        f"its mod.rs and `pub mod {family};` in src/rules/mod.rs first)")
if not os.path.isfile(family_mod):
    die(f"no src/rules/{family}/mod.rs")
if not os.path.isfile(tests):
    die("no tests/rules.rs")
if os.path.exists(rule_file):
    die(f"src/rules/{family}/{module}.rs already exists")
if os.path.exists(fixture_dir):
    die(f"fixtures/{family}/{module}/ already exists")

for dirpath, _, files in os.walk(path("src", "rules")):
    for name in sorted(files):
        if not name.endswith(".rs"):
            continue
        p = os.path.join(dirpath, name)
        text = read(p)
        rel = os.path.relpath(p, root)
        if re.search(r'code:\s*"' + code + '"', text):
            die(f"code {code} is already used in {rel} (a retired code is never reused either)")
        if re.search(r'slug:\s*"' + re.escape(slug) + '"', text):
            die(f"slug {slug} is already used in {rel}")

registry_text = read(registry)
family_text = read(family_mod)
tests_text = read(tests)

if not re.search(rf"^pub mod {family};$", registry_text, re.M):
    die(f"src/rules/mod.rs does not declare `pub mod {family};`")
if re.search(rf"^\s*pub mod {module};", family_text, re.M):
    die(f"src/rules/{family}/mod.rs already declares `{module}`")
if f"{family}::{module}::" in registry_text:
    die(f"src/rules/mod.rs already registers {family}::{module}")

# --- edit 1: pub mod in the family's mod.rs, sorted ------------------------------------
lines = family_text.split("\n")
mods = [(i, m.group(1)) for i, l in enumerate(lines) if (m := re.fullmatch(r"pub mod (\w+);", l))]
if mods:
    after = [i for i, name in mods if name > module]
    at = after[0] if after else mods[-1][0] + 1
else:
    # After the leading `//!` comment (and one blank line), or at the top.
    at = 0
    while at < len(lines) and lines[at].startswith("//!"):
        at += 1
    if at:
        lines.insert(at, "")
        at += 1
lines.insert(at, f"pub mod {module};")
new_family_text = "\n".join(lines)

# --- edit 2: the registry line, after the family's last entry in ALL -------------------
m = re.search(r"^static ALL: &\[&dyn Rule\] = &\[\n(.*?)^\];", registry_text, re.M | re.S)
if not m:
    die("src/rules/mod.rs: no `static ALL: &[&dyn Rule] = &[ ... ];` list")
body_start, body_end = m.start(1), m.end(1)
body = registry_text[body_start:body_end].split("\n")
entry = f"    &{family}::{module}::{struct},"
last = [i for i, l in enumerate(body) if l.strip().startswith(f"&{family}::")]
if last:
    body.insert(last[-1] + 1, entry)
else:
    body.insert(len(body) - 1, entry)  # the body ends with "" (the line before `];`)
new_registry_text = registry_text[:body_start] + "\n".join(body) + registry_text[body_end:]

# --- edit 3: the test in rule_tests! -------------------------------------------------
inv = re.search(r"^rule_tests! \{\n(.*?)^\}", tests_text, re.M | re.S)
if not inv:
    die("tests/rules.rs: no `rule_tests! { ... }` invocation")
inv_start, inv_end = inv.start(1), inv.end(1)
inv_body = tests_text[inv_start:inv_end]
fam = re.search(rf"^(\s*){family}\s*\{{([^}}]*)\}}", inv_body, re.M)
if fam:
    listed = [x.strip() for x in fam.group(2).split(",") if x.strip()]
    if module in listed:
        die(f"tests/rules.rs already lists {family}::{module}")
    inner = fam.group(2).rstrip().rstrip(",")
    inner = f"{inner}, {module} " if inner.strip() else f" {module} "
    new_line = f"{fam.group(1)}{family} {{{inner}}}"
    inv_body = inv_body[: fam.start()] + new_line + inv_body[fam.end():]
else:
    inv_body = inv_body + f"    {family} {{ {module} }}\n"
new_tests_text = tests_text[:inv_start] + inv_body + tests_text[inv_end:]

# --- the rule file ---------------------------------------------------------------------
defaults = {
    # family: (kinds, needs, hook, example language)
    "compose": ("Compose", None, "file", "yaml"),
    "docker": ("Dockerfile", "Docker", "file", "dockerfile"),
    "migrations": ("DjangoMigration, Python, DjangoSettings", "Django", "project", "python"),
    "security": ("OdooManifest, Python, OdooAccessCsv, Xml", "Odoo", "project", "python"),
    "middleware": ("DjangoSettings, Python", "DjangoSettings", "project", "python"),
}
kinds, needs, family_hook, lang = defaults.get(family, ("", None, "project", "text"))
hook = hook or family_hook
if hook == "file" and not kinds:
    die(f"a file rule needs kinds; family `{family}` has no default: use --project, "
        f"or add its kinds by hand after scaffolding with --project")
context = "FileContext" if hook == "file" else "ProjectContext"
needs_line = f"\n        needs: [{needs}]," if needs else ""
rule_text = f"""use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{{{context}, Rule}};

declare_rule! {{
    /// ## What it does
    /// TODO: what the rule reports, in one or two sentences, and where the finding
    /// points (the exact span).
    ///
    /// ## Why it breaks production
    /// TODO: name the failure: the error message the build, install, migration or deploy
    /// prints, or the outage, and when it happens. Say which contexts make it only
    /// likely (severity is certainty: docs/ARCHITECTURE.md).
    ///
    /// ## Example
    /// ```{lang}
    /// TODO: the smallest input that triggers the rule
    /// ```
    /// Use instead:
    /// ```{lang}
    /// TODO: the same input, fixed
    /// ```
    pub struct {struct} {{
        code: "{code}",
        slug: "{slug}",
        severity: {severity.capitalize()},
        summary: "TODO: one line saying what is wrong, without a final period",
        kinds: [{kinds}],{needs_line}
    }}
}}

impl Rule for {struct} {{
    fn check_{hook}(&self, _ctx: &{context}<'_>, _out: &mut Vec<Diagnostic>) {{
        // TODO: push a Diagnostic::new(&Self::META, path, message) with .span(..),
        // .label(..), .note(..) (the production failure) and .help(..) (the fix).
    }}
}}
"""

readmes = {
    "invalid": f"""# {slug}: invalid

TODO: replace this file with the smallest repository that must trigger `{code}`
(`{slug}`). The rule's test fails until it fires here:

    cargo test --test rules {family}::{module}

and its reviewed snapshot records what it prints. Add `invalid-<shape>/` folders beside
this one for other shapes of the problem; a `guardrail.toml` or a `.guardrail-base.toml`
(simulated history, for git-aware rules) may sit in a case folder.
""",
    "valid": f"""# {slug}: valid

TODO: replace this file with a repository that must not trigger `{code}`: the fixed
version of `../invalid/`, and the near misses the rule must stay silent on (add
`valid-<shape>/` folders for them).
""",
}

# --- write: every check has passed ------------------------------------------------------
writes = [
    (rule_file, rule_text),
    (family_mod, new_family_text),
    (registry, new_registry_text),
    (tests, new_tests_text),
] + [(os.path.join(fixture_dir, case, "README.md"), text) for case, text in readmes.items()]

for p, text in writes:
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w", encoding="utf-8") as f:
        f.write(text)

edited = (family_mod, registry, tests)
print(f"new rule {code} {slug} ({severity}, check_{hook}):")
for p, _ in writes:
    print(f"  {'edited' if p in edited else 'wrote '} {os.path.relpath(p, root)}")
print(f"""
Next:
  1. Write the check and the doc sections in
       src/rules/{family}/{module}.rs
     and settle kinds, needs and severity (docs/ARCHITECTURE.md, "Severity is certainty").
  2. Fill the fixtures (replace the README.md files; add invalid-<shape>/ and
     valid-<shape>/ cases beside them):
       fixtures/{family}/{module}/invalid/
       fixtures/{family}/{module}/valid/
  3. INSTA_UPDATE=always cargo test --test rules {family}::{module}
  4. Review the snapshot line by line:
       tests/snapshots/rules__{family}__{module}.snap (and its @<shape> siblings)
  5. Regenerate the README table: replace the lines between <!-- rules:start --> and
     <!-- rules:end --> with the output of `cargo run -q -- rules --format markdown`.
  6. bash .ci/run""")
PY
