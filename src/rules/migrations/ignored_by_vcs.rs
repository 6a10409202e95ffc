use crate::core::kind::FileKind;
use crate::core::path::{normalize, strip_dir};
use crate::core::severity::Severity;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::model::docker::build::{DockerBuild, EventKind};
use crate::syntax::ignorefile::IgnoreFile;
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Reads every `.gitignore` and `.dockerignore` and reports a pattern that matches
    /// the migration files of a Django app in the repository (a migration file such as
    /// `<app>/migrations/0001_initial.py`, or the package's `__init__.py`). `.gitignore`
    /// patterns apply below their folder; `.dockerignore` patterns are anchored at the
    /// build context, as Docker reads them. A `.dockerignore` is judged by what the
    /// Dockerfiles built from its folder copy: a deny-all `*` that re-includes `app/` is
    /// fine, and an exclusion is reported only for apps a build copies. When no Dockerfile
    /// of the repository builds from that folder, the pattern alone is the evidence and
    /// the finding is a warning.
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
        needs: [Django, Docker],
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
        // Docker builds by context folder, grouped once (not a scan of every
        // Dockerfile per ignore file).
        let mut by_context: BTreeMap<&str, Vec<&DockerBuild>> = BTreeMap::new();
        for f in ctx.index.of_kind(FileKind::Dockerfile) {
            if let Some(b) = ctx.project.docker_build(f.path.as_str())
                && let Some(c) = &b.context
            {
                by_context.entry(c.dir.as_str()).or_default().push(b);
            }
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
                // A .dockerignore matters for what the builds from its folder copy: the
                // builds found in the repository, or, with none, the pattern alone.
                let builds = (kind == FileKind::DockerIgnore).then(|| {
                    by_context
                        .get(entry.path.parent())
                        .cloned()
                        .unwrap_or_default()
                });
                // Pattern line -> the app folders it hides.
                let mut hits: BTreeMap<usize, (String, Vec<String>)> = BTreeMap::new();
                for app in &apps {
                    if let Some(builds) = &builds
                        && !builds.is_empty()
                        && !builds
                            .iter()
                            .any(|b| copies(b, &app.migrations_dir, entry.path.parent()))
                    {
                        continue;
                    }
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
                        "narrow this pattern or re-include the migrations after it (`!app/**/migrations`), so the image gets them (exclude `**/__pycache__` and `**/*.pyc` instead)",
                    )
                };
                let unbuilt = builds.as_ref().is_some_and(Vec::is_empty);
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
                    let mut d = Diagnostic::new(
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
                    .help(help);
                    d = if unbuilt {
                        // No Dockerfile of the repository builds from this folder: what
                        // an image copies is unknown, only the pattern is.
                        d.severity(Severity::Warning).note(format!(
                            "{consequence}; evidence: the pattern alone (no Dockerfile in the \
                             repository builds from this folder)"
                        ))
                    } else {
                        d.note(consequence)
                    };
                    out.push(d);
                }
            }
        }
    }
}

/// Whether a build copies the folder `target` (relative to the scan root) from its
/// context `dir`: `COPY . .`, or a source that is the folder or one above it.
fn copies(build: &DockerBuild, target: &str, dir: &str) -> bool {
    let Some(rel) = strip_dir(target, dir) else {
        return false;
    };
    build.timelines.iter().flatten().any(|e| {
        let EventKind::Copy(c) = &e.kind else {
            return false;
        };
        c.from.is_none()
            && (c.whole_context
                || c.sources.iter().any(|s| {
                    let src = normalize(&s.text);
                    src.is_empty() || strip_dir(rel, &src).is_some()
                }))
    })
}
