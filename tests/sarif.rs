//! The SARIF output validates against the official 2.1.0 schema (committed under
//! tests/schema) and carries what GitHub code scanning needs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::string_slice,
    clippy::indexing_slicing
)] // test code: a panic is a failure report

mod common;

use common::{check_dir, repo_root};
use guardrail::render::{self, Format, Outcome, PrettyOptions};
use std::time::Duration;

fn sarif_for(fixtures: &[&str]) -> serde_json::Value {
    let reports = fixtures
        .iter()
        .map(|f| {
            let mut r = check_dir(&repo_root().join("fixtures").join(f));
            r.prefix = format!("fixtures/{f}");
            r
        })
        .collect();
    let outcome = Outcome {
        reports,
        elapsed: Duration::ZERO,
    };
    let text = render::render(Format::Sarif, &outcome, &PrettyOptions::default());
    serde_json::from_str(&text).expect("SARIF is JSON")
}

fn validate(instance: &serde_json::Value) {
    let schema_path = repo_root().join("tests/schema/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource("sarif-schema.json", schema).unwrap();
    let id = compiler.compile("sarif-schema.json", &mut schemas).unwrap();
    if let Err(e) = schemas.validate(instance, id) {
        panic!("SARIF does not validate:\n{e:#}");
    }
}

#[test]
fn sarif_validates_against_the_schema() {
    let log = sarif_for(&[
        "compose/obsolete_version_key/invalid",
        "guardrail/skipped_file/invalid",
        "guardrail/unused_suppression/invalid",
        "guardrail/parse_error/invalid",
    ]);
    validate(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() >= 6, "{results:#?}");
}

#[test]
fn schema_validation_rejects_a_broken_log() {
    // The validator itself must be able to fail.
    let mut log = sarif_for(&["compose/obsolete_version_key/invalid"]);
    log["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    let schema_path = repo_root().join("tests/schema/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("sarif-schema.json", schema).unwrap();
    let id = compiler.compile("sarif-schema.json", &mut schemas).unwrap();
    assert!(schemas.validate(&log, id).is_err());
}

#[test]
fn sarif_has_what_code_scanning_needs() {
    let log = sarif_for(&["compose/obsolete_version_key/invalid"]);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), guardrail::rules::all().len());
    for rule in rules {
        for key in [
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(!rule[key].is_null(), "rule {} has no {key}", rule["id"]);
        }
    }
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "GR501");
    assert_eq!(result["level"], "warning");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "GR501",
        "ruleIndex points at the rule"
    );
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "fixtures/compose/obsolete_version_key/invalid/docker-compose.yml"
    );
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(loc["region"]["endColumn"], 8);
    let fp = result["partialFingerprints"]["guardrail/v1"]
        .as_str()
        .unwrap();
    assert_eq!(fp.len(), 16);
    // Stable across runs.
    let again = sarif_for(&["compose/obsolete_version_key/invalid"]);
    assert_eq!(
        again["runs"][0]["results"][0]["partialFingerprints"]["guardrail/v1"],
        fp
    );
}
