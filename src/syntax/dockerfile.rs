//! A Dockerfile parser, hand-written: `dockerfile-parser` rejects whole files with
//! heredocs or `# escape=`, and `tree-sitter-dockerfile` cannot link beside a current
//! tree-sitter. It follows BuildKit's reading: parser directives
//! (`# syntax=`, `# escape=`) before anything else, logical lines joined at the escape
//! character with comment lines inside continuations dropped, heredocs (`<<EOF`,
//! `<<-EOF`, quoted delimiters), flags (`--from=`, `--mount=`, `--platform=`), JSON and
//! shell forms. Every instruction keeps its source span, and positions inside a joined
//! logical line map back to the physical byte through a piece table.

use crate::core::source::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    pub delimiter: String,
    /// The body exactly as in the source (tabs included for `<<-`).
    pub body: String,
    pub body_span: Span,
}

/// Maps offsets of a logical line (continuations joined) back to source bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PieceTable {
    /// (logical start, source start, length).
    pieces: Vec<(usize, usize, usize)>,
}

impl PieceTable {
    /// The source offset of a logical offset (past the end: the end of the last piece).
    /// Pieces are contiguous in the logical line, so their ends only grow: a binary
    /// search finds the first one ending after `logical`.
    pub fn to_source(&self, logical: usize) -> usize {
        let i = self
            .pieces
            .partition_point(|&(l, _, len)| l + len <= logical);
        match self.pieces.get(i) {
            Some(&(l, s, _)) => s + logical.saturating_sub(l),
            None => self.pieces.last().map_or(0, |&(_, s, len)| s + len),
        }
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        let s = self.to_source(start);
        let e = if end > start {
            self.to_source(end - 1) + 1
        } else {
            s
        };
        Span::new(s, e.max(s))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Args {
    /// `["python", "manage.py"]`, with each element's source span.
    Json(Vec<(String, Span)>),
    /// Shell form: the text after the flags, continuations joined.
    Shell(String),
}

/// A `RUN --mount=type=bind` mount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// The path mounted, in the context or in `from`.
    pub source: String,
    /// Where it appears for the RUN.
    pub target: String,
    /// The stage or image it comes from (`from=`); `None`: the build context.
    pub from: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Upper case: `RUN`, `COPY`, ...
    pub keyword: String,
    pub keyword_span: Span,
    /// From the keyword to the end of the last heredoc or continuation line.
    pub span: Span,
    pub flags: Vec<Flag>,
    pub args: Args,
    /// Logical offset where the arguments (after flags) start.
    pub args_offset: usize,
    pub pieces: PieceTable,
    pub heredocs: Vec<Heredoc>,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// BuildKit bind mounts, `--mount=type=bind,source=S,target=T` (the default type;
    /// `src`/`dst`/`destination` spellings): from the context, or from another stage or
    /// image with `from=`.
    pub fn bind_mounts(&self) -> Vec<Mount> {
        self.flags
            .iter()
            .filter(|f| f.name == "mount")
            .filter_map(|f| {
                let kv: Vec<(&str, &str)> = f
                    .value
                    .split(',')
                    .filter_map(|p| p.split_once('='))
                    .collect();
                let get = |k: &str| kv.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
                if get("type").unwrap_or("bind") != "bind" {
                    return None;
                }
                let target = get("target")
                    .or_else(|| get("dst"))
                    .or_else(|| get("destination"))?;
                Some(Mount {
                    source: get("source")
                        .or_else(|| get("src"))
                        .unwrap_or(".")
                        .to_string(),
                    target: target.to_string(),
                    from: get("from").map(str::to_string),
                })
            })
            .collect()
    }

    /// The shell-form text, or the JSON elements joined by spaces.
    pub fn text(&self) -> String {
        match &self.args {
            Args::Shell(s) => s.clone(),
            Args::Json(items) => items
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// Source span of a range of the shell-form text.
    pub fn text_span(&self, start: usize, end: usize) -> Span {
        self.pieces
            .span(self.args_offset + start, self.args_offset + end)
    }

    /// Words of the arguments (shell form split on whitespace), with source spans.
    pub fn words(&self) -> Vec<(String, Span)> {
        match &self.args {
            Args::Json(items) => items.clone(),
            Args::Shell(text) => {
                let mut out = Vec::new();
                let mut start = None;
                for (i, c) in text
                    .char_indices()
                    .chain(std::iter::once((text.len(), ' ')))
                {
                    match (c.is_whitespace(), start) {
                        (true, Some(s)) => {
                            out.push((
                                text.get(s..i).unwrap_or("").to_string(),
                                self.text_span(s, i),
                            ));
                            start = None;
                        }
                        (false, None) => start = Some(i),
                        _ => {}
                    }
                }
                out
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// Index into `Dockerfile::instructions` of the FROM.
    pub from: usize,
    /// The image or stage it starts from.
    pub base: String,
    pub base_span: Span,
    /// `AS name`, lower-cased.
    pub name: Option<String>,
    /// Instructions of the stage, FROM excluded.
    pub instructions: Vec<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dockerfile {
    pub escape: char,
    pub syntax: Option<String>,
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    /// The stage an image reference names (by `AS` name or index), if any.
    pub fn stage_named(&self, name: &str) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        self.stages
            .iter()
            .position(|s| s.name.as_deref() == Some(lower.as_str()))
            .or_else(|| {
                name.parse::<usize>()
                    .ok()
                    .filter(|i| *i < self.stages.len())
            })
    }
}

struct Line<'a> {
    text: &'a str,
    start: usize,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let body = raw.trim_end_matches(['\n', '\r']);
        out.push(Line { text: body, start });
        start += raw.len();
    }
    out
}

pub fn parse(text: &str) -> Dockerfile {
    let all = lines(text);
    let mut df = Dockerfile {
        escape: '\\',
        ..Dockerfile::default()
    };
    let mut i = 0;
    // Parser directives: only at the very top, `# name=value`.
    while let Some(line) = all.get(i) {
        let t = line.text.trim();
        let Some(rest) = t.strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = rest.split_once('=') else {
            break;
        };
        let name = name.trim().to_ascii_lowercase();
        if !name.chars().all(|c| c.is_ascii_alphanumeric()) || name.is_empty() {
            break;
        }
        match name.as_str() {
            "escape" => {
                if let Some(c) = value.trim().chars().next() {
                    df.escape = c;
                }
            }
            "syntax" => df.syntax = Some(value.trim().to_string()),
            _ => {}
        }
        i += 1;
    }
    while i < all.len() {
        let Some(line) = all.get(i) else { break };
        let trimmed = line.text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        // Join continuation lines.
        let mut logical = String::new();
        let mut pieces = PieceTable::default();
        let lead = line.text.len() - trimmed.len();
        let mut cur_text = trimmed;
        let mut cur_start = line.start + lead;
        let mut end;
        loop {
            let right = cur_text.trim_end();
            let continued = right.ends_with(df.escape);
            let content = if continued {
                right.strip_suffix(df.escape).unwrap_or(right)
            } else {
                cur_text
            };
            pieces
                .pieces
                .push((logical.len(), cur_start, content.len()));
            logical.push_str(content);
            end = cur_start + cur_text.len();
            if !continued {
                i += 1;
                break;
            }
            i += 1;
            // Comment lines inside a continuation are dropped; blank ones too.
            while let Some(next) = all.get(i) {
                let t = next.text.trim_start();
                if t.starts_with('#') || t.is_empty() {
                    i += 1;
                } else {
                    break;
                }
            }
            let Some(next) = all.get(i) else { break };
            cur_text = next.text;
            cur_start = next.start;
        }
        let mut inst = instruction(&logical, pieces);
        // Heredocs: bodies follow the instruction's last line.
        if matches!(inst.keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for delimiter in heredoc_markers(&inst.text()) {
                let body_start = all.get(i).map_or(text.len(), |l| l.start);
                let mut body_end = body_start;
                while let Some(l) = all.get(i) {
                    i += 1;
                    if l.text.trim_start_matches('\t') == delimiter {
                        end = l.start + l.text.len();
                        break;
                    }
                    body_end = l.start + l.text.len() + 1;
                    end = l.start + l.text.len();
                }
                let body_end = body_end.min(text.len());
                inst.heredocs.push(Heredoc {
                    delimiter,
                    body: text.get(body_start..body_end).unwrap_or("").to_string(),
                    body_span: Span::new(body_start, body_end),
                });
            }
        }
        inst.span = Span::new(inst.keyword_span.start, end.max(inst.keyword_span.end));
        df.instructions.push(inst);
    }
    // Stages.
    for (idx, inst) in df.instructions.iter().enumerate() {
        if inst.keyword == "FROM" {
            let words = inst.words();
            let (base, base_span) = words.first().cloned().unwrap_or_default();
            let name = match (words.get(1), words.get(2)) {
                (Some((kw, _)), Some((n, _))) if kw.eq_ignore_ascii_case("as") => {
                    Some(n.to_ascii_lowercase())
                }
                _ => None,
            };
            df.stages.push(Stage {
                from: idx,
                base,
                base_span,
                name,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = df.stages.last_mut() {
            stage.instructions.push(idx);
        }
    }
    df
}

fn instruction(logical: &str, pieces: PieceTable) -> Instruction {
    let kw_end = logical.find(char::is_whitespace).unwrap_or(logical.len());
    let keyword = logical.get(..kw_end).unwrap_or("").to_ascii_uppercase();
    let keyword_span = pieces.span(0, kw_end);
    let mut pos = kw_end;
    let mut flags = Vec::new();
    loop {
        let rest = logical.get(pos..).unwrap_or("");
        let skip = rest.len() - rest.trim_start().len();
        let rest = rest.trim_start();
        if !rest.starts_with("--") {
            pos += skip;
            break;
        }
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = rest.get(2..len).unwrap_or("");
        let (name, value) = token.split_once('=').unwrap_or((token, ""));
        let start = pos + skip;
        flags.push(Flag {
            name: name.to_ascii_lowercase(),
            value: value.trim_matches('"').to_string(),
            span: pieces.span(start, start + len),
        });
        pos = start + len;
    }
    let rest = logical.get(pos..).unwrap_or("");
    let args = match serde_json::from_str::<Vec<String>>(rest.trim()) {
        Ok(items) if rest.trim_start().starts_with('[') => {
            // Each element's span is its string literal in the source, found by scanning
            // the literals in order (escapes such as `\u20ac` make a re-serialised
            // element differ from the source text).
            let literals = json_string_literals(rest);
            let spans = items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    let (s, e) = literals.get(i).copied().unwrap_or((0, 0));
                    (item, pieces.span(pos + s, pos + e))
                })
                .collect();
            Args::Json(spans)
        }
        _ => Args::Shell(rest.trim_end().to_string()),
    };
    Instruction {
        keyword,
        keyword_span,
        span: Span::default(),
        flags,
        args,
        args_offset: pos,
        pieces,
        heredocs: Vec::new(),
    }
}

/// Byte ranges of the string literals of a JSON text, quotes included, in order. Only
/// ASCII bytes (`"` and `\\`) decide, so every offset is a character boundary.
fn json_string_literals(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'"') {
            let start = i;
            i += 1;
            while let Some(b) = bytes.get(i) {
                match b {
                    b'\\' => i += 2,
                    b'"' => break,
                    _ => i += 1,
                }
            }
            let end = (i + 1).min(bytes.len());
            out.push((start, end));
        }
        i += 1;
    }
    out
}

/// Delimiters of `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` in an instruction's text.
fn heredoc_markers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("<<") {
        let after = rest.get(at + 2..).unwrap_or("");
        let after = after.strip_prefix('-').unwrap_or(after);
        let quote = after.starts_with(['"', '\'']);
        let body = after.trim_start_matches(['"', '\'']);
        let len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        if len > 0 && (quote || body.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')) {
            out.push(body.get(..len).unwrap_or("").to_string());
        }
        // Continue after the delimiter, in `body` (the quotes are already behind).
        rest = body.get(len..).unwrap_or("");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_comments_flags_and_forms() {
        let text = "# syntax=docker/dockerfile:1\nFROM python:3.12-slim AS base\nWORKDIR /app\nCOPY --chown=app:app requirements/ requirements/\nRUN pip install \\\n    # a comment inside\n    -r requirements/production.txt\nCMD [\"gunicorn\", \"config.wsgi\"]\n";
        let df = parse(text);
        assert_eq!(df.syntax.as_deref(), Some("docker/dockerfile:1"));
        let kws: Vec<&str> = df.instructions.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(kws, ["FROM", "WORKDIR", "COPY", "RUN", "CMD"]);
        assert_eq!(df.stages.len(), 1);
        assert_eq!(df.stages[0].name.as_deref(), Some("base"));
        let copy = &df.instructions[2];
        assert_eq!(
            copy.flag("chown").map(|f| f.value.as_str()),
            Some("app:app")
        );
        let run = &df.instructions[3];
        assert_eq!(run.text(), "pip install     -r requirements/production.txt");
        let words = run.words();
        let (w, s) = &words[3];
        assert_eq!(w, "requirements/production.txt");
        assert_eq!(
            &text[s.start..s.end],
            "requirements/production.txt",
            "spans map across continuations"
        );
        assert!(matches!(&df.instructions[4].args, Args::Json(v) if v.len() == 2));
    }

    #[test]
    fn escape_directive_and_heredocs() {
        let text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir `\n  c:\\\nRUN <<EOF\npip install -r requirements.txt\npython manage.py collectstatic --noinput\nEOF\nCOPY <<-\"CONF\" /etc/app.conf\n\tkey=value\n\tCONF\nUSER app\n";
        let df = parse(text);
        assert_eq!(df.escape, '`');
        let kws: Vec<&str> = df.instructions.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(kws, ["FROM", "RUN", "RUN", "COPY", "USER"]);
        assert_eq!(df.instructions[1].text(), "dir   c:\\");
        let h = &df.instructions[2].heredocs[0];
        assert_eq!(h.delimiter, "EOF");
        assert_eq!(
            h.body,
            "pip install -r requirements.txt\npython manage.py collectstatic --noinput\n"
        );
        assert_eq!(&text[h.body_span.start..h.body_span.end], h.body);
        assert_eq!(df.instructions[3].heredocs[0].delimiter, "CONF");
    }

    #[test]
    fn arg_before_from_and_multi_stage() {
        let df = parse(
            "ARG PY=3.12\nFROM python:${PY} AS Builder\nRUN true\nFROM builder\nCOPY --from=builder /venv /venv\n",
        );
        assert_eq!(df.stages.len(), 2);
        assert_eq!(df.stage_named("BUILDER"), Some(0));
        assert_eq!(df.stages[1].base, "builder");
        assert_eq!(df.stages[1].instructions.len(), 1);
    }

    #[test]
    fn json_elements_with_escapes_keep_exact_spans() {
        // Re-serialising `\u20ac` gives `€`: the old span search could land inside a
        // multi-byte character and panic (found in review).
        let text = "FROM x\nRUN [\"€\\u20ac\", \"€\\u20ac\", \"x\"]\n";
        let df = parse(text);
        let Args::Json(items) = &df.instructions[1].args else {
            panic!("json form")
        };
        let got: Vec<&str> = items.iter().map(|(_, s)| &text[s.start..s.end]).collect();
        assert_eq!(got, ["\"€\\u20ac\"", "\"€\\u20ac\"", "\"x\""]);
        assert_eq!(items[0].0, "€€");
    }

    #[test]
    fn garbage_does_not_panic() {
        for text in [
            "",
            "\\",
            "RUN \\",
            "RUN <<",
            "RUN <<EOF\nno end",
            "FROM",
            "  \n# only\n",
            "RUN [\"a\"",
            "é\\\n",
        ] {
            let _ = parse(text);
        }
    }
}
