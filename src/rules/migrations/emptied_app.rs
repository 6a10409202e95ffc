use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};

declare_rule! {
    /// ## What it does
    /// Finds Django apps that define concrete models (subclasses of `models.Model`, not
    /// `Meta: abstract = True`) but have no migrations: a `migrations/` package that holds
    /// only `__init__.py`, or no migrations package at all while other apps' migrations
    /// depend on the app. Apps whose migrations are switched off with
    /// `MIGRATION_MODULES = {'app': None}` are not judged.
    ///
    /// ## Why it breaks production
    /// This is the static half of the HRMS incident: every migration file was deleted,
    /// leaving `migrations/__init__.py`. The app's tables are never created on a new
    /// database (`relation "authentication_user" does not exist`), other apps'
    /// migrations fail with `ValueError: Dependency on app with no migrations`, and
    /// "fixing" it by regenerating migrations on a database that applied the old ones
    /// means new names, schema drift, conflicts and data loss: migrations are
    /// append-only history.
    ///
    /// ## Example
    /// ```text
    /// authentication/models.py          class User(AbstractUser): ...
    /// authentication/migrations/__init__.py
    /// ```
    /// Use instead: restore the history from the base branch.
    /// ```text
    /// git checkout origin/main -- authentication/migrations/
    /// authentication/migrations/0001_initial.py
    /// authentication/migrations/0002_user_department.py
    /// ```
    pub struct EmptiedApp {
        code: "GR104",
        slug: "migrations/emptied-app",
        severity: Error,
        summary: "An app with models has no migrations",
        kinds: [DjangoMigration, Python, DjangoSettings],
        needs: [Django],
    }
}

impl Rule for EmptiedApp {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let project = ctx.project.django();
        let mut depend_on: Option<_> = None;
        for app in &project.apps {
            if app.migrations_disabled || app.models.is_empty() || !app.migrations.is_empty() {
                continue;
            }
            // Counted for every app at once, the first time an app needs it.
            let dependents = depend_on
                .get_or_insert_with(|| project.depend_on_apps(ctx.index))
                .get(app.label.as_str())
                .copied()
                .unwrap_or(0);
            let what = if app.has_migrations_package {
                format!(
                    "its migrations package `{}/` holds only `__init__.py`",
                    app.migrations_dir
                )
            } else if dependents > 0 {
                format!(
                    "it has no migrations package, and {dependents} migration file(s) depend on it"
                )
            } else {
                continue;
            };
            // Migrations under another label (a second app of the same label) count.
            if project
                .labels
                .get(&app.label)
                .into_iter()
                .flatten()
                .filter_map(|i| project.apps.get(*i))
                .any(|other| !other.migrations.is_empty())
            {
                continue;
            }
            let Some(first) = app.models.first() else {
                continue;
            };
            let names: Vec<String> = app.models.iter().map(|m| format!("`{}`", m.name)).collect();
            let mut d = Diagnostic::new(
                &Self::META,
                first.path.clone(),
                format!(
                    "app `{}` defines {} ({}) but has no migrations: {what}",
                    app.label,
                    if app.models.len() == 1 {
                        "a model".to_string()
                    } else {
                        format!("{} models", app.models.len())
                    },
                    shorten(&names)
                ),
            )
            .span(first.span)
            .label("a model with no migration to create its table")
            .note(format!(
                "its tables are never created, and migrations that depend on it fail with \
                 `ValueError: Dependency on app with no migrations: {}`; regenerating migrations \
                 on a database that applied the old ones causes schema drift and data loss",
                app.label
            ))
            .help(format!(
                "restore the deleted migrations from the base branch: `git checkout origin/main -- \
                 {}/`; only for a brand-new app, run `python manage.py makemigrations {}`",
                app.migrations_dir, app.label
            ));
            for m in app
                .models
                .iter()
                .skip(1)
                .filter(|m| m.path == first.path)
                .take(5)
            {
                d = d.secondary(m.span, "also needs a migration");
            }
            out.push(d);
        }
    }
}

fn shorten(names: &[String]) -> String {
    if names.len() <= 4 {
        names.join(", ")
    } else {
        format!(
            "{}, ...",
            names.iter().take(4).cloned().collect::<Vec<_>>().join(", ")
        )
    }
}
