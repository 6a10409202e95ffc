use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a settings module whose effective settings set `MIDDLEWARE_CLASSES`: together
    /// with `MIDDLEWARE` always, and alone when the project's Django is 2.0 or later (the
    /// version is read from `requirements*.txt` and `pyproject.toml` pins; unknown means
    /// not judged).
    ///
    /// ## Why it breaks production
    /// Django 1.10 replaced `MIDDLEWARE_CLASSES` with `MIDDLEWARE` and Django 2.0 dropped
    /// the old setting: it is silently ignored. A project upgraded without renaming it
    /// runs with no middleware at all (no sessions, no CSRF protection, no
    /// authentication, no security headers), and with both set, whatever is only in the
    /// old list is silently off.
    ///
    /// ## Example
    /// ```python
    /// MIDDLEWARE_CLASSES = [
    ///     "django.middleware.security.SecurityMiddleware",
    ///     "django.contrib.sessions.middleware.SessionMiddleware",
    /// ]
    /// ```
    /// Use instead:
    /// ```python
    /// MIDDLEWARE = [
    ///     "django.middleware.security.SecurityMiddleware",
    ///     "django.contrib.sessions.middleware.SessionMiddleware",
    /// ]
    /// ```
    pub struct LegacySetting {
        code: "GR405",
        slug: "middleware/legacy-setting",
        severity: Error,
        summary: "MIDDLEWARE_CLASSES is set, which Django ignores",
        kinds: [DjangoSettings, Python, Requirements, PyProject],
        needs: [DjangoSettings],
    }
}

impl Rule for LegacySetting {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let version = crate::model::django::version::django_major(ctx.index);
        for module in ctx.project.django_settings() {
            let Some(legacy) = module.list("MIDDLEWARE_CLASSES") else {
                continue;
            };
            let Some((path, span)) = legacy.assigned.clone() else {
                continue;
            };
            let modern = module.list("MIDDLEWARE");
            let d = match (modern, version.as_ref()) {
                (Some(_), _) => Diagnostic::new(
                    &Self::META,
                    path.clone(),
                    "both MIDDLEWARE and MIDDLEWARE_CLASSES are set: Django uses MIDDLEWARE and ignores MIDDLEWARE_CLASSES",
                )
                .note("anything listed only in MIDDLEWARE_CLASSES is silently not running")
                .help("move what is still needed into MIDDLEWARE and delete MIDDLEWARE_CLASSES"),
                (None, Some((major, source))) if *major >= 2 => Diagnostic::new(
                    &Self::META,
                    path.clone(),
                    format!("MIDDLEWARE_CLASSES is set but Django {major} ({source}) ignores it: no middleware runs"),
                )
                .note("without MIDDLEWARE Django runs no middleware: no sessions, no CSRF protection, no authentication, no security headers")
                .help("rename MIDDLEWARE_CLASSES to MIDDLEWARE (new-style middleware: check that each class supports it)"),
                _ => continue,
            };
            out.push(d.span(span).label("MIDDLEWARE_CLASSES"));
        }
    }
}
