//! Configuration: `guardrail.toml` at the scan root, or `[tool.guardrail]` in
//! `pyproject.toml`, read with `deny_unknown_fields` and spans so that every mistake is a
//! miette report pointing into the TOML (exit code 2). CLI flags override the file.

use crate::core::error::ToolError;
use crate::core::severity::Severity;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::selector::Selector;
use crate::model::project::Options;
use crate::model::required_files::{CompiledEntry, RequiredFileEntry, builtin_entries};
use crate::rules;
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const CONFIG_FILE: &str = "guardrail.toml";
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;
/// The largest `max-file-size` accepted.
pub const MAX_MAX_FILE_SIZE: u64 = 1024 * 1024 * 1024;

/// The lowest severity that makes the exit code 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
        }
    }
}

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Rules to run (codes, prefixes, slugs, families, ALL). Default: all.
    pub select: Option<Vec<Spanned<String>>>,
    /// Rules never to run.
    pub ignore: Option<Vec<Spanned<String>>>,
    pub fail_on: Option<FailOn>,
    /// Globs (gitignore syntax) of paths never scanned.
    pub exclude: Option<Vec<Spanned<String>>>,
    /// Files larger than this many bytes are skipped with a note.
    pub max_file_size: Option<Spanned<u64>>,
    /// Per-rule severity: `"GR501" = "error"`.
    pub severity: Option<BTreeMap<Spanned<String>, Severity>>,
    /// Path globs mapped to the rules ignored there.
    pub per_path_ignores: Option<BTreeMap<Spanned<String>, Vec<Spanned<String>>>>,
    /// Odoo settings.
    pub odoo: Option<OdooConfig>,
    /// Required files (`security/required-file`).
    pub security: Option<SecurityConfig>,
    /// Extends the middleware role table (`rules/middleware.toml`).
    pub middleware: Option<MiddlewareConfig>,
    /// Docker settings.
    pub docker: Option<DockerConfig>,
    /// Compose settings (extends `rules/compose-credentials.toml`).
    pub compose: Option<ComposeConfig>,
    /// A baseline file (`--write-baseline`), relative to this file: findings it holds
    /// are not reported.
    pub baseline: Option<Spanned<String>>,
    /// Rule packs (paths or globs relative to this file): `["ci/guardrail-rules/*.toml"]`.
    pub packs: Option<Vec<Spanned<String>>>,
    /// Where a rule's documentation is published, `{code}` and `{slug}` filled in
    /// (SARIF `helpUri`): `"https://example.com/guardrail/{code}.html"`.
    pub docs_url: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ComposeConfig {
    /// More environment variables that hold a database or broker password.
    pub password_variables: Option<Vec<String>>,
    /// More values that are defaults, not secrets (any case).
    pub default_values: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DockerConfig {
    /// Base images that already contain the application's dependencies.
    pub base_images_with_deps: Option<Vec<String>>,
    /// Distribution -> top-level module, for distributions named unlike their module.
    pub import_names: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MiddlewareConfig {
    /// `[[middleware.class]]`: a class and its role.
    pub class: Option<Vec<Spanned<crate::model::django::middleware::KnownClass>>>,
    /// `[[middleware.order]]`: an ordering constraint, as in the built-in table.
    pub order: Option<Vec<Spanned<crate::model::django::middleware::OrderRule>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SecurityConfig {
    /// Ids of built-in entries of `rules/required-files.toml` to turn on.
    pub enable_required_files: Option<Vec<Spanned<String>>>,
    /// The team's own entries.
    pub required_file: Option<Vec<Spanned<RequiredFileEntry>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OdooConfig {
    /// The Odoo version (`"17.0"`), for manifests whose `version` does not say.
    pub version: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<PyProjectTool>,
}

#[derive(Deserialize)]
struct PyProjectTool {
    guardrail: Option<ConfigFile>,
}

/// A configuration file with its text, for errors with spans.
#[derive(Debug)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub display: String,
    pub text: String,
    pub file: ConfigFile,
}

impl LoadedConfig {
    fn error(
        &self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> ToolError {
        ToolError::config(&self.display, &self.text, Some(span), message, label, help)
    }
}

/// Finds and reads the configuration for a scan root: `explicit` if given, else
/// `guardrail.toml`, else `[tool.guardrail]` in `pyproject.toml`.
pub fn load(root: &Path, explicit: Option<&Path>) -> Result<Option<LoadedConfig>, ToolError> {
    if let Some(path) = explicit {
        let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        return read(path, is_pyproject).map(|c| {
            c.or(Some(LoadedConfig {
                path: path.to_path_buf(),
                display: path.display().to_string(),
                text: String::new(),
                file: ConfigFile::default(),
            }))
        });
    }
    // As ruff does: the nearest configuration from the scanned folder up to the top of
    // its repository (`guardrail check sub/` uses the project's), never above it.
    for dir in config_dirs(root) {
        let own = dir.join(CONFIG_FILE);
        if own.is_file() {
            return read(&own, false);
        }
        let pyproject = dir.join("pyproject.toml");
        if pyproject.is_file()
            && let Some(found) = read(&pyproject, true)?
        {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The folders a configuration is looked for in: `root`, then its parents up to the top
/// of the git repository holding it; only `root` outside a repository.
fn config_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(start) = root.canonicalize() else {
        return vec![root.to_path_buf()];
    };
    let mut out = Vec::new();
    for (i, dir) in start.ancestors().enumerate() {
        // The scanned folder keeps the name it was given (messages show it).
        out.push(if i == 0 {
            root.to_path_buf()
        } else {
            dir.to_path_buf()
        });
        if dir.join(".git").exists() {
            return out;
        }
    }
    vec![root.to_path_buf()]
}

/// A configuration file is small: anything larger is not one.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

fn read(path: &Path, pyproject: bool) -> Result<Option<LoadedConfig>, ToolError> {
    let display = path.display().to_string();
    let text = read_regular(path, MAX_CONFIG_BYTES).map_err(|source| ToolError::Io {
        path: display.clone(),
        source,
    })?;
    if pyproject && !text.contains("guardrail") {
        // The project's own file, with no `[tool.guardrail]`: not ours to refuse. If it
        // is broken, `guardrail/parse-error` reports it like any project file.
        return Ok(None);
    }
    parse(&display, path, text, pyproject)
}

/// Reads a regular file of at most `max` bytes: a FIFO, a device (`/dev/zero`) or a
/// folder is refused before it is opened, so reading can neither block nor run forever.
fn read_regular(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if meta.len() > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// Parses configuration text. For `pyproject.toml`, only `[tool.guardrail]` is read and
/// a file without it means "no configuration".
pub fn parse(
    display: &str,
    path: &Path,
    text: String,
    pyproject: bool,
) -> Result<Option<LoadedConfig>, ToolError> {
    let to_error = |e: toml::de::Error| {
        ToolError::config(
            display,
            &text,
            e.span(),
            format!("invalid configuration: {}", e.message().trim()),
            "here",
            Some(format!(
                "valid keys: select, ignore, fail-on, exclude, max-file-size, baseline, docs-url, [severity], \
                 [per-path-ignores], [odoo], [security], [middleware], [docker], [compose], packs; `guardrail init` writes a commented {CONFIG_FILE}"
            )),
        )
    };
    let file = if pyproject {
        match toml::from_str::<PyProject>(&text).map_err(to_error)? {
            PyProject {
                tool:
                    Some(PyProjectTool {
                        guardrail: Some(file),
                    }),
            } => file,
            _ => return Ok(None),
        }
    } else {
        toml::from_str::<ConfigFile>(&text).map_err(to_error)?
    };
    Ok(Some(LoadedConfig {
        path: path.to_path_buf(),
        display: display.to_string(),
        text,
        file,
    }))
}

/// What the command line sets; `None` leaves the file's value.
#[derive(Clone, Debug, Default)]
pub struct CliOverrides {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub fail_on: Option<FailOn>,
}

/// Paths matching `glob` have `selectors` ignored.
#[derive(Debug)]
pub struct PathIgnore {
    pub glob: GlobMatcher,
    pub selectors: Vec<Selector>,
}

/// The configuration resolved against the registry, ready for one run.
pub struct Settings {
    /// Every known rule: the built-in ones, then those of the configured packs.
    pub registry: Vec<&'static dyn Rule>,
    /// The enabled rules.
    pub rules: Vec<&'static dyn Rule>,
    pub fail_on: FailOn,
    pub exclude: Vec<String>,
    pub max_file_size: u64,
    pub severity: Vec<(Selector, Severity)>,
    pub per_path_ignores: Vec<PathIgnore>,
    /// What models and rules read: family options, never the selection above.
    pub options: Options,
    /// `baseline = "..."`, resolved against the configuration file's folder.
    pub baseline: Option<PathBuf>,
    /// Measure every rule (`--timings`).
    pub timings: bool,
    /// `docs-url`: a rule's documentation page, `{code}`/`{slug}` to fill in.
    pub docs_url: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field(
                "rules",
                &self.rules.iter().map(|r| r.meta().code).collect::<Vec<_>>(),
            )
            .field("fail_on", &self.fail_on)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn resolve(config: Option<&LoadedConfig>, cli: &CliOverrides) -> Result<Self, ToolError> {
        let empty = ConfigFile::default();
        let file = config.map_or(&empty, |c| &c.file);
        let registry = match config {
            Some(c) => registry_with_packs(c)?,
            None => rules::all().to_vec(),
        };
        let known = registry.as_slice();

        let spanned_selectors =
            |list: &Option<Vec<Spanned<String>>>| -> Result<Option<Vec<Selector>>, ToolError> {
                let Some(list) = list else { return Ok(None) };
                list.iter()
                    .map(|s| {
                        Selector::parse(s.get_ref(), known).map_err(|msg| match config {
                            Some(c) => c.error(s.span(), msg, "unknown rule", None),
                            None => ToolError::Usage(msg),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            };
        let cli_selectors =
            |list: &Option<Vec<String>>| -> Result<Option<Vec<Selector>>, ToolError> {
                let Some(list) = list else { return Ok(None) };
                list.iter()
                    .flat_map(|s| s.split(','))
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| Selector::parse(s, known).map_err(ToolError::Usage))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            };

        let select = match cli_selectors(&cli.select)? {
            Some(s) if s.is_empty() => {
                return Err(ToolError::Usage(
                    "--select names no rule: give codes, prefixes, slugs or families (`--select docker,GR5`), or leave it out to run every rule".into(),
                ));
            }
            Some(s) => s,
            None => spanned_selectors(&file.select)?.unwrap_or_else(|| vec![Selector::All]),
        };
        let ignore = match cli_selectors(&cli.ignore)? {
            Some(s) => s,
            None => spanned_selectors(&file.ignore)?.unwrap_or_default(),
        };
        let enabled = |m: &RuleMeta| {
            select.iter().any(|s| s.matches(m)) && !ignore.iter().any(|s| s.matches(m))
        };
        let rules = registry
            .iter()
            .copied()
            .filter(|r| enabled(r.meta()))
            .collect();

        let mut exclude = Vec::new();
        for pattern in file.exclude.iter().flatten() {
            let text = pattern.get_ref().trim();
            let bare = text.trim_start_matches("./").trim_matches('/');
            if bare.is_empty() || matches!(bare, "*" | "**" | "**/*" | ".") {
                return Err(config_error(
                    config,
                    pattern.span(),
                    format!(
                        "exclude pattern `{}` excludes every file, so nothing would be checked; \
                         name the folders to skip (`vendor/`) or remove the entry",
                        pattern.get_ref()
                    ),
                ));
            }
            let mut builder = ignore::overrides::OverrideBuilder::new("/");
            if let Err(e) = builder.add(&format!("!{}", pattern.get_ref())) {
                return Err(config_error(
                    config,
                    pattern.span(),
                    format!("invalid exclude glob: {e}"),
                ));
            }
            exclude.push(pattern.get_ref().clone());
        }

        let max_file_size = match &file.max_file_size {
            Some(size) if *size.get_ref() == 0 => {
                return Err(config_error(
                    config,
                    size.span(),
                    "max-file-size must be at least 1 byte".to_string(),
                ));
            }
            Some(size) if *size.get_ref() > MAX_MAX_FILE_SIZE => {
                return Err(config_error(
                    config,
                    size.span(),
                    format!(
                        "max-file-size is at most {MAX_MAX_FILE_SIZE} bytes (1 GiB): each checked file is \
                         held in memory"
                    ),
                ));
            }
            Some(size) => *size.get_ref(),
            None => DEFAULT_MAX_FILE_SIZE,
        };

        let mut severity = Vec::new();
        for (key, level) in file.severity.iter().flatten() {
            let selector = Selector::parse(key.get_ref(), known)
                .map_err(|msg| config_error(config, key.span(), msg))?;
            severity.push((selector, *level));
        }

        let mut per_path_ignores = Vec::new();
        for (pattern, list) in file.per_path_ignores.iter().flatten() {
            let mut glob_text = pattern.get_ref().trim_start_matches("./").to_string();
            if glob_text.ends_with('/') {
                glob_text.push_str("**");
            }
            let glob = GlobBuilder::new(&glob_text)
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    config_error(config, pattern.span(), format!("invalid path glob: {e}"))
                })?
                .compile_matcher();
            let selectors = list
                .iter()
                .map(|s| {
                    Selector::parse(s.get_ref(), known)
                        .map_err(|msg| config_error(config, s.span(), msg))
                })
                .collect::<Result<Vec<_>, _>>()?;
            per_path_ignores.push(PathIgnore { glob, selectors });
        }

        let odoo_major = match file.odoo.as_ref().and_then(|o| o.version.as_ref()) {
            None => None,
            Some(v) => {
                let major = v
                    .get_ref()
                    .split('.')
                    .next()
                    .and_then(|m| m.parse::<u32>().ok());
                match major {
                    Some(m) if (6..=40).contains(&m) => Some(m),
                    _ => {
                        return Err(config_error(
                            config,
                            v.span(),
                            format!("`{}` is not an Odoo version (e.g. \"17.0\")", v.get_ref()),
                        ));
                    }
                }
            }
        };

        let mut required_files = Vec::new();
        if let Some(security) = &file.security {
            let builtin = builtin_entries();
            for id in security.enable_required_files.iter().flatten() {
                let Some(entry) = builtin.iter().find(|e| &e.id == id.get_ref()) else {
                    let known: Vec<&str> = builtin.iter().map(|e| e.id.as_str()).collect();
                    return Err(config_error(
                        config,
                        id.span(),
                        format!(
                            "no built-in required-file `{}`; built-in: {}",
                            id.get_ref(),
                            known.join(", ")
                        ),
                    ));
                };
                let compiled = CompiledEntry::compile(entry.clone())
                    .map_err(|m| config_error(config, id.span(), m))?;
                required_files.push(compiled);
            }
            for entry in security.required_file.iter().flatten() {
                let span = entry.span();
                let compiled = CompiledEntry::compile(entry.get_ref().clone())
                    .map_err(|m| config_error(config, span.clone(), m))?;
                // The entry's own examples must hold, as for built-in entries.
                compiled
                    .check_examples()
                    .map_err(|m| config_error(config, span.clone(), m))?;
                required_files.push(compiled);
            }
        }

        let mut middleware = crate::model::django::middleware::RoleTable::builtin();
        if let Some(m) = &file.middleware {
            let known_role = |table: &crate::model::django::middleware::RoleTable, r: &str| {
                table.role(r).is_some()
            };
            for c in m.class.iter().flatten() {
                if !known_role(&middleware, &c.get_ref().role) {
                    let roles: Vec<&str> = middleware.role.iter().map(|r| r.id.as_str()).collect();
                    return Err(config_error(
                        config,
                        c.span(),
                        format!(
                            "unknown middleware role `{}`; roles: {}",
                            c.get_ref().role,
                            roles.join(", ")
                        ),
                    ));
                }
            }
            for o in m.order.iter().flatten() {
                let r = o.get_ref();
                let named = r
                    .before
                    .iter()
                    .chain(&r.after)
                    .chain(&r.except)
                    .chain(&r.first)
                    .chain(&r.last);
                if let Some(bad) = named.clone().find(|x| !known_role(&middleware, x)) {
                    return Err(config_error(
                        config,
                        o.span(),
                        format!("unknown middleware role `{bad}` in order `{}`", r.id),
                    ));
                }
                let shape_ok = (r.first.is_some() as u8
                    + r.last.is_some() as u8
                    + (!r.before.is_empty() && !r.after.is_empty()) as u8)
                    == 1;
                if !shape_ok {
                    return Err(config_error(
                        config,
                        o.span(),
                        format!(
                            "order `{}` needs exactly one of `first`, `last`, or `before` with `after`",
                            r.id
                        ),
                    ));
                }
            }
            middleware
                .class
                .extend(m.class.iter().flatten().map(|c| c.get_ref().clone()));
            middleware
                .order
                .extend(m.order.iter().flatten().map(|o| o.get_ref().clone()));
        }

        let docker = file.docker.as_ref();
        let baseline = file.baseline.as_ref().map(|b| {
            let dir = config
                .and_then(|c| c.path.parent())
                .unwrap_or_else(|| Path::new(""));
            dir.join(b.get_ref())
        });
        let docs_url = match &file.docs_url {
            Some(u)
                if !(u.get_ref().starts_with("https://") || u.get_ref().starts_with("http://"))
                    || !(u.get_ref().contains("{code}") || u.get_ref().contains("{slug}")) =>
            {
                return Err(config_error(
                    config,
                    u.span(),
                    "docs-url is an http(s) URL with `{code}` or `{slug}` where the rule goes: \
                     \"https://example.com/guardrail/rules/{code}.html\""
                        .to_string(),
                ));
            }
            Some(u) => Some(u.get_ref().clone()),
            None => None,
        };
        Ok(Settings {
            docs_url,
            timings: false,
            baseline,
            options: Options {
                docker_base_images: docker
                    .and_then(|d| d.base_images_with_deps.clone())
                    .unwrap_or_default(),
                compose_credentials: crate::model::compose::Credentials::builtin().extended(
                    file.compose
                        .as_ref()
                        .and_then(|c| c.password_variables.as_deref())
                        .unwrap_or_default(),
                    file.compose
                        .as_ref()
                        .and_then(|c| c.default_values.as_deref())
                        .unwrap_or_default(),
                ),
                docker_import_names: docker
                    .and_then(|d| d.import_names.clone())
                    .map(|m| m.into_iter().collect())
                    .unwrap_or_default(),
                middleware,
                required_files,
                odoo_major,
            },
            rules,
            registry,
            fail_on: cli.fail_on.or(file.fail_on).unwrap_or(FailOn::Error),
            exclude,
            max_file_size,
            severity,
            per_path_ignores,
        })
    }

    pub fn is_enabled(&self, rule: &RuleMeta) -> bool {
        self.rules.iter().any(|r| r.meta() == rule)
    }

    /// The severity a rule's findings take after `[severity]` overrides: the most
    /// specific matching selector wins (a slug or full code over a prefix over a family
    /// over ALL), whatever the order in the file.
    pub fn severity_for(&self, rule: &RuleMeta, default: Severity) -> Severity {
        self.severity
            .iter()
            .filter(|(s, _)| s.matches(rule))
            .max_by_key(|(s, _)| s.specificity())
            .map_or(default, |(_, level)| *level)
    }

    pub fn path_ignored(&self, path: &str, rule: &RuleMeta) -> bool {
        self.per_path_ignores
            .iter()
            .any(|p| p.glob.is_match(path) && p.selectors.iter().any(|s| s.matches(rule)))
    }
}

/// The built-in rules and those of the packs `config` names, each pack's examples run:
/// a pack that does not load, collides or fails an example is an error (exit 2).
fn registry_with_packs(config: &LoadedConfig) -> Result<Vec<&'static dyn Rule>, ToolError> {
    let mut registry = rules::all().to_vec();
    let Some(patterns) = &config.file.packs else {
        return Ok(registry);
    };
    let dir = config.path.parent().unwrap_or_else(|| Path::new(""));
    let mut taken = rules::pack::taken_by(&registry);
    let mut seen = std::collections::BTreeSet::new();
    for pattern in patterns {
        let files = pack_files(dir, pattern.get_ref()).map_err(|why| {
            config.error(pattern.span(), why, "no pack here", Some(
                "`packs` names rule pack files relative to this configuration file: `[\"ci/guardrail-rules/*.toml\"]`".into(),
            ))
        })?;
        for path in files {
            if !seen.insert(path.clone()) {
                continue;
            }
            for rule in load_pack_file(&path, &mut taken)? {
                registry.push(rule);
            }
        }
    }
    Ok(registry)
}

/// Reads, compiles and tests one pack file; its rules, ready to run.
pub fn load_pack_file(
    path: &Path,
    taken: &mut BTreeMap<String, String>,
) -> Result<Vec<&'static dyn Rule>, ToolError> {
    let display = path.display().to_string();
    let text = read_pack_text(path)?;
    let pack = rules::pack::load(&display, &text, taken)?;
    let errs = rules::pack::PackErrors {
        display: &display,
        text: &text,
    };
    for rule in &pack.rules {
        if let Some(failure) = rules::pack::examples::run(rule).into_iter().next() {
            return Err(errs.error(
                failure.span,
                failure.message,
                "this example",
                Some(format!(
                    "`guardrail rules test {display}` runs every example of the pack"
                )),
            ));
        }
    }
    Ok(pack.rules.iter().map(|r| *r as &'static dyn Rule).collect())
}

/// A pack file's text (a regular file of at most 1 MiB, as a configuration file).
pub fn read_pack_text(path: &Path) -> Result<String, ToolError> {
    read_regular(path, MAX_CONFIG_BYTES).map_err(|source| ToolError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// The files a `packs` entry names: a path, or a glob (`*`, `?`, `[`, `{`) matched
/// under its longest literal folder. An entry that names nothing is an error: a typo
/// must not turn a team's rules off silently.
pub fn pack_files(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let is_glob = pattern.contains(['*', '?', '[', '{']);
    if !is_glob {
        let path = dir.join(pattern);
        return if path.is_file() {
            Ok(vec![path])
        } else {
            Err(format!(
                "no rule pack `{pattern}` (looked for {})",
                path.display()
            ))
        };
    }
    let literal: Vec<&str> = pattern
        .split('/')
        .take_while(|part| !part.contains(['*', '?', '[', '{']))
        .collect();
    let base = dir.join(literal.join("/"));
    let glob = GlobBuilder::new(pattern.trim_start_matches("./"))
        .literal_separator(true)
        .build()
        .map_err(|e| format!("invalid packs glob `{pattern}`: {e}"))?
        .compile_matcher();
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(&base)
        .standard_filters(false)
        .follow_links(false)
        .max_depth(Some(16))
        .build()
        .flatten()
    {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if glob.is_match(&rel) {
            out.push(entry.path().to_path_buf());
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(format!(
            "`{pattern}` matches no file under {}",
            base.display()
        ));
    }
    Ok(out)
}

fn config_error(
    config: Option<&LoadedConfig>,
    span: std::ops::Range<usize>,
    message: String,
) -> ToolError {
    match config {
        Some(c) => c.error(span, message, "here", None),
        None => ToolError::Usage(message),
    }
}

/// The commented default configuration written by `guardrail init`.
pub const DEFAULT_CONFIG: &str = r#"# guardrail configuration. Every key is optional; `guardrail rules` lists the rules and
# `guardrail explain CODE` documents one. Selectors are codes (GR501), code prefixes
# (GR5), slugs (compose/obsolete-version-key), families (compose) or ALL.

# Rules to run. Default: all of them.
# select = ["ALL"]

# Rules never to run.
# ignore = ["GR501"]

# The lowest severity that fails the run (exit code 1): error, warning, info or never.
fail-on = "error"

# Paths never scanned, in .gitignore syntax (the walk already honours .gitignore).
# exclude = ["vendor/", "**/node_modules/"]

# Files over this many bytes are skipped with a note.
# max-file-size = 5242880

# Where the rules' documentation is published, for SARIF's helpUri (code scanning links
# each alert's rule to it): `{code}` and `{slug}` are filled in.
# docs-url = "https://github.com/acme/guardrail/blob/main/docs/rules/{code}.md"

# Findings recorded by `guardrail check --write-baseline FILE` are not reported.
# baseline = "guardrail-baseline.json"

# The team's rule packs (paths or globs relative to this file); `guardrail rules new
# ci/guardrail-rules/team.toml --code ACME001 --slug team/first-rule` writes one.
# packs = ["ci/guardrail-rules/*.toml"]

# Change the severity of a rule or a family.
[severity]
# "compose/obsolete-version-key" = "error"

# Ignore rules for some paths only.
[per-path-ignores]
# "legacy/**" = ["compose"]

# Odoo: the version, for manifests whose `version` is not `17.0.x.y.z`-style.
[odoo]
# version = "17.0"

# Files the team requires (security/required-file). Built-in entries of
# rules/required-files.toml: odoo-access-file, security-md, codeowners, dockerignore.
[security]
# enable-required-files = ["codeowners"]

# Docker: base images that already hold the dependencies, and distributions whose
# module is named differently (docker/build-time-import-not-installed).
[docker]
# base-images-with-deps = ["registry.example.com/django-base"]
# import-names = { "acme-sdk" = "acme" }

# Compose: more password variables and well-known default values for
# compose/default-credentials, extending rules/compose-credentials.toml.
[compose]
# password-variables = ["ACME_DB_PASS"]
# default-values = ["acme123"]

# Middleware roles and ordering constraints, extending rules/middleware.toml.
# [[middleware.class]]
# class = "apps.core.middleware.TenantRoutingMiddleware"
# role = "tenant-resolution"

# [[security.required-file]]
# id = "service-healthcheck"
# directories = "services/*"          # "." is the repository root
# when = "Dockerfile"                 # only directories that contain this file
# require = ["healthcheck.sh"]        # one of these must exist
# message = "the orchestrator restarts services whose health it cannot probe"
# should-match = [["services/api/Dockerfile"]]
# should-not-match = [["services/api/Dockerfile", "services/api/healthcheck.sh"]]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Option<LoadedConfig>, ToolError> {
        parse(
            "guardrail.toml",
            Path::new("guardrail.toml"),
            text.to_string(),
            false,
        )
    }

    #[test]
    fn default_config_is_valid() {
        let c = parse_str(DEFAULT_CONFIG).unwrap().unwrap();
        let s = Settings::resolve(Some(&c), &CliOverrides::default()).unwrap();
        assert_eq!(s.fail_on, FailOn::Error);
        assert_eq!(s.rules.len(), rules::all().len());
    }

    #[test]
    fn unknown_key_points_at_it() {
        let text = "fail-on = \"error\"\nselekt = [\"GR501\"]\n";
        let err = parse_str(text).unwrap_err();
        match err {
            ToolError::Config(e) => {
                let span = e.span.unwrap();
                assert_eq!(&text[span.offset()..span.offset() + span.len()], "selekt");
                assert!(e.message.contains("selekt"), "{}", e.message);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unknown_selector_points_at_it() {
        let text = "ignore = [\"GR501\", \"GR9999\"]\n";
        let c = parse_str(text).unwrap().unwrap();
        let err = Settings::resolve(Some(&c), &CliOverrides::default()).unwrap_err();
        match err {
            ToolError::Config(e) => {
                let span = e.span.unwrap();
                assert_eq!(
                    &text[span.offset()..span.offset() + span.len()],
                    "\"GR9999\""
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn bad_value_is_an_error() {
        assert!(parse_str("fail-on = \"sometimes\"\n").is_err());
        assert!(parse_str("max-file-size = -1\n").is_err());
        let c = parse_str("max-file-size = 0\n").unwrap().unwrap();
        assert!(Settings::resolve(Some(&c), &CliOverrides::default()).is_err());
        let c = parse_str("max-file-size = 18446744073709551615\n")
            .unwrap()
            .unwrap();
        assert!(Settings::resolve(Some(&c), &CliOverrides::default()).is_err());
        for everything in ["''", "'*'", "'**'", "'./'", "'/'"] {
            let c = parse_str(&format!("exclude = [{everything}]\n"))
                .unwrap()
                .unwrap();
            let err = Settings::resolve(Some(&c), &CliOverrides::default()).unwrap_err();
            assert!(
                err.to_string().contains("excludes every file"),
                "{everything}: {err}"
            );
        }
    }

    #[test]
    fn cli_overrides_file() {
        let c = parse_str("fail-on = \"warning\"\nselect = [\"guardrail\"]\n")
            .unwrap()
            .unwrap();
        let cli = CliOverrides {
            select: Some(vec!["GR501".into()]),
            ignore: None,
            fail_on: Some(FailOn::Never),
        };
        let s = Settings::resolve(Some(&c), &cli).unwrap();
        assert_eq!(s.fail_on, FailOn::Never);
        assert_eq!(s.rules.len(), 1);
        assert_eq!(s.rules[0].meta().code, "GR501");
    }

    #[test]
    fn pyproject_without_section_is_no_config() {
        let r = parse(
            "pyproject.toml",
            Path::new("pyproject.toml"),
            "[project]\nname = \"x\"\n".into(),
            true,
        )
        .unwrap();
        assert!(r.is_none());
        let r = parse(
            "pyproject.toml",
            Path::new("pyproject.toml"),
            "[tool.guardrail]\nfail-on = \"never\"\n".into(),
            true,
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.file.fail_on, Some(FailOn::Never));
    }

    #[test]
    fn severity_and_path_ignores() {
        let c = parse_str(
            "[severity]\ncompose = \"info\"\n\"GR501\" = \"error\"\n[per-path-ignores]\n\"legacy/\" = [\"GR501\"]\n",
        )
        .unwrap()
        .unwrap();
        let s = Settings::resolve(Some(&c), &CliOverrides::default()).unwrap();
        let m = &crate::rules::compose::obsolete_version_key::ObsoleteVersionKey::META;
        // The rule's own code is more specific than its family.
        assert_eq!(s.severity_for(m, Severity::Warning), Severity::Error);
        let other = &crate::rules::guardrail::parse_error::ParseError::META;
        assert_eq!(s.severity_for(other, Severity::Warning), Severity::Warning);
        assert!(s.path_ignored("legacy/docker-compose.yml", m));
        assert!(!s.path_ignored("docker-compose.yml", m));
    }
}
