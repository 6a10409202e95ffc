use crate::core::source::RelPath;
use crate::declare_rule;
use crate::index::Index;
use crate::lint::diagnostic::{Diagnostic, Severity};
use crate::lint::rule::{ProjectContext, Rule, RuleMeta};
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// Checks the team's required files: every directory that matches an entry's
    /// `directories` glob (and contains its `when` file, if given) must contain one of
    /// its `require` paths. Entries come from the built-in pack `rules/required-files.toml`
    /// (off until enabled) and from `[[security.required-file]]` in guardrail.toml. The
    /// finding names the missing file where it should be, and the entry's own message
    /// says why the team asked for it.
    ///
    /// ## Configuration
    /// ```toml
    /// [security]
    /// enable-required-files = ["codeowners", "odoo-access-file"]
    ///
    /// [[security.required-file]]
    /// id = "service-healthcheck"
    /// directories = "services/*"
    /// when = "Dockerfile"
    /// require = ["healthcheck.sh"]
    /// message = "the orchestrator restarts services whose health it cannot probe"
    /// ```
    ///
    /// ## Why it breaks production
    /// Whatever a team learned the hard way: the school-management outage was a module
    /// shipped without `security/ir.model.access.csv`; a service without a health check
    /// is restarted in a loop; a repository without CODEOWNERS merges migration changes
    /// nobody responsible reviewed. Stated once, checked on every change.
    ///
    /// ## Example
    /// With `odoo-access-file` enabled:
    /// ```text
    /// school/__manifest__.py
    /// school/models/student.py
    /// ```
    /// Use instead:
    /// ```text
    /// school/__manifest__.py
    /// school/models/student.py
    /// school/security/ir.model.access.csv
    /// ```
    pub struct RequiredFile {
        code: "GR209",
        slug: "security/required-file",
        severity: Error,
        summary: "A directory lacks a file the team requires (configurable)",
        kinds: [],
    }
}

/// One entry, as written in a pack or in guardrail.toml.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RequiredFileEntry {
    pub id: String,
    pub directories: String,
    pub when: Option<String>,
    pub require: Vec<String>,
    pub message: String,
    pub severity: Option<Severity>,
    #[serde(default)]
    pub should_match: Vec<Vec<String>>,
    #[serde(default)]
    pub should_not_match: Vec<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pack {
    #[serde(rename = "required-file")]
    required_file: Vec<RequiredFileEntry>,
}

/// The built-in pack, compiled into the binary.
pub const BUILTIN_PACK: &str = include_str!("../../../rules/required-files.toml");

/// The built-in entries. The pack is part of the binary and checked by tests, so a
/// parse failure here is a build defect: it yields no entries rather than a panic.
pub fn builtin_entries() -> Vec<RequiredFileEntry> {
    toml::from_str::<Pack>(BUILTIN_PACK)
        .map(|p| p.required_file)
        .unwrap_or_default()
}

/// An entry ready to run.
#[derive(Clone, Debug)]
pub struct CompiledEntry {
    pub entry: RequiredFileEntry,
    root_only: bool,
    matcher: Option<GlobMatcher>,
}

impl CompiledEntry {
    pub fn compile(entry: RequiredFileEntry) -> Result<Self, String> {
        if entry.require.is_empty() {
            return Err(format!("required-file `{}`: `require` is empty", entry.id));
        }
        let pattern = entry
            .directories
            .trim_start_matches("./")
            .trim_end_matches('/');
        let root_only = pattern == "." || pattern.is_empty();
        let matcher = if root_only {
            None
        } else {
            Some(
                GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| {
                        format!(
                            "required-file `{}`: invalid `directories` glob: {e}",
                            entry.id
                        )
                    })?
                    .compile_matcher(),
            )
        };
        Ok(Self {
            entry,
            root_only,
            matcher,
        })
    }

    fn applies(&self, dir: &str) -> bool {
        if self.root_only {
            return dir.is_empty();
        }
        match &self.matcher {
            // `**` also matches the root folder.
            Some(m) => m.is_match(dir) || (dir.is_empty() && self.entry.directories.trim() == "**"),
            None => false,
        }
    }

    /// Directories (relative, "" for the root) that break the entry, given every file
    /// path of the tree.
    pub fn violations<'a>(&self, paths: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
        let all: BTreeSet<&str> = paths.clone().collect();
        let mut dirs: BTreeSet<String> = BTreeSet::from([String::new()]);
        for p in paths {
            let mut d = p;
            while let Some((parent, _)) = d.rsplit_once('/') {
                dirs.insert(parent.to_string());
                d = parent;
            }
        }
        let join = |d: &str, f: &str| {
            if d.is_empty() {
                f.to_string()
            } else {
                format!("{d}/{f}")
            }
        };
        dirs.into_iter()
            .filter(|d| self.applies(d))
            .filter(|d| {
                self.entry
                    .when
                    .as_ref()
                    .is_none_or(|w| all.contains(join(d, w).as_str()))
            })
            .filter(|d| {
                !self
                    .entry
                    .require
                    .iter()
                    .any(|r| all.contains(join(d, r).as_str()))
            })
            .collect()
    }
}

impl Rule for RequiredFile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        // A single file was checked: absent files may exist.
        if ctx.index.is_partial() {
            return;
        }
        for compiled in &ctx.settings.required_files {
            let paths = ctx.index.files().iter().map(|f| f.path.as_str());
            for dir in compiled.violations(paths) {
                out.push(diagnostic(ctx.index, compiled, &dir));
            }
        }
    }
}

fn diagnostic(_index: &Index, compiled: &CompiledEntry, dir: &str) -> Diagnostic {
    let e = &compiled.entry;
    let first = e.require.first().map(String::as_str).unwrap_or("");
    let path = if dir.is_empty() {
        first.to_string()
    } else {
        format!("{dir}/{first}")
    };
    let where_ = if dir.is_empty() {
        "the repository root".to_string()
    } else {
        format!("`{dir}/`")
    };
    let choices: Vec<String> = e.require.iter().map(|r| format!("`{r}`")).collect();
    let mut d = Diagnostic::new(
        &RequiredFile::META,
        RelPath::new(path),
        format!("{where_} has no `{first}` (required by `{}`)", e.id),
    )
    .note(e.message.clone())
    .help(if choices.len() == 1 {
        format!("create {} in {where_}", choices.join(""))
    } else {
        format!("create one of {} in {where_}", choices.join(", "))
    });
    if let Some(severity) = e.severity {
        d = d.severity(severity);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_entry_passes_its_own_examples() {
        let entries = builtin_entries();
        assert!(entries.len() >= 4, "the built-in pack parses");
        let mut ids = BTreeSet::new();
        for entry in entries {
            assert!(ids.insert(entry.id.clone()), "duplicate id {}", entry.id);
            assert!(
                !entry.should_match.is_empty() && !entry.should_not_match.is_empty(),
                "{}: examples",
                entry.id
            );
            let compiled = CompiledEntry::compile(entry.clone()).unwrap();
            for tree in &entry.should_match {
                assert!(
                    !compiled
                        .violations(tree.iter().map(String::as_str))
                        .is_empty(),
                    "{}: should match {tree:?}",
                    entry.id
                );
            }
            for tree in &entry.should_not_match {
                assert!(
                    compiled
                        .violations(tree.iter().map(String::as_str))
                        .is_empty(),
                    "{}: should not match {tree:?}",
                    entry.id
                );
            }
        }
    }
}
