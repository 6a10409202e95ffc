//! Discovery: a parallel `ignore` walk from the scan root that honours .gitignore,
//! .ignore and the configuration's `exclude`, includes hidden directories (.github
//! matters) but never descends into VCS metadata, and never follows symlinks (so it
//! cannot leave the root or loop). Results are collected, then sorted: parallel order is
//! not deterministic.

use crate::core::path::RelPath;
use ignore::{WalkBuilder, WalkState, overrides::OverrideBuilder};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

#[derive(Debug, Default)]
pub struct Discovered {
    /// (relative path, absolute path), sorted by relative path.
    pub files: Vec<(RelPath, PathBuf)>,
    /// Symlinks seen and not followed.
    pub symlinks: usize,
    /// Directories or entries that could not be read: (path, message).
    pub errors: Vec<(RelPath, String)>,
}

enum Found {
    File(RelPath, PathBuf),
    Symlink,
    Error(RelPath, String),
}

const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj"];

/// Walks `root` (a directory). `excludes` are gitignore-syntax globs relative to it.
pub fn discover(root: &Path, excludes: &[String], threads: usize) -> Discovered {
    let mut builder = WalkBuilder::new(root);
    builder
        // Git never applies ignore files from outside the repository: a scan root that
        // is a repository (or is in none) reads none above it. A root inside a
        // repository reads its parents', as git does for a subfolder.
        .parents(inside_a_repository(root))
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .git_global(false)
        .threads(threads)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && VCS_DIRS.iter().any(|d| e.file_name() == *d))
        });
    if !excludes.is_empty() {
        let mut ob = OverrideBuilder::new(root);
        for pattern in excludes {
            // Patterns were validated when the configuration was resolved.
            let _ = ob.add(&format!("!{pattern}"));
        }
        if let Ok(overrides) = ob.build() {
            builder.overrides(overrides);
        }
    }

    let (tx, rx) = mpsc::channel::<Found>();
    builder.build_parallel().run(|| {
        let tx = tx.clone();
        Box::new(move |result| {
            let found = match result {
                Ok(entry) => {
                    let rel = relative(root, entry.path());
                    match entry.file_type() {
                        Some(t) if t.is_symlink() => Some(Found::Symlink),
                        Some(t) if t.is_file() => {
                            Some(Found::File(rel, entry.path().to_path_buf()))
                        }
                        _ => None,
                    }
                }
                Err(err) => {
                    let path = error_path(&err).map(|p| relative(root, p));
                    Some(Found::Error(
                        path.unwrap_or_else(|| RelPath::new(".")),
                        err.to_string(),
                    ))
                }
            };
            if let Some(found) = found {
                // The receiver outlives the walk; a send can only fail if it is gone.
                let _ = tx.send(found);
            }
            WalkState::Continue
        })
    });
    drop(tx);

    let mut out = Discovered::default();
    for found in rx {
        match found {
            Found::File(rel, abs) => out.files.push((rel, abs)),
            Found::Symlink => out.symlinks += 1,
            Found::Error(rel, msg) => out.errors.push((rel, msg)),
        }
    }
    out.files.sort_by(|a, b| a.0.cmp(&b.0));
    out.errors.sort();
    out
}

/// Whether `root` is a folder below a repository's top (an ancestor holds `.git`), not
/// the top itself nor outside any repository.
fn inside_a_repository(root: &Path) -> bool {
    let Ok(root) = root.canonicalize() else {
        return false;
    };
    if root.join(".git").exists() {
        return false;
    }
    root.ancestors().skip(1).any(|a| a.join(".git").exists())
}

fn relative(root: &Path, path: &Path) -> RelPath {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        RelPath::new(".")
    } else {
        RelPath::new(parts.join("/"))
    }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}
