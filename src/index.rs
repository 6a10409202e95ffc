//! The index: every discovered file with its kind, and lazily, at most once each, its
//! text and its parsed forms. A load or parse failure is a value kept here and turned
//! into exactly one diagnostic at the end of the run, whichever rules asked for the file.

use crate::cache::{Digest, FactsCache, Key, Stamp};
use crate::core::kind::FileKind;
use crate::core::path::RelPath;
use crate::core::severity::Severity;
use crate::core::source::ParseFailure;
use crate::core::source::SourceFile;
use crate::syntax::access_csv::{self, AccessCsv};
use crate::syntax::migration::{self, MigrationFacts};
use crate::syntax::odoo_xml::{self as odoo_xml, XmlFacts};
use crate::syntax::python::{self, PyModule};
use crate::syntax::requirements::{self, Dependency, ReqFile};
use crate::syntax::yaml::{self, YamlFile, YamlNode};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// Bytes sniffed for a NUL to call a file binary (git and ripgrep do the same).
const BINARY_SNIFF: usize = 8 * 1024;

#[derive(Clone, Debug)]
pub enum Loaded {
    Text(Arc<SourceFile>),
    Skipped { reason: String, severity: Severity },
}

/// What a file is as a Django migration.
#[derive(Debug)]
pub enum MigrationLoad<'a> {
    Facts(&'a MigrationFacts),
    /// Parses, but defines no `Migration` class.
    NotAMigration,
    /// A syntax error (reported once as a parse error).
    Unparseable,
    /// Skipped on read (reported once as a skipped file).
    Unreadable,
}

/// Why a file was not checked (`guardrail/skipped-file` and `guardrail/parse-error`
/// report these).
#[derive(Debug)]
pub enum FileFailure<'a> {
    Skipped { reason: &'a str, severity: Severity },
    Parse(&'a ParseFailure),
}

/// The parsed forms of a file, each made on first use. Boxed apart from [`FileEntry`] and
/// made only for a file some rule parses: most files of a large tree are never parsed,
/// and an entry with every form inline was about 1 KB (50 MB for 50,000 files).
#[derive(Debug, Default)]
struct Forms {
    yaml: OnceLock<Result<YamlFile, ParseFailure>>,
    python: OnceLock<Result<PyModule, ParseFailure>>,
    migration: OnceLock<Result<Option<MigrationFacts>, ParseFailure>>,
    access_csv: OnceLock<AccessCsv>,
    odoo_xml: OnceLock<Result<XmlFacts, ParseFailure>>,
    rust: OnceLock<Result<crate::syntax::rust::RustFacts, ParseFailure>>,
    dockerfile: OnceLock<crate::syntax::dockerfile::Dockerfile>,
    requirements: OnceLock<ReqFile>,
    pyproject: OnceLock<Result<Vec<Dependency>, ParseFailure>>,
    python_calls: OnceLock<Result<Vec<python::PyCall>, ParseFailure>>,
    js: OnceLock<crate::syntax::js::JsFile>,
    toml: OnceLock<Result<YamlNode, ParseFailure>>,
}

#[derive(Debug)]
pub struct FileEntry {
    pub path: RelPath,
    /// The folder `path` is relative to, shared by every entry of a scan (no path
    /// allocated per file).
    root: Arc<Path>,
    /// The file's own path when `root/path` does not spell it (a name that is not UTF-8
    /// is shown lossily in `path`).
    exact: Option<Box<Path>>,
    pub kind: FileKind,
    max_size: u64,
    source: OnceLock<Loaded>,
    forms: OnceLock<Box<Forms>>,
    /// Facts kept across runs, asked before parsing (`None`: parse every time).
    cache: Option<Arc<FactsCache>>,
    /// The file's metadata as the cache compares it, taken once (before its text is read).
    stamp: OnceLock<Option<Stamp>>,
    /// A form was answered from the cache by the metadata alone: the text was not read,
    /// and is read when a finding needs it ([`Index::loaded_source`]).
    by_stamp: AtomicBool,
}

impl FileEntry {
    /// A file at `root/path`, or at `exact` when that does not spell it.
    pub fn new(
        path: RelPath,
        root: &Arc<Path>,
        exact: Option<PathBuf>,
        kind: FileKind,
        max_size: u64,
    ) -> Self {
        Self {
            path,
            root: Arc::clone(root),
            exact: exact.map(PathBuf::into_boxed_path),
            kind,
            max_size,
            source: OnceLock::new(),
            forms: OnceLock::new(),
            cache: None,
            stamp: OnceLock::new(),
            by_stamp: AtomicBool::new(false),
        }
    }

    /// Where the file is read from.
    fn abs(&self) -> PathBuf {
        match &self.exact {
            Some(exact) => exact.to_path_buf(),
            None => self.root.join(self.path.as_str()),
        }
    }

    fn forms(&self) -> &Forms {
        self.forms.get_or_init(Box::default)
    }

    /// A file whose text is given, not read (pack rule examples).
    pub fn from_text(path: RelPath, kind: FileKind, text: String) -> Self {
        let entry = Self::new(
            path.clone(),
            &Arc::from(Path::new("")),
            None,
            kind,
            u64::MAX,
        );
        let _ = entry
            .source
            .set(Loaded::Text(Arc::new(SourceFile::new(path, text))));
        entry
    }

    /// The file's text, read on first use. `None` when it was skipped (binary,
    /// non-UTF-8, too large, unreadable); the reason is reported once at the end.
    pub fn source(&self) -> Option<&Arc<SourceFile>> {
        match self.source.get_or_init(|| self.load()) {
            Loaded::Text(source) => Some(source),
            Loaded::Skipped { .. } => None,
        }
    }

    /// Whether the text was read (by any rule) during this run.
    pub fn loaded(&self) -> Option<&Loaded> {
        self.source.get()
    }

    /// The file parsed as YAML, on first use. `None` when it could not be read or
    /// parsed; the parse error is reported once at the end.
    pub fn yaml(&self) -> Option<&YamlFile> {
        let source = self.source()?;
        self.forms()
            .yaml
            .get_or_init(|| yaml::parse(source))
            .as_ref()
            .ok()
    }

    /// The file parsed as Python and summarised, on first use.
    pub fn python(&self) -> Option<&PyModule> {
        self.cached(
            &self.forms().python,
            |cache, path, key| cache.python(path, key),
            |cache, path, digest, stamp, value| cache.put_python(path, digest, stamp, value),
            python::parse,
        )?
        .as_ref()
        .ok()
    }

    /// The file's facts as a Django migration, on first use. Migration files are not
    /// summarised as modules: only these facts are kept.
    pub fn migration(&self) -> MigrationLoad<'_> {
        let found = self.cached(
            &self.forms().migration,
            |cache, path, key| cache.migration(path, key),
            |cache, path, digest, stamp, value| cache.put_migration(path, digest, stamp, value),
            migration::extract,
        );
        match found {
            None => MigrationLoad::Unreadable,
            Some(Ok(Some(facts))) => MigrationLoad::Facts(facts),
            Some(Ok(None)) => MigrationLoad::NotAMigration,
            Some(Err(_)) => MigrationLoad::Unparseable,
        }
    }

    /// A form the facts cache keeps, on first use: from the cache by the file's metadata
    /// without reading it, else by its text, else parsed (and recorded). `None` when the
    /// text could not be read.
    fn cached<'a, T>(
        &'a self,
        cell: &'a OnceLock<T>,
        get: impl Fn(&FactsCache, &str, Key) -> Option<T>,
        put: impl FnOnce(&FactsCache, &str, Digest, Option<Stamp>, &T),
        parse: impl FnOnce(&str) -> T,
    ) -> Option<&'a T> {
        if let Some(value) = cell.get() {
            return Some(value);
        }
        let path = self.path.as_str();
        if let Some(cache) = &self.cache
            && self.source.get().is_none()
            && let Some(stamp) = self.stamp()
            && let Some(value) = get(cache, path, Key::Stamp(stamp))
        {
            self.by_stamp.store(true, Ordering::Relaxed);
            return Some(cell.get_or_init(|| value));
        }
        let source = self.source()?;
        Some(cell.get_or_init(|| match &self.cache {
            Some(cache) => {
                let digest = Digest::of(&source.text);
                let stamp = self.stamp.get().copied().flatten();
                get(cache, path, Key::Text(digest, stamp)).unwrap_or_else(|| {
                    let parsed = parse(&source.text);
                    put(cache, path, digest, stamp, &parsed);
                    parsed
                })
            }
            None => parse(&source.text),
        }))
    }

    /// The file's metadata (one `lstat`), taken once: `None` for what is not a regular
    /// file within the size limit, which is then read and reported as it always was.
    fn stamp(&self) -> Option<Stamp> {
        *self.stamp.get_or_init(|| {
            std::fs::symlink_metadata(self.abs())
                .ok()
                .and_then(|m| Stamp::of(&m))
                .filter(|s| s.size() <= self.max_size)
        })
    }

    /// Whether a form came from the cache by metadata alone (the text was not read).
    pub fn answered_by_stamp(&self) -> bool {
        self.by_stamp.load(Ordering::Relaxed)
    }

    /// The file read as `ir.model.access.csv`, on first use (its faults are data, not
    /// parse errors: `security/malformed-access-file` reports them).
    pub fn access_csv(&self) -> Option<&AccessCsv> {
        let source = self.source()?;
        Some(
            self.forms()
                .access_csv
                .get_or_init(|| access_csv::parse(&source.text)),
        )
    }

    /// The `ir.model.access` records of an Odoo data XML file, on first use.
    pub fn odoo_xml(&self) -> Option<&XmlFacts> {
        let source = self.source()?;
        self.forms()
            .odoo_xml
            .get_or_init(|| odoo_xml::parse(source))
            .as_ref()
            .ok()
    }

    /// The middleware a Rust file applies, on first use. Files that never call
    /// `.layer(`/`.wrap(` are not parsed.
    pub fn rust_layers(&self) -> Option<&crate::syntax::rust::RustFacts> {
        let source = self.source()?;
        if crate::syntax::rust::is_test_path(self.path.as_str())
            || !crate::syntax::rust::mentions_middleware(&source.text)
        {
            return None;
        }
        self.forms()
            .rust
            .get_or_init(|| crate::syntax::rust::parse(source))
            .as_ref()
            .ok()
    }

    /// The file parsed as a Dockerfile, on first use (the parser is total: any text is
    /// some Dockerfile).
    pub fn dockerfile(&self) -> Option<&crate::syntax::dockerfile::Dockerfile> {
        let source = self.source()?;
        Some(
            self.forms()
                .dockerfile
                .get_or_init(|| crate::syntax::dockerfile::parse(&source.text)),
        )
    }

    /// The file read as a pip requirement file, on first use.
    pub fn requirements(&self) -> Option<&ReqFile> {
        let source = self.source()?;
        Some(
            self.forms()
                .requirements
                .get_or_init(|| requirements::parse(&source.text)),
        )
    }

    /// The dependencies a `pyproject.toml` declares, on first use. `None` when it could
    /// not be read or is not TOML (a parse error, reported once).
    pub fn pyproject_dependencies(&self) -> Option<&[Dependency]> {
        let source = self.source()?;
        self.forms()
            .pyproject
            .get_or_init(|| requirements::pyproject_dependencies(&source.text))
            .as_deref()
            .ok()
    }

    /// Every call of a Python file with its callee resolved through imports, on first
    /// use (only `python-call` pack rules ask).
    pub fn python_calls(&self) -> Option<&[python::PyCall]> {
        let source = self.source()?;
        self.forms()
            .python_calls
            .get_or_init(|| python::calls(&source.text))
            .as_deref()
            .ok()
    }

    /// The calls of a JavaScript or TypeScript file, on first use (the grammar by the
    /// file's extension; the summary is total: no parse errors).
    pub fn js(&self) -> Option<&crate::syntax::js::JsFile> {
        let source = self.source()?;
        Some(self.forms().js.get_or_init(|| {
            crate::syntax::js::parse(
                &source.text,
                crate::syntax::js::Dialect::of_path(self.path.as_str()),
            )
        }))
    }

    /// The file parsed as a TOML document, on first use (a spanned tree, as YAML's).
    pub fn toml(&self) -> Option<&YamlNode> {
        let source = self.source()?;
        self.forms()
            .toml
            .get_or_init(|| crate::syntax::toml::parse(&source.text))
            .as_ref()
            .ok()
    }

    fn load(&self) -> Loaded {
        let skipped = |reason: String, severity| Loaded::Skipped { reason, severity };
        let file = match std::fs::File::open(self.abs()) {
            Ok(f) => f,
            // Listed but gone: deleted while the run went on, or (`--staged`) in the git
            // index but deleted from the working tree without `git rm`. Nothing to judge.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return skipped(
                    "no longer exists (deleted during the run, or deleted from the working \
                     tree but not from the git index): not checked"
                        .into(),
                    Severity::Info,
                );
            }
            Err(e) => return skipped(format!("could not be read: {e}"), Severity::Warning),
        };
        let meta = file.metadata();
        if self.cache.is_some() {
            // The metadata before the read: a write after it changes the next run's stamp.
            let _ = self.stamp.set(
                meta.as_ref()
                    .ok()
                    .and_then(Stamp::of)
                    .filter(|s| s.size() <= self.max_size),
            );
        }
        let len = meta.map(|m| m.len()).unwrap_or(0);
        if len > self.max_size {
            return skipped(
                format!(
                    "is {} bytes, over the {}-byte limit (`max-file-size`)",
                    len, self.max_size
                ),
                Severity::Info,
            );
        }
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        // Read at most one byte past the limit, in case the file grew since stat.
        if let Err(e) = file
            .take(self.max_size.saturating_add(1))
            .read_to_end(&mut bytes)
        {
            return skipped(format!("could not be read: {e}"), Severity::Warning);
        }
        if bytes.len() as u64 > self.max_size {
            return skipped(
                format!("is over the {}-byte limit (`max-file-size`)", self.max_size),
                Severity::Info,
            );
        }
        let sniff = bytes.get(..BINARY_SNIFF.min(bytes.len())).unwrap_or(&[]);
        if sniff.contains(&0) {
            return skipped("is binary (contains a NUL byte)".into(), Severity::Info);
        }
        let mut text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                return skipped(
                    format!(
                        "is not valid UTF-8 (first bad byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                    Severity::Info,
                );
            }
        };
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        Loaded::Text(Arc::new(SourceFile::new(self.path.clone(), text)))
    }

    /// Why the file could not be checked, if it could not: skipped on read, or a parse
    /// failure in any form a rule asked for (the first one).
    pub fn failure(&self) -> Option<FileFailure<'_>> {
        if let Some(Loaded::Skipped { reason, severity }) = self.source.get() {
            return Some(FileFailure::Skipped {
                reason,
                severity: *severity,
            });
        }
        let forms = self.forms.get()?;
        [
            forms.yaml.get().and_then(|r| r.as_ref().err()),
            forms.python.get().and_then(|r| r.as_ref().err()),
            forms.migration.get().and_then(|r| r.as_ref().err()),
            forms.odoo_xml.get().and_then(|r| r.as_ref().err()),
            forms.rust.get().and_then(|r| r.as_ref().err()),
            forms.pyproject.get().and_then(|r| r.as_ref().err()),
            forms.python_calls.get().and_then(|r| r.as_ref().err()),
            forms.toml.get().and_then(|r| r.as_ref().err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(FileFailure::Parse)
    }
}

/// All discovered files, sorted by path. Models are built from it in `model`.
#[derive(Debug, Default)]
pub struct Index {
    files: Vec<FileEntry>,
    /// Kind -> positions in `files`.
    by_kind: rustc_hash::FxHashMap<FileKind, Vec<usize>>,
    /// Only some files of the tree were given (a file path on the command line): rules
    /// must not conclude that a file is missing.
    partial: bool,
}

impl Index {
    pub fn new(mut files: Vec<FileEntry>) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        let mut by_kind: rustc_hash::FxHashMap<FileKind, Vec<usize>> = Default::default();
        for (i, f) in files.iter().enumerate() {
            by_kind.entry(f.kind).or_default().push(i);
        }
        Self {
            files,
            by_kind,
            partial: false,
        }
    }

    /// Lets every file ask `cache` for its facts before parsing, and record them there.
    pub fn with_cache(mut self, cache: &Arc<FactsCache>) -> Self {
        for f in &mut self.files {
            f.cache = Some(Arc::clone(cache));
        }
        self
    }

    /// Marks the index as holding only some files of the tree.
    pub fn partial(mut self) -> Self {
        self.partial = true;
        self
    }

    /// Whether files outside the index may exist (a single file was checked).
    pub fn is_partial(&self) -> bool {
        self.partial
    }

    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files of a kind, in path order: a list built once, not a scan of every file.
    pub fn of_kind(&self, kind: FileKind) -> impl Iterator<Item = &FileEntry> {
        self.by_kind
            .get(&kind)
            .into_iter()
            .flatten()
            .filter_map(|i| self.files.get(*i))
    }

    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.files.get(self.position(path)?)
    }

    /// Whether some file lies below the folder `dir` (a binary search: files are sorted).
    pub fn has_files_under(&self, dir: &str) -> bool {
        !self.files_under(dir).is_empty()
    }

    /// The files below the folder `dir`, at any depth: a range of the sorted files,
    /// found by binary search ("" is the root: every file).
    pub fn files_under(&self, dir: &str) -> &[FileEntry] {
        let dir = dir.trim_end_matches('/');
        if dir.is_empty() {
            return &self.files;
        }
        let prefix = format!("{dir}/");
        let start = self
            .files
            .partition_point(|f| f.path.as_str() < prefix.as_str());
        let rest = self.files.get(start..).unwrap_or_default();
        let len = rest.partition_point(|f| f.path.as_str().starts_with(&prefix));
        rest.get(..len).unwrap_or_default()
    }

    /// The position of a file in [`Index::files`].
    pub fn position(&self, path: &str) -> Option<usize> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
    }

    /// Files that were opened and skipped.
    pub fn skipped_count(&self) -> usize {
        self.files
            .iter()
            .filter(|f| matches!(f.loaded(), Some(Loaded::Skipped { .. })))
            .count()
    }

    /// The text of a file that was read during the run.
    /// The text of a file this run used: read by a rule, or answered from the facts cache
    /// by its metadata (read now: a finding needs it).
    pub fn loaded_source(&self, path: &str) -> Option<&Arc<SourceFile>> {
        let file = self.get(path)?;
        if file.answered_by_stamp() {
            return file.source();
        }
        match file.loaded()? {
            Loaded::Text(s) => Some(s),
            Loaded::Skipped { .. } => None,
        }
    }
}

/// An index over files written to a temporary folder, for unit tests.
#[cfg(test)]
pub fn test_index(files: &[(&str, &str)]) -> (tempfile::TempDir, Index) {
    let dir = tempfile::TempDir::new().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let mut entries = Vec::new();
    let root: Arc<std::path::Path> = Arc::from(dir.path());
    for (rel, text) in files {
        let abs = dir.path().join(rel);
        if let Some(parent) = abs.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&abs, text).unwrap_or_else(|e| panic!("{e}"));
        entries.push(FileEntry::new(
            RelPath::new(*rel),
            &root,
            None,
            crate::core::kind::classify(rel),
            1 << 20,
        ));
    }
    (dir, Index::new(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_files_under_a_folder_by_binary_search() {
        let (_d, idx) = test_index(&[("a.b/x", ""), ("a/b/c.py", ""), ("ab", ""), ("z", "")]);
        assert!(idx.has_files_under("a"));
        assert!(idx.has_files_under("a/b/"));
        assert!(!idx.has_files_under("a/c"));
        assert!(!idx.has_files_under("ab"));
        assert!(idx.has_files_under(""));
        assert_eq!(idx.position("ab"), Some(2));
    }
}
