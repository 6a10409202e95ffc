//! The README's rule table is generated from the registry and must not go stale.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::string_slice,
    clippy::indexing_slicing
)] // test code: a panic is a failure report

use guardrail::cli::{RulesFormat, rules_listing};

#[test]
fn readme_rule_table_is_current() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("<!-- rules:start -->\n").expect("start marker")
        + "<!-- rules:start -->\n".len();
    let end = readme.find("<!-- rules:end -->").expect("end marker");
    let expected = rules_listing(guardrail::rules::all(), RulesFormat::Markdown);
    assert_eq!(
        &readme[start..end],
        expected,
        "README rule table is stale: replace it with `guardrail rules --format markdown`"
    );
}

#[test]
fn readme_gives_the_two_commands() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("cargo run --release -- check ."));
    assert!(readme.contains("cargo test --locked"));
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        ci.contains("cargo test --locked"),
        ".ci/run runs the README's test command"
    );
}

/// `docs/rules/<code>.md`, one page per rule, generated from the registry
/// (`GUARDRAIL_UPDATE_DOCS=1 cargo test --test readme` rewrites them).
#[test]
fn rule_doc_pages_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let update = std::env::var_os("GUARDRAIL_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for rule in guardrail::rules::all() {
        let path = dir.join(format!("{}.md", rule.meta().code));
        let expected = guardrail::cli::rule_page(*rule);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &expected).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    let listed: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(
        listed.len(),
        guardrail::rules::all().len(),
        "a page for a rule that is gone"
    );
    assert!(
        stale.is_empty(),
        "stale rule pages (GUARDRAIL_UPDATE_DOCS=1 cargo test --test readme): {stale:?}"
    );
}
