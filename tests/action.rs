//! The GitHub Action off GitHub: `scripts/action/run.sh` (its logic) under simulated
//! event environments with a stub `guardrail` that records its arguments, and the
//! action and workflow files read as YAML.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::string_slice,
    clippy::indexing_slicing
)]

mod common;

use common::{git, repo_root};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

/// A stub guardrail: records each call's arguments, exits with `$STUB_EXIT`.
fn stub(dir: &Path) -> PathBuf {
    let path = dir.join("guardrail-stub");
    fs::write(
        &path,
        "#!/usr/bin/env bash\necho \"$*\" >> \"$STUB_LOG\"\nexit \"${STUB_EXIT:-0}\"\n",
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    path
}

struct Run {
    code: i32,
    calls: Vec<String>,
    outputs: String,
}

fn run_action(work: &Path, env: &[(&str, &str)], exit: &str) -> Run {
    let tmp = TempDir::new().unwrap();
    let log = tmp.path().join("calls");
    let outputs = tmp.path().join("outputs");
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("scripts/action/run.sh"))
        .current_dir(work)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GUARDRAIL", stub(tmp.path()))
        .env("STUB_LOG", &log)
        .env("STUB_EXIT", exit)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        calls: fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect(),
        outputs: fs::read_to_string(&outputs).unwrap_or_default(),
    }
}

fn event(dir: &Path, base_sha: &str, head_repo: &str) -> String {
    let path = dir.join("event.json");
    fs::write(
        &path,
        format!(
            r#"{{"pull_request": {{"base": {{"sha": "{base_sha}"}}, "head": {{"repo": {{"full_name": "{head_repo}"}}}}}}}}"#
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// origin: a repository with main and a feature branch; returns (origin, base sha).
fn origin() -> (TempDir, String) {
    let tmp = TempDir::new().unwrap();
    let o = tmp.path();
    git(o, &["init", "-q", "-b", "main"]);
    fs::write(o.join("a.txt"), "a\n").unwrap();
    git(o, &["add", "-A"]);
    git(o, &["commit", "-q", "-m", "base"]);
    let base = git(o, &["rev-parse", "HEAD"]);
    git(o, &["checkout", "-q", "-b", "feature"]);
    fs::write(o.join("b.txt"), "b\n").unwrap();
    git(o, &["add", "-A"]);
    git(o, &["commit", "-q", "-m", "feature"]);
    (tmp, base)
}

#[test]
fn pull_request_compares_with_the_event_base_and_uploads_sarif() {
    let (o, base) = origin();
    let work = TempDir::new().unwrap();
    let w = work.path().join("w");
    git(
        work.path(),
        &[
            "clone",
            "-q",
            "--branch",
            "feature",
            &o.path().display().to_string(),
            "w",
        ],
    );
    let ev = event(work.path(), &base, "acme/app");
    let r = run_action(
        &w,
        &[
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_EVENT_PATH", &ev),
            ("GITHUB_REPOSITORY", "acme/app"),
            ("INPUT_FAIL_ON", "warning"),
        ],
        "1",
    );
    // Findings: the job fails, but SARIF was still written and is uploaded.
    assert_eq!(r.code, 1);
    assert_eq!(r.calls.len(), 2, "{:?}", r.calls);
    assert!(
        r.calls[0].contains(&format!("--base {base}")),
        "{:?}",
        r.calls
    );
    assert!(r.calls[0].contains("--fail-on warning") && r.calls[0].contains("--format github"));
    assert!(r.calls[1].contains("--format sarif --output guardrail.sarif --fail-on never"));
    assert!(!r.calls[1].contains("--fail-on warning"), "{:?}", r.calls);
    assert!(r.outputs.contains("exit-code=1") && r.outputs.contains("upload-sarif=true"));
}

#[test]
fn push_has_no_base_and_lets_guardrail_skip_history() {
    let (o, _) = origin();
    let work = TempDir::new().unwrap();
    git(
        work.path(),
        &["clone", "-q", &o.path().display().to_string(), "w"],
    );
    let r = run_action(
        &work.path().join("w"),
        &[("GITHUB_EVENT_NAME", "push"), ("GITHUB_ACTIONS", "true")],
        "0",
    );
    assert_eq!(r.code, 0);
    assert!(r.calls[0].contains("--base auto"), "{:?}", r.calls);
}

#[test]
fn a_fork_gets_annotations_but_no_upload() {
    let (o, base) = origin();
    let work = TempDir::new().unwrap();
    git(
        work.path(),
        &[
            "clone",
            "-q",
            "--branch",
            "feature",
            &o.path().display().to_string(),
            "w",
        ],
    );
    let ev = event(work.path(), &base, "someone/fork");
    let r = run_action(
        &work.path().join("w"),
        &[
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_EVENT_PATH", &ev),
            ("GITHUB_REPOSITORY", "acme/app"),
        ],
        "0",
    );
    assert!(r.outputs.contains("upload-sarif=false"), "{}", r.outputs);
}

#[test]
fn a_shallow_checkout_fetches_the_base_itself() {
    let (o, base) = origin();
    let work = TempDir::new().unwrap();
    let url = format!("file://{}", o.path().display());
    git(
        work.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "feature", &url, "w",
        ],
    );
    let w = work.path().join("w");
    let missing = Command::new("git")
        .current_dir(&w)
        .args(["cat-file", "-e", &format!("{base}^{{commit}}")])
        .status()
        .unwrap();
    assert!(!missing.success(), "the shallow clone lacks the base");
    let ev = event(work.path(), &base, "acme/app");
    let r = run_action(
        &w,
        &[
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_EVENT_PATH", &ev),
            ("GITHUB_REPOSITORY", "acme/app"),
        ],
        "0",
    );
    assert_eq!(r.code, 0);
    git(&w, &["cat-file", "-e", &format!("{base}^{{commit}}")]);
}

#[test]
fn action_and_workflows_are_yaml_with_what_they_need() {
    let mut files = vec![repo_root().join("action.yml")];
    for e in fs::read_dir(repo_root().join(".github/workflows"))
        .unwrap()
        .flatten()
    {
        files.push(e.path());
    }
    for f in &files {
        let text = fs::read_to_string(f).unwrap();
        let source = guardrail::core::source::SourceFile::new(
            guardrail::core::path::RelPath::new(f.file_name().unwrap().to_string_lossy()),
            text,
        );
        let yaml = guardrail::syntax::yaml::parse(&source)
            .unwrap_or_else(|e| panic!("{}: {e:?}", f.display()));
        let doc = &yaml.documents[0];
        assert!(
            doc.get("runs").is_some() || doc.get("jobs").is_some(),
            "{}",
            f.display()
        );
    }
    let action = fs::read_to_string(repo_root().join("action.yml")).unwrap();
    assert!(action.contains("if: always() && steps.check.outputs.upload-sarif == 'true'"));
    let dogfood = fs::read_to_string(repo_root().join(".github/workflows/guardrail.yml")).unwrap();
    assert!(dogfood.contains("security-events: write"));
}
