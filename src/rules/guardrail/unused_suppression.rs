use crate::declare_rule;
use crate::lint::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Reports an inline suppression (`# guardrail: ignore[CODE]`, `// guardrail:
    /// ignore[CODE]` in Rust, `ignore-file[...]` for a whole file) that suppressed
    /// nothing in this run, names an unknown rule, or names no rule at all. Only rules
    /// enabled in the run are judged, so `--select` does not make other suppressions
    /// look stale.
    ///
    /// ## Why it breaks production
    /// A stale suppression is a switched-off alarm: the problem it silenced was fixed or
    /// moved, and the comment now hides the next real finding on that line. A misspelt
    /// code suppresses nothing while the author believes it does.
    ///
    /// ## Example
    /// ```yaml
    /// services:  # guardrail: ignore[GR501] nothing here has a version key
    ///   web:
    ///     image: nginx
    /// ```
    /// Use instead (remove the suppression):
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx
    /// ```
    pub struct UnusedSuppression {
        code: "GR002",
        slug: "guardrail/unused-suppression",
        severity: Info,
        summary: "An inline suppression that suppresses nothing",
        kinds: [],
    }
}

impl Rule for UnusedSuppression {}
