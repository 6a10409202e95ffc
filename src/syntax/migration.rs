//! Facts of one Django migration file, extracted from ruff's AST in one pass: the
//! `Migration` class's `dependencies`, `replaces`, `run_before` and `initial`.
//!
//! [`behaviour_fingerprint`] is separate: a structural hash of what the migration does
//! (ruff's `ComparableExpr`, equal for sources that differ only in formatting and
//! comments). Only `edited-migration` needs it, for the few files a change modified, so
//! the static pass over every migration does not pay for it.

use crate::core::source::ParseFailure;
use crate::core::source::Span;
use crate::syntax::python::{self, dotted, span_of};
use ruff_python_ast::comparable::ComparableExpr;
use ruff_python_ast::{Expr, Stmt};
use std::hash::{DefaultHasher, Hash, Hasher};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DepTarget {
    /// `('app_label', 'migration_name')`; the name may be `__first__` or `__latest__`.
    Node { app: String, name: String },
    /// `migrations.swappable_dependency(settings.SETTING)`.
    Swappable { setting: String },
    /// Not a literal: never judged.
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepRef {
    pub span: Span,
    pub target: DepTarget,
    /// Structural hash of the entry, for comparing entries that are not literals.
    pub fingerprint: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationFacts {
    /// The `Migration` class name.
    pub class_span: Span,
    pub dependencies: Vec<DepRef>,
    /// False when `dependencies` is not entirely a literal list.
    pub dependencies_complete: bool,
    pub dependencies_span: Option<Span>,
    pub replaces: Vec<DepRef>,
    pub run_before: Vec<DepRef>,
    pub initial: Option<bool>,
    pub operations_span: Option<Span>,
}

/// `Ok(None)`: the file parses but defines no `Migration` class (not a migration).
pub fn extract(text: &str) -> Result<Option<MigrationFacts>, ParseFailure> {
    let module = python::parse_ast(text)?;
    let Some(class) = module.body.iter().find_map(|s| match s {
        Stmt::ClassDef(c) if c.name.id.as_str() == "Migration" => Some(c),
        _ => None,
    }) else {
        return Ok(None);
    };
    let mut facts = MigrationFacts {
        class_span: span_of(&class.name),
        dependencies: Vec::new(),
        dependencies_complete: true,
        dependencies_span: None,
        replaces: Vec::new(),
        run_before: Vec::new(),
        initial: None,
        operations_span: None,
    };
    for stmt in &class.body {
        let (target, value) = match stmt {
            Stmt::Assign(a) if a.targets.len() == 1 => {
                (a.targets.first().and_then(dotted), &*a.value)
            }
            Stmt::AnnAssign(a) => match &a.value {
                Some(v) => (dotted(&a.target), &**v),
                None => continue,
            },
            _ => continue,
        };
        let Some(target) = target else { continue };
        match target.as_str() {
            "dependencies" => {
                facts.dependencies_span = Some(span_of(value));
                facts.dependencies_complete = collect_refs(value, &mut facts.dependencies);
            }
            "replaces" => {
                collect_refs(value, &mut facts.replaces);
            }
            "run_before" => {
                collect_refs(value, &mut facts.run_before);
            }
            "initial" => {
                facts.initial = match value {
                    Expr::BooleanLiteral(b) => Some(b.value),
                    _ => None,
                };
            }
            "operations" => facts.operations_span = Some(span_of(value)),
            _ => {}
        }
    }
    Ok(Some(facts))
}

/// The `Migration` class of a module, and its class-level assignments.
fn migration_assignments(module: &ruff_python_ast::ModModule) -> Vec<(String, &Expr)> {
    let Some(class) = module.body.iter().find_map(|s| match s {
        Stmt::ClassDef(c) if c.name.id.as_str() == "Migration" => Some(c),
        _ => None,
    }) else {
        return Vec::new();
    };
    class
        .body
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::Assign(a) if a.targets.len() == 1 => {
                Some((a.targets.first().and_then(dotted)?, &*a.value))
            }
            Stmt::AnnAssign(a) => Some((dotted(&a.target)?, a.value.as_deref()?)),
            _ => None,
        })
        .collect()
}

/// A structural hash of what the migration does: `operations`, `run_before`, `initial`
/// and `atomic`. `None` when the text does not parse or has no `Migration` class.
pub fn behaviour_fingerprint(text: &str) -> Option<u64> {
    let module = python::parse_ast(text).ok()?;
    let assignments = migration_assignments(&module);
    if assignments.is_empty()
        && !module
            .body
            .iter()
            .any(|s| matches!(s, Stmt::ClassDef(c) if c.name.id.as_str() == "Migration"))
    {
        return None;
    }
    let mut behaviour: Vec<(&str, ComparableExpr)> = assignments
        .iter()
        .filter(|(name, _)| {
            matches!(
                name.as_str(),
                "operations" | "run_before" | "initial" | "atomic"
            )
        })
        .map(|(name, value)| (name.as_str(), ComparableExpr::from(*value)))
        .collect();
    behaviour.sort_by(|a, b| a.0.cmp(b.0));
    let mut h = DefaultHasher::new();
    behaviour.hash(&mut h);
    Some(h.finish())
}

/// Collects the entries of a list/tuple (or a `+` of them). Returns false when some
/// part is not a literal list.
fn collect_refs(value: &Expr, out: &mut Vec<DepRef>) -> bool {
    match value {
        Expr::List(l) => {
            out.extend(l.elts.iter().map(dep_ref));
            true
        }
        Expr::Tuple(t) => {
            out.extend(t.elts.iter().map(dep_ref));
            true
        }
        Expr::BinOp(b) if matches!(b.op, ruff_python_ast::Operator::Add) => {
            let left = collect_refs(&b.left, out);
            let right = collect_refs(&b.right, out);
            left && right
        }
        _ => false,
    }
}

fn dep_ref(e: &Expr) -> DepRef {
    let mut h = DefaultHasher::new();
    ComparableExpr::from(e).hash(&mut h);
    DepRef {
        span: span_of(e),
        target: dep_target(e),
        fingerprint: h.finish(),
    }
}

fn dep_target(e: &Expr) -> DepTarget {
    let pair = match e {
        Expr::Tuple(t) => Some(&t.elts[..]),
        Expr::List(l) => Some(&l.elts[..]),
        _ => None,
    };
    if let Some([Expr::StringLiteral(app), Expr::StringLiteral(name)]) = pair {
        return DepTarget::Node {
            app: app.value.to_str().to_string(),
            name: name.value.to_str().to_string(),
        };
    }
    if let Expr::Call(call) = e
        && dotted(&call.func).is_some_and(|f| f.ends_with("swappable_dependency"))
        && let Some(arg) = call.arguments.args.first()
        && let Some(name) = dotted(arg)
        && let Some(setting) = name.strip_prefix("settings.")
    {
        return DepTarget::Swappable {
            setting: setting.to_string(),
        };
    }
    DepTarget::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATION: &str = r#"
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('authentication', '0001_initial'),  # file deleted
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ["employees", "__first__"],
    ]

    operations = [
        migrations.CreateModel(
            name='Policy',
            fields=[('id', models.BigAutoField(primary_key=True))],
        ),
    ]
"#;

    #[test]
    fn extracts_dependencies_with_spans() {
        let f = extract(MIGRATION).unwrap().unwrap();
        assert!(f.dependencies_complete);
        assert_eq!(f.initial, Some(true));
        assert_eq!(
            f.dependencies
                .iter()
                .map(|d| d.target.clone())
                .collect::<Vec<_>>(),
            [
                DepTarget::Node {
                    app: "authentication".into(),
                    name: "0001_initial".into()
                },
                DepTarget::Swappable {
                    setting: "AUTH_USER_MODEL".into()
                },
                DepTarget::Node {
                    app: "employees".into(),
                    name: "__first__".into()
                },
            ]
        );
        let d = &f.dependencies[0];
        assert_eq!(
            &MIGRATION[d.span.start..d.span.end],
            "('authentication', '0001_initial')"
        );
        assert_eq!(
            &MIGRATION[f.class_span.start..f.class_span.end],
            "Migration"
        );
    }

    #[test]
    fn fingerprint_ignores_formatting_and_comments() {
        let a = behaviour_fingerprint(MIGRATION).unwrap();
        let reformatted = MIGRATION
            .replace("name='Policy',", "name=\"Policy\",  # the policy model")
            .replace(
                "        migrations.CreateModel(\n",
                "        migrations.CreateModel(  \n",
            );
        assert_eq!(behaviour_fingerprint(&reformatted), Some(a));
        let changed = MIGRATION.replace("name='Policy'", "name='Rule'");
        assert_ne!(behaviour_fingerprint(&changed), Some(a));
        // Dependencies are compared separately, through squash aliases.
        let deps = MIGRATION.replace("('employees'", "('staff'");
        assert_eq!(behaviour_fingerprint(&deps), Some(a));
        assert_eq!(behaviour_fingerprint("import os\n"), None);
        assert_eq!(behaviour_fingerprint("class Migration(\n"), None);
    }

    #[test]
    fn non_literal_dependencies_are_incomplete_and_non_migrations_are_none() {
        let f = extract("class Migration:\n    dependencies = BASE + [('a', '0001')]\n")
            .unwrap()
            .unwrap();
        assert!(!f.dependencies_complete);
        assert_eq!(f.dependencies.len(), 1);
        assert!(extract("import os\n").unwrap().is_none());
        assert!(extract("class Migration(\n").is_err());
    }
}
