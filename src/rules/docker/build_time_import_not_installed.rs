use super::analyse;
use crate::core::path::RelPath;
use crate::core::source::Span;
use crate::declare_rule;
use crate::index::Index;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::docker::build::{
    Action, Context, Coverage, Event, EventKind, Install, container_path, coverage,
};
use crate::model::docker::imports::Analysis as Imports;
use crate::model::docker::stages::{brings_environment, installs_deps};
use crate::syntax::python::{PyStmt, PyValue};
use crate::syntax::requirements;
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// The deep check behind `docker/app-code-before-deps`. For a build-time Django
    /// command (`python manage.py ...`, `django-admin ...`), it follows statically what
    /// `django.setup()` imports: `DJANGO_SETTINGS_MODULE` (from `--settings`, `ENV`, or
    /// manage.py's default) -> the settings module's imports -> `INSTALLED_APPS` -> each
    /// app's package, `apps.py` (with `ready()`), models and `admin.py` -> module-level
    /// imports through the project's own modules. Each third-party module reached that
    /// the project declares as a dependency (in a requirements file or `pyproject.toml`
    /// of the build context) but that no install before the command provides is
    /// reported, with the import chain. Undeclared modules are not judged (they may come
    /// with another package), nor are builds from base images it cannot see into
    /// (configure `[docker] base-images-with-deps`) or that copy an environment from
    /// another stage.
    ///
    /// ## Configuration
    /// ```toml
    /// [docker]
    /// base-images-with-deps = ["registry.example.com/django-base"]
    /// import-names = { "acme-sdk" = "acme" }
    /// ```
    ///
    /// ## Why it breaks production
    /// The HRMS image build: `collectstatic` ran `django.setup()`, which imported
    /// `apps.tenants.models`, which imported `apps.core.choices`, which did `import
    /// pytz`, before `pip install`: `ModuleNotFoundError: No module named 'pytz'`. The
    /// chain is four files long; the fix is one line, and this finding points at it.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY . .
    /// RUN SECRET_KEY=dummy python manage.py collectstatic --noinput  # imports pytz
    /// RUN pip install -r requirements/production.txt                 # installs pytz
    /// ```
    /// Use instead:
    /// ```dockerfile
    /// COPY requirements/ requirements/
    /// RUN pip install -r requirements/production.txt
    /// COPY . .
    /// RUN SECRET_KEY=dummy python manage.py collectstatic --noinput
    /// ```
    pub struct BuildTimeImportNotInstalled {
        code: "GR302",
        slug: "docker/build-time-import-not-installed",
        severity: Error,
        summary: "A build-time Django command imports a dependency not installed yet",
        kinds: [Dockerfile],
        needs: [Docker],
    }
}

impl Rule for BuildTimeImportNotInstalled {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(analysis) = analyse(ctx) else { return };
        let Some(context) = &analysis.context else {
            return;
        };
        let overrides = &ctx.options().docker_import_names;
        // Only a build that runs Django needs the declared dependencies read.
        let runs_django = analysis.timelines.iter().flatten().any(|e| {
            matches!(&e.kind, EventKind::Command { actions, .. }
                if actions.iter().any(|a| matches!(a, Action::RunApp { what } if what.contains("manage.py") || what.contains("django"))))
        });
        if !runs_django {
            return;
        }
        let declared = declared_modules(ctx.index, context, overrides);
        if declared.is_empty() {
            return;
        }
        for (si, timeline) in analysis.timelines.iter().enumerate() {
            if !crate::model::docker::stages::base_is_known_empty(
                analysis.df,
                si,
                &ctx.options().docker_base_images,
            ) {
                continue;
            }
            // What the events before a command did, carried forward as the walk goes,
            // and where the installs are: one RUN of 10,000 piped Django commands
            // costs each command its own events, not a rescan of the timeline.
            let mut walked = Walked::new(timeline);
            let installs: Vec<usize> = timeline
                .iter()
                .enumerate()
                .filter(|(_, ev)| installs_deps(ev))
                .map(|(k, _)| k)
                .collect();
            for (i, e) in timeline.iter().enumerate() {
                let EventKind::Command { command, actions } = &e.kind else {
                    continue;
                };
                if !actions.iter().any(|a| matches!(a, Action::RunApp { what } if what.contains("manage.py") || what.contains("django"))) {
                    continue;
                }
                let before = timeline.get(..i).unwrap_or(&[]);
                let Some(installed) = walked.installed_before(i, ctx.index, context, overrides)
                else {
                    continue;
                };
                // The entry script and the settings module.
                let cwd = command
                    .cwd
                    .as_ref()
                    .map_or(e.workdir.clone(), |c| container_path(&e.workdir, c));
                let script = command
                    .args
                    .iter()
                    .chain(std::iter::once(&command.name))
                    .find(|w| w.text.ends_with("manage.py"))
                    .and_then(
                        |w| match coverage(before, &container_path(&cwd, &w.text), &[]) {
                            Coverage::Context(rel) => Some(context.path(&rel)),
                            _ => None,
                        },
                    );
                let settings = settings_module(ctx, e, command, script.as_deref());
                let mut imports = Imports::new(ctx.index, context, script.as_deref());
                let mut root = None;
                if let Some(s) = &script {
                    root = imports.enqueue(s, None, None);
                }
                if let Some((dotted, step)) = &settings
                    && let Some(file) = imports.first_party(dotted)
                {
                    let node = imports.enqueue(&file, root, step.clone());
                    let module = crate::model::django::settings::evaluate_module(ctx.index, &file);
                    let apps = module.list("INSTALLED_APPS").cloned().unwrap_or_default();
                    let admin = apps
                        .entries
                        .iter()
                        .any(|a| a.value.starts_with("django.contrib.admin"));
                    for app in &apps.entries {
                        let dotted = app
                            .value
                            .split(".apps.")
                            .next()
                            .unwrap_or(&app.value)
                            .to_string();
                        let step = crate::model::docker::imports::Step {
                            path: app.path.clone(),
                            span: app.span,
                            text: format!("INSTALLED_APPS: {}", app.value),
                        };
                        match imports.first_party(&dotted) {
                            Some(pkg) => {
                                let app_node = imports.enqueue(&pkg, node, Some(step.clone()));
                                for part in ["apps", "models", "admin"] {
                                    if part == "admin" && !admin {
                                        continue;
                                    }
                                    if let Some(f) =
                                        imports.first_party(&format!("{dotted}.{part}"))
                                    {
                                        // Under the app's own node, the INSTALLED_APPS step is already there.
                                        match app_node {
                                            Some(n) => imports.enqueue(&f, Some(n), None),
                                            None => imports.enqueue(&f, node, Some(step.clone())),
                                        };
                                    }
                                }
                            }
                            None => imports.record(&dotted, node, step),
                        }
                    }
                }
                // The first install after the command.
                let later = installs
                    .get(installs.partition_point(|&k| k <= i))
                    .and_then(|&k| timeline.get(k));
                for found in imports.run() {
                    if !declared.contains(&found.module) || installed.contains(&found.module) {
                        continue;
                    }
                    let what = match &e.kind {
                        EventKind::Command { actions, .. } => {
                            actions.iter().find_map(|a| match a {
                                Action::RunApp { what } => Some(what.clone()),
                                _ => None,
                            })
                        }
                        _ => None,
                    }
                    .unwrap_or_default();
                    let chain_text: Vec<String> = found
                        .chain
                        .iter()
                        .map(|s| s.path.to_string())
                        .collect::<Vec<_>>();
                    let mut d = Diagnostic::new(
                        &Self::META,
                        ctx.file.path.clone(),
                        format!("`{what}` imports `{}`, which is not installed at this point of the build", found.module),
                    )
                    .span(e.span)
                    .label(format!("imports {} during django.setup()", found.module))
                    .note(format!(
                        "the build fails with `ModuleNotFoundError: No module named '{}'`; import chain: {}",
                        found.module,
                        dedup(chain_text).join(" -> ")
                    ))
                    .help(format!(
                        "install the dependencies that provide `{}` before this RUN (copy the requirement files, `pip install -r ...`, then `COPY . .`)",
                        found.module
                    ));
                    if let Some(l) = later {
                        d = d.secondary(l.span, "installed here, too late");
                    }
                    for step in found.chain.iter().take(8) {
                        d = d.related(step.path.clone(), step.span, step.text.clone());
                    }
                    out.push(d);
                }
            }
        }
    }
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if out.last() != Some(&i) {
            out.push(i);
        }
    }
    out
}

/// Modules of every dependency the project declares in its build context.
fn declared_modules(
    index: &Index,
    context: &Context,
    overrides: &[(String, String)],
) -> BTreeSet<String> {
    let mut dists = Vec::new();
    for f in index.files_under(&context.dir) {
        match f.kind {
            crate::core::kind::FileKind::Requirements => {
                if let Some(r) = f.requirements() {
                    dists.extend(r.distributions.iter().map(|d| d.name.clone()));
                }
            }
            crate::core::kind::FileKind::PyProject => {
                dists.extend(pyproject_dependencies(index, f.path.as_str()))
            }
            _ => {}
        }
    }
    dists
        .iter()
        .flat_map(|d| requirements::import_names(d, overrides))
        .collect()
}

fn pyproject_dependencies(index: &Index, path: &str) -> Vec<String> {
    index
        .get(path)
        .and_then(|f| f.pyproject_dependencies())
        .into_iter()
        .flatten()
        .map(|d| d.name.clone())
        .collect()
}

/// The events of a timeline before a point, each folded in once as the point moves
/// forward: what they installed, unless that cannot be known.
struct Walked<'t> {
    timeline: &'t [Event],
    /// The events folded in: `timeline[..upto]`.
    upto: usize,
    /// Modules installed so far; `None` from the first event that makes them unknowable
    /// (an environment copied from another stage, an install that cannot be read).
    installed: Option<BTreeSet<String>>,
}

impl<'t> Walked<'t> {
    fn new(timeline: &'t [Event]) -> Self {
        Self {
            timeline,
            upto: 0,
            installed: Some(BTreeSet::new()),
        }
    }

    /// Modules installed by the events before `end` (which never moves back); `None`
    /// when that cannot be known.
    fn installed_before(
        &mut self,
        end: usize,
        index: &Index,
        context: &Context,
        overrides: &[(String, String)],
    ) -> Option<&BTreeSet<String>> {
        while self.upto < end {
            let before = self.timeline.get(..self.upto).unwrap_or(&[]);
            let Some(e) = self.timeline.get(self.upto) else {
                break;
            };
            if let Some(modules) = &mut self.installed {
                // An environment copied from another stage holds what it holds.
                let dists = if brings_environment(e) {
                    None
                } else {
                    installed_by(index, context, before, e)
                };
                match dists {
                    Some(dists) => modules.extend(
                        dists
                            .iter()
                            .flat_map(|d| requirements::import_names(d, overrides)),
                    ),
                    None => self.installed = None,
                }
            }
            self.upto += 1;
        }
        self.installed.as_ref()
    }
}

/// Distributions one event installs (`before`: the events before it); `None` when that
/// cannot be known.
fn installed_by(
    index: &Index,
    context: &Context,
    before: &[Event],
    e: &Event,
) -> Option<Vec<String>> {
    let mut dists: Vec<String> = Vec::new();
    let EventKind::Command { command, actions } = &e.kind else {
        return Some(dists);
    };
    for a in actions {
        match a {
            Action::Install(Install::Packages(specs)) => dists.extend(
                specs
                    .iter()
                    .filter_map(|s| requirements::dependency(s))
                    .map(|d| d.name),
            ),
            Action::Install(Install::Files(files)) => {
                for f in files {
                    if f.text.contains('$') {
                        return None;
                    }
                    let cwd = command
                        .cwd
                        .as_ref()
                        .map_or(e.workdir.clone(), |c| container_path(&e.workdir, c));
                    let Coverage::Context(rel) =
                        coverage(before, &container_path(&cwd, &f.text), &[])
                    else {
                        return None;
                    };
                    read_requirements(index, &context.path(&rel), &mut dists, 0)?;
                }
            }
            // What a local archive or wheel folder depends on is not in the tree.
            Action::Install(Install::Local) => return None,
            Action::Install(Install::Project) => {
                let pyproject = context.path("pyproject.toml");
                index.get(&pyproject)?;
                dists.extend(pyproject_dependencies(index, &pyproject));
            }
            _ => {}
        }
    }
    Some(dists)
}

fn read_requirements(index: &Index, path: &str, out: &mut Vec<String>, depth: usize) -> Option<()> {
    if depth > 8 {
        return Some(());
    }
    let parsed = index.get(path)?.requirements()?;
    out.extend(parsed.distributions.iter().map(|d| d.name.clone()));
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    for inc in &parsed.includes {
        let p = crate::core::path::normalize(&if dir.is_empty() {
            inc.clone()
        } else {
            format!("{dir}/{inc}")
        });
        read_requirements(index, &p, out, depth + 1)?;
    }
    Some(())
}

/// DJANGO_SETTINGS_MODULE for a command: `--settings`, its own assignment, the image's
/// environment (an `ENV` of its stage or the stages it is built from), or manage.py's
/// `os.environ.setdefault(...)`.
fn settings_module(
    ctx: &FileContext<'_>,
    e: &Event,
    command: &crate::syntax::shell::Command,
    script: Option<&str>,
) -> Option<(String, Option<crate::model::docker::imports::Step>)> {
    let words: Vec<&str> = command.args.iter().map(|w| w.text.as_str()).collect();
    for (k, w) in words.iter().enumerate() {
        if let Some(v) = w.strip_prefix("--settings=") {
            return Some((v.to_string(), None));
        }
        if *w == "--settings"
            && let Some(v) = words.get(k + 1)
        {
            return Some((v.to_string(), None));
        }
    }
    if let Some((_, v)) = command
        .assigns
        .iter()
        .find(|(k, _)| k == "DJANGO_SETTINGS_MODULE")
    {
        return Some((v.clone(), None));
    }
    // The image's environment at this command (this stage and the ones it is built
    // from), recorded by the model as the timeline was made.
    if let Some(v) = &e.django_settings {
        return Some((v.clone(), None));
    }
    let script = script?;
    let module = ctx.index.get(script)?.python()?;
    let mut found = None;
    crate::syntax::python::walk_stmts(&module.body, true, &mut |s| {
        if let PyStmt::Expr { value, span } = s
            && let PyValue::Call { func, args, .. } = &value.value
            && func.ends_with("environ.setdefault")
            && args.first().and_then(|a| a.as_str()) == Some("DJANGO_SETTINGS_MODULE")
            && let Some(v) = args.get(1).and_then(|a| a.as_str())
            && found.is_none()
        {
            found = Some((v.to_string(), *span));
        }
    });
    let (v, span): (String, Span) = found?;
    Some((
        v.clone(),
        Some(crate::model::docker::imports::Step {
            path: RelPath::new(script),
            span,
            text: format!("DJANGO_SETTINGS_MODULE = {v}"),
        }),
    ))
}
