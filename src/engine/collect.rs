//! Collection: drops findings of rules that are not enabled, applies per-path ignores
//! and inline suppressions, reports unused suppressions, applies severity overrides,
//! resolves positions, then sorts and dedupes so output is the same on every run.

use crate::config::Settings;
use crate::core::path::RelPath;
use crate::core::source::SourceFile;
use crate::engine::suppress::{self, Directive};
use crate::index::{Index, Loaded};
use crate::lint::diagnostic::Diagnostic;
use crate::rules::guardrail::unused_suppression::UnusedSuppression;
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct Collected {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: BTreeMap<RelPath, Arc<SourceFile>>,
    pub suppressed: usize,
}

struct FileDirectives {
    directives: Vec<Directive>,
    /// `used[d][e]`: entry `e` of directive `d` suppressed something.
    used: Vec<Vec<bool>>,
}

pub fn collect(diagnostics: Vec<Diagnostic>, index: &Index, settings: &Settings) -> Collected {
    // Directives of every file read in this run.
    let mut directives: BTreeMap<RelPath, FileDirectives> = BTreeMap::new();
    for file in index.files() {
        if let Some(Loaded::Text(source)) = file.loaded() {
            let found = suppress::parse(source, file.kind.comment_syntax(), &settings.registry);
            if !found.is_empty() {
                let used = found.iter().map(|d| vec![false; d.entries.len()]).collect();
                directives.insert(
                    file.path.clone(),
                    FileDirectives {
                        directives: found,
                        used,
                    },
                );
            }
        }
    }

    let mut suppressed = 0;
    let mut kept = Vec::with_capacity(diagnostics.len());
    for mut d in diagnostics {
        if !settings.is_enabled(d.rule) {
            continue;
        }
        if settings.path_ignored(d.path.as_str(), d.rule) {
            suppressed += 1;
            continue;
        }
        let source = index.loaded_source(d.path.as_str());
        if let (Some(source), Some(span)) = (source, d.span) {
            d.position = Some(source.position(span));
        }
        if let Some(fd) = directives.get_mut(&d.path) {
            let line = d.position.map(|p| p.start_line);
            let mut hit = false;
            for (di, directive) in fd.directives.iter().enumerate() {
                if !directive.covers_line(line) {
                    continue;
                }
                for (ei, entry) in directive.entries.iter().enumerate() {
                    if entry.selector.as_ref().is_ok_and(|s| s.matches(d.rule)) {
                        hit = true;
                        if let Some(u) = fd.used.get_mut(di).and_then(|u| u.get_mut(ei)) {
                            *u = true;
                        }
                    }
                }
            }
            if hit {
                suppressed += 1;
                continue;
            }
        }
        kept.push(d);
    }

    if settings.is_enabled(&UnusedSuppression::META) {
        for (path, fd) in &directives {
            for (di, directive) in fd.directives.iter().enumerate() {
                kept.extend(unused(path, directive, fd.used.get(di), settings));
            }
        }
    }

    let mut sources = BTreeMap::new();
    for d in &mut kept {
        d.severity = settings.severity_for(d.rule, d.severity);
        if d.position.is_none()
            && let (Some(source), Some(span)) = (index.loaded_source(d.path.as_str()), d.span)
        {
            d.position = Some(source.position(span));
        }
        let own = d.path.clone();
        for label in &mut d.labels {
            let path = label.path.as_ref().unwrap_or(&own);
            if let Some(source) = index.loaded_source(path.as_str()) {
                label.position = Some(source.position(label.span));
                sources.insert(path.clone(), source.clone());
            }
        }
        if let Some(source) = index.loaded_source(d.path.as_str()) {
            sources.insert(d.path.clone(), source.clone());
        }
    }

    kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    kept.dedup_by(|a, b| {
        a.rule == b.rule && a.path == b.path && a.span == b.span && a.message == b.message
    });
    Collected {
        diagnostics: kept,
        sources,
        suppressed,
    }
}

fn unused(
    path: &RelPath,
    directive: &Directive,
    used: Option<&Vec<bool>>,
    settings: &Settings,
) -> Vec<Diagnostic> {
    let meta = &UnusedSuppression::META;
    let mut out = Vec::new();
    if directive.entries.is_empty() {
        out.push(
            Diagnostic::new(meta, path.clone(), "suppression names no rule")
                .span(directive.span)
                .label("no rule between brackets")
                .note("a suppression must name what it silences, or it silences nothing")
                .help(
                    "write `guardrail: ignore[GR501] reason` with the code or slug of the finding",
                ),
        );
        return out;
    }
    for (ei, entry) in directive.entries.iter().enumerate() {
        if used.and_then(|u| u.get(ei)).copied().unwrap_or(false) {
            continue;
        }
        match &entry.selector {
            Err(_) => out.push(
                Diagnostic::new(
                    meta,
                    path.clone(),
                    format!("suppression names an unknown rule `{}`", entry.text),
                )
                .span(entry.span)
                .label("unknown rule")
                .note("it suppresses nothing, while its author believes it does")
                .help("`guardrail rules` lists the codes and slugs; fix or remove the entry"),
            ),
            Ok(selector) => {
                let judged = settings
                    .rules
                    .iter()
                    .any(|r| selector.matches(r.meta()) && r.meta() != meta);
                if judged {
                    out.push(
                        Diagnostic::new(
                            meta,
                            path.clone(),
                            format!("unused suppression: no `{}` finding here", entry.text),
                        )
                        .span(entry.span)
                        .label("suppresses nothing")
                        .note("a stale suppression hides the next real finding on this line")
                        .help("remove the entry (or the whole comment)"),
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CliOverrides, Settings};
    use crate::core::severity::Severity;
    use crate::index::test_index;
    use crate::rules::compose::obsolete_version_key::ObsoleteVersionKey;

    fn finding(index: &Index, path: &str, line: usize) -> Diagnostic {
        let file = index.get(path).unwrap();
        let source = file.source().unwrap();
        Diagnostic::new(&ObsoleteVersionKey::META, file.path.clone(), "obsolete")
            .span(source.line_span(line).unwrap())
    }

    #[test]
    fn suppresses_sorts_dedupes_and_reports_unused_directives() {
        let (_d, index) = test_index(&[
            (
                "b/docker-compose.yml",
                "# guardrail: ignore[GR501] swarm\nversion: '3'\nservices: {}\n",
            ),
            (
                "a/docker-compose.yml",
                "version: '3'\n# guardrail: ignore[GR501] nothing here\nservices: {}\n",
            ),
        ]);
        let settings = Settings::resolve(None, &CliOverrides::default()).unwrap();
        let a = finding(&index, "a/docker-compose.yml", 1);
        let b = finding(&index, "b/docker-compose.yml", 2);
        // Given out of order and twice: sorted by path, and the duplicate dropped.
        let got = collect(vec![b, a.clone(), a], &index, &settings);
        assert_eq!(got.suppressed, 1, "b's finding is suppressed");
        let summary: Vec<(String, &str, Option<usize>)> = got
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.path.to_string(),
                    d.rule.code,
                    d.position.map(|p| p.start_line),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("a/docker-compose.yml".to_string(), "GR501", Some(1)),
                // a's directive covers line 3 only: it suppressed nothing.
                ("a/docker-compose.yml".to_string(), "GR002", Some(2)),
            ]
        );
        assert!(
            got.sources
                .contains_key(&RelPath::new("a/docker-compose.yml"))
        );
    }

    #[test]
    fn per_path_ignores_and_severity_overrides_apply() {
        let (_d, index) = test_index(&[
            ("legacy/docker-compose.yml", "version: '3'\n"),
            ("docker-compose.yml", "version: '3'\n"),
        ]);
        let loaded = crate::config::parse(
            "guardrail.toml",
            std::path::Path::new("guardrail.toml"),
            "[per-path-ignores]\n\"legacy/\" = [\"GR501\"]\n[severity]\nGR501 = \"error\"\n"
                .to_string(),
            false,
        )
        .unwrap();
        let settings = Settings::resolve(loaded.as_ref(), &CliOverrides::default()).unwrap();
        let found = vec![
            finding(&index, "legacy/docker-compose.yml", 1),
            finding(&index, "docker-compose.yml", 1),
        ];
        let got = collect(found, &index, &settings);
        assert_eq!(got.suppressed, 1);
        assert_eq!(got.diagnostics.len(), 1);
        assert_eq!(got.diagnostics[0].severity, Severity::Error);
    }
}
