//! The one place that maps a path to a [`FileKind`], by path only (never by content).
//! Files of kind [`FileKind::Other`] are never opened.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::sync::OnceLock;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    DjangoMigration,
    DjangoSettings,
    OdooManifest,
    OdooAccessCsv,
    Python,
    Dockerfile,
    #[serde(rename = "dockerignore")]
    DockerIgnore,
    #[serde(rename = "gitignore")]
    GitIgnore,
    Compose,
    GithubWorkflow,
    Yaml,
    Requirements,
    #[serde(rename = "pyproject")]
    PyProject,
    Toml,
    Xml,
    Csv,
    Rust,
    /// `.env` files (read for `DJANGO_SETTINGS_MODULE`).
    EnvFile,
    /// `pytest.ini`, `tox.ini`, `setup.cfg` (read for `DJANGO_SETTINGS_MODULE`).
    Ini,
    /// `.js`, `.jsx`, `.mjs`, `.cjs` (read by `js-call` pack rules).
    #[serde(rename = "javascript")]
    JavaScript,
    /// `.ts`, `.tsx`, `.mts`, `.cts` (read by `js-call` pack rules).
    #[serde(rename = "typescript")]
    TypeScript,
    Other,
}

/// How a kind writes line comments, for inline suppressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentSyntax {
    Hash,
    DoubleSlash,
    None,
}

impl FileKind {
    /// Every kind (a rule reading files by glob may be called for any of them).
    pub const ALL: &'static [FileKind] = &[
        FileKind::DjangoMigration,
        FileKind::DjangoSettings,
        FileKind::OdooManifest,
        FileKind::OdooAccessCsv,
        FileKind::Python,
        FileKind::Dockerfile,
        FileKind::DockerIgnore,
        FileKind::GitIgnore,
        FileKind::Compose,
        FileKind::GithubWorkflow,
        FileKind::Yaml,
        FileKind::Requirements,
        FileKind::PyProject,
        FileKind::Toml,
        FileKind::Xml,
        FileKind::Csv,
        FileKind::Rust,
        FileKind::EnvFile,
        FileKind::Ini,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Other,
    ];

    pub fn comment_syntax(self) -> CommentSyntax {
        use FileKind::*;
        match self {
            DjangoMigration | DjangoSettings | OdooManifest | Python | Dockerfile
            | DockerIgnore | GitIgnore | Compose | GithubWorkflow | Yaml | Requirements
            | PyProject | Toml | EnvFile | Ini => CommentSyntax::Hash,
            Rust | JavaScript | TypeScript => CommentSyntax::DoubleSlash,
            OdooAccessCsv | Xml | Csv | Other => CommentSyntax::None,
        }
    }

    /// Every kind that is parsed as YAML.
    pub fn is_yaml(self) -> bool {
        matches!(
            self,
            FileKind::Compose | FileKind::GithubWorkflow | FileKind::Yaml
        )
    }

    /// Every kind that is parsed as Python.
    pub fn is_python(self) -> bool {
        matches!(
            self,
            FileKind::Python
                | FileKind::DjangoMigration
                | FileKind::DjangoSettings
                | FileKind::OdooManifest
        )
    }
}

/// Ordered: the first pattern that matches decides. Patterns match the path relative to
/// the scan root with `/` separators.
const TABLE: &[(&str, FileKind)] = &[
    ("**/migrations/__init__.py", FileKind::Python),
    ("**/migrations/*.py", FileKind::DjangoMigration),
    ("**/settings.py", FileKind::DjangoSettings),
    ("**/settings/*.py", FileKind::DjangoSettings),
    ("**/__manifest__.py", FileKind::OdooManifest),
    ("**/__openerp__.py", FileKind::OdooManifest),
    ("**/ir.model.access.csv", FileKind::OdooAccessCsv),
    ("**/*.{py,pyi}", FileKind::Python),
    ("**/{Dockerfile,Containerfile}", FileKind::Dockerfile),
    ("**/{Dockerfile,Containerfile}.*", FileKind::Dockerfile),
    (
        "**/*.{Dockerfile,dockerfile,Containerfile}",
        FileKind::Dockerfile,
    ),
    ("**/.dockerignore", FileKind::DockerIgnore),
    ("**/*.dockerignore", FileKind::DockerIgnore),
    ("**/.gitignore", FileKind::GitIgnore),
    ("**/{docker-compose,compose}*.{yml,yaml}", FileKind::Compose),
    (".github/workflows/*.{yml,yaml}", FileKind::GithubWorkflow),
    ("**/*.{yml,yaml}", FileKind::Yaml),
    ("**/requirements*.{txt,in}", FileKind::Requirements),
    ("**/requirements/*.{txt,in}", FileKind::Requirements),
    ("**/pyproject.toml", FileKind::PyProject),
    ("**/*.toml", FileKind::Toml),
    ("**/*.xml", FileKind::Xml),
    ("**/*.csv", FileKind::Csv),
    ("**/*.rs", FileKind::Rust),
    ("**/{.env,.env.*,*.env}", FileKind::EnvFile),
    ("**/{pytest.ini,tox.ini,setup.cfg}", FileKind::Ini),
    ("**/*.{js,jsx,mjs,cjs}", FileKind::JavaScript),
    ("**/*.{ts,tsx,mts,cts}", FileKind::TypeScript),
];

struct Classifier {
    set: GlobSet,
    kinds: Vec<FileKind>,
}

fn classifier() -> &'static Classifier {
    static CLASSIFIER: OnceLock<Classifier> = OnceLock::new();
    CLASSIFIER.get_or_init(|| {
        let mut builder = GlobSetBuilder::new();
        let mut kinds = Vec::new();
        for (pattern, kind) in TABLE {
            // The table is a compile-time constant checked by a unit test; a bad entry
            // is skipped rather than aborting a user's run.
            if let Ok(glob) = glob(pattern) {
                builder.add(glob);
                kinds.push(*kind);
            }
        }
        let set = builder.build().unwrap_or_else(|_| GlobSet::empty());
        Classifier { set, kinds }
    })
}

/// `*` stops at `/`, as in .gitignore.
fn glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

/// The kind of the file at `rel_path` (relative to the scan root, `/` separators).
pub fn classify(rel_path: &str) -> FileKind {
    let c = classifier();
    c.set
        .matches(rel_path)
        .into_iter()
        .min()
        .and_then(|i| c.kinds.get(i).copied())
        .unwrap_or(FileKind::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_kind_once() {
        // A new variant fails to compile here until it has a number, and the
        // assertions then fail until `ALL` lists it in that place.
        fn number(k: FileKind) -> usize {
            use FileKind::*;
            match k {
                DjangoMigration => 0,
                DjangoSettings => 1,
                OdooManifest => 2,
                OdooAccessCsv => 3,
                Python => 4,
                Dockerfile => 5,
                DockerIgnore => 6,
                GitIgnore => 7,
                Compose => 8,
                GithubWorkflow => 9,
                Yaml => 10,
                Requirements => 11,
                PyProject => 12,
                Toml => 13,
                Xml => 14,
                Csv => 15,
                Rust => 16,
                EnvFile => 17,
                Ini => 18,
                JavaScript => 19,
                TypeScript => 20,
                Other => 21,
            }
        }
        assert_eq!(FileKind::ALL.len(), 22);
        for (i, k) in FileKind::ALL.iter().enumerate() {
            assert_eq!(number(*k), i, "{k:?}");
        }
    }

    #[test]
    fn every_table_pattern_compiles() {
        for (pattern, _) in TABLE {
            assert!(glob(pattern).is_ok(), "bad pattern {pattern}");
        }
        assert_eq!(classifier().kinds.len(), TABLE.len());
    }

    #[test]
    fn classifies_by_path() {
        use FileKind::*;
        let cases = [
            ("docker-compose.yml", Compose),
            ("deploy/docker-compose.prod.yaml", Compose),
            ("compose.yaml", Compose),
            ("compose.override.yml", Compose),
            ("config.yml", Yaml),
            (".github/workflows/ci.yml", GithubWorkflow),
            ("Dockerfile", Dockerfile),
            ("docker/Dockerfile.prod", Dockerfile),
            ("web.Dockerfile", Dockerfile),
            ("Containerfile", Dockerfile),
            (".dockerignore", DockerIgnore),
            ("app/.gitignore", GitIgnore),
            ("apps/auth/migrations/0001_initial.py", DjangoMigration),
            ("apps/auth/migrations/__init__.py", Python),
            ("config/settings.py", DjangoSettings),
            ("config/settings/production.py", DjangoSettings),
            ("school/__manifest__.py", OdooManifest),
            ("school/security/ir.model.access.csv", OdooAccessCsv),
            ("school/models/student.py", Python),
            ("requirements.txt", Requirements),
            ("requirements/production.txt", Requirements),
            ("pyproject.toml", PyProject),
            ("rules/docker.toml", Toml),
            ("school/views/student.xml", Xml),
            ("src/main.rs", Rust),
            (".env", EnvFile),
            ("deploy/.env.production", EnvFile),
            ("docker/web.env", EnvFile),
            ("tox.ini", Ini),
            ("backend/setup.cfg", Ini),
            ("web/src/api.ts", TypeScript),
            ("web/src/App.tsx", TypeScript),
            ("web/src/index.jsx", JavaScript),
            ("web/vite.config.mjs", JavaScript),
            ("README.md", Other),
            ("Dockerfile.md.bak/x", Other),
        ];
        for (path, kind) in cases {
            assert_eq!(classify(path), kind, "{path}");
        }
    }
}
