//! guardrail's stable JSON (version 1). Paths are relative to the scan root, lines and
//! columns 1-based, `end_column` one past the last character. Fields may be added in
//! later versions; these never change meaning.

use super::Outcome;
use serde::Serialize;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    path: &'a str,
    span: Option<crate::core::source::Position>,
    /// What breaks in production.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonSummary {
    files_scanned: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

pub fn render(outcome: &Outcome) -> String {
    let summary = outcome.summary();
    let report = JsonReport {
        version: 1,
        diagnostics: outcome
            .reports
            .iter()
            .flat_map(|r| r.diagnostics.iter())
            .map(|d| JsonDiagnostic {
                code: d.rule.code,
                rule: d.rule.slug,
                severity: d.severity.as_str(),
                message: &d.message,
                path: d.path.as_str(),
                span: d.position,
                note: d.note.as_deref(),
                help: d.help.as_deref(),
            })
            .collect(),
        summary: JsonSummary {
            files_scanned: summary.files_scanned,
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
        },
    };
    let mut out = serde_json::to_string_pretty(&report)
        .unwrap_or_else(|e| format!("{{\"version\": 1, \"error\": \"could not serialise: {e}\"}}"));
    out.push('\n');
    out
}
