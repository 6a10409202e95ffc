//! The migrations family end to end: incident 1a at the exact lines, and real git
//! repositories built in temporary directories (no network).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::string_slice,
    clippy::indexing_slicing
)] // test code: a panic is a failure report

mod common;

use common::{check_dir, codes_and_paths, git, guardrail, repo_root, run, write, write_shop_app};
use guardrail::config::{CliOverrides, Settings};
use guardrail::engine;
use std::fs;
use tempfile::TempDir;

fn findings(report: &engine::Report) -> Vec<(String, String, Option<usize>)> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.rule.slug.to_string(),
                d.path.to_string(),
                d.position.map(|p| p.start_line),
            )
        })
        .collect()
}

const INCIDENT: &str = "fixtures/migrations/deleted_migration/invalid";

#[test]
fn incident_static_findings_at_the_right_lines() {
    let dir = repo_root().join(INCIDENT);
    let settings = Settings::resolve(None, &CliOverrides::default()).unwrap();
    let report = engine::check(&dir, &settings, None).unwrap();
    let found = findings(&report);
    let expected = [
        (
            "migrations/missing-dependency",
            "backend/apps/abac/migrations/0002_initial.py",
            Some(9),
        ),
        (
            "migrations/emptied-app",
            "backend/apps/authentication/models.py",
            Some(5),
        ),
        (
            "migrations/missing-dependency",
            "backend/apps/employees/migrations/0001_initial.py",
            Some(10),
        ),
    ];
    let expected: Vec<(String, String, Option<usize>)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect();
    assert_eq!(found, expected);
    assert!(
        report.notes.iter().any(|n| n.contains("did not run")),
        "the summary says git-aware rules did not run: {:?}",
        report.notes
    );
}

#[test]
fn incident_with_base_adds_the_deleted_migration() {
    let report = check_dir(&repo_root().join(INCIDENT));
    let deleted: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule.slug == "migrations/deleted-migration")
        .collect();
    assert_eq!(deleted.len(), 1);
    let d = deleted[0];
    assert_eq!(
        d.path.as_str(),
        "backend/apps/authentication/migrations/0001_initial.py"
    );
    assert!(d.span.is_none(), "the file is gone: no span");
    assert_eq!(d.labels.len(), 1, "the dependent migration is labelled");
    assert_eq!(
        d.labels[0].path.as_ref().map(|p| p.as_str()),
        Some("backend/apps/abac/migrations/0002_initial.py")
    );
    assert_eq!(d.labels[0].position.map(|p| p.start_line), Some(9));
}

// ---- real git ----

/// main: the shop app with two migrations; feature: one more commit on top.
fn repo_with_history() -> TempDir {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write_shop_app(dir);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "base"]);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    tmp
}

#[test]
fn real_git_deleted_migration_with_base() {
    let tmp = repo_with_history();
    let dir = tmp.path();
    fs::remove_file(dir.join("shop/migrations/0001_initial.py")).unwrap();
    git(dir, &["commit", "-q", "-am", "delete a migration"]);

    let (code, out, err) = run(guardrail()
        .current_dir(dir)
        .args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "migrations/deleted-migration",
            "migrations/missing-dependency"
        ],
        "{out}"
    );
    assert_eq!(
        v["diagnostics"][0]["path"],
        "shop/migrations/0001_initial.py"
    );

    // Without a base the git-aware rule does not run, and the summary says so.
    let (code, out, _) = run(guardrail().current_dir(dir).arg("check"));
    assert_eq!(code, 1, "the dangling dependency is still an error");
    assert!(
        out.contains("did not run: pass --base REF or --staged"),
        "{out}"
    );
    // --require-base makes a missing base an error.
    let (code, _, err) = run(guardrail()
        .current_dir(dir)
        .args(["check", "--require-base"]));
    assert_eq!(code, 2);
    assert!(err.contains("--require-base"), "{err}");
}

#[test]
fn real_git_staged_edit_and_formatting_only_edit() {
    let tmp = repo_with_history();
    let dir = tmp.path();
    // Formatting and comments only: not an edit.
    write(
        dir,
        "shop/migrations/0002_order_total.py",
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    # reviewed\n    dependencies = [\n        (\"shop\", \"0001_initial\"),\n    ]\n    operations = [\n    ]\n",
    );
    git(dir, &["add", "-A"]);
    let (code, out, _) = run(guardrail().current_dir(dir).args(["check", "--staged"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("compared with HEAD (staged changes)"), "{out}");
    // A real change to the operations.
    write(
        dir,
        "shop/migrations/0002_order_total.py",
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '0001_initial')]\n    operations = [migrations.RunSQL('SELECT 1')]\n",
    );
    git(dir, &["add", "-A"]);
    let (code, out, _) = run(guardrail().current_dir(dir).args(["check", "--staged"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("GR102 migrations/edited-migration"), "{out}");
}

#[test]
fn shallow_clone_without_the_base_fails_with_the_fix() {
    let origin = repo_with_history();
    write(origin.path(), "shop/views.py", "x = 1\n");
    git(origin.path(), &["add", "-A"]);
    git(origin.path(), &["commit", "-q", "-m", "feature work"]);
    // main moves on, so its tip is not a parent of the feature branch's HEAD.
    git(origin.path(), &["checkout", "-q", "main"]);
    write(origin.path(), "shop/admin.py", "y = 2\n");
    git(origin.path(), &["add", "-A"]);
    git(origin.path(), &["commit", "-q", "-m", "main work"]);
    git(origin.path(), &["checkout", "-q", "feature"]);
    let clones = TempDir::new().unwrap();
    let url = format!("file://{}", origin.path().display());
    git(
        clones.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "feature",
            "--single-branch",
            &url,
            "work",
        ],
    );
    let work = clones.path().join("work");

    // The base ref was never fetched.
    let (code, _, err) =
        run(guardrail()
            .current_dir(&work)
            .args(["check", "--base", "origin/main"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("git fetch --depth=1 origin main"), "{err}");

    // Fetched, but the shallow history does not reach the merge base.
    git(
        &work,
        &[
            "fetch",
            "-q",
            "--depth",
            "1",
            "origin",
            "main:refs/remotes/origin/main",
        ],
    );
    let (code, _, err) =
        run(guardrail()
            .current_dir(&work)
            .args(["check", "--base", "origin/main"]));
    assert_eq!(code, 2, "never passes silently: {err}");
    assert!(err.contains("shallow clone"), "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");

    // Deepened: it works.
    git(
        &work,
        &[
            "fetch",
            "-q",
            "--unshallow",
            "origin",
            "main:refs/remotes/origin/main",
        ],
    );
    let (code, out, err) =
        run(guardrail()
            .current_dir(&work)
            .args(["check", "--base", "origin/main"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("compared with merge base of origin/main"),
        "{out}"
    );
}

#[test]
fn graph_command_draws_broken_edges_and_extra_leaves() {
    let (code, mermaid, _) = run(guardrail().args([
        "graph",
        "migrations",
        &repo_root().join(INCIDENT).display().to_string(),
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!("graph_incident_mermaid", mermaid);
    assert!(
        mermaid.contains("missing__authentication__0001_initial -. missing .-> abac__0002_initial")
    );

    let (code, dot, _) = run(guardrail().args([
        "graph",
        "migrations",
        "--format",
        "dot",
        &repo_root()
            .join("fixtures/migrations/multiple_leaves/invalid")
            .display()
            .to_string(),
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!("graph_leaves_dot", dot);
    assert_eq!(
        dot.matches("fillcolor=\"#ffeeaa\"").count(),
        2,
        "both leaves highlighted"
    );
}

#[test]
fn shallow_pr_merge_checkout_with_the_base_fetched_works() {
    // GitHub Actions on a pull request: refs/pull/N/merge checked out at depth 1, and
    // the base commit fetched at depth 1.
    let origin = repo_with_history();
    let o = origin.path();
    fs::remove_file(o.join("shop/migrations/0002_order_total.py")).unwrap();
    git(o, &["commit", "-q", "-am", "delete a migration"]);
    git(o, &["checkout", "-q", "main"]);
    write(o, "shop/views.py", "x = 1\n");
    git(o, &["add", "-A"]);
    git(o, &["commit", "-q", "-m", "main moves on"]);
    git(o, &["checkout", "-q", "-b", "pr-merge"]);
    git(o, &["merge", "-q", "--no-ff", "--no-edit", "feature"]);
    let clones = TempDir::new().unwrap();
    let url = format!("file://{}", o.display());
    git(
        clones.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "pr-merge",
            "--single-branch",
            &url,
            "work",
        ],
    );
    let work = clones.path().join("work");
    git(
        &work,
        &[
            "fetch",
            "-q",
            "--depth",
            "1",
            "origin",
            "main:refs/remotes/origin/main",
        ],
    );
    let (code, out, err) = run(guardrail().current_dir(&work).args([
        "check",
        "--base",
        "origin/main",
        "--format",
        "json",
    ]));
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(&str, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap(), d["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [(
            "migrations/deleted-migration",
            "shop/migrations/0002_order_total.py"
        )],
        "only the PR's change, not main's new commit"
    );
}

#[test]
fn new_only_reports_what_the_change_touched_or_caused() {
    let tmp = repo_with_history();
    let dir = tmp.path();
    // An old problem on main, elsewhere: a Compose file with the obsolete version key.
    git(dir, &["checkout", "-q", "main"]);
    write(
        dir,
        "docker-compose.yml",
        "version: '3'\nservices:\n  db:\n    image: postgres:16\n",
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "compose"]);
    git(dir, &["checkout", "-q", "-B", "feature"]);

    // A docs-only change: the old warning is outside it.
    write(dir, "README.md", "docs\n");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "docs"]);
    let (code, out, err) = run(guardrail().current_dir(dir).args([
        "check",
        "--base",
        "main",
        "--new-only",
        "--fail-on",
        "warning",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(codes_and_paths(&out).is_empty(), "{out}");
    // Without --new-only the old warning is there.
    let (code, _, _) =
        run(guardrail()
            .current_dir(dir)
            .args(["check", "--base", "main", "--fail-on", "warning"]));
    assert_eq!(code, 1);

    // Deleting a migration: reported, and so is the untouched dependent it breaks.
    fs::remove_file(dir.join("shop/migrations/0001_initial.py")).unwrap();
    git(dir, &["commit", "-q", "-am", "delete a migration"]);
    let (code, out, _) = run(guardrail().current_dir(dir).args([
        "check",
        "--base",
        "main",
        "--new-only",
        "--format",
        "json",
    ]));
    assert_eq!(code, 1);
    assert_eq!(
        codes_and_paths(&out),
        [
            (
                "GR101".to_string(),
                "shop/migrations/0001_initial.py".to_string()
            ),
            (
                "GR103".to_string(),
                "shop/migrations/0002_order_total.py".to_string()
            ),
        ],
        "{out}"
    );
}

#[test]
fn graph_filters_by_app_and_says_when_there_is_nothing_to_draw() {
    let incident = repo_root().join(INCIDENT).display().to_string();
    let (code, mermaid, _) =
        run(guardrail().args(["graph", "migrations", "--app", "abac", &incident]));
    assert_eq!(code, 0);
    assert!(mermaid.contains("abac__0002_initial"), "{mermaid}");
    // The broken edge into abac stays; apps abac's edges do not reach are gone.
    assert!(
        mermaid.contains("missing__authentication__0001_initial"),
        "{mermaid}"
    );
    let (full_code, full, _) = run(guardrail().args(["graph", "migrations", &incident]));
    assert_eq!(full_code, 0);
    assert!(mermaid.lines().count() < full.lines().count());
    let (code, _, err) = run(guardrail().args(["graph", "migrations", "--app", "nope", &incident]));
    assert_eq!(code, 0);
    assert!(err.contains("no app labelled `nope`"), "{err}");
    let empty = TempDir::new().unwrap();
    let (code, out, err) = run(guardrail().args(["graph", "migrations"]).arg(empty.path()));
    assert_eq!(code, 0);
    assert!(
        out.is_empty() && err.contains("no Django migrations found"),
        "{err}"
    );
}

#[test]
fn staged_checks_the_files_of_the_git_index() {
    let tmp = repo_with_history();
    let dir = tmp.path();
    write(dir, "docker-compose.yml", "version: '3'\nservices: {}\n");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "compose"]);
    // A migration the commit does not hold: untracked, with a dependency that exists
    // nowhere.
    let untracked = "shop/migrations/0003_untracked.py";
    write(
        dir,
        untracked,
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '0099_gone')]\n    operations = []\n",
    );
    let found = |args: &[&str]| {
        let (code, out, err) = run(guardrail()
            .current_dir(dir)
            .args(["check", "--format", "json", "--fail-on", "never"])
            .args(args));
        assert_eq!(code, 0, "{err}");
        codes_and_paths(&out)
    };
    let missing = ("GR103".to_string(), untracked.to_string());
    // The walk of the working tree sees it.
    assert!(found(&[]).contains(&missing), "{:?}", found(&[]));
    // `--staged` checks what the commit will hold: the index, without it.
    let staged = found(&["--staged"]);
    assert!(!staged.iter().any(|(_, p)| p == untracked), "{staged:?}");
    assert!(
        staged.contains(&("GR501".to_string(), "docker-compose.yml".to_string())),
        "tracked files are checked: {staged:?}"
    );
    // Staged, it is part of the commit, and reported.
    git(dir, &["add", untracked]);
    assert!(found(&["--staged"]).contains(&missing));
    // A tracked file deleted without `git rm` is still in the index: a note that it
    // could not be checked, not a warning.
    fs::remove_file(dir.join("docker-compose.yml")).unwrap();
    let (_, out, _) = run(guardrail().current_dir(dir).args([
        "check",
        "--staged",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let note = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == "docker-compose.yml")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(note["code"], "GR003", "{out}");
    assert_eq!(note["severity"], "info", "{out}");
}
