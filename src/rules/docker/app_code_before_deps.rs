use super::analyse;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::docker::build::{
    Coverage, Event, EventKind, container_path, coverage, may_create_files,
};
use crate::model::docker::stages::{
    base_has_deps, base_is_known_empty, brings_environment, installs_deps, root_base, runs_app,
};
use crate::syntax::dockerfile::Dockerfile;

declare_rule! {
    /// ## What it does
    /// Follows each build stage of a Dockerfile (with the stages it is built `FROM`),
    /// command by command, RUN commands split as shell: a command that executes the
    /// application's code (`python manage.py ...`, `django-admin`, `python -m <module of
    /// the context>`, `python -c "import <module of the context>"`, a script of the
    /// context, `flask`, `odoo-bin`, `celery`) that runs before the command installing
    /// the application's dependencies (`pip install -r`, `pip install .`, `poetry
    /// install`, `uv sync`, ...) is reported, unless an environment was copied in from
    /// another stage first (a venv, site-packages, `~/.local`), or the stage's base image
    /// is configured as holding the dependencies (`[docker] base-images-with-deps`).
    ///
    /// On a stage whose lineage starts from an official empty image (`python:3.12-slim`)
    /// it also reports what cannot run at all: a Django command when no step of the stage
    /// installs anything or copies an environment in (and no script or `make` target
    /// might have), and `python manage.py` when no earlier COPY put `manage.py` in the
    /// working directory.
    ///
    /// ## Why it breaks production
    /// The HRMS image build ran `collectstatic` before `pip install`: `django.setup()`
    /// imported every app, one imported `pytz`, and the build failed with
    /// `ModuleNotFoundError: No module named 'pytz'`. With a base image that happens to
    /// carry some packages, it fails later, on the first one it lacks, on the day a
    /// dependency is added.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY . .
    /// RUN SECRET_KEY=dummy python manage.py collectstatic --noinput
    /// RUN pip install -r requirements/production.txt
    /// ```
    /// Use instead:
    /// ```dockerfile
    /// COPY requirements/ requirements/
    /// RUN pip install -r requirements/production.txt
    /// COPY . .
    /// RUN SECRET_KEY=dummy python manage.py collectstatic --noinput
    /// ```
    pub struct AppCodeBeforeDeps {
        code: "GR301",
        slug: "docker/app-code-before-deps",
        severity: Error,
        summary: "A build step runs the application before its dependencies are installed",
        kinds: [Dockerfile],
        needs: [Docker],
    }
}

impl Rule for AppCodeBeforeDeps {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(analysis) = analyse(ctx) else { return };
        let configured = &ctx.options().docker_base_images;
        for (si, timeline) in analysis.timelines.iter().enumerate() {
            if base_has_deps(analysis.df, si, configured) {
                continue;
            }
            let Some(r) = timeline.iter().position(|e| runs_app(e).is_some()) else {
                continue;
            };
            let (Some(run), Some(what)) = (timeline.get(r), timeline.get(r).and_then(runs_app))
            else {
                continue;
            };
            let before = timeline.get(..r).unwrap_or(&[]);
            // Only an official empty base is known not to hold the code or the packages.
            let empty_base = base_is_known_empty(analysis.df, si, configured);
            if empty_base && let Some(script) = missing_manage_py(analysis.df, before, run) {
                out.push(self.missing_script(ctx, run, what, &script));
                continue;
            }
            if before
                .iter()
                .any(|e| installs_deps(e) || brings_environment(e))
            {
                continue;
            }
            match timeline.iter().skip(r + 1).find(|e| installs_deps(e)) {
                Some(install) => out.push(
                    Diagnostic::new(
                        &Self::META,
                        ctx.file.path.clone(),
                        format!("`{what}` runs the application before its dependencies are installed"),
                    )
                    .span(run.span)
                    .label("imports the application here")
                    .secondary(install.span, "dependencies installed here, too late")
                    .note(
                        "the build fails with `ModuleNotFoundError` on the first dependency the application imports \
                         at load time (the HRMS build: `No module named 'pytz'`)",
                    )
                    .help(
                        "install first, then copy the code: `COPY requirements/ requirements/`, `RUN pip install -r ...`, \
                         `COPY . .`, then run the application",
                    ),
                ),
                None if empty_base && is_django(what) && nothing_unknown(before) => {
                    out.push(self.nothing_installed(ctx, analysis.df, si, run, what));
                }
                None => {}
            }
        }
    }
}

impl AppCodeBeforeDeps {
    fn missing_script(
        &self,
        ctx: &FileContext<'_>,
        run: &Event,
        what: &str,
        script: &str,
    ) -> Diagnostic {
        Diagnostic::new(
            &Self::META,
            ctx.file.path.clone(),
            format!("`{what}` runs `{script}`, which is not in the image at this point"),
        )
        .span(run.span)
        .label("no earlier COPY brings this file to the working directory")
        .note(format!(
            "the build stops: `python: can't open file '{script}': [Errno 2] No such file or directory`"
        ))
        .help("COPY the project so that manage.py lands in the WORKDIR (or `cd` to its folder) before this RUN")
    }

    fn nothing_installed(
        &self,
        ctx: &FileContext<'_>,
        df: &Dockerfile,
        stage: usize,
        run: &Event,
        what: &str,
    ) -> Diagnostic {
        let base = root_base(df, stage).unwrap_or("the base image");
        Diagnostic::new(
            &Self::META,
            ctx.file.path.clone(),
            format!("`{what}` runs the application, but nothing in this stage installs its dependencies"),
        )
        .span(run.span)
        .label("imports Django here")
        .note(format!(
            "the build fails with `ModuleNotFoundError: No module named 'django'`: `{base}` holds no \
             third-party package, and no earlier step of this stage (or of the stages it is built FROM) \
             installs any or copies an environment in"
        ))
        .help(
            "install the dependencies in this stage (`RUN pip install -r requirements.txt`), or COPY the \
             virtualenv from the stage that built it (`COPY --from=builder /opt/venv /opt/venv`)",
        )
    }
}

/// Whether the command runs Django (`manage.py`, `django-admin`, `python -m django`).
fn is_django(what: &str) -> bool {
    what.contains("manage.py") || what.contains("django")
}

/// Whether every earlier command is known: none is a script, a `make` target or another
/// program that may have installed packages the model cannot see.
fn nothing_unknown(before: &[Event]) -> bool {
    before.iter().all(|e| match &e.kind {
        EventKind::Command { command, actions } => actions.is_empty() && !may_create_files(command),
        _ => true,
    })
}

/// The container path of the `manage.py` a RUN executes, when no earlier step put it
/// there (the working directory, or the `cd` before it, holds no such file).
fn missing_manage_py(df: &Dockerfile, before: &[Event], run: &Event) -> Option<String> {
    let EventKind::Command { command, .. } = &run.kind else {
        return None;
    };
    let script = std::iter::once(&command.name)
        .chain(&command.args)
        .map(|w| w.text.as_str())
        .find(|t| t.rsplit('/').next() == Some("manage.py"))?;
    if script.contains('$') {
        return None;
    }
    let dir = match &command.cwd {
        Some(cwd) => container_path(&run.workdir, cwd),
        None => run.workdir.clone(),
    };
    let target = container_path(&dir, script);
    let mounts = df
        .instructions
        .get(run.instruction)
        .map(|i| i.bind_mounts())
        .unwrap_or_default();
    (coverage(before, &target, &mounts) == Coverage::NotCopied).then_some(target)
}
