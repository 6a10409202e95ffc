//! Static evaluation of Django list settings (`MIDDLEWARE`, `MIDDLEWARE_CLASSES`,
//! `INSTALLED_APPS`) from the syntax tree, never by running the settings.
//!
//! Understood: list/tuple literals, `=`, `+=`, `+` concatenation of literals and names,
//! `.append`, `.insert(i, x)`, `.extend`, `.remove`, `from .base import *` and named
//! imports across split settings, and `if`/`try` blocks, whose branches are
//! alternatives: every entry remembers the branch it was added in, and two entries of
//! exclusive branches are never in effect together. Anything else (comprehensions,
//! `env.list(...)`, entries that are not strings) makes the list *partial*: rules then
//! say less rather than guess, and a partial list is never taken as empty.

use crate::core::path::RelPath;
use crate::core::source::Span;
use crate::index::Index;
use crate::syntax::python::{PyNode, PyStmt, PyValue};
use std::collections::{BTreeMap, BTreeSet};

pub const TRACKED: &[&str] = &["MIDDLEWARE", "MIDDLEWARE_CLASSES", "INSTALLED_APPS"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub value: String,
    pub path: RelPath,
    pub span: Span,
    /// (condition id, branch) of every `if`/`try` the entry was added inside.
    pub branches: Vec<(u32, u32)>,
}

impl Entry {
    /// Whether both entries can be in effect at once.
    pub fn compatible(&self, other: &Entry) -> bool {
        !self
            .branches
            .iter()
            .any(|(c, b)| other.branches.iter().any(|(c2, b2)| c == c2 && b != b2))
    }

    fn same(&self, other: &Entry) -> bool {
        self.path == other.path && self.span == other.span && self.value == other.value
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListValue {
    pub entries: Vec<Entry>,
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
/// settings, and Python files in `settings`/`config`/`conf` folders that mention
/// `MIDDLEWARE` or `INSTALLED_APPS`.
pub fn evaluate_all(index: &Index) -> Vec<SettingsModule> {
    let mut ev = Evaluator {
        index,
        cache: BTreeMap::new(),
        visiting: BTreeSet::new(),
        next_cond: 0,
    };
    let mut out = Vec::new();
    for f in index.files() {
        let candidate = f.kind == crate::core::kind::FileKind::DjangoSettings
            || (f.kind == crate::core::kind::FileKind::Python
                && f.path
                    .as_str()
                    .split('/')
                    .any(|c| matches!(c, "settings" | "config" | "conf" | "configs"))
                && f.source().is_some_and(|s| {
                    s.text.contains("MIDDLEWARE") || s.text.contains("INSTALLED_APPS")
                }));
        if !candidate {
            continue;
        }
        let env = ev.module(f.path.as_str());
        let lists = tracked_lists(env);
        if !lists.is_empty() {
            out.push(SettingsModule {
                path: f.path.clone(),
                lists,
            });
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
    let mut ev = Evaluator {
        index,
        cache: BTreeMap::new(),
        visiting: BTreeSet::new(),
        next_cond: 0,
    };
    let env = ev.module(path);
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
    next_cond: u32,
}

impl Evaluator<'_> {
    fn module(&mut self, path: &str) -> Env {
        if let Some(env) = self.cache.get(path) {
            return env.clone();
        }
        if !self.visiting.insert(path.to_string()) {
            return Env::new();
        }
        let mut env = Env::new();
        if let Some(entry) = self.index.get(path)
            && let Some(module) = entry.python()
        {
            let rel = entry.path.clone();
            self.exec(&module.body, &rel, &mut env, &[]);
        }
        self.visiting.remove(path);
        self.cache.insert(path.to_string(), env.clone());
        env
    }

    /// The file a `from ... import` names, relative to `path`.
    fn resolve(&self, path: &RelPath, level: u32, module: Option<&str>) -> Option<String> {
        crate::model::python::resolve_import(self.index, path.as_str(), level, module)
    }

    fn exec(&mut self, body: &[PyStmt], path: &RelPath, env: &mut Env, cond: &[(u32, u32)]) {
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
                PyStmt::If { body, orelse, .. } => {
                    let id = self.fresh();
                    let mut a = env.clone();
                    self.exec(body, path, &mut a, &with(cond, id, 0));
                    let mut b = env.clone();
                    self.exec(orelse, path, &mut b, &with(cond, id, 1));
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
                    self.exec(body, path, &mut a, &with(cond, id, 0));
                    self.exec(orelse, path, &mut a, &with(cond, id, 0));
                    branches.push(a);
                    for (i, h) in handlers.iter().enumerate() {
                        let mut b = env.clone();
                        self.exec(
                            &h.body,
                            path,
                            &mut b,
                            &with(cond, id, u32::try_from(i + 1).unwrap_or(u32::MAX)),
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

    fn call(&mut self, value: &PyNode, path: &RelPath, env: &mut Env, cond: &[(u32, u32)]) {
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
        let entry = |i: usize| match (arg_values.get(i), args.get(i)) {
            (Some(Value::Str(s)), Some(node)) => Some(Entry {
                value: s.clone(),
                path: path.clone(),
                span: node.span,
                branches: cond.to_vec(),
            }),
            _ => None,
        };
        if !cond.is_empty() {
            list.conditional = true;
        }
        match method {
            "append" => match entry(0) {
                Some(e) => list.entries.push(e),
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
                        list.entries.insert(usize::try_from(at).unwrap_or(0), e);
                    }
                    _ => list.partial = true,
                }
            }
            "remove" => match arg_values.first() {
                Some(Value::Str(s)) => {
                    let removable = |e: &Entry| {
                        &e.value == s
                            && !e
                                .branches
                                .iter()
                                .any(|(c, b)| cond.iter().any(|(c2, b2)| c == c2 && b != b2))
                    };
                    if let Some(i) = list.entries.iter().position(removable) {
                        list.entries.remove(i);
                    }
                }
                _ => list.partial = true,
            },
            _ => {}
        }
    }

    fn eval(&mut self, node: &PyNode, path: &RelPath, env: &Env, cond: &[(u32, u32)]) -> Value {
        match &node.value {
            PyValue::Str(s) => Value::Str(s.clone()),
            PyValue::List(items) | PyValue::Tuple(items) => {
                let mut list = ListValue {
                    conditional: !cond.is_empty(),
                    ..ListValue::default()
                };
                for item in items {
                    match self.eval(item, path, env, cond) {
                        Value::Str(s) => list.entries.push(Entry {
                            value: s,
                            path: path.clone(),
                            span: item.span,
                            branches: cond.to_vec(),
                        }),
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
            _ => Value::Other,
        }
    }
}

fn with(cond: &[(u32, u32)], id: u32, branch: u32) -> Vec<(u32, u32)> {
    let mut c = cond.to_vec();
    c.push((id, branch));
    c
}

fn append(list: &mut ListValue, more: ListValue) {
    list.entries.extend(more.entries);
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

fn merge_list(into: &mut ListValue, other: &ListValue) {
    for (k, e) in other.entries.iter().enumerate() {
        if into.entries.iter().any(|x| x.same(e)) {
            continue;
        }
        let at = other
            .entries
            .iter()
            .take(k)
            .rev()
            .find_map(|p| into.entries.iter().position(|x| x.same(p)))
            .map_or(0, |i| i + 1);
        into.entries.insert(at, e.clone());
    }
    into.partial |= other.partial;
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
}
