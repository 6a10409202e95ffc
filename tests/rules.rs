//! One test per rule, runnable alone (`cargo test --test rules docker::app_code_before_deps`).
//! A rule's fixture folder holds cases: every folder named `invalid` or `invalid-<shape>`
//! must trigger the rule, and its reviewed snapshot holds what it prints; every folder
//! named `valid` or `valid-<shape>` must not. Fixtures are scanned with every rule
//! enabled (suppressions and configuration behave as in a real run); a snapshot holds
//! the findings of the rule under test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::string_slice,
    clippy::indexing_slicing
)] // test code: a panic is a failure report

mod common;

use ::guardrail::rules;
use common::{check_dir, pretty, repo_root};
use std::path::PathBuf;

fn fixture_dir(slug: &str) -> PathBuf {
    let (family, name) = slug.split_once('/').expect("slug has a family");
    repo_root()
        .join("fixtures")
        .join(family)
        .join(name.replace('-', "_"))
}

fn snapshot_name(slug: &str) -> String {
    slug.replace('/', "__").replace('-', "_")
}

/// Checks every case of one rule; all failures are reported together.
fn check_rule(family: &str, name: &str) {
    let slug = format!("{family}/{}", name.replace('_', "-"));
    let rule = rules::find(&slug).unwrap_or_else(|| panic!("no rule {slug}"));
    let m = rule.meta();
    let dir = fixture_dir(m.slug);
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{slug}: no fixtures at {}: {e}", dir.display()))
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    cases.sort();
    let names: Vec<&str> = cases.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"invalid") && names.contains(&"valid"),
        "{slug}: needs `invalid` and `valid` fixture folders, has {names:?}"
    );
    let mut failures = Vec::new();
    let mut snapshots = Vec::new();
    for (case, path) in &cases {
        let mut report = check_dir(path);
        report.diagnostics.retain(|d| d.rule == m);
        if case == "invalid" || case.starts_with("invalid-") {
            if report.diagnostics.is_empty() {
                failures.push(format!("did not fire on {}", path.display()));
                continue;
            }
            for d in &report.diagnostics {
                if d.message.is_empty() || d.help.is_none() || d.note.is_none() {
                    failures.push(format!("{case}: a finding without message, note or help"));
                }
            }
            let snapshot = match case.strip_prefix("invalid-") {
                None => snapshot_name(m.slug),
                Some(shape) => format!("{}@{}", snapshot_name(m.slug), shape.replace('-', "_")),
            };
            snapshots.push((snapshot, report));
        } else if case == "valid" || case.starts_with("valid-") {
            let found: Vec<String> = report
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.path, d.message))
                .collect();
            if !found.is_empty() {
                failures.push(format!("fired on {}: {found:#?}", path.display()));
            }
        } else {
            failures.push(format!(
                "{case}: a case folder is named valid[-shape] or invalid[-shape]"
            ));
        }
    }
    // Every case is checked before any snapshot: a changed snapshot never hides a case
    // that stopped firing or started to.
    assert!(failures.is_empty(), "{slug}:\n{}", failures.join("\n"));
    for (snapshot, report) in snapshots {
        insta::assert_snapshot!(snapshot, pretty(report));
    }
}

/// One `#[test]` per rule, in a module per family.
macro_rules! rule_tests {
    ($($family:ident { $($rule:ident),* $(,)? })*) => {
        $(mod $family {
            $(#[test]
            fn $rule() {
                super::check_rule(stringify!($family), stringify!($rule));
            })*
        })*
        const LISTED: &[(&str, &str)] = &[$($((stringify!($family), stringify!($rule)),)*)*];
    };
}

rule_tests! {
    guardrail { parse_error, unused_suppression, skipped_file }
    migrations { deleted_migration, edited_migration, missing_dependency, emptied_app, multiple_leaves, number_collision, ignored_by_vcs }
    security { missing_access_file, access_file_not_in_manifest, model_without_access, manifest_file_missing, access_row_unknown_model, malformed_access_file, security_file_not_loaded, transient_model_access, required_file }
    docker { app_code_before_deps, build_time_import_not_installed, copy_all_before_install, database_command_at_build, install_file_not_in_context, copy_of_ignored_path }
    middleware { duplicate, duplicate_role, order, missing_required, legacy_setting }
    compose { obsolete_version_key, depends_on_without_health_condition, healthy_condition_without_healthcheck, default_credentials, admin_credentials_in_worker }
}

#[test]
fn every_registered_rule_has_its_test_and_snapshot() {
    let mut missing = Vec::new();
    for rule in rules::all() {
        let m = rule.meta();
        let (family, name) = m.slug.split_once('/').expect("slug has a family");
        if !LISTED.contains(&(family, name.replace('-', "_").as_str())) {
            missing.push(format!(
                "{}: add it to rule_tests! in tests/rules.rs",
                m.slug
            ));
        }
        let snap = repo_root()
            .join("tests/snapshots")
            .join(format!("rules__{}.snap", snapshot_name(m.slug)));
        if !snap.is_file() {
            missing.push(format!("{}: no snapshot {}", m.slug, snap.display()));
        }
    }
    assert_eq!(
        LISTED.len(),
        rules::all().len(),
        "a listed rule is not registered"
    );
    assert!(
        missing.is_empty(),
        "incomplete rules:\n{}",
        missing.join("\n")
    );
}
