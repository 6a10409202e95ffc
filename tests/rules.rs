//! Every rule has a fixture that must trigger it and one that must not, and a reviewed
//! snapshot of what it prints on the first. Fixtures are scanned with every rule
//! enabled (suppressions and configuration behave as in a real run); the snapshot holds
//! the findings of the rule under test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod common;

use common::{check_dir, pretty, repo_root};
use guardrail::rules;
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

#[test]
fn every_rule_has_fixtures_and_a_snapshot() {
    let mut missing = Vec::new();
    for rule in rules::all() {
        let m = rule.meta();
        let dir = fixture_dir(m.slug);
        for sub in ["invalid", "valid"] {
            if !dir.join(sub).is_dir() {
                missing.push(format!("{}: no {}", m.slug, dir.join(sub).display()));
            }
        }
        let snap = repo_root()
            .join("tests/snapshots")
            .join(format!("rules__{}.snap", snapshot_name(m.slug)));
        if !snap.is_file() {
            missing.push(format!("{}: no snapshot {}", m.slug, snap.display()));
        }
    }
    assert!(
        missing.is_empty(),
        "incomplete rules:\n{}",
        missing.join("\n")
    );
}

#[test]
fn invalid_fixtures_trigger_their_rule() {
    for rule in rules::all() {
        let m = rule.meta();
        let dir = fixture_dir(m.slug).join("invalid");
        let mut report = check_dir(&dir);
        report.diagnostics.retain(|d| d.rule == m);
        assert!(
            !report.diagnostics.is_empty(),
            "{} did not fire on {}",
            m.slug,
            dir.display()
        );
        for d in &report.diagnostics {
            assert!(!d.message.is_empty(), "{}: empty message", m.slug);
            assert!(d.help.is_some(), "{}: a finding without help", m.slug);
            assert!(d.note.is_some(), "{}: a finding without a note", m.slug);
        }
        insta::assert_snapshot!(snapshot_name(m.slug), pretty(report));
    }
}

#[test]
fn valid_fixtures_do_not_trigger_their_rule() {
    for rule in rules::all() {
        let m = rule.meta();
        let dir = fixture_dir(m.slug).join("valid");
        let report = check_dir(&dir);
        let found: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == m)
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect();
        assert!(
            found.is_empty(),
            "{} fired on {}: {found:#?}",
            m.slug,
            dir.display()
        );
    }
}
