//! Findings are plain data, rendered only at the end by `render`.

use crate::core::path::RelPath;
use crate::core::severity::Severity;
use crate::core::source::{Position, Span};
use crate::lint::rule::RuleMeta;

/// A secondary location: in the finding's own file (`path: None`) or in another one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub path: Option<RelPath>,
    pub span: Span,
    pub message: String,
    /// Filled in by collection from the file's line index.
    pub position: Option<Position>,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub path: RelPath,
    /// Where the problem is; `None` for a finding about a file that is missing.
    pub span: Option<Span>,
    pub message: String,
    /// Text under the primary span.
    pub label: Option<String>,
    pub labels: Vec<Label>,
    /// What breaks in production.
    pub note: Option<String>,
    /// What to do.
    pub help: Option<String>,
    /// Filled in by collection from the file's line index.
    pub position: Option<Position>,
}

impl Diagnostic {
    pub fn new(rule: &'static RuleMeta, path: RelPath, message: impl Into<String>) -> Self {
        Self {
            rule,
            severity: rule.severity,
            path,
            span: None,
            message: message.into(),
            label: None,
            labels: Vec::new(),
            note: None,
            help: None,
            position: None,
        }
    }

    pub fn span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// A secondary label in the same file.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            path: None,
            span,
            message: message.into(),
            position: None,
        });
        self
    }

    /// A secondary label in another file.
    pub fn related(mut self, path: RelPath, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            path: Some(path),
            span,
            message: message.into(),
            position: None,
        });
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The order every output uses: path, line, column, code, message.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        let (line, column) = self
            .position
            .map_or((0, 0), |p| (p.start_line, p.start_column));
        (
            self.path.as_str(),
            line,
            column,
            self.rule.code,
            self.message.as_str(),
        )
    }
}
