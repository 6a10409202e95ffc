//! The middleware family end to end: incident 1c, and the role table extended by config.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::string_slice,
    clippy::indexing_slicing
)] // test code: a panic is a failure report

mod common;

use common::{check_dir, repo_root};
use std::fs;
use tempfile::TempDir;

#[test]
fn incident_settings_yield_duplicate_role_with_evidence() {
    let report = check_dir(&repo_root().join("fixtures/middleware/duplicate_role/invalid/backend"));
    let found: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| (d.rule.slug, d.path.as_str()))
        .collect();
    assert_eq!(
        found,
        [("middleware/duplicate-role", "config/settings/base.py")]
    );
    let d = &report.diagnostics[0];
    assert_eq!(d.position.map(|p| p.start_line), Some(16));
    assert_eq!(
        d.labels.len(),
        2,
        "the first resolver, and the evidence in the project class"
    );
    let note = d.note.as_deref().unwrap();
    assert!(
        note.contains("it calls `connection.set_tenant` at apps/core/middleware.py:22"),
        "{note}"
    );
}

#[test]
fn without_the_custom_class_nothing_is_reported() {
    let report = check_dir(&repo_root().join("fixtures/middleware/duplicate_role/valid/backend"));
    let found: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.rule.code, d.message))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn config_extends_the_role_table() {
    let dir = TempDir::new().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    write(
        "settings.py",
        "MIDDLEWARE = [\n    'corsheaders.middleware.CorsMiddleware',\n    'vendored.cors.EdgeCorsMiddleware',\n]\n",
    );
    let run = || {
        let mut r = check_dir(dir.path());
        r.diagnostics
            .retain(|d| d.rule.slug == "middleware/duplicate-role");
        r.diagnostics.len()
    };
    assert_eq!(run(), 0, "an unknown third-party class has no role");
    write(
        "guardrail.toml",
        "[[middleware.class]]\nclass = \"vendored.cors.EdgeCorsMiddleware\"\nrole = \"cors\"\n",
    );
    assert_eq!(
        run(),
        1,
        "with the config entry it is a second CORS middleware"
    );
}
