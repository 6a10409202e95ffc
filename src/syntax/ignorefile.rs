//! `.gitignore` and `.dockerignore` matching through the `ignore` crate's gitignore
//! parser (the one ripgrep uses), with the line of the pattern that matched.
//!
//! `.dockerignore` differs from `.gitignore` in one way that matters: every pattern is
//! anchored at the build context's root (`*.py` matches only at the root, `migrations`
//! only the top-level folder). Anchoring each pattern with a leading `/` gives exactly
//! that behaviour with the same matcher. Docker also cleans patterns, so a trailing `/`
//! does not restrict one to folders (`!app/` re-includes `app`).

use crate::core::path::RelPath;
use crate::core::source::{SourceFile, Span};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};

/// A virtual root: paths are matched as `ROOT/<relative path>`, never touching the disk.
const ROOT: &str = "/__guardrail_root__";

#[derive(Debug)]
pub struct IgnoreFile {
    pub path: RelPath,
    /// The directory the patterns are relative to ("" for the scan root).
    pub dir: String,
    /// Each glob carries the 1-based line that defined it as its `from` (see
    /// [`line_origin`]), so a match names its line by construction, whatever the
    /// matcher made of the pattern's text (it drops trailing whitespace, as git does).
    matcher: Gitignore,
}

/// The `from` of a compiled glob: the number of the line that defined it.
fn line_origin(line: usize) -> PathBuf {
    PathBuf::from(line.to_string())
}

/// The line a glob was compiled from (0 for a glob of no line, which this module never
/// builds).
fn origin_line(from: Option<&Path>) -> usize {
    from.and_then(Path::to_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The pattern that decided a path is ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreHit {
    pub line: usize,
    pub pattern: String,
}

impl IgnoreFile {
    pub fn gitignore(source: &SourceFile) -> Self {
        Self::build(source, false)
    }

    pub fn dockerignore(source: &SourceFile) -> Self {
        Self::build(source, true)
    }

    fn build(source: &SourceFile, anchored: bool) -> Self {
        let mut builder = GitignoreBuilder::new(ROOT);
        for (i, raw) in source.text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            let trimmed = if anchored { line.trim() } else { line };
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let pattern = if anchored {
                let (neg, body) = match trimmed.strip_prefix('!') {
                    Some(rest) => ("!", rest.trim()),
                    None => ("", trimmed),
                };
                // Docker cleans each pattern (`filepath.Clean`): `!app/` is `!app`, and
                // matches the folder as well as a file of that name.
                let body = body
                    .trim_start_matches("./")
                    .trim_start_matches('/')
                    .trim_end_matches('/');
                if body.is_empty() {
                    continue;
                }
                format!("{neg}/{body}")
            } else {
                trimmed.to_string()
            };
            // A pattern the matcher rejects is skipped, as git skips it.
            let _ = builder.add_line(Some(line_origin(i + 1)), &pattern);
        }
        let matcher = builder.build().unwrap_or_else(|_| Gitignore::empty());
        Self {
            path: source.path.clone(),
            dir: source.path.parent().to_string(),
            matcher,
        }
    }

    /// Whether `path` (relative to the scan root) is ignored by this file, and by which
    /// line. Paths outside the file's directory are never matched.
    pub fn ignored(&self, path: &str, is_dir: bool) -> Option<IgnoreHit> {
        let rel = if self.dir.is_empty() {
            path
        } else {
            path.strip_prefix(self.dir.as_str())?.strip_prefix('/')?
        };
        if rel.is_empty() || rel.split('/').any(|c| c == ".." || c.is_empty()) {
            return None;
        }
        let full = PathBuf::from(ROOT).join(rel);
        match self.matcher.matched_path_or_any_parents(&full, is_dir) {
            Match::Ignore(glob) => Some(IgnoreHit {
                line: origin_line(glob.from()),
                pattern: glob.original().to_string(),
            }),
            _ => None,
        }
    }

    /// The span of a 1-based line of the ignore file.
    pub fn line_span(source: &SourceFile, line: usize) -> Option<Span> {
        source.line_span(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile::new(RelPath::new(path), text.to_string())
    }

    #[test]
    fn gitignore_matches_anywhere_below_its_dir() {
        let g = IgnoreFile::gitignore(&file(
            "backend/.gitignore",
            "# generated\n*.pyc\n**/migrations/*.py\n!**/migrations/__init__.py\n",
        ));
        let hit = g
            .ignored("backend/apps/auth/migrations/0001_initial.py", false)
            .unwrap();
        assert_eq!(hit.line, 3);
        assert!(
            g.ignored("backend/apps/auth/migrations/__init__.py", false)
                .is_none()
        );
        assert!(
            g.ignored("frontend/apps/auth/migrations/0001_initial.py", false)
                .is_none()
        );
        assert!(g.ignored("backend/apps/auth/models.py", false).is_none());
    }

    #[test]
    fn dockerignore_patterns_are_anchored_at_the_context() {
        let d = IgnoreFile::dockerignore(&file(".dockerignore", "*.py\nmigrations\n**/*.md\n"));
        // `*.py` and `migrations` only at the context root.
        assert!(d.ignored("manage.py", false).is_some());
        assert!(
            d.ignored("apps/auth/migrations/0001_initial.py", false)
                .is_none()
        );
        assert!(d.ignored("migrations/0001_initial.py", false).is_some());
        assert!(d.ignored("docs/x/readme.md", false).is_some());
        let d = IgnoreFile::dockerignore(&file(
            ".dockerignore",
            "**/migrations\n!apps/keep/migrations\n",
        ));
        assert_eq!(
            d.ignored("apps/auth/migrations/0001_initial.py", false)
                .map(|h| h.line),
            Some(1)
        );
        assert!(
            d.ignored("apps/keep/migrations/0001_initial.py", false)
                .is_none()
        );
    }

    #[test]
    fn a_pattern_with_trailing_whitespace_reports_its_line() {
        let g = IgnoreFile::gitignore(&file(".gitignore", "*.pyc\nmigrations/ \t\r\n*.py\\ \n"));
        // The matcher trims `migrations/ \t`; `*.py\ ` keeps its escaped space.
        let hit = g.ignored("app/migrations/0001_initial.py", false).unwrap();
        assert_eq!((hit.line, hit.pattern.as_str()), (2, "migrations/"));
        let g = IgnoreFile::gitignore(&file(".gitignore", "# x\n* \n"));
        assert_eq!(g.ignored("manage.py", false).map(|h| h.line), Some(2));
        let d = IgnoreFile::dockerignore(&file(".dockerignore", "\n  migrations/  \n"));
        assert_eq!(
            d.ignored("migrations/0001_initial.py", false)
                .map(|h| h.line),
            Some(2)
        );
    }
}
