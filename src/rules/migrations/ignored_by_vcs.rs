use crate::core::kind::FileKind;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::syntax::ignorefile::IgnoreFile;
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Reads every `.gitignore` and `.dockerignore` and reports a pattern that matches
    /// the migration files of a Django app in the repository (a migration file such as
    /// `<app>/migrations/0001_initial.py`, or the package's `__init__.py`). `.gitignore`
    /// patterns apply below their folder; `.dockerignore` patterns are anchored at the
    /// build context, as Docker reads them.
    ///
    /// ## Why it breaks production
    /// A migration that git ignores never reaches the repository: each developer's
    /// `makemigrations` invents its own history, and the server's database follows none
    /// of them. A migration that `.dockerignore` excludes never reaches the image:
    /// `migrate` in the entrypoint finds nothing to apply, and the code queries tables
    /// and columns that do not exist (`ProgrammingError: relation ... does not exist`).
    ///
    /// ## Example
    /// ```text
    /// # .gitignore
    /// **/migrations/*.py
    /// !**/migrations/__init__.py
    /// ```
    /// Use instead: commit migrations; ignore only compiled files.
    /// ```text
    /// # .gitignore
    /// __pycache__/
    /// *.py[cod]
    /// ```
    pub struct IgnoredByVcs {
        code: "GR107",
        slug: "migrations/ignored-by-vcs",
        severity: Error,
        summary: "A .gitignore or .dockerignore pattern excludes migration files",
        kinds: [GitIgnore, DockerIgnore, DjangoMigration, Python, DjangoSettings],
        needs: [Django],
    }
}

impl Rule for IgnoredByVcs {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let project = ctx.project.django();
        let apps: Vec<_> = project
            .apps
            .iter()
            .filter(|a| a.is_django() && !a.migrations_disabled)
            .collect();
        if apps.is_empty() {
            return;
        }
        for kind in [FileKind::GitIgnore, FileKind::DockerIgnore] {
            for entry in ctx.index.of_kind(kind) {
                let Some(source) = entry.source() else {
                    continue;
                };
                let ignore = if kind == FileKind::GitIgnore {
                    IgnoreFile::gitignore(source)
                } else {
                    IgnoreFile::dockerignore(source)
                };
                // Pattern line -> the app folders it hides.
                let mut hits: BTreeMap<usize, (String, Vec<String>)> = BTreeMap::new();
                for app in &apps {
                    let probes = [
                        (format!("{}/0001_initial.py", app.migrations_dir), false),
                        (format!("{}/__init__.py", app.migrations_dir), false),
                    ];
                    for (path, is_dir) in probes {
                        if let Some(hit) = ignore.ignored(&path, is_dir) {
                            let e = hits
                                .entry(hit.line)
                                .or_insert_with(|| (hit.pattern.clone(), Vec::new()));
                            if !e.1.contains(&app.migrations_dir) {
                                e.1.push(app.migrations_dir.clone());
                            }
                            break;
                        }
                    }
                }
                let (tool, consequence, help) = if kind == FileKind::GitIgnore {
                    (
                        "git",
                        "they never reach the repository, so every environment invents its own migration history",
                        "delete this pattern (ignore `__pycache__/` and `*.py[cod]` instead), then commit the migration files",
                    )
                } else {
                    (
                        "the Docker build",
                        "they never reach the image, so `migrate` at start-up does not create the tables the code queries",
                        "delete this pattern so the image gets the migrations (exclude `**/__pycache__` and `**/*.pyc` instead)",
                    )
                };
                for (line, (pattern, dirs)) in hits {
                    let Some(span) = source.line_span(line) else {
                        continue;
                    };
                    let shown: Vec<String> =
                        dirs.iter().take(3).map(|d| format!("`{d}/`")).collect();
                    let more = if dirs.len() > 3 {
                        format!(" and {} more", dirs.len() - 3)
                    } else {
                        String::new()
                    };
                    out.push(
                        Diagnostic::new(
                            &Self::META,
                            entry.path.clone(),
                            format!(
                                "`{}` makes {tool} skip the migrations in {}{more}",
                                pattern.trim_start_matches('/'),
                                shown.join(", ")
                            ),
                        )
                        .span(span)
                        .label("matches migration files")
                        .note(consequence)
                        .help(help),
                    );
                }
            }
        }
    }
}
