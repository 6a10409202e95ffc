use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::compose::{dependencies, dockerfile_healthcheck, is_datastore, services};

declare_rule! {
    /// ## What it does
    /// Reports a `depends_on` entry on a database or broker service (postgres, mysql,
    /// redis, rabbitmq, ...) that has a health check, without `condition:
    /// service_healthy`.
    ///
    /// ## Why it breaks production
    /// Plain `depends_on` waits for the container to start, not for the database to
    /// accept connections. The application (and its start-up `migrate`) races the
    /// database and crashes with `could not connect to server: Connection refused` on
    /// cold starts, the day a host reboots or a volume is slow.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   backend:
    ///     depends_on: [db]
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   backend:
    ///     depends_on:
    ///       db:
    ///         condition: service_healthy
    /// ```
    pub struct DependsOnWithoutHealthCondition {
        code: "GR502",
        slug: "compose/depends-on-without-health-condition",
        severity: Warning,
        summary: "depends_on a database with a health check, without waiting for it to be healthy",
        kinds: [Compose],
    }
}

impl Rule for DependsOnWithoutHealthCondition {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(doc) = ctx.file.yaml().and_then(|y| y.documents.first()) else {
            return;
        };
        let all = services(doc);
        for dep in dependencies(&all) {
            let (from, to) = (dep.from, dep.to);
            if dep.condition.as_deref() == Some("service_healthy") {
                continue;
            }
            let datastore = to.image_name().is_some_and(|n| is_datastore(&n));
            let healthy = to.compose_healthcheck() == Some(true)
                || dockerfile_healthcheck(ctx.index, &ctx.file.path, to) == Some(true);
            if !datastore || !healthy {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.file.path.clone(),
                    format!("`{}` depends on `{}` but does not wait for it to be healthy", from.name, to.name),
                )
                .span(dep.span)
                .label("waits for the container to start only")
                .secondary(to.name_span, "has a health check")
                .note("the application races the database at start-up and crashes with `Connection refused` on cold starts")
                .help(format!("depends_on:\n  {}:\n    condition: service_healthy", to.name)),
            );
        }
    }
}
