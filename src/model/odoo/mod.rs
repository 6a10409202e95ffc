//! A static model of the repository's Odoo modules, built once per run from the index
//! (held by `model::project::Project`): each module's manifest (a dict literal, parsed, never executed), the
//! Python files its `__init__.py` chain imports, the models those files define, and the
//! access rules its loaded CSV and XML files grant.

pub mod access;

use crate::core::kind::FileKind;
use crate::core::path::RelPath;
use crate::core::path::join;
use crate::core::source::Span;
use crate::index::Index;
use crate::model::python::{existing, relative_stem};
use crate::syntax::python::{PyClass, PyNode, PyStmt, PyValue};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    Model,
    Transient,
    Abstract,
}

#[derive(Clone, Debug)]
pub struct OdooModel {
    pub path: RelPath,
    pub class_name: String,
    pub class_span: Span,
    /// `_name`, when a literal; the span is the assignment's value.
    pub name: Option<(String, Span)>,
    pub inherit: Vec<String>,
    pub kind: ModelKind,
    /// `_abstract = True`.
    pub abstract_flag: bool,
    /// `_register = False`.
    pub unregistered: bool,
    /// `_name` or `_inherit` is not a literal: never judged.
    pub unknown: bool,
}

impl OdooModel {
    /// A model this class creates (not an extension of an existing one).
    pub fn new_name(&self) -> Option<&str> {
        let (name, _) = self.name.as_ref()?;
        (!self.inherit.iter().any(|i| i == name)).then_some(name.as_str())
    }

    /// Whether instances live in a table users reach (abstract and unregistered
    /// classes have none).
    pub fn concrete(&self) -> bool {
        self.kind != ModelKind::Abstract && !self.abstract_flag && !self.unregistered
    }

    /// Every model name this class defines or extends (Odoo gives the module a
    /// `model_<name>` external id for each).
    pub fn touched(&self) -> impl Iterator<Item = &str> {
        self.name
            .iter()
            .map(|(n, _)| n.as_str())
            .chain(self.inherit.iter().map(String::as_str))
    }
}

/// `school.student` -> `model_school_student`.
pub fn model_xmlid(name: &str) -> String {
    format!("model_{}", name.replace('.', "_"))
}

#[derive(Clone, Debug)]
pub struct ManifestEntry {
    /// `data`, `demo`, `qweb`, or `assets`.
    pub key: String,
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct OdooModule {
    /// Technical name (the directory name).
    pub name: String,
    pub dir: String,
    pub manifest: RelPath,
    /// The manifest dict, for findings about the module as a whole.
    pub manifest_span: Span,
    /// The `'data'` value, where an access file would be listed.
    pub data_span: Option<Span>,
    pub version: Option<String>,
    /// The Odoo major version from `version` (`17.0.1.0.0` -> 17) or the configuration.
    pub odoo_major: Option<u32>,
    pub depends: Vec<String>,
    pub installable: bool,
    pub entries: Vec<ManifestEntry>,
    /// Python files reached from `__init__.py`.
    pub python_files: Vec<RelPath>,
    pub models: Vec<OdooModel>,
    /// Loaded `ir.model.access.csv` files.
    pub access_csvs: Vec<RelPath>,
    /// Loaded XML files.
    pub xml_files: Vec<RelPath>,
    /// Some manifest key is not a literal: loaded files are not fully known.
    pub entries_unknown: bool,
}

impl OdooModule {
    /// The module folder as a path prefix: "" at the root, else `dir/`.
    pub fn prefix(&self) -> String {
        if self.dir.is_empty() {
            String::new()
        } else {
            format!("{}/", self.dir)
        }
    }

    pub fn path(&self, rel: &str) -> String {
        if self.dir.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{}", self.dir, rel.trim_start_matches("./"))
        }
    }

    pub fn loads(&self, path: &str) -> bool {
        self.entries
            .iter()
            .filter(|e| e.key != "assets")
            .any(|e| self.path(&e.value) == path)
    }
}

#[derive(Debug, Default)]
pub struct OdooProject {
    pub modules: Vec<OdooModule>,
    by_name: HashMap<String, usize>,
}

impl OdooProject {
    pub fn build(index: &Index, configured_major: Option<u32>) -> Self {
        let mut project = OdooProject::default();
        for entry in index.files() {
            if entry.kind != FileKind::OdooManifest {
                continue;
            }
            let Some(module) = entry.python() else {
                continue;
            };
            let Some(dict) = module.body.iter().find_map(|s| match s {
                PyStmt::Expr { value, .. } if matches!(value.value, PyValue::Dict(_)) => {
                    Some(value)
                }
                _ => None,
            }) else {
                continue;
            };
            let dir = entry.path.parent().to_string();
            let name = dir.rsplit('/').next().unwrap_or(&dir).to_string();
            let version = dict
                .dict_get("version")
                .and_then(PyNode::as_str)
                .map(str::to_string);
            let odoo_major = version.as_deref().and_then(major_of).or(configured_major);
            let depends = dict
                .dict_get("depends")
                .and_then(PyNode::elements)
                .map(|e| {
                    e.iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let installable = dict
                .dict_get("installable")
                .and_then(PyNode::is_truthy_literal)
                .unwrap_or(true);
            let mut entries = Vec::new();
            let mut entries_unknown = false;
            for key in ["data", "demo", "qweb", "init_xml", "update_xml", "demo_xml"] {
                let Some(list) = dict.dict_get(key) else {
                    continue;
                };
                match list.elements() {
                    Some(items) => {
                        for item in items {
                            match item.as_str() {
                                Some(v) => entries.push(ManifestEntry {
                                    key: key.to_string(),
                                    value: v.to_string(),
                                    span: item.span,
                                }),
                                None => entries_unknown = true,
                            }
                        }
                    }
                    None => entries_unknown = true,
                }
            }
            if let Some(PyNode {
                value: PyValue::Dict(bundles),
                ..
            }) = dict.dict_get("assets")
            {
                for (_, list) in bundles {
                    for item in list.elements().unwrap_or(&[]) {
                        // Plain paths only; ('include'|'remove'|..., path) tuples are operations.
                        if let Some(v) = item.as_str() {
                            entries.push(ManifestEntry {
                                key: "assets".into(),
                                value: v.to_string(),
                                span: item.span,
                            });
                        }
                    }
                }
            }
            let data_span = dict.dict_get("data").map(|d| d.span);
            project.modules.push(OdooModule {
                name,
                dir,
                manifest: entry.path.clone(),
                manifest_span: dict.span,
                data_span,
                version,
                odoo_major,
                depends,
                installable,
                entries,
                python_files: Vec::new(),
                models: Vec::new(),
                access_csvs: Vec::new(),
                xml_files: Vec::new(),
                entries_unknown,
            });
        }
        for (i, m) in project.modules.iter().enumerate() {
            project.by_name.insert(m.name.clone(), i);
        }
        for m in &mut project.modules {
            m.python_files = reachable_python(index, &m.dir);
            m.models = m
                .python_files
                .iter()
                .filter_map(|p| index.get(p.as_str()))
                .filter_map(|f| f.python().map(|py| (f.path.clone(), py)))
                .flat_map(|(path, py)| models_of(&path, py))
                .collect();
            for e in &m.entries {
                if e.key == "assets" {
                    continue;
                }
                let path = m.path(&e.value);
                if path.ends_with("ir.model.access.csv") && index.get(&path).is_some() {
                    m.access_csvs.push(RelPath::new(path));
                } else if path.ends_with(".xml") && index.get(&path).is_some() {
                    m.xml_files.push(RelPath::new(path));
                }
            }
        }
        project
    }

    /// The module a file belongs to: the innermost module folder holding it.
    pub fn owner(&self, path: &str) -> Option<&OdooModule> {
        self.modules
            .iter()
            .filter(|m| path.starts_with(&m.prefix()))
            .max_by_key(|m| m.dir.len())
    }

    pub fn module(&self, name: &str) -> Option<&OdooModule> {
        self.by_name.get(name).and_then(|i| self.modules.get(*i))
    }

    /// Modules of the repository that depend on `name`, directly or not.
    pub fn dependents_of(&self, name: &str) -> Vec<&OdooModule> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(n) = stack.pop() {
            for m in &self.modules {
                if m.depends.contains(&n) && seen.insert(m.name.clone()) {
                    stack.push(m.name.clone());
                    out.push(m);
                }
            }
        }
        out
    }

    /// The modules `name` depends on that are in the repository, transitively.
    pub fn in_repo_dependencies(&self, name: &str) -> Vec<&OdooModule> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(n) = stack.pop() {
            let Some(m) = self.module(&n) else { continue };
            for d in &m.depends {
                if let Some(dep) = self.module(d)
                    && seen.insert(d.clone())
                {
                    stack.push(d.clone());
                    out.push(dep);
                }
            }
        }
        out
    }
}

/// `17.0.1.0.0` -> 17 (the five-part versions of the Odoo and OCA convention).
pub fn major_of(version: &str) -> Option<u32> {
    let parts: Vec<&str> = version.split('.').collect();
    if parts.len() < 5 {
        return None;
    }
    let major: u32 = parts.first()?.parse().ok()?;
    (6..=40).contains(&major).then_some(major)
}

/// Python files imported from the module's `__init__.py`, through relative imports.
fn reachable_python(index: &Index, dir: &str) -> Vec<RelPath> {
    let resolve = |base: &str, name: &str| existing(index, &join(base, &name.replace('.', "/")));
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut stack = vec![join(dir, "__init__.py")];
    while let Some(path) = stack.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let Some(module) = index.get(&path).and_then(|f| f.python()) else {
            continue;
        };
        let mut imports = Vec::new();
        collect_relative_imports(&module.body, &mut imports);
        for (level, from, names) in imports {
            let base = relative_stem(&path, level, None);
            match from {
                Some(m) => {
                    if let Some(target) = resolve(&base, &m) {
                        let pkg_dir = target.strip_suffix("/__init__.py").map(str::to_string);
                        stack.push(target);
                        // `from .models import student` imports models/student.py.
                        if let Some(pkg) = pkg_dir {
                            for n in &names {
                                if let Some(sub) = resolve(&pkg, n) {
                                    stack.push(sub);
                                }
                            }
                        }
                    }
                }
                None => {
                    for n in &names {
                        if let Some(target) = resolve(&base, n) {
                            stack.push(target);
                        }
                    }
                }
            }
        }
    }
    seen.into_iter()
        .filter(|p| index.get(p).is_some())
        .map(RelPath::new)
        .collect()
}

type RelImport = (u32, Option<String>, Vec<String>);

fn collect_relative_imports(body: &[PyStmt], out: &mut Vec<RelImport>) {
    crate::syntax::python::walk_stmts(body, false, &mut |s| {
        if let PyStmt::ImportFrom {
            module,
            level,
            names,
            ..
        } = s
            && *level > 0
        {
            out.push((
                *level,
                module.clone(),
                names.iter().map(|n| n.name.clone()).collect(),
            ));
        }
    });
}

fn base_kind(class: &PyClass, local: &BTreeMap<String, ModelKind>) -> Option<ModelKind> {
    class.base_names().find_map(|b| {
        let last = b.rsplit('.').next().unwrap_or(b);
        match last {
            "Model" if b == "Model" || b.ends_with("models.Model") => Some(ModelKind::Model),
            "TransientModel" => Some(ModelKind::Transient),
            "AbstractModel" => Some(ModelKind::Abstract),
            _ => local.get(last).copied(),
        }
    })
}

fn imports_odoo(body: &[PyStmt]) -> bool {
    body.iter().any(|s| match s {
        PyStmt::ImportFrom {
            module: Some(m),
            level: 0,
            ..
        } => m == "odoo" || m.starts_with("odoo.") || m == "openerp" || m.starts_with("openerp."),
        PyStmt::Import { names, .. } => names
            .iter()
            .any(|n| n.name.starts_with("odoo") || n.name.starts_with("openerp")),
        _ => false,
    })
}

fn models_of(path: &RelPath, module: &crate::syntax::python::PyModule) -> Vec<OdooModel> {
    if !imports_odoo(&module.body) {
        return Vec::new();
    }
    let mut local: BTreeMap<String, ModelKind> = BTreeMap::new();
    let mut out = Vec::new();
    for class in module.classes() {
        let Some(kind) = base_kind(class, &local) else {
            continue;
        };
        local.insert(class.name.clone(), kind);
        let mut unknown = false;
        let name = match class.attr("_name") {
            Some(n) => match n.as_str() {
                Some(s) => Some((s.to_string(), n.span)),
                None => {
                    unknown = true;
                    None
                }
            },
            None => None,
        };
        let inherit = match class.attr("_inherit") {
            None => Vec::new(),
            Some(n) => match (&n.value, n.elements()) {
                (PyValue::Str(s), _) => vec![s.clone()],
                (_, Some(items)) => {
                    if items.iter().any(|i| i.as_str().is_none()) {
                        unknown = true;
                    }
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect()
                }
                _ => {
                    unknown = true;
                    Vec::new()
                }
            },
        };
        let flag = |attr: &str| class.attr(attr).and_then(PyNode::is_truthy_literal);
        let kind = if flag("_transient") == Some(true) {
            ModelKind::Transient
        } else {
            kind
        };
        out.push(OdooModel {
            path: path.clone(),
            class_name: class.name.clone(),
            class_span: class.name_span,
            name,
            inherit,
            kind,
            abstract_flag: flag("_abstract") == Some(true),
            unregistered: flag("_register") == Some(false),
            unknown,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(major_of("17.0.1.0.0"), Some(17));
        assert_eq!(major_of("13.0.2.1.0"), Some(13));
        assert_eq!(major_of("1.0"), None);
        assert_eq!(major_of("17.0"), None);
        assert_eq!(major_of("x.0.1.0.0"), None);
        assert_eq!(model_xmlid("school.student"), "model_school_student");
    }

    #[test]
    fn model_facts() {
        let text = r#"
from odoo import fields, models


class Student(models.Model):
    _name = "school.student"
    _inherit = ["mail.thread"]


class Partner(models.Model):
    _inherit = "res.partner"


class Mixin(models.AbstractModel):
    _name = "school.mixin"


class Wizard(models.TransientModel):
    _name = "school.enroll.wizard"


class Hidden(models.Model):
    _name = "school.hidden"
    _register = False


class Dynamic(models.Model):
    _name = NAME
"#;
        let m = crate::syntax::python::parse(text).unwrap();
        let models = models_of(&RelPath::new("school/models/x.py"), &m);
        let by = |c: &str| models.iter().find(|m| m.class_name == c).unwrap();
        assert_eq!(by("Student").new_name(), Some("school.student"));
        assert!(by("Student").concrete());
        assert_eq!(by("Partner").new_name(), None);
        assert!(!by("Mixin").concrete());
        assert_eq!(by("Wizard").kind, ModelKind::Transient);
        assert!(!by("Hidden").concrete());
        assert!(by("Dynamic").unknown);
    }
}
