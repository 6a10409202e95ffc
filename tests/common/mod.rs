//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

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

/// Runs git in `dir` with a fixed identity and no user or system configuration.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
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
