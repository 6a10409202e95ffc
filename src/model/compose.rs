//! The Compose model: services, their dependencies, health checks, builds and the
//! contexts they give Dockerfiles, on Compose files parsed with positions (anchors and
//! merge keys resolved by `crate::syntax::yaml`).

use crate::core::kind::FileKind;
use crate::core::path::RelPath;
use crate::core::path::{join, normalize};
use crate::core::source::Span;
use crate::index::Index;
use crate::model::docker::stages::root_base;
use crate::syntax::dockerfile::Dockerfile;
use crate::syntax::yaml::{YamlNode, YamlValue};
use rustc_hash::FxHashMap;

pub struct Service<'a> {
    pub name: String,
    pub name_span: Span,
    pub node: &'a YamlNode,
}

impl Service<'_> {
    pub fn image(&self) -> Option<&str> {
        self.node.get("image").and_then(YamlNode::as_str)
    }

    /// The image's repository name without registry, tag or digest (`postgres`).
    pub fn image_name(&self) -> Option<String> {
        let image = self.image()?;
        let no_digest = image.split('@').next().unwrap_or(image);
        let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
        Some(last.split(':').next().unwrap_or(last).to_ascii_lowercase())
    }

    /// `environment:` as (key, value, key span, value span); map or list form.
    pub fn environment(&self) -> Vec<(String, Option<String>, Span, Span)> {
        let Some(env) = self.node.get("environment") else {
            return Vec::new();
        };
        match &env.value {
            YamlValue::Map(entries) => entries
                .iter()
                .filter_map(|(k, v)| {
                    Some((k.as_scalar_text()?, v.as_scalar_text(), k.span, v.span))
                })
                .collect(),
            YamlValue::Seq(items) => items
                .iter()
                .filter_map(|i| {
                    let text = i.as_str()?;
                    let (k, v) = text
                        .split_once('=')
                        .map_or((text, None), |(k, v)| (k, Some(v.to_string())));
                    Some((k.to_string(), v, i.span, i.span))
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `depends_on:` as (service, condition, span of the entry).
    pub fn depends_on(&self) -> Vec<(String, Option<String>, Span)> {
        let Some(deps) = self.node.get("depends_on") else {
            return Vec::new();
        };
        match &deps.value {
            YamlValue::Seq(items) => items
                .iter()
                .filter_map(|i| Some((i.as_str()?.to_string(), None, i.span)))
                .collect(),
            YamlValue::Map(entries) => entries
                .iter()
                .filter_map(|(k, v)| {
                    let cond = v
                        .get("condition")
                        .and_then(YamlNode::as_str)
                        .map(str::to_string);
                    Some((k.as_scalar_text()?, cond, k.span))
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the Compose file gives it a health check (not disabled).
    pub fn compose_healthcheck(&self) -> Option<bool> {
        let hc = self.node.get("healthcheck")?;
        let disabled = hc
            .get("disable")
            .is_some_and(|d| matches!(d.value, YamlValue::Bool(true)))
            || hc
                .get("test")
                .and_then(|t| t.as_seq())
                .and_then(|s| s.first())
                .and_then(YamlNode::as_str)
                == Some("NONE");
        Some(!disabled)
    }
}

pub fn services(doc: &YamlNode) -> Vec<Service<'_>> {
    doc.get("services")
        .and_then(YamlNode::as_map)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|(k, v)| {
                    Some(Service {
                        name: k.as_scalar_text()?,
                        name_span: k.span,
                        node: v,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A `depends_on` entry, with the service it names (entries naming a service defined
/// in another file are left out).
pub struct Dependency<'s, 'a> {
    pub from: &'s Service<'a>,
    pub to: &'s Service<'a>,
    pub condition: Option<String>,
    /// The entry in `from`'s `depends_on`.
    pub span: Span,
}

pub fn dependencies<'s, 'a>(all: &'s [Service<'a>]) -> Vec<Dependency<'s, 'a>> {
    // Service name -> its first definition: one lookup per `depends_on` entry, not a
    // scan of every service (10,000 services each waiting on 20 others took seconds).
    let mut by_name: rustc_hash::FxHashMap<&str, &'s Service<'a>> = Default::default();
    for s in all {
        by_name.entry(s.name.as_str()).or_insert(s);
    }
    let mut out = Vec::new();
    for from in all {
        for (name, condition, span) in from.depends_on() {
            if let Some(&to) = by_name.get(name.as_str()) {
                out.push(Dependency {
                    from,
                    to,
                    condition,
                    span,
                });
            }
        }
    }
    out
}

/// Databases and brokers: what a service waits for.
pub const DATASTORES: &[&str] = &[
    "postgres",
    "postgis",
    "timescaledb",
    "mysql",
    "mariadb",
    "percona",
    "mongo",
    "redis",
    "valkey",
    "keydb",
    "rabbitmq",
    "memcached",
    "elasticsearch",
    "opensearch",
    "kafka",
    "zookeeper",
    "nats",
    "minio",
    "clickhouse-server",
];

/// Official images known to define no HEALTHCHECK of their own.
pub const NO_IMAGE_HEALTHCHECK: &[&str] = &[
    "postgres",
    "postgis",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "valkey",
    "rabbitmq",
    "memcached",
    "nginx",
    "python",
    "node",
];

pub fn is_datastore(name: &str) -> bool {
    DATASTORES
        .iter()
        .any(|d| name == *d || name.starts_with(&format!("{d}-")))
}

/// A service's `build:` section, resolved against the Compose file's folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildSpec {
    /// The build context, relative to the scan root.
    pub context: String,
    /// The Dockerfile, relative to the scan root (Compose reads it relative to the
    /// context).
    pub dockerfile: String,
    pub target: Option<String>,
}

/// The `build:` of a service (`build: ./dir` or `build: {context, dockerfile, target}`),
/// when it names a local folder (not a URL, not an interpolated path).
pub fn build_spec(compose: &RelPath, service: &YamlNode) -> Option<BuildSpec> {
    let build = service.get("build")?;
    let (context, file) = match build.as_str() {
        Some(c) => (c, "Dockerfile"),
        None => (
            build
                .get("context")
                .and_then(YamlNode::as_str)
                .unwrap_or("."),
            build
                .get("dockerfile")
                .and_then(YamlNode::as_str)
                .unwrap_or("Dockerfile"),
        ),
    };
    if context.contains("://") || context.contains('$') || file.contains('$') {
        return None;
    }
    let context = normalize(&join(compose.parent(), context));
    Some(BuildSpec {
        dockerfile: normalize(&join(&context, file)),
        context,
        target: build
            .get("target")
            .and_then(YamlNode::as_str)
            .map(str::to_string),
    })
}

/// Every Dockerfile some Compose file builds, with the context it is built from, read
/// once per run (the first Compose file in path order wins).
#[derive(Debug, Default)]
pub struct ComposeBuilds {
    contexts: FxHashMap<String, String>,
}

impl ComposeBuilds {
    pub fn build(index: &Index) -> Self {
        let mut contexts = FxHashMap::default();
        for f in index.of_kind(FileKind::Compose) {
            let Some(doc) = f.yaml().and_then(|y| y.documents.first()) else {
                continue;
            };
            for service in services(doc) {
                if let Some(spec) = build_spec(&f.path, service.node) {
                    contexts.entry(spec.dockerfile).or_insert(spec.context);
                }
            }
        }
        Self { contexts }
    }

    /// The context a Compose file builds `dockerfile` from.
    pub fn context_of(&self, dockerfile: &str) -> Option<&str> {
        self.contexts.get(dockerfile).map(String::as_str)
    }
}

/// Whether the service's in-repo Dockerfile has a HEALTHCHECK (None: not built here).
pub fn dockerfile_healthcheck(
    index: &Index,
    compose: &RelPath,
    service: &Service<'_>,
) -> Option<bool> {
    let spec = build_spec(compose, service.node)?;
    let df = index.get(&spec.dockerfile)?.dockerfile()?;
    let stage = match spec.target.as_deref() {
        Some(t) => df.stage_named(t)?,
        None => df.stages.len().checked_sub(1)?,
    };
    let stage = df.stages.get(stage)?;
    Some(
        stage
            .instructions
            .iter()
            .filter_map(|i| df.instructions.get(*i))
            .any(|i| i.keyword == "HEALTHCHECK" && !i.text().trim().eq_ignore_ascii_case("none")),
    )
}

/// Where a Compose file runs, decided from evidence in its path, its header comment and
/// its services. Production evidence wins over development evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deployment {
    /// Established as production (file name, folder or header comment): the evidence.
    Production(String),
    /// Development, test, CI or example evidence, one item per piece.
    Development(Vec<String>),
    /// No evidence either way.
    Unknown,
}

/// File-name parts and folders that declare production.
const PRODUCTION_NAMES: &[&str] = &["prod", "production", "prd"];
/// File-name parts that declare a development, test or example file.
const DEV_FILE_NAMES: &[&str] = &[
    "override",
    "dev",
    "development",
    "local",
    "test",
    "tests",
    "testing",
    "ci",
    "e2e",
    "example",
    "sample",
    "demo",
    "debug",
];
/// Folders that hold development, test or example stacks.
const DEV_FOLDERS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testenv",
    "e2e",
    "ci",
    "dev",
    "development",
    ".devcontainer",
    "devcontainer",
    "example",
    "examples",
    "sample",
    "samples",
    "demo",
    "demos",
    "federation",
];
/// Header-comment phrases that deny production (checked before "production" itself).
const NOT_PRODUCTION: &[&str] = &[
    "not for production",
    "not intended for production",
    "not meant for production",
    "not suitable for production",
    "not recommended for production",
    "not be used in production",
    "not use in production",
    "not use this in production",
    "not production",
];
/// Header-comment words that declare development, evaluation or tests.
const DEV_HEADER: &[&str] = &[
    "development",
    "local environment",
    "locally",
    "evaluat",
    "testing",
    "demo",
    "example",
];
/// What a development server's command line contains.
const DEV_SERVERS: &[&str] = &[
    "runserver",
    "flask run",
    "npm run dev",
    "yarn dev",
    "yarn run dev",
    "pnpm dev",
    "pnpm run dev",
    "--reload",
    "cargo watch",
    "nodemon",
];
/// Where images keep the application's code: a bind mount onto one replaces it.
const CODE_ROOTS: &[&str] = &[
    "/app",
    "/code",
    "/src",
    "/source",
    "/usr/src/app",
    "/opt/app",
    "/srv/app",
    "/workspace",
];

/// The context of the Compose file at `path` (`doc` its first document, `text` its
/// source): production by its name, folder or header comment (the first header line
/// that speaks of production or development decides, and within it the first word); otherwise development by
/// its folders (`tests`, `e2e`, `.devcontainer`, `examples`, `federation`,
/// `*-tests`...), its name (`override`, `dev`, `local`, `test`...), a header comment
/// (development, local environment, evaluation, "not for production"), services that
/// run a development server, bind-mount the source over the code, set `DEBUG` or build a
/// development Dockerfile or target.
pub fn deployment(path: &RelPath, doc: &YamlNode, text: &str) -> Deployment {
    let name = path.file_name().to_ascii_lowercase();
    let name_parts: Vec<&str> = name.split(['.', '-', '_']).collect();
    let folders: Vec<String> = path
        .parent()
        .split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if name_parts.iter().any(|p| PRODUCTION_NAMES.contains(p)) {
        return Deployment::Production(format!("the file name `{}`", path.file_name()));
    }
    if let Some(f) = folders
        .iter()
        .find(|f| PRODUCTION_NAMES.contains(&f.as_str()))
    {
        return Deployment::Production(format!("the folder `{f}`"));
    }
    // The header's first statement about its context decides: a line that denies
    // production, then one that names it, then one that declares development.
    let mut evidence = Vec::new();
    for line in header_comment(text) {
        let lower = line.to_ascii_lowercase();
        let first = |words: &[&str]| words.iter().filter_map(|w| lower.find(w)).min();
        let (denied, dev, prod) = (
            first(NOT_PRODUCTION),
            first(DEV_HEADER),
            lower.find("production"),
        );
        match (denied, dev, prod) {
            (Some(_), ..) => {}
            (None, Some(d), Some(p)) if p < d => {
                return Deployment::Production(format!("the header comment \"{line}\""));
            }
            (None, None, Some(_)) => {
                return Deployment::Production(format!("the header comment \"{line}\""));
            }
            (None, None, None) => continue,
            (None, Some(_), _) => {}
        }
        evidence.push(format!("the header comment \"{line}\""));
        break;
    }
    for f in &folders {
        let test_suite = f.ends_with("-tests")
            || f.ends_with("_tests")
            || f.contains("integration-tests")
            || f.contains("integration_tests");
        if DEV_FOLDERS.contains(&f.as_str()) || test_suite {
            evidence.push(format!("the folder `{f}`"));
        }
    }
    if name_parts.iter().any(|p| DEV_FILE_NAMES.contains(p)) {
        evidence.push(format!("the file name `{}`", path.file_name()));
    }
    for s in services(doc) {
        evidence.extend(s.development_evidence());
    }
    let mut seen = std::collections::BTreeSet::new();
    evidence.retain(|e| seen.insert(e.clone()));
    if evidence.is_empty() {
        Deployment::Unknown
    } else {
        Deployment::Development(evidence)
    }
}

/// The comment lines at the top of a file (blank lines and `---` allowed between them),
/// without their `#`.
fn header_comment(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t == "---" {
            continue;
        }
        match t.strip_prefix('#') {
            Some(c) => {
                let c = c.trim();
                if !c.is_empty() {
                    out.push(c.to_string());
                }
            }
            None => break,
        }
    }
    out
}

impl Service<'_> {
    /// `command:` and `entrypoint:` as one line of text (string or list form).
    fn command_text(&self) -> String {
        ["entrypoint", "command"]
            .iter()
            .filter_map(|k| self.node.get(k))
            .map(|n| match n.as_seq() {
                Some(items) => items
                    .iter()
                    .filter_map(YamlNode::as_scalar_text)
                    .collect::<Vec<_>>()
                    .join(" "),
                None => n.as_scalar_text().unwrap_or_default(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Bind mounts as (source, target, the entry as written).
    fn bind_mounts(&self) -> Vec<(String, String, String)> {
        let Some(items) = self.node.get("volumes").and_then(YamlNode::as_seq) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|v| match v.as_str() {
                Some(short) => {
                    let mut parts = short.split(':');
                    let (src, dst) = (parts.next()?, parts.next()?);
                    Some((src.to_string(), dst.to_string(), short.to_string()))
                }
                None => {
                    let src = v.get("source").and_then(YamlNode::as_str)?;
                    let dst = v.get("target").and_then(YamlNode::as_str)?;
                    (v.get("type").and_then(YamlNode::as_str) == Some("bind"))
                        .then(|| (src.to_string(), dst.to_string(), format!("{src}:{dst}")))
                }
            })
            .filter(|(src, ..)| {
                src == "." || src == ".." || src.starts_with("./") || src.starts_with("../")
            })
            .collect()
    }

    /// What in this service says it runs for development.
    pub fn development_evidence(&self) -> Vec<String> {
        let mut out = Vec::new();
        let name = &self.name;
        let command = self.command_text();
        if let Some(server) = DEV_SERVERS.iter().find(|d| command.contains(*d)) {
            out.push(format!(
                "service `{name}` runs a development server (`{server}`)"
            ));
        }
        for (src, dst, written) in self.bind_mounts() {
            let whole_tree = matches!(normalize(&src).as_str(), "" | "..")
                && !dst.starts_with("/var/lib")
                && !dst.starts_with("/etc")
                && !dst.starts_with("/docker-entrypoint");
            let target = dst.trim_end_matches('/');
            let onto_code = CODE_ROOTS.contains(&target)
                || target.starts_with("/workspaces/")
                || target.starts_with("/workspace/");
            if whole_tree || onto_code {
                out.push(format!(
                    "service `{name}` bind-mounts the source (`{written}`)"
                ));
            }
        }
        if let Some(image) = self.node.get("image").and_then(YamlNode::as_str) {
            let tag = image
                .rsplit_once(':')
                .map_or("", |(_, t)| t)
                .to_ascii_lowercase();
            if tag
                .split(['.', '-', '_'])
                .any(|p| matches!(p, "nightly" | "dev" | "edge" | "snapshot" | "unstable"))
            {
                out.push(format!(
                    "service `{name}` runs the pre-release image `{image}`"
                ));
            }
        }
        for (key, value, ..) in self.environment() {
            let on = value
                .as_deref()
                .map(|v| v.trim_matches(['"', '\'']).to_ascii_lowercase());
            let log_key = matches!(
                key.as_str(),
                "RUST_LOG" | "LOG_LEVEL" | "DJANGO_LOG_LEVEL" | "LOGLEVEL"
            );
            if log_key
                && on
                    .as_deref()
                    .is_some_and(|v| v.split([',', '=']).any(|p| p == "debug" || p == "trace"))
            {
                out.push(format!("service `{name}` logs at debug level (`{key}`)"));
            }
            if matches!(key.as_str(), "DEBUG" | "DJANGO_DEBUG" | "FLASK_DEBUG")
                && matches!(on.as_deref(), Some("1" | "true" | "yes" | "on"))
            {
                out.push(format!(
                    "service `{name}` sets `{key}={}`",
                    value.as_deref().unwrap_or_default()
                ));
            }
        }
        if let Some(build) = self.node.get("build") {
            if let Some(file) = build.get("dockerfile").and_then(YamlNode::as_str) {
                let base = file.rsplit('/').next().unwrap_or(file).to_ascii_lowercase();
                if base
                    .split(['.', '-', '_'])
                    .any(|p| matches!(p, "dev" | "development" | "local" | "test" | "debug"))
                {
                    out.push(format!("service `{name}` builds `{file}`"));
                }
            }
            if let Some(target) = build.get("target").and_then(YamlNode::as_str)
                && matches!(
                    target.to_ascii_lowercase().as_str(),
                    "dev" | "development" | "local" | "test" | "debug"
                )
            {
                out.push(format!("service `{name}` builds the `{target}` target"));
            }
        }
        out
    }
}

/// Database server images by repository name (`postgres`, `pgvector/pgvector`,
/// `bitnami/postgresql`, `timescale/timescaledb`, `mariadb`, `mongo`...).
const DATABASE_IMAGES: &[&str] = &[
    "postgres",
    "postgis",
    "pgvector",
    "pgautoupgrade",
    "timescale",
    "mysql",
    "mariadb",
    "percona",
    "mongo",
];

/// Whether an image reference names a database server, by its repository name.
pub fn is_database_image(image: &str) -> bool {
    let name = repository_name(image);
    DATABASE_IMAGES.iter().any(|d| name.contains(d))
}

/// The last component of an image's repository, without registry, tag or digest.
fn repository_name(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

impl Service<'_> {
    /// Whether the service is a database server: a database image, a `build:` whose
    /// in-repo Dockerfile's stage (its `target`, else the last) starts from one (tags
    /// and `FROM ${ARG}` read through the global ARG defaults), or a command that starts
    /// the server (`postgres -c ...`, `mysqld`, `mongod`).
    pub fn is_database(&self, index: &Index, compose: &RelPath) -> bool {
        if self.image().is_some_and(is_database_image) {
            return true;
        }
        let command = self.command_text();
        let program = command.split_whitespace().next().unwrap_or_default();
        if matches!(
            program.rsplit('/').next().unwrap_or(program),
            "postgres" | "mysqld" | "mariadbd" | "mongod"
        ) {
            return true;
        }
        let Some(spec) = build_spec(compose, self.node) else {
            return false;
        };
        let Some(df) = index.get(&spec.dockerfile).and_then(|f| f.dockerfile()) else {
            return false;
        };
        let stage = match spec.target.as_deref() {
            Some(t) => df.stage_named(t),
            None => df.stages.len().checked_sub(1),
        };
        stage
            .and_then(|s| root_base(df, s))
            .map(|base| expand_global_args(df, base))
            .is_some_and(|base| is_database_image(&base))
    }
}

/// `base` with `$NAME`/`${NAME}` replaced by the default of a global `ARG NAME=default`
/// (the ARGs before the first FROM); unknown names are left as they are.
fn expand_global_args(df: &Dockerfile, base: &str) -> String {
    let first_from = df.stages.first().map_or(0, |s| s.from);
    let defaults: Vec<(String, String)> = df
        .instructions
        .iter()
        .take(first_from)
        .filter(|i| i.keyword == "ARG")
        .filter_map(|i| {
            let text = i.text();
            let (k, v) = text.trim().split_once('=')?;
            Some((
                k.trim().to_string(),
                v.trim().trim_matches(['"', '\'']).to_string(),
            ))
        })
        .collect();
    let mut out = base.to_string();
    for (k, v) in &defaults {
        out = out
            .replace(&format!("${{{k}}}"), v)
            .replace(&format!("${k}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::source::SourceFile;

    fn context(path: &str, text: &str) -> Deployment {
        let source = SourceFile::new(RelPath::new(path), text.to_string());
        let yaml = crate::syntax::yaml::parse(&source).unwrap();
        deployment(&RelPath::new(path), &yaml.documents[0], text)
    }

    #[test]
    fn the_first_header_statement_decides() {
        let dev = "# Development override (production runs the base file alone).\nservices: {}\n";
        assert!(matches!(
            context("docker-compose.yml", dev),
            Deployment::Development(_)
        ));
        let eval = "# Fully functional to evaluate the app.\n# Not intended for production use.\nservices: {}\n";
        assert!(matches!(
            context("docker-compose.yml", eval),
            Deployment::Development(_)
        ));
        let prod = "---\n# A viable production setup; also an example.\nservices: {}\n";
        assert!(matches!(
            context("docker-compose.yml", prod),
            Deployment::Production(_)
        ));
        assert_eq!(
            context("docker-compose.yml", "services: {}\n"),
            Deployment::Unknown
        );
        assert!(matches!(
            context(
                "deploy/docker-compose.prod.yml",
                "# for local development\nservices: {}\n"
            ),
            Deployment::Production(_)
        ));
    }

    #[test]
    fn folders_and_services_are_evidence() {
        let Deployment::Development(e) = context(
            "client-integration-tests/docker-compose.yml",
            "services: {}\n",
        ) else {
            panic!("development")
        };
        assert_eq!(e, ["the folder `client-integration-tests`"]);
        let text = "services:\n  web:\n    build:\n      context: .\n      dockerfile: ./Dockerfile-dev\n    command: flask run --reload\n    volumes:\n      - ./back:/app\n      - ./static:/app/static\n      - ./data:/var/lib/x\n";
        let Deployment::Development(e) = context("docker-compose.yml", text) else {
            panic!("development")
        };
        assert_eq!(
            e,
            [
                "service `web` runs a development server (`flask run`)",
                "service `web` bind-mounts the source (`./back:/app`)",
                "service `web` builds `./Dockerfile-dev`",
            ]
        );
        assert_eq!(
            context(
                "deployments/cli/community/docker-compose.yml",
                "services:\n  db:\n    image: postgres\n    volumes:\n      - ./init.sql:/docker-entrypoint-initdb.d/init.sql\n"
            ),
            Deployment::Unknown
        );
    }

    #[test]
    fn database_images_by_repository_name() {
        for image in [
            "postgres:16",
            "pgvector/pgvector:pg16",
            "pgautoupgrade/pgautoupgrade:18-alpine",
            "docker.io/bitnami/postgresql:16",
            "timescale/timescaledb:latest-pg16",
            "mariadb",
            "mongo:7",
        ] {
            assert!(is_database_image(image), "{image}");
        }
        for image in ["ghcr.io/acme/app-worker:1.2.0", "redis:7", "nginx"] {
            assert!(!is_database_image(image), "{image}");
        }
    }
}

/// The built-in table of `compose/default-credentials`, `rules/compose-credentials.toml`.
pub const CREDENTIALS_TABLE: &str = include_str!("../../rules/compose-credentials.toml");

/// Password variables and well-known default values (`rules/compose-credentials.toml`,
/// extended by `[compose]` in guardrail.toml).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Credentials {
    pub password_variables: Vec<String>,
    pub default_values: Vec<String>,
    #[serde(default)]
    pub example: Vec<CredentialExample>,
}

/// A value and the default it ships (`None`: it ships none).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialExample {
    pub value: String,
    pub ships: Option<String>,
}

impl Credentials {
    /// The built-in table. It is part of the binary and checked by tests, so a parse
    /// failure is a build defect: it yields an empty table rather than a panic.
    pub fn builtin() -> Self {
        toml::from_str(CREDENTIALS_TABLE).unwrap_or_default()
    }

    /// The table with a team's own variables and values added.
    pub fn extended(mut self, variables: &[String], values: &[String]) -> Self {
        self.password_variables.extend(variables.iter().cloned());
        self.default_values
            .extend(values.iter().map(|v| v.to_ascii_lowercase()));
        self
    }

    pub fn is_password_variable(&self, name: &str) -> bool {
        self.password_variables.iter().any(|v| v == name)
    }

    /// The default a value ships: a `${VAR:-x}` fallback, or a well-known literal.
    pub fn shipped_default(&self, value: &str) -> Option<String> {
        let v = value.trim();
        if let Some(inner) = v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            let (_, default) = inner.split_once(":-").or_else(|| inner.split_once('-'))?;
            return (!default.is_empty()).then(|| default.to_string());
        }
        let lower = v.to_ascii_lowercase();
        (!v.contains('$') && self.default_values.contains(&lower)).then(|| v.to_string())
    }
}

#[cfg(test)]
mod credential_tests {
    use super::*;

    #[test]
    fn the_builtin_table_passes_its_examples() {
        let table = Credentials::builtin();
        assert!(table.password_variables.len() >= 10 && table.default_values.len() >= 20);
        assert!(table.example.len() >= 6);
        for e in &table.example {
            assert_eq!(table.shipped_default(&e.value), e.ships, "{}", e.value);
        }
        let team = Credentials::builtin().extended(&["ACME_DB_PASS".into()], &["Acme123".into()]);
        assert!(team.is_password_variable("ACME_DB_PASS"));
        assert_eq!(team.shipped_default("acme123").as_deref(), Some("acme123"));
    }
}
