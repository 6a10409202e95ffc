//! The formats for other CI systems: GitLab Code Quality validated against its schema
//! (tests/schema, written from GitLab's field table), JUnit against Jenkins' junit-10.xsd
//! (with xmllint, when asked) and JUnit and Checkstyle read back as
//! XML with the structure their readers require.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::string_slice,
    clippy::indexing_slicing
)]

mod common;

use common::{check_dir, repo_root};
use guardrail::render::{self, Format, Outcome, PrettyOptions};
use std::time::Duration;

fn render_fixtures(format: Format) -> String {
    let reports = [
        "compose/obsolete_version_key/invalid",
        "docker/app_code_before_deps/invalid",
        "security/missing_access_file/invalid",
    ]
    .iter()
    .map(|f| check_dir(&repo_root().join("fixtures").join(f)))
    .collect();
    let outcome = Outcome {
        reports,
        elapsed: Duration::from_millis(12),
    };
    render::render(format, &outcome, &PrettyOptions::default())
}

fn gitlab_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("tests/schema/gitlab-code-quality.json"))
            .unwrap(),
    )
    .unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("gitlab.json", schema).unwrap();
    let id = compiler.compile("gitlab.json", &mut schemas).unwrap();
    (schemas, id)
}

#[test]
fn gitlab_code_quality_validates_against_the_schema() {
    let report: serde_json::Value = serde_json::from_str(&render_fixtures(Format::Gitlab)).unwrap();
    let issues = report.as_array().unwrap();
    assert!(issues.len() >= 3, "{report:#}");
    let (schemas, id) = gitlab_schema();
    if let Err(e) = schemas.validate(&report, id) {
        panic!("GitLab report does not validate:\n{e:#}");
    }
    let fingerprints: std::collections::BTreeSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), issues.len(), "fingerprints are unique");
    // The schema can fail: a bad severity is caught.
    let mut bad = report.clone();
    bad[0]["severity"] = serde_json::json!("error");
    assert!(schemas.validate(&bad, id).is_err());
}

#[test]
fn junit_has_a_failure_per_finding() {
    let text = render_fixtures(Format::Junit);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    let json: serde_json::Value = serde_json::from_str(&render_fixtures(Format::Json)).unwrap();
    assert_eq!(
        failures.len(),
        json["diagnostics"].as_array().unwrap().len()
    );
    for suite in root.children().filter(|n| n.is_element()) {
        assert_eq!(suite.tag_name().name(), "testsuite");
        for attr in ["name", "tests", "failures"] {
            assert!(suite.attribute(attr).is_some(), "testsuite@{attr}");
        }
        for case in suite.children().filter(|n| n.is_element()) {
            assert_eq!(case.tag_name().name(), "testcase");
            assert!(case.attribute("name").is_some() && case.attribute("classname").is_some());
        }
    }
    assert!(
        failures
            .iter()
            .all(|f| f.attribute("message").is_some_and(|m| !m.is_empty()))
    );
}

#[test]
fn checkstyle_lists_errors_by_file() {
    let text = render_fixtures(Format::Checkstyle);
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "checkstyle");
    let errors: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("error"))
        .collect();
    assert!(!errors.is_empty());
    for e in errors {
        for attr in ["line", "column", "severity", "message", "source"] {
            assert!(e.attribute(attr).is_some(), "error@{attr}");
        }
        assert!(
            e.parent()
                .is_some_and(|p| p.has_tag_name("file") && p.attribute("name").is_some())
        );
    }
}

/// JUnit against the published schema (Jenkins xUnit's `junit-10.xsd`, in tests/schema)
/// with `xmllint` (Debian's libxml2-utils): not a dependency of the suite, so ignored
/// unless asked: `cargo test --test formats -- --ignored`.
#[test]
#[ignore = "needs xmllint (apt-get install libxml2-utils): cargo test --test formats -- --ignored"]
fn junit_validates_against_the_published_schema() {
    let dir = tempfile::TempDir::new().unwrap();
    let schema = repo_root().join("tests/schema/junit-10.xsd");
    let validate = |text: &str| {
        let file = dir.path().join("report.xml");
        std::fs::write(&file, text).unwrap();
        let out = std::process::Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&schema)
            .arg(&file)
            .output()
            .expect("xmllint runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let text = render_fixtures(Format::Junit);
    let (ok, err) = validate(&text);
    assert!(ok, "{err}\n{text}");
    // The schema can fail: a suite without its name is refused.
    let (ok, _) = validate(&text.replacen("<testsuite name=", "<testsuite nom=", 1));
    assert!(!ok);
}
