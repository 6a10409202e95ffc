use super::qualified;
use crate::core::kind::{FileKind, classify};
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::syntax::migration;

declare_rule! {
    /// ## What it does
    /// With `--base REF` (pull requests) or `--staged` (pre-commit), reports every
    /// migration that exists at the base and was deleted or renamed, unless a squash
    /// migration of the same app that already exists at the base `replaces` it. The
    /// finding points at the path where the file was and lists every migration in the
    /// repository that still depends on it. Migrations of an app that was removed
    /// entirely (no file of it is left) are not reported.
    ///
    /// ## Why it breaks production
    /// Migrations are append-only history. Every database that applied the deleted file
    /// keeps its name in `django_migrations`; migrations that depend on it stop the
    /// service at start-up (`NodeNotFoundError`); regenerating a replacement gives it a
    /// new name that Django applies again (`relation "..." already exists`) or never
    /// (schema drift). A rename is a delete plus an add, with the same result. In the
    /// HRMS incident this took 72 hours to recover.
    ///
    /// ## Example
    /// ```text
    /// D  authentication/migrations/0001_initial.py
    /// A  authentication/migrations/0001_initial_regenerated.py
    /// ```
    /// Use instead: keep the history, and add a new migration for the change:
    /// ```text
    ///    authentication/migrations/0001_initial.py
    /// A  authentication/migrations/0002_user_department.py
    /// ```
    pub struct DeletedMigration {
        code: "GR101",
        slug: "migrations/deleted-migration",
        severity: Error,
        summary: "A migration that exists on the base branch was deleted or renamed",
        kinds: [DjangoMigration, Python, DjangoSettings],
        needs: [Django],
        git_aware: true,
    }
}

impl Rule for DeletedMigration {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(changes) = ctx.changes else { return };
        let project = ctx.project.django();
        for (old, renamed_to) in changes.removed() {
            if classify(old.as_str()) != FileKind::DjangoMigration {
                continue;
            }
            let Some(stem) = old.file_name().strip_suffix(".py") else {
                continue;
            };
            if stem.starts_with('_') || stem.starts_with('~') {
                continue;
            }
            // Only files that were migrations at the base.
            let Some(base) = changes.base_text(old) else {
                continue;
            };
            if !matches!(migration::extract(&base), Ok(Some(_))) {
                continue;
            }
            let dir = old.parent();
            let Some(app) = project.app_with_migrations_dir(dir) else {
                continue;
            };
            let label = app.label.as_str();
            let squashed = project
                .replacing(label, stem)
                .iter()
                .filter_map(|s| project.migrations.get(*s))
                .any(|s| !changes.was_added(&s.path));
            if squashed {
                continue;
            }
            let name = qualified(label, stem);
            let dependents = project.dependents(ctx.index, label, stem);
            let mut message = match renamed_to {
                Some(new) => format!("migration `{name}` was renamed to `{new}`"),
                None => format!("migration `{name}` was deleted"),
            };
            message.push_str(&format!(" (it exists on {})", changes.describe()));
            if !dependents.is_empty() {
                let n = dependents.len();
                let noun = if n == 1 {
                    "migration still depends"
                } else {
                    "migrations still depend"
                };
                message.push_str(&format!("; {n} {noun} on it"));
            }
            let note = match renamed_to {
                Some(_) => {
                    "databases record applied migrations by name: the new name runs again \
                            (`relation ... already exists`) and the old one is left dangling"
                }
                None => {
                    "databases that applied it keep it in `django_migrations`; migrations that \
                         depend on it stop start-up (`NodeNotFoundError`), and a regenerated \
                         replacement re-runs or drifts from the real schema"
                }
            };
            let mut d = Diagnostic::new(&Self::META, old.clone(), message)
                .note(note)
                .help(format!(
                    "restore it: `git checkout {} -- {old}`; to retire old migrations, squash them \
                     (`python manage.py squashmigrations {label} {stem}`) and delete the originals \
                     only after every database has applied the squash",
                    changes.restore_ref()
                ));
            for (node, span) in dependents.iter().take(10) {
                if let Some(m) = project.migrations.get(*node) {
                    d = d.related(
                        m.path.clone(),
                        *span,
                        format!("`{}` still depends on it", qualified(&m.label, &m.name)),
                    );
                }
            }
            out.push(d);
        }
    }
}
