//! GitLab Code Quality report (`artifacts: reports: codequality`): a JSON array of
//! Code Climate issues, the subset GitLab reads (description, check_name, fingerprint,
//! severity, location.path, location.lines.begin). Paths as the user gave them, so the
//! merge request widget finds the file; the fingerprint is the baseline's, stable when
//! lines move.

use super::Outcome;
use crate::core::severity::Severity;
use crate::engine::baseline::fingerprint;
use serde::Serialize;

#[derive(Serialize)]
struct Issue {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    categories: [&'static str; 1],
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub fn render(outcome: &Outcome) -> String {
    // GitLab wants one fingerprint per issue: the root (several may be checked) and an
    // occurrence number tell apart findings that are otherwise the same.
    let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut unique = |r: &crate::engine::Report, d: &crate::lint::diagnostic::Diagnostic| {
        let base = format!("{}-{}", fingerprint(r, d), fnv_root(&r.prefix));
        let n = seen.entry(base.clone()).or_default();
        *n += 1;
        if *n == 1 { base } else { format!("{base}-{n}") }
    };
    let issues: Vec<Issue> = outcome
        .reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)))
        .map(|(r, d)| Issue {
            kind: "issue",
            description: format!("{} ({})", d.message, d.rule.code),
            check_name: d.rule.slug.to_string(),
            fingerprint: unique(r, d),
            severity: match d.severity {
                Severity::Error => "critical",
                Severity::Warning => "major",
                Severity::Info => "info",
            },
            categories: ["Bug Risk"],
            location: Location {
                path: r.display_path(&d.path),
                lines: Lines {
                    begin: d.position.map_or(1, |p| p.start_line),
                    end: d.position.map_or(1, |p| p.end_line),
                },
            },
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into());
    out.push('\n');
    out
}

/// A short stable tag of a scan root's name.
fn fnv_root(root: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for b in root.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}
