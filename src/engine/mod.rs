//! The pipeline for one scan root: discover -> classify -> index -> check -> collect.
//! Rendering and the exit code are the caller's.

pub mod baseline;
pub mod collect;
pub mod scope;
pub mod suppress;

use crate::cache::{self, CacheStats, FactsCache};
use crate::config::Settings;
use crate::core::error::ToolError;
use crate::core::kind::{FileKind, classify};
use crate::core::path::RelPath;
use crate::core::severity::Severity;
use crate::core::source::SourceFile;
use crate::engine::collect::collect;
use crate::index::{FileEntry, Index};
use crate::input::changes::ChangeSet;
use crate::input::discover::{Discovered, Listed, discover, from_listing};
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, ProjectContext};
use crate::model::project::{Need, Project};
use crate::rules::guardrail::{parse_error, skipped_file};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files_scanned: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Files not checked: skipped on read, unreadable, or symlinks not followed.
    pub skipped: usize,
    /// Findings removed by inline suppressions or per-path ignores.
    pub suppressed: usize,
    /// Findings the baseline already holds.
    pub baselined: usize,
    /// Findings outside the change (`--new-only`).
    pub outside_change: usize,
}

impl Summary {
    pub fn add(&mut self, other: &Summary) {
        self.files_scanned += other.files_scanned;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
        self.skipped += other.skipped;
        self.suppressed += other.suppressed;
        self.baselined += other.baselined;
        self.outside_change += other.outside_change;
    }

    pub fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}

/// The findings of one scan root.
#[derive(Debug)]
pub struct Report {
    /// The root as given, `/`-separated, without a leading `./`; "" for the current
    /// directory. Prefixed to paths in outputs that are read against the checkout root
    /// (pretty, GitHub, SARIF).
    pub prefix: String,
    pub diagnostics: Vec<Diagnostic>,
    /// The text of every file a diagnostic points into.
    pub sources: BTreeMap<RelPath, Arc<SourceFile>>,
    pub summary: Summary,
    /// Said once in the summary: what was compared with, or that git-aware rules did
    /// not run.
    pub notes: Vec<String>,
    /// Where the time went (`--timings`).
    pub timings: Timings,
    /// The rules of the configured packs (SARIF lists them beside the built-in ones).
    pub pack_rules: Vec<&'static crate::lint::rule::RuleMeta>,
    /// `docs-url` of the configuration: a rule's page, `{code}`/`{slug}` filled in.
    pub docs_url: Option<String>,
}

/// Time per phase and per rule, for `--timings`. Parsing is lazy: it is counted in the
/// phase that first needs a file (models, or the rule that reads it).
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub phases: Vec<(&'static str, Duration)>,
    /// (rule code, total time, calls), rules measured only when `--timings` is given.
    pub rules: Vec<(&'static str, Duration, usize)>,
    /// The facts cache's hits and misses, when a cache was used.
    pub cache: Option<CacheStats>,
}

impl Timings {
    fn phase(&mut self, name: &'static str, started: Instant) {
        self.phases.push((name, started.elapsed()));
    }
}

impl Report {
    /// Recounts the findings by severity after some were removed.
    pub fn recount(&mut self) {
        self.summary.errors = 0;
        self.summary.warnings = 0;
        self.summary.infos = 0;
        for d in &self.diagnostics {
            self.summary.count(d.severity);
        }
    }

    pub fn display_path(&self, path: &RelPath) -> String {
        if self.prefix.is_empty() {
            path.to_string()
        } else {
            format!("{}/{}", self.prefix, path)
        }
    }
}

/// A scan root's files, indexed.
pub struct Scan {
    pub root: PathBuf,
    pub is_dir: bool,
    pub index: Index,
    pub discovered: Discovered,
}

/// Discovers and classifies the files under `target` (a directory, or a single file).
pub fn scan(target: &Path, settings: &Settings) -> Result<Scan, ToolError> {
    scan_from(target, settings, None)
}

/// [`scan`], with the files of a directory by walking it, or from `listed` when a change
/// set names them (`--staged`: the git index).
pub fn scan_from(
    target: &Path,
    settings: &Settings,
    listed: Option<Vec<Listed>>,
) -> Result<Scan, ToolError> {
    let meta = std::fs::metadata(target).map_err(|e| ToolError::Root {
        path: target.display().to_string(),
        reason: e.to_string(),
    })?;
    if !meta.is_dir() && !meta.is_file() {
        // A FIFO or a device given as a path would block or never end.
        return Err(ToolError::Root {
            path: target.display().to_string(),
            reason: "not a directory or a regular file".into(),
        });
    }
    let (root, mut discovered) = if meta.is_dir() {
        std::fs::read_dir(target).map_err(|e| ToolError::Root {
            path: target.display().to_string(),
            reason: e.to_string(),
        })?;
        let discovered = match listed {
            Some(listed) => from_listing(target, &settings.exclude, listed),
            None => discover(target, &settings.exclude, rayon::current_num_threads()),
        };
        (target.to_path_buf(), discovered)
    } else {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let discovered = Discovered {
            root: parent.clone(),
            files: vec![(RelPath::new(name), Some(target.to_path_buf()))],
            ..Discovered::default()
        };
        (parent, discovered)
    };
    let files_root: Arc<Path> = Arc::from(discovered.root.as_path());
    let index = Index::new(
        std::mem::take(&mut discovered.files)
            .into_par_iter()
            .map(|(rel, exact)| {
                let kind = classify(rel.as_str());
                FileEntry::new(rel, &files_root, exact, kind, settings.max_file_size)
            })
            .collect(),
    );
    let index = if meta.is_dir() {
        index
    } else {
        index.partial()
    };
    Ok(Scan {
        root,
        is_dir: meta.is_dir(),
        index,
        discovered,
    })
}

/// Where the facts cache of a run lives (`crate::cache`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CacheLocation {
    /// No cache: every file is parsed (`--no-cache`, and library callers).
    #[default]
    Off,
    /// `.guardrail_cache/` in the scan root.
    InRoot,
    /// This folder (`--cache-dir`, `GUARDRAIL_CACHE_DIR`); one file per scan root.
    Dir(PathBuf),
}

/// Scans one path (a directory, or a single file) with `settings`, without a cache.
pub fn check(
    target: &Path,
    settings: &Settings,
    changes: Option<&dyn ChangeSet>,
) -> Result<Report, ToolError> {
    check_cached(target, settings, changes, &CacheLocation::Off)
}

/// [`check`] with a facts cache across runs. A single file is checked without one (its
/// index is partial: saving would drop the entries of every other file).
pub fn check_cached(
    target: &Path,
    settings: &Settings,
    changes: Option<&dyn ChangeSet>,
    cache_at: &CacheLocation,
) -> Result<Report, ToolError> {
    let mut timings = Timings::default();
    let started = Instant::now();
    let Scan {
        root,
        is_dir,
        index,
        discovered,
    } = scan_from(target, settings, changes.and_then(|c| c.listed_files()))?;
    timings.phase("walk and classify", started);
    let started = Instant::now();
    let cache = match cache_at {
        _ if !is_dir => None,
        CacheLocation::Off => None,
        CacheLocation::InRoot => Some(FactsCache::open(&root.join(cache::DEFAULT_DIR), &root)),
        CacheLocation::Dir(dir) => Some(FactsCache::open(dir, &root)),
    }
    .map(Arc::new);
    let index = match &cache {
        Some(c) => {
            timings.phase("cache load", started);
            index.with_cache(c)
        }
        None => index,
    };
    let mut model_notes = Vec::new();
    let mut diagnostics =
        run_rules_timed(&index, settings, changes, &mut model_notes, &mut timings);
    // Last: every parse and read the rules needed has happened.
    let started = Instant::now();
    diagnostics.extend(parse_error::diagnostics(&index));
    diagnostics.extend(skipped_file::diagnostics(&index, &discovered));
    let collected = collect(diagnostics, &index, settings);
    timings.phase("collect", started);
    let mut summary = Summary {
        files_scanned: index.len(),
        skipped: index.skipped_count() + discovered.symlinks + discovered.errors.len(),
        suppressed: collected.suppressed,
        ..Summary::default()
    };
    for d in &collected.diagnostics {
        summary.count(d.severity);
    }
    let mut notes = model_notes;
    if let Some(cache) = &cache {
        let started = Instant::now();
        timings.cache = Some(cache.stats());
        if let Err(e) = cache.save(index.files().iter().map(|f| f.path.as_str())) {
            notes.push(format!(
                "facts cache not saved to {}: {e}",
                cache.file().display()
            ));
        }
        timings.phase("cache save", started);
    }
    // Only worth saying where there is something for them to compare.
    let git_rules = settings.rules.iter().any(|r| r.meta().git_aware)
        && index.of_kind(FileKind::DjangoMigration).next().is_some();
    match changes {
        Some(c) if git_rules => notes.push(format!("compared with {}", c.describe())),
        None if git_rules => notes.push(
            "git-aware rules (deleted or edited migrations) did not run: pass --base REF or --staged"
                .to_string(),
        ),
        _ => {}
    }
    // Freeing 50,000 entries with their texts and parses takes a noticeable share of a
    // warm run: done on a thread of its own while the caller renders (inline if no
    // thread can be started).
    let dropper = std::thread::Builder::new().name("guardrail-drop-index".into());
    if let Err(e) = dropper.spawn(move || drop(index)) {
        drop(e);
    }
    Ok(Report {
        prefix: display_prefix(target, &root, is_dir),
        diagnostics: collected.diagnostics,
        sources: collected.sources,
        summary,
        notes,
        timings,
        pack_rules: settings
            .registry
            .iter()
            .skip(crate::rules::all().len())
            .map(|r| r.meta())
            .collect(),
        docs_url: settings.docs_url.clone(),
    })
}

/// The models the enabled rules need, each once.
pub fn needs(settings: &Settings) -> Vec<Need> {
    let set: BTreeSet<Need> = settings
        .rules
        .iter()
        .flat_map(|r| r.meta().needs.iter().copied())
        .collect();
    set.into_iter().collect()
}

/// Runs every enabled rule over an index: the models they need are built first; then
/// file rules per file in parallel, then project rules in parallel, over a project that
/// no longer changes (see `model::project` for why).
pub fn run_rules(
    index: &Index,
    settings: &Settings,
    changes: Option<&dyn ChangeSet>,
) -> Vec<Diagnostic> {
    run_rules_noting(index, settings, changes, &mut Vec::new())
}

/// [`run_rules`], also saying what the models left out on purpose (in `notes`).
fn run_rules_noting(
    index: &Index,
    settings: &Settings,
    changes: Option<&dyn ChangeSet>,
    notes: &mut Vec<String>,
) -> Vec<Diagnostic> {
    run_rules_timed(index, settings, changes, notes, &mut Timings::default())
}

fn run_rules_timed(
    index: &Index,
    settings: &Settings,
    changes: Option<&dyn ChangeSet>,
    notes: &mut Vec<String>,
    timings: &mut Timings,
) -> Vec<Diagnostic> {
    let started = Instant::now();
    let project = Project::build(index, &settings.options, &needs(settings));
    let project = &project;
    timings.phase("models (with the parsing they need)", started);
    // Per-rule time only when asked: an Instant per rule call is not free.
    let per_rule: Option<std::sync::Mutex<BTreeMap<&'static str, (Duration, usize)>>> =
        settings.timings.then(Default::default);
    let timed = |code: &'static str, f: &mut dyn FnMut()| {
        let Some(per_rule) = &per_rule else {
            f();
            return;
        };
        let t = Instant::now();
        f();
        if let Ok(mut m) = per_rule.lock() {
            let e = m.entry(code).or_default();
            e.0 += t.elapsed();
            e.1 += 1;
        }
    };
    if needs(settings).contains(&Need::Odoo) {
        let skipped = project.odoo().not_installable.len();
        if skipped > 0 {
            notes.push(format!(
                "{skipped} Odoo module{} marked `'installable': False` not judged",
                if skipped == 1 { "" } else { "s" }
            ));
        }
    }
    if needs(settings).contains(&Need::Docker) {
        for (path, why) in project.docker_not_analysed() {
            notes.push(format!("{path} not analysed by the Docker rules: {why}"));
        }
    }
    let kinds: BTreeSet<FileKind> = settings
        .rules
        .iter()
        .flat_map(|r| r.meta().kinds.iter().copied())
        .collect();
    let ctx = ProjectContext {
        index,
        project,
        changes,
    };
    let ctx = &ctx;
    // File rules and project rules read the same finished project: run side by side, so
    // one long project rule does not leave a core idle.
    let started = Instant::now();
    let file_rules = || {
        let t = Instant::now();
        let found: Vec<Diagnostic> = index
            .files()
            .par_iter()
            .filter(|f| kinds.contains(&f.kind))
            .flat_map_iter(|file| {
                let mut found = Vec::new();
                let ctx = FileContext {
                    file,
                    index,
                    project,
                    changes,
                };
                for rule in &settings.rules {
                    if rule.meta().kinds.contains(&file.kind) {
                        timed(rule.meta().code, &mut || rule.check_file(&ctx, &mut found));
                    }
                }
                found
            })
            .collect();
        (found, t.elapsed())
    };
    let project_rules = || {
        let t = Instant::now();
        let found: Vec<Diagnostic> = settings
            .rules
            .par_iter()
            .flat_map_iter(|rule| {
                let mut found = Vec::new();
                timed(rule.meta().code, &mut || {
                    rule.check_project(ctx, &mut found)
                });
                found
            })
            .collect();
        (found, t.elapsed())
    };
    let ((mut out, file_time), (from_project, project_time)) =
        rayon::join(file_rules, project_rules);
    timings.phase("rules", started);
    timings.phases.push(("  of which file rules", file_time));
    timings
        .phases
        .push(("  of which project rules", project_time));
    if let Some(per_rule) = per_rule.and_then(|m| m.into_inner().ok()) {
        timings.rules = per_rule
            .into_iter()
            .map(|(code, (d, n))| (code, d, n))
            .collect();
        timings.rules.sort_by_key(|r| std::cmp::Reverse(r.1));
    }
    out.extend(from_project);
    out
}

fn display_prefix(target: &Path, root: &Path, is_dir: bool) -> String {
    let base = if is_dir { target } else { root };
    let text = base.to_string_lossy().replace('\\', "/");
    let mut text = text.as_str();
    while let Some(rest) = text.strip_prefix("./") {
        text = rest;
    }
    let text = text.trim_end_matches('/');
    if text == "." {
        String::new()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CliOverrides;

    fn settings(select: &str) -> Settings {
        let cli = CliOverrides {
            select: Some(vec![select.to_string()]),
            ..CliOverrides::default()
        };
        Settings::resolve(None, &cli).unwrap()
    }

    #[test]
    fn builds_only_the_models_the_enabled_rules_need() {
        assert_eq!(needs(&settings("compose")), Vec::<Need>::new());
        assert_eq!(
            needs(&settings("security/model-without-access")),
            [Need::Odoo]
        );
        assert_eq!(
            needs(&settings("migrations/ignored-by-vcs")),
            [Need::Django, Need::Docker]
        );
        let all = needs(&settings("ALL"));
        assert_eq!(
            all,
            [Need::Django, Need::DjangoSettings, Need::Odoo, Need::Docker],
            "each once, in order"
        );
    }

    #[test]
    fn check_reports_every_finding_once_in_order() {
        let dir = tempfile::TempDir::new().unwrap();
        for (rel, text) in [
            ("b/docker-compose.yml", "version: '3'\nservices: {}\n"),
            ("a/docker-compose.yml", "version: '3'\nservices: {}\n"),
            ("c/docker-compose.yml", "services: [unclosed\n"),
        ] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let report = check(dir.path(), &settings("ALL"), None).unwrap();
        let got: Vec<(String, &str)> = report
            .diagnostics
            .iter()
            .map(|d| (d.path.to_string(), d.rule.code))
            .collect();
        assert_eq!(
            got,
            [
                ("a/docker-compose.yml".to_string(), "GR501"),
                ("b/docker-compose.yml".to_string(), "GR501"),
                ("c/docker-compose.yml".to_string(), "GR001"),
            ]
        );
        assert_eq!(report.summary.files_scanned, 3);
        assert_eq!(report.summary.warnings, 3);
    }
}
