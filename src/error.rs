//! Errors that stop the tool from doing its job (exit code 2). Findings are not errors.

use miette::{NamedSource, SourceSpan};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ToolError {
    /// A configuration file that is not valid, pointing into the TOML.
    #[error("{message}")]
    #[diagnostic(code(guardrail::config))]
    Config {
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("{label}")]
        span: Option<SourceSpan>,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("{0}")]
    #[diagnostic(code(guardrail::usage))]
    Usage(String),

    #[error("cannot scan `{path}`: {reason}")]
    #[diagnostic(
        code(guardrail::root),
        help(
            "check the path; guardrail scans the directories and files given on the command line"
        )
    )]
    Root { path: String, reason: String },

    #[error("could not read `{path}`: {source}")]
    #[diagnostic(code(guardrail::io))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("could not write `{path}`: {source}")]
    #[diagnostic(code(guardrail::io))]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl ToolError {
    pub fn config(
        name: &str,
        text: &str,
        span: Option<std::ops::Range<usize>>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        ToolError::Config {
            message: message.into(),
            src: NamedSource::new(name, text.to_string()),
            span: span.map(|r| SourceSpan::from(r.start..r.end.max(r.start))),
            label: label.into(),
            help,
        }
    }
}
