//! Files a team requires in its directories ("every module has an access file", "the
//! root has CODEOWNERS"): the built-in pack `rules/required-files.toml` and the team's
//! `[[security.required-file]]` entries, compiled once and checked against the tree's
//! paths (`security/required-file` reports the violations).

use crate::core::path::join;
use crate::core::severity::Severity;
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::collections::BTreeSet;

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
pub const BUILTIN_PACK: &str = include_str!("../../rules/required-files.toml");

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

    /// Checks the entry against its own examples: each should-match tree must break it,
    /// each should-not-match tree must not. The message names the failing example.
    pub fn check_examples(&self) -> Result<(), String> {
        let id = &self.entry.id;
        for tree in &self.entry.should_match {
            if self.violations(tree.iter().map(String::as_str)).is_empty() {
                return Err(format!(
                    "required-file `{id}` does not report its should-match example {tree:?}"
                ));
            }
        }
        for tree in &self.entry.should_not_match {
            if !self.violations(tree.iter().map(String::as_str)).is_empty() {
                return Err(format!(
                    "required-file `{id}` reports its should-not-match example {tree:?}"
                ));
            }
        }
        Ok(())
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
            let compiled = CompiledEntry::compile(entry).unwrap();
            compiled.check_examples().unwrap();
        }
    }

    #[test]
    fn a_wrong_example_is_caught() {
        let mut entry = builtin_entries().into_iter().next().unwrap();
        std::mem::swap(&mut entry.should_match, &mut entry.should_not_match);
        let compiled = CompiledEntry::compile(entry).unwrap();
        let err = compiled.check_examples().unwrap_err();
        assert!(err.contains("should-match"), "{err}");
    }
}
