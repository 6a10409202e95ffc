//! The Compose model: services, their dependencies, health checks, builds and the
//! contexts they give Dockerfiles, on Compose files parsed with positions (anchors and
//! merge keys resolved by `crate::syntax::yaml`).

use crate::core::kind::FileKind;
use crate::core::path::RelPath;
use crate::core::path::{join, normalize};
use crate::core::source::Span;
use crate::index::Index;
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
    let mut out = Vec::new();
    for from in all {
        for (name, condition, span) in from.depends_on() {
            if let Some(to) = all.iter().find(|t| t.name == name) {
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

/// Development overrides, where defaults are a warning rather than an error.
pub fn is_dev_file(path: &RelPath) -> bool {
    let name = path.file_name().to_ascii_lowercase();
    [
        "override", "dev", "local", "test", "ci", "example", "sample",
    ]
    .iter()
    .any(|w| name.split(['.', '-', '_']).any(|part| part == *w))
}
