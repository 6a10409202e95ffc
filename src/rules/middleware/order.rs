use super::{LISTS, Roles, label_entry, short};
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::model::django::middleware::violation;

declare_rule! {
    /// ## What it does
    /// Checks the effective `MIDDLEWARE` of every settings module against the ordering
    /// constraints of the role table (`rules/middleware.toml`, extended by
    /// `[[middleware.order]]`), taken from the libraries' documentation: tenant
    /// resolution first (django-tenants), SessionMiddleware before AuthenticationMiddleware
    /// (error) and before MessageMiddleware and LocaleMiddleware, LocaleMiddleware before
    /// CommonMiddleware, CorsMiddleware before anything that can answer a request,
    /// SecurityMiddleware near the top, WhiteNoise right after it, the cache middlewares
    /// first and last. Project classes take the role of the class they subclass or
    /// re-implement. Lists that cannot be fully evaluated are not judged.
    ///
    /// ## Why it breaks production
    /// Middleware runs in list order. AuthenticationMiddleware before SessionMiddleware
    /// fails every request (`'WSGIRequest' object has no attribute 'session'`); a tenant
    /// resolver after a middleware that queries the database runs those queries in the
    /// public schema; CommonMiddleware before CorsMiddleware answers redirects without
    /// CORS headers, which browsers block.
    ///
    /// ## Example
    /// ```python
    /// MIDDLEWARE = [
    ///     "django.contrib.auth.middleware.AuthenticationMiddleware",
    ///     "django.contrib.sessions.middleware.SessionMiddleware",
    /// ]
    /// ```
    /// Use instead:
    /// ```python
    /// MIDDLEWARE = [
    ///     "django.contrib.sessions.middleware.SessionMiddleware",
    ///     "django.contrib.auth.middleware.AuthenticationMiddleware",
    /// ]
    /// ```
    pub struct Order {
        code: "GR403",
        slug: "middleware/order",
        severity: Warning,
        summary: "Middleware in an order its documentation forbids",
        kinds: [DjangoSettings, Python],
        needs: [DjangoSettings],
    }
}

impl Rule for Order {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut roles = Roles::new(ctx);
        for module in ctx.project.django_settings() {
            for name in LISTS {
                let Some(list) = module.list(name) else {
                    continue;
                };
                if list.partial {
                    continue;
                }
                let resolved: Vec<Option<String>> = list
                    .entries
                    .iter()
                    .map(|e| roles.of(e).map(|r| r.role))
                    .collect();
                let role_refs: Vec<Option<&str>> = resolved.iter().map(|r| r.as_deref()).collect();
                let compatible =
                    |i: usize, j: usize| match (list.entries.get(i), list.entries.get(j)) {
                        (Some(a), Some(b)) => a.compatible(b),
                        _ => false,
                    };
                for rule in &ctx.options().middleware.order {
                    let Some(v) = violation(rule, &role_refs, &compatible) else {
                        continue;
                    };
                    let (Some(early), Some(late)) =
                        (list.entries.get(v.early), list.entries.get(v.late))
                    else {
                        continue;
                    };
                    // The corrected order: the late entry moved just before the early one.
                    let mut fixed: Vec<&str> =
                        list.entries.iter().map(|e| short(&e.value)).collect();
                    let moved = fixed.remove(v.late);
                    fixed.insert(v.early, moved);
                    let message = if rule.first.is_some() {
                        format!(
                            "`{}` must be the first middleware, but `{}` comes before it",
                            short(&late.value),
                            short(&early.value)
                        )
                    } else if rule.last.is_some() {
                        format!(
                            "`{}` must be the last middleware, but `{}` comes after it",
                            short(&early.value),
                            short(&late.value)
                        )
                    } else {
                        format!(
                            "`{}` must come before `{}`",
                            short(&late.value),
                            short(&early.value)
                        )
                    };
                    let (primary, other, other_label) = if rule.last.is_some() {
                        (early, late, "comes after it")
                    } else {
                        (late, early, "comes first here")
                    };
                    let d = Diagnostic::new(&Self::META, primary.path.clone(), message)
                        .severity(rule.severity)
                        .span(primary.span)
                        .label("out of order")
                        .note(format!("{} (`{}`)", rule.reason, rule.id))
                        .help(format!("reorder {name}: {}", fixed.join(", ")));
                    out.push(label_entry(d, &primary.path, other, other_label));
                }
            }
        }
    }
}
