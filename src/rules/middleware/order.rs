use super::{LISTS, Roles, label_entry, short};
use crate::core::severity::Severity;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::model::django::middleware::{ResolvedRole, RoleSource, violation};

declare_rule! {
    /// ## What it does
    /// Checks the effective `MIDDLEWARE` of every settings module against the ordering
    /// constraints of the role table (`rules/middleware.toml`, extended by
    /// `[[middleware.order]]`), taken from the libraries' documentation: tenant
    /// resolution first (django-tenants, django-tenant-schemas; the message names the one
    /// in use), except for the cache middleware and response-only middlewares (GZip,
    /// ConditionalGet) that Django documents above it; SessionMiddleware before
    /// AuthenticationMiddleware and MessageMiddleware, and before LocaleMiddleware on
    /// Django before 4.0 (read from the requirement pins; unknown counts as older);
    /// LocaleMiddleware before CommonMiddleware; CorsMiddleware before anything that can
    /// answer a request; SecurityMiddleware near the top, WhiteNoise right after it;
    /// UpdateCacheMiddleware first and FetchFromCacheMiddleware last. Project classes
    /// take the role of the class they subclass or re-implement. Lists that cannot be
    /// fully evaluated are not judged.
    ///
    /// Only a constraint whose failure is certain is an error
    /// (AuthenticationMiddleware before SessionMiddleware, between the documented classes
    /// or subclasses that keep their job); the others are warnings.
    ///
    /// ## Why it breaks production
    /// Middleware runs in list order. AuthenticationMiddleware before SessionMiddleware
    /// fails every request (`ImproperlyConfigured: The Django authentication middleware
    /// requires session middleware to be installed`); a tenant resolver after a
    /// middleware that queries the database runs those queries in the public schema;
    /// CommonMiddleware before CorsMiddleware answers redirects without CORS headers,
    /// which browsers block.
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
        kinds: [DjangoSettings, Python, Requirements, PyProject],
        needs: [DjangoSettings],
    }
}

impl Rule for Order {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut roles = Roles::new(ctx);
        let table = &ctx.options().middleware;
        let django = crate::model::django::version::django_major(ctx.index).map(|(major, _)| major);
        for module in ctx.project.django_settings() {
            for name in LISTS {
                let Some(list) = module.list(name) else {
                    continue;
                };
                if list.partial {
                    continue;
                }
                let resolved: Vec<Option<ResolvedRole>> =
                    list.entries.iter().map(|e| roles.of(e)).collect();
                let role_refs: Vec<Option<&str>> = resolved
                    .iter()
                    .map(|r| r.as_ref().map(|r| r.role.as_str()))
                    .collect();
                let compatible =
                    |i: usize, j: usize| match (list.entries.get(i), list.entries.get(j)) {
                        (Some(a), Some(b)) => a.compatible(b),
                        _ => false,
                    };
                for rule in &table.order {
                    if let (Some(until), Some(major)) = (rule.until_django, django)
                        && major >= until
                    {
                        continue;
                    }
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
                    // An error only when both classes are the documented ones (or
                    // subclasses that keep their job): then the failure is certain.
                    let documented = |i: usize| {
                        resolved
                            .get(i)
                            .cloned()
                            .flatten()
                            .is_some_and(|r| !matches!(r.source, RoleSource::Evidence { .. }))
                    };
                    let severity = if documented(v.early) && documented(v.late) {
                        rule.severity
                    } else {
                        rule.severity.min(Severity::Warning)
                    };
                    // The library the constrained class comes from (django-tenants or
                    // django-tenant-schemas), directly or through the class it subclasses.
                    let subject = if rule.last.is_some() { v.early } else { v.late };
                    let library = resolved
                        .get(subject)
                        .cloned()
                        .flatten()
                        .and_then(|r| match r.source {
                            RoleSource::Subclass { base, .. } => {
                                table.library_of(&base).map(str::to_string)
                            }
                            _ => None,
                        })
                        .or_else(|| {
                            list.entries
                                .get(subject)
                                .and_then(|e| table.library_of(&e.value))
                                .map(str::to_string)
                        })
                        .unwrap_or_else(|| "django-tenants and django-tenant-schemas".into());
                    let reason = rule.reason.replace("{library}", &library);
                    let d = Diagnostic::new(&Self::META, primary.path.clone(), message)
                        .severity(severity)
                        .span(primary.span)
                        .label("out of order")
                        .note(format!("{reason} (`{}`)", rule.id))
                        .help(format!("reorder {name}: {}", fixed.join(", ")));
                    out.push(label_entry(d, &primary.path, other, other_label));
                }
            }
        }
    }
}
