use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::compose::{NO_IMAGE_HEALTHCHECK, dependencies, dockerfile_healthcheck, services};

declare_rule! {
    /// ## What it does
    /// Reports `condition: service_healthy` on a service that has no health check: none
    /// in the Compose file (or `disable: true`), and none in its image, as far as
    /// guardrail can know: a Dockerfile of the repository without `HEALTHCHECK`, or an
    /// official image that defines none (postgres, mysql, redis, rabbitmq, ...). Images
    /// it knows nothing about are not judged.
    ///
    /// ## Why it breaks production
    /// `docker compose up` refuses to start the dependent service: `dependency failed to
    /// start: container app-db-1 has no healthcheck configured`. The stack never comes
    /// up, in CI and on the server alike.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    ///   backend:
    ///     depends_on:
    ///       db:
    ///         condition: service_healthy
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    ///     healthcheck:
    ///       test: ["CMD-SHELL", "pg_isready -U $$POSTGRES_USER"]
    ///       interval: 5s
    ///   backend:
    ///     depends_on:
    ///       db:
    ///         condition: service_healthy
    /// ```
    pub struct HealthyConditionWithoutHealthcheck {
        code: "GR503",
        slug: "compose/healthy-condition-without-healthcheck",
        severity: Error,
        summary: "condition: service_healthy on a service without a health check",
        kinds: [Compose],
    }
}

impl Rule for HealthyConditionWithoutHealthcheck {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(doc) = ctx.file.yaml().and_then(|y| y.documents.first()) else {
            return;
        };
        let all = services(doc);
        for dep in dependencies(&all) {
            let (from, to) = (dep.from, dep.to);
            if dep.condition.as_deref() != Some("service_healthy")
                || to.compose_healthcheck() == Some(true)
            {
                continue;
            }
            let image_has_none = match dockerfile_healthcheck(ctx.index, &ctx.file.path, to) {
                Some(has) => !has,
                None => {
                    to.node.get("build").is_none()
                        && to
                            .image_name()
                            .is_some_and(|n| NO_IMAGE_HEALTHCHECK.contains(&n.as_str()))
                }
            };
            if !image_has_none && to.compose_healthcheck() != Some(false) {
                continue;
            }
            let name = &to.name;
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.file.path.clone(),
                    format!("`{}` waits for `{name}` to be healthy, but `{name}` has no health check", from.name),
                )
                .span(dep.span)
                .label("condition: service_healthy")
                .secondary(to.name_span, "no healthcheck here or in its image")
                .note(format!(
                    "`docker compose up` stops: `dependency failed to start: container for service \"{name}\" has no healthcheck configured`"
                ))
                .help(format!("give `{name}` a `healthcheck:` (e.g. `pg_isready`, `redis-cli ping`), or wait with `condition: service_started`")),
            );
        }
    }
}
