use crate::declare_rule;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a file of a kind some enabled rule checks that guardrail skipped: binary
    /// (a NUL byte in its first 8 KiB), not valid UTF-8, larger than `max-file-size`
    /// (default 5 MiB), or unreadable (a warning, as is a directory the walk could not
    /// read). Every skipped file is also counted in the summary: nothing is skipped
    /// silently.
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

impl Rule for SkippedFile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
