//! Human output: miette's graphical handler draws the header and the labelled source
//! snippet; the note (what breaks in production) and the help (what to do) follow in
//! the same style, then labels that live in other files as their own snippets. One
//! handler is built per run and reused for every finding.

use super::{Outcome, summary_line};
use crate::core::path::RelPath;
use crate::core::severity::Severity;
use crate::core::source::SourceFile;
use crate::engine::Report;
use crate::lint::diagnostic::{Diagnostic, Label};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::collections::HashMap;
use std::fmt;

#[derive(Clone, Debug)]
pub struct PrettyOptions {
    pub color: bool,
    pub width: usize,
    /// Print the summary line at the end.
    pub summary: bool,
}

impl Default for PrettyOptions {
    fn default() -> Self {
        Self {
            color: false,
            width: 100,
            summary: true,
        }
    }
}

pub fn render(outcome: &Outcome, opts: &PrettyOptions) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false)
        .with_break_words(false)
        .without_syntax_highlighting();
    let mut out = String::new();
    let mut wrapped = Wrapped::default();
    for report in &outcome.reports {
        let mut breaks = Breaks::default();
        for d in &report.diagnostics {
            render_one(
                &handler,
                report,
                d,
                opts,
                &mut breaks,
                &mut wrapped,
                &mut out,
            );
        }
    }
    if opts.summary {
        out.push_str(&summary_line(outcome));
        out.push('\n');
    }
    out
}

/// The longest line drawn as a snippet, in characters.
const MAX_SNIPPET_LINE: usize = 1_000;

/// Whether every span of the finding in its own file can be drawn.
fn drawable(source: &SourceFile, d: &Diagnostic) -> bool {
    d.span
        .into_iter()
        .chain(d.labels.iter().filter(|l| l.path.is_none()).map(|l| l.span))
        .all(|s| span_drawable(source, s))
}

/// Whether miette can draw `s` in `source`: inside the text, on character boundaries,
/// on lines short enough to show.
fn span_drawable(source: &SourceFile, s: crate::core::source::Span) -> bool {
    let text = &source.text;
    let line_ok = |offset: usize| {
        let line = source.lines.line_of(offset);
        source.lines.line_text(text, line).is_some_and(|t| {
            t.len() <= MAX_SNIPPET_LINE * 4 && t.chars().count() <= MAX_SNIPPET_LINE
        })
    };
    s.start <= s.end
        && s.end <= text.len()
        && text.is_char_boundary(s.start)
        && text.is_char_boundary(s.end)
        && line_ok(s.start)
        && line_ok(s.end)
}

fn render_one<'r>(
    handler: &GraphicalReportHandler,
    report: &'r Report,
    d: &'r Diagnostic,
    opts: &PrettyOptions,
    breaks: &mut Breaks<'r>,
    wrapped: &mut Wrapped<'r>,
    out: &mut String,
) {
    let name = report.display_path(&d.path);
    // A snippet is drawn only for spans that fall inside the text, on character
    // boundaries, on lines short enough to show (miette panics past column 65,535, and
    // a 100 KB minified line is no snippet): otherwise the position is named in words.
    let source = report
        .sources
        .get_key_value(&d.path)
        .filter(|(_, s)| drawable(s, d));
    let located = match (report.sources.get(&d.path), d.span) {
        (Some(s), Some(span)) if source.is_none() => {
            let p = s.position(span);
            format!("{name}:{}:{}", p.start_line, p.start_column)
        }
        _ => name.clone(),
    };
    let mut primary = Vec::new();
    if let Some(span) = d.span {
        primary.push(LabeledSpan::new_primary_with_span(
            d.label.clone(),
            to_miette(span),
        ));
    }
    for l in d.labels.iter().filter(|l| l.path.is_none()) {
        primary.push(LabeledSpan::new_with_span(
            Some(l.message.clone()),
            to_miette(l.span),
        ));
    }
    let view = View {
        header: format!("{} {}", d.rule.code, d.rule.slug),
        message: if source.is_some() && d.span.is_some() {
            d.message.clone()
        } else {
            format!("{}: {}", located, d.message)
        },
        severity: d.severity,
        source: source.map(|(path, s)| breaks.named(name.clone(), path, s)),
        labels: if source.is_some() {
            primary
        } else {
            Vec::new()
        },
    };
    let mut text = String::new();
    // Second line of defence: a renderer failure costs this finding its snippet, never
    // the report.
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        handler.render_report(&mut text, &view)
    }));
    if !matches!(drawn, Ok(Ok(()))) {
        text = format!(
            "{} {}\n  {} {}: {}",
            d.rule.code,
            d.rule.slug,
            d.severity.as_str(),
            located,
            d.message
        );
    }
    out.push_str(text.trim_end());
    out.push('\n');
    if let Some(note) = &d.note {
        out.push_str(wrapped.get("note", note, opts.width));
        out.push('\n');
    }
    if let Some(help) = &d.help {
        out.push_str(wrapped.get("help", help, opts.width));
        out.push('\n');
    }
    for label in d.labels.iter().filter(|l| l.path.is_some()) {
        render_related(handler, report, label, breaks, out);
    }
    out.push('\n');
}

fn render_related<'r>(
    handler: &GraphicalReportHandler,
    report: &'r Report,
    label: &Label,
    breaks: &mut Breaks<'r>,
    out: &mut String,
) {
    let Some(path) = &label.path else { return };
    let name = report.display_path(path);
    // As for the finding itself: a span miette cannot draw is named in words.
    let source = report
        .sources
        .get_key_value(path)
        .filter(|(_, s)| span_drawable(s, label.span));
    let located = match report.sources.get(path) {
        Some(s) if source.is_none() => {
            let p = s.position(label.span);
            format!("{name}:{}:{}", p.start_line, p.start_column)
        }
        _ => name.clone(),
    };
    let view = View {
        header: String::new(),
        message: if source.is_some() {
            label.message.clone()
        } else {
            format!("{located}: {}", label.message)
        },
        severity: Severity::Info,
        source: source.map(|(path, s)| breaks.named(name.clone(), path, s)),
        labels: if source.is_some() {
            vec![LabeledSpan::new_primary_with_span(
                None,
                to_miette(label.span),
            )]
        } else {
            Vec::new()
        },
    };
    let mut text = String::new();
    // A renderer failure costs this label its snippet, never the report.
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        handler.render_report(&mut text, &view)
    }));
    if !matches!(drawn, Ok(Ok(()))) {
        text = format!("{located}: {}", label.message);
    }
    for line in text.trim_end().lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
}

fn to_miette(span: crate::core::source::Span) -> SourceSpan {
    SourceSpan::from(span.start..span.end)
}

/// Notes and helps wrapped to the width, each text once per run: findings of one rule
/// mostly share theirs (10,000 findings of one rule wrap two texts, not 20,000).
#[derive(Default)]
struct Wrapped<'r>(HashMap<(&'static str, &'r str), String>);

impl<'r> Wrapped<'r> {
    fn get(&mut self, prefix: &'static str, body: &'r str, width: usize) -> &str {
        self.0.entry((prefix, body)).or_insert_with(|| {
            let first = format!("  {prefix}: ");
            let rest = " ".repeat(first.chars().count());
            let options = textwrap::Options::new(width)
                .initial_indent(&first)
                .subsequent_indent(&rest)
                .break_words(false);
            textwrap::fill(body, options)
        })
    }
}

/// A file's text with the name shown in the snippet header, without copying the text.
struct Named<'a> {
    name: String,
    source: &'a SourceFile,
    /// Every line break of the text is `\n` or `\r\n`: the line index then counts
    /// lines as miette does (miette also breaks at a lone `\r`).
    plain_breaks: bool,
}

/// Whether a text has no lone `\r` (one not followed by `\n`).
fn plain_breaks(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .all(|(i, &b)| b != b'\r' || bytes.get(i + 1) == Some(&b'\n'))
}

/// Whether each file's line breaks are plain, computed once per file and run.
#[derive(Default)]
struct Breaks<'r>(HashMap<&'r RelPath, bool>);

impl<'r> Breaks<'r> {
    fn named<'s>(&mut self, name: String, path: &'r RelPath, source: &'s SourceFile) -> Named<'s> {
        let plain_breaks = *self
            .0
            .entry(path)
            .or_insert_with(|| plain_breaks(&source.text));
        Named {
            name,
            source,
            plain_breaks,
        }
    }
}

impl Named<'_> {
    /// Where miette's scan for `span` may start instead of the file start, and how many
    /// line breaks lie before that point: the start of the line `before` lines above
    /// the one holding the byte before the span. miette's scan keeps no state across a
    /// line break except the line count, and it needs the `before` breaks preceding the
    /// span and the byte just before it, so from there it yields the same snippet,
    /// shifted. Costs O(log lines) instead of a scan of everything above the snippet.
    fn window(&self, offset: usize, before: usize) -> (usize, usize) {
        if !self.plain_breaks || offset == 0 {
            return (0, 0);
        }
        let lines = &self.source.lines;
        let line = lines.line_of(offset - 1);
        match line.checked_sub(before).filter(|&l| l >= 1) {
            Some(first) => lines
                .line_start(first)
                .filter(|&start| start < offset)
                .map_or((0, 0), |start| (start, first - 1)),
            None => (0, 0),
        }
    }
}

impl SourceCode for Named<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text = self.source.text.as_str();
        let (base, breaks) = self.window(span.offset(), before);
        let (rest, base, breaks) = match text.get(base..) {
            Some(rest) => (rest, base, breaks),
            None => (text, 0, 0),
        };
        let shifted = SourceSpan::new(span.offset().saturating_sub(base).into(), span.len());
        let inner = rest.read_span(&shifted, before, after)?;
        let data = SourceSpan::new((inner.span().offset() + base).into(), inner.span().len());
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            data,
            inner.line() + breaks,
            inner.column(),
            inner.line_count() + breaks,
        )))
    }
}

struct View<'a> {
    header: String,
    message: String,
    severity: Severity,
    source: Option<Named<'a>>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if self.header.is_empty() {
            None
        } else {
            Some(Box::new(&self.header))
        }
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    /// Every field a read returns, "error" or "panic" (miette panics on some spans past
    /// the end; the windowed read must do the same there, no more).
    fn read(code: &dyn SourceCode, span: SourceSpan, before: usize, after: usize) -> String {
        let read = catch_unwind(AssertUnwindSafe(|| {
            code.read_span(&span, before, after).map(|c| {
                format!(
                    "{:?} {:?} {} {} {}",
                    c.data(),
                    c.span(),
                    c.line(),
                    c.column(),
                    c.line_count()
                )
            })
        }));
        match read {
            Ok(Ok(fields)) => fields,
            Ok(Err(_)) => "error".into(),
            Err(_) => "panic".into(),
        }
    }

    #[test]
    fn read_span_matches_miette_from_the_file_start() {
        let texts = [
            "",
            "a",
            "\n",
            "\n\n\n",
            "one\ntwo\nthree\nfour\nfive\n",
            "one\ntwo\n\n\nfive\nsix",
            "a\r\nb\r\n\r\nc\r\nd",
            "é1\nä22\n\n€333\nx",
            "mixed\r\nlone\rcr\nend\n",
            "\r\r\n\n\r",
        ];
        for text in texts {
            let source = SourceFile::new(RelPath::new("f"), text.to_string());
            let path = RelPath::new("f");
            let mut breaks = Breaks::default();
            let named = breaks.named("f".into(), &path, &source);
            for start in 0..=text.len() + 2 {
                for len in 0..=(text.len() + 2 - start).min(8) {
                    for before in 0..3 {
                        for after in 0..3 {
                            let span = SourceSpan::new(start.into(), len);
                            assert_eq!(
                                read(&named, span, before, after),
                                read(&text, span, before, after),
                                "{text:?} {start}+{len} before {before} after {after}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_related_label_miette_cannot_draw_is_named_not_lost() {
        use crate::core::path::RelPath;
        use crate::core::source::Span;
        use crate::engine::{Report, Summary, Timings};
        use crate::lint::diagnostic::Diagnostic;
        use crate::rules::compose::obsolete_version_key::ObsoleteVersionKey;
        use std::collections::BTreeMap;
        use std::sync::Arc;

        let main = RelPath::new("docker-compose.yml");
        let other = RelPath::new("settings.py");
        let long_line = format!("X = '{}'\n", "a".repeat(100_000));
        let mut sources = BTreeMap::new();
        sources.insert(
            main.clone(),
            Arc::new(SourceFile::new(main.clone(), "version: '3'\n".into())),
        );
        sources.insert(
            other.clone(),
            Arc::new(SourceFile::new(other.clone(), long_line)),
        );
        let d = Diagnostic::new(&ObsoleteVersionKey::META, main.clone(), "the finding")
            .span(Span::new(0, 7))
            // Past column 65,535 of a 100 KB line, and past the end of the file.
            .related(other.clone(), Span::new(90_000, 90_001), "far right")
            .related(other.clone(), Span::new(500_000, 500_001), "past the end");
        let report = Report {
            prefix: String::new(),
            diagnostics: vec![d],
            sources,
            summary: Summary::default(),
            notes: Vec::new(),
            timings: Timings::default(),
            pack_rules: Vec::new(),
            docs_url: None,
        };
        let outcome = crate::render::Outcome {
            reports: vec![report],
            elapsed: std::time::Duration::ZERO,
        };
        let text = render(
            &outcome,
            &PrettyOptions {
                color: false,
                width: 100,
                summary: false,
            },
        );
        assert!(text.contains("the finding"), "{text}");
        assert!(text.contains("settings.py:1:90001: far right"), "{text}");
        assert!(text.contains("past the end"), "{text}");
    }
}
