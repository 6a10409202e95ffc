use super::qualified;
use crate::declare_rule;
use crate::input::changes::ChangeKind;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::syntax::migration::{self, DepRef, DepTarget, MigrationFacts};
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// With `--base REF` or `--staged`, compares every migration that exists at the base
    /// and was modified with its base version, as syntax trees: a change to its
    /// `operations`, `dependencies`, `run_before`, `initial` or `atomic` is reported.
    /// Formatting-only and comment-only edits are not (the trees are equal), nor is
    /// pointing a dependency at the squash that replaces its old target, nor removing
    /// `replaces` from a squash: those are the documented steps for finishing a squash.
    ///
    /// ## Why it breaks production
    /// A database runs a migration once. Databases that applied the old version never
    /// see the edit, new databases get the new one: production, staging and every
    /// developer's database end up with different schemas, and the next migration fails
    /// on some of them (`column "..." does not exist`, `duplicate key`), or silently
    /// corrupts data.
    ///
    /// ## Example
    /// ```python
    /// # employees/migrations/0002_add_salary.py, already merged, edited in place
    /// operations = [
    ///     migrations.AddField('employee', 'salary', models.DecimalField(max_digits=12, decimal_places=2)),
    /// ]
    /// ```
    /// Use instead: leave 0002 as it was merged, and add a migration:
    /// ```python
    /// # employees/migrations/0003_alter_salary_precision.py
    /// operations = [
    ///     migrations.AlterField('employee', 'salary', models.DecimalField(max_digits=12, decimal_places=2)),
    /// ]
    /// ```
    pub struct EditedMigration {
        code: "GR102",
        slug: "migrations/edited-migration",
        severity: Error,
        summary: "A migration that exists on the base branch was edited",
        kinds: [DjangoMigration, Python, DjangoSettings],
        needs: [Django],
        git_aware: true,
    }
}

impl Rule for EditedMigration {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(changes) = ctx.changes else { return };
        let project = ctx.project.django();
        // Squashes at the base: finishing a squash removes `replaces` from it, and its
        // dependents are re-pointed at it; both sides must alias through it.
        let mut base_aliases: HashMap<(String, String), String> = HashMap::new();
        let mut base_facts: HashMap<usize, MigrationFacts> = HashMap::new();
        for change in changes.changes() {
            if change.kind != ChangeKind::Modified {
                continue;
            }
            let Some(node) = project.node_at(&change.path) else {
                continue;
            };
            let Some(m) = project.migrations.get(node) else {
                continue;
            };
            let Some(text) = changes.base_text(&change.path) else {
                continue;
            };
            let Ok(Some(facts)) = migration::extract(&text) else {
                continue;
            };
            for r in &facts.replaces {
                if let DepTarget::Node { app, name } = &r.target {
                    base_aliases.insert((app.clone(), name.clone()), m.name.clone());
                }
            }
            base_facts.insert(node, facts);
        }
        let alias = |app: &str, name: &str| -> String {
            base_aliases
                .get(&(app.to_string(), name.to_string()))
                .cloned()
                .unwrap_or_else(|| project.alias(app, name))
        };
        for change in changes.changes() {
            if change.kind != ChangeKind::Modified {
                continue;
            }
            let Some(node) = project.node_at(&change.path) else {
                continue;
            };
            let Some(m) = project.migrations.get(node) else {
                continue;
            };
            let Some(now) = project.facts(ctx.index, node) else {
                continue;
            };
            let Some(before) = base_facts.get(&node) else {
                continue;
            };
            let mut changed = Vec::new();
            // The fingerprint is computed here, for the files the change modified only.
            let now_text = ctx
                .index
                .loaded_source(m.path.as_str())
                .map(|s| s.text.as_str());
            let now_print = now_text.and_then(migration::behaviour_fingerprint);
            let before_print = changes
                .base_text(&change.path)
                .as_deref()
                .and_then(migration::behaviour_fingerprint);
            if now_print != before_print {
                changed.push(("operations", now.operations_span.unwrap_or(now.class_span)));
            }
            if normalized_deps(&alias, before) != normalized_deps(&alias, now) {
                changed.push((
                    "dependencies",
                    now.dependencies_span.unwrap_or(now.class_span),
                ));
            }
            let Some((what, span)) = changed.first().copied() else {
                continue;
            };
            let list: Vec<&str> = changed.iter().map(|(w, _)| *w).collect();
            out.push(
                Diagnostic::new(
                    &Self::META,
                    m.path.clone(),
                    format!(
                        "migration `{}` exists on {} and was edited: its {} changed",
                        qualified(&m.label, &m.name),
                        changes.describe(),
                        list.join(" and ")
                    ),
                )
                .span(span)
                .label(format!("{what} differ from the base version"))
                .note(
                    "databases that applied the old version never run the new one: environments \
                     drift apart, and later migrations fail on some of them",
                )
                .help(format!(
                    "restore it (`git checkout {} -- {}`) and put the change in a new migration: \
                     `python manage.py makemigrations {}`",
                    changes.restore_ref(),
                    m.path,
                    m.label
                )),
            );
        }
    }
}

/// Dependencies as a sorted list, with replaced migrations mapped to their squash and
/// non-literal entries by structure.
fn normalized_deps(alias: &dyn Fn(&str, &str) -> String, facts: &MigrationFacts) -> Vec<String> {
    let mut deps: Vec<String> = facts
        .dependencies
        .iter()
        .map(|d: &DepRef| match &d.target {
            DepTarget::Node { app, name } => format!("{app}.{}", alias(app, name)),
            DepTarget::Swappable { setting } => format!("swappable:{setting}"),
            DepTarget::Unknown => format!("expr:{:x}", d.fingerprint),
        })
        .collect();
    deps.sort();
    deps.dedup();
    deps
}
