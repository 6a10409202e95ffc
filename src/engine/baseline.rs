//! Baselines: adopt guardrail on a repository that already has findings. A baseline file
//! records the current findings by fingerprint; a later run reports only findings that
//! are not in it, and lists the entries that no longer occur so the file shrinks. The
//! fingerprint is the rule, the path and the normalised text under the finding (not its
//! line), so it holds when lines move; SARIF's `partialFingerprints` are the same value.
//!
//! The file is JSON, sorted, one entry per finding: deterministic and reviewable in a
//! diff.

use crate::core::error::ToolError;
use crate::engine::Report;
use crate::lint::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The largest baseline file read.
const MAX_BASELINE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub code: String,
    pub fingerprint: String,
    /// For the reader of the file; not part of the match.
    pub message: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// The fingerprint of a finding: rule, path (relative to its scan root, so the same
/// wherever guardrail is run from) and the whitespace-normalised text
/// under its span (the message for findings without one), hashed with FNV-1a.
pub fn fingerprint(report: &Report, d: &Diagnostic) -> String {
    let snippet = d
        .span
        .and_then(|span| report.sources.get(&d.path).map(|s| s.slice(span)))
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| d.message.clone());
    let key = format!("{}\u{0}{}\u{0}{}", d.rule.code, d.path, snippet);
    format!("{:016x}", fnv1a(key.as_bytes()))
}

/// FNV-1a, 64-bit: tiny, stable across platforms and Rust versions (unlike `Hasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn entry(report: &Report, d: &Diagnostic) -> Entry {
    Entry {
        path: d.path.to_string(),
        code: d.rule.code.to_string(),
        fingerprint: fingerprint(report, d),
        message: d.message.clone(),
    }
}

/// The baseline of every finding of these reports, sorted.
pub fn of_reports(reports: &[Report]) -> Baseline {
    let mut findings: Vec<Entry> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| entry(r, d)))
        .collect();
    findings.sort();
    Baseline {
        version: 1,
        findings,
    }
}

impl Baseline {
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn read(path: &Path) -> Result<Self, ToolError> {
        use std::io::Read;
        let display = path.display().to_string();
        let io = |source| ToolError::Io {
            path: display.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() || meta.len() > MAX_BASELINE_BYTES {
            return Err(ToolError::Usage(format!(
                "baseline `{display}` is not a regular file of at most {MAX_BASELINE_BYTES} bytes"
            )));
        }
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_BASELINE_BYTES).read_to_string(&mut text))
            .map_err(io)?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            ToolError::Usage(format!(
                "baseline `{display}` is not a guardrail baseline: {e} (write one with --write-baseline)"
            ))
        })?;
        if baseline.version != 1 {
            return Err(ToolError::Usage(format!(
                "baseline `{display}` has version {}; this guardrail reads version 1",
                baseline.version
            )));
        }
        Ok(baseline)
    }

    /// Removes the findings the baseline holds (each entry matches one finding) and
    /// returns the entries that matched nothing: fixed since, to be removed from the file.
    pub fn apply(&self, reports: &mut [Report]) -> Vec<Entry> {
        let key =
            |path: &str, code: &str, fp: &str| (path.to_string(), code.to_string(), fp.to_string());
        let mut left: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        for e in &self.findings {
            *left
                .entry(key(&e.path, &e.code, &e.fingerprint))
                .or_default() += 1;
        }
        for report in reports.iter_mut() {
            let keys: Vec<(String, String)> = report
                .diagnostics
                .iter()
                .map(|d| (d.path.to_string(), fingerprint(report, d)))
                .collect();
            let mut keep = Vec::with_capacity(report.diagnostics.len());
            let mut known = 0;
            for (d, (path, fp)) in std::mem::take(&mut report.diagnostics)
                .into_iter()
                .zip(keys)
            {
                match left.get_mut(&key(&path, d.rule.code, &fp)) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        known += 1;
                    }
                    _ => keep.push(d),
                }
            }
            report.diagnostics = keep;
            report.recount();
            report.summary.baselined += known;
        }
        let mut gone = Vec::new();
        for e in &self.findings {
            if let Some(n) = left.get_mut(&key(&e.path, &e.code, &e.fingerprint))
                && *n > 0
            {
                *n -= 1;
                gone.push(e.clone());
            }
        }
        gone
    }
}
