//! A pack rule's `[[rule.tests]]`: each example is a file's text (or, for tree
//! matchers, a list of paths) that the rule must report (`should-match`) or must not
//! (`should-not-match`). `guardrail rules test` runs them and reports each failure at
//! its span in the pack; the test suite runs them for every pack it ships.

use super::PackRule;
use crate::core::kind::classify;
use crate::core::path::RelPath;
use crate::index::{FileEntry, FileFailure};
use serde::Deserialize;
use std::ops::Range;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TestSpec {
    /// The example's path (default: a path the rule reads, by its kinds).
    pub path: Option<String>,
    pub should_match: Option<Example>,
    pub should_not_match: Option<Example>,
}

/// A file's text, or the paths of a tree.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Example {
    Text(String),
    Tree(Vec<String>),
}

/// A failing example, at its span in the pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub span: Range<usize>,
    pub message: String,
}

/// Paths tried, in order, for an example without `path`.
const DEFAULT_PATHS: &[&str] = &[
    "src/example.ts",
    "src/example.tsx",
    "src/example.js",
    "app/example.py",
    "Dockerfile",
    "docker-compose.yml",
    ".github/workflows/ci.yml",
    "config.yml",
    "pyproject.toml",
    "config.toml",
    "settings.py",
    "requirements.txt",
    ".env",
];

/// Runs every example of `rule`.
pub fn run(rule: &PackRule) -> Vec<Failure> {
    let mut failures = Vec::new();
    if rule.tests.is_empty() {
        failures.push(Failure {
            span: rule.span.clone(),
            message: format!(
                "rule `{}` has no examples: add a `[[rule.tests]]` with `should-match` and one with `should-not-match`",
                rule.meta.code
            ),
        });
    }
    for test in &rule.tests {
        if let Err(message) = run_one(rule, test.get_ref()) {
            failures.push(Failure {
                span: test.span(),
                message,
            });
        }
    }
    failures
}

fn run_one(rule: &PackRule, test: &TestSpec) -> Result<(), String> {
    let code = rule.meta.code;
    let (example, expected) = match (&test.should_match, &test.should_not_match) {
        (Some(e), None) => (e, true),
        (None, Some(e)) => (e, false),
        _ => {
            return Err(
                "an example has exactly one of `should-match` and `should-not-match`".into(),
            );
        }
    };
    let found = match (example, rule.matcher.is_tree()) {
        (Example::Tree(paths), true) => {
            let paths: Vec<&str> = paths
                .iter()
                .map(|p| p.trim_start_matches("./"))
                .filter(|p| !rule.filter.exclude.as_ref().is_some_and(|e| e.is_match(p)))
                .collect();
            rule.matcher.check_tree(&paths).len()
        }
        (Example::Text(text), false) => {
            let path = match &test.path {
                Some(p) => {
                    let p = p.trim_start_matches("./");
                    if !rule.filter.applies(p, classify(p)) {
                        return Err(format!(
                            "`{p}` is not a file rule `{code}` reads (its `files`, `kinds` or `exclude`)"
                        ));
                    }
                    p.to_string()
                }
                None => DEFAULT_PATHS
                    .iter()
                    .find(|p| rule.filter.applies(p, classify(p)))
                    .map(|p| p.to_string())
                    .ok_or_else(|| format!("give the example a `path` that rule `{code}` reads"))?,
            };
            let entry =
                FileEntry::from_text(RelPath::new(path.clone()), classify(&path), text.clone());
            let mut out = Vec::new();
            rule.check_entry(&entry, &mut out);
            if let Some(FileFailure::Parse(p)) = entry.failure() {
                return Err(format!(
                    "the example `{path}` does not parse: {}",
                    p.message
                ));
            }
            out.len()
        }
        (Example::Tree(_), false) => {
            return Err(format!(
                "rule `{code}` reads file contents: its examples are text (a `\"\"\"` string), not a list of paths"
            ));
        }
        (Example::Text(_), true) => {
            return Err(format!(
                "rule `{code}` reads the tree's paths: its examples are lists of paths (`[\"a/b.py\"]`)"
            ));
        }
    };
    match (expected, found) {
        (true, 0) => Err(format!(
            "rule `{code}` does not report its should-match example"
        )),
        (false, n) if n > 0 => Err(format!(
            "rule `{code}` reports its should-not-match example ({n} finding{})",
            if n == 1 { "" } else { "s" }
        )),
        _ => Ok(()),
    }
}
