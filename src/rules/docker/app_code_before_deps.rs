use super::analyse;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::docker::stages::{base_has_deps, brings_environment, installs_deps, runs_app};

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
        for (si, timeline) in analysis.timelines.iter().enumerate() {
            if base_has_deps(analysis.df, si, &ctx.options().docker_base_images) {
                continue;
            }
            let Some(r) = timeline.iter().position(|e| runs_app(e).is_some()) else {
                continue;
            };
            let before = timeline.get(..r).unwrap_or(&[]);
            if before
                .iter()
                .any(|e| installs_deps(e) || brings_environment(e))
            {
                continue;
            }
            let Some(install) = timeline.iter().skip(r + 1).find(|e| installs_deps(e)) else {
                continue;
            };
            let (Some(run), Some(what)) = (timeline.get(r), timeline.get(r).and_then(runs_app))
            else {
                continue;
            };
            out.push(
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
            );
        }
    }
}
