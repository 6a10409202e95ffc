//! The facts cache: per-file facts kept across runs, content-addressed, so a warm run
//! reads facts instead of parsing (issue 11; ruff's cache is the model). Today it holds
//! what parsing Django migrations yields ([`MigrationResult`]: the facts, "not a
//! migration", or the parse failure), the family that dominated a monorepo's check.
//!
//! - **Key.** An entry is looked up by the file's path (relative to the scan root) and is
//!   used only when the file's text has the recorded length and 128-bit XXH3 hash
//!   (`xxhash-rust`, a small, maintained, dependency-free crate: std's `DefaultHasher` is
//!   documented as unstable across Rust releases and hashes at a fraction of XXH3's
//!   speed). Path + length + 128 bits make an accidental collision negligible; XXH3 is not
//!   a cryptographic hash, but a repository author who could forge a collision could as
//!   well write a suppression comment: the cache is no security boundary.
//! - **Version.** The file's header holds a format number and a fingerprint of the
//!   guardrail version, of the sources of the parsers whose output is cached
//!   (`syntax/migration.rs`, `syntax/python.rs`) and of `Cargo.lock` (ruff's parser
//!   version); any difference and the whole file is ignored, then rewritten.
//! - **Safety.** Reading never fails a run: a missing, truncated, corrupt (checksummed
//!   with XXH3-64), foreign or older cache file is an empty cache; every read is bounds
//!   checked; an entry whose text changed is a miss. A hit returns exactly the value the
//!   parser returned when it was stored (tested byte for byte on the JSON output).
//! - **Layout.** One file per scan root, `facts-<hash of the root's absolute path>.bin`,
//!   in the cache folder (default `.guardrail_cache/` in the scan root, which the walk
//!   skips; a `.gitignore` holding `*` is written inside it, as ruff does). Written only
//!   when something changed, to a temporary file renamed into place, so a reader sees
//!   the old file or the new one, never half of one. Entries of files no longer in the
//!   index are dropped on write; entries of files the run did not parse are kept.
//!
//! Layer: above `syntax` (the facts it stores) and `input`, below `index`, which asks it
//! before parsing (`FileEntry::migration`); `engine` opens and saves it.

use crate::core::source::{ParseFailure, Span};
use crate::syntax::migration::{DepRef, DepTarget, MigrationFacts};
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The default cache folder, in the scan root (the walk never enters a folder of this
/// name).
pub const DEFAULT_DIR: &str = crate::input::discover::CACHE_DIR;

/// What parsing a file as a Django migration yields.
pub type MigrationResult = Result<Option<MigrationFacts>, ParseFailure>;

const MAGIC: &[u8; 8] = b"GRFACTS\0";
/// Bump when the encoding below changes.
const FORMAT: u32 = 1;

/// What the cached values depend on besides a file's text.
fn schema() -> u64 {
    let parts: [&str; 5] = [
        env!("CARGO_PKG_VERSION"),
        "migration-facts",
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
}

impl Digest {
    pub fn of(text: &str) -> Self {
        Self {
            len: text.len() as u64,
            hash: xxhash_rust::xxh3::xxh3_128(text.as_bytes()),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    digest: Digest,
    migration: MigrationResult,
}

/// Hits and misses of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: usize,
    pub misses: usize,
}

/// The facts of one scan root: what the last run stored, and what this run parsed.
#[derive(Debug)]
pub struct FactsCache {
    file: PathBuf,
    stored: FxHashMap<String, Entry>,
    fresh: Mutex<FxHashMap<String, Entry>>,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

impl FactsCache {
    /// The cache of the scan root `root` in the folder `dir`. Never fails: an unreadable
    /// or invalid file is an empty cache.
    pub fn open(dir: &Path, root: &Path) -> Self {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let name = xxhash_rust::xxh3::xxh3_64(root.to_string_lossy().as_bytes());
        let file = dir.join(format!("facts-{name:016x}.bin"));
        let stored = std::fs::read(&file)
            .ok()
            .and_then(|bytes| decode(&bytes))
            .unwrap_or_default();
        Self::with(file, stored)
    }

    fn with(file: PathBuf, stored: FxHashMap<String, Entry>) -> Self {
        Self {
            file,
            stored,
            fresh: Mutex::default(),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        }
    }

    /// Where the cache is written.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The migration facts of `path` if they were stored for this very text.
    pub fn migration(&self, path: &str, digest: Digest) -> Option<MigrationResult> {
        match self.stored.get(path) {
            Some(e) if e.digest == digest => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(e.migration.clone())
            }
            _ => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Records what parsing `path` (with text `digest`) yielded.
    pub fn put_migration(&self, path: &str, digest: Digest, value: &MigrationResult) {
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.insert(
                path.to_string(),
                Entry {
                    digest,
                    migration: value.clone(),
                },
            );
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    /// Writes the cache when it changed: this run's entries, and the stored entries of
    /// the paths in `live` (the index) that this run did not parse. `Ok(false)`: nothing
    /// to write.
    pub fn save<'p>(&self, live: impl Iterator<Item = &'p str>) -> std::io::Result<bool> {
        let fresh = match self.fresh.lock() {
            Ok(mut f) => std::mem::take(&mut *f),
            Err(_) => return Ok(false),
        };
        let mut kept = 0;
        let mut all: Vec<(&str, &Entry)> = Vec::with_capacity(self.stored.len() + fresh.len());
        for path in live {
            if let Some(e) = fresh.get(path) {
                all.push((path, e));
            } else if let Some(e) = self.stored.get(path) {
                kept += 1;
                all.push((path, e));
            }
        }
        if fresh.is_empty() && kept == self.stored.len() {
            return Ok(false);
        }
        all.sort_by(|a, b| a.0.cmp(b.0));
        all.dedup_by(|a, b| a.0 == b.0);
        let bytes = encode(&all);
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

// The encoding: little-endian integers, strings and lists as a u64 length then their
// bytes or items.
//
//   file   = MAGIC, FORMAT u32, schema u64, count u64, entry*, checksum u64 (XXH3-64 of
//            every byte before it)
//   entry  = path str, len u64, hash u128, result
//   result = 0 failure (message str, span?) | 1 not a migration | 2 facts
//
// Every type is written by destructuring it whole, so a new field fails to compile here
// until it is encoded.

fn encode(entries: &[(&str, &Entry)]) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(entries.len() * 256));
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.u64(schema());
    w.usize(entries.len());
    for (path, entry) in entries {
        w.str(path);
        w.u64(entry.digest.len);
        w.0.extend_from_slice(&entry.digest.hash.to_le_bytes());
        match &entry.migration {
            Err(ParseFailure { message, span }) => {
                w.u8(0);
                w.str(message);
                w.opt_span(*span);
            }
            Ok(None) => w.u8(1),
            Ok(Some(facts)) => {
                w.u8(2);
                w.facts(facts);
            }
        }
    }
    let sum = xxhash_rust::xxh3::xxh3_64(&w.0);
    w.u64(sum);
    w.0
}

fn decode(bytes: &[u8]) -> Option<FxHashMap<String, Entry>> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    if xxhash_rust::xxh3::xxh3_64(body) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut r = Reader(body);
    if r.take(MAGIC.len())? != MAGIC || r.u32()? != FORMAT || r.u64()? != schema() {
        return None;
    }
    let count = r.u64()?;
    let mut map = FxHashMap::default();
    for _ in 0..count {
        let path = r.str()?;
        let len = r.u64()?;
        let hash = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
        let migration = match r.u8()? {
            0 => Err(ParseFailure {
                message: r.str()?,
                span: r.opt_span()?,
            }),
            1 => Ok(None),
            2 => Ok(Some(r.facts()?)),
            _ => return None,
        };
        map.insert(
            path,
            Entry {
                digest: Digest { len, hash },
                migration,
            },
        );
    }
    r.0.is_empty().then_some(map)
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
        self.u8(u8::from(*dependencies_complete));
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
    fn refs(&mut self) -> Option<Vec<DepRef>> {
        let n = self.u64()?;
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

    const MIGRATIONS: &[&str] = &[
        "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = [('auth', '0001_initial'), migrations.swappable_dependency(settings.AUTH_USER_MODEL), ['b', '__first__'], dep()]\n    replaces = [('a', '0001'), ('a', '0002')]\n    run_before = (('c', '0003'),)\n    operations = []\n",
        "class Migration:\n    dependencies = BASE + [('a', '0001')]\n    initial = False\n",
        "class Migration:\n    pass\n",
        "import os\n",
        "class Migration(\n",
        "# é ü\nclass Migration:\n    dependencies = [('é', 'ü')]\n",
    ];

    fn entries() -> Vec<(String, Entry)> {
        MIGRATIONS
            .iter()
            .enumerate()
            .map(|(i, text)| {
                (
                    format!("app/migrations/{i:04}_m.py"),
                    Entry {
                        digest: Digest::of(text),
                        migration: extract(text),
                    },
                )
            })
            .collect()
    }

    fn encoded() -> Vec<u8> {
        let entries = entries();
        let refs: Vec<(&str, &Entry)> = entries.iter().map(|(p, e)| (p.as_str(), e)).collect();
        encode(&refs)
    }

    #[test]
    fn every_shape_round_trips_exactly() {
        let decoded = decode(&encoded()).unwrap();
        let entries = entries();
        assert_eq!(decoded.len(), entries.len());
        assert!(entries.iter().any(|(_, e)| e.migration.is_err()));
        assert!(entries.iter().any(|(_, e)| matches!(e.migration, Ok(None))));
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
    fn saves_loads_and_misses_on_changed_text() {
        let dir = tempfile::TempDir::new().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(&root).unwrap();
        let cache_dir = root.join(DEFAULT_DIR);
        let text = MIGRATIONS[0];
        let value = extract(text);

        let cache = FactsCache::open(&cache_dir, &root);
        assert_eq!(cache.migration("a.py", Digest::of(text)), None);
        cache.put_migration("a.py", Digest::of(text), &value);
        cache.put_migration("gone.py", Digest::of(text), &value);
        assert!(cache.save(["a.py", "b.py"].into_iter()).unwrap());
        assert_eq!(
            std::fs::read_to_string(cache_dir.join(".gitignore"))
                .unwrap()
                .lines()
                .last(),
            Some("*")
        );

        let cache = FactsCache::open(&cache_dir, &root);
        assert_eq!(cache.migration("a.py", Digest::of(text)), Some(value));
        assert_eq!(cache.migration("gone.py", Digest::of(text)), None);
        let edited = text.replace("'0001_initial'", "'0002_initial'");
        assert_eq!(cache.migration("a.py", Digest::of(&edited)), None);
        assert_eq!(cache.stats(), CacheStats { hits: 1, misses: 2 });
        // Nothing new and nothing dropped: not rewritten.
        assert!(!cache.save(["a.py"].into_iter()).unwrap());

        // A corrupt file on disk: an empty cache, then overwritten by the next save.
        std::fs::write(cache.file(), b"garbage").unwrap();
        let cache = FactsCache::open(&cache_dir, &root);
        assert_eq!(cache.migration("a.py", Digest::of(text)), None);
    }
}
