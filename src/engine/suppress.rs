//! Inline suppressions: `# guardrail: ignore[GR501] reason` on a finding's line or the
//! line above (the whole of a statement continued with `\` below it: a multi-line
//! `RUN`), `# guardrail: ignore-file[GR501]` anywhere in a file (`//` in Rust).
//!
//! Directives are found by a line scan for a comment marker followed by `guardrail:`,
//! the way hadolint, gitleaks and ruff's `noqa` do, rather than through each language's
//! parser: suppressions must work identically in Python, Dockerfile, YAML, TOML and Rust,
//! including in files that fail to parse, and none of our YAML/TOML parsers keep
//! comments. A `# guardrail:` inside a string literal would be read as a directive; that
//! is accepted as harmless.

use crate::core::kind::CommentSyntax;
use crate::core::source::{SourceFile, Span};
use crate::lint::selector::Selector;

const MARKER: &str = crate::core::source::SUPPRESSION_MARKER;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// As written, e.g. `GR501`.
    pub text: String,
    pub span: Span,
    /// `Err` holds why the text names no rule.
    pub selector: Result<Selector, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// 1-based line of the comment.
    pub line: usize,
    /// The last line it covers: the line below, or the end of the statement that starts
    /// there when it continues over several lines with a trailing `\`.
    pub last_line: usize,
    pub file_level: bool,
    /// The whole `guardrail: ignore[...]` text.
    pub span: Span,
    pub entries: Vec<Entry>,
}

impl Directive {
    /// Whether this directive covers a finding on 1-based `line`.
    pub fn covers_line(&self, line: Option<usize>) -> bool {
        if self.file_level {
            return true;
        }
        line.is_some_and(|l| l >= self.line && l <= self.last_line)
    }
}

/// Every directive in a file. Cheap when the file has none.
pub fn parse(
    source: &SourceFile,
    syntax: CommentSyntax,
    known: &[&'static dyn crate::lint::rule::Rule],
) -> Vec<Directive> {
    let comment = match syntax {
        CommentSyntax::Hash => "#",
        CommentSyntax::DoubleSlash => "//",
        CommentSyntax::None => return Vec::new(),
    };
    if !source.text.contains(MARKER) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut line_start = 0usize;
    let lines: Vec<&str> = source.text.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let mut search_from = 0;
        while let Some(found) = line.get(search_from..).and_then(|l| l.find(MARKER)) {
            let at = search_from + found;
            search_from = at + MARKER.len();
            let before = line.get(..at).unwrap_or("").trim_end();
            if !before.ends_with(comment) {
                continue;
            }
            if let Some(mut d) = parse_directive(line, at, line_start, i + 1, known) {
                d.last_line = statement_end(&lines, i + 1, comment);
                out.push(d);
            }
        }
        line_start += line.len() + 1;
    }
    out
}

/// The 1-based last line of the statement that starts at 0-based `start` (the line after
/// a directive): while a line ends with a `\` continuation, the next one belongs to it
/// (comment lines inside a Dockerfile continuation too). Bounded by the file.
fn statement_end(lines: &[&str], start: usize, comment: &str) -> usize {
    let mut i = start;
    while let Some(line) = lines.get(i) {
        let t = line.trim_end();
        let continues = t.ends_with('\\') || (i > start && t.trim_start().starts_with(comment));
        if !continues {
            break;
        }
        i += 1;
    }
    // `i` is the 0-based last line; as 1-based that is `i + 1`.
    i + 1
}

fn parse_directive(
    line: &str,
    at: usize,
    line_start: usize,
    line_no: usize,
    known: &[&'static dyn crate::lint::rule::Rule],
) -> Option<Directive> {
    let rest_start = at + MARKER.len();
    let rest = line.get(rest_start..)?;
    let trimmed = rest.trim_start();
    let mut pos = rest_start + (rest.len() - trimmed.len());
    let (file_level, keyword) = if trimmed.starts_with("ignore-file") {
        (true, "ignore-file")
    } else if trimmed.starts_with("ignore") {
        (false, "ignore")
    } else {
        return None;
    };
    pos += keyword.len();
    let mut entries = Vec::new();
    let mut end = pos;
    let after = line.get(pos..).unwrap_or("");
    if let Some(list) = after.strip_prefix('[') {
        let close = list.find(']');
        let inner = close.map_or(list, |c| list.get(..c).unwrap_or(""));
        let inner_start = pos + 1;
        let mut offset = 0;
        for part in inner.split(',') {
            let lead = part.len() - part.trim_start().len();
            let text = part.trim();
            if !text.is_empty() {
                let s = line_start + inner_start + offset + lead;
                entries.push(Entry {
                    text: text.to_string(),
                    span: Span::new(s, s + text.len()),
                    selector: Selector::parse(text, known),
                });
            }
            offset += part.len() + 1;
        }
        end = inner_start + inner.len() + usize::from(close.is_some());
    }
    Some(Directive {
        line: line_no,
        last_line: line_no + 1,
        file_level,
        span: Span::new(line_start + at, line_start + end),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::path::RelPath;

    fn directives(text: &str, syntax: CommentSyntax) -> (SourceFile, Vec<Directive>) {
        let s = SourceFile::new(RelPath::new("x"), text.to_string());
        let d = parse(&s, syntax, crate::rules::all());
        (s, d)
    }

    #[test]
    fn finds_line_and_file_directives() {
        let (s, d) = directives(
            "a: 1\nversion: '3' # guardrail: ignore[GR501, compose] legacy swarm file\n# guardrail: ignore-file[guardrail/parse-error]\n",
            CommentSyntax::Hash,
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].line, 2);
        assert!(!d[0].file_level);
        assert_eq!(d[0].entries.len(), 2);
        assert_eq!(s.slice(d[0].entries[0].span), "GR501");
        assert_eq!(s.slice(d[0].entries[1].span), "compose");
        assert_eq!(s.slice(d[0].span), "guardrail: ignore[GR501, compose]");
        assert!(d[1].file_level);
        assert!(d[1].covers_line(Some(99)));
        assert!(d[0].covers_line(Some(3)));
        assert!(!d[0].covers_line(Some(1)));
        assert!(!d[0].covers_line(None));
    }

    #[test]
    fn covers_a_statement_continued_below_it() {
        let (_, d) = directives(
            "FROM x\n# guardrail: ignore[GR301] seeded\nRUN set -e; \\\n    # a comment\n    SECRET_KEY=x \\\n    python manage.py collectstatic\nRUN other\n",
            CommentSyntax::Hash,
        );
        assert_eq!((d[0].line, d[0].last_line), (2, 6));
        assert!(d[0].covers_line(Some(6)));
        assert!(!d[0].covers_line(Some(7)));
        assert!(!d[0].covers_line(Some(1)));
        let (_, d) = directives(
            "# guardrail: ignore[GR501]\nversion: '3'\nx: 1\n",
            CommentSyntax::Hash,
        );
        assert_eq!((d[0].line, d[0].last_line), (1, 2));
    }

    #[test]
    fn requires_a_comment_marker() {
        let (_, d) = directives("x = 'guardrail: ignore[GR501]'\n", CommentSyntax::Hash);
        assert!(d.is_empty());
        let (_, d) = directives("// guardrail: ignore[GR501]\n", CommentSyntax::DoubleSlash);
        assert_eq!(d.len(), 1);
        let (_, d) = directives("# guardrail: ignore[GR501]\n", CommentSyntax::None);
        assert!(d.is_empty());
    }

    #[test]
    fn unknown_codes_and_empty_lists_are_kept_for_reporting() {
        let (_, d) = directives(
            "# guardrail: ignore[GR9999]\n# guardrail: ignore\n",
            CommentSyntax::Hash,
        );
        assert_eq!(d.len(), 2);
        assert!(d[0].entries[0].selector.is_err());
        assert!(d[1].entries.is_empty());
    }

    #[test]
    fn crlf_and_unclosed_bracket_do_not_panic() {
        let (s, d) = directives("a: 1 # guardrail: ignore[GR501\r\n", CommentSyntax::Hash);
        assert_eq!(d.len(), 1);
        assert_eq!(s.slice(d[0].entries[0].span), "GR501");
    }
}
