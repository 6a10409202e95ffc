use crate::core::limits::MAX_IGNORE_FILE;
use crate::core::severity::Severity;
use crate::declare_rule;
use crate::index::{FileFailure, Index, Loaded};
use crate::input::discover::Discovered;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Reports a file of a kind some enabled rule checks that guardrail skipped: binary
    /// (a NUL byte in its first 8 KiB), not valid UTF-8, larger than `max-file-size`
    /// (default 5 MiB), or unreadable (a warning, as is a directory the walk could not
    /// read). An ignore file (`.gitignore`, `.ignore`, `.dockerignore`) over 256 KiB is
    /// read but not applied, and reported as a warning. Every skipped file is also
    /// counted in the summary: nothing is skipped silently.
    ///
    /// ## Why it breaks production
    /// A file guardrail did not read is a file it did not check: a Compose file saved
    /// as UTF-16 by an editor, or a settings module behind a permission error, can carry
    /// the very mistake the gate exists to stop.
    ///
    /// ## Example
    /// A `docker-compose.yml` saved in Latin-1:
    /// ```text
    /// services:
    ///   web:
    ///     environment:
    ///       GREETING: "caf\xe9"
    /// ```
    /// Use instead (UTF-8):
    /// ```yaml
    /// services:
    ///   web:
    ///     environment:
    ///       GREETING: "café"
    /// ```
    pub struct SkippedFile {
        code: "GR003",
        slug: "guardrail/skipped-file",
        severity: Info,
        summary: "A file that should be checked was skipped (binary, not UTF-8, too large, unreadable)",
        kinds: [],
    }
}

impl Rule for SkippedFile {}

/// One finding per file skipped on read and per path the walk could not read. Called by
/// the engine after every other rule, when every file the run needed has been read.
pub fn diagnostics(index: &Index, discovered: &Discovered) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for file in index.files() {
        let Some(FileFailure::Skipped { reason, severity }) = file.failure() else {
            continue;
        };
        out.push(
            Diagnostic::new(
                &SkippedFile::META,
                file.path.clone(),
                format!("file skipped: it {reason}"),
            )
            .severity(severity)
            .note("guardrail did not check this file, so a problem in it would go unreported")
            .help(
                "convert it to UTF-8 text, raise `max-file-size`, or exclude it with \
                 `exclude` in guardrail.toml",
            ),
        );
    }
    // A `.dockerignore` past the ignore-file bound was read but is not applied (the walk
    // reports its own ignore files above; this one is read by the Docker model).
    for file in index.of_kind(crate::core::kind::FileKind::DockerIgnore) {
        let Some(Loaded::Text(source)) = file.loaded() else {
            continue;
        };
        if source.text.len() <= MAX_IGNORE_FILE {
            continue;
        }
        out.push(
            Diagnostic::new(
                &SkippedFile::META,
                file.path.clone(),
                format!("not applied: it is over the {MAX_IGNORE_FILE}-byte bound for ignore files"),
            )
            .severity(Severity::Warning)
            .note(
                "the Docker rules read the build context as if this file excluded nothing, \
                 so a file it keeps out of the image may go unreported",
            )
            .help("shorten it (a few broad patterns and `!` re-includes), or exclude it with `exclude` in guardrail.toml"),
        );
    }
    for (path, message) in &discovered.errors {
        out.push(
            Diagnostic::new(
                &SkippedFile::META,
                path.clone(),
                format!("could not be read during the walk: {message}"),
            )
            .severity(Severity::Warning)
            .note("guardrail did not check what it could not read")
            .help("fix the permissions, or exclude the path with `exclude` in guardrail.toml"),
        );
    }
    out
}
