//! A static model of the repository's Odoo modules, built once per run from the index
//! (held by `model::project::Project`): each module's manifest (a dict literal, parsed, never executed), the
//! Python files its `__init__.py` chain imports, the models those files define, and the
//! access rules its loaded CSV and XML files grant.

pub mod access;

use crate::core::kind::FileKind;
use crate::core::path::RelPath;
use crate::core::path::{join, parent};
use crate::core::source::Span;
use crate::index::Index;
use crate::model::python::{ancestors, existing, relative_stem};
use crate::syntax::python::{PyClass, PyModule, PyNode, PyStmt, PyValue};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What a class's base makes it. The old API (Odoo <= 10) counts too: `osv.osv`,
/// `osv.Model`, `orm.Model` are models, `osv.osv_memory`, `osv.TransientModel`,
/// `orm.TransientModel` transient ones, `osv.AbstractModel`, `orm.AbstractModel`
/// abstract ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    Model,
    Transient,
    Abstract,
    /// A class of an Odoo file with `_name`, `_inherit` or `_columns` whose base is not
    /// known (imported from another file, built at run time): a model of some kind. Its
    /// names exist (it gets its `model_<name>` ids), but whether it needs access rules
    /// is not known, so it is never judged for them.
    Unknown,
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
    /// Declares fields or may (`_columns`, `_inherits`, a class attribute that is not a
    /// literal); `false` for a class holding only methods and `_`-attributes.
    pub declares_fields: bool,
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
        !matches!(self.kind, ModelKind::Abstract | ModelKind::Unknown)
            && !self.abstract_flag
            && !self.unregistered
    }

    /// A helper model with no field of its own and none inherited: only methods (its
    /// table holds the magic columns alone, no screen reads or writes its records).
    pub fn fieldless(&self) -> bool {
        !self.declares_fields && self.inherit.is_empty()
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
    /// Python files reached from `__init__.py` that could not be parsed or read (Python
    /// 2 syntax of Odoo <= 10, a syntax error, a Latin-1 file): the classes they define
    /// are unknown.
    pub unparsed_python: Vec<RelPath>,
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

    /// Whether the model set may miss models: a Python file of the module could not be
    /// parsed, or a `_name`/`_inherit` is not a literal. Rules then never conclude that
    /// a model is absent.
    pub fn models_partial(&self) -> bool {
        !self.installable
            || !self.unparsed_python.is_empty()
            || self.models.iter().any(|m| m.unknown)
    }

    /// Odoo 8.0-10.0 run on Python 2 (from the manifest's version, or the configured one).
    pub fn python2(&self) -> bool {
        self.odoo_major.is_some_and(|m| m <= 10)
    }

    pub fn loads(&self, path: &str) -> bool {
        // Compared without building each entry's path: `<dir>/<entry>`.
        let Some(rel) = (if self.dir.is_empty() {
            Some(path)
        } else {
            path.strip_prefix(self.dir.as_str())
                .and_then(|r| r.strip_prefix('/'))
        }) else {
            return false;
        };
        self.loaded_entries().any(|e| e == rel)
    }

    /// What the manifest loads (`assets` aside), relative to the module's folder: for
    /// many files at once, a set instead of [`OdooModule::loads`] per file.
    pub fn loaded_files(&self) -> BTreeSet<&str> {
        self.loaded_entries().collect()
    }

    fn loaded_entries(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|e| e.key != "assets")
            .map(|e| e.value.trim_start_matches("./"))
    }
}

#[derive(Debug, Default)]
pub struct OdooProject {
    /// Every module with a literal manifest, installable or not (a dependency on a
    /// module that is not installable still names it).
    pub modules: Vec<OdooModule>,
    /// Manifests of modules with `'installable': False`: Odoo never installs them, so
    /// no rule judges them and their Python is not read. Counted for the summary, like
    /// skipped files.
    pub not_installable: Vec<RelPath>,
    by_name: HashMap<String, usize>,
    /// Module folder -> module: a file's owner is a lookup per folder above it.
    by_dir: HashMap<String, usize>,
    /// Module -> the `ir.model.access.csv` files inside it, found in one pass.
    access_files: HashMap<usize, Vec<RelPath>>,
    /// What each module's loaded access files grant (same positions as `modules`),
    /// computed with the model, every module in parallel: rules ask per module, per model
    /// and per dependent, and reading the files is most of the cost (an XML parse each).
    grants: Vec<access::Grants>,
    /// Module name -> the modules that list it in `depends` (positions in `modules`).
    direct_dependents: HashMap<String, Vec<usize>>,
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
            let Some(dict) = manifest_dict(module) else {
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
                unparsed_python: Vec::new(),
            });
        }
        for (i, m) in project.modules.iter().enumerate() {
            project.by_name.insert(m.name.clone(), i);
            project.by_dir.insert(m.dir.clone(), i);
        }
        for f in index.files() {
            if f.path.file_name() == "ir.model.access.csv"
                && let Some(owner) = project.owner_index(f.path.as_str())
            {
                project
                    .access_files
                    .entry(owner)
                    .or_default()
                    .push(f.path.clone());
            }
        }
        project.not_installable = project
            .modules
            .iter()
            .filter(|m| !m.installable)
            .map(|m| m.manifest.clone())
            .collect();
        for m in &mut project.modules {
            // Never installed: nothing of it is judged, so nothing of it is read.
            if !m.installable {
                continue;
            }
            m.python_files = reachable_python(index, &m.dir, m.odoo_major.is_none_or(|v| v <= 10));
            for path in &m.python_files {
                let Some(file) = index.get(path.as_str()) else {
                    continue;
                };
                match file.python() {
                    Some(py) => m.models.extend(models_of(path, py)),
                    None => m.unparsed_python.push(path.clone()),
                }
            }
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
        for (i, m) in project.modules.iter().enumerate() {
            for d in &m.depends {
                project
                    .direct_dependents
                    .entry(d.clone())
                    .or_default()
                    .push(i);
            }
        }
        project.grants = project
            .modules
            .par_iter()
            .map(|m| access::granted(index, m))
            .collect();
        project
    }

    /// What `module`'s loaded CSV and XML files grant, computed once per module (with the
    /// model).
    pub fn grants(
        &self,
        index: &Index,
        module: &OdooModule,
    ) -> std::borrow::Cow<'_, access::Grants> {
        let cell = self
            .by_name
            .get(&module.name)
            .filter(|&&i| self.modules.get(i).is_some_and(|m| std::ptr::eq(m, module)))
            .and_then(|&i| self.grants.get(i));
        match cell {
            Some(grants) => std::borrow::Cow::Borrowed(grants),
            // A module of another project value, or a second module of the same name.
            None => std::borrow::Cow::Owned(access::granted(index, module)),
        }
    }

    /// The module a file belongs to: the innermost module folder holding it.
    pub fn owner(&self, path: &str) -> Option<&OdooModule> {
        self.modules.get(self.owner_index(path)?)
    }

    fn owner_index(&self, path: &str) -> Option<usize> {
        crate::model::python::ancestors(crate::core::path::parent(path))
            .find_map(|d| self.by_dir.get(d).copied())
    }

    /// The `ir.model.access.csv` files inside a module's folder (its own, not those of
    /// modules nested in it).
    pub fn access_files_of(&self, module: &OdooModule) -> &[RelPath] {
        self.by_dir
            .get(&module.dir)
            .and_then(|i| self.access_files.get(i))
            .map_or(&[], Vec::as_slice)
    }

    pub fn module(&self, name: &str) -> Option<&OdooModule> {
        self.by_name.get(name).and_then(|i| self.modules.get(*i))
    }

    /// Modules of the repository that depend on `name`, directly or not: a walk of the
    /// reverse `depends` map, each module once (not a scan of every module per step).
    pub fn dependents_of(&self, name: &str) -> Vec<&OdooModule> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![name];
        while let Some(n) = stack.pop() {
            for &i in self.direct_dependents.get(n).into_iter().flatten() {
                if let Some(m) = self.modules.get(i)
                    && seen.insert(m.name.as_str())
                {
                    stack.push(m.name.as_str());
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

/// The manifest's dict literal (the expression statement the file consists of).
fn manifest_dict(module: &PyModule) -> Option<&PyNode> {
    module.body.iter().find_map(|s| match s {
        PyStmt::Expr { value, .. } if matches!(value.value, PyValue::Dict(_)) => Some(value),
        _ => None,
    })
}

/// When `path` lies in an Odoo module whose manifest version says 8.0-10.0 (Odoo on
/// Python 2): the manifest and the major version. Read from the index, not from the
/// built model, for the parse-error report (which runs after the rules, whichever were
/// selected).
pub fn python2_module(index: &Index, path: &str) -> Option<(RelPath, u32)> {
    for dir in ancestors(parent(path)) {
        let manifest = ["__manifest__.py", "__openerp__.py"]
            .iter()
            .filter_map(|n| index.get(&join(dir, n)))
            .find(|f| f.kind == FileKind::OdooManifest);
        let Some(manifest) = manifest else {
            continue;
        };
        // The innermost module decides, known version or not.
        let major = manifest
            .python()
            .and_then(manifest_dict)
            .and_then(|d| d.dict_get("version"))
            .and_then(PyNode::as_str)
            .and_then(major_of)?;
        return (major <= 10).then(|| (manifest.path.clone(), major));
    }
    None
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

/// Python files imported from the module's `__init__.py`, through relative imports;
/// with `implicit` (Python 2, Odoo <= 10), also through `import x` and `from x import y`
/// naming a file beside the importing one (Python 2's implicit relative imports).
fn reachable_python(index: &Index, dir: &str, implicit: bool) -> Vec<RelPath> {
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
        collect_relative_imports(&module.body, implicit, &mut imports);
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

/// `(level, from, names)` of the relative imports; with `implicit`, absolute ones count
/// as level 1 (the caller keeps only those that name an existing file).
fn collect_relative_imports(body: &[PyStmt], implicit: bool, out: &mut Vec<RelImport>) {
    crate::syntax::python::walk_stmts(body, false, &mut |s| match s {
        PyStmt::ImportFrom {
            module,
            level,
            names,
            ..
        } if *level > 0 || implicit => {
            out.push((
                (*level).max(1),
                module.clone(),
                names.iter().map(|n| n.name.clone()).collect(),
            ));
        }
        PyStmt::Import { names, .. } if implicit => {
            out.push((1, None, names.iter().map(|n| n.name.clone()).collect()));
        }
        _ => {}
    });
}

fn base_kind(class: &PyClass, local: &BTreeMap<String, ModelKind>) -> Option<ModelKind> {
    let known = class.base_names().find_map(|b| {
        let last = b.rsplit('.').next().unwrap_or(b);
        match last {
            "Model"
                if b == "Model"
                    || b.ends_with("models.Model")
                    || b.ends_with("osv.Model")
                    || b.ends_with("orm.Model") =>
            {
                Some(ModelKind::Model)
            }
            // `osv.osv` (and `osv` imported from `openerp.osv.osv`) is `Model`.
            "osv" if b == "osv" || b.ends_with("osv.osv") => Some(ModelKind::Model),
            "TransientModel" | "osv_memory" => Some(ModelKind::Transient),
            "AbstractModel" | "osv_abstract" => Some(ModelKind::Abstract),
            _ => local.get(last).copied(),
        }
    });
    known.or_else(|| {
        // A base from elsewhere: a model when the class says so.
        let model_like = ["_name", "_inherit", "_columns"]
            .iter()
            .any(|a| class.attr(a).is_some());
        let based = class.base_names().any(|b| b != "object");
        (model_like && based).then_some(ModelKind::Unknown)
    })
}

/// Whether a class may declare fields: `_columns`/`_inherits`, or a class attribute
/// not starting with `_` whose value is not a plain literal (`fields.Char(...)`, a
/// helper call, a name).
fn declares_fields(class: &PyClass) -> bool {
    if class.attr("_columns").is_some() || class.attr("_inherits").is_some() {
        return true;
    }
    class.body.iter().any(|s| match s {
        PyStmt::Assign { targets, value, .. } => {
            targets.iter().any(|t| !t.starts_with('_'))
                && matches!(
                    value.value,
                    PyValue::Call { .. } | PyValue::Ref(_) | PyValue::Other | PyValue::Add(..)
                )
        }
        _ => false,
    })
}

fn imports_odoo(body: &[PyStmt]) -> bool {
    body.iter().any(|s| match s {
        PyStmt::ImportFrom {
            module: Some(m),
            level: 0,
            ..
        } => is_odoo_package(m),
        PyStmt::Import { names, .. } => names.iter().any(|n| is_odoo_package(&n.name)),
        _ => false,
    })
}

/// `odoo`, `openerp` (Odoo <= 10) and the bare `osv` of OpenERP-era modules
/// (`from osv import osv, fields`), with their submodules.
fn is_odoo_package(name: &str) -> bool {
    let top = name.split('.').next().unwrap_or(name);
    matches!(top, "odoo" | "openerp" | "osv")
}

fn models_of(path: &RelPath, module: &PyModule) -> Vec<OdooModel> {
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
            declares_fields: declares_fields(class),
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

    #[test]
    fn old_api_classes_are_models() {
        let text = r#"
from openerp.osv import fields, osv, orm
from .base import LocalBase


class Baremo(osv.Model):
    _name = 'baremo'
    _columns = {'name': fields.char('Name')}


class Discount(osv.osv):
    _name = 'baremo.discount'


class SaleOrder(orm.Model):
    _inherit = 'sale.order'


class Wizard(osv.osv_memory):
    _name = 'baremo.wizard'


class Wizard2(orm.TransientModel):
    _name = 'baremo.wizard2'


class Mixin(orm.AbstractModel):
    _name = 'baremo.mixin'


class Elsewhere(LocalBase):
    _name = 'baremo.elsewhere'
    _columns = {}


class Helper(osv.Model):
    _name = 'baremo.helper'

    def compute(self):
        return True


class Plain(object):
    _name = 'not.a.model'
"#;
        let m = crate::syntax::python::parse(text).unwrap();
        let models = models_of(&RelPath::new("baremo/baremo.py"), &m);
        let by = |c: &str| models.iter().find(|m| m.class_name == c);
        assert_eq!(by("Baremo").unwrap().kind, ModelKind::Model);
        assert!(by("Baremo").unwrap().concrete());
        assert!(!by("Baremo").unwrap().fieldless());
        assert_eq!(by("Discount").unwrap().kind, ModelKind::Model);
        assert_eq!(by("SaleOrder").unwrap().new_name(), None);
        assert_eq!(by("Wizard").unwrap().kind, ModelKind::Transient);
        assert_eq!(by("Wizard2").unwrap().kind, ModelKind::Transient);
        assert_eq!(by("Mixin").unwrap().kind, ModelKind::Abstract);
        // A base from another file: its names exist, its access needs are unknown.
        let elsewhere = by("Elsewhere").unwrap();
        assert_eq!(elsewhere.kind, ModelKind::Unknown);
        assert!(!elsewhere.concrete());
        assert!(by("Helper").unwrap().fieldless());
        assert!(by("Plain").is_none());
    }

    #[test]
    fn unparsed_python_makes_the_model_set_partial() {
        let (_dir, index) = crate::index::test_index(&[
            (
                "piv/__openerp__.py",
                "{'name': 'x', 'version': '8.0.1.0.0', 'data': []}",
            ),
            // Python 2: implicit relative imports, print statements.
            ("piv/__init__.py", "import model\n"),
            ("piv/model/__init__.py", "import piv\nimport other\n"),
            (
                "piv/model/piv.py",
                "from openerp.osv import osv\n\nclass P(osv.Model):\n    _name = 'piv'\n    def f(self):\n        print 'x'\n",
            ),
            (
                "piv/model/other.py",
                "from openerp.osv import osv\n\nclass O(osv.Model):\n    _name = 'piv.other'\n",
            ),
            (
                "legacy/__manifest__.py",
                "{'name': 'y', 'version': '16.0.1.0.0', 'installable': False}",
            ),
            ("legacy/__init__.py", "from . import broken\n"),
            ("legacy/broken.py", "print 'never read'\n"),
        ]);
        let project = OdooProject::build(&index, None);
        let piv = project.module("piv").unwrap();
        assert_eq!(piv.unparsed_python, [RelPath::new("piv/model/piv.py")]);
        assert!(piv.models_partial());
        assert!(piv.python2());
        let names: Vec<&str> = piv.models.iter().filter_map(|m| m.new_name()).collect();
        assert_eq!(names, ["piv.other"]);
        assert_eq!(
            python2_module(&index, "piv/model/piv.py"),
            Some((RelPath::new("piv/__openerp__.py"), 8))
        );
        assert_eq!(python2_module(&index, "legacy/broken.py"), None);
        // Not installable: counted, never read.
        assert_eq!(
            project.not_installable,
            [RelPath::new("legacy/__manifest__.py")]
        );
        let legacy = project.module("legacy").unwrap();
        assert!(legacy.python_files.is_empty());
        assert!(index.get("legacy/broken.py").unwrap().failure().is_none());
    }
}
