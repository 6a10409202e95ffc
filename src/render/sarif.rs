//! SARIF 2.1.0 for GitHub code scanning, hand-written serde structs: the part of the
//! schema we emit is small, and the `serde-sarif` crate needs serde features we do not
//! otherwise build. `tests/sarif.rs` validates the output against
//! the official schema.

use super::Outcome;
use crate::core::severity::Severity;
use crate::engine::Report;
use crate::lint::diagnostic::Diagnostic;
use crate::rules;
use serde::Serialize;

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    precision: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    physical_location: PhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "guardrail/v1")]
    v1: String,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(outcome: &Outcome) -> String {
    let mut all: Vec<&'static crate::lint::rule::RuleMeta> =
        rules::all().iter().map(|r| r.meta()).collect();
    for report in &outcome.reports {
        for m in &report.pack_rules {
            if !all.contains(m) {
                all.push(m);
            }
        }
    }
    let docs_url = outcome.reports.iter().find_map(|r| r.docs_url.as_deref());
    let descriptors = all
        .iter()
        .map(|m| {
            let doc = m.doc_text();
            ReportingDescriptor {
                id: m.code,
                name: m.slug,
                short_description: Text {
                    text: m.summary.to_string(),
                },
                full_description: Text {
                    text: m
                        .doc_section("What it does")
                        .unwrap_or_else(|| m.summary.to_string()),
                },
                help_uri: docs_url.map(|u| u.replace("{code}", m.code).replace("{slug}", m.slug)),
                help: Help {
                    text: doc.clone(),
                    markdown: doc,
                },
                default_configuration: Configuration {
                    level: level(m.severity),
                },
                properties: RuleProperties {
                    tags: vec![m.family()],
                    precision: "high",
                },
            }
        })
        .collect();
    let mut results = Vec::new();
    for report in &outcome.reports {
        for d in &report.diagnostics {
            results.push(result(report, d, &all));
        }
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "guardrail",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: descriptors,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    let mut out = serde_json::to_string_pretty(&log)
        .unwrap_or_else(|e| format!("{{\"error\": \"could not serialise: {e}\"}}"));
    out.push('\n');
    out
}

fn result(report: &Report, d: &Diagnostic, all: &[&crate::lint::rule::RuleMeta]) -> SarifResult {
    let rule_index = all.iter().position(|m| *m == d.rule).unwrap_or(0);
    let mut text = d.message.clone();
    if let Some(note) = &d.note {
        text.push_str("\n\n");
        text.push_str(note);
    }
    if let Some(help) = &d.help {
        text.push_str("\n\nHelp: ");
        text.push_str(help);
    }
    let related_locations = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| RelatedLocation {
            id: i + 1,
            physical_location: PhysicalLocation {
                artifact_location: artifact(report, l.path.as_ref().unwrap_or(&d.path)),
                region: l.position.map(region),
            },
            message: Text {
                text: l.message.clone(),
            },
        })
        .collect();
    SarifResult {
        rule_id: d.rule.code,
        rule_index,
        level: level(d.severity),
        message: Text { text },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: artifact(report, &d.path),
                region: d.position.map(region),
            },
        }],
        related_locations,
        partial_fingerprints: Fingerprints {
            v1: crate::engine::baseline::fingerprint(report, d),
        },
    }
}

fn artifact(report: &Report, path: &crate::core::path::RelPath) -> ArtifactLocation {
    ArtifactLocation {
        uri: report.display_path(path),
        uri_base_id: "%SRCROOT%",
    }
}

fn region(p: crate::core::source::Position) -> Region {
    Region {
        start_line: p.start_line,
        start_column: p.start_column,
        end_line: p.end_line,
        end_column: p.end_column,
    }
}
