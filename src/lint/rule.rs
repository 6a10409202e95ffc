//! The `Rule` trait, rule metadata and the `declare_rule!` macro.
//!
//! A rule's doc comment is its user documentation (`guardrail explain`, SARIF help, the
//! README table): the macro captures the `///` lines into [`RuleMeta::doc`], the way
//! clippy's `declare_clippy_lint!` does, so the doc cannot drift away from the rule.

use crate::core::kind::FileKind;
use crate::core::severity::Severity;
use crate::index::{FileEntry, Index};
use crate::input::changes::ChangeSet;
use crate::lint::diagnostic::Diagnostic;
use crate::model::project::{Need, Options, Project};

#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, e.g. `GR501`. A retired code is never reused.
    pub code: &'static str,
    /// `family/rule-name`, e.g. `compose/obsolete-version-key`.
    pub slug: &'static str,
    pub severity: Severity,
    /// One line, for tables.
    pub summary: &'static str,
    /// Markdown with the sections `## What it does`, `## Why it breaks production`,
    /// `## Example`.
    pub doc: &'static str,
    /// The file kinds `check_file` is called for (and that the engine parses for it).
    pub kinds: &'static [FileKind],
    /// Compares with a base (`--base`/`--staged`); does not run without one.
    pub git_aware: bool,
    /// Kinds of files whose removal causes this rule's findings in files the change did
    /// not touch (a deleted migration breaks its dependents): `--new-only` keeps the
    /// rule's findings when the change removed such a file.
    pub caused_by_removal_of: &'static [FileKind],
    /// The project models the rule reads, built before any rule runs.
    pub needs: &'static [Need],
}

/// Rules are identified by their code: `&Self::META` is a promoted constant, so two
/// references to the same rule's metadata need not be the same pointer.
impl PartialEq for RuleMeta {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for RuleMeta {}

impl RuleMeta {
    pub fn family(&self) -> &'static str {
        self.slug.split('/').next().unwrap_or(self.slug)
    }

    /// The slug without its family.
    pub fn name(&self) -> &'static str {
        self.slug.split_once('/').map_or(self.slug, |(_, n)| n)
    }

    /// The doc with the one leading space of each `///` line removed.
    pub fn doc_text(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string()
    }

    /// The text of one `## Section` of the doc.
    pub fn doc_section(&self, title: &str) -> Option<String> {
        let doc = self.doc_text();
        let heading = format!("## {title}");
        let start = doc.find(&heading)? + heading.len();
        let rest = doc.get(start..)?;
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest.get(..end)?.trim().to_string())
    }
}

/// What a file rule sees: one file of a kind it declared, and the project.
pub struct FileContext<'a> {
    pub file: &'a FileEntry,
    pub index: &'a Index,
    pub project: &'a Project<'a>,
    /// What changed against the base; `None` without `--base`/`--staged`.
    pub changes: Option<&'a dyn ChangeSet>,
}

/// What a project rule sees: the complete project.
pub struct ProjectContext<'a> {
    pub index: &'a Index,
    pub project: &'a Project<'a>,
    /// What changed against the base; `None` without `--base`/`--staged`.
    pub changes: Option<&'a dyn ChangeSet>,
}

impl FileContext<'_> {
    /// The options models and rules read (never the run's whole settings).
    pub fn options(&self) -> &Options {
        self.project.options
    }
}

impl ProjectContext<'_> {
    /// The options models and rules read (never the run's whole settings).
    pub fn options(&self) -> &Options {
        self.project.options
    }
}

/// A rule's metadata, implemented by `declare_rule!` (no rule writes it by hand).
pub trait RuleMetadata {
    fn meta(&self) -> &'static RuleMeta;
}

/// A rule is a pure function of its context: no I/O, no printing, no global state.
pub trait Rule: RuleMetadata + Send + Sync {
    /// Called once for each file whose kind is in `meta().kinds`.
    fn check_file(&self, _ctx: &FileContext<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Called once, after the project's models are built.
    fn check_project(&self, _ctx: &ProjectContext<'_>, _out: &mut Vec<Diagnostic>) {}
}

/// Declares a rule type with its metadata; the `///` doc comment becomes the rule's
/// documentation.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            code: $code:literal,
            slug: $slug:literal,
            severity: $sev:ident,
            summary: $summary:literal,
            kinds: [$($kind:ident),* $(,)?]
            $(, needs: [$($need:ident),* $(,)?])?
            $(, git_aware: $git:literal)?
            $(, caused_by_removal_of: [$($removal:ident),* $(,)?])? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        $vis struct $name;

        impl $name {
            pub const META: $crate::lint::rule::RuleMeta = $crate::lint::rule::RuleMeta {
                code: $code,
                slug: $slug,
                severity: $crate::core::severity::Severity::$sev,
                summary: $summary,
                doc: concat!($($doc, "\n"),*),
                kinds: &[$($crate::core::kind::FileKind::$kind),*],
                git_aware: false $(|| $git)?,
                caused_by_removal_of: &[$($($crate::core::kind::FileKind::$removal),*)?],
                needs: &[$($($crate::model::project::Need::$need),*)?],
            };
        }

        impl $crate::lint::rule::RuleMetadata for $name {
            fn meta(&self) -> &'static $crate::lint::rule::RuleMeta {
                &Self::META
            }
        }
    };
}
