use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::compose::services;

declare_rule! {
    /// ## What it does
    /// Reports a database superuser's credentials (`POSTGRES_PASSWORD`,
    /// `MYSQL_ROOT_PASSWORD`, `MARIADB_ROOT_PASSWORD`, `MONGO_INITDB_ROOT_PASSWORD`) in the
    /// environment of a service that is not the database itself: a web app, a worker, a
    /// scheduler. The database service itself is recognised by its image's repository
    /// name (`postgres`, `postgis/postgis`, `pgvector/pgvector`,
    /// `pgautoupgrade/pgautoupgrade`, `bitnami/postgresql`, `timescale/timescaledb`,
    /// `mysql`, `mariadb`, `mongo`...), by a `build:` whose in-repo Dockerfile starts
    /// from such an image (`FROM postgres:${PG_VERSION}` included), or by a command that
    /// starts the server (`postgres -c ...`).
    ///
    /// ## Why it breaks production
    /// These variables configure the database's own superuser. Handing them to an
    /// application service means the application connects as the superuser: any SQL
    /// injection or leaked worker environment owns every database on the server, and
    /// the "temporary" shortcut (incident 4's worker) is never taken back.
    ///
    /// ## Example
    /// ```yaml
    /// worker:
    ///   environment:
    ///     POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
    /// ```
    /// Use instead (an application role with only the rights it needs):
    /// ```yaml
    /// worker:
    ///   environment:
    ///     DATABASE_URL: ${WORKER_DATABASE_URL}
    /// ```
    pub struct AdminCredentialsInWorker {
        code: "GR505",
        slug: "compose/admin-credentials-in-worker",
        severity: Warning,
        summary: "A database superuser's credentials given to an application service",
        kinds: [Compose],
    }
}

const ADMIN_VARS: &[&str] = &[
    "POSTGRES_PASSWORD",
    "MYSQL_ROOT_PASSWORD",
    "MARIADB_ROOT_PASSWORD",
    "MONGO_INITDB_ROOT_PASSWORD",
];

impl Rule for AdminCredentialsInWorker {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(doc) = ctx.file.yaml().and_then(|y| y.documents.first()) else {
            return;
        };
        let mut found: Vec<(crate::core::source::Span, String, Vec<String>)> = Vec::new();
        for s in services(doc) {
            // An override fragment (no image, no build) is defined elsewhere: unknown.
            if s.node.get("image").is_none() && s.node.get("build").is_none() {
                continue;
            }
            if s.is_database(ctx.index, &ctx.file.path) {
                continue;
            }
            for (key, _, key_span, _) in s.environment() {
                if !ADMIN_VARS.contains(&key.as_str()) {
                    continue;
                }
                match found.iter_mut().find(|(span, ..)| *span == key_span) {
                    Some((.., names)) => names.push(s.name.clone()),
                    None => found.push((key_span, key, vec![s.name.clone()])),
                }
            }
        }
        for (span, key, names) in found {
            let who = if names.len() == 1 {
                format!(
                    "service `{}` gets",
                    names.first().map_or("", String::as_str)
                )
            } else {
                format!(
                    "services {} get",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out.push(
                Diagnostic::new(&Self::META, ctx.file.path.clone(), format!("{who} the database superuser's `{key}`"))
                    .span(span)
                    .label("superuser credential")
                    .note("the service connects as the superuser: a SQL injection or a leaked environment owns every database")
                    .help("create an application role with only the rights it needs, and give the service that role's credentials"),
            );
        }
    }
}
