//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)] // test helpers: a panic is a failure report

use guardrail::config::{self, CliOverrides, Settings};
use guardrail::engine::{self, Report};
use guardrail::render::{self, Format, Outcome, PrettyOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The built binary, without colour, killed after two minutes: a test never hangs.
pub fn guardrail() -> assert_cmd::Command {
    let mut cmd = assert_cmd::cargo_bin_cmd!("guardrail");
    cmd.env("NO_COLOR", "1").timeout(Duration::from_secs(120));
    // The facts cache goes to a temporary folder, never into the fixtures (one file per
    // scan root there; a test of the default location removes this).
    cmd.env(
        "GUARDRAIL_CACHE_DIR",
        std::env::temp_dir().join("guardrail-tests-cache"),
    );
    cmd
}

/// Runs a command: (exit code, stdout, stderr); -1 when killed by a signal.
pub fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes a file under `dir`, creating its folders.
pub fn write(dir: &Path, rel: &str, content: &(impl AsRef<[u8]> + ?Sized)) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content.as_ref()).unwrap();
}

/// `git` in `dir` with a fixed identity and no user or system configuration.
pub fn git_command(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    cmd
}

/// Runs git in `dir` (see [`git_command`]); its trimmed standard output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_command(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub const MIGRATION_0001: &str = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n    operations = []\n";
pub const MIGRATION_0002: &str = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '0001_initial')]\n    operations = []\n";

/// A Django app `shop` with a model and two migrations, 0002 depending on 0001.
pub fn write_shop_app(dir: &Path) {
    write(dir, "shop/__init__.py", "");
    write(
        dir,
        "shop/models.py",
        "from django.db import models\n\n\nclass Order(models.Model):\n    pass\n",
    );
    write(dir, "shop/migrations/__init__.py", "");
    write(dir, "shop/migrations/0001_initial.py", MIGRATION_0001);
    write(dir, "shop/migrations/0002_order_total.py", MIGRATION_0002);
}

/// (code, path) of every finding of a `--format json` report.
pub fn codes_and_paths(json: &str) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().into(),
                d["path"].as_str().unwrap().into(),
            )
        })
        .collect()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the engine on a directory the way `guardrail check DIR` does (its own
/// configuration included), with paths shown relative to the directory.
pub fn check_dir(dir: &Path) -> Report {
    let loaded = config::load(dir, None).expect("fixture config loads");
    let settings =
        Settings::resolve(loaded.as_ref(), &CliOverrides::default()).expect("settings resolve");
    let fixture_changes = dir.join(guardrail::input::changes::FIXTURE_FILE);
    let changes = fixture_changes.is_file().then(|| {
        guardrail::input::changes::FixtureChangeSet::load(&fixture_changes)
            .expect("fixture history loads")
    });
    let mut report = engine::check(
        dir,
        &settings,
        changes
            .as_ref()
            .map(|c| c as &dyn guardrail::input::changes::ChangeSet),
    )
    .expect("engine runs");
    report.prefix = String::new();
    report
}

/// Pretty output without colour or timing, for snapshots.
pub fn pretty(report: Report) -> String {
    let outcome = Outcome {
        reports: vec![report],
        elapsed: Duration::ZERO,
    };
    render::render(
        Format::Pretty,
        &outcome,
        &PrettyOptions {
            color: false,
            width: 100,
            summary: false,
        },
    )
}

pub fn json(report: Report) -> String {
    let outcome = Outcome {
        reports: vec![report],
        elapsed: Duration::ZERO,
    };
    render::render(Format::Json, &outcome, &PrettyOptions::default())
}
