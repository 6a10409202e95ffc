//! The built binary: exit codes, formats, configuration, suppressions, bad input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::string_slice,
    clippy::indexing_slicing
)] // test code: a panic is a failure report

mod common;

use common::{codes_and_paths, guardrail, repo_root, run as stdout, write};
use std::fs;
use std::path::Path;
use tempfile::TempDir;

fn fixture(rel: &str) -> String {
    repo_root().join("fixtures").join(rel).display().to_string()
}

const VERSIONED: &[u8] = b"version: '3.9'\nservices:\n  web:\n    image: nginx\n";
const CLEAN: &[u8] = b"services:\n  web:\n    image: nginx\n";

#[test]
fn missing_path_exits_2() {
    let (code, _, err) = stdout(guardrail().args(["check", "/definitely/not/here"]));
    assert_eq!(code, 2);
    assert!(err.contains("cannot scan"), "{err}");
}

#[test]
fn bad_arguments_exit_2() {
    let (code, _, _) = stdout(guardrail().args(["check", "--format", "xml"]));
    assert_eq!(code, 2);
    let (code, _, err) = stdout(guardrail().args(["check", "--select", "GR9999", "."]));
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule selector `GR9999`"), "{err}");
}

#[test]
fn bad_config_key_exits_2_pointing_into_the_toml() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", CLEAN);
    write(
        dir.path(),
        "guardrail.toml",
        b"fail-on = \"error\"\nselekt = [\"GR501\"]\n",
    );
    let (code, out, err) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("unknown field `selekt`"), "{err}");
    assert!(
        err.contains("guardrail.toml:2:1"),
        "the report points at the key: {err}"
    );
    assert!(
        err.contains("2 │ selekt"),
        "the report shows the line: {err}"
    );
}

#[test]
fn bad_config_value_exits_2() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "guardrail.toml", b"fail-on = \"sometimes\"\n");
    let (code, _, err) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("sometimes"), "{err}");
}

#[test]
fn clean_tree_exits_0() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", CLEAN);
    let (code, out, _) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 0);
    assert!(out.contains("1 file scanned"), "{out}");
    assert!(out.contains("0 errors, 0 warnings, 0 infos"), "{out}");
}

#[test]
fn findings_at_the_threshold_exit_1() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    // A warning does not fail the default threshold (error)...
    let (code, out, _) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 warning"), "{out}");
    // ...but does fail --fail-on warning...
    let (code, _, _) = stdout(
        guardrail()
            .args(["check", "--fail-on", "warning"])
            .arg(dir.path()),
    );
    assert_eq!(code, 1);
    // ...and the default threshold once the config raises it to an error.
    write(
        dir.path(),
        "guardrail.toml",
        b"[severity]\n\"compose/obsolete-version-key\" = \"error\"\n",
    );
    let (code, out, _) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("1 error"), "{out}");
    // --fail-on never always exits 0.
    let (code, _, _) = stdout(
        guardrail()
            .args(["check", "--fail-on", "never"])
            .arg(dir.path()),
    );
    assert_eq!(code, 0);
    // The config's fail-on is used when the flag is absent.
    write(dir.path(), "guardrail.toml", b"fail-on = \"warning\"\n");
    let (code, _, _) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 1);
}

#[test]
fn json_matches_the_stable_shape() {
    let (code, out, _) = stdout(guardrail().args([
        "check",
        "--format",
        "json",
        &fixture("compose/obsolete_version_key/invalid"),
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!("json_report", out);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["diagnostics"][0]["path"], "docker-compose.yml");
    assert_eq!(v["summary"]["warnings"], 1);
}

#[test]
fn json_span_is_null_for_a_file_level_finding() {
    let (_, out, _) = stdout(guardrail().args([
        "check",
        "--format",
        "json",
        &fixture("guardrail/skipped_file/invalid"),
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 2);
    for d in diags {
        assert!(d["span"].is_null(), "{d}");
        assert_eq!(d["severity"], "info");
    }
}

#[test]
fn github_commands() {
    let (code, out, err) = stdout(guardrail().current_dir(repo_root()).args([
        "check",
        "--format",
        "github",
        "fixtures/compose/obsolete_version_key/invalid",
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!("github_report", out);
    assert!(out.starts_with(
        "::warning file=fixtures/compose/obsolete_version_key/invalid/docker-compose.yml,line=2,col=1,endLine=2,endColumn=8,title=GR501 compose/obsolete-version-key::"
    ));
    assert_eq!(
        out.lines().count(),
        1,
        "one command per finding, newlines escaped"
    );
    assert!(
        err.contains("1 warning"),
        "the summary goes to stderr: {err}"
    );
}

#[test]
fn output_file_gets_the_report_and_exit_code_still_tells() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    let report = dir.path().join("out.sarif");
    let (code, out, _) = stdout(
        guardrail()
            .args([
                "check",
                "--format",
                "sarif",
                "--fail-on",
                "warning",
                "--output",
            ])
            .arg(&report)
            .arg(dir.path()),
    );
    assert_eq!(code, 1);
    assert!(out.is_empty(), "nothing on stdout: {out}");
    let sarif: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "GR501");
}

#[test]
fn suppressions_used_and_unused() {
    let (code, out, _) = stdout(guardrail().args([
        "check",
        "--format",
        "json",
        &fixture("guardrail/unused_suppression/valid"),
    ]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{out}");

    let (_, out, _) =
        stdout(guardrail().args(["check", &fixture("guardrail/unused_suppression/valid")]));
    assert!(out.contains("(2 findings suppressed)"), "{out}");

    let (_, out, _) = stdout(guardrail().args([
        "check",
        "--format",
        "json",
        &fixture("guardrail/unused_suppression/invalid"),
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["GR002", "GR002", "GR002"]);
}

#[test]
fn suppression_on_the_line_above_and_slugs() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "docker-compose.yml",
        b"# guardrail: ignore[compose/obsolete-version-key] swarm\nversion: '3'\nservices: {}\n",
    );
    let (code, out, _) = stdout(
        guardrail()
            .args(["check", "--fail-on", "info"])
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{out}");
    // Unused suppressions are judged only for rules that run.
    write(
        dir.path(),
        "docker-compose.yml",
        b"services:  # guardrail: ignore[GR501]\n  web: {}\n",
    );
    let (code, _, _) = stdout(
        guardrail()
            .args(["check", "--fail-on", "info", "--select", "guardrail"])
            .arg(dir.path()),
    );
    assert_eq!(code, 0);
    let (code, _, _) = stdout(
        guardrail()
            .args(["check", "--fail-on", "info"])
            .arg(dir.path()),
    );
    assert_eq!(code, 1);
}

#[test]
fn non_utf8_and_binary_files_are_skipped_and_counted() {
    let dir = fixture("guardrail/skipped_file/invalid");
    let (code, out, _) = stdout(guardrail().args(["check", &dir]));
    assert_eq!(code, 0, "infos do not fail the run");
    assert!(out.contains("(2 files skipped)"), "{out}");
    let (_, out, _) = stdout(guardrail().args(["check", "--format", "json", &dir]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let messages: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "file skipped: it is binary (contains a NUL byte)",
            "file skipped: it is not valid UTF-8 (first bad byte at offset 71)",
        ]
    );
}

#[test]
fn malformed_yaml_is_a_diagnostic_and_the_run_goes_on() {
    let (code, out, _) = stdout(guardrail().args([
        "check",
        "--format",
        "json",
        &fixture("guardrail/parse_error/invalid"),
    ]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found = codes_and_paths(&out);
    assert_eq!(
        found,
        [
            ("GR501".to_string(), "compose.override.yaml".to_string()),
            ("GR001".to_string(), "docker-compose.yml".to_string()),
        ]
    );
    assert_eq!(v["diagnostics"][1]["span"]["start_line"], 4);
}

#[test]
fn oversized_files_are_skipped() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    write(dir.path(), "guardrail.toml", b"max-file-size = 10\n");
    let (code, out, _) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 0);
    assert!(out.contains("over the 10-byte limit"), "{out}");
    assert!(!out.contains("GR501"), "{out}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_terminate_and_are_counted() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "app/docker-compose.yml", VERSIONED);
    std::os::unix::fs::symlink("..", dir.path().join("app/loop")).unwrap();
    std::os::unix::fs::symlink("/etc", dir.path().join("outside")).unwrap();
    let (code, out, _) = stdout(
        guardrail()
            .args(["check", "--format", "json", "--fail-on", "never"])
            .arg(dir.path())
            .timeout(std::time::Duration::from_secs(30)),
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["files_scanned"], 1);
    assert_eq!(v["diagnostics"][0]["path"], "app/docker-compose.yml");
    let (_, out, _) = stdout(guardrail().arg("check").arg(dir.path()));
    assert!(
        out.contains("(2 files skipped)"),
        "symlinks are counted: {out}"
    );
}

#[test]
fn output_is_deterministic_across_runs_and_thread_counts() {
    let dir = TempDir::new().unwrap();
    for i in 0..120 {
        let body: &[u8] = match i % 4 {
            0 => VERSIONED,
            1 => CLEAN,
            2 => b"services:\n  web: [\n",
            _ => b"version: '2'  # guardrail: ignore[GR501] swarm\nservices: {}\n",
        };
        write(
            dir.path(),
            &format!("svc{}/sub{}/docker-compose.yml", i % 7, i),
            body,
        );
    }
    let run = |threads: &str| {
        let (_, out, _) = stdout(
            guardrail()
                .args(["check", "--format", "json", "--threads", threads])
                .arg(dir.path()),
        );
        out
    };
    let first = run("1");
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["summary"]["files_scanned"], 120);
    assert_eq!(
        v["summary"]["warnings"], 60,
        "30 version keys + 30 parse errors"
    );
    for threads in ["2", "4", "0", "0"] {
        assert_eq!(run(threads), first, "--threads {threads}");
    }
}

#[test]
fn gitignore_exclude_hidden_dirs_and_single_files() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), ".gitignore", b"ignored/\n");
    write(dir.path(), "ignored/docker-compose.yml", VERSIONED);
    write(dir.path(), "vendor/docker-compose.yml", VERSIONED);
    write(dir.path(), ".deploy/docker-compose.yml", VERSIONED);
    write(dir.path(), ".git/docker-compose.yml", VERSIONED);
    write(dir.path(), "guardrail.toml", b"exclude = [\"vendor/\"]\n");
    let (_, out, _) = stdout(
        guardrail()
            .args(["check", "--format", "json"])
            .arg(dir.path()),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, [".deploy/docker-compose.yml"]);

    let (code, out, _) = stdout(
        guardrail()
            .args(["check", "--format", "json", "--fail-on", "warning"])
            .arg(dir.path().join("vendor/docker-compose.yml")),
    );
    assert_eq!(code, 1, "a file given by name is checked: {out}");
}

#[test]
fn pyproject_configuration() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    write(
        dir.path(),
        "pyproject.toml",
        b"[project]\nname = \"x\"\n\n[tool.guardrail]\nignore = [\"compose\"]\n",
    );
    let (_, out, _) = stdout(
        guardrail()
            .args(["check", "--format", "json"])
            .arg(dir.path()),
    );
    assert!(out.contains("\"diagnostics\": []"), "{out}");
    let (_, out, _) = stdout(
        guardrail()
            .args(["check", "--no-config", "--format", "json"])
            .arg(dir.path()),
    );
    assert!(out.contains("GR501"), "--no-config ignores it: {out}");
    write(
        dir.path(),
        "pyproject.toml",
        b"[tool.guardrail]\nignore = [\"compose/nope\"]\n",
    );
    let (code, _, err) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("pyproject.toml:2:11"), "{err}");
}

#[test]
fn cli_select_and_ignore_override_the_file() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    write(dir.path(), "guardrail.toml", b"ignore = [\"GR501\"]\n");
    let (code, _, _) = stdout(
        guardrail()
            .args(["check", "--fail-on", "warning"])
            .arg(dir.path()),
    );
    assert_eq!(code, 0);
    let (code, _, _) = stdout(
        guardrail()
            .args(["check", "--fail-on", "warning", "--ignore", "guardrail"])
            .arg(dir.path()),
    );
    assert_eq!(code, 1);
}

#[test]
fn bom_is_not_a_column() {
    let (_, out, _) = stdout(guardrail().args([
        "check",
        "--format",
        "json",
        &fixture("guardrail/skipped_file/valid"),
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["diagnostics"][0]["path"], "compose.yaml");
    assert_eq!(v["diagnostics"][0]["span"]["start_column"], 1);
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let dir = fixture("compose/obsolete_version_key/invalid");
    let (_, plain, _) = stdout(guardrail().args(["check", &dir]));
    assert!(!plain.contains('\u{1b}'), "NO_COLOR: no escapes");
    let (_, coloured, _) = stdout(guardrail().args(["check", "--color", "always", &dir]));
    assert!(coloured.contains('\u{1b}'), "--color always");
}

#[test]
fn rules_explain_and_init() {
    let (code, out, _) = stdout(guardrail().arg("rules"));
    assert_eq!(code, 0);
    assert!(out.contains("GR501  compose/obsolete-version-key"), "{out}");
    let (_, out, _) = stdout(guardrail().args(["rules", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), guardrail::rules::all().len());

    let (code, out, _) = stdout(guardrail().args(["explain", "compose/obsolete-version-key"]));
    assert_eq!(code, 0);
    assert!(out.contains("## Why it breaks production"), "{out}");
    let (code, _, _) = stdout(guardrail().args(["explain", "GR999"]));
    assert_eq!(code, 2);

    let dir = TempDir::new().unwrap();
    let (code, _, _) = stdout(guardrail().arg("init").arg(dir.path()));
    assert_eq!(code, 0);
    let written = fs::read_to_string(dir.path().join("guardrail.toml")).unwrap();
    assert_eq!(written, guardrail::config::DEFAULT_CONFIG);
    fs::write(dir.path().join("guardrail.toml"), "# mine\n").unwrap();
    let (code, _, err) = stdout(guardrail().arg("init").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(
        fs::read_to_string(dir.path().join("guardrail.toml")).unwrap(),
        "# mine\n"
    );
    // The file it writes is a valid configuration.
    fs::write(
        dir.path().join("guardrail.toml"),
        guardrail::config::DEFAULT_CONFIG,
    )
    .unwrap();
    let (code, _, _) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 0);
}

#[test]
fn help_documents_exit_codes() {
    let (code, out, _) = stdout(guardrail().args(["check", "--help"]));
    assert_eq!(code, 0);
    assert!(out.contains("Exit codes"), "{out}");
}

#[test]
fn required_file_entries_are_validated_with_spans() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "README.md", b"x\n");
    write(
        dir.path(),
        "guardrail.toml",
        b"[security]\nenable-required-files = [\"codeowner\"]\n",
    );
    let (code, _, err) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(
        err.contains("no built-in required-file `codeowner`"),
        "{err}"
    );
    assert!(err.contains("guardrail.toml:2:26"), "{err}");
    // An entry whose own example does not hold is rejected.
    write(
        dir.path(),
        "guardrail.toml",
        b"[[security.required-file]]\nid = \"x\"\ndirectories = \".\"\nrequire = [\"SECURITY.md\"]\nmessage = \"m\"\nshould-match = [[\"SECURITY.md\"]]\n",
    );
    let (code, _, err) = stdout(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(
        err.contains("does not report its should-match example"),
        "{err}"
    );
    // A valid entry runs.
    write(
        dir.path(),
        "guardrail.toml",
        b"[[security.required-file]]\nid = \"x\"\ndirectories = \".\"\nrequire = [\"SECURITY.md\"]\nmessage = \"we publish a policy\"\n",
    );
    let (code, out, _) = stdout(
        guardrail()
            .args(["check", "--format", "json"])
            .arg(dir.path()),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"path\": \"SECURITY.md\""), "{out}");
    assert!(out.contains("\"span\": null"), "{out}");
}

#[test]
fn single_files_never_yield_missing_file_findings() {
    // The rest of the tree is unknown when one file is checked.
    for file in [
        "docker/install_file_not_in_context/valid/Dockerfile",
        "docker/app_code_before_deps/valid/Dockerfile",
        "security/manifest_file_missing/valid/school/__manifest__.py",
        "security/missing_access_file/valid/school/__manifest__.py",
    ] {
        let (code, out, _) =
            stdout(guardrail().args(["check", "--format", "json", &fixture(file)]));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["diagnostics"].as_array().unwrap().len(),
            0,
            "{file}: {out}"
        );
        assert_eq!(code, 0, "{file}");
    }
}

#[test]
fn an_empty_select_is_an_error_not_a_run_of_nothing() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    let (code, _, err) = stdout(guardrail().args(["check", "--select", ""]).arg(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("--select names no rule"), "{err}");
}

#[test]
fn the_config_is_found_above_the_scanned_folder_within_the_repository() {
    let dir = TempDir::new().unwrap();
    fs::create_dir_all(dir.path().join(".git")).unwrap();
    write(dir.path(), "guardrail.toml", b"fail-on = \"warning\"\n");
    write(dir.path(), "sub/docker-compose.yml", VERSIONED);
    // The root's config (fail-on warning) applies to `check sub/`.
    let (code, _, _) = stdout(guardrail().arg("check").arg(dir.path().join("sub")));
    assert_eq!(code, 1);
    // Without a repository, a parent's config is not used.
    let outside = TempDir::new().unwrap();
    write(outside.path(), "guardrail.toml", b"fail-on = \"warning\"\n");
    write(outside.path(), "sub/docker-compose.yml", VERSIONED);
    let (code, _, _) = stdout(guardrail().arg("check").arg(outside.path().join("sub")));
    assert_eq!(code, 0);
}

#[test]
fn base_auto_on_a_push_skips_history_rules_with_a_note() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "app/migrations/__init__.py", b"");
    write(
        dir.path(),
        "app/migrations/0001_initial.py",
        b"from django.db import migrations\n\nclass Migration(migrations.Migration):\n    dependencies = []\n",
    );
    let (code, out, err) = stdout(
        guardrail()
            .env("GITHUB_ACTIONS", "true")
            .env_remove("GITHUB_BASE_REF")
            .args(["check", "--base", "auto"])
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("not for a pull or merge request"), "{out}");
}

#[test]
fn baseline_round_trip() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "a/docker-compose.yml", VERSIONED);
    write(dir.path(), "b/docker-compose.yml", VERSIONED);
    let baseline = dir.path().join("baseline.json");
    let (code, _, err) = stdout(
        guardrail()
            .args(["check", "--fail-on", "warning", "--write-baseline"])
            .arg(&baseline)
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote 2 findings"), "{err}");
    let text = fs::read_to_string(&baseline).unwrap();
    assert!(text.contains("\"GR501\""), "{text}");

    // Nothing new: clean.
    let check = |extra: &[u8]| {
        if !extra.is_empty() {
            write(dir.path(), "c/docker-compose.yml", extra);
        }
        stdout(
            guardrail()
                .args([
                    "check",
                    "--fail-on",
                    "warning",
                    "--format",
                    "json",
                    "--baseline",
                ])
                .arg(&baseline)
                .arg(dir.path()),
        )
    };
    let (code, out, _) = check(b"");
    assert_eq!(code, 0, "{out}");
    // Lines moving does not make an old finding new.
    write(
        dir.path(),
        "a/docker-compose.yml",
        &[b"# moved\n\n", VERSIONED].concat(),
    );
    let (code, out, _) = check(b"");
    assert_eq!(code, 0, "{out}");
    // A new finding is the only one reported.
    let (code, out, _) = check(VERSIONED);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["c/docker-compose.yml"]);
    // A fixed finding is listed as gone.
    write(dir.path(), "b/docker-compose.yml", CLEAN);
    let (_, out, _) = stdout(
        guardrail()
            .args(["check", "--fail-on", "never", "--baseline"])
            .arg(&baseline)
            .arg(dir.path()),
    );
    assert!(
        out.contains("baseline entry no longer occurs: GR501 b/docker-compose.yml"),
        "{out}"
    );
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, out, _) = stdout(guardrail().args(["completions", shell]));
        assert_eq!(code, 0, "{shell}");
        assert!(
            out.contains("guardrail") && out.contains("fail-on"),
            "{shell}: {out}"
        );
    }
    let (code, out, _) = stdout(guardrail().arg("man"));
    assert_eq!(code, 0);
    assert!(out.starts_with(".ie") || out.contains(".TH"), "{out}");
    assert!(out.contains("guardrail"), "{out}");
}

#[test]
fn not_installable_odoo_modules_are_counted_in_the_summary() {
    let (code, out, _) = stdout(guardrail().args([
        "check",
        &fixture("security/missing_access_file/valid-installable-false"),
    ]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 Odoo module marked `'installable': False` not judged"),
        "{out}"
    );
}

#[test]
fn timings_show_phases_and_rules_on_stderr() {
    let (code, out, err) = stdout(guardrail().args([
        "check",
        "--timings",
        "--format",
        "json",
        &fixture("compose/obsolete_version_key/invalid"),
    ]));
    assert_eq!(code, 0);
    assert!(out.starts_with('{'), "the report is untouched: {out}");
    for phase in [
        "walk and classify",
        "models",
        "file rules",
        "project rules",
        "collect",
        "render",
        "GR501",
    ] {
        assert!(err.contains(phase), "{phase}: {err}");
    }
}

/// JSON of a check of `dir` with `cache` ("--no-cache" or "--cache-dir=DIR"), and its
/// `--timings` stderr.
fn json_with(dir: &Path, cache: &str) -> (String, String) {
    let (code, out, err) = stdout(guardrail().args([
        "check",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--timings",
        cache,
        &dir.display().to_string(),
    ]));
    assert_eq!(code, 0, "{}: {err}", dir.display());
    (out, err)
}

/// "N hits, M misses" of the facts cache, from `--timings`.
fn cache_stats(err: &str) -> Option<(usize, usize)> {
    let line = err.lines().find(|l| l.contains("facts cache:"))?;
    let nums: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    Some((nums[0], nums[1]))
}

/// The facts cache answers a file whose metadata is unchanged without reading it, and
/// sees every rewrite, even one that keeps the size and puts the modification time back
/// (`touch -r`, `tar` and `rsync -t` do): the change time moves.
#[test]
fn a_warm_run_answers_unchanged_files_unread_and_sees_a_rewrite_that_keeps_size_and_mtime() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("repo");
    common::write_shop_app(&root);
    // A migration with a suppression: its text is always read, for its directive.
    write(
        &root,
        "shop/migrations/0003_suppressed.py",
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    # guardrail: ignore[GR103] restored from a squash in the next release\n    dependencies = [('shop', '0002_order_total'), ('shop', '0099_gone')]\n    operations = []\n",
    );
    // Stamps of files written in the last two seconds are not recorded (racy files).
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let cache = TempDir::new().unwrap();
    let cache_arg = format!("--cache-dir={}", cache.path().display());

    let (plain, _) = json_with(&root, "--no-cache");
    let (cold, _) = json_with(&root, &cache_arg);
    let (warm, err) = json_with(&root, &cache_arg);
    assert_eq!(cold, plain);
    assert_eq!(warm, plain);
    let line = err.lines().find(|l| l.contains("facts cache:")).unwrap();
    let nums: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let (hits, misses, unread) = (nums[0], nums[1], nums[2]);
    assert_eq!(misses, 0, "{err}");
    assert!(
        unread >= 2 && unread < hits,
        "the two plain migrations unread, the suppressed one read: {err}"
    );
    assert!(codes_and_paths(&plain).is_empty(), "{plain}");

    // Rewrite 0002 in place to depend on a migration that does not exist: same size, same
    // inode, modification time put back.
    let path = root.join("shop/migrations/0002_order_total.py");
    let before = fs::metadata(&path).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    let edited = text.replace("'0001_initial'", "'0009_missing'");
    assert_eq!(edited.len(), text.len());
    fs::write(&path, &edited).unwrap();
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().modified().unwrap(),
        before.modified().unwrap()
    );

    let (plain, _) = json_with(&root, "--no-cache");
    let (warm, _) = json_with(&root, &cache_arg);
    assert_eq!(warm, plain);
    // The dangling dependency, and two leaves now that 0002 no longer follows 0001.
    assert_eq!(
        codes_and_paths(&warm),
        vec![
            (
                "GR103".to_string(),
                "shop/migrations/0002_order_total.py".to_string()
            ),
            (
                "GR105".to_string(),
                "shop/migrations/0003_suppressed.py".to_string()
            )
        ],
        "{warm}"
    );
}

#[test]
fn a_cached_run_prints_the_same_bytes_as_an_uncached_one_on_every_fixture() {
    let cache = TempDir::new().unwrap();
    let cache_arg = format!("--cache-dir={}", cache.path().display());
    let mut dirs = Vec::new();
    for family in fs::read_dir(repo_root().join("fixtures")).unwrap() {
        for rule in fs::read_dir(family.unwrap().path()).unwrap() {
            let rule = rule.unwrap().path();
            if !rule.is_dir() {
                continue;
            }
            for case in fs::read_dir(rule).unwrap() {
                let case = case.unwrap().path();
                if case.is_dir() {
                    dirs.push(case);
                }
            }
        }
    }
    dirs.sort();
    assert!(dirs.len() > 100, "{} fixture folders", dirs.len());
    let mut hits = 0;
    for dir in &dirs {
        let (plain, _) = json_with(dir, "--no-cache");
        let (cold, _) = json_with(dir, &cache_arg);
        let (warm, err) = json_with(dir, &cache_arg);
        assert_eq!(cold, plain, "cold cache: {}", dir.display());
        assert_eq!(warm, plain, "warm cache: {}", dir.display());
        let (h, misses) = cache_stats(&err).unwrap_or_else(|| panic!("no stats: {err}"));
        assert_eq!(misses, 0, "warm run of {}: {err}", dir.display());
        hits += h;
    }
    assert!(
        hits > 50,
        "the warm runs read facts from the cache: {hits} hits"
    );
    assert!(
        !dirs.iter().any(|d| d.join(".guardrail_cache").exists()),
        "nothing is written into the fixtures"
    );
}

#[test]
fn a_cached_run_prints_the_same_bytes_on_a_generated_monorepo() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("python3 missing: generated-tree cache test skipped");
        return;
    }
    let tmp = TempDir::new().unwrap();
    let tree = tmp.path().join("tree");
    let status = std::process::Command::new("python3")
        .arg(repo_root().join("benches/monorepo/gen.py"))
        .args(["--scale", "0.1", "--seed", "7"])
        .arg(&tree)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let (plain, _) = json_with(&tree, "--no-cache");
    assert!(plain.contains("\"code\""), "the tree has findings");
    // The default location: .guardrail_cache in the root, with a .gitignore of `*`.
    let default_cache = |args: &[&str]| {
        let (code, out, err) = stdout(
            guardrail()
                .env_remove("GUARDRAIL_CACHE_DIR")
                .args([
                    "check",
                    "--format",
                    "json",
                    "--fail-on",
                    "never",
                    "--timings",
                ])
                .args(args)
                .arg(&tree),
        );
        assert_eq!(code, 0, "{err}");
        (out, err)
    };
    let (cold, err) = default_cache(&[]);
    let (_, misses) = cache_stats(&err).unwrap();
    assert!(misses > 100, "{err}");
    assert_eq!(cold, plain);
    assert_eq!(
        fs::read_to_string(tree.join(".guardrail_cache/.gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    let (warm, err) = default_cache(&[]);
    assert_eq!(warm, plain, "warm");
    let (hits, misses) = cache_stats(&err).unwrap();
    assert!(hits > 100 && misses == 0, "{err}");

    // One migration edited: a miss for it alone, and the findings of the edit.
    let migration = fs::read_dir(tree.join("django/proj0/apps"))
        .unwrap()
        .filter_map(|a| fs::read_dir(a.ok()?.path().join("migrations")).ok())
        .flatten()
        .filter_map(|m| m.ok().map(|m| m.path()))
        .find(|m| {
            m.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("0002_"))
        });
    assert!(migration.is_some(), "a second migration to edit");
    if let Some(m) = migration {
        let text = fs::read_to_string(&m).unwrap();
        let app = m.parent().unwrap().parent().unwrap().file_name().unwrap();
        let missing = format!(
            "dependencies = [('{}', '0999_missing'),",
            app.to_string_lossy()
        );
        fs::write(&m, text.replace("dependencies = [", &missing)).unwrap();
        let (plain, _) = json_with(&tree, "--no-cache");
        assert!(plain.contains("GR103"), "the edit is seen: {plain}");
        let (warm, err) = default_cache(&[]);
        assert_eq!(warm, plain, "after an edit");
        assert_eq!(cache_stats(&err).unwrap().1, 1, "{err}");
    }

    // A corrupt cache file: the same output, then the file is rewritten.
    for entry in fs::read_dir(tree.join(".guardrail_cache")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bin") {
            let mut bytes = fs::read(&path).unwrap();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0xff;
            bytes.truncate(mid + 10);
            fs::write(&path, bytes).unwrap();
        }
    }
    let (after, err) = default_cache(&[]);
    assert_eq!(cache_stats(&err).unwrap().0, 0, "{err}");
    let (again, err) = default_cache(&[]);
    assert_eq!(cache_stats(&err).unwrap().1, 0, "rewritten: {err}");
    assert_eq!(after, again);
    let (no_cache, err) = default_cache(&["--no-cache"]);
    assert_eq!(cache_stats(&err), None, "{err}");
    assert_eq!(no_cache, after);
}
