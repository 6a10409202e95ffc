use super::Roles;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};

declare_rule! {
    /// ## What it does
    /// Django's admin checks admin.E408, E409 and E410, made static: a settings module
    /// whose effective `INSTALLED_APPS` contains `django.contrib.admin` and whose
    /// effective `MIDDLEWARE` (fully evaluated) has no AuthenticationMiddleware,
    /// MessageMiddleware or SessionMiddleware (or a project subclass of one).
    ///
    /// ## Why it breaks production
    /// Django's system checks refuse to start: `SystemCheckError: (admin.E408)
    /// 'django.contrib.auth.middleware.AuthenticationMiddleware' must be in MIDDLEWARE in
    /// order to use the admin application`. `migrate` and `runserver` stop with it, so the
    /// deploy fails at its first management command.
    ///
    /// ## Example
    /// ```python
    /// INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth"]
    /// MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
    /// ```
    /// Use instead:
    /// ```python
    /// INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth"]
    /// MIDDLEWARE = [
    ///     "django.contrib.sessions.middleware.SessionMiddleware",
    ///     "django.middleware.common.CommonMiddleware",
    ///     "django.contrib.auth.middleware.AuthenticationMiddleware",
    ///     "django.contrib.messages.middleware.MessageMiddleware",
    /// ]
    /// ```
    pub struct MissingRequired {
        code: "GR404",
        slug: "middleware/missing-required",
        severity: Error,
        summary: "The admin is installed without the middleware it requires",
        kinds: [DjangoSettings, Python],
        needs: [DjangoSettings],
    }
}

const REQUIRED: &[(&str, &str, &str)] = &[
    (
        "authentication",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "admin.E408",
    ),
    (
        "messages",
        "django.contrib.messages.middleware.MessageMiddleware",
        "admin.E409",
    ),
    (
        "session",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "admin.E410",
    ),
];

impl Rule for MissingRequired {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut roles = Roles::new(ctx);
        for module in ctx.project.django_settings() {
            let (Some(apps), Some(mw)) = (module.list("INSTALLED_APPS"), module.list("MIDDLEWARE"))
            else {
                continue;
            };
            if mw.partial {
                continue;
            }
            let Some(admin) = apps.entries.iter().find(|e| {
                e.value == "django.contrib.admin"
                    || e.value.starts_with("django.contrib.admin.apps.")
            }) else {
                continue;
            };
            let present: Vec<String> = mw
                .entries
                .iter()
                .filter_map(|e| roles.of(e).map(|r| r.role))
                .collect();
            for (role, class, check) in REQUIRED {
                if present.iter().any(|r| r == role) {
                    continue;
                }
                let mut d = Diagnostic::new(
                    &Self::META,
                    admin.path.clone(),
                    format!("`django.contrib.admin` is installed but MIDDLEWARE has no `{class}` ({check})"),
                )
                .span(admin.span)
                .label("admin installed here")
                .note(format!(
                    "Django's system checks stop `migrate` and `runserver`: `SystemCheckError: ({check}) '{class}' must be in MIDDLEWARE in order to use the admin application`"
                ))
                .help(format!("add `\"{class}\"` to MIDDLEWARE (after SessionMiddleware for the others)"));
                if let Some((path, span)) = &mw.assigned {
                    d = if path == &admin.path {
                        d.secondary(*span, "MIDDLEWARE set here")
                    } else {
                        d.related(path.clone(), *span, "MIDDLEWARE set here")
                    };
                }
                out.push(d);
            }
        }
    }
}
