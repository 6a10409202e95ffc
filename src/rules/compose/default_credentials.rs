use crate::core::severity::Severity;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::compose::{Deployment, deployment, services};

declare_rule! {
    /// ## What it does
    /// Reports database and broker credentials in a Compose file's `environment` that
    /// ship a default: a well-known default value (`postgres`, `password`, `changeme`,
    /// `guest`, ...), or a `${VAR:-default}` / `${VAR-default}` fallback with a
    /// non-empty default. Variables: `POSTGRES_PASSWORD`, `MYSQL_ROOT_PASSWORD`,
    /// `MYSQL_PASSWORD`, `MARIADB_ROOT_PASSWORD`, `MARIADB_PASSWORD`,
    /// `RABBITMQ_DEFAULT_PASS`, `MONGO_INITDB_ROOT_PASSWORD`, `REDIS_PASSWORD`,
    /// `PGPASSWORD`, `DB_PASSWORD`, `DATABASE_PASSWORD`.
    ///
    /// The severity follows the file's context, read from evidence: an error in a file
    /// established as production (its name, e.g. `docker-compose.prod.yml`, a `prod`
    /// folder, or a header comment saying production) or with no development evidence
    /// at all; a warning, whose note names the evidence, in a development, test or
    /// example stack: folders such as `tests`, `e2e`, `ci`, `dev`, `.devcontainer`,
    /// `examples`, `demo`, `federation`, `*-tests`; file names with `override`, `dev`,
    /// `local`, `test`, `ci`, `example`; a header comment declaring development, a local
    /// environment, evaluation or "not for production"; a service running a development
    /// server (`runserver`, `flask run`, `npm run dev`, `--reload`), bind-mounting the
    /// source over the code (`.:/app`), setting `DEBUG=1` or a debug log level
    /// (`RUST_LOG=debug`), running a pre-release image (`:nightly`, `:dev`, `:edge`), or
    /// building `Dockerfile.dev`.
    ///
    /// ## Why it breaks production
    /// A fallback runs whenever the variable is missing: a deploy that forgot it starts
    /// with the password written in the repository (incident 4:
    /// `POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-secure_password_change_me}`), silently,
    /// and everyone who can read the repository can log in to the database. In a test
    /// stack or a development override the same default is usually harmless, which is
    /// why it is only a warning there.
    ///
    /// ## Example
    /// ```yaml
    /// # docker-compose.prod.yml
    /// environment:
    ///   POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-secure_password_change_me}
    /// ```
    /// Use instead (fail fast when it is missing):
    /// ```yaml
    /// environment:
    ///   POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}
    /// ```
    pub struct DefaultCredentials {
        code: "GR504",
        slug: "compose/default-credentials",
        severity: Error,
        summary: "A database or broker password with a default value",
        kinds: [Compose],
    }
}

impl Rule for DefaultCredentials {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(doc) = ctx.file.yaml().and_then(|y| y.documents.first()) else {
            return;
        };
        let Some(source) = ctx.file.source() else {
            return;
        };
        let context = deployment(&ctx.file.path, doc, &source.text);
        let credentials = &ctx.options().compose_credentials;
        // One finding per line: an anchor merged into several services is one mistake.
        let mut found: Vec<(crate::core::source::Span, String, String, Vec<String>)> = Vec::new();
        for s in services(doc) {
            for (key, value, _, value_span) in s.environment() {
                if !credentials.is_password_variable(&key) {
                    continue;
                }
                let Some(default) = value
                    .as_deref()
                    .and_then(|v| credentials.shipped_default(v))
                else {
                    continue;
                };
                match found.iter_mut().find(|(span, ..)| *span == value_span) {
                    Some((.., names)) => names.push(s.name.clone()),
                    None => found.push((value_span, key, default, vec![s.name.clone()])),
                }
            }
        }
        for (span, key, default, names) in found {
            let who = if names.len() == 1 {
                format!("service `{}`", names.first().map_or("", String::as_str))
            } else {
                format!(
                    "services {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let risk = "whenever the variable is not set, the service runs with a password everyone who can read the repository knows";
            let (note, severity) = match &context {
                Deployment::Production(why) => {
                    (format!("{why} marks this file as production: {risk}"), None)
                }
                Deployment::Unknown => (
                    format!(
                        "no development evidence (folder, file name, header comment, development server, source mount, DEBUG): {risk}"
                    ),
                    None,
                ),
                Deployment::Development(evidence) => (
                    format!(
                        "development evidence: {}; such a stack usually runs with throwaway credentials, but {risk}",
                        summarise(evidence)
                    ),
                    Some(Severity::Warning),
                ),
            };
            let mut d = Diagnostic::new(&Self::META, ctx.file.path.clone(), format!("`{key}` of {who} ships the default `{default}`"))
                .span(span)
                .label("default credential")
                .note(note)
                .help(format!("require it instead: `{key}: ${{{key}:?set {key}}}`, and keep the value in a secret store"));
            if let Some(severity) = severity {
                d = d.severity(severity);
            }
            out.push(d);
        }
    }
}

/// The evidence for the note: the first three pieces, and how many more.
fn summarise(evidence: &[String]) -> String {
    let shown: Vec<&str> = evidence.iter().take(3).map(String::as_str).collect();
    match evidence.len().saturating_sub(shown.len()) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}
