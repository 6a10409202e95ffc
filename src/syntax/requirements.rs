//! Requirement files (`pip install -r`): distributions by PEP 508 name, `-r`/`-c`
//! includes, `-e .`/local paths, with extras, version specifiers, environment markers,
//! `--hash` options and comments skipped. A line reader is enough: pip's format is
//! line-based, and only the distribution names matter here.

/// A declared dependency: a distribution and the version it asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dependency {
    /// The normalized distribution name (`django-cors-headers`).
    pub name: String,
    /// The version specifier as written (`>=4.2,<5`, `^4.2`), without extras or markers.
    pub specifier: String,
}

use crate::core::source::{ParseFailure, Span};

/// What a requirement file asks pip for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReqFile {
    /// The distributions it names, in file order.
    pub distributions: Vec<Dependency>,
    /// `-r other.txt`, as written (relative to the file).
    pub includes: Vec<String>,
    /// `-e .`, `.`, `./pkg`: a local project.
    pub local_project: bool,
}

/// PEP 503 normalization: lower case, runs of `-_.` as one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !dash && !out.is_empty() {
                out.push('-');
            }
            dash = true;
        } else {
            out.push(c.to_ascii_lowercase());
            dash = false;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The dependency a PEP 508 requirement names (`Django[argon2]>=4.2; python_version>"3"`):
/// not a URL, a path or an option.
pub fn dependency(spec: &str) -> Option<Dependency> {
    let spec = spec.split('#').next()?.split(';').next()?.trim();
    if spec.is_empty()
        || spec.starts_with('-')
        || spec.contains("://")
        || spec.starts_with('.')
        || spec.starts_with('/')
    {
        return None;
    }
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = spec.get(..end)?;
    let rest = spec.get(end..).unwrap_or("").trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(extras) => extras.split_once(']').map_or("", |(_, r)| r),
        None => rest,
    };
    (!name.is_empty()).then(|| Dependency {
        name: normalize(name),
        // Per-requirement pip options (`--hash=...`) are not part of the version.
        specifier: rest.split(" --").next().unwrap_or("").trim().to_string(),
    })
}

/// The dependencies a `pyproject.toml` declares: `[project.dependencies]` (PEP 508
/// strings) and Poetry's `[tool.poetry.dependencies]` (name = version or table), Python
/// itself excluded. A file that is not TOML is a parse failure at the error.
pub fn pyproject_dependencies(text: &str) -> Result<Vec<Dependency>, ParseFailure> {
    let doc = text.parse::<toml::Table>().map_err(|e| ParseFailure {
        message: format!("invalid TOML: {}", e.message().trim()),
        span: e.span().map(Span::from),
    })?;
    let mut out: Vec<Dependency> = doc
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().and_then(dependency))
        .collect();
    let poetry = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_table());
    for (name, value) in poetry.into_iter().flatten() {
        if name == "python" {
            continue;
        }
        let specifier = value
            .as_str()
            .or_else(|| value.get("version").and_then(|v| v.as_str()))
            .unwrap_or("");
        out.push(Dependency {
            name: normalize(name),
            specifier: specifier.to_string(),
        });
    }
    Ok(out)
}

pub fn parse(text: &str) -> ReqFile {
    let mut out = ReqFile::default();
    // Continuation lines end with a backslash.
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    for line in joined.lines() {
        let line = line.split(" #").next().unwrap_or(line).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        match first {
            "-r" | "--requirement" => out.includes.extend(words.next().map(str::to_string)),
            _ if let Some(file) = first
                .strip_prefix("--requirement=")
                .or_else(|| first.strip_prefix("-r").filter(|f| !f.is_empty())) =>
            {
                out.includes.push(file.to_string())
            }
            "-e" | "--editable" => {
                let target = words.next().unwrap_or("");
                if target.starts_with('.') || target.starts_with('/') {
                    out.local_project = true;
                }
            }
            "." | "./" => out.local_project = true,
            _ if first.starts_with('-') => {}
            _ => out.distributions.extend(dependency(line)),
        }
    }
    out
}

/// The built-in table, `rules/import-names.toml`.
pub const IMPORT_NAMES_TABLE: &str = include_str!("../../rules/import-names.toml");

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportNames {
    names: std::collections::BTreeMap<String, Vec<String>>,
    /// Read by the table's test only.
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    example: Vec<ImportNameExample>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(test), allow(dead_code))]
struct ImportNameExample {
    distribution: String,
    modules: Vec<String>,
}

/// Distributions whose import name differs from their name, parsed once. The table is
/// part of the binary and checked by tests: a parse failure is a build defect and
/// yields an empty table rather than a panic.
fn import_table() -> &'static ImportNames {
    static TABLE: std::sync::OnceLock<ImportNames> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| toml::from_str(IMPORT_NAMES_TABLE).unwrap_or_default())
}

/// The top-level modules a distribution provides.
pub fn import_names(distribution: &str, overrides: &[(String, String)]) -> Vec<String> {
    let d = normalize(distribution);
    let configured: Vec<String> = overrides
        .iter()
        .filter(|(k, _)| normalize(k) == d)
        .map(|(_, v)| v.clone())
        .collect();
    if !configured.is_empty() {
        return configured;
    }
    match import_table().names.get(&d) {
        Some(names) => names.clone(),
        None => vec![d.replace('-', "_")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_requirement_files() {
        let r = parse(
            "# prod\n-r base.txt\n--requirement=extra.txt\n-c constraints.txt\nDjango[argon2]>=4.2,<5 ; python_version >= '3.10'\ndjango-cors-headers==4.3 \\\n    --hash=sha256:abc\npsycopg2-binary  # db\n-e .\n--index-url https://x\ngit+https://github.com/x/y.git#egg=y\n",
        );
        assert_eq!(r.includes, ["base.txt", "extra.txt"]);
        let names: Vec<&str> = r.distributions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["django", "django-cors-headers", "psycopg2-binary"]);
        let specs: Vec<&str> = r
            .distributions
            .iter()
            .map(|d| d.specifier.as_str())
            .collect();
        assert_eq!(specs, [">=4.2,<5", "==4.3", ""]);
        assert!(r.local_project);
    }

    #[test]
    fn the_import_name_table_passes_its_examples() {
        let table = import_table();
        assert!(table.names.len() >= 40, "the table parses");
        assert!(table.example.len() >= 4);
        for e in &table.example {
            assert_eq!(
                import_names(&e.distribution, &[]),
                e.modules,
                "{}",
                e.distribution
            );
        }
        for d in table.names.keys() {
            assert_eq!(&normalize(d), d, "{d} is written normalised");
        }
    }

    #[test]
    fn reads_pyproject_dependencies() {
        let deps = pyproject_dependencies(
            "[project]\ndependencies = [\"Django>=5.0\", \"celery[redis]~=5.3\"]\n\
             [tool.poetry.dependencies]\npython = \"^3.11\"\ndjango-environ = {version = \"^0.11\"}\n",
        )
        .unwrap();
        let got: Vec<(&str, &str)> = deps
            .iter()
            .map(|d| (d.name.as_str(), d.specifier.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("django", ">=5.0"),
                ("celery", "~=5.3"),
                ("django-environ", "^0.11")
            ]
        );
        let failure = pyproject_dependencies("[project]\nname = \n").unwrap_err();
        assert!(failure.message.starts_with("invalid TOML"), "{failure:?}");
        assert!(failure.span.is_some());
    }

    #[test]
    fn maps_distributions_to_modules() {
        assert_eq!(import_names("djangorestframework", &[]), ["rest_framework"]);
        assert_eq!(import_names("Pillow", &[]), ["PIL"]);
        assert_eq!(import_names("django_tenants", &[]), ["django_tenants"]);
        assert_eq!(import_names("pytz", &[]), ["pytz"]);
        assert_eq!(
            import_names("acme-sdk", &[("acme_sdk".into(), "acme".into())]),
            ["acme"]
        );
        assert_eq!(normalize("Django_Cors.Headers"), "django-cors-headers");
    }
}
