//! Rule packs end to end: the incident-3 front end, bad packs as errors into the TOML,
//! `rules test` and `rules new`, and pack rules behaving like built-in ones
//! (suppressions, select/ignore, severities, SARIF, explain, baseline).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::string_slice,
    clippy::indexing_slicing
)] // test code: a panic is a failure report

mod common;

use common::{guardrail, repo_root, run, write};
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn frontend() -> PathBuf {
    repo_root().join("fixtures/packs/frontend")
}

/// A copy of a fixture tree, to change.
fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_incident_3_pack_flags_exactly_the_call_without_the_token() {
    let report = common::check_dir(&frontend());
    let found: Vec<(String, &str, usize, usize)> = report
        .diagnostics
        .iter()
        .map(|d| {
            let p = d.position.unwrap();
            (
                d.path.to_string(),
                d.rule.code,
                p.start_line,
                p.start_column,
            )
        })
        .collect();
    // fetchDraftProjects, the one of three private-endpoint calls without the header.
    assert_eq!(
        found,
        [("src/network/projects.ts".to_string(), "TM001", 28, 21)]
    );
    insta::assert_snapshot!("incident_3_pretty", common::pretty(report));

    // The corrected code is clean.
    let dir = TempDir::new().unwrap();
    copy_tree(&frontend(), dir.path());
    fs::copy(
        repo_root().join("fixtures/packs/frontend-fixed/src/network/projects.ts"),
        dir.path().join("src/network/projects.ts"),
    )
    .unwrap();
    let (code, out, err) = run(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 errors"), "{out}");
}

#[test]
fn rules_test_passes_the_shipped_packs_and_points_at_a_failing_example() {
    let pack = frontend().join("guardrail-rules/auth.toml");
    let (code, out, err) = run(guardrail().args(["rules", "test"]).arg(&pack));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ok   TM001"), "{out}");

    // An example the rule does not report: exit 1, the failure at the example.
    let dir = TempDir::new().unwrap();
    let text = fs::read_to_string(&pack).unwrap().replace(
        "should-not-match = \"fetch(`${API_URL}projects/?status=PUBLISHED`);\\n\"",
        "should-match = \"fetch(`${API_URL}projects/?status=PUBLISHED`);\\n\"",
    );
    write(dir.path(), "auth.toml", &text);
    let (code, out, err) = run(guardrail()
        .args(["rules", "test"])
        .arg(dir.path().join("auth.toml")));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("FAIL TM001"), "{out}");
    assert!(
        err.contains("does not report its should-match example"),
        "{err}"
    );
    assert!(err.contains("auth.toml:"), "points into the pack: {err}");
}

/// Each bad pack is exit 2, with the message and a span into the TOML.
#[test]
fn bad_packs_are_errors_pointing_into_the_toml() {
    let good = fs::read_to_string(frontend().join("guardrail-rules/auth.toml")).unwrap();
    let cases: &[(&str, String, &str)] = &[
        (
            "unknown key",
            good.replace("severity = \"error\"", "severity = \"error\"\nseverty = 1"),
            "unknown field `severty`",
        ),
        (
            "unknown matcher field",
            good.replace("without-header = ", "without-headers = "),
            "unknown field `without-headers`",
        ),
        (
            "invalid regex",
            good.replace("url = 'projects/", "url = '(projects/"),
            "invalid regex",
        ),
        (
            "reserved code",
            good.replace("code = \"TM001\"", "code = \"GR501\""),
            "is not a pack rule code",
        ),
        (
            "duplicate built-in slug",
            good.replace(
                "slug = \"frontend/private-request-without-auth\"",
                "slug = \"compose/obsolete-version-key\"",
            ),
            "is already taken by the built-in rule",
        ),
        (
            "duplicate code in the pack",
            format!(
                "{good}\n{}",
                &good[good.find("[[rule]]").unwrap()..].replace(
                    "slug = \"frontend/private-request-without-auth\"",
                    "slug = \"frontend/other\""
                )
            ),
            "`TM001` is already taken by rule `TM001`",
        ),
        (
            "two matchers",
            good.replace("[rule.js-call]", "[rule.pattern]\nregex = 'x'\n\n[rule.js-call]"),
            "has 2 matchers",
        ),
        (
            "doc without a section",
            good.replace("## Why it breaks production", "## Why"),
            "no `## Why it breaks production` section",
        ),
        (
            "failing example",
            good.replace(
                "should-not-match = \"fetch(`${API_URL}projects/private/`, authOptions(token));\\n\"",
                "should-match = \"fetch(`${API_URL}projects/private/`, authOptions(token));\\n\"",
            ),
            "does not report its should-match example",
        ),
        (
            "example path the rule does not read",
            good.replacen("path = \"src/network/projects.ts\"", "path = \"src/network/projects.py\"", 1),
            "is not a file rule `TM001` reads",
        ),
    ];
    for (name, text, expected) in cases {
        assert_ne!(text, &good, "{name}: the case changes the pack");
        let dir = TempDir::new().unwrap();
        write(dir.path(), "guardrail.toml", "packs = [\"rules/*.toml\"]\n");
        write(dir.path(), "rules/auth.toml", text);
        let (code, out, err) = run(guardrail().arg("check").arg(dir.path()));
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(
            err.contains("auth.toml:"),
            "{name}: a span into the pack: {err}"
        );
    }
}

#[test]
fn a_packs_entry_that_names_nothing_is_an_error() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "guardrail.toml",
        "packs = [\"ci/rules/*.toml\"]\n",
    );
    let (code, _, err) = run(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("matches no file"), "{err}");
}

/// A tree with the incident-3 pack and one finding in `src/api.ts`.
fn pack_tree(extra_config: &str, source: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "guardrail.toml",
        &format!("packs = [\"rules/auth.toml\"]\n{extra_config}"),
    );
    fs::create_dir_all(dir.path().join("rules")).unwrap();
    fs::copy(
        frontend().join("guardrail-rules/auth.toml"),
        dir.path().join("rules/auth.toml"),
    )
    .unwrap();
    write(dir.path(), "src/api.ts", source);
    dir
}

const BAD_CALL: &str = "export const p = () => fetch('/api/projects/private/');\n";

#[test]
fn pack_rules_are_selected_suppressed_and_overridden_like_built_in_ones() {
    let count = |dir: &TempDir, args: &[&str]| -> (i32, usize, String) {
        let (code, out, err) = run(guardrail()
            .arg("check")
            .arg(dir.path())
            .args(["--format", "json"])
            .args(args));
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
        let n = v["diagnostics"].as_array().unwrap().len();
        let first = v["diagnostics"][0]["severity"]
            .as_str()
            .unwrap_or("")
            .to_string();
        (code, n, first)
    };
    let dir = pack_tree("", BAD_CALL);
    assert_eq!(count(&dir, &[]), (1, 1, "error".to_string()));
    assert_eq!(count(&dir, &["--select", "TM001"]).1, 1);
    assert_eq!(count(&dir, &["--select", "TM"]).1, 1);
    assert_eq!(count(&dir, &["--select", "frontend"]).1, 1);
    assert_eq!(
        count(&dir, &["--ignore", "frontend/private-request-without-auth"]).1,
        0
    );
    assert_eq!(count(&dir, &["--select", "GR5"]).1, 0);

    let dir = pack_tree("[severity]\nTM001 = \"warning\"\n", BAD_CALL);
    assert_eq!(count(&dir, &[]), (0, 1, "warning".to_string()));

    let dir = pack_tree("", &format!("// guardrail: ignore[TM001]\n{BAD_CALL}"));
    assert_eq!(count(&dir, &[]).1, 0);

    let dir = pack_tree("[per-path-ignores]\n\"src/**\" = [\"TM\"]\n", BAD_CALL);
    assert_eq!(count(&dir, &[]).1, 0);
}

#[test]
fn pack_rules_are_listed_explained_and_in_sarif() {
    let dir = pack_tree("", BAD_CALL);
    let (code, out, _) = run(guardrail().arg("rules").current_dir(dir.path()));
    assert_eq!(code, 0);
    assert!(
        out.contains("TM001  frontend/private-request-without-auth"),
        "{out}"
    );
    let (code, out, _) = run(guardrail()
        .args(["explain", "TM001"])
        .current_dir(dir.path()));
    assert_eq!(code, 0);
    assert!(out.contains("## Why it breaks production"), "{out}");

    let (code, out, _) = run(guardrail()
        .args(["check", ".", "--format", "sarif"])
        .current_dir(dir.path()));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let index = rules.iter().position(|r| r["id"] == "TM001").unwrap();
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "TM001");
    assert_eq!(result["ruleIndex"], index);
    assert!(rules[index]["helpUri"].is_null(), "no docs-url, no helpUri");

    // With `docs-url`, every rule links to its page (SARIF `helpUri`).
    let dir = pack_tree(
        "docs-url = \"https://example.com/guardrail/{code}.html\"\n",
        BAD_CALL,
    );
    let (_, out, _) = run(guardrail()
        .args(["check", ".", "--format", "sarif"])
        .current_dir(dir.path()));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        assert_eq!(
            r["helpUri"],
            format!(
                "https://example.com/guardrail/{}.html",
                r["id"].as_str().unwrap()
            )
            .as_str()
        );
    }
    let dir = pack_tree("docs-url = \"example.com/{code}\"\n", BAD_CALL);
    let (code, _, err) = run(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("docs-url is an http(s) URL"), "{err}");
}

#[test]
fn the_baseline_holds_pack_findings() {
    let dir = pack_tree("", BAD_CALL);
    let baseline = dir.path().join("baseline.json");
    let (code, _, _) = run(guardrail()
        .arg("check")
        .arg(dir.path())
        .arg("--write-baseline")
        .arg(&baseline));
    assert_eq!(code, 0);
    let (code, out, _) = run(guardrail()
        .arg("check")
        .arg(dir.path())
        .arg("--baseline")
        .arg(&baseline));
    assert_eq!(code, 0, "{out}");
}

/// Every matcher `rules new` has a template for.
const MATCHERS: [&str; 8] = [
    "pattern",
    "dockerfile-instruction",
    "yaml-key",
    "toml-key",
    "python-call",
    "js-call",
    "required-file",
    "forbidden-path",
];

/// Writes one rule of each template into `pack`: `ACME001`.. as `acme/rule-0`..
fn new_rule_of_each_matcher(pack: &Path) {
    for (i, m) in MATCHERS.iter().enumerate() {
        let (code, out, err) = run(guardrail()
            .args(["rules", "new"])
            .arg(pack)
            .args(["--code", &format!("ACME{:03}", i + 1)])
            .args(["--slug", &format!("acme/rule-{i}")])
            .args(["--matcher", m]));
        assert_eq!(code, 0, "{m}: {out}{err}");
    }
}

#[test]
fn rules_new_writes_a_rule_that_passes_for_every_matcher() {
    let dir = TempDir::new().unwrap();
    let pack = dir.path().join("ci/rules.toml");
    new_rule_of_each_matcher(&pack);
    let (code, out, err) = run(guardrail().args(["rules", "test"]).arg(&pack));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("8 rules passed, 0 failed"), "{out}");
    // A second rule with a taken code is refused, and the pack is left as it was.
    let before = fs::read_to_string(&pack).unwrap();
    let (code, _, err) = run(guardrail().args(["rules", "new"]).arg(&pack).args([
        "--code",
        "ACME001",
        "--slug",
        "acme/again",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("already taken"), "{err}");
    assert_eq!(fs::read_to_string(&pack).unwrap(), before);
}

/// Each matcher on a small tree, through `check`: the span is on what matched.
#[test]
fn every_matcher_reports_at_its_span() {
    let dir = TempDir::new().unwrap();
    let pack = dir.path().join("rules/team.toml");
    new_rule_of_each_matcher(&pack);
    write(
        dir.path(),
        "guardrail.toml",
        "packs = [\"rules/team.toml\"]\n",
    );
    write(
        dir.path(),
        "config/settings.py",
        "import os\nDEBUG = True\n",
    );
    write(dir.path(), "Dockerfile", "FROM python:3.12\nUSER root\n");
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  web:\n    image: app\n    privileged: true\n",
    );
    write(dir.path(), "pyproject.toml", "[project]\nname = \"app\"\n");
    write(
        dir.path(),
        "app/client.py",
        "import requests as r\n\ndef f():\n    return r.get('https://x')\n",
    );
    write(
        dir.path(),
        "web/api.js",
        "export const p = () => axios.get('/api/projects/private/');\n",
    );
    write(dir.path(), "deploy/id_rsa", "KEY\n");
    let (code, out, err) = run(guardrail()
        .args(["check", ".", "--format", "json", "--select", "ACME"])
        .current_dir(dir.path()));
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let got: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let span = &d["span"];
            let text = if span.is_null() {
                String::new()
            } else {
                let src = fs::read_to_string(dir.path().join(d["path"].as_str().unwrap())).unwrap();
                let line = src
                    .lines()
                    .nth(span["start_line"].as_u64().unwrap() as usize - 1)
                    .unwrap();
                let s = span["start_column"].as_u64().unwrap() as usize - 1;
                let e = if span["end_line"] == span["start_line"] {
                    span["end_column"].as_u64().unwrap() as usize - 1
                } else {
                    line.len()
                };
                line[s..e].to_string()
            };
            format!(
                "{} {} {:?}",
                d["code"].as_str().unwrap(),
                d["path"].as_str().unwrap(),
                text
            )
        })
        .collect();
    insta::assert_debug_snapshot!("every_matcher", got);
}

/// A one-rule pack with a `pattern` matcher over `files`.
fn pattern_pack(regex: &str, files: &str) -> String {
    format!(
        r#"[pack]
name = "t"

[[rule]]
code = "ZZ1"
slug = "team/pattern"
severity = "warning"
summary = "A pattern"
message = "found `{{match}}`"
note = "why"
help = "what"
files = ["{files}"]
doc = """
## What it does
Finds a pattern.
## Why it breaks production
Because.
## Example
```text
a
```
Use instead:
```text
b
```
"""

[rule.pattern]
regex = '{regex}'

[[rule.tests]]
path = "x.txt"
should-match = "a"

[[rule.tests]]
path = "x.txt"
should-not-match = "b"
"#
    )
}

#[test]
fn a_rule_that_matches_everything_reports_a_bounded_number_with_the_count() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "guardrail.toml", "packs = [\"p.toml\"]\n");
    write(dir.path(), "p.toml", &pattern_pack("a", "*.txt"));
    write(dir.path(), "big.txt", &"a\n".repeat(5000));
    let (code, out, err) = run(guardrail().arg("check").arg(dir.path()).args([
        "--format",
        "json",
        "--fail-on",
        "never",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let d = v["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 1000);
    let notes: Vec<&str> = d.iter().filter_map(|x| x["note"].as_str()).collect();
    assert!(
        notes.iter().any(|n| n.contains("1000 of the 5000 matches")),
        "{notes:?}"
    );
}
