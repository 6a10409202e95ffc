#!/usr/bin/env bash
# Ecosystem check: run a guardrail binary over the pinned public repositories in
# scripts/ecosystem/repos.toml and report what it finds, like ruff's ecosystem check.
#
# usage: scripts/ecosystem/run.sh [--bin PATH] [--repos-dir DIR] [--out DIR]
#                                 [--compare OLD.json] [--only OWNER/NAME]...
#
#   --bin PATH        guardrail binary (default: target/release/guardrail of this project).
#                     Copy it somewhere first if you want to compare two builds.
#   --repos-dir DIR   where the work trees are (default: /work/eco/repos), one per entry,
#                     named <owner>__<name>. A tree may be a git clone or a plain export.
#   --out DIR         where to write report.json and report.md (default: /work/eco/out).
#   --compare OLD     a report.json of an earlier run to diff against. Without it, the
#                     diff is against <out>/previous.json when that exists; and when
#                     <out>/report.json exists from an earlier run, it is first renamed to
#                     <out>/previous.json, so running twice into one --out diffs the runs.
#   --only REPO       run only these entries (repeatable); handy while fixing one rule.
#
# For each entry it runs, with a timing,
#     guardrail check --format json --no-config --fail-on never <tree>
# and writes
#   <out>/report.json  per repository: commit, kind, files scanned, seconds, counts by rule
#                      and severity, and every finding (code, rule, severity, path, line,
#                      message); plus totals. Schema: {"version": 1, "guardrail": {...},
#                      "repos": [...], "totals": {...}}.
#   <out>/report.md    the same as tables.
#   <out>/diff.md      (when there is something to compare with) findings added/removed per
#                      repository and rule; also printed. Findings are matched by
#                      repo + code + path + message, ignoring the line, so an edit that only
#                      moves code does not show up as churn.
#
# A missing work tree is not fatal: the script prints how to get it (with the pinned
# commit) and counts it as missing. It never uses the network. The trees are checked
# as they are: if <repos-dir>/<owner>__<name>.commit (written by checkout.sh) or the
# tree's own git HEAD names another commit than repos.toml, a warning says so.
#
# Getting the trees (done once, outside this script): scripts/ecosystem/checkout.sh
# materialises every pinned commit from local bare mirrors (or, with --network, fetches
# each pinned commit from GitHub). By hand, for one entry:
#     git clone https://github.com/<owner>/<name> <repos-dir>/<owner>__<name>
#     git -C <repos-dir>/<owner>__<name> checkout <commit>
#
# The rebuilt-binary workflow:
#     cp target/release/guardrail /tmp/guardrail-before     # before the change
#     scripts/ecosystem/run.sh --bin /tmp/guardrail-before --out /tmp/eco
#     cargo build --release                                # after the change
#     scripts/ecosystem/run.sh --out /tmp/eco              # diffs against the first run
#
# The committed report-before.json / report-before.md are a run of the binary built
# before issue 10's fixes; pass report-before.json to --compare to see their effect.
# Requires bash and python3 (3.11+, standard library only). CI does not run this.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)
bin="$project/target/release/guardrail"
repos_dir=/work/eco/repos
out=/work/eco/out
compare=""
only=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --repos-dir) repos_dir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --compare) compare=$2; shift 2 ;;
    --only) only+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -x "$bin" ]] || { echo "run.sh: no guardrail binary at $bin (use --bin)" >&2; exit 2; }
[[ -z "$compare" || -f "$compare" ]] || { echo "run.sh: no report at $compare" >&2; exit 2; }
mkdir -p "$out"

exec python3 - "$here/repos.toml" "$bin" "$repos_dir" "$out" "$compare" "${only[@]}" <<'PY'
import collections
import datetime
import hashlib
import json
import os
import subprocess
import sys
import time
import tomllib

repos_toml, binary, repos_dir, out, compare, *only = sys.argv[1:]
SEVERITIES = ("error", "warning", "info")

with open(repos_toml, "rb") as fh:
    entries = tomllib.load(fh)["repo"]
if only:
    unknown = set(only) - {e["repo"] for e in entries}
    if unknown:
        sys.exit(f"run.sh: not in repos.toml: {', '.join(sorted(unknown))}")
    entries = [e for e in entries if e["repo"] in only]

report_path = os.path.join(out, "report.json")
previous_path = os.path.join(out, "previous.json")
if os.path.exists(report_path):
    os.replace(report_path, previous_path)


def tree_commit(tree, marker):
    if os.path.isfile(marker):
        return open(marker).read().strip()
    if os.path.exists(os.path.join(tree, ".git")):
        r = subprocess.run(["git", "-C", tree, "rev-parse", "HEAD"], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.strip()
    return None


def bin_info():
    h = hashlib.sha256()
    with open(binary, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    return {"path": os.path.abspath(binary), "version": version, "sha256": h.hexdigest()}


results = []
missing = []
started = time.monotonic()
for e in entries:
    owner_name = e["repo"]
    tree = os.path.join(repos_dir, owner_name.replace("/", "__"))
    row = {"repo": owner_name, "commit": e["commit"], "kind": e["kind"]}
    if not os.path.isdir(tree):
        row["status"] = "missing"
        missing.append(owner_name)
        print(f"[missing] {owner_name}: no work tree at {tree}; get it with\n"
              f"    git clone https://github.com/{owner_name} {tree} && "
              f"git -C {tree} checkout {e['commit']}\n    (or scripts/ecosystem/checkout.sh, from local mirrors)",
              file=sys.stderr)
        results.append(row)
        continue
    have = tree_commit(tree, tree.rstrip("/") + ".commit")
    if have and have != e["commit"]:
        print(f"[warning] {owner_name}: work tree is at {have}, repos.toml pins {e['commit']}",
              file=sys.stderr)
        row["tree_commit"] = have
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            [binary, "check", "--format", "json", "--no-config", "--fail-on", "never", tree],
            capture_output=True, text=True, timeout=900,
        )
    except subprocess.TimeoutExpired:
        row.update(status="timeout", seconds=round(time.monotonic() - t0, 3))
        print(f"[timeout] {owner_name}", file=sys.stderr)
        results.append(row)
        continue
    seconds = round(time.monotonic() - t0, 3)
    row["seconds"] = seconds
    row["exit_code"] = proc.returncode
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        row["status"] = "failed"
        row["stderr"] = proc.stderr[-2000:]
        print(f"[failed] {owner_name}: exit {proc.returncode}: {proc.stderr.strip()[-500:]}",
              file=sys.stderr)
        results.append(row)
        continue
    findings = []
    by_rule = collections.defaultdict(lambda: collections.Counter())
    by_sev = collections.Counter()
    for d in data.get("diagnostics", []):
        span = d.get("span") or {}
        path = d.get("path") or ""
        # paths are relative to the scan root; keep them so even if the tree moves
        if os.path.isabs(path) and path.startswith(os.path.abspath(tree)):
            path = os.path.relpath(path, tree)
        findings.append({
            "code": d.get("code"), "rule": d.get("rule"), "severity": d.get("severity"),
            "path": path, "line": span.get("start_line"), "message": d.get("message"),
        })
        by_rule[d.get("code")][d.get("severity")] += 1
        by_sev[d.get("severity")] += 1
    summary = data.get("summary", {})
    row.update(
        status="ok",
        files_scanned=summary.get("files_scanned"),
        summary=summary,
        by_severity={s: by_sev.get(s, 0) for s in SEVERITIES},
        by_rule={code: dict(c) for code, c in sorted(by_rule.items())},
        findings=sorted(findings, key=lambda f: (f["path"], f["line"] or 0, f["code"])),
    )
    print(f"[ok] {owner_name}: {row['files_scanned']} files, {seconds:.2f}s, "
          f"{by_sev.get('error', 0)} errors, {by_sev.get('warning', 0)} warnings, "
          f"{by_sev.get('info', 0)} infos", file=sys.stderr)
    results.append(row)

ok = [r for r in results if r.get("status") == "ok"]
totals_rule = collections.defaultdict(collections.Counter)
for r in ok:
    for code, c in r["by_rule"].items():
        totals_rule[code].update(c)
totals = {
    "repos": len(results),
    "checked": len(ok),
    "missing": len(missing),
    "failed": len([r for r in results if r.get("status") in ("failed", "timeout")]),
    "repos_with_errors": len([r for r in ok if r["by_severity"]["error"]]),
    "files_scanned": sum(r["files_scanned"] or 0 for r in ok),
    "seconds": round(sum(r.get("seconds", 0) for r in results), 3),
    "by_severity": {s: sum(r["by_severity"][s] for r in ok) for s in SEVERITIES},
    "by_rule": {code: dict(c) for code, c in sorted(totals_rule.items())},
}
report = {
    "version": 1,
    "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "guardrail": bin_info(),
    "totals": totals,
    "repos": results,
}
with open(report_path, "w") as fh:
    json.dump(report, fh, indent=1)
    fh.write("\n")


def md_report(rep):
    t = rep["totals"]
    lines = [
        "# guardrail ecosystem check",
        "",
        f"guardrail: `{rep['guardrail']['version']}` (sha256 `{rep['guardrail']['sha256'][:16]}`), "
        f"run {rep['generated']}.",
        "",
        f"{t['checked']} of {t['repos']} repositories checked ({t['missing']} missing, "
        f"{t['failed']} failed), {t['files_scanned']} files, {t['seconds']:.1f} s: "
        f"**{t['by_severity']['error']} errors** in {t['repos_with_errors']} repositories, "
        f"{t['by_severity']['warning']} warnings, {t['by_severity']['info']} infos.",
        "",
        "| repository | kind | files | seconds | errors | warnings | infos | rules (count) |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rep["repos"]:
        if r.get("status") != "ok":
            lines.append(f"| {r['repo']} | {r['kind']} | | | | | | {r.get('status')} |")
            continue
        rules = ", ".join(
            f"{code} {sum(c.values())}" for code, c in r["by_rule"].items())
        s = r["by_severity"]
        lines.append(
            f"| {r['repo']} | {r['kind']} | {r['files_scanned']} | {r['seconds']:.2f} | "
            f"{s['error']} | {s['warning']} | {s['info']} | {rules} |")
    lines += ["", "## By rule", "", "| code | errors | warnings | infos |", "|---|---:|---:|---:|"]
    for code, c in t["by_rule"].items():
        lines.append(f"| {code} | {c.get('error', 0)} | {c.get('warning', 0)} | {c.get('info', 0)} |")
    errors = [(r["repo"], f) for r in rep["repos"] if r.get("status") == "ok"
              for f in r.get("findings", []) if f["severity"] == "error"]
    if errors:
        lines += ["", "## Error-level findings", "", "| repository | location | code | message |",
                  "|---|---|---|---|"]
        for repo, f in errors:
            msg = (f["message"] or "").replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {repo} | `{f['path']}:{f['line']}` | {f['code']} | {msg} |")
    return "\n".join(lines) + "\n"


with open(os.path.join(out, "report.md"), "w") as fh:
    fh.write(md_report(report))


def keyed(rep):
    """repo -> Counter of (code, path, message) -> n; and the severity of each key."""
    idx, sev = {}, {}
    for r in rep.get("repos", []):
        if r.get("status") != "ok":
            continue
        c = collections.Counter()
        for f in r.get("findings", []):
            k = (f["code"], f["path"], f["message"])
            c[k] += 1
            sev[(r["repo"], k)] = f["severity"]
        idx[r["repo"]] = c
    return idx, sev


old_path = compare or (previous_path if os.path.exists(previous_path) else "")
if old_path:
    with open(old_path) as fh:
        old = json.load(fh)
    old_idx, old_sev = keyed(old)
    new_idx, new_sev = keyed(report)
    lines = [f"# ecosystem diff: {old_path} -> {report_path}", ""]
    tot_add = tot_rem = 0
    old_status = {r["repo"]: r.get("status") for r in old.get("repos", [])}
    new_status = {r["repo"]: r.get("status") for r in report["repos"]}
    compared = sorted(set(old_idx) & set(new_idx), key=str.lower)
    sev_old, sev_new = collections.Counter(), collections.Counter()
    for repo in compared:
        for k, n in old_idx[repo].items():
            sev_old[old_sev[(repo, k)]] += n
        for k, n in new_idx[repo].items():
            sev_new[new_sev[(repo, k)]] += n
    for repo in compared:
        a, b = old_idx[repo], new_idx[repo]
        added, removed = b - a, a - b
        if not added and not removed:
            continue
        lines.append(f"## {repo}")
        per_rule = collections.defaultdict(lambda: [0, 0])
        for k, n in added.items():
            per_rule[k[0]][0] += n
        for k, n in removed.items():
            per_rule[k[0]][1] += n
        lines.append("  " + ", ".join(f"{code} +{p}/-{m}" for code, (p, m) in sorted(per_rule.items())))
        for k, n in sorted(added.items()):
            lines.append(f"  + [{new_sev[(repo, k)]}] {k[0]} {k[1]}: {k[2]}" + (f" (x{n})" if n > 1 else ""))
        for k, n in sorted(removed.items()):
            lines.append(f"  - [{old_sev[(repo, k)]}] {k[0]} {k[1]}: {k[2]}" + (f" (x{n})" if n > 1 else ""))
        tot_add += sum(added.values())
        tot_rem += sum(removed.values())
    only_old = sorted(set(old_status) - set(compared), key=str.lower)
    only_new = sorted(set(new_status) - set(compared), key=str.lower)
    not_compared = sorted(set(only_old) | set(only_new), key=str.lower)
    absent = [r for r in not_compared if r not in new_status]
    listed = [r for r in not_compared if r in new_status]
    if listed:
        lines += ["", "not compared (not checked in both runs):"]
        lines += [f"  {r}: before {old_status.get(r, 'absent')}, now {new_status.get(r)}" for r in listed]
    if absent:
        lines += ["", f"{len(absent)} repositories of the old report were not part of this run (--only)."]
    lines += ["", f"{len(compared)} repositories compared; findings added: {tot_add}, removed: {tot_rem}; "
              + ", ".join(f"{s}s {sev_old.get(s, 0)} -> {sev_new.get(s, 0)}" for s in SEVERITIES)]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "diff.md"), "w") as fh:
        fh.write(text)
    print(text)

t = totals
print(f"{t['checked']}/{t['repos']} repositories checked, {t['missing']} missing, {t['failed']} failed; "
      f"{t['by_severity']['error']} errors ({t['repos_with_errors']} repositories), "
      f"{t['by_severity']['warning']} warnings, {t['by_severity']['info']} infos; "
      f"{t['seconds']:.1f} s. Report: {report_path}, {os.path.join(out, 'report.md')}")
PY
