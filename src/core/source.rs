//! Source text, byte spans and the line index: the one span type every rule and every
//! output format converts from.

use crate::core::path::RelPath;
use std::sync::OnceLock;

/// A half-open byte range `[start, end)` into a file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        if end < start {
            Self { start, end: start }
        } else {
            Self { start, end }
        }
    }

    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(range: std::ops::Range<usize>) -> Self {
        Span::new(range.start, range.end)
    }
}

/// A 1-based line and column; columns count Unicode scalar values (SARIF
/// `unicodeCodePoints`). `end_*` is the position just past the last character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Position {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Byte offsets of the first character of every line, and what converts between byte
/// offsets and character columns without counting from the line start (a finding on a
/// 300 KB line would otherwise cost the whole line, each time).
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// The text is all ASCII: a column is then a byte distance.
    ascii: bool,
    /// Otherwise, built on first use: the byte offset of every [`CHARS_PER_MARK`]-th
    /// character, so a conversion counts at most that many characters.
    marks: OnceLock<Vec<usize>>,
}

/// Characters between two marks of [`LineIndex::marks`].
const CHARS_PER_MARK: usize = 64;

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self {
            starts,
            ascii: text.is_ascii(),
            marks: OnceLock::new(),
        }
    }

    /// The marks of a text that is not all ASCII (`text` is the one indexed).
    fn marks(&self, text: &str) -> &[usize] {
        self.marks.get_or_init(|| {
            text.char_indices()
                .step_by(CHARS_PER_MARK)
                .map(|(i, _)| i)
                .collect()
        })
    }

    /// How many characters come before byte `offset` (a character boundary).
    fn char_index(&self, text: &str, offset: usize) -> usize {
        if self.ascii {
            return offset;
        }
        let marks = self.marks(text);
        let k = marks.partition_point(|&m| m <= offset).saturating_sub(1);
        let from = marks.get(k).copied().unwrap_or(0);
        k * CHARS_PER_MARK + text.get(from..offset).map_or(0, |s| s.chars().count())
    }

    /// Byte offset of the character numbered `index` (0-based; the text's length past
    /// its end).
    fn char_offset(&self, text: &str, index: usize) -> usize {
        if self.ascii {
            return index.min(text.len());
        }
        let Some(&from) = self.marks(text).get(index / CHARS_PER_MARK) else {
            return text.len();
        };
        text.get(from..)
            .and_then(|rest| rest.char_indices().nth(index % CHARS_PER_MARK))
            .map_or(text.len(), |(i, _)| from + i)
    }

    /// Number of lines (a trailing newline does not open a new line).
    pub fn line_count(&self, text: &str) -> usize {
        if text.ends_with('\n') {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }

    /// The 1-based line holding byte `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// Byte offset where 1-based `line` starts, if the line exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        line.checked_sub(1)
            .and_then(|i| self.starts.get(i).copied())
    }

    /// The text of 1-based `line`, without its line terminator.
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> Option<&'t str> {
        let start = self.line_start(line)?;
        let end = self.line_start(line + 1).unwrap_or(text.len());
        let raw = text.get(start..end)?;
        Some(raw.trim_end_matches(['\n', '\r']))
    }

    /// 1-based (line, column) of byte `offset`; offsets inside a multi-byte character
    /// or past the end are clamped.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset).max(1);
        let start = self.line_start(line).unwrap_or(0);
        let column = self
            .char_index(text, offset)
            .saturating_sub(self.char_index(text, start))
            + 1;
        (line, column)
    }

    /// Byte offset of 1-based `line` and 0-based character column `col`, clamped to the
    /// end of that line. Used to convert parsers' character-based marks to bytes.
    pub fn offset_of(&self, text: &str, line: usize, col: usize) -> usize {
        let Some(start) = self.line_start(line) else {
            return text.len();
        };
        let end = start + self.line_text(text, line).map_or(0, str::len);
        let first = self.char_index(text, start);
        self.char_offset(text, first.saturating_add(col)).min(end)
    }

    pub fn position(&self, text: &str, span: Span) -> Position {
        let (start_line, start_column) = self.line_col(text, span.start);
        let (end_line, end_column) = self.line_col(text, span.end.max(span.start));
        Position {
            start_line,
            start_column,
            end_line,
            end_column,
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// What starts an inline suppression (`# guardrail: ignore[GR501]`). A text without it
/// holds no directive: the facts cache records that, so a file read from the cache by its
/// metadata alone is known to suppress nothing.
pub const SUPPRESSION_MARKER: &str = "guardrail:";

/// Why a file could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseFailure {
    pub message: String,
    pub span: Option<Span>,
}

/// A file's text, read once and shared by every rule and renderer.
#[derive(Debug)]
pub struct SourceFile {
    pub path: RelPath,
    pub text: String,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(path: RelPath, text: String) -> Self {
        let lines = LineIndex::new(&text);
        Self { path, text, lines }
    }

    pub fn position(&self, span: Span) -> Position {
        self.lines.position(&self.text, span)
    }

    /// A span covering a whole 1-based line, without its line break.
    pub fn line_span(&self, line: usize) -> Option<Span> {
        let start = self.lines.line_start(line)?;
        let text = self.lines.line_text(&self.text, line)?;
        Some(Span::new(start, start + text.len()))
    }

    /// The text of a span, or "" when the span does not fall on character boundaries.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "a: é\nversion: 1\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        // 'é' is two bytes; the newline after it is column 5 in characters.
        assert_eq!(idx.line_col(text, 5), (1, 5));
        assert_eq!(idx.line_col(text, 6), (2, 1));
        assert_eq!(idx.line_col(text, 13), (2, 8));
        // Inside a multi-byte char: clamped to its start.
        assert_eq!(idx.line_col(text, 4), (1, 4));
        // Past the end: clamped.
        assert_eq!(idx.line_col(text, 999), (3, 1));
    }

    #[test]
    fn columns_on_long_lines_match_a_count_from_the_line_start() {
        // ASCII, and not (marks every 64 characters; 2- to 4-byte characters across them).
        let long = format!("x{}\n", "aé€😀b".repeat(100));
        for text in [
            "a = 1\nb = 22\r\n\nccc".to_string(),
            format!("{long}{long}é\r\nz"),
        ] {
            let idx = LineIndex::new(&text);
            for offset in 0..=text.len() + 2 {
                let clamped = offset.min(text.len());
                if !text.is_char_boundary(clamped) {
                    continue;
                }
                let line = idx.line_of(clamped).max(1);
                let start = idx.line_start(line).unwrap();
                let col = text[start..clamped].chars().count();
                assert_eq!(idx.line_col(&text, offset), (line, col + 1), "{offset}");
            }
            for line in 1..=idx.line_count(&text) + 1 {
                let Some(line_text) = idx.line_text(&text, line) else {
                    continue;
                };
                let start = idx.line_start(line).unwrap();
                for col in 0..line_text.chars().count() + 3 {
                    let within = line_text
                        .char_indices()
                        .nth(col)
                        .map_or(line_text.len(), |(i, _)| i);
                    assert_eq!(idx.offset_of(&text, line, col), start + within);
                }
            }
        }
    }

    #[test]
    fn offset_of_converts_char_columns() {
        let text = "ab\r\néx: 1\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.offset_of(text, 2, 0), 4);
        assert_eq!(idx.offset_of(text, 2, 1), 6);
        assert_eq!(idx.offset_of(text, 2, 99), 10);
        assert_eq!(idx.offset_of(text, 9, 0), text.len());
        assert_eq!(idx.line_text(text, 1), Some("ab"));
        assert_eq!(idx.line_count(text), 2);
    }
}
