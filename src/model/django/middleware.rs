//! The middleware role table (`rules/middleware.toml`, compiled in, extended by
//! guardrail.toml) and the order-constraint check over an evaluated list.

use crate::core::severity::Severity;
use serde::Deserialize;

pub const BUILTIN_TABLE: &str = include_str!("../../../rules/middleware.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub risk: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownClass {
    pub class: String,
    pub role: String,
    /// The distribution it comes from (`django-tenants`), for messages.
    #[serde(default)]
    pub library: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OrderRule {
    pub id: String,
    #[serde(default)]
    pub before: Vec<String>,
    #[serde(default)]
    pub after: Vec<String>,
    pub first: Option<String>,
    pub last: Option<String>,
    #[serde(default)]
    pub except: Vec<String>,
    /// The constraint holds only before this Django major version.
    pub until_django: Option<u32>,
    pub severity: Severity,
    pub reason: String,
    #[serde(default)]
    pub should_match: Vec<Vec<String>>,
    #[serde(default)]
    pub should_not_match: Vec<Vec<String>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub role: String,
    #[serde(default)]
    pub calls: Vec<String>,
    #[serde(default)]
    pub assigns: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleTable {
    #[serde(default)]
    pub role: Vec<Role>,
    #[serde(default)]
    pub class: Vec<KnownClass>,
    #[serde(default)]
    pub order: Vec<OrderRule>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Rust middleware by type or function name (`CorsLayer`, `Logger`).
    #[serde(default, rename = "rust-layer")]
    pub rust_layer: Vec<RustLayer>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RustLayer {
    pub name: String,
    pub role: String,
}

impl RoleTable {
    /// The built-in table. It is part of the binary and checked by tests; a parse failure
    /// is a build defect and yields an empty table rather than a panic.
    pub fn builtin() -> Self {
        toml::from_str(BUILTIN_TABLE).unwrap_or_default()
    }

    /// The role of a Rust layer, by its type or function name.
    pub fn rust_role(&self, name: &str) -> Option<&str> {
        self.rust_layer
            .iter()
            .rev()
            .find(|l| l.name == name)
            .map(|l| l.role.as_str())
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.role.iter().find(|r| r.id == id)
    }

    /// The role of a dotted class path: an exact match, or the same class name in the
    /// same top-level package (re-exports: `django_tenants.middleware.TenantMainMiddleware`).
    pub fn role_of(&self, path: &str) -> Option<&str> {
        self.known(path).map(|k| k.role.as_str())
    }

    /// The library a known class (or a re-export of one) comes from.
    pub fn library_of(&self, path: &str) -> Option<&str> {
        self.known(path).and_then(|k| k.library.as_deref())
    }

    fn known(&self, path: &str) -> Option<&KnownClass> {
        if let Some(k) = self.class.iter().rev().find(|k| k.class == path) {
            return Some(k);
        }
        let (top, name) = (first(path), last(path));
        self.class
            .iter()
            .rev()
            .find(|k| first(&k.class) == top && last(&k.class) == name && path.contains('.'))
    }
}

fn first(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

fn last(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// A broken constraint: `early` is before `late` in the list but must not be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderViolation {
    pub early: usize,
    pub late: usize,
}

/// The first violation of `rule` in a list given each item's role, considering only
/// pairs `compatible(i, j)` (entries that can both be in effect).
///
/// Each entry is compared only with the entries of the roles the rule names, in list
/// order, up to the first compatible one: linear in the list unless many are exclusive
/// alternatives of each other.
pub fn violation(
    rule: &OrderRule,
    roles: &[Option<&str>],
    compatible: &dyn Fn(usize, usize) -> bool,
) -> Option<OrderViolation> {
    let has = |i: usize, set: &[String]| {
        roles
            .get(i)
            .copied()
            .flatten()
            .is_some_and(|r| set.iter().any(|s| s == r))
    };
    let is = |i: usize, role: &str| roles.get(i).copied().flatten() == Some(role);
    let n = roles.len();
    // The positions where `f` holds, in order.
    let positions =
        |f: &dyn Fn(usize) -> bool| -> Vec<usize> { (0..n).filter(|&i| f(i)).collect() };
    // The first of `candidates` (in order) after `early` compatible with it.
    let first_after = |candidates: &[usize], early: usize| {
        let from = candidates.partition_point(|&j| j <= early);
        candidates
            .get(from..)
            .unwrap_or_default()
            .iter()
            .copied()
            .find(|&late| compatible(early, late))
    };
    if let Some(first) = &rule.first {
        let others = positions(&|i| !is(i, first) && !has(i, &rule.except));
        for late in (0..n).filter(|&j| is(j, first)) {
            if let Some(early) = others
                .iter()
                .copied()
                .take_while(|&i| i < late)
                .find(|&i| compatible(i, late))
            {
                return Some(OrderViolation { early, late });
            }
        }
    }
    if let Some(last) = &rule.last {
        let others = positions(&|j| !is(j, last) && !has(j, &rule.except));
        for early in (0..n).filter(|&i| is(i, last)) {
            if let Some(late) = first_after(&others, early) {
                return Some(OrderViolation { early, late });
            }
        }
    }
    if !rule.before.is_empty() && !rule.after.is_empty() {
        let befores = positions(&|j| has(j, &rule.before));
        for early in (0..n).filter(|&i| has(i, &rule.after)) {
            if let Some(late) = first_after(&befores, early) {
                return Some(OrderViolation { early, late });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_is_consistent_and_its_examples_hold() {
        let table = RoleTable::builtin();
        assert!(table.role.len() >= 10 && table.class.len() >= 20 && table.order.len() >= 8);
        for k in &table.class {
            assert!(
                table.role(&k.role).is_some(),
                "class {} has unknown role {}",
                k.class,
                k.role
            );
        }
        for e in &table.evidence {
            assert!(
                table.role(&e.role).is_some(),
                "evidence for unknown role {}",
                e.role
            );
        }
        let always = |_: usize, _: usize| true;
        let mut ids = std::collections::BTreeSet::new();
        for rule in &table.order {
            assert!(
                ids.insert(rule.id.clone()),
                "duplicate order id {}",
                rule.id
            );
            for r in rule
                .before
                .iter()
                .chain(&rule.after)
                .chain(&rule.except)
                .chain(&rule.first)
                .chain(&rule.last)
            {
                assert!(table.role(r).is_some(), "{}: unknown role {r}", rule.id);
            }
            assert!(
                !rule.should_match.is_empty() && !rule.should_not_match.is_empty(),
                "{}: examples",
                rule.id
            );
            for list in &rule.should_match {
                let roles: Vec<Option<&str>> = list.iter().map(|c| table.role_of(c)).collect();
                assert!(
                    violation(rule, &roles, &always).is_some(),
                    "{} should match {list:?}",
                    rule.id
                );
            }
            for list in &rule.should_not_match {
                let roles: Vec<Option<&str>> = list.iter().map(|c| table.role_of(c)).collect();
                assert!(
                    violation(rule, &roles, &always).is_none(),
                    "{} should not match {list:?}",
                    rule.id
                );
            }
        }
    }

    #[test]
    fn roles_match_re_exports() {
        let table = RoleTable::builtin();
        assert_eq!(
            table.role_of("django_tenants.middleware.TenantMainMiddleware"),
            Some("tenant-resolution")
        );
        assert_eq!(
            table.role_of("corsheaders.middleware.CorsMiddleware"),
            Some("cors")
        );
        assert_eq!(table.role_of("apps.core.middleware.CorsMiddleware"), None);
        assert_eq!(table.role_of("CorsMiddleware"), None);
    }

    #[test]
    fn violations_are_the_first_pair_of_the_pairwise_scan() {
        // The scan as first written: every pair, in list order.
        fn reference(
            rule: &OrderRule,
            roles: &[Option<&str>],
            compatible: &dyn Fn(usize, usize) -> bool,
        ) -> Option<OrderViolation> {
            let has =
                |i: usize, set: &[String]| roles[i].is_some_and(|r| set.iter().any(|s| s == r));
            let is = |i: usize, role: &str| roles[i] == Some(role);
            let n = roles.len();
            if let Some(first) = &rule.first {
                for late in (0..n).filter(|&j| is(j, first)) {
                    if let Some(early) = (0..late)
                        .find(|&i| compatible(i, late) && !is(i, first) && !has(i, &rule.except))
                    {
                        return Some(OrderViolation { early, late });
                    }
                }
            }
            if let Some(last) = &rule.last {
                for early in (0..n).filter(|&i| is(i, last)) {
                    if let Some(late) = (early + 1..n)
                        .find(|&j| compatible(early, j) && !is(j, last) && !has(j, &rule.except))
                    {
                        return Some(OrderViolation { early, late });
                    }
                }
            }
            if !rule.before.is_empty() && !rule.after.is_empty() {
                for early in (0..n).filter(|&i| has(i, &rule.after)) {
                    if let Some(late) =
                        (early + 1..n).find(|&j| compatible(early, j) && has(j, &rule.before))
                    {
                        return Some(OrderViolation { early, late });
                    }
                }
            }
            None
        }
        let table = RoleTable::builtin();
        let ids: Vec<Option<&str>> = table
            .role
            .iter()
            .map(|r| Some(r.id.as_str()))
            .chain([None])
            .collect();
        let mut seed: u64 = 5;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(seed >> 33).unwrap()
        };
        let mut found = 0;
        for _ in 0..3_000 {
            let n = next() % 12;
            let roles: Vec<Option<&str>> = (0..n).map(|_| ids[next() % ids.len()]).collect();
            // Exclusive pairs at random (symmetric), as `if`/`else` entries are.
            let exclusive: Vec<bool> = (0..n * n).map(|_| next() % 3 == 0).collect();
            let compatible = |i: usize, j: usize| !exclusive[i.min(j) * n + i.max(j)] || i == j;
            for rule in &table.order {
                let v = violation(rule, &roles, &compatible);
                assert_eq!(
                    v,
                    reference(rule, &roles, &compatible),
                    "{} on {roles:?}",
                    rule.id
                );
                found += usize::from(v.is_some());
            }
        }
        assert!(found > 1_000, "the cases hold violations ({found})");
    }

    #[test]
    fn incompatible_pairs_are_not_violations() {
        let table = RoleTable::builtin();
        let rule = table
            .order
            .iter()
            .find(|r| r.id == "session-before-authentication")
            .unwrap();
        let roles = [Some("authentication"), Some("session")];
        assert!(violation(rule, &roles, &|_, _| false).is_none());
    }
}

use crate::core::path::RelPath;
use crate::core::path::parent;
use crate::core::source::Span;
use crate::index::Index;
use crate::model::python::{resolve_in_roots, source_roots};
use crate::syntax::python::{PyClass, PyModule, PyNode, PyStmt, PyValue};

/// Why a middleware has its role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleSource {
    /// Listed in the role table.
    Known,
    /// A project class that subclasses a known one.
    Subclass {
        base: String,
        path: RelPath,
        span: Span,
    },
    /// A project class whose code does the job (e.g. calls `connection.set_schema`).
    Evidence {
        what: String,
        path: RelPath,
        span: Span,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedRole {
    pub role: String,
    pub source: RoleSource,
}

/// The role of the middleware named `class_path` in the settings file `listed_in`: from
/// the table, or by reading the project's own class (its bases through imports, then its
/// code), found from the source roots above the settings file (and their `src/`).
pub fn resolve_role(
    index: &Index,
    table: &RoleTable,
    class_path: &str,
    listed_in: &str,
) -> Option<ResolvedRole> {
    resolve(index, table, class_path, listed_in, 0)
}

fn resolve(
    index: &Index,
    table: &RoleTable,
    class_path: &str,
    listed_in: &str,
    depth: usize,
) -> Option<ResolvedRole> {
    if let Some(role) = table.role_of(class_path) {
        return Some(ResolvedRole {
            role: role.to_string(),
            source: RoleSource::Known,
        });
    }
    if depth > 4 {
        return None;
    }
    let (module_path, name) = class_path.rsplit_once('.')?;
    let roots = source_roots(parent(listed_in));
    let file = resolve_in_roots(index, module_path, roots.iter().map(String::as_str))?;
    let module = index.get(&file)?.python()?;
    let Some(class) = module.classes().find(|c| c.name == name) else {
        // Re-exported: `from .tenant import TenantRoutingMiddleware` in a package.
        let target = imported_name(module, &file, name)?;
        return resolve(index, table, &target, listed_in, depth + 1);
    };
    let path = RelPath::new(file.clone());
    for base in &class.bases {
        let Some(base_name) = base.as_ref_name() else {
            continue;
        };
        let full = match imported_name(
            module,
            &file,
            base_name.split('.').next().unwrap_or(base_name),
        ) {
            Some(imported) => match base_name.split_once('.') {
                Some((_, rest)) => format!("{imported}.{rest}"),
                None => imported,
            },
            None if module.classes().any(|c| c.name == base_name) => {
                format!("{module_path}.{base_name}")
            }
            None => base_name.to_string(),
        };
        if let Some(found) = resolve(index, table, &full, listed_in, depth + 1) {
            if does_another_job(table, class, &found.role) {
                continue;
            }
            return Some(ResolvedRole {
                role: found.role,
                source: match found.source {
                    RoleSource::Known => RoleSource::Subclass {
                        base: full,
                        path: path.clone(),
                        span: base.span,
                    },
                    other => other,
                },
            });
        }
    }
    evidence(table, class, &path)
}

/// The dotted path a name was imported from in `module` (module-level imports).
fn imported_name(module: &PyModule, file: &str, name: &str) -> Option<String> {
    let package = {
        let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
        dir.replace('/', ".")
    };
    for stmt in &module.body {
        match stmt {
            PyStmt::ImportFrom {
                module: from,
                level,
                names,
                ..
            } => {
                for n in names {
                    if n.alias.as_deref().unwrap_or(&n.name) != name {
                        continue;
                    }
                    let base = if *level == 0 {
                        from.clone().unwrap_or_default()
                    } else {
                        let mut parts: Vec<&str> =
                            package.split('.').filter(|p| !p.is_empty()).collect();
                        for _ in 1..*level {
                            parts.pop();
                        }
                        let mut b = parts.join(".");
                        if let Some(f) = from {
                            if !b.is_empty() {
                                b.push('.');
                            }
                            b.push_str(f);
                        }
                        b
                    };
                    return Some(if base.is_empty() {
                        n.name.clone()
                    } else {
                        format!("{base}.{}", n.name)
                    });
                }
            }
            PyStmt::Import { names, .. } => {
                for n in names {
                    if n.alias.as_deref() == Some(name) || (n.alias.is_none() && n.name == name) {
                        return Some(n.name.clone());
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The calls in an expression, with their spans.
fn calls_in<'a>(node: &'a PyNode, out: &mut Vec<(&'a str, Span)>) {
    match &node.value {
        PyValue::Call { func, args, kwargs } => {
            out.push((func.as_str(), node.span));
            for a in args {
                calls_in(a, out);
            }
            for (_, v) in kwargs {
                calls_in(v, out);
            }
        }
        PyValue::List(v) | PyValue::Tuple(v) | PyValue::Set(v) => {
            v.iter().for_each(|n| calls_in(n, out))
        }
        PyValue::Add(a, b) => {
            calls_in(a, out);
            calls_in(b, out);
        }
        PyValue::Contains {
            item, container, ..
        } => {
            calls_in(item, out);
            calls_in(container, out);
        }
        _ => {}
    }
}

/// Every call in `body` (functions included), with its span.
fn calls_of(body: &[PyStmt]) -> Vec<(&str, Span)> {
    let mut calls = Vec::new();
    crate::syntax::python::walk_stmts(body, true, &mut |s| match s {
        PyStmt::Expr { value, .. }
        | PyStmt::Assign { value, .. }
        | PyStmt::AugAssign { value, .. }
        | PyStmt::Return {
            value: Some(value), ..
        }
        | PyStmt::If { test: value, .. } => calls_in(value, &mut calls),
        _ => {}
    });
    calls
}

/// Where `body` does the job `ev` describes: a call (the strongest evidence), then an
/// assignment.
fn evidence_in(ev: &Evidence, body: &[PyStmt]) -> Option<(String, Span)> {
    let matches = |f: &str| {
        ev.calls
            .iter()
            .any(|c| f == c || f.ends_with(&format!(".{c}")))
    };
    if let Some((func, span)) = calls_of(body).into_iter().find(|(f, _)| matches(f)) {
        return Some((format!("calls `{func}`"), span));
    }
    let mut found = None;
    crate::syntax::python::walk_stmts(body, true, &mut |s| {
        if found.is_none()
            && let PyStmt::Assign { targets, span, .. } = s
            && let Some(t) = targets.iter().find(|t| ev.assigns.contains(t))
        {
            found = Some((format!("assigns `{t}`"), *span));
        }
    });
    found
}

fn evidence(table: &RoleTable, class: &PyClass, path: &RelPath) -> Option<ResolvedRole> {
    table.evidence.iter().find_map(|ev| {
        let (what, span) = evidence_in(ev, &class.body)?;
        Some(ResolvedRole {
            role: ev.role.clone(),
            source: RoleSource::Evidence {
                what,
                path: path.clone(),
                span,
            },
        })
    })
}

/// Whether a subclass of a middleware of `role` does another job: it overrides the
/// request hook (`process_request` or `__call__`) without calling the parent's
/// (`super().<hook>`, `<Base>.<hook>`) and without the role's evidence in it (for
/// sessions: assigning `request.session`). bluebottle's
/// `APILanguageMiddleware(SessionMiddleware)` only activates a language there: it
/// inherits `process_response`, not the session job.
fn does_another_job(table: &RoleTable, class: &PyClass, role: &str) -> bool {
    class.body.iter().any(|s| {
        let PyStmt::Function { name, body, .. } = s else {
            return false;
        };
        if name != "process_request" && name != "__call__" {
            return false;
        }
        let hook = format!(".{name}");
        let calls_parent = calls_of(body).iter().any(|(f, _)| {
            f.starts_with("super()") && f.ends_with(&hook)
                || class.base_names().any(|b| *f == format!("{b}{hook}"))
        });
        let does_the_job = table
            .evidence
            .iter()
            .filter(|ev| ev.role == role)
            .any(|ev| evidence_in(ev, body).is_some());
        !calls_parent && !does_the_job
    })
}

#[cfg(test)]
mod resolve_tests {
    use super::*;

    fn index(files: &[(&str, &str)]) -> (tempfile::TempDir, Index) {
        crate::index::test_index(files)
    }

    #[test]
    fn a_subclass_that_does_another_job_does_not_inherit_the_role() {
        let (_d, idx) = index(&[(
            "app/middleware.py",
            "from django.contrib.sessions import middleware\nfrom django.utils import translation\n\n\nclass Language(middleware.SessionMiddleware):\n    def process_request(self, request):\n        translation.activate('en')\n\n\nclass SubDomain(middleware.SessionMiddleware):\n    def process_request(self, request):\n        request.session = make(request)\n\n\nclass Admin(middleware.SessionMiddleware):\n    def process_request(self, request):\n        if request.path.startswith('/admin'):\n            return super().process_request(request)\n",
        )]);
        let table = RoleTable::builtin();
        let role = |c: &str| resolve_role(&idx, &table, c, "settings.py").map(|r| r.role);
        assert_eq!(role("app.middleware.Language"), None);
        assert_eq!(role("app.middleware.SubDomain").as_deref(), Some("session"));
        assert_eq!(role("app.middleware.Admin").as_deref(), Some("session"));
    }

    #[test]
    fn project_classes_resolve_from_a_src_layout() {
        let (_d, idx) = index(&[(
            "src/pdb/middleware.py",
            "from django.contrib.sessions.middleware import SessionMiddleware\nfrom django.middleware.common import CommonMiddleware\n\n\nclass PDBSession(SessionMiddleware):\n    def process_response(self, request, response):\n        return response\n\n\nclass PDBCommon(CommonMiddleware):\n    def process_request(self, request):\n        if self.should_redirect_with_slash(request):\n            return redirect(request)\n",
        )]);
        let table = RoleTable::builtin();
        let role = |c: &str| {
            resolve_role(&idx, &table, c, "mainsite/settings/__init__.py").map(|r| r.role)
        };
        assert_eq!(
            role("pdb.middleware.PDBSession").as_deref(),
            Some("session")
        );
        assert_eq!(role("pdb.middleware.PDBCommon").as_deref(), Some("common"));
    }

    #[test]
    fn project_classes_get_roles_by_subclass_or_evidence() {
        let (_d, idx) = index(&[
            (
                "backend/apps/core/middleware.py",
                "from django.db import connection\nfrom django.contrib.sessions.middleware import SessionMiddleware as Base\n\n\nclass TenantRoutingMiddleware:\n    def __call__(self, request):\n        if request.tenant_hint:\n            connection.set_schema(request.tenant_hint)\n        return self.get_response(request)\n\n\nclass MySession(Base):\n    pass\n\n\nclass Audit:\n    pass\n",
            ),
            (
                "backend/apps/other/mw.py",
                "from ..core.middleware import MySession\n\n\nclass Sub(MySession):\n    pass\n",
            ),
        ]);
        let table = RoleTable::builtin();
        let r = resolve_role(
            &idx,
            &table,
            "apps.core.middleware.TenantRoutingMiddleware",
            "backend/config/settings.py",
        )
        .unwrap();
        assert_eq!(r.role, "tenant-resolution");
        assert!(
            matches!(&r.source, RoleSource::Evidence { what, .. } if what == "calls `connection.set_schema`")
        );
        let r = resolve_role(
            &idx,
            &table,
            "apps.core.middleware.MySession",
            "backend/config/settings.py",
        )
        .unwrap();
        assert_eq!(r.role, "session");
        assert!(
            matches!(&r.source, RoleSource::Subclass { base, .. } if base == "django.contrib.sessions.middleware.SessionMiddleware")
        );
        let r = resolve_role(
            &idx,
            &table,
            "apps.other.mw.Sub",
            "backend/config/settings.py",
        )
        .unwrap();
        assert_eq!(r.role, "session");
        assert!(
            resolve_role(
                &idx,
                &table,
                "apps.core.middleware.Audit",
                "backend/config/settings.py"
            )
            .is_none()
        );
        assert!(
            resolve_role(
                &idx,
                &table,
                "thirdparty.Unknown",
                "backend/config/settings.py"
            )
            .is_none()
        );
    }
}
