//! The Docker family end to end: incident 1b.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::string_slice,
    clippy::indexing_slicing
)] // test code: a panic is a failure report

mod common;

use common::{check_dir, repo_root};

#[test]
fn incident_dockerfile_yields_order_and_import_chain() {
    let report = check_dir(&repo_root().join("fixtures/docker/app_code_before_deps/invalid"));
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == guardrail::core::severity::Severity::Error)
        .map(|d| {
            (
                d.rule.slug,
                d.position.map(|p| p.start_line),
                d.message.clone(),
            )
        })
        .collect();
    assert!(
        errors
            .iter()
            .any(|(r, l, _)| *r == "docker/app-code-before-deps" && *l == Some(4)),
        "{errors:#?}"
    );
    let pytz = report
        .diagnostics
        .iter()
        .find(|d| {
            d.rule.slug == "docker/build-time-import-not-installed" && d.message.contains("`pytz`")
        })
        .expect("the deep check names pytz");
    let chain: Vec<&str> = pytz
        .labels
        .iter()
        .filter_map(|l| l.path.as_ref().map(|p| p.as_str()))
        .collect();
    assert_eq!(
        chain,
        [
            "manage.py",
            "config/settings.py",
            "apps/tenants/models.py",
            "apps/core/choices.py"
        ],
        "the import chain, file by file"
    );
    assert!(pytz.note.as_deref().unwrap().contains(
        "manage.py -> config/settings.py -> apps/tenants/models.py -> apps/core/choices.py"
    ));
}

#[test]
fn corrected_dockerfile_yields_nothing() {
    let dir = tempfile::TempDir::new().unwrap();
    let src = repo_root().join("fixtures/docker/app_code_before_deps/valid");
    // The valid fixture's root Dockerfile is the incident's, corrected; copy the project
    // without the extra Dockerfiles of that fixture.
    for entry in [
        "manage.py",
        "config",
        "apps",
        "requirements",
        ".dockerignore",
        "Dockerfile",
    ] {
        let from = src.join(entry);
        let to = dir.path().join(entry);
        copy(&from, &to);
    }
    let report = check_dir(dir.path());
    let found: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.rule.code, d.message))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

fn copy(from: &std::path::Path, to: &std::path::Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}
