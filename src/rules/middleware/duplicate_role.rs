use super::{LISTS, Roles, evidence, label_entry, short};
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, ProjectContext, Rule};
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Gives every middleware of an effective `MIDDLEWARE` list a role: from the role
    /// table (`rules/middleware.toml`, extended by `[[middleware.class]]`), or, for a
    /// project's own class, because it subclasses a known middleware (resolved through
    /// its imports) or does the job itself (for tenant resolution: it calls
    /// `connection.set_tenant`/`set_schema`/`set_schema_to_public` or assigns
    /// `request.tenant`; for sessions: it assigns `request.session`). A subclass that
    /// overrides `process_request`/`__call__` without calling the parent's and without
    /// doing the role's job there (e.g. one that only activates a language) does another
    /// job and does not inherit the role. Two different middlewares with one role are
    /// reported; the severity is the role's (an error for tenant resolution, CORS and
    /// sessions).
    ///
    /// In Rust web applications, two different layers of one role on the same routes
    /// (two CORS layers, including two differently configured `CorsLayer`s, two
    /// compression layers, `TraceLayer` and `Logger`), including across nested routers,
    /// by the `[[rust-layer]]` table.
    ///
    /// ## Why it breaks production
    /// In the HRMS incident, django-tenants' `TenantMainMiddleware` and the project's
    /// `TenantRoutingMiddleware` both switched the database schema on every request: when
    /// the first resolved tenant X and the second tenant Y, SQL ran in the wrong schema,
    /// a cross-tenant data leak. Two CORS middlewares send conflicting headers that
    /// browsers reject; two session middlewares overwrite each other's cookie.
    ///
    /// ## Example
    /// ```python
    /// MIDDLEWARE = [
    ///     "django_tenants.middleware.main.TenantMainMiddleware",
    ///     "apps.core.middleware.TenantRoutingMiddleware",  # calls connection.set_schema
    /// ]
    /// ```
    /// Use instead (one resolver; the project class reads `request.tenant`):
    /// ```python
    /// MIDDLEWARE = [
    ///     "django_tenants.middleware.main.TenantMainMiddleware",
    /// ]
    /// ```
    pub struct DuplicateRole {
        code: "GR402",
        slug: "middleware/duplicate-role",
        severity: Error,
        summary: "Two middlewares play the same role",
        kinds: [DjangoSettings, Python, Rust],
        needs: [DjangoSettings],
    }
}

impl Rule for DuplicateRole {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        if ctx.file.kind == crate::core::kind::FileKind::Rust {
            super::rust_layers::duplicate_role(ctx, &Self::META, out);
        }
    }

    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut roles = Roles::new(ctx);
        let table = &ctx.options().middleware;
        for module in ctx.project.django_settings() {
            for name in LISTS {
                let Some(list) = module.list(name) else {
                    continue;
                };
                let resolved: Vec<_> = list.entries.iter().map(|e| roles.of(e)).collect();
                // The earlier entries of each role, in runs of one class.
                let mut by_role: HashMap<&str, Vec<(&str, Vec<usize>)>> = HashMap::new();
                for (j, later) in list.entries.iter().enumerate() {
                    let Some(role) = resolved.get(j).and_then(Option::as_ref) else {
                        continue;
                    };
                    let runs = by_role.entry(role.role.as_str()).or_default();
                    let earlier = |from: usize| {
                        runs.iter()
                            .flat_map(|(_, run)| run.iter().copied())
                            .skip_while(move |&i| i < from)
                    };
                    // The first earlier entry of the same role, another class, both in
                    // effect (a run of the later's own class is skipped whole).
                    let first = runs
                        .iter()
                        .filter(|(value, _)| *value != later.value)
                        .flat_map(|(_, run)| run.iter().copied())
                        .find(|&i| list.entries.get(i).is_some_and(|e| e.compatible(later)));
                    // Report each pair once: only for the first later entry of the role.
                    let reported = first.filter(|&i| {
                        !earlier(i + 1)
                            .any(|k| list.entries.get(k).is_some_and(|e| e.compatible(later)))
                    });
                    match runs.last_mut() {
                        Some((value, run)) if *value == later.value => run.push(j),
                        _ => runs.push((later.value.as_str(), vec![j])),
                    }
                    let Some((i, first)) =
                        reported.and_then(|i| list.entries.get(i).map(|e| (i, e)))
                    else {
                        continue;
                    };
                    let Some(meta) = table.role(&role.role) else {
                        continue;
                    };
                    let mut note = meta.risk.clone();
                    let mut d = Diagnostic::new(
                        &Self::META,
                        later.path.clone(),
                        format!(
                            "two middlewares do {}: `{}` and `{}`",
                            meta.name,
                            short(&first.value),
                            short(&later.value)
                        ),
                    )
                    .severity(meta.severity)
                    .span(later.span)
                    .label(format!("second {}", meta.name));
                    d = label_entry(d, &later.path, first, format!("first {}", meta.name));
                    for (class, r) in [
                        (&first.value, resolved.get(i).cloned().flatten()),
                        (&later.value, Some(role.clone())),
                    ] {
                        let Some(r) = r else { continue };
                        if let Some((why, path, span)) = evidence(ctx.index, class, &r, &meta.name)
                        {
                            note.push_str(&format!("; {why}"));
                            d = d.related(
                                path,
                                span,
                                format!("why `{}` counts as {}", short(class), meta.name),
                            );
                        }
                    }
                    out.push(d.note(note).help(format!(
                        "keep one {}: remove `{}` from {name}, or make it use what `{}` already set up (e.g. read `request.tenant`) instead of doing the job again",
                        meta.name,
                        later.value,
                        short(&first.value)
                    )));
                }
            }
        }
    }
}
