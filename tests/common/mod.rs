//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use guardrail::config::{self, CliOverrides, Settings};
use guardrail::engine::{self, Report};
use guardrail::render::{self, Format, Outcome, PrettyOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

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
