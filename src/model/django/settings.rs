//! Static evaluation of Django list settings (`MIDDLEWARE`, `MIDDLEWARE_CLASSES`,
//! `INSTALLED_APPS`) from the syntax tree, never by running the settings.
//!
//! Settings modules are found by path and by what uses them (`DJANGO_SETTINGS_MODULE`,
//! `--settings=`; see [`referenced_modules`]).
//!
//! Understood: list/tuple literals, `=`, `+=`, `+` concatenation of literals and names,
//! `list(...)`/`tuple(...)`, `.append`, `.insert(i, x)`, `.extend`, `.remove`,
//! `from .base import *` and named imports across split settings (an import cycle sees
//! what the module being imported has defined so far, as Python's partially
//! initialised module: the `local_settings` chain), and `if`/`try` blocks, whose
//! branches are alternatives: every entry remembers the branch it was added in, and two
//! entries of exclusive branches are never in effect together. An entry added under
//! `if "x" not in MIDDLEWARE:` is never in effect with the `x` already listed. Anything else (comprehensions,
//! `env.list(...)`, entries that are not strings) makes the list *partial*: rules then
//! say less rather than guess, and a partial list is never taken as empty.

use crate::core::kind::FileKind;
use crate::core::path::RelPath;
use crate::core::source::Span;
use crate::index::Index;
use crate::model::python::{ancestors, resolve_in_roots};
use crate::syntax::python::{PyNode, PyStmt, PyValue};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

pub const TRACKED: &[&str] = &["MIDDLEWARE", "MIDDLEWARE_CLASSES", "INSTALLED_APPS"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub value: String,
    pub path: RelPath,
    pub span: Span,
    /// The `if`/`try` branches the entry was added inside.
    pub branches: Branches,
    /// Entries this one is never in effect with: it was added under
    /// `if "<value>" not in LIST:` while they were already in the list. Their sites,
    /// sorted; one guard's entries share them.
    excludes: Arc<[u32]>,
    /// Its identity (file, span and value), numbered by the evaluation: copies of an
    /// entry, and entries evaluated again from the same code, share it.
    key: u32,
    /// Where it is written (file and span), numbered by the evaluation.
    site: u32,
}

impl Entry {
    /// Whether both entries can be in effect at once.
    pub fn compatible(&self, other: &Entry) -> bool {
        let excluded = |a: &Entry, b: &Entry| a.excludes.binary_search(&b.site).is_ok();
        !excluded(self, other)
            && !excluded(other, self)
            && self.branches.compatible(&other.branches)
    }
}

/// The `if`/`try` branches an entry was added inside, outermost first: a node of the
/// tree of branch paths, shared by every entry and nested branch below it (a path is
/// never copied). Condition ids are fresh for every `if`/`try` evaluated, so two paths
/// through the same condition agree on every branch above it: they part at one node,
/// and are exclusive exactly when they part at two branches of one condition. Each node
/// keeps its ancestors 1, 2, 4, ... levels up, so finding where two paths part takes
/// O(log depth) steps, however long the `elif` chain.
#[derive(Clone, Default)]
pub struct Branches(Option<Arc<BranchNode>>);

struct BranchNode {
    cond: u32,
    branch: u32,
    /// Branches on the path, this one included.
    depth: usize,
    /// The ancestors 1, 2, 4, ... levels up.
    up: Vec<Arc<BranchNode>>,
}

impl BranchNode {
    /// The same branch, for nodes of one depth: a condition has one path above it.
    fn is(&self, other: &BranchNode) -> bool {
        self.cond == other.cond && self.branch == other.branch
    }

    /// The ancestor `by` levels up (itself for 0).
    fn lift(self: &Arc<Self>, by: usize) -> Option<&Arc<BranchNode>> {
        let (mut node, mut by, mut bit) = (self, by, 0);
        while by != 0 {
            if by & 1 == 1 {
                node = node.up.get(bit)?;
            }
            by >>= 1;
            bit += 1;
        }
        Some(node)
    }
}

impl Branches {
    /// Outside every `if`/`try`.
    pub fn is_root(&self) -> bool {
        self.0.is_none()
    }

    /// The path into branch `branch` of condition `cond`, evaluated on this path.
    fn child(&self, cond: u32, branch: u32) -> Branches {
        let mut up: Vec<Arc<BranchNode>> = Vec::new();
        if let Some(parent) = &self.0 {
            up.push(Arc::clone(parent));
            // 2^(i+1) levels up is 2^i levels up from 2^i levels up.
            let mut i = 0;
            while let Some(next) = up.get(i).and_then(|n| n.up.get(i)).cloned() {
                up.push(next);
                i += 1;
            }
        }
        Branches(Some(Arc::new(BranchNode {
            cond,
            branch,
            depth: self.0.as_ref().map_or(0, |p| p.depth) + 1,
            up,
        })))
    }

    /// Whether the two paths never take two branches of one condition.
    pub fn compatible(&self, other: &Branches) -> bool {
        let (Some(a), Some(b)) = (&self.0, &other.0) else {
            return true;
        };
        let (deep, shallow) = if a.depth >= b.depth { (a, b) } else { (b, a) };
        let Some(mut a) = deep.lift(deep.depth - shallow.depth) else {
            return true;
        };
        let mut b = shallow;
        if a.is(b) {
            // One path continues the other.
            return true;
        }
        // Climb both by the largest jumps that keep them apart: they end on the two
        // nodes where the paths part (children of one node, or outermost).
        for i in (0..a.up.len()).rev() {
            if let (Some(x), Some(y)) = (a.up.get(i), b.up.get(i))
                && !x.is(y)
            {
                (a, b) = (x, y);
            }
        }
        a.cond != b.cond
    }

    /// The (condition, branch) pairs of the path, outermost first.
    fn path(&self) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut node = self.0.as_ref();
        while let Some(n) = node {
            out.push((n.cond, n.branch));
            node = n.up.first();
        }
        out.reverse();
        out
    }
}

impl PartialEq for Branches {
    fn eq(&self, other: &Branches) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => a.depth == b.depth && a.is(b),
            _ => false,
        }
    }
}

impl Eq for Branches {}

impl fmt::Debug for Branches {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.path()).finish()
    }
}

/// The entries of a list value. Environments are copied for every `if`/`try` branch
/// and import, so entries are shared, not copied: copying a list is a reference count,
/// and changing one copies its vector (of shared entries) only while another
/// environment holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entries(Arc<Vec<Arc<Entry>>>);

impl Deref for Entries {
    type Target = [Arc<Entry>];

    fn deref(&self) -> &[Arc<Entry>] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Entries {
    type Item = &'a Arc<Entry>;
    type IntoIter = std::slice::Iter<'a, Arc<Entry>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Entries {
    fn make_mut(&mut self) -> &mut Vec<Arc<Entry>> {
        Arc::make_mut(&mut self.0)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListValue {
    pub entries: Entries,
    /// Some of it could not be evaluated.
    pub partial: bool,
    /// Some of it depends on `if`/`try` branches.
    pub conditional: bool,
    /// The last assignment that set it: the file and the target's statement.
    pub assigned: Option<(RelPath, Span)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    List(ListValue),
    Str(String),
    Other,
}

type Env = BTreeMap<String, Value>;

/// The evaluated settings of one module.
#[derive(Clone, Debug)]
pub struct SettingsModule {
    pub path: RelPath,
    pub lists: BTreeMap<String, ListValue>,
}

impl SettingsModule {
    pub fn list(&self, name: &str) -> Option<&ListValue> {
        self.lists.get(name)
    }
}

/// Evaluates every settings module of the repository: files classified as Django
/// settings, Python files in `settings`/`config`/`conf` folders that mention
/// `MIDDLEWARE` or `INSTALLED_APPS`, and the modules something uses as settings
/// ([`referenced_modules`]). Modules they import (`from .local_settings import *`) are
/// evaluated as part of them.
pub fn evaluate_all(index: &Index) -> Vec<SettingsModule> {
    let mut candidates: BTreeSet<String> = referenced_modules(index);
    for f in index.files() {
        let by_path = f.kind == FileKind::DjangoSettings
            || (f.kind == FileKind::Python
                && f.path
                    .as_str()
                    .split('/')
                    .any(|c| matches!(c, "settings" | "config" | "conf" | "configs"))
                && f.source().is_some_and(|s| {
                    s.text.contains("MIDDLEWARE") || s.text.contains("INSTALLED_APPS")
                }));
        if by_path {
            candidates.insert(f.path.as_str().to_string());
        }
    }
    let mut ev = Evaluator::new(index);
    let mut out = Vec::new();
    for path in candidates {
        let lists = tracked_lists(ev.root(&path));
        if !lists.is_empty() {
            out.push(SettingsModule {
                path: RelPath::new(path),
                lists,
            });
        }
    }
    out
}

/// The files of the settings modules the repository uses, in one pass over the files
/// that can name one: `DJANGO_SETTINGS_MODULE` in `manage.py`, `wsgi.py`, `asgi.py`
/// (`os.environ.setdefault(...)`), Dockerfiles (`ENV`), Compose files
/// (`environment`), `.env` files, `pytest.ini`/`tox.ini`/`setup.cfg`/`pyproject.toml`;
/// `--settings=` in Dockerfiles and Compose commands. A dotted module resolves from the
/// referencing file's folder and its ancestors, then from the folders holding a
/// `manage.py`.
pub fn referenced_modules(index: &Index) -> BTreeSet<String> {
    let manage_dirs: Vec<&str> = index
        .files()
        .iter()
        .filter(|f| f.path.file_name() == "manage.py")
        .map(|f| f.path.parent())
        .collect();
    let manage_roots = crate::model::python::Roots::new(index, manage_dirs);
    let mut out = BTreeSet::new();
    for f in index.files() {
        let names = match f.kind {
            FileKind::Dockerfile
            | FileKind::Compose
            | FileKind::EnvFile
            | FileKind::Ini
            | FileKind::PyProject => true,
            FileKind::Python => matches!(f.path.file_name(), "manage.py" | "wsgi.py" | "asgi.py"),
            _ => false,
        };
        if !names {
            continue;
        }
        let Some(source) = f.source() else { continue };
        for dotted in settings_references(&source.text) {
            let found = resolve_in_roots(index, &dotted, ancestors(f.path.parent()))
                .or_else(|| manage_roots.resolve(index, &dotted));
            if let Some(file) = found {
                out.insert(file);
            }
        }
    }
    out
}

/// The dotted modules a text names as Django settings: the value after
/// `DJANGO_SETTINGS_MODULE` and a `=`, `:` or `,` (quotes and spaces skipped; the
/// default of `${VAR:-default}`), and after `--settings=` or `--settings `.
pub fn settings_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["DJANGO_SETTINGS_MODULE", "--settings"] {
        for (at, _) in text.match_indices(key) {
            let Some(rest) = text.get(at + key.len()..) else {
                continue;
            };
            let value_at = rest
                .find(|c: char| !matches!(c, '"' | '\'' | ' ' | '\t' | '=' | ':' | ',' | ']'))
                .unwrap_or(rest.len());
            let (between, value) = rest.split_at(value_at);
            let separated = between.contains(['=', ':', ',']);
            let value = match value.strip_prefix("${") {
                Some(inner) => inner
                    .split_once('}')
                    .and_then(|(v, _)| v.split_once(":-").or_else(|| v.split_once('-')))
                    .map_or("", |(_, default)| default),
                None => value,
            };
            let end = value
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(value.len());
            let dotted = value.get(..end).unwrap_or("").trim_end_matches('.');
            let plausible = dotted.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && (separated || (between.contains(' ') && dotted.contains('.')));
            if plausible && !out.iter().any(|o| o == dotted) {
                out.push(dotted.to_string());
            }
        }
    }
    out
}

/// The tracked list settings of an environment.
fn tracked_lists(env: Env) -> BTreeMap<String, ListValue> {
    env.into_iter()
        .filter(|(k, _)| TRACKED.contains(&k.as_str()))
        .filter_map(|(k, v)| match v {
            Value::List(l) => Some((k, l)),
            _ => None,
        })
        .collect()
}

/// Evaluates one settings module (by its file), whatever its name or folder.
pub fn evaluate_module(index: &Index, path: &str) -> SettingsModule {
    let env = Evaluator::new(index).root(path);
    let lists = tracked_lists(env);
    SettingsModule {
        path: RelPath::new(path),
        lists,
    }
}

struct Evaluator<'a> {
    index: &'a Index,
    cache: BTreeMap<String, Env>,
    visiting: BTreeSet<String>,
    /// What a module being evaluated has defined so far, as of its latest import: an
    /// import cycle sees that, as Python's partially initialised module.
    in_progress: BTreeMap<String, Env>,
    /// How many times an import cycle was met: a module whose evaluation met one
    /// depends on where the evaluation started, and is not cached across roots.
    cycles: u32,
    /// Modules evaluated from the current root that met a cycle: imported again from the
    /// same root, each is what it was the first time, as in Python, where a module runs
    /// once per process. Without this, every import below a cycle evaluated its whole
    /// subtree again: 2^depth work (a 21-module chain over a `local_settings` cycle took
    /// 25 s).
    session: BTreeMap<String, Env>,
    next_cond: u32,
    /// The number of every site met (file, span), and of every entry identity (site,
    /// value).
    sites: FxHashMap<(RelPath, Span), u32>,
    keys: FxHashMap<(u32, String), u32>,
}

impl<'a> Evaluator<'a> {
    fn new(index: &'a Index) -> Self {
        Self {
            index,
            cache: BTreeMap::new(),
            visiting: BTreeSet::new(),
            in_progress: BTreeMap::new(),
            cycles: 0,
            session: BTreeMap::new(),
            next_cond: 0,
            sites: FxHashMap::default(),
            keys: FxHashMap::default(),
        }
    }

    /// A new entry of `value`, written at `span` of `path`.
    fn entry(&mut self, value: String, path: &RelPath, span: Span, cond: &Branches) -> Arc<Entry> {
        let site = number(&mut self.sites, (path.clone(), span));
        let key = number(&mut self.keys, (site, value.clone()));
        Arc::new(Entry {
            value,
            path: path.clone(),
            span,
            branches: cond.clone(),
            excludes: Arc::default(),
            key,
            site,
        })
    }

    /// The settings a root module defines: a fresh session (see `session`).
    fn root(&mut self, path: &str) -> Env {
        self.session.clear();
        self.module(path)
    }

    fn module(&mut self, path: &str) -> Env {
        if let Some(env) = self.cache.get(path).or_else(|| self.session.get(path)) {
            return env.clone();
        }
        if !self.visiting.insert(path.to_string()) {
            self.cycles += 1;
            return self.in_progress.get(path).cloned().unwrap_or_default();
        }
        let cycles = self.cycles;
        let mut env = Env::new();
        if let Some(entry) = self.index.get(path)
            && let Some(module) = entry.python()
        {
            let rel = entry.path.clone();
            self.exec(&module.body, &rel, &mut env, &Branches::default());
        }
        self.visiting.remove(path);
        self.in_progress.remove(path);
        if self.cycles == cycles {
            self.cache.insert(path.to_string(), env.clone());
        } else {
            self.session.insert(path.to_string(), env.clone());
        }
        env
    }

    /// The file a `from ... import` names, relative to `path`.
    fn resolve(&self, path: &RelPath, level: u32, module: Option<&str>) -> Option<String> {
        crate::model::python::resolve_import(self.index, path.as_str(), level, module)
    }

    fn exec(&mut self, body: &[PyStmt], path: &RelPath, env: &mut Env, cond: &Branches) {
        for stmt in body {
            match stmt {
                PyStmt::ImportFrom {
                    module,
                    level,
                    names,
                    ..
                } => {
                    let Some(target) = self.resolve(path, *level, module.as_deref()) else {
                        continue;
                    };
                    if target == path.as_str() {
                        continue;
                    }
                    self.in_progress.insert(path.to_string(), env.clone());
                    let imported = self.module(&target);
                    for n in names {
                        if n.name == "*" {
                            for (k, v) in &imported {
                                if !k.starts_with('_') {
                                    env.insert(k.clone(), v.clone());
                                }
                            }
                        } else if let Some(v) = imported.get(&n.name) {
                            env.insert(
                                n.alias.clone().unwrap_or_else(|| n.name.clone()),
                                v.clone(),
                            );
                        }
                    }
                }
                PyStmt::Assign {
                    targets,
                    value,
                    span,
                } => {
                    let v = self.eval(value, path, env, cond);
                    for t in targets.iter().filter(|t| !t.contains('.')) {
                        let mut v = match (&v, TRACKED.contains(&t.as_str())) {
                            (Value::List(_), _) | (_, false) => v.clone(),
                            (_, true) => Value::List(ListValue {
                                partial: true,
                                ..ListValue::default()
                            }),
                        };
                        if let Value::List(l) = &mut v {
                            l.assigned = Some((path.clone(), *span));
                        }
                        env.insert(t.clone(), v);
                    }
                }
                PyStmt::AugAssign {
                    target, add, value, ..
                } => {
                    let rhs = self.eval(value, path, env, cond);
                    if let Some(Value::List(list)) = env.get_mut(target) {
                        match (add, rhs) {
                            (true, Value::List(more)) => append(list, more),
                            _ => list.partial = true,
                        }
                    }
                }
                PyStmt::Expr { value, .. } => self.call(value, path, env, cond),
                PyStmt::If {
                    test, body, orelse, ..
                } => {
                    let id = self.fresh();
                    let mut a = env.clone();
                    self.exec(body, path, &mut a, &cond.child(id, 0));
                    if let Some((value, name)) = absence_guard(test) {
                        exclude_present(env, &mut a, name, value);
                    }
                    let mut b = env.clone();
                    self.exec(orelse, path, &mut b, &cond.child(id, 1));
                    *env = merge(env, vec![a, b]);
                }
                PyStmt::Try {
                    body,
                    handlers,
                    orelse,
                    finalbody,
                    ..
                } => {
                    let id = self.fresh();
                    let mut branches = Vec::new();
                    let mut a = env.clone();
                    let succeeded = cond.child(id, 0);
                    self.exec(body, path, &mut a, &succeeded);
                    self.exec(orelse, path, &mut a, &succeeded);
                    branches.push(a);
                    for (i, h) in handlers.iter().enumerate() {
                        let mut b = env.clone();
                        self.exec(
                            &h.body,
                            path,
                            &mut b,
                            &cond.child(id, u32::try_from(i + 1).unwrap_or(u32::MAX)),
                        );
                        branches.push(b);
                    }
                    *env = merge(env, branches);
                    self.exec(finalbody, path, env, cond);
                }
                PyStmt::Block { body, .. } => self.exec(body, path, env, cond),
                _ => {}
            }
        }
    }

    fn fresh(&mut self) -> u32 {
        self.next_cond += 1;
        self.next_cond
    }

    fn call(&mut self, value: &PyNode, path: &RelPath, env: &mut Env, cond: &Branches) {
        let PyValue::Call { func, args, .. } = &value.value else {
            return;
        };
        let Some((name, method)) = func.rsplit_once('.') else {
            return;
        };
        if name.contains('.') {
            return;
        }
        let arg_values: Vec<Value> = args.iter().map(|a| self.eval(a, path, env, cond)).collect();
        let Some(Value::List(list)) = env.get_mut(name) else {
            return;
        };
        let mut entry = |i: usize| match (arg_values.get(i), args.get(i)) {
            (Some(Value::Str(s)), Some(node)) => Some(self.entry(s.clone(), path, node.span, cond)),
            _ => None,
        };
        if !cond.is_root() {
            list.conditional = true;
        }
        match method {
            "append" => match entry(0) {
                Some(e) => list.add(usize::MAX, e),
                None => list.partial = true,
            },
            "extend" => match arg_values.into_iter().next() {
                Some(Value::List(more)) => append(list, more),
                _ => list.partial = true,
            },
            "insert" => {
                let position = args.first().and_then(|a| match a.value {
                    PyValue::Int(i) => Some(i),
                    _ => None,
                });
                match (position, entry(1)) {
                    (Some(i), Some(e)) => {
                        let len = i64::try_from(list.entries.len()).unwrap_or(i64::MAX);
                        let at = if i < 0 { (len + i).max(0) } else { i.min(len) };
                        list.add(usize::try_from(at).unwrap_or(0), e);
                    }
                    _ => list.partial = true,
                }
            }
            "remove" => match arg_values.first() {
                Some(Value::Str(s)) => {
                    let removable = |e: &Arc<Entry>| &e.value == s && e.branches.compatible(cond);
                    if let Some(i) = list.entries.iter().position(removable) {
                        list.entries.make_mut().remove(i);
                    }
                }
                _ => list.partial = true,
            },
            _ => {}
        }
    }

    fn eval(&mut self, node: &PyNode, path: &RelPath, env: &Env, cond: &Branches) -> Value {
        match &node.value {
            PyValue::Str(s) => Value::Str(s.clone()),
            PyValue::List(items) | PyValue::Tuple(items) => {
                let mut list = ListValue {
                    conditional: !cond.is_root(),
                    ..ListValue::default()
                };
                if items.len() > MAX_LIST_ENTRIES {
                    list.partial = true;
                }
                let entries = list.entries.make_mut();
                for item in items.iter().take(MAX_LIST_ENTRIES) {
                    match self.eval(item, path, env, cond) {
                        Value::Str(s) => entries.push(self.entry(s, path, item.span, cond)),
                        _ => list.partial = true,
                    }
                }
                Value::List(list)
            }
            PyValue::Add(l, r) => {
                match (self.eval(l, path, env, cond), self.eval(r, path, env, cond)) {
                    (Value::List(mut a), Value::List(b)) => {
                        append(&mut a, b);
                        Value::List(a)
                    }
                    (Value::List(mut a), _) | (_, Value::List(mut a)) => {
                        a.partial = true;
                        Value::List(a)
                    }
                    _ => Value::Other,
                }
            }
            PyValue::Ref(name) => env.get(name).cloned().unwrap_or(Value::Other),
            // `list(MIDDLEWARE)`, `tuple(...)`: the same entries.
            PyValue::Call { func, args, kwargs }
                if matches!(func.as_str(), "list" | "tuple")
                    && args.len() == 1
                    && kwargs.is_empty() =>
            {
                match args.first().map(|a| self.eval(a, path, env, cond)) {
                    Some(v @ Value::List(_)) => v,
                    _ => Value::Other,
                }
            }
            _ => Value::Other,
        }
    }
}

/// The number of `key` in `numbers`: the next one when it is new.
fn number<K: std::hash::Hash + Eq>(numbers: &mut FxHashMap<K, u32>, key: K) -> u32 {
    let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
    *numbers.entry(key).or_insert(next)
}

/// `if "<value>" not in <NAME>:` -> (value, NAME).
fn absence_guard(test: &PyNode) -> Option<(&str, &str)> {
    match &test.value {
        PyValue::Contains {
            item,
            container,
            negated: true,
        } => Some((item.as_str()?, container.as_ref_name()?)),
        _ => None,
    }
}

/// After a branch guarded by `if value not in NAME:`: the entries of `value` it added
/// are never in effect with those already in the list.
fn exclude_present(before: &Env, after: &mut Env, name: &str, value: &str) {
    let Some(Value::List(old)) = before.get(name) else {
        return;
    };
    let present: Vec<&Arc<Entry>> = old.entries.iter().filter(|e| e.value == value).collect();
    if present.is_empty() {
        return;
    }
    let Some(Value::List(new)) = after.get_mut(name) else {
        return;
    };
    // The entries of `value` the branch added: not (copies of) those listed before.
    let listed: FxHashSet<u32> = present.iter().map(|e| e.key).collect();
    let added = |e: &Arc<Entry>| e.value == value && !listed.contains(&e.key);
    if !new.entries.iter().any(added) {
        return;
    }
    let mut sites: Vec<u32> = present.iter().map(|o| o.site).collect();
    sites.sort_unstable();
    sites.dedup();
    let sites: Arc<[u32]> = sites.into();
    for e in new.entries.make_mut().iter_mut().filter(|e| added(e)) {
        let e = Arc::make_mut(e);
        e.excludes = if e.excludes.is_empty() {
            Arc::clone(&sites)
        } else {
            // Inside two guards: excluded by both.
            let mut both: Vec<u32> = e.excludes.iter().chain(sites.iter()).copied().collect();
            both.sort_unstable();
            both.dedup();
            both.into()
        };
    }
}

/// The most entries an evaluated list keeps. Real MIDDLEWARE and INSTALLED_APPS lists
/// hold tens to a few hundred; `MIDDLEWARE += MIDDLEWARE` repeated doubles a list each
/// time. Past the bound a list is partial, and the rules that need it whole stay silent.
pub const MAX_LIST_ENTRIES: usize = 2_048;

impl ListValue {
    /// Inserts an entry at `at` (at the end past it), if the list has room for it:
    /// past [`MAX_LIST_ENTRIES`] the entry is left out and the list is partial.
    fn add(&mut self, at: usize, entry: Arc<Entry>) {
        if self.entries.len() >= MAX_LIST_ENTRIES {
            self.partial = true;
            return;
        }
        let entries = self.entries.make_mut();
        entries.insert(at.min(entries.len()), entry);
    }
}

fn append(list: &mut ListValue, more: ListValue) {
    let room = MAX_LIST_ENTRIES.saturating_sub(list.entries.len());
    if more.entries.len() > room {
        list.partial = true;
    }
    if list.entries.is_empty() && more.entries.len() <= room {
        // Nothing to copy: share them.
        list.entries = more.entries;
    } else if room > 0 && !more.entries.is_empty() {
        let take = more.entries.len().min(room);
        list.entries
            .make_mut()
            .extend(more.entries.iter().take(take).cloned());
    }
    list.partial |= more.partial;
    list.conditional |= more.conditional;
}

/// Joins the environments of alternative branches: lists keep every entry of every
/// branch (each tagged with its branch), in an order that respects each branch's own.
fn merge(before: &Env, branches: Vec<Env>) -> Env {
    let mut out = before.clone();
    let names: BTreeSet<String> = branches.iter().flat_map(|b| b.keys().cloned()).collect();
    for name in names {
        let values: Vec<Option<&Value>> = branches.iter().map(|b| b.get(&name)).collect();
        if values
            .iter()
            .all(|v| v.is_none_or(|v| matches!(v, Value::List(_))))
        {
            let mut merged: Option<ListValue> = None;
            for v in values.iter().flatten() {
                let Value::List(l) = v else { continue };
                match &mut merged {
                    None => merged = Some(l.clone()),
                    Some(m) => merge_list(m, l),
                }
            }
            if let Some(mut m) = merged {
                if values.iter().any(|v| v.is_none()) && before.get(&name).is_none() {
                    // Set in some branches only: partially known afterwards.
                    m.partial = true;
                }
                m.conditional = true;
                out.insert(name, Value::List(m));
            }
        } else if let Some(v) = values
            .iter()
            .flatten()
            .find(|v| Some(**v) != before.get(&name))
        {
            out.insert(name, (*v).clone());
        }
    }
    out
}

/// Adds to `into` the entries of `other` (another branch's list) it does not hold: each
/// right after the first entry of `into` that is the entry before it in `other`, the
/// first one at the front. In linear time: entries are found by key, and the new ones
/// linked in after their predecessor, not searched for and inserted in a vector.
fn merge_list(into: &mut ListValue, other: &ListValue) {
    if into.entries.len() + other.entries.len() > MAX_LIST_ENTRIES {
        into.partial = true;
        return;
    }
    into.partial |= other.partial;
    if Arc::ptr_eq(&into.entries.0, &other.entries.0) {
        return;
    }
    // The entries as a linked list: `into`'s in order, then the added ones.
    let mut nodes: Vec<Arc<Entry>> = into.entries.to_vec();
    let mut next: Vec<Option<usize>> = (1..=nodes.len())
        .map(|i| (i < nodes.len()).then_some(i))
        .collect();
    let mut head = (!nodes.is_empty()).then_some(0);
    // The first node of each key.
    let mut first: FxHashMap<u32, usize> = FxHashMap::default();
    for (i, e) in nodes.iter().enumerate() {
        first.entry(e.key).or_insert(i);
    }
    let added = nodes.len();
    // The node of `other`'s previous entry (none: the front).
    let mut previous: Option<usize> = None;
    for e in other.entries.iter() {
        if let Some(&at) = first.get(&e.key) {
            previous = Some(at);
            continue;
        }
        let i = nodes.len();
        nodes.push(Arc::clone(e));
        let slot = match previous.and_then(|p| next.get_mut(p)) {
            Some(slot) => slot,
            None => &mut head,
        };
        let after = slot.replace(i);
        next.push(after);
        first.insert(e.key, i);
        previous = Some(i);
    }
    if nodes.len() == added {
        return;
    }
    let mut merged = Vec::with_capacity(nodes.len());
    let mut at = head;
    while let Some(node) = at.and_then(|i| nodes.get(i)) {
        merged.push(Arc::clone(node));
        at = at.and_then(|i| next.get(i)).copied().flatten();
    }
    into.entries = Entries(Arc::new(merged));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(files: &[(&str, &str)]) -> (tempfile::TempDir, Index) {
        crate::index::test_index(files)
    }

    fn values(l: &ListValue) -> Vec<&str> {
        l.entries.iter().map(|e| e.value.as_str()).collect()
    }

    #[test]
    fn split_settings_with_star_imports_and_mutations() {
        let (_d, idx) = index(&[
            (
                "config/settings/base.py",
                "MIDDLEWARE = [\n    'a.A',\n    'b.B',\n]\nBASE_APPS = ['x']\nINSTALLED_APPS = BASE_APPS + ['y']\n",
            ),
            (
                "config/settings/production.py",
                "from .base import *\nMIDDLEWARE += ['c.C']\nMIDDLEWARE.insert(0, 'z.Z')\nMIDDLEWARE.remove('b.B')\nMIDDLEWARE.append('d.D')\n",
            ),
        ]);
        let all = evaluate_all(&idx);
        let prod = all
            .iter()
            .find(|m| m.path.as_str().ends_with("production.py"))
            .unwrap();
        let mw = prod.list("MIDDLEWARE").unwrap();
        assert_eq!(values(mw), ["z.Z", "a.A", "c.C", "d.D"]);
        assert!(!mw.partial);
        assert_eq!(
            mw.entries[1].path.as_str(),
            "config/settings/base.py",
            "entries keep their file"
        );
        assert_eq!(values(prod.list("INSTALLED_APPS").unwrap()), ["x", "y"]);
    }

    #[test]
    fn branches_are_alternatives_and_unknowns_are_partial() {
        let (_d, idx) = index(&[(
            "settings.py",
            "DEBUG = False\nMIDDLEWARE = ('a.A',)\nif DEBUG:\n    MIDDLEWARE += ('dbg.Toolbar',)\nelse:\n    MIDDLEWARE += ('dbg.Toolbar',)\ntry:\n    import x\nexcept ImportError:\n    pass\nelse:\n    MIDDLEWARE += ('x.X',)\nINSTALLED_APPS = env.list('APPS')\n",
        )]);
        let all = evaluate_all(&idx);
        let m = &all[0];
        let mw = m.list("MIDDLEWARE").unwrap();
        assert_eq!(values(mw), ["a.A", "dbg.Toolbar", "dbg.Toolbar", "x.X"]);
        assert!(
            !mw.entries[1].compatible(&mw.entries[2]),
            "exclusive branches"
        );
        assert!(mw.entries[0].compatible(&mw.entries[1]));
        assert!(mw.conditional);
        let apps = m.list("INSTALLED_APPS").unwrap();
        assert!(
            apps.partial && apps.entries.is_empty(),
            "unknown, never empty-and-complete"
        );
    }

    #[test]
    fn a_membership_guard_excludes_the_entry_already_listed() {
        let (_d, idx) = index(&[(
            "settings.py",
            "MIDDLEWARE = ('a.A',)\nif X:\n    MIDDLEWARE += ('r.R',)\nif 'r.R' not in MIDDLEWARE:\n    MIDDLEWARE += ('r.R',)\nMIDDLEWARE = list(MIDDLEWARE)\nif 'a.A' not in MIDDLEWARE:\n    MIDDLEWARE.insert(0, 'a.A')\nif 'n.N' not in MIDDLEWARE:\n    MIDDLEWARE.append('n.N')\nMIDDLEWARE.append('n.N')\n",
        )]);
        let all = evaluate_all(&idx);
        let mw = all[0].list("MIDDLEWARE").unwrap();
        assert_eq!(values(mw), ["a.A", "a.A", "r.R", "r.R", "n.N", "n.N"]);
        assert!(!mw.partial, "list(...) keeps the entries");
        assert!(!mw.entries[0].compatible(&mw.entries[1]));
        assert!(!mw.entries[2].compatible(&mw.entries[3]));
        assert!(
            mw.entries[4].compatible(&mw.entries[5]),
            "an unguarded append after the guard still duplicates"
        );
    }

    #[test]
    fn a_local_settings_cycle_sees_what_was_defined_before_it() {
        let (_d, idx) = index(&[
            (
                "mysite/settings.py",
                "MIDDLEWARE = ['a.A']\ntry:\n    from .local_settings import *\nexcept ImportError:\n    pass\n",
            ),
            (
                "mysite/local_settings.py",
                "from .settings import MIDDLEWARE\nMIDDLEWARE = MIDDLEWARE + ['a.A']\n",
            ),
        ]);
        let all = evaluate_all(&idx);
        let mw = all[0].list("MIDDLEWARE").unwrap();
        assert_eq!(values(mw), ["a.A", "a.A"]);
        assert!(mw.entries[0].compatible(&mw.entries[1]));
        assert_eq!(mw.entries[1].path.as_str(), "mysite/local_settings.py");
    }

    #[test]
    fn settings_are_found_by_what_uses_them() {
        assert_eq!(
            settings_references(
                "os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"shop.settings_dev\")\n\
                 ENV DJANGO_SETTINGS_MODULE=portal.settings_production \\\n\
                 DJANGO_SETTINGS_MODULE: ${DJANGO_SETTINGS_MODULE:-config.settings.local}\n\
                 if \"DJANGO_SETTINGS_MODULE\" in os.environ: pass\n\
                 CMD [\"python\", \"manage.py\", \"migrate\", \"--settings\", \"a.b\"]\n\
                 RUN python manage.py check --settings=c.d\n"
            ),
            [
                "shop.settings_dev",
                "portal.settings_production",
                "config.settings.local",
                "a.b",
                "c.d"
            ]
        );
        let (_d, idx) = index(&[
            ("backend/manage.py", ""),
            ("backend/shop/settings_dev.py", "MIDDLEWARE = ['a.A']\n"),
            ("backend/shop/settings_ci.py", "MIDDLEWARE = ['b.B']\n"),
            (
                "pytest.ini",
                "[pytest]\nDJANGO_SETTINGS_MODULE = shop.settings_ci\n",
            ),
            (".env", "DJANGO_SETTINGS_MODULE=shop.settings_dev\n"),
            ("backend/shop/unused.py", "MIDDLEWARE = ['c.C']\n"),
        ]);
        let found: Vec<String> = evaluate_all(&idx)
            .iter()
            .map(|m| m.path.as_str().to_string())
            .collect();
        assert_eq!(
            found,
            [
                "backend/shop/settings_ci.py",
                "backend/shop/settings_dev.py"
            ]
        );
    }

    #[test]
    fn import_cycles_terminate() {
        let (_d, idx) = index(&[
            ("settings/a.py", "from .b import *\nMIDDLEWARE = ['a.A']\n"),
            (
                "settings/b.py",
                "from .a import *\nINSTALLED_APPS = ['b']\n",
            ),
        ]);
        let all = evaluate_all(&idx);
        assert_eq!(all.len(), 2);
    }

    /// A deterministic stream of numbers for the generated cases below.
    fn lcg(seed: &mut u64) -> usize {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(*seed >> 33).unwrap()
    }

    #[test]
    fn branch_paths_are_exclusive_when_they_take_two_branches_of_one_condition() {
        let mut seed = 7;
        for _ in 0..8 {
            // Conditions evaluated on random paths, as nested `if`/`try` make them, and
            // an `elif` chain 150 deep.
            let mut paths = vec![Branches::default()];
            let mut cond = 0;
            for _ in 0..60 {
                let on = paths[lcg(&mut seed) % paths.len()].clone();
                cond += 1;
                for branch in 0..=lcg(&mut seed) % 3 {
                    paths.push(on.child(cond, u32::try_from(branch).unwrap()));
                }
            }
            let mut on = paths[lcg(&mut seed) % paths.len()].clone();
            for _ in 0..150 {
                cond += 1;
                paths.push(on.child(cond, 0));
                on = on.child(cond, 1);
            }
            paths.push(on);
            let pairs: Vec<BTreeMap<u32, u32>> = paths
                .iter()
                .map(|p| p.path().into_iter().collect())
                .collect();
            for (a, pa) in paths.iter().zip(&pairs) {
                for (b, pb) in paths.iter().zip(&pairs) {
                    // The definition: no condition with a different branch in each.
                    let expected = !pa.iter().any(|(c, x)| pb.get(c).is_some_and(|y| x != y));
                    assert_eq!(a.compatible(b), expected, "{a:?} and {b:?}");
                    assert_eq!(a == b, pa == pb, "{a:?} and {b:?}");
                }
            }
        }
    }

    #[test]
    fn merged_lists_keep_the_order_of_the_search_and_insert_merge() {
        // The merge as first written: quadratic, plainly right.
        fn reference(into: &mut Vec<u32>, other: &[u32]) {
            for (k, e) in other.iter().enumerate() {
                if into.contains(e) {
                    continue;
                }
                let at = other[..k]
                    .iter()
                    .rev()
                    .find_map(|p| into.iter().position(|x| x == p))
                    .map_or(0, |i| i + 1);
                into.insert(at, *e);
            }
        }
        let list = |keys: &[u32]| ListValue {
            entries: Entries(Arc::new(
                keys.iter()
                    .map(|&key| {
                        Arc::new(Entry {
                            value: format!("m{key}.M"),
                            path: RelPath::new("settings.py"),
                            span: Span::default(),
                            branches: Branches::default(),
                            excludes: Arc::default(),
                            key,
                            site: key,
                        })
                    })
                    .collect(),
            )),
            ..ListValue::default()
        };
        let mut seed = 11;
        for _ in 0..2_000 {
            let mut random = || -> Vec<u32> {
                (0..lcg(&mut seed) % 10)
                    .map(|_| u32::try_from(lcg(&mut seed) % 8).unwrap())
                    .collect()
            };
            let (into, other) = (random(), random());
            let mut expected = into.clone();
            reference(&mut expected, &other);
            let mut merged = list(&into);
            merge_list(&mut merged, &list(&other));
            let keys: Vec<u32> = merged.entries.iter().map(|e| e.key).collect();
            assert_eq!(keys, expected, "{into:?} with {other:?}");
        }
    }

    #[test]
    fn lists_are_bounded_however_they_grow() {
        let appends = "MIDDLEWARE.append('a.A')\n".repeat(MAX_LIST_ENTRIES + 5);
        let inserts = "INSTALLED_APPS.insert(0, 'b')\n".repeat(MAX_LIST_ENTRIES + 5);
        let (_d, idx) = index(&[(
            "settings.py",
            &format!("MIDDLEWARE = []\nINSTALLED_APPS = []\n{appends}{inserts}"),
        )]);
        let all = evaluate_all(&idx);
        for name in ["MIDDLEWARE", "INSTALLED_APPS"] {
            let l = all[0].list(name).unwrap();
            assert_eq!(l.entries.len(), MAX_LIST_ENTRIES, "{name}");
            assert!(l.partial, "{name}: partial past the bound");
        }
    }

    #[test]
    fn an_elif_chain_is_one_set_of_alternatives() {
        let mut text = String::from("MIDDLEWARE = []\nif X == 0:\n    MIDDLEWARE.append('a.A')\n");
        for i in 1..300 {
            text.push_str(&format!(
                "elif X == {i}:\n    MIDDLEWARE.insert(0, 'a.A')\n"
            ));
        }
        text.push_str("MIDDLEWARE.append('a.A')\n");
        let (_d, idx) = index(&[("settings.py", &text)]);
        let all = evaluate_all(&idx);
        let mw = all[0].list("MIDDLEWARE").unwrap();
        assert_eq!(mw.entries.len(), 301);
        let (last, branches) = mw.entries.split_last().unwrap();
        for (i, a) in branches.iter().enumerate() {
            assert!(a.compatible(last));
            assert!(branches.iter().skip(i + 1).all(|b| !a.compatible(b)));
        }
    }
}
