//! One module per output format behind one enum (oxc's `output_formatter/`). Every
//! format renders the same `Report` data.

mod github;
mod gitlab;
pub mod graph;
mod json;
mod pretty;
mod sarif;
mod xml;

use crate::engine::{Report, Summary};
use std::time::Duration;

pub use pretty::PrettyOptions;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// miette reports with source snippets, a note and a help (for people).
    Pretty,
    /// guardrail's stable JSON schema (version 1).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// GitLab Code Quality report (`artifacts: reports: codequality`).
    Gitlab,
    /// JUnit XML (one test case per rule and file; CI test report widgets).
    Junit,
    /// Checkstyle XML (Jenkins warnings-ng, reviewdog).
    Checkstyle,
}

/// Everything a run found, over every scan root.
pub struct Outcome {
    pub reports: Vec<Report>,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn summary(&self) -> Summary {
        let mut total = Summary::default();
        for r in &self.reports {
            total.add(&r.summary);
        }
        total
    }
}

pub fn render(format: Format, outcome: &Outcome, pretty: &PrettyOptions) -> String {
    match format {
        Format::Pretty => pretty::render(outcome, pretty),
        Format::Json => json::render(outcome),
        Format::Sarif => sarif::render(outcome),
        Format::Github => github::render(outcome),
        Format::Gitlab => gitlab::render(outcome),
        Format::Junit => xml::junit(outcome),
        Format::Checkstyle => xml::checkstyle(outcome),
    }
}

/// The one-line summary printed at the end of a pretty run (and on stderr for github).
pub fn summary_line(outcome: &Outcome) -> String {
    let s = outcome.summary();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut line = format!(
        "guardrail: {} scanned in {} ms: {}, {}, {}",
        plural(s.files_scanned, "file"),
        outcome.elapsed.as_millis(),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info"),
    );
    let mut extra = Vec::new();
    if s.skipped > 0 {
        extra.push(format!("{} skipped", plural(s.skipped, "file")));
    }
    if s.suppressed > 0 {
        extra.push(format!("{} suppressed", plural(s.suppressed, "finding")));
    }
    if s.baselined > 0 {
        extra.push(format!(
            "{} in the baseline",
            plural(s.baselined, "finding")
        ));
    }
    if s.outside_change > 0 {
        extra.push(format!(
            "{} outside the change",
            plural(s.outside_change, "finding")
        ));
    }
    if !extra.is_empty() {
        line.push_str(&format!(" ({})", extra.join(", ")));
    }
    let mut notes: Vec<&str> = outcome
        .reports
        .iter()
        .flat_map(|r| r.notes.iter().map(String::as_str))
        .collect();
    notes.dedup();
    for note in notes {
        line.push_str("\nguardrail: ");
        line.push_str(note);
    }
    line
}
