//! Discovery: a parallel `ignore` walk from the scan root that honours .gitignore,
//! .ignore, the repository's `info/exclude` and the configuration's `exclude`, includes
//! hidden directories (.github matters) but never descends into VCS metadata, and never
//! follows symlinks (so it cannot leave the root or loop). Results are collected, then
//! sorted: parallel order is not deterministic.
//!
//! The ignore files themselves are read here, not by the `ignore` crate (its readers are
//! turned off): the crate opens them with a plain `read`, so a FIFO named `.gitignore`
//! blocked the walk forever and a symlink to `/dev/zero` was read until memory ran out.
//! Here an ignore file is read only when it is a regular file of at most 256 KiB (`core::limits`), lines
//! longer than 4,096 bytes are dropped (a pattern that long costs gigabytes to compile),
//! and what was refused is reported; the crate's `Gitignore` matcher does the matching.

use crate::core::path::RelPath;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{Match, WalkBuilder, WalkState, overrides::OverrideBuilder};
use rustc_hash::FxHashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, mpsc};

use crate::core::limits::MAX_IGNORE_LINE;
/// The largest ignore file read (`core::limits`).
const MAX_IGNORE_FILE: u64 = crate::core::limits::MAX_IGNORE_FILE as u64;
/// Ignore files of a folder, in increasing precedence (`.ignore` wins, as in ripgrep).
const IGNORE_FILES: &[&str] = &[".gitignore", ".ignore"];

/// The matchers that apply in a folder, nearest folder first: its own ignore files', then
/// its parents' up to the top (only the folders that have ignore files).
type Chain = Arc<[Arc<Gitignore>]>;

/// The ignore matchers of the folders seen so far, loaded once per folder.
#[derive(Default)]
struct Ignores {
    /// Each folder's chain, keyed by the folder's path as bytes (hashing a `Path` walks
    /// its components): one lookup per entry, not one per folder above it.
    by_dir: RwLock<FxHashMap<OsString, Chain>>,
    /// Ignore files not read: (path, why).
    refused: Mutex<Vec<(PathBuf, String)>>,
    /// The repository's `info/exclude`, lowest precedence.
    exclude: Option<Gitignore>,
}

impl Ignores {
    /// The chain of `dir` (a folder at or below `top`), built once: its own matcher
    /// before its parent's chain. The walk reaches a folder's entries after the folder
    /// itself, so the parent's chain is normally there already.
    fn chain(&self, dir: &Path, top: &Path) -> Chain {
        if let Ok(map) = self.by_dir.read()
            && let Some(found) = map.get(dir.as_os_str())
        {
            return Arc::clone(found);
        }
        // `dir` is the absolute path of a folder at or below `top` (both spelled from the
        // canonical root), so it is `top` when it is no longer longer than it: a
        // byte-length test, not a component-wise `Path` comparison.
        let parent = match dir.parent() {
            Some(p) if dir.as_os_str().len() > top.as_os_str().len() => self.chain(p, top),
            _ => Arc::from(Vec::new()),
        };
        let chain: Chain = match self.load(dir) {
            Some(own) => std::iter::once(own)
                .chain(parent.iter().cloned())
                .collect::<Vec<_>>()
                .into(),
            None => parent,
        };
        if let Ok(mut map) = self.by_dir.write() {
            map.insert(dir.as_os_str().to_os_string(), Arc::clone(&chain));
        }
        chain
    }

    fn load(&self, dir: &Path) -> Option<Arc<Gitignore>> {
        let mut builder = GitignoreBuilder::new(dir);
        let mut any = false;
        for name in IGNORE_FILES {
            let path = dir.join(name);
            match read_ignore_file(&path) {
                Ok(Some(text)) => {
                    for line in text.lines().filter(|l| l.len() <= MAX_IGNORE_LINE) {
                        if builder.add_line(Some(path.clone()), line).is_ok() {
                            any = true;
                        }
                    }
                }
                Ok(None) => {}
                Err(why) => {
                    if let Ok(mut refused) = self.refused.lock() {
                        refused.push((path, why));
                    }
                }
            }
        }
        if !any {
            return None;
        }
        builder.build().ok().map(Arc::new)
    }

    /// Whether `path` is ignored: the nearest folder's files decide first, up to `top`
    /// (the scan root, or the repository's top when the root is inside one).
    fn ignored(&self, path: &Path, is_dir: bool, top: &Path) -> bool {
        if let Some(dir) = path.parent() {
            for m in self.chain(dir, top).iter() {
                match m.matched(path, is_dir) {
                    Match::Ignore(_) => return true,
                    Match::Whitelist(_) => return false,
                    Match::None => {}
                }
            }
        }
        self.exclude
            .as_ref()
            .is_some_and(|m| m.matched(path, is_dir).is_ignore())
    }
}

/// An ignore file's text: `None` when there is none; an error (why) when something is
/// there that is not a regular file of at most [`MAX_IGNORE_FILE`] bytes.
fn read_ignore_file(path: &Path) -> Result<Option<String>, String> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(_) => return Ok(None),
    };
    if !meta.file_type().is_file() {
        return Err("is not a regular file (a symlink, FIFO or device): not read".into());
    }
    if meta.len() > MAX_IGNORE_FILE {
        return Err(format!("is over {MAX_IGNORE_FILE} bytes: not read"));
    }
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_IGNORE_FILE).read_to_end(&mut bytes))
        .map_err(|e| format!("could not be read: {e}"))?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

#[derive(Debug, Default)]
pub struct Discovered {
    /// The folder the files' paths are relative to: the scan root, made absolute.
    pub root: PathBuf,
    /// (relative path, the file's own path when `root/relative` does not spell it),
    /// sorted by relative path.
    pub files: Vec<(RelPath, Option<PathBuf>)>,
    /// Symlinks seen and not followed.
    pub symlinks: usize,
    /// Directories or entries that could not be read: (path, message).
    pub errors: Vec<(RelPath, String)>,
}

/// A file named by a list rather than found by the walk (`git ls-files` for
/// `--staged`), relative to the scan root with `/` separators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub path: String,
    /// The name as the list gave it when it is not UTF-8 (`path` shows it lossily).
    pub raw: Option<std::ffi::OsString>,
    pub symlink: bool,
}

/// The files of `listed` under `root`, with what the walk would leave out left out: the
/// configuration's `exclude` globs (on the file and each folder above it, as the walk
/// prunes a folder) and guardrail's cache folder. Ignore files are not applied: a file
/// the list names is tracked, so it is in the commit whatever `.gitignore` says.
pub fn from_listing(root: &Path, excludes: &[String], listed: Vec<Listed>) -> Discovered {
    let abs_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let overrides = exclude_overrides(&abs_root, excludes);
    // Each folder decided once, not once per file below it.
    let mut folders: FxHashMap<String, bool> = FxHashMap::default();
    let mut excluded = |path: &str| -> bool {
        let mut end = 0;
        while let Some(slash) = path.get(end..).and_then(|rest| rest.find('/')) {
            let dir = path.get(..end + slash).unwrap_or_default();
            let out = match folders.get(dir) {
                Some(out) => *out,
                None => {
                    let name = dir.rsplit('/').next().unwrap_or(dir);
                    let out = name == CACHE_DIR
                        || VCS_DIRS.contains(&name)
                        || overrides
                            .as_ref()
                            .is_some_and(|o| o.matched(Path::new(dir), true).is_ignore());
                    folders.insert(dir.to_string(), out);
                    out
                }
            };
            if out {
                return true;
            }
            end += slash + 1;
        }
        overrides
            .as_ref()
            .is_some_and(|o| o.matched(Path::new(path), false).is_ignore())
    };
    let mut out = Discovered {
        root: abs_root.clone(),
        ..Discovered::default()
    };
    for l in listed {
        if excluded(&l.path) {
            continue;
        }
        if l.symlink {
            out.symlinks += 1;
            continue;
        }
        let rel = RelPath::new(l.path.as_str());
        // A name shown lossily, or one `RelPath` had to normalise, is read from its own
        // path.
        let exact = match l.raw {
            Some(raw) => Some(abs_root.join(raw)),
            None => (rel.as_str() != l.path).then(|| abs_root.join(&l.path)),
        };
        out.files.push((rel, exact));
    }
    out.files.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The configuration's `exclude` globs as the walk's overrides (each pattern an ignore),
/// relative to `abs_root`; `None` when there are none.
fn exclude_overrides(abs_root: &Path, excludes: &[String]) -> Option<ignore::overrides::Override> {
    if excludes.is_empty() {
        return None;
    }
    let mut ob = OverrideBuilder::new(abs_root);
    for pattern in excludes {
        // Patterns were validated when the configuration was resolved.
        let _ = ob.add(&format!("!{pattern}"));
    }
    ob.build().ok()
}

enum Found {
    File(RelPath, Option<PathBuf>),
    Symlink,
    Error(RelPath, String),
}

const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj"];
/// The name of guardrail's cache folder (`cache::DEFAULT_DIR`): never walked. A cache
/// folder elsewhere in the tree (`--cache-dir`) holds a `.gitignore` of `*`.
pub const CACHE_DIR: &str = ".guardrail_cache";

/// Walks `root` (a directory). `excludes` are gitignore-syntax globs relative to it.
pub fn discover(root: &Path, excludes: &[String], threads: usize) -> Discovered {
    // Git never applies ignore files from outside the repository: a scan root that is a
    // repository (or is in none) reads none above it; a root inside a repository reads
    // its parents' up to the repository's top, as git does for a subfolder.
    let abs_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let repo_top = repository_top(&abs_root);
    let top = match &repo_top {
        Some(t) => t.clone(),
        None => abs_root.clone(),
    };
    let exclude = repo_top.as_ref().and_then(|t| {
        let path = t.join(".git/info/exclude");
        let text = read_ignore_file(&path).ok().flatten()?;
        let mut b = GitignoreBuilder::new(t);
        for line in text.lines().filter(|l| l.len() <= MAX_IGNORE_LINE) {
            let _ = b.add_line(Some(path.clone()), line);
        }
        b.build().ok()
    });
    let ignores = Arc::new(Ignores {
        exclude,
        ..Ignores::default()
    });
    let filter = {
        let ignores = Arc::clone(&ignores);
        move |e: &ignore::DirEntry| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if is_dir && VCS_DIRS.iter().any(|d| e.file_name() == *d) {
                return false;
            }
            // guardrail's own facts cache (`crate::cache`), in any scan root below.
            if is_dir && e.file_name() == CACHE_DIR {
                return false;
            }
            if e.depth() == 0 {
                return true;
            }
            // Matched on absolute paths (the walk starts at the absolute root), so that
            // folders above the root match too.
            !ignores.ignored(e.path(), is_dir, &top)
        }
    };
    // Walked from the absolute root: entries need no join before matching, and a file's
    // path is the root and its relative path.
    let mut builder = WalkBuilder::new(&abs_root);
    builder
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(filter);
    if let Some(overrides) = exclude_overrides(&abs_root, excludes) {
        builder.overrides(overrides);
    }

    let (tx, rx) = mpsc::channel::<Found>();
    builder.build_parallel().run(|| {
        let tx = tx.clone();
        let abs_root = &abs_root;
        Box::new(move |result| {
            let found = match result {
                Ok(entry) => match entry.file_type() {
                    Some(t) if t.is_symlink() => Some(Found::Symlink),
                    Some(t) if t.is_file() => {
                        let (rel, exact) = relative_exact(abs_root, entry.path());
                        Some(Found::File(
                            rel,
                            (!exact).then(|| entry.path().to_path_buf()),
                        ))
                    }
                    _ => None,
                },
                Err(err) => {
                    let path = error_path(&err).map(|p| relative(abs_root, p));
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

    let mut out = Discovered {
        root: abs_root.clone(),
        ..Discovered::default()
    };
    for found in rx {
        match found {
            Found::File(rel, abs) => out.files.push((rel, abs)),
            Found::Symlink => out.symlinks += 1,
            Found::Error(rel, msg) => out.errors.push((rel, msg)),
        }
    }
    if let Ok(refused) = ignores.refused.lock() {
        for (path, why) in refused.iter() {
            if let Ok(rel) = path.strip_prefix(&abs_root) {
                out.errors.push((relative(Path::new(""), rel), why.clone()));
            }
        }
    }
    out.files.sort_by(|a, b| a.0.cmp(&b.0));
    out.errors.sort();
    out
}

/// The top of the git repository holding `root` (the nearest folder with `.git`).
fn repository_top(root: &Path) -> Option<PathBuf> {
    root.ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
}

fn relative(root: &Path, path: &Path) -> RelPath {
    relative_exact(root, path).0
}

/// `path` relative to `root`, and whether `root` joined with it spells `path` again (not
/// when a name is not UTF-8: the relative path shows it lossily).
fn relative_exact(root: &Path, path: &Path) -> (RelPath, bool) {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // The common case, without splitting into components: a UTF-8 path whose segments
    // are already what `components()` would yield (no empty or `.` segment).
    if let Some(text) = rel.to_str()
        && !text.is_empty()
        && text.split('/').all(|seg| !seg.is_empty() && seg != ".")
    {
        return (RelPath::new(text), rel.is_relative());
    }
    (relative_parts(rel), false)
}

fn relative_parts(rel: &Path) -> RelPath {
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

#[cfg(test)]
mod listing_tests {
    use super::*;

    fn listed(paths: &[&str]) -> Vec<Listed> {
        paths
            .iter()
            .map(|p| Listed {
                path: (*p).to_string(),
                raw: None,
                symlink: p.starts_with("link"),
            })
            .collect()
    }

    #[test]
    fn a_listing_leaves_out_what_the_walk_would() {
        let dir = tempfile::TempDir::new().unwrap();
        let got = from_listing(
            dir.path(),
            &["vendor/".to_string(), "*.min.js".to_string()],
            listed(&[
                "z.py",
                "app/models.py",
                "vendor/lib/x.py",
                "app/vendor/y.py",
                "static/app.min.js",
                "static/app.js",
                ".guardrail_cache/facts",
                "sub/.git/config",
                "link",
            ]),
        );
        let files: Vec<&str> = got.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(files, ["app/models.py", "static/app.js", "z.py"]);
        assert!(got.files.iter().all(|(_, exact)| exact.is_none()));
        assert_eq!(got.symlinks, 1);
        assert_eq!(got.root, dir.path().canonicalize().unwrap());
    }
}
