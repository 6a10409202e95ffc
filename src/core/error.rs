//! Errors that stop the tool from doing its job (exit code 2). Findings are not errors.

use miette::{NamedSource, SourceSpan};

/// A configuration file that is not valid, pointing into the TOML.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(guardrail::config))]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ToolError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<ConfigError>),

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

    /// A git-aware run could not compare with its base.
    #[error("{message}")]
    #[diagnostic(code(guardrail::git))]
    Git {
        message: String,
        #[help]
        help: String,
    },

    #[error("could not write `{path}`: {source}")]
    #[diagnostic(code(guardrail::io))]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// Standard output was closed before the report was written (`guardrail check |
    /// head`): said by the exit code only, as ripgrep does.
    #[error("the report was not delivered: standard output is closed")]
    #[diagnostic(code(guardrail::io))]
    OutputClosed,
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
        ToolError::Config(Box::new(ConfigError {
            message: message.into(),
            src: NamedSource::new(name, text.to_string()),
            span: span.map(|r| SourceSpan::from(r.start..r.end.max(r.start))),
            label: label.into(),
            help,
        }))
    }
}
