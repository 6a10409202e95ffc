//! The facts cache: per-file facts kept across runs, content-addressed, so a warm run
//! reads facts instead of parsing (issue 11; ruff's cache is the model). It holds what
//! parsing a Django migration yields ([`MigrationResult`]: the facts, "not a migration",
//! or the parse failure; the family that dominated a monorepo's check) and a Python
//! file's summary ([`PythonResult`]: `PyModule` or the parse failure; the next largest
//! parse cost of a warm run).
//!
//! - **Key.** An entry is looked up by the file's path (relative to the scan root) and is
//!   used only when the file's text has the recorded length and 128-bit XXH3 hash
//!   (`xxhash-rust`, a small, maintained, dependency-free crate: std's `DefaultHasher` is
//!   documented as unstable across Rust releases and hashes at a fraction of XXH3's
//!   speed). Path + length + 128 bits make an accidental collision negligible; XXH3 is not
//!   a cryptographic hash, but a repository author who could forge a collision could as
//!   well write a suppression comment: the cache is no security boundary.
//! - **Metadata.** A warm run need not even read a file: an entry also records the file's
//!   metadata ([`Stamp`]: size, device, inode, modification and change times to the
//!   nanosecond) when it was read, and a file whose metadata is unchanged is answered from
//!   the entry without being opened (ruff keys its cache on the modification time; git's
//!   index does the same with the same fields). The change time cannot be set by any tool
//!   (`touch -r`, `tar`, `rsync -t` and `cp -p` set the modification time only), so a
//!   rewrite that restores the old modification time is still seen. A stamp is recorded
//!   only when both times are over two seconds older than the run (git's "racily clean"
//!   rule: a file written in the same clock tick as it was read could change without its
//!   times changing); younger files are compared by content. A file whose text holds a
//!   suppression marker is always read (its directives are needed), and the engine reads a
//!   file answered this way when a finding needs its text.
//! - **Version.** The file's header holds a format number and a fingerprint of the
//!   guardrail version, of this file's source (the encoding), of the sources of the
//!   parsers whose output is cached (`syntax/migration.rs`, `syntax/python.rs`) and of
//!   `Cargo.lock` (ruff's parser version); any difference and the whole file is ignored,
//!   then rewritten.
//! - **Safety.** Reading never fails a run: a missing, truncated, corrupt (checksummed
//!   with XXH3-64), foreign or older cache file is an empty cache; every read is bounds
//!   checked; an entry whose text changed, or a form that does not decode exactly, is a
//!   miss. A hit returns exactly the value the parser returned when it was stored
//!   (tested byte for byte on the JSON output).
//! - **Lazy.** Opening reads the file and its framing only (serial, at the start of a
//!   run); a form is decoded when a file asks for it, on the worker thread that asks, and
//!   entries the run did not ask for are copied into the next file without decoding.
//! - **Layout.** One file per scan root, `facts-<hash of the root's absolute path>.bin`,
//!   in the cache folder (default `.guardrail_cache/` in the scan root, which the walk
//!   skips; a `.gitignore` holding `*` is written inside it, as ruff does). Written only
//!   when something changed, to a temporary file renamed into place, so a reader sees
//!   the old file or the new one, never half of one. Entries of files no longer in the
//!   index are dropped on write; entries of files the run did not parse are kept.
//!
//! - **Encoding.** Hand-written (the `Writer`/`Reader` below, about 900 lines): it was
//!   written to decode lazily and to fail closed on any malformed byte without adding a
//!   format crate. A serde derive on the syntax summaries with a compact format
//!   (`postcard`) would replace most of it; that is an open follow-up of issue 11, to
//!   be measured against this one for decode speed before it is taken.
//!
//! Layer: above `syntax` (the facts it stores) and `input`, below `index`, which asks it
//! before parsing (`FileEntry::migration`, `FileEntry::python`); `engine` opens and
//! saves it.

use crate::core::source::{ParseFailure, Span};
use crate::syntax::migration::{DepRef, DepTarget, MigrationFacts};
use crate::syntax::python::{Handler, ImportName, PyClass, PyModule, PyNode, PyStmt, PyValue};
use rustc_hash::FxHashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The default cache folder, in the scan root (the walk never enters a folder of this
/// name).
pub const DEFAULT_DIR: &str = crate::input::discover::CACHE_DIR;

/// What parsing a file as a Django migration yields.
pub type MigrationResult = Result<Option<MigrationFacts>, ParseFailure>;
/// What parsing a file as Python and summarising it yields.
pub type PythonResult = Result<PyModule, ParseFailure>;

const MAGIC: &[u8; 8] = b"GRFACTS\0";
/// Bump when the encoding below changes.
const FORMAT: u32 = 4;

/// What the cached values depend on besides a file's text.
fn schema() -> u64 {
    let parts: [&str; 6] = [
        env!("CARGO_PKG_VERSION"),
        "migration-facts python-summary",
        // This file: the encoding, in case `FORMAT` was not bumped with it.
        include_str!("cache.rs"),
        include_str!("syntax/migration.rs"),
        include_str!("syntax/python.rs"),
        include_str!("../Cargo.lock"),
    ];
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.digest()
}

/// A file's text, as the cache compares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digest {
    len: u64,
    hash: u128,
    /// The text holds a suppression marker (it is read even when its stamp matches).
    marked: bool,
}

impl Digest {
    pub fn of(text: &str) -> Self {
        Self {
            len: text.len() as u64,
            hash: xxhash_rust::xxh3::xxh3_128(text.as_bytes()),
            marked: text.contains(crate::core::source::SUPPRESSION_MARKER),
        }
    }
}

/// A file's metadata, as the cache compares it without reading the file (see the module
/// comment): equal stamps mean the file was not written since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    size: u64,
    dev: u64,
    ino: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    /// The stamp of a regular file's metadata (`None` elsewhere, or off Unix: there the
    /// cache compares content only).
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        meta.file_type().is_file().then(|| Self {
            size: meta.size(),
            dev: meta.dev(),
            ino: meta.ino(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    #[cfg(not(unix))]
    pub fn of(_meta: &std::fs::Metadata) -> Option<Self> {
        None
    }

    /// The size the file had.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether both times are before `limit` (seconds and nanoseconds since the epoch).
    fn settled(&self, limit: (i64, i64)) -> bool {
        self.mtime < limit && self.ctime < limit
    }
}

/// The forms of one text this run parsed, encoded as they are recorded (on the worker
/// thread that parsed them: the save only copies bytes, and the cache holds 10 MB of
/// encodings rather than a second copy of every parsed tree).
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    digest: Digest,
    stamp: Option<Stamp>,
    migration: Option<Vec<u8>>,
    python: Option<Vec<u8>>,
}

impl Entry {
    fn new(digest: Digest, stamp: Option<Stamp>) -> Self {
        Self {
            digest,
            stamp,
            migration: None,
            python: None,
        }
    }
}

/// How a file asks for its facts.
#[derive(Clone, Copy, Debug)]
pub enum Key {
    /// By its metadata alone, without reading it.
    Stamp(Stamp),
    /// By its text (and its metadata when read, to refresh a stale stamp).
    Text(Digest, Option<Stamp>),
}

/// Hits and misses of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: usize,
    pub misses: usize,
    /// Of the hits, those answered by a file's metadata, without reading it.
    pub unread: usize,
}

/// An entry of the file as read: its text's digest and where each stored form's
/// encoding lies in the file's bytes (decoded only when a run asks for it).
#[derive(Debug)]
struct Stored {
    path: String,
    digest: Digest,
    stamp: Option<Stamp>,
    migration: Option<Range<usize>>,
    python: Option<Range<usize>>,
}

/// A cache file as read: its bytes and its entries, sorted by path.
#[derive(Debug, Default)]
struct Loaded {
    bytes: Vec<u8>,
    entries: Vec<Stored>,
}

impl Loaded {
    fn find(&self, path: &str) -> Option<&Stored> {
        let i = self
            .entries
            .binary_search_by(|e| e.path.as_str().cmp(path))
            .ok()?;
        self.entries.get(i)
    }

    fn payload(&self, range: &Option<Range<usize>>) -> Option<&[u8]> {
        self.bytes.get(range.clone()?)
    }
}

/// The facts of one scan root: what the last run stored, and what this run parsed.
#[derive(Debug)]
pub struct FactsCache {
    file: PathBuf,
    stored: Loaded,
    fresh: Mutex<FxHashMap<String, Entry>>,
    /// Stored entries whose text this run found unchanged under new metadata.
    restamped: Mutex<FxHashMap<String, Stamp>>,
    /// Stamps with a time from this instant on are not recorded (seconds and nanoseconds
    /// since the epoch: two seconds before the run started).
    settled_before: (i64, i64),
    hits: AtomicUsize,
    misses: AtomicUsize,
    unread: AtomicUsize,
}

impl FactsCache {
    /// The cache of the scan root `root` in the folder `dir`. Never fails: an unreadable
    /// or invalid file is an empty cache. Only the framing is read here; each form is
    /// decoded when a file asks for it, on the thread that asks.
    pub fn open(dir: &Path, root: &Path) -> Self {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let name = xxhash_rust::xxh3::xxh3_64(root.to_string_lossy().as_bytes());
        let file = dir.join(format!("facts-{name:016x}.bin"));
        let stored = std::fs::read(&file)
            .ok()
            .and_then(frame)
            .unwrap_or_default();
        let settled_before = std::time::SystemTime::now()
            .checked_sub(std::time::Duration::from_secs(2))
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or((0, 0), |d| {
                (
                    i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                    i64::from(d.subsec_nanos()),
                )
            });
        Self {
            file,
            stored,
            fresh: Mutex::default(),
            restamped: Mutex::default(),
            settled_before,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            unread: AtomicUsize::new(0),
        }
    }

    /// Where the cache is written.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// A form of `path` if it was stored for this very text (or, by `Key::Stamp`, for a
    /// file with this very metadata and no suppression marker) and decodes. Counts a hit,
    /// or a miss of a text lookup (a stamp miss is followed by a text lookup).
    fn get<T>(
        &self,
        path: &str,
        key: Key,
        form: impl Fn(&Stored) -> &Option<Range<usize>>,
        decode: impl Fn(&[u8]) -> Option<T>,
    ) -> Option<T> {
        let stored = self.stored.find(path).filter(|e| match key {
            Key::Stamp(stamp) => e.stamp == Some(stamp) && !e.digest.marked,
            Key::Text(digest, _) => e.digest == digest,
        });
        let found = stored
            .and_then(|e| self.stored.payload(form(e)))
            .and_then(decode);
        if let (Some(e), Key::Text(_, Some(stamp))) = (stored, key)
            && found.is_some()
            && e.stamp != Some(stamp)
            && stamp.settled(self.settled_before)
            && let Ok(mut restamped) = self.restamped.lock()
        {
            restamped.insert(path.to_string(), stamp);
        }
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
            if matches!(key, Key::Stamp(_)) {
                self.unread.fetch_add(1, Ordering::Relaxed);
            }
        } else if matches!(key, Key::Text(..)) {
            self.misses.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Records a form of `path` this run parsed (its text `digest`; `stamp`, the file's
    /// metadata taken before it was read, kept only when settled).
    fn put(&self, path: &str, digest: Digest, stamp: Option<Stamp>, set: impl FnOnce(&mut Entry)) {
        let stamp = stamp.filter(|s| s.settled(self.settled_before));
        if let Ok(mut fresh) = self.fresh.lock() {
            let entry = fresh
                .entry(path.to_string())
                .or_insert_with(|| Entry::new(digest, stamp));
            if entry.digest != digest {
                *entry = Entry::new(digest, stamp);
            }
            set(entry);
        }
    }

    /// The migration facts of `path` if they were stored for this key.
    pub fn migration(&self, path: &str, key: Key) -> Option<MigrationResult> {
        self.get(path, key, |e| &e.migration, decode_migration)
    }

    /// Records what parsing `path` as a migration yielded.
    pub fn put_migration(
        &self,
        path: &str,
        digest: Digest,
        stamp: Option<Stamp>,
        value: &MigrationResult,
    ) {
        let bytes = encode_migration(value);
        self.put(path, digest, stamp, |e| e.migration = Some(bytes));
    }

    /// The Python summary of `path` if it was stored for this key.
    pub fn python(&self, path: &str, key: Key) -> Option<PythonResult> {
        self.get(path, key, |e| &e.python, decode_python)
    }

    /// Records what parsing `path` as Python yielded.
    pub fn put_python(
        &self,
        path: &str,
        digest: Digest,
        stamp: Option<Stamp>,
        value: &PythonResult,
    ) {
        let bytes = encode_python(value);
        self.put(path, digest, stamp, |e| e.python = Some(bytes));
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            unread: self.unread.load(Ordering::Relaxed),
        }
    }

    /// Writes the cache when it changed: this run's entries (with the stored forms of the
    /// same text it did not ask for), and the stored entries of the paths in `live` (the
    /// index) that this run did not parse, copied without decoding. `Ok(false)`: nothing
    /// to write.
    pub fn save<'p>(&self, live: impl Iterator<Item = &'p str>) -> std::io::Result<bool> {
        let fresh = match self.fresh.lock() {
            Ok(mut f) => std::mem::take(&mut *f),
            Err(_) => return Ok(false),
        };
        let restamped = match self.restamped.lock() {
            Ok(mut r) => std::mem::take(&mut *r),
            Err(_) => FxHashMap::default(),
        };
        let mut kept = 0;
        let mut out: Vec<Outgoing<'_>> = Vec::with_capacity(self.stored.entries.len());
        for path in live {
            let stored = self.stored.find(path);
            if let Some(e) = fresh.get(path) {
                let same = stored.filter(|s| s.digest == e.digest);
                out.push(Outgoing {
                    path,
                    digest: e.digest,
                    stamp: e.stamp,
                    migration: e
                        .migration
                        .as_deref()
                        .or_else(|| same.and_then(|s| self.stored.payload(&s.migration))),
                    python: e
                        .python
                        .as_deref()
                        .or_else(|| same.and_then(|s| self.stored.payload(&s.python))),
                });
            } else if let Some(s) = stored {
                if !restamped.contains_key(path) {
                    kept += 1;
                }
                out.push(Outgoing {
                    path,
                    digest: s.digest,
                    stamp: restamped.get(path).copied().or(s.stamp),
                    migration: self.stored.payload(&s.migration),
                    python: self.stored.payload(&s.python),
                });
            }
        }
        if fresh.is_empty() && kept == self.stored.entries.len() {
            return Ok(false);
        }
        out.sort_by(|a, b| a.path.cmp(b.path));
        out.dedup_by(|a, b| a.path == b.path);
        let bytes = encode(&out);
        let dir = self.file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(&ignore, "# Written by guardrail: its facts cache.\n*\n")?;
        }
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            self.file
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            std::process::id()
        ));
        std::fs::write(&tmp, &bytes)?;
        if let Err(e) = std::fs::rename(&tmp, &self.file) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(true)
    }
}

/// An entry to write, each form's encoding from this run or from the stored file.
struct Outgoing<'a> {
    path: &'a str,
    digest: Digest,
    stamp: Option<Stamp>,
    migration: Option<&'a [u8]>,
    python: Option<&'a [u8]>,
}

// The encoding: little-endian integers, strings and lists as a u64 length then their
// bytes or items.
//
//   file      = MAGIC, FORMAT u32, schema u64, count u64, entry*, checksum u64 (XXH3-64
//               of every byte before it)
//   entry     = path str, len u64, hash u128, marked bool, stamp?, form (migration),
//               form (python); entries sorted by path
//   stamp     = 0 absent | 1, size, dev, ino u64, mtime, mtime ns, ctime, ctime ns i64
//   form      = 0 absent | 1, byte length u64, the form's encoding
//   migration = 1 failure | 2 not a migration | 3 facts
//   python    = 1 failure | 2 module
//   failure   = message str, span?
//
// Every type is written by destructuring it whole, so a new field fails to compile here
// until it is encoded.

fn encode(entries: &[Outgoing<'_>]) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(entries.len() * 256));
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.u64(schema());
    w.usize(entries.len());
    for e in entries {
        w.str(e.path);
        w.u64(e.digest.len);
        w.0.extend_from_slice(&e.digest.hash.to_le_bytes());
        w.bool(e.digest.marked);
        w.stamp(e.stamp);
        w.form(e.migration);
        w.form(e.python);
    }
    let sum = xxhash_rust::xxh3::xxh3_64(&w.0);
    w.u64(sum);
    w.0
}

fn encode_migration(value: &MigrationResult) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(256));
    match value {
        Err(failure) => {
            w.u8(1);
            w.failure(failure);
        }
        Ok(None) => w.u8(2),
        Ok(Some(facts)) => {
            w.u8(3);
            w.facts(facts);
        }
    }
    w.0
}

fn encode_python(value: &PythonResult) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(256));
    match value {
        Err(failure) => {
            w.u8(1);
            w.failure(failure);
        }
        Ok(PyModule { body }) => {
            w.u8(2);
            w.stmts(body);
        }
    }
    w.0
}

/// Checks a file's checksum, header and framing, and lists its entries (sorted by path,
/// or the file is refused). The forms are not decoded here.
fn frame(bytes: Vec<u8>) -> Option<Loaded> {
    let body_len = bytes.len().checked_sub(8)?;
    let (body, sum) = bytes.split_at_checked(body_len)?;
    if xxhash_rust::xxh3::xxh3_64(body) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut r = Reader(body);
    if r.take(MAGIC.len())? != MAGIC || r.u32()? != FORMAT || r.u64()? != schema() {
        return None;
    }
    let count = r.len()?;
    let mut entries: Vec<Stored> = Vec::with_capacity(count);
    for _ in 0..count {
        let path = r.str()?;
        let len = r.u64()?;
        let hash = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
        let marked = r.bool()?;
        let stamp = r.stamp()?;
        let migration = r.form_range(body_len)?;
        let python = r.form_range(body_len)?;
        if entries.last().is_some_and(|last| last.path >= path) {
            return None;
        }
        entries.push(Stored {
            path,
            digest: Digest { len, hash, marked },
            stamp,
            migration,
            python,
        });
    }
    r.0.is_empty().then_some(Loaded { bytes, entries })
}

/// A whole encoding of a form, or `None` (a miss) when it does not decode exactly.
fn decode_whole<T>(bytes: &[u8], read: impl FnOnce(&mut Reader<'_>) -> Option<T>) -> Option<T> {
    let mut r = Reader(bytes);
    let value = read(&mut r)?;
    r.0.is_empty().then_some(value)
}

fn decode_migration(bytes: &[u8]) -> Option<MigrationResult> {
    decode_whole(bytes, |r| match r.u8()? {
        1 => Some(Err(r.failure()?)),
        2 => Some(Ok(None)),
        3 => Some(Ok(Some(r.facts()?))),
        _ => None,
    })
}

fn decode_python(bytes: &[u8]) -> Option<PythonResult> {
    decode_whole(bytes, |r| match r.u8()? {
        1 => Some(Err(r.failure()?)),
        2 => Some(Ok(PyModule { body: r.stmts()? })),
        _ => None,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }
    fn str(&mut self, s: &str) {
        self.usize(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn span(&mut self, s: Span) {
        self.usize(s.start);
        self.usize(s.end);
    }
    fn opt_span(&mut self, s: Option<Span>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.span(s);
            }
        }
    }
    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    fn stamp(&mut self, s: Option<Stamp>) {
        let Some(s) = s else {
            return self.u8(0);
        };
        self.u8(1);
        for v in [s.size, s.dev, s.ino] {
            self.u64(v);
        }
        for v in [s.mtime.0, s.mtime.1, s.ctime.0, s.ctime.1] {
            self.u64(v.cast_unsigned());
        }
    }
    /// A form: absent, or its encoding behind its byte length.
    fn form(&mut self, form: Option<&[u8]>) {
        match form {
            None => self.u8(0),
            Some(bytes) => {
                self.u8(1);
                self.usize(bytes.len());
                self.0.extend_from_slice(bytes);
            }
        }
    }
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }
    fn failure(&mut self, f: &ParseFailure) {
        let ParseFailure { message, span } = f;
        self.str(message);
        self.opt_span(*span);
    }
    fn nodes(&mut self, nodes: &[PyNode]) {
        self.usize(nodes.len());
        for n in nodes {
            self.node(n);
        }
    }
    fn node(&mut self, node: &PyNode) {
        let PyNode { span, value } = node;
        self.span(*span);
        match value {
            PyValue::Str(s) => {
                self.u8(0);
                self.str(s);
            }
            PyValue::Int(i) => {
                self.u8(1);
                self.0.extend_from_slice(&i.to_le_bytes());
            }
            PyValue::Bool(b) => {
                self.u8(2);
                self.bool(*b);
            }
            PyValue::None => self.u8(3),
            PyValue::List(v) => {
                self.u8(4);
                self.nodes(v);
            }
            PyValue::Tuple(v) => {
                self.u8(5);
                self.nodes(v);
            }
            PyValue::Set(v) => {
                self.u8(6);
                self.nodes(v);
            }
            PyValue::Dict(items) => {
                self.u8(7);
                self.usize(items.len());
                for (k, v) in items {
                    match k {
                        None => self.u8(0),
                        Some(k) => {
                            self.u8(1);
                            self.node(k);
                        }
                    }
                    self.node(v);
                }
            }
            PyValue::Ref(s) => {
                self.u8(8);
                self.str(s);
            }
            PyValue::Call { func, args, kwargs } => {
                self.u8(9);
                self.str(func);
                self.nodes(args);
                self.usize(kwargs.len());
                for (k, v) in kwargs {
                    self.opt_str(k.as_deref());
                    self.node(v);
                }
            }
            PyValue::Add(a, b) => {
                self.u8(10);
                self.node(a);
                self.node(b);
            }
            PyValue::Contains {
                item,
                container,
                negated,
            } => {
                self.u8(11);
                self.node(item);
                self.node(container);
                self.bool(*negated);
            }
            PyValue::Other => self.u8(12),
        }
    }
    fn strs(&mut self, v: &[String]) {
        self.usize(v.len());
        for s in v {
            self.str(s);
        }
    }
    fn import_names(&mut self, names: &[ImportName]) {
        self.usize(names.len());
        for ImportName { name, alias, span } in names {
            self.str(name);
            self.opt_str(alias.as_deref());
            self.span(*span);
        }
    }
    fn stmts(&mut self, body: &[PyStmt]) {
        self.usize(body.len());
        for s in body {
            self.stmt(s);
        }
    }
    fn stmt(&mut self, stmt: &PyStmt) {
        match stmt {
            PyStmt::Assign {
                targets,
                value,
                span,
            } => {
                self.u8(0);
                self.strs(targets);
                self.node(value);
                self.span(*span);
            }
            PyStmt::AugAssign {
                target,
                add,
                value,
                span,
            } => {
                self.u8(1);
                self.str(target);
                self.bool(*add);
                self.node(value);
                self.span(*span);
            }
            PyStmt::Expr { value, span } => {
                self.u8(2);
                self.node(value);
                self.span(*span);
            }
            PyStmt::Return { value, span } => {
                self.u8(3);
                match value {
                    None => self.u8(0),
                    Some(v) => {
                        self.u8(1);
                        self.node(v);
                    }
                }
                self.span(*span);
            }
            PyStmt::Import { names, span } => {
                self.u8(4);
                self.import_names(names);
                self.span(*span);
            }
            PyStmt::ImportFrom {
                module,
                level,
                names,
                span,
            } => {
                self.u8(5);
                self.opt_str(module.as_deref());
                self.u32(*level);
                self.import_names(names);
                self.span(*span);
            }
            PyStmt::Class(PyClass {
                name,
                name_span,
                span,
                bases,
                body,
            }) => {
                self.u8(6);
                self.str(name);
                self.span(*name_span);
                self.span(*span);
                self.nodes(bases);
                self.stmts(body);
            }
            PyStmt::Function { name, span, body } => {
                self.u8(7);
                self.str(name);
                self.span(*span);
                self.stmts(body);
            }
            PyStmt::If {
                test,
                body,
                orelse,
                span,
            } => {
                self.u8(8);
                self.node(test);
                self.stmts(body);
                self.stmts(orelse);
                self.span(*span);
            }
            PyStmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                span,
            } => {
                self.u8(9);
                self.stmts(body);
                self.usize(handlers.len());
                for Handler { types, body } in handlers {
                    self.strs(types);
                    self.stmts(body);
                }
                self.stmts(orelse);
                self.stmts(finalbody);
                self.span(*span);
            }
            PyStmt::Block { body, span } => {
                self.u8(10);
                self.stmts(body);
                self.span(*span);
            }
        }
    }
    fn refs(&mut self, refs: &[DepRef]) {
        self.usize(refs.len());
        for DepRef {
            span,
            target,
            fingerprint,
        } in refs
        {
            self.span(*span);
            match target {
                DepTarget::Node { app, name } => {
                    self.u8(0);
                    self.str(app);
                    self.str(name);
                }
                DepTarget::Swappable { setting } => {
                    self.u8(1);
                    self.str(setting);
                }
                DepTarget::Unknown => self.u8(2),
            }
            self.u64(*fingerprint);
        }
    }
    fn facts(&mut self, facts: &MigrationFacts) {
        let MigrationFacts {
            class_span,
            dependencies,
            dependencies_complete,
            dependencies_span,
            replaces,
            run_before,
            initial,
            operations_span,
        } = facts;
        self.span(*class_span);
        self.refs(dependencies);
        self.bool(*dependencies_complete);
        self.opt_span(*dependencies_span);
        self.refs(replaces);
        self.refs(run_before);
        self.u8(match initial {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        });
        self.opt_span(*operations_span);
    }
}

struct Reader<'b>(&'b [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }
    fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn stamp(&mut self) -> Option<Option<Stamp>> {
        if !self.bool()? {
            return Some(None);
        }
        let (size, dev, ino) = (self.u64()?, self.u64()?, self.u64()?);
        let mut i = || self.u64().map(u64::cast_signed);
        Some(Some(Stamp {
            size,
            dev,
            ino,
            mtime: (i()?, i()?),
            ctime: (i()?, i()?),
        }))
    }
    fn str(&mut self) -> Option<String> {
        let n = self.usize()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    fn span(&mut self) -> Option<Span> {
        let (start, end) = (self.usize()?, self.usize()?);
        // `Span::new` would repair a reversed span: a stored one never is.
        (start <= end).then_some(Span { start, end })
    }
    fn opt_span(&mut self) -> Option<Option<Span>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.span()?)),
            _ => None,
        }
    }
    /// A form's place in the file (`total`: the length of the file's body, of which this
    /// reader holds the tail), skipped over without decoding.
    fn form_range(&mut self, total: usize) -> Option<Option<Range<usize>>> {
        match self.u8()? {
            0 => Some(None),
            1 => {
                let n = self.usize()?;
                let start = total.checked_sub(self.0.len())?;
                self.take(n)?;
                Some(Some(start..start + n))
            }
            _ => None,
        }
    }
    fn opt_str(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.str()?)),
            _ => None,
        }
    }
    fn failure(&mut self) -> Option<ParseFailure> {
        Some(ParseFailure {
            message: self.str()?,
            span: self.opt_span()?,
        })
    }
    /// A list's length, refused when the rest of the file could not hold that many
    /// items of at least one byte (no huge allocation from a bad count).
    fn len(&mut self) -> Option<usize> {
        let n = self.usize()?;
        (n <= self.0.len()).then_some(n)
    }
    fn nodes(&mut self) -> Option<Vec<PyNode>> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.node()?);
        }
        Some(out)
    }
    fn boxed(&mut self) -> Option<Box<PyNode>> {
        Some(Box::new(self.node()?))
    }
    fn node(&mut self) -> Option<PyNode> {
        let span = self.span()?;
        let value = match self.u8()? {
            0 => PyValue::Str(self.str()?),
            1 => PyValue::Int(i64::from_le_bytes(self.take(8)?.try_into().ok()?)),
            2 => PyValue::Bool(self.bool()?),
            3 => PyValue::None,
            4 => PyValue::List(self.nodes()?),
            5 => PyValue::Tuple(self.nodes()?),
            6 => PyValue::Set(self.nodes()?),
            7 => {
                let n = self.len()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    let key = match self.u8()? {
                        0 => None,
                        1 => Some(self.node()?),
                        _ => return None,
                    };
                    items.push((key, self.node()?));
                }
                PyValue::Dict(items)
            }
            8 => PyValue::Ref(self.str()?),
            9 => {
                let func = self.str()?;
                let args = self.nodes()?;
                let n = self.len()?;
                let mut kwargs = Vec::with_capacity(n);
                for _ in 0..n {
                    kwargs.push((self.opt_str()?, self.node()?));
                }
                PyValue::Call { func, args, kwargs }
            }
            10 => PyValue::Add(self.boxed()?, self.boxed()?),
            11 => PyValue::Contains {
                item: self.boxed()?,
                container: self.boxed()?,
                negated: self.bool()?,
            },
            12 => PyValue::Other,
            _ => return None,
        };
        Some(PyNode { span, value })
    }
    fn strs(&mut self) -> Option<Vec<String>> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.str()?);
        }
        Some(out)
    }
    fn import_names(&mut self) -> Option<Vec<ImportName>> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(ImportName {
                name: self.str()?,
                alias: self.opt_str()?,
                span: self.span()?,
            });
        }
        Some(out)
    }
    fn stmts(&mut self) -> Option<Vec<PyStmt>> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.stmt()?);
        }
        Some(out)
    }
    fn stmt(&mut self) -> Option<PyStmt> {
        Some(match self.u8()? {
            0 => PyStmt::Assign {
                targets: self.strs()?,
                value: self.node()?,
                span: self.span()?,
            },
            1 => PyStmt::AugAssign {
                target: self.str()?,
                add: self.bool()?,
                value: self.node()?,
                span: self.span()?,
            },
            2 => PyStmt::Expr {
                value: self.node()?,
                span: self.span()?,
            },
            3 => PyStmt::Return {
                value: match self.u8()? {
                    0 => None,
                    1 => Some(self.node()?),
                    _ => return None,
                },
                span: self.span()?,
            },
            4 => PyStmt::Import {
                names: self.import_names()?,
                span: self.span()?,
            },
            5 => PyStmt::ImportFrom {
                module: self.opt_str()?,
                level: self.u32()?,
                names: self.import_names()?,
                span: self.span()?,
            },
            6 => PyStmt::Class(PyClass {
                name: self.str()?,
                name_span: self.span()?,
                span: self.span()?,
                bases: self.nodes()?,
                body: self.stmts()?,
            }),
            7 => PyStmt::Function {
                name: self.str()?,
                span: self.span()?,
                body: self.stmts()?,
            },
            8 => PyStmt::If {
                test: self.node()?,
                body: self.stmts()?,
                orelse: self.stmts()?,
                span: self.span()?,
            },
            9 => {
                let body = self.stmts()?;
                let n = self.len()?;
                let mut handlers = Vec::with_capacity(n);
                for _ in 0..n {
                    handlers.push(Handler {
                        types: self.strs()?,
                        body: self.stmts()?,
                    });
                }
                PyStmt::Try {
                    body,
                    handlers,
                    orelse: self.stmts()?,
                    finalbody: self.stmts()?,
                    span: self.span()?,
                }
            }
            10 => PyStmt::Block {
                body: self.stmts()?,
                span: self.span()?,
            },
            _ => return None,
        })
    }
    fn refs(&mut self) -> Option<Vec<DepRef>> {
        let n = self.len()?;
        let mut out = Vec::new();
        for _ in 0..n {
            let span = self.span()?;
            let target = match self.u8()? {
                0 => DepTarget::Node {
                    app: self.str()?,
                    name: self.str()?,
                },
                1 => DepTarget::Swappable {
                    setting: self.str()?,
                },
                2 => DepTarget::Unknown,
                _ => return None,
            };
            out.push(DepRef {
                span,
                target,
                fingerprint: self.u64()?,
            });
        }
        Some(out)
    }
    fn facts(&mut self) -> Option<MigrationFacts> {
        Some(MigrationFacts {
            class_span: self.span()?,
            dependencies: self.refs()?,
            dependencies_complete: self.bool()?,
            dependencies_span: self.opt_span()?,
            replaces: self.refs()?,
            run_before: self.refs()?,
            initial: match self.u8()? {
                0 => None,
                1 => Some(false),
                2 => Some(true),
                _ => return None,
            },
            operations_span: self.opt_span()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::migration::extract;
    use crate::syntax::python;

    /// Every statement and value shape of `PyModule`.
    const PYTHON: &str = r#"
import os, sys as system
from . import apps
from ..x.y import (a as b, c)
if os.environ.get("X") in ("1", "true") and not DEBUG:
    INSTALLED = ["a", 'b'] + EXTRA
elif "k" not in {1, 2}:
    pass
else:
    N = -3
try:
    from local import *
except (ImportError, ValueError) as e:
    raise
except Exception:
    x = None
else:
    y = True
finally:
    z = {"a": 1, **other, "b": [f(1, k=2, *r, **kw), (3,)]}
MIDDLEWARE += ["m"]
COUNT -= 1
class Model(models.Model, Mixin):
    name = models.CharField(max_length=10)
    class Meta:
        ordering = ("name",)
    def save(self, *args, **kwargs):
        return super().save(*args, **kwargs)
with open("f") as fh:
    DATA = fh.read()
for i in range(3):
    print(i)
lambda: 0
"#;

    const MIGRATIONS: &[&str] = &[
        PYTHON,
        "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = [('auth', '0001_initial'), migrations.swappable_dependency(settings.AUTH_USER_MODEL), ['b', '__first__'], dep()]\n    replaces = [('a', '0001'), ('a', '0002')]\n    run_before = (('c', '0003'),)\n    operations = []\n",
        "class Migration:\n    dependencies = BASE + [('a', '0001')]\n    initial = False\n",
        "class Migration:\n    pass\n",
        "import os\n",
        "class Migration(\n",
        "# é ü\nclass Migration:\n    dependencies = [('é', 'ü')]\n",
    ];

    /// An entry with its forms decoded.
    #[derive(Debug, PartialEq)]
    struct Decoded {
        digest: Digest,
        migration: Option<MigrationResult>,
        python: Option<PythonResult>,
    }

    fn entries() -> Vec<(String, Decoded)> {
        MIGRATIONS
            .iter()
            .enumerate()
            .map(|(i, text)| {
                (
                    format!("app/migrations/{i:04}_m.py"),
                    Decoded {
                        digest: Digest::of(text),
                        migration: Some(extract(text)),
                        python: Some(python::parse(text)),
                    },
                )
            })
            .collect()
    }

    fn encode_entries(entries: &[(String, Decoded)]) -> Vec<u8> {
        type Forms = (Option<Vec<u8>>, Option<Vec<u8>>);
        let forms: Vec<Forms> = entries
            .iter()
            .map(|(_, e)| {
                (
                    e.migration.as_ref().map(encode_migration),
                    e.python.as_ref().map(encode_python),
                )
            })
            .collect();
        let out: Vec<Outgoing<'_>> = entries
            .iter()
            .zip(&forms)
            .map(|((path, e), (m, p))| Outgoing {
                path,
                digest: e.digest,
                stamp: None,
                migration: m.as_deref(),
                python: p.as_deref(),
            })
            .collect();
        encode(&out)
    }

    /// Every entry of a file, every form decoded (`None` if any does not decode).
    fn decode(bytes: &[u8]) -> Option<FxHashMap<String, Decoded>> {
        let loaded = frame(bytes.to_vec())?;
        let mut out = FxHashMap::default();
        for s in &loaded.entries {
            let migration = match loaded.payload(&s.migration) {
                None => None,
                Some(b) => Some(decode_migration(b)?),
            };
            let python = match loaded.payload(&s.python) {
                None => None,
                Some(b) => Some(decode_python(b)?),
            };
            out.insert(
                s.path.clone(),
                Decoded {
                    digest: s.digest,
                    migration,
                    python,
                },
            );
        }
        Some(out)
    }

    fn text_key(text: &str) -> Key {
        Key::Text(Digest::of(text), None)
    }

    fn encoded() -> Vec<u8> {
        encode_entries(&entries())
    }

    #[test]
    fn every_shape_round_trips_exactly() {
        let decoded = decode(&encoded()).unwrap();
        let entries = entries();
        assert_eq!(decoded.len(), entries.len());
        assert!(
            entries
                .iter()
                .any(|(_, e)| matches!(e.migration, Some(Err(_))))
        );
        assert!(
            entries
                .iter()
                .any(|(_, e)| matches!(e.migration, Some(Ok(None))))
        );
        assert!(
            entries
                .iter()
                .any(|(_, e)| matches!(e.python, Some(Err(_))))
        );
        for (path, entry) in &entries {
            assert_eq!(decoded.get(path), Some(entry), "{path}");
        }
    }

    #[test]
    fn every_python_file_of_the_fixtures_round_trips_exactly() {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "py") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
            &mut files,
        );
        // Sorted as text, as the index sorts paths (a `PathBuf` sorts by component).
        files.sort_by_key(|f| f.display().to_string());
        assert!(files.len() > 100, "{} files", files.len());
        let entries: Vec<(String, Decoded)> = files
            .iter()
            .filter_map(|f| {
                let text = std::fs::read_to_string(f).ok()?;
                Some((
                    f.display().to_string(),
                    Decoded {
                        digest: Digest::of(&text),
                        migration: Some(extract(&text)),
                        python: Some(python::parse(&text)),
                    },
                ))
            })
            .collect();
        let decoded = decode(&encode_entries(&entries)).unwrap();
        assert_eq!(decoded.len(), entries.len());
        for (path, entry) in &entries {
            assert_eq!(decoded.get(path), Some(entry), "{path}");
        }
    }

    #[test]
    fn a_corrupt_or_foreign_file_is_an_empty_cache_never_a_panic() {
        let good = encoded();
        assert!(decode(&good).is_some());
        // Truncated at every length, and every byte flipped: never a panic, never a
        // value (the checksum), including the checksum's own bytes.
        for n in 0..good.len() {
            assert!(decode(&good[..n]).is_none(), "truncated at {n}");
        }
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x40;
            assert!(decode(&bad).is_none(), "byte {i} flipped");
        }
        // A well-formed checksum over garbage (a file of another format): refused by
        // the header or the bounds checks.
        for garbage in [
            b"not a cache".to_vec(),
            vec![0xff; 64],
            [MAGIC.as_slice(), &[9, 0, 0, 0]].concat(),
        ] {
            let mut bytes = garbage.clone();
            bytes.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&garbage).to_le_bytes());
            assert!(decode(&bytes).is_none());
        }
        // A body that claims more entries than it holds, with a valid checksum.
        let mut body = good[..good.len() - 8].to_vec();
        let count_at = MAGIC.len() + 4 + 8;
        body[count_at..count_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        let sum = xxhash_rust::xxh3::xxh3_64(&body);
        body.extend_from_slice(&sum.to_le_bytes());
        assert!(decode(&body).is_none());
    }

    #[test]
    fn a_form_that_does_not_decode_is_a_miss() {
        let dir = tempfile::TempDir::new().unwrap();
        let text = MIGRATIONS[1];
        // A well-framed file (valid checksum) whose migration form is garbage.
        let mut w = Writer(Vec::new());
        w.0.extend_from_slice(MAGIC);
        w.u32(FORMAT);
        w.u64(schema());
        w.usize(1);
        w.str("a.py");
        w.u64(Digest::of(text).len);
        w.0.extend_from_slice(&Digest::of(text).hash.to_le_bytes());
        w.bool(false);
        w.stamp(None);
        w.u8(1);
        w.usize(3);
        w.0.extend_from_slice(&[3, 0xff, 0xff]);
        w.u8(0);
        let sum = xxhash_rust::xxh3::xxh3_64(&w.0);
        w.u64(sum);
        let cache_dir = dir.path().join("c");
        let probe = FactsCache::open(&cache_dir, dir.path());
        std::fs::create_dir_all(&cache_dir).unwrap();
        std::fs::write(probe.file(), &w.0).unwrap();
        let cache = FactsCache::open(&cache_dir, dir.path());
        assert_eq!(cache.stored.entries.len(), 1, "framed");
        assert_eq!(cache.migration("a.py", text_key(text)), None);
        assert_eq!(cache.python("a.py", text_key(text)), None);
        assert_eq!(
            cache.stats(),
            CacheStats {
                hits: 0,
                misses: 2,
                unread: 0
            }
        );
    }

    #[test]
    fn saves_loads_and_misses_on_changed_text() {
        let dir = tempfile::TempDir::new().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(&root).unwrap();
        let cache_dir = root.join(DEFAULT_DIR);
        let text = MIGRATIONS[1];
        let value = extract(text);

        let cache = FactsCache::open(&cache_dir, &root);
        assert_eq!(cache.migration("a.py", text_key(text)), None);
        cache.put_migration("a.py", Digest::of(text), None, &value);
        cache.put_migration("gone.py", Digest::of(text), None, &value);
        assert!(cache.save(["a.py", "b.py"].into_iter()).unwrap());
        assert_eq!(
            std::fs::read_to_string(cache_dir.join(".gitignore"))
                .unwrap()
                .lines()
                .last(),
            Some("*")
        );

        let cache = FactsCache::open(&cache_dir, &root);
        assert_eq!(cache.migration("a.py", text_key(text)), Some(value));
        assert_eq!(cache.migration("gone.py", text_key(text)), None);
        let edited = text.replace("'0001_initial'", "'0002_initial'");
        assert_eq!(cache.migration("a.py", text_key(&edited)), None);
        assert_eq!(
            cache.stats(),
            CacheStats {
                hits: 1,
                misses: 2,
                unread: 0
            }
        );
        // Nothing new and nothing dropped: not rewritten.
        assert!(!cache.save(["a.py"].into_iter()).unwrap());

        // A second form of the same text is added to the stored one, not put in its
        // place.
        let module = python::parse(text);
        assert_eq!(cache.python("a.py", text_key(text)), None);
        cache.put_python("a.py", Digest::of(text), None, &module);
        let cache = saved_and_reopened(&cache, &["a.py"], &cache_dir, &root);
        assert_eq!(cache.migration("a.py", text_key(text)), Some(extract(text)));
        assert_eq!(cache.python("a.py", text_key(text)), Some(module));

        // A corrupt file on disk: an empty cache, then overwritten by the next save.
        std::fs::write(cache.file(), b"garbage").unwrap();
        let cache = FactsCache::open(&cache_dir, &root);
        assert_eq!(cache.migration("a.py", text_key(text)), None);
    }

    /// Saves `cache` for the `live` paths (it must write) and opens what it wrote.
    fn saved_and_reopened(
        cache: &FactsCache,
        live: &[&str],
        cache_dir: &Path,
        root: &Path,
    ) -> FactsCache {
        assert!(cache.save(live.iter().copied()).unwrap());
        FactsCache::open(cache_dir, root)
    }

    /// A stamp of a file written `age` seconds before `now`.
    fn stamp(now: i64, age: i64, ino: u64) -> Stamp {
        Stamp {
            size: 10,
            dev: 1,
            ino,
            mtime: (now - age, 5),
            ctime: (now - age, 7),
        }
    }

    #[test]
    fn a_settled_stamp_answers_without_the_text_and_nothing_else_does() {
        let dir = tempfile::TempDir::new().unwrap();
        let cache_dir = dir.path().join("c");
        let text = MIGRATIONS[1];
        let marked = "# guardrail: ignore[GR101]\n".to_string() + text;
        let cache = FactsCache::open(&cache_dir, dir.path());
        let now = cache.settled_before.0 + 2;
        let old = stamp(now, 3600, 1);
        let young = stamp(now, 1, 2);
        cache.put_migration("old.py", Digest::of(text), Some(old), &extract(text));
        cache.put_migration("young.py", Digest::of(text), Some(young), &extract(text));
        cache.put_migration(
            "marked.py",
            Digest::of(&marked),
            Some(stamp(now, 3600, 3)),
            &extract(&marked),
        );
        cache.put_migration("none.py", Digest::of(text), None, &extract(text));
        let live = ["old.py", "young.py", "marked.py", "none.py"];
        let cache = saved_and_reopened(&cache, &live, &cache_dir, dir.path());
        // Unchanged metadata: answered by the stamp.
        assert_eq!(
            cache.migration("old.py", Key::Stamp(old)),
            Some(extract(text))
        );
        // Any field changed: not answered (a rewrite keeping the modification time still
        // changes the change time).
        let mut rewritten = old;
        rewritten.ctime.1 += 1;
        assert_eq!(cache.migration("old.py", Key::Stamp(rewritten)), None);
        let mut moved = old;
        moved.ino = 99;
        assert_eq!(cache.migration("old.py", Key::Stamp(moved)), None);
        // A file written within two seconds of the run: its stamp was not recorded.
        assert_eq!(cache.migration("young.py", Key::Stamp(young)), None);
        assert_eq!(
            cache.migration("young.py", text_key(text)),
            Some(extract(text))
        );
        // A text with a suppression marker is always read.
        assert_eq!(
            cache.migration("marked.py", Key::Stamp(stamp(now, 3600, 3))),
            None
        );
        assert_eq!(cache.migration("none.py", Key::Stamp(old)), None);
        // Stamp misses are not counted: the text lookup that follows counts.
        assert_eq!(
            cache.stats(),
            CacheStats {
                hits: 2,
                misses: 0,
                unread: 1
            }
        );

        // The same text under new, settled metadata (a checkout that touched the file):
        // the stamp is refreshed, so the next run need not read it.
        let touched = stamp(now, 60, 1);
        assert_eq!(
            cache.migration("old.py", Key::Text(Digest::of(text), Some(touched))),
            Some(extract(text))
        );
        let cache = saved_and_reopened(&cache, &live, &cache_dir, dir.path());
        assert_eq!(
            cache.migration("old.py", Key::Stamp(touched)),
            Some(extract(text))
        );
        assert_eq!(cache.migration("old.py", Key::Stamp(old)), None);
    }
}
