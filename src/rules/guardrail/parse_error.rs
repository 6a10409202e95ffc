use crate::declare_rule;
use crate::index::{FileFailure, Index};
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a file that guardrail needed to read and could not parse (invalid YAML,
    /// TOML, Python, ...), at the position of the syntax error. The run goes on: every
    /// other file is still checked, and path-only rules still run on this one.
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
        let mut d = Diagnostic::new(&ParseError::META, file.path.clone(), &failure.message)
            .note(
                "the tools that read this file at deploy time fail on it too, and guardrail \
                 could not check it",
            )
            .help("fix the syntax at the marked position");
        if let Some(span) = failure.span {
            d = d.span(span).label("here");
        }
        out.push(d);
    }
    out
}
