//! A static model of a repository's Django apps and their migration graphs, built from
//! the index's facts, once per run (held by `model::project::Project`).
//!
//! Apps are found by path: a directory with `apps.py`, `models.py`, `models/__init__.py`
//! or a `migrations/` folder. An app's label is `AppConfig.label` in `apps.py` when it is a
//! literal, else the last part of `AppConfig.name`, else the directory name (Django's
//! default). `MIGRATION_MODULES` and `AUTH_USER_MODEL` are read from settings modules when
//! they are literals.

pub mod middleware;
pub mod settings;
pub mod version;

use crate::core::kind::FileKind;
use crate::core::path::RelPath;
use crate::core::path::{join, parent};
use crate::core::source::Span;
use crate::index::{Index, MigrationLoad};
use crate::syntax::migration::{DepTarget, MigrationFacts};
use crate::syntax::python::{PyModule, PyStmt, PyValue};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub struct ModelDef {
    pub path: RelPath,
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct App {
    /// The app's directory, relative to the scan root.
    pub dir: String,
    pub label: String,
    /// Where its migrations live (`<dir>/migrations` unless MIGRATION_MODULES says else).
    pub migrations_dir: String,
    /// The migrations folder is a package (has `__init__.py`).
    pub has_migrations_package: bool,
    /// `MIGRATION_MODULES = {'label': None}`: migrations switched off on purpose.
    pub migrations_disabled: bool,
    /// Indices into [`DjangoProject::migrations`].
    pub migrations: Vec<usize>,
    /// Concrete (non-abstract) models.
    pub models: Vec<ModelDef>,
    /// `apps.py` defines an `AppConfig`.
    pub has_app_config: bool,
    /// The Django project it belongs to: the nearest folder above it that holds a
    /// `manage.py` ("" when none does: a reusable app, shared by every project).
    pub project_root: String,
}

impl App {
    /// Whether this directory is a Django app at all (a folder with `models.py` may be a
    /// Flask or Odoo one).
    pub fn is_django(&self) -> bool {
        self.has_app_config
            || !self.models.is_empty()
            || !self.migrations.is_empty()
            || self.has_migrations_package
    }
}

#[derive(Debug, Clone)]
pub struct MigrationNode {
    pub app: usize,
    pub label: String,
    pub name: String,
    pub path: RelPath,
    /// Index into `Index::files()`.
    pub file: usize,
}

#[derive(Debug, Default)]
pub struct DjangoProject {
    pub apps: Vec<App>,
    pub migrations: Vec<MigrationNode>,
    /// Label -> apps with that label (more than one in monorepos or test trees).
    pub labels: BTreeMap<String, Vec<usize>>,
    /// Literal values of `AUTH_USER_MODEL` & co. found in settings, by setting name.
    pub swappable: BTreeMap<String, BTreeSet<String>>,
    /// label -> replaced name -> the squash migrations that replace it.
    replaced_by: HashMap<String, HashMap<String, Vec<usize>>>,
    /// label -> name -> nodes.
    by_key: HashMap<String, HashMap<String, Vec<usize>>>,
    /// file path -> node.
    by_path: HashMap<RelPath, usize>,
}

/// Names of well-known abstract bases from Django and popular libraries whose
/// subclasses are concrete models.
const LIBRARY_MODEL_BASES: &[&str] = &[
    "AbstractUser",
    "AbstractBaseUser",
    "TimeStampedModel",
    "TimeFramedModel",
    "StatusModel",
    "SoftDeletableModel",
    "MPTTModel",
    "PolymorphicModel",
    "TenantMixin",
    "DomainMixin",
    "AbstractBaseSession",
    "TitleDescriptionModel",
    "TitleSlugDescriptionModel",
];

impl DjangoProject {
    pub fn build(index: &Index) -> Self {
        let files = index.files();
        // Directory -> indices of the files directly inside it.
        let mut by_dir: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, f) in files.iter().enumerate() {
            by_dir.entry(f.path.parent()).or_default().push(i);
        }
        let has = |dir: &str, name: &str| {
            let path = join(dir, name);
            index.get(&path).is_some()
        };

        // Settings: MIGRATION_MODULES and swappable models.
        let mut migration_modules: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut swappable: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in index.of_kind(FileKind::DjangoSettings) {
            let Some(m) = f.python() else { continue };
            for stmt in all_assignments(&m.body) {
                let PyStmt::Assign { targets, value, .. } = stmt else {
                    continue;
                };
                for t in targets {
                    if t == "MIGRATION_MODULES"
                        && let PyValue::Dict(items) = &value.value
                    {
                        for (k, v) in items {
                            let Some(label) = k.as_ref().and_then(|k| k.as_str()) else {
                                continue;
                            };
                            match &v.value {
                                PyValue::Str(module) => {
                                    migration_modules
                                        .insert(label.to_string(), Some(module.clone()));
                                }
                                PyValue::None => {
                                    migration_modules.insert(label.to_string(), None);
                                }
                                _ => {}
                            }
                        }
                    }
                    if t.ends_with("_MODEL")
                        && let Some(model) = value.as_str()
                        && let Some((app, _)) = model.split_once('.')
                    {
                        swappable
                            .entry(t.clone())
                            .or_default()
                            .insert(app.to_string());
                    }
                }
            }
        }

        // App directories, from the directory map (one entry per folder, not per file).
        let mut app_dirs: BTreeSet<String> = BTreeSet::new();
        for (dir, members) in &by_dir {
            let names = || {
                members
                    .iter()
                    .filter_map(|i| files.get(*i))
                    .map(|f| f.path.file_name())
            };
            if names().any(|n| n == "apps.py" || n == "models.py") {
                app_dirs.insert((*dir).to_string());
            }
            let leaf = dir.rsplit('/').next().unwrap_or(dir);
            if (leaf == "models" && names().any(|n| n == "__init__.py"))
                || (leaf == "migrations"
                    && members.iter().filter_map(|i| files.get(*i)).any(|f| {
                        f.kind == FileKind::DjangoMigration || f.path.file_name() == "__init__.py"
                    }))
            {
                app_dirs.insert(parent(dir).to_string());
            }
        }

        // Parse apps.py and models modules in parallel (labels and models read them).
        files
            .par_iter()
            .filter(|f| {
                let p = f.path.as_str();
                let name = f.path.file_name();
                f.kind == FileKind::Python
                    && (name == "apps.py"
                        || name == "models.py"
                        || f.path.parent().ends_with("/models")
                        || f.path.parent() == "models")
                    && !p.contains("/migrations/")
            })
            .for_each(|f| {
                let _ = f.python();
            });

        let mut project = DjangoProject {
            swappable,
            ..Default::default()
        };
        for dir in app_dirs {
            let (label, has_app_config) = app_label(index, &dir);
            let migrations_dir = join(&dir, "migrations");
            let has_migrations_package = has(&migrations_dir, "__init__.py");
            let project_root = crate::model::python::ancestors(&dir)
                .find(|d| has(d, "manage.py"))
                .unwrap_or("")
                .to_string();
            project.apps.push(App {
                project_root,
                dir: dir.clone(),
                label,
                migrations_dir,
                has_migrations_package,
                migrations_disabled: false,
                migrations: Vec::new(),
                models: Vec::new(),
                has_app_config,
            });
        }

        // MIGRATION_MODULES overrides.
        for (label, module) in &migration_modules {
            let targets: Vec<usize> = project
                .apps
                .iter()
                .enumerate()
                .filter(|(_, a)| &a.label == label)
                .map(|(i, _)| i)
                .collect();
            match module {
                None => {
                    for i in targets {
                        if let Some(a) = project.apps.get_mut(i) {
                            a.migrations_disabled = true;
                        }
                    }
                }
                Some(module) => {
                    let suffix = module.replace('.', "/");
                    let Some(dir) = by_dir
                        .keys()
                        .filter(|d| **d == suffix || d.ends_with(&format!("/{suffix}")))
                        .min()
                    else {
                        continue;
                    };
                    let dir = dir.to_string();
                    let package = has(&dir, "__init__.py");
                    if targets.is_empty() {
                        let app_dir = parent(&dir).to_string();
                        let project_root = crate::model::python::ancestors(&app_dir)
                            .find(|d| has(d, "manage.py"))
                            .unwrap_or("")
                            .to_string();
                        project.apps.push(App {
                            project_root,
                            dir: app_dir,
                            label: label.clone(),
                            migrations_dir: dir,
                            has_migrations_package: package,
                            migrations_disabled: false,
                            migrations: Vec::new(),
                            models: Vec::new(),
                            has_app_config: false,
                        });
                    } else {
                        for i in targets {
                            if let Some(a) = project.apps.get_mut(i) {
                                a.migrations_dir = dir.clone();
                                a.has_migrations_package = package;
                            }
                        }
                    }
                }
            }
        }

        // Parse every migration candidate in parallel before the serial walk below.
        let candidates: Vec<usize> = project
            .apps
            .iter()
            .flat_map(|a| {
                by_dir
                    .get(a.migrations_dir.as_str())
                    .into_iter()
                    .flatten()
                    .copied()
            })
            .collect();
        candidates.par_iter().for_each(|&fi| {
            if let Some(f) = files.get(fi) {
                let _ = f.migration();
            }
        });

        // Migrations of each app.
        for app_index in 0..project.apps.len() {
            let Some(app) = project.apps.get(app_index) else {
                continue;
            };
            let (label, dir) = (app.label.clone(), app.migrations_dir.clone());
            let mut found = Vec::new();
            for &fi in by_dir.get(dir.as_str()).into_iter().flatten() {
                let Some(f) = files.get(fi) else { continue };
                let name = f.path.file_name();
                let Some(stem) = name.strip_suffix(".py") else {
                    continue;
                };
                if stem.starts_with('_') || stem.starts_with('~') {
                    continue;
                }
                if matches!(
                    f.migration(),
                    MigrationLoad::NotAMigration | MigrationLoad::Unreadable
                ) {
                    continue;
                }
                found.push(project.migrations.len());
                project.migrations.push(MigrationNode {
                    app: app_index,
                    label: label.clone(),
                    name: stem.to_string(),
                    path: f.path.clone(),
                    file: fi,
                });
            }
            if let Some(app) = project.apps.get_mut(app_index) {
                app.migrations = found;
            }
        }

        // Models.
        let model_classes = model_classes(index, &project.apps, &by_dir);
        for (app_index, models) in model_classes {
            if let Some(app) = project.apps.get_mut(app_index) {
                app.models = models;
            }
        }

        for (i, app) in project.apps.iter().enumerate() {
            project.labels.entry(app.label.clone()).or_default().push(i);
        }
        for (i, m) in project.migrations.iter().enumerate() {
            project.by_path.insert(m.path.clone(), i);
            let names = match project.by_key.get_mut(m.label.as_str()) {
                Some(names) => names,
                None => project.by_key.entry(m.label.clone()).or_default(),
            };
            names.entry(m.name.clone()).or_default().push(i);
        }
        let mut replaced_by: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::default();
        for i in 0..project.migrations.len() {
            let Some(facts) = project.facts(index, i) else {
                continue;
            };
            for r in &facts.replaces {
                if let DepTarget::Node { app, name } = &r.target {
                    replaced_by
                        .entry(app.clone())
                        .or_default()
                        .entry(name.clone())
                        .or_default()
                        .push(i);
                }
            }
        }
        project.replaced_by = replaced_by;
        project
    }

    pub fn facts<'i>(&self, index: &'i Index, node: usize) -> Option<&'i MigrationFacts> {
        let m = self.migrations.get(node)?;
        match index.files().get(m.file)?.migration() {
            MigrationLoad::Facts(f) => Some(f),
            _ => None,
        }
    }

    /// Nodes named (label, name).
    pub fn nodes(&self, label: &str, name: &str) -> &[usize] {
        self.by_key
            .get(label)
            .and_then(|names| names.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// The squash migrations that replace (label, name).
    pub fn replacing(&self, label: &str, name: &str) -> &[usize] {
        self.replaced_by
            .get(label)
            .and_then(|names| names.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether (label, name) resolves as seen from app `from`: the migration exists, or
    /// a squash that exists replaces it, in an app of that label that `from`'s project
    /// can load (see [`DjangoProject::in_scope`]).
    pub fn resolves(&self, label: &str, name: &str, from: usize) -> bool {
        let scope = self.in_scope(label, from);
        let visible = |n: &usize| {
            self.migrations
                .get(*n)
                .is_some_and(|m| scope.contains(&m.app))
        };
        self.nodes(label, name).iter().any(visible)
            || self.replacing(label, name).iter().any(visible)
    }

    /// The apps labelled `label` that app `from` sees: those of its own Django project
    /// (the folder holding its `manage.py`) when there are any, else those of no project
    /// (reusable apps), else every app of that label. Two example projects that both
    /// have an app `customers` never resolve each other's migrations.
    pub fn in_scope(&self, label: &str, from: usize) -> Vec<usize> {
        let all: &[usize] = self.labels.get(label).map_or(&[], Vec::as_slice);
        let root = self.apps.get(from).map_or("", |a| a.project_root.as_str());
        let of_root = |r: &str| -> Vec<usize> {
            all.iter()
                .copied()
                .filter(|i| self.apps.get(*i).is_some_and(|a| a.project_root == r))
                .collect()
        };
        let own = of_root(root);
        if !own.is_empty() {
            return own;
        }
        let shared = of_root("");
        if !shared.is_empty() {
            return shared;
        }
        all.to_vec()
    }

    /// Apps with this label whose migrations live in the repository (a migrations
    /// package, migrations not switched off) and that app `from` sees: the only ones
    /// whose graph is judged.
    pub fn migrated_apps(&self, label: &str, from: usize) -> Vec<&App> {
        self.in_scope(label, from)
            .into_iter()
            .filter_map(|i| self.apps.get(i))
            .filter(|a| a.has_migrations_package && !a.migrations_disabled)
            .collect()
    }

    /// The (label, migration name) a dependency entry names: a literal tuple, or a
    /// swappable dependency whose setting has exactly one literal value in the settings
    /// (its app's `__first__`). `None` when it cannot be known statically.
    pub fn resolve_dep(&self, target: &DepTarget) -> Option<(String, String)> {
        match target {
            DepTarget::Node { app, name } => Some((app.clone(), name.clone())),
            DepTarget::Swappable { setting } => {
                let values = self.swappable.get(setting)?;
                let [app] = values.iter().collect::<Vec<_>>()[..] else {
                    return None;
                };
                Some((app.clone(), "__first__".to_string()))
            }
            DepTarget::Unknown => None,
        }
    }

    /// The app whose migrations folder is `dir`.
    pub fn app_with_migrations_dir(&self, dir: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.migrations_dir == dir)
    }

    /// The node of the migration file at `path`.
    pub fn node_at(&self, path: &RelPath) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    /// Maps a replaced migration to the squash that replaces it (within `label`), so
    /// that `('app', '0002_x')` and `('app', '0001_squashed_0004_y')` compare equal.
    pub fn alias(&self, label: &str, name: &str) -> String {
        self.replacing(label, name)
            .iter()
            .filter_map(|i| self.migrations.get(*i))
            .map(|m| m.name.clone())
            .min()
            .unwrap_or_else(|| name.to_string())
    }

    /// How many migrations depend on each app label (by name, `__first__`, or a
    /// swappable setting whose literal value is in that app), in one pass over the
    /// migrations (not one per app asked about).
    pub fn depend_on_apps<'s>(&'s self, index: &'s Index) -> HashMap<&'s str, usize> {
        let mut out: HashMap<&str, usize> = HashMap::default();
        for f in (0..self.migrations.len()).filter_map(|i| self.facts(index, i)) {
            let labels: BTreeSet<&str> = f
                .dependencies
                .iter()
                .filter_map(|d| match &d.target {
                    DepTarget::Node { app, .. } => Some(app.as_str()),
                    DepTarget::Swappable { setting } => self
                        .swappable
                        .get(setting)
                        .filter(|apps| apps.len() == 1)
                        .and_then(|apps| apps.iter().next())
                        .map(String::as_str),
                    DepTarget::Unknown => None,
                })
                .collect();
            for label in labels {
                *out.entry(label).or_default() += 1;
            }
        }
        out
    }

    /// The in-repo migrations that name (label, name) in their dependencies or
    /// run_before, with the span of the entry.
    pub fn dependents(&self, index: &Index, label: &str, name: &str) -> Vec<(usize, Span)> {
        let mut out = Vec::new();
        for i in 0..self.migrations.len() {
            let Some(facts) = self.facts(index, i) else {
                continue;
            };
            for d in facts.dependencies.iter().chain(&facts.run_before) {
                if let DepTarget::Node { app, name: n } = &d.target
                    && app == label
                    && n == name
                {
                    out.push((i, d.span));
                }
            }
        }
        out
    }
}

/// Settings assignments at module level and inside `if`/`try` blocks.
fn all_assignments(body: &[PyStmt]) -> Vec<&PyStmt> {
    let mut out = Vec::new();
    crate::syntax::python::walk_stmts(body, false, &mut |s| {
        if matches!(s, PyStmt::Assign { .. }) {
            out.push(s);
        }
    });
    out
}

/// The app's label, and whether `apps.py` defines an `AppConfig`.
fn app_label(index: &Index, dir: &str) -> (String, bool) {
    let default = dir.rsplit('/').next().unwrap_or(dir).to_string();
    let Some(module) = index.get(&join(dir, "apps.py")).and_then(|f| f.python()) else {
        return (default, false);
    };
    let configs: Vec<_> = module
        .classes()
        .filter(|c| c.base_names().any(|b| b.ends_with("AppConfig")))
        .collect();
    let chosen = configs
        .iter()
        .find(|c| c.attr("default").and_then(|d| d.is_truthy_literal()) == Some(true))
        .or_else(|| configs.first());
    let Some(config) = chosen else {
        return (default, false);
    };
    if let Some(label) = config.attr("label").and_then(|l| l.as_str()) {
        return (label.to_string(), true);
    }
    if let Some(name) = config.attr("name").and_then(|n| n.as_str()) {
        return (name.rsplit('.').next().unwrap_or(name).to_string(), true);
    }
    (default, true)
}

fn imports_django(module: &PyModule) -> bool {
    module.body.iter().any(|s| match s {
        PyStmt::ImportFrom {
            module: Some(m), ..
        } => m == "django" || m.starts_with("django."),
        PyStmt::Import { names, .. } => names.iter().any(|n| n.name.starts_with("django")),
        _ => false,
    })
}

/// Concrete model classes per app, from `models.py` and `models/*.py`. A class is a
/// model when a base is `models.Model`/`Model` in a module that imports Django, a
/// well-known library model base, or (transitively) another model class of the repo.
fn model_classes(
    index: &Index,
    apps: &[App],
    by_dir: &HashMap<&str, Vec<usize>>,
) -> Vec<(usize, Vec<ModelDef>)> {
    struct Candidate<'a> {
        app: usize,
        path: RelPath,
        class: &'a crate::syntax::python::PyClass,
        django: bool,
    }
    let mut candidates = Vec::new();
    for (ai, app) in apps.iter().enumerate() {
        let mut paths = vec![join(&app.dir, "models.py")];
        let models_dir = join(&app.dir, "models");
        paths.extend(
            by_dir
                .get(models_dir.as_str())
                .into_iter()
                .flatten()
                .filter_map(|i| index.files().get(*i))
                .filter(|f| f.path.as_str().ends_with(".py"))
                .map(|f| f.path.to_string()),
        );
        for p in paths {
            let Some(entry) = index.get(&p) else { continue };
            let Some(module) = entry.python() else {
                continue;
            };
            let django = imports_django(module);
            for class in module.classes() {
                candidates.push(Candidate {
                    app: ai,
                    path: entry.path.clone(),
                    class,
                    django,
                });
            }
        }
    }
    let mut model_names: BTreeSet<&str> = BTreeSet::new();
    let mut is_model = vec![false; candidates.len()];
    loop {
        let mut changed = false;
        for (i, c) in candidates.iter().enumerate() {
            if is_model.get(i).copied().unwrap_or(true) {
                continue;
            }
            let model = c.class.base_names().any(|b| {
                let last = b.rsplit('.').next().unwrap_or(b);
                (c.django
                    && (b == "models.Model" || b == "Model" || b.ends_with("db.models.Model")))
                    || LIBRARY_MODEL_BASES.contains(&last)
                    || model_names.contains(last)
            });
            if model {
                if let Some(flag) = is_model.get_mut(i) {
                    *flag = true;
                }
                model_names.insert(c.class.name.as_str());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut per_app: BTreeMap<usize, Vec<ModelDef>> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        if !is_model.get(i).copied().unwrap_or(false) {
            continue;
        }
        let abstract_model = c
            .class
            .nested("Meta")
            .and_then(|m| m.attr("abstract"))
            .and_then(|a| a.is_truthy_literal())
            .unwrap_or(false);
        if abstract_model {
            continue;
        }
        per_app.entry(c.app).or_default().push(ModelDef {
            path: c.path.clone(),
            name: c.class.name.clone(),
            span: c.class.name_span,
        });
    }
    per_app.into_iter().collect()
}

/// One app's migration graph after squashes: replaced migrations whose squash exists are
/// folded into it, as Django's loader does when the squash can be used.
#[derive(Debug, Default)]
pub struct AppGraph {
    /// Nodes in the graph (replaced ones removed), sorted by name.
    pub nodes: Vec<usize>,
    /// node -> parents within the app.
    pub parents: HashMap<usize, Vec<usize>>,
    /// node -> children within the app.
    pub children: HashMap<usize, Vec<usize>>,
}

impl AppGraph {
    /// Nodes no other node of the app depends on.
    pub fn leaves(&self) -> Vec<usize> {
        self.nodes
            .iter()
            .copied()
            .filter(|n| self.children.get(n).is_none_or(Vec::is_empty))
            .collect()
    }

    /// Whether `ancestor` is reachable from `node` through parents.
    pub fn is_ancestor(&self, ancestor: usize, node: usize) -> bool {
        let mut stack = vec![node];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            for p in self.parents.get(&n).into_iter().flatten() {
                if *p == ancestor {
                    return true;
                }
                if seen.insert(*p) {
                    stack.push(*p);
                }
            }
        }
        false
    }
}

impl DjangoProject {
    /// The graph of app `app`, or `None` when it cannot be judged statically: a label
    /// shared by several apps, a migration that does not parse, or dependencies that are
    /// not literals.
    pub fn app_graph(&self, index: &Index, app: usize) -> Option<AppGraph> {
        let a = self.apps.get(app)?;
        if self.in_scope(&a.label, app).len() != 1 {
            return None;
        }
        let label = a.label.as_str();
        let mut facts = Vec::new();
        for &n in &a.migrations {
            let f = self.facts(index, n)?;
            if !f.dependencies_complete
                || f.dependencies
                    .iter()
                    .chain(&f.run_before)
                    .any(|d| matches!(d.target, DepTarget::Unknown))
            {
                return None;
            }
            facts.push((n, f));
        }
        // Replaced nodes whose squash (in this app) exists are folded into it.
        let squash_of = |name: &str| -> Option<usize> {
            self.replacing(label, name)
                .iter()
                .copied()
                .filter(|s| a.migrations.contains(s))
                .min()
        };
        let resolve = |name: &str| -> Option<usize> {
            squash_of(name).or_else(|| {
                self.nodes(label, name)
                    .iter()
                    .copied()
                    .find(|n| a.migrations.contains(n))
            })
        };
        let mut graph = AppGraph::default();
        for (n, _) in &facts {
            let name = self
                .migrations
                .get(*n)
                .map(|m| m.name.as_str())
                .unwrap_or("");
            if squash_of(name).is_none_or(|s| s == *n) {
                graph.nodes.push(*n);
            }
        }
        graph.nodes.sort_by(|x, y| {
            self.migrations
                .get(*x)
                .map(|m| &m.name)
                .cmp(&self.migrations.get(*y).map(|m| &m.name))
        });
        for (n, f) in &facts {
            let child = self
                .migrations
                .get(*n)
                .and_then(|m| squash_of(&m.name))
                .unwrap_or(*n);
            let mut edge = |parent: usize, child: usize| {
                if parent != child {
                    graph.parents.entry(child).or_default().push(parent);
                    graph.children.entry(parent).or_default().push(child);
                }
            };
            for d in &f.dependencies {
                if let DepTarget::Node { app: l, name } = &d.target
                    && l == label
                    && let Some(parent) = resolve(name)
                {
                    edge(parent, child);
                }
            }
            for d in &f.run_before {
                if let DepTarget::Node { app: l, name } = &d.target
                    && l == label
                    && let Some(later) = resolve(name)
                {
                    edge(child, later);
                }
            }
        }
        Some(graph)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::test_index;

    const APPS: &str = "from django.apps import AppConfig\n\n\nclass ShopCustomers(AppConfig):\n    name = 'customers'\n    label = 'shop_customers'\n";

    fn migration(deps: &str) -> String {
        format!(
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [{deps}]\n"
        )
    }

    #[test]
    fn apps_labels_projects_and_graphs() {
        let (_d, index) = test_index(&[
            ("shop/manage.py", ""),
            ("shop/customers/__init__.py", ""),
            ("shop/customers/apps.py", APPS),
            (
                "shop/customers/models.py",
                "from django.db import models\n\n\nclass Customer(models.Model):\n    pass\n\n\nclass Base(models.Model):\n    class Meta:\n        abstract = True\n",
            ),
            ("shop/customers/migrations/__init__.py", ""),
            ("shop/customers/migrations/0001_initial.py", &migration("")),
            (
                "shop/customers/migrations/0002_a.py",
                &migration("('shop_customers', '0001_initial')"),
            ),
            (
                "shop/customers/migrations/0002_b.py",
                &migration("('shop_customers', '0001_initial')"),
            ),
            ("blog/manage.py", ""),
            ("blog/posts/__init__.py", ""),
            ("blog/posts/migrations/__init__.py", ""),
            ("blog/posts/migrations/0001_initial.py", &migration("")),
        ]);
        let project = DjangoProject::build(&index);
        let shop = project
            .apps
            .iter()
            .position(|a| a.dir == "shop/customers")
            .unwrap();
        let app = &project.apps[shop];
        // The label comes from AppConfig.label; the project from the folder of manage.py.
        assert_eq!(app.label, "shop_customers");
        assert_eq!(app.project_root, "shop");
        assert_eq!(app.migrations.len(), 3);
        // Only the concrete model counts.
        let models: Vec<&str> = app.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(models, ["Customer"]);
        assert!(project.resolves("shop_customers", "0001_initial", shop));
        assert!(!project.resolves("shop_customers", "0003_c", shop));
        // Two leaves, neither an ancestor of the other.
        let graph = project.app_graph(&index, shop).unwrap();
        let leaves: Vec<&str> = graph
            .leaves()
            .iter()
            .map(|n| project.migrations[*n].name.as_str())
            .collect();
        assert_eq!(leaves, ["0002_a", "0002_b"]);
        let blog = project
            .apps
            .iter()
            .position(|a| a.dir == "blog/posts")
            .unwrap();
        assert_eq!(project.apps[blog].project_root, "blog");
        assert_eq!(project.apps[blog].label, "posts");
        // A label of another project is not in scope... unless it exists nowhere else.
        assert_eq!(project.in_scope("posts", shop), vec![blog]);
    }
}
