//! The pre-commit hook, run for real by the `pre-commit` tool (from PyPI: `pip install
//! pre-commit`) in a temporary git repository: a staged migration deletion must refuse
//! the commit. The tool is not a dependency of the test suite (tests use no network), so
//! these tests are ignored unless asked for:
//!
//! ```sh
//! pip install pre-commit
//! cargo test --test precommit -- --ignored        # try-repo builds guardrail: minutes
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod common;

use common::{git, git_command, repo_root, write, write_shop_app};
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

/// A repository with one app and two migrations, committed, with `config` as its
/// `.pre-commit-config.yaml` and the hook installed.
fn repo(config: &str, home: &Path) -> TempDir {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write_shop_app(dir);
    write(dir, ".pre-commit-config.yaml", config);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "base"]);
    let out = pre_commit(dir, home).arg("install").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmp
}

fn pre_commit(dir: &Path, home: &Path) -> Command {
    let mut cmd = Command::new("pre-commit");
    cmd.current_dir(dir)
        .env("PRE_COMMIT_HOME", home)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    cmd
}

/// `git commit` through the installed hook: (succeeded, output).
fn commit(dir: &Path, home: &Path, message: &str) -> (bool, String) {
    let out = git_command(dir)
        .args(["commit", "-q", "-m", message])
        .env("PRE_COMMIT_HOME", home)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The deletion is refused, naming the rule; an ordinary change then commits.
fn refuses_a_staged_migration_deletion(dir: &Path, home: &Path) {
    git(dir, &["rm", "-q", "shop/migrations/0001_initial.py"]);
    let (ok, out) = commit(dir, home, "drop a migration");
    assert!(!ok, "the commit went through:\n{out}");
    assert!(out.contains("GR101"), "{out}");
    git(dir, &["reset", "-q", "--hard"]);
    write(dir, "README.md", "# shop\n");
    git(dir, &["add", "README.md"]);
    let (ok, out) = commit(dir, home, "docs");
    assert!(ok, "a clean change was refused:\n{out}");
}

/// README's `language: system` hook, with the built binary.
#[test]
#[ignore = "needs the pre-commit tool from PyPI: cargo test --test precommit -- --ignored"]
fn the_system_hook_refuses_a_staged_migration_deletion() {
    let home = TempDir::new().unwrap();
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: guardrail\n        name: guardrail\n        entry: {} check --staged\n        language: system\n        pass_filenames: false\n        always_run: true\n",
        env!("CARGO_BIN_EXE_guardrail")
    );
    let dir = repo(&config, home.path());
    refuses_a_staged_migration_deletion(dir.path(), home.path());
}

/// The published hook (`.pre-commit-hooks.yaml`, `language: rust`), installed by
/// pre-commit from this repository's committed HEAD: it compiles guardrail.
#[test]
#[ignore = "needs the pre-commit tool from PyPI and builds guardrail in release (minutes): cargo test --test precommit -- --ignored"]
fn the_published_hook_refuses_a_staged_migration_deletion() {
    let home = TempDir::new().unwrap();
    let root = repo_root();
    let head = Command::new("git")
        .current_dir(&root)
        .args(["rev-parse", "HEAD"])
        .output()
        .unwrap();
    let head = String::from_utf8(head.stdout).unwrap();
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: guardrail\n",
        root.display(),
        head.trim()
    );
    let dir = repo(&config, home.path());
    refuses_a_staged_migration_deletion(dir.path(), home.path());
}
