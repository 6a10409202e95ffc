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
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    /// One matcher normally; several, in line order, when the patterns together are too
    /// big to compile as one (see [`compile`]).
    matchers: Arc<[Gitignore]>,
    /// The patterns the matcher could not use, with why: a line that is no glob (git
    /// skips it too), or one whose regex exceeds the matcher's size limit. Every other
    /// line is matched.
    pub rejected: Vec<Rejected>,
}

/// What compiling a text yields; independent of the file's place (paths are matched under
/// the virtual [`ROOT`]), so files with the same text share it.
type Compiled = (Arc<[Gitignore]>, Vec<Rejected>);

/// Compiled texts of this process, keyed by (XXH3-128 of the text, anchored). Monorepos
/// repeat the same `.dockerignore` in hundreds of services, and compiling one to regexes
/// was about a tenth of a large check's instructions. Bounded: texts over
/// [`MEMO_MAX_TEXT`] are not kept, and the memo is emptied when it holds
/// [`MEMO_MAX_ENTRIES`].
static MEMO: Mutex<Option<FxHashMap<(u128, bool), Compiled>>> = Mutex::new(None);
const MEMO_MAX_TEXT: usize = 64 * 1024;
const MEMO_MAX_ENTRIES: usize = 4096;

/// A line of an ignore file left out of matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub line: usize,
    pub reason: String,
}

/// Compiles `patterns` (line, pattern) into matchers, in line order. A set the matcher
/// cannot build (its regexes together exceed the size limit) is split in halves until
/// each half builds, and a single pattern that cannot build alone is rejected: one bad
/// line costs that line, never the file.
fn compile(patterns: &[(usize, String)], out: &mut Vec<Gitignore>, rejected: &mut Vec<Rejected>) {
    if patterns.is_empty() {
        return;
    }
    let mut builder = GitignoreBuilder::new(ROOT);
    for (line, pattern) in patterns {
        // Checked when the line was read: every pattern here adds.
        let _ = builder.add_line(Some(line_origin(*line)), pattern);
    }
    match builder.build() {
        Ok(matcher) => out.push(matcher),
        Err(err) => match patterns {
            [(line, _)] => rejected.push(Rejected {
                line: *line,
                reason: err.to_string(),
            }),
            _ => {
                let (first, second) = patterns.split_at(patterns.len() / 2);
                compile(first, out, rejected);
                compile(second, out, rejected);
            }
        },
    }
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
        let text = source.text.as_str();
        let key = (text.len() <= MEMO_MAX_TEXT)
            .then(|| (xxhash_rust::xxh3::xxh3_128(text.as_bytes()), anchored));
        let found = key.and_then(|k| MEMO.lock().ok()?.as_ref()?.get(&k).cloned());
        let (matchers, rejected) = match found {
            Some(compiled) => compiled,
            None => {
                let compiled = Self::compile_text(text, anchored);
                if let Some(k) = key
                    && let Ok(mut memo) = MEMO.lock()
                {
                    let memo = memo.get_or_insert_with(FxHashMap::default);
                    if memo.len() >= MEMO_MAX_ENTRIES {
                        memo.clear();
                    }
                    memo.insert(k, compiled.clone());
                }
                compiled
            }
        };
        Self {
            path: source.path.clone(),
            dir: source.path.parent().to_string(),
            matchers,
            rejected,
        }
    }

    fn compile_text(text: &str, anchored: bool) -> Compiled {
        use crate::core::limits::{MAX_IGNORE_FILE, MAX_IGNORE_LINE};
        let mut builder = GitignoreBuilder::new(ROOT);
        let mut patterns = Vec::new();
        let mut rejected = Vec::new();
        // The walk's bounds (`core::limits`): a file past them is not applied at all,
        // so both read the tree the same way.
        if text.len() > MAX_IGNORE_FILE {
            rejected.push(Rejected {
                line: 1,
                reason: format!("the file is over {MAX_IGNORE_FILE} bytes: not applied"),
            });
            return (Vec::new().into(), rejected);
        }
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            if line.len() > MAX_IGNORE_LINE {
                rejected.push(Rejected {
                    line: i + 1,
                    reason: format!("the line is over {MAX_IGNORE_LINE} bytes: not applied"),
                });
                continue;
            }
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
            // A pattern the matcher rejects is skipped, as git skips it, and recorded.
            match builder.add_line(Some(line_origin(i + 1)), &pattern) {
                Ok(_) => patterns.push((i + 1, pattern)),
                Err(err) => rejected.push(Rejected {
                    line: i + 1,
                    reason: err.to_string(),
                }),
            }
        }
        let mut matchers = Vec::new();
        match builder.build() {
            Ok(matcher) => matchers.push(matcher),
            Err(_) => compile(&patterns, &mut matchers, &mut rejected),
        }
        rejected.sort_by_key(|r| r.line);
        (matchers.into(), rejected)
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
        let decided = match &*self.matchers {
            [matcher] => matcher.matched_path_or_any_parents(&full, is_dir),
            matchers => Self::matched_in_order(matchers, &full, is_dir),
        };
        match decided {
            Match::Ignore(glob) => Some(IgnoreHit {
                line: origin_line(glob.from()),
                pattern: glob.original().to_string(),
            }),
            _ => None,
        }
    }

    /// `matched_path_or_any_parents` over matchers that split one file in line order:
    /// at each level (the path, then its parents as folders) the last line that matches
    /// decides, so the last matcher with a match does.
    fn matched_in_order<'m>(
        matchers: &'m [Gitignore],
        full: &Path,
        is_dir: bool,
    ) -> Match<&'m ignore::gitignore::Glob> {
        let root = Path::new(ROOT);
        let mut level = Some(full);
        let mut level_is_dir = is_dir;
        while let Some(path) = level {
            if !path.starts_with(root) {
                break;
            }
            for matcher in matchers.iter().rev() {
                match matcher.matched(path, level_is_dir) {
                    Match::None => {}
                    decided => return decided,
                }
            }
            level = path.parent();
            level_is_dir = true;
        }
        Match::None
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

    /// A glob whose regex exceeds the matcher's size limit (each `?` is a class).
    fn oversized() -> String {
        format!("{}x", "?".repeat(500_000))
    }

    /// The matcher built from `(line, pattern)` lines through [`compile`], past the
    /// file bounds of `compile_text` (a pattern that exceeds the regex size limit is
    /// longer than [`crate::core::limits::MAX_IGNORE_LINE`]; the split still guards
    /// against one within it).
    fn compiled(path: &str, lines: &[(usize, String)]) -> IgnoreFile {
        let (mut matchers, mut rejected) = (Vec::new(), Vec::new());
        compile(lines, &mut matchers, &mut rejected);
        IgnoreFile {
            path: RelPath::new(path),
            dir: String::new(),
            matchers: matchers.into(),
            rejected,
        }
    }

    #[test]
    fn an_oversized_pattern_costs_its_line_only() {
        let lines = [
            (1, "*.pyc".to_string()),
            (2, oversized()),
            (3, "migrations/".to_string()),
            (4, "!migrations/keep.py".to_string()),
        ];
        let g = compiled(".gitignore", &lines);
        assert_eq!(
            g.rejected.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2],
            "{:?}",
            g.rejected
        );
        assert!(g.matchers.len() > 1);
        assert_eq!(g.ignored("a/b.pyc", false).map(|h| h.line), Some(1));
        let hit = g.ignored("app/migrations/0001_initial.py", false).unwrap();
        assert_eq!((hit.line, hit.pattern.as_str()), (3, "migrations/"));
        // A later line still wins over an earlier one in another matcher.
        assert!(g.ignored("migrations/keep.py", false).is_none());
        assert!(g.ignored("app/models.py", false).is_none());
        let d = compiled(
            ".dockerignore",
            &[(1, format!("/{}", oversized())), (2, "/*.md".to_string())],
        );
        assert_eq!(
            d.rejected.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![1]
        );
        assert_eq!(d.ignored("README.md", false).map(|h| h.line), Some(2));
    }

    #[test]
    fn a_clean_file_has_one_matcher_and_no_rejected_line() {
        let g = IgnoreFile::gitignore(&file(".gitignore", "*.pyc\n!keep.pyc\n"));
        assert_eq!(g.matchers.len(), 1);
        assert!(g.rejected.is_empty());
    }

    #[test]
    fn a_file_past_the_bounds_is_not_applied_and_says_why() {
        use crate::core::limits::{MAX_IGNORE_FILE, MAX_IGNORE_LINE};
        let big: String = (0..)
            .map(|i| format!("dir{i}/**/*.pyc\n"))
            .take_while({
                let mut len = 0;
                move |l: &String| {
                    len += l.len();
                    len <= MAX_IGNORE_FILE + 100
                }
            })
            .collect::<String>()
            + "*.py\n";
        assert!(big.len() > MAX_IGNORE_FILE);
        let g = IgnoreFile::gitignore(&file(".gitignore", &big));
        assert!(g.ignored("app.py", false).is_none());
        assert_eq!(g.rejected.len(), 1);
        assert_eq!(g.rejected[0].line, 1);
        let long = format!("{}\n*.py\n", "a".repeat(MAX_IGNORE_LINE + 1));
        let g = IgnoreFile::gitignore(&file(".gitignore", &long));
        assert_eq!(g.ignored("app.py", false).map(|h| h.line), Some(2));
        assert_eq!(g.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), [1]);
    }
}
