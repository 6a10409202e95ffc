use super::qualified;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks every `dependencies` and `run_before` entry of every migration against the
    /// migrations that exist in the repository. An entry naming a migration of an
    /// in-repository app that does not exist (and that no squash migration replaces), or
    /// the first/latest migration of an in-repository app that has none
    /// (`__first__`, `swappable_dependency(settings.AUTH_USER_MODEL)`), is reported at the
    /// entry. Dependencies on apps that are not in the repository (`django.contrib`,
    /// third-party packages) are never judged, nor are entries that are not literals.
    ///
    /// `replaces` entries are not judged: Django's loader tolerates replaced migrations
    /// that no longer exist, and deleting them once every database has applied the
    /// squash is the documented way to finish a squash.
    ///
    /// ## Why it breaks production
    /// Django builds the whole migration graph at start-up (`migrate`, `runserver`,
    /// every management command). A dangling edge stops all of them:
    /// `NodeNotFoundError: Migration abac.0002_initial dependencies reference nonexistent
    /// parent node ('authentication', '0001_initial')`, or `ValueError: Dependency on app
    /// with no migrations: authentication`. In the HRMS incident every migration file of
    /// `authentication` was deleted while `abac` still depended on them, and the service
    /// would not start.
    ///
    /// ## Example
    /// ```python
    /// # abac/migrations/0002_initial.py, with authentication/migrations/0001_initial.py deleted
    /// class Migration(migrations.Migration):
    ///     dependencies = [
    ///         ('authentication', '0001_initial'),
    ///     ]
    /// ```
    /// Use instead: restore the deleted file from the base branch, so the dependency
    /// resolves again:
    /// ```python
    /// # authentication/migrations/0001_initial.py, restored with
    /// # git checkout origin/main -- authentication/migrations/0001_initial.py
    /// class Migration(migrations.Migration):
    ///     initial = True
    /// ```
    pub struct MissingDependency {
        code: "GR103",
        slug: "migrations/missing-dependency",
        severity: Error,
        summary: "A migration depends on a migration that does not exist",
        kinds: [DjangoMigration, Python, DjangoSettings],
        needs: [Django],
        caused_by_removal_of: [DjangoMigration],
    }
}

impl Rule for MissingDependency {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let project = ctx.project.django();
        for (i, node) in project.migrations.iter().enumerate() {
            let Some(facts) = project.facts(ctx.index, i) else {
                continue;
            };
            let entries = facts
                .dependencies
                .iter()
                .map(|d| (d, "dependency"))
                .chain(facts.run_before.iter().map(|d| (d, "run_before entry")));
            for (dep, what) in entries {
                let Some((label, name)) = project.resolve_dep(&dep.target) else {
                    continue;
                };
                let apps = project.migrated_apps(&label, node.app);
                let Some(app) = apps.first() else { continue };
                let has_any = apps.iter().any(|a| !a.migrations.is_empty());
                let first_or_latest = name == "__first__" || name == "__latest__";
                let missing = if first_or_latest {
                    !has_any
                } else {
                    !project.resolves(&label, &name, node.app)
                };
                if !missing {
                    continue;
                }
                let expected = format!("{}/{}.py", app.migrations_dir, name);
                let mut d = if first_or_latest {
                    Diagnostic::new(
                        &Self::META,
                        node.path.clone(),
                        format!(
                            "`{}` depends on app `{label}`, which has no migrations",
                            qualified(&node.label, &node.name)
                        ),
                    )
                    .label(format!("`{label}` has an empty migrations package"))
                    .note(format!(
                        "Django refuses to start: `ValueError: Dependency on app with no migrations: {label}`"
                    ))
                    .help(format!(
                        "restore `{}/` from the base branch (`git checkout origin/main -- {}/`); \
                         regenerating migrations on a database that applied the old ones causes schema drift",
                        app.migrations_dir, app.migrations_dir
                    ))
                } else {
                    let existing: Vec<String> = apps
                        .iter()
                        .flat_map(|a| a.migrations.iter())
                        .filter_map(|m| project.migrations.get(*m))
                        .map(|m| format!("`{}`", m.name))
                        .collect();
                    let choices = if existing.is_empty() {
                        format!("`{label}` has no migrations at all")
                    } else {
                        format!("`{label}` has {}", list(&existing))
                    };
                    Diagnostic::new(
                        &Self::META,
                        node.path.clone(),
                        format!(
                            "{what} of `{}` names `{}`, which does not exist",
                            qualified(&node.label, &node.name),
                            qualified(&label, &name)
                        ),
                    )
                    .label(format!("no file `{expected}`"))
                    .note(format!(
                        "Django refuses to start: `NodeNotFoundError: Migration {} dependencies \
                         reference nonexistent parent node ('{label}', '{name}')`",
                        qualified(&node.label, &node.name)
                    ))
                    .help(format!(
                        "restore `{expected}` from the base branch (`git checkout origin/main -- \
                         {expected}`), or depend on a migration that exists ({choices})"
                    ))
                };
                d = d.span(dep.span);
                out.push(d);
            }
        }
    }
}

fn list(items: &[String]) -> String {
    const MAX: usize = 5;
    if items.len() <= MAX {
        items.join(", ")
    } else {
        format!(
            "{}, ... ({} in all)",
            items
                .iter()
                .take(MAX)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            items.len()
        )
    }
}
