use crate::core::severity::Severity;
use crate::declare_rule;
use crate::index::{FileFailure, Index};
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::odoo::python2_module;

declare_rule! {
    /// ## What it does
    /// Reports a file that guardrail needed to read and could not parse (invalid YAML,
    /// TOML, Python, ...), at the position of the syntax error. The run goes on: every
    /// other file is still checked, and path-only rules still run on this one. A Python
    /// file of an Odoo module whose manifest version is 8.0-10.0 is Python 2, which Odoo
    /// runs and guardrail's Python 3 parser may not read: that is an info, saying the
    /// module was only partly analysed (rules then never conclude that one of its
    /// models is absent).
    ///
    /// ## Why it breaks production
    /// The tool that reads the file at deploy time fails on it too: `docker compose up`
    /// stops with `yaml: line 3: did not find expected node content`, a workflow never
    /// starts. And guardrail could not check the file, so any other mistake in it goes
    /// unreported until then.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: [nginx
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx
    /// ```
    pub struct ParseError {
        code: "GR001",
        slug: "guardrail/parse-error",
        severity: Warning,
        summary: "A file guardrail needs to check has a syntax error",
        kinds: [PyProject],
    }
}

impl Rule for ParseError {
    /// `pyproject.toml` is read by pip, uv and poetry on every install: its syntax is
    /// checked even when no other rule reads it.
    fn check_file(&self, ctx: &FileContext<'_>, _out: &mut Vec<Diagnostic>) {
        let _ = ctx.file.pyproject_dependencies();
    }
}

/// One finding per file whose parse failed, whichever rules asked for it. Called by the
/// engine after every other rule, when all the parses the run needed have happened.
pub fn diagnostics(index: &Index) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for file in index.files() {
        let Some(FileFailure::Parse(failure)) = file.failure() else {
            continue;
        };
        let python2 = if file.kind.is_python() {
            python2_module(index, file.path.as_str())
        } else {
            None
        };
        let mut d = match &python2 {
            Some((manifest, major)) => Diagnostic::new(
                &ParseError::META,
                file.path.clone(),
                format!(
                    "Python 2 file of an Odoo {major}.0 module, not analysed ({})",
                    failure.message
                ),
            )
            .severity(Severity::Info)
            .note(format!(
                "Odoo {major}.0 runs on Python 2 (`{manifest}`), so this need not fail; but guardrail reads \
                 Python 3 only, so the module was partly analysed: the models of this file are unknown, \
                 and no rule concludes that one of the module's models is absent"
            ))
            .help(
                "nothing to fix for this version; when the module is ported to 11.0 or later \
                 (Python 3), guardrail checks the file fully",
            ),
            None => Diagnostic::new(&ParseError::META, file.path.clone(), &failure.message)
                .note(
                    "the tools that read this file at deploy time fail on it too, and guardrail \
                     could not check it",
                )
                .help("fix the syntax at the marked position"),
        };
        if let Some(span) = failure.span {
            d = d.span(span).label(if python2.is_some() {
                "not Python 3"
            } else {
                "here"
            });
        }
        out.push(d);
    }
    out
}
