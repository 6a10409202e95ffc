//! RUN commands analysed as shell with tree-sitter-bash: commands in execution order
//! across `&&`, `||`, `;`, pipes, subshells, `if`/`for` bodies and heredoc scripts, each
//! with its environment assignments (`SECRET_KEY=dummy python ...`), the directory a
//! preceding `cd` moved to, and `sh -c '...'` parsed again as the script it is. Word
//! splitters (shlex) glue `/app&&python` into one word and give no positions.

use crate::core::source::Span;
use std::ops::Range;
use tree_sitter::{Node, Parser};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Unquoted text.
    pub text: String,
    /// Byte range in the script.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub name: Word,
    pub args: Vec<Word>,
    /// `NAME=value` prefixes.
    pub assigns: Vec<(String, String)>,
    /// The whole command, in the script.
    pub span: Span,
    /// Where a preceding `cd` in the same script moved to.
    pub cwd: Option<String>,
    /// Its output goes to a file (`> f`, `>> f`, `&> f`): it creates or changes files
    /// whatever the program is.
    pub writes_output: bool,
}

impl Command {
    /// The program name without its directory (`/usr/local/bin/python3` -> `python3`).
    pub fn program(&self) -> &str {
        self.name.text.rsplit('/').next().unwrap_or(&self.name.text)
    }
}

/// The commands of a shell script, in order. A script tree-sitter cannot make sense of
/// still yields what it recognised.
pub fn commands(script: &str) -> Vec<Command> {
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .is_err()
    {
        return Vec::new();
    }
    let Some(tree) = parser.parse(script, None) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cwd = None;
    walk(
        tree.root_node(),
        script,
        &Origin::Script,
        &mut cwd,
        &mut out,
        0,
    );
    out
}

/// Where the bytes of the text being walked sit in the script [`commands`] was given:
/// the script itself, or a script unquoted from one of its words (`sh -c "..."`), with
/// the range of script bytes each of its bytes was unquoted from.
enum Origin {
    Script,
    Unquoted(Vec<(usize, usize)>),
}

impl Origin {
    /// The script offset where the byte at `i` of the walked text starts.
    fn start(&self, i: usize) -> usize {
        match self {
            Self::Script => i,
            Self::Unquoted(map) => map
                .get(i)
                .map(|r| r.0)
                .or_else(|| map.last().map(|r| r.1))
                .unwrap_or(0),
        }
    }

    /// The script offset where a range of the walked text ending at `i` ends.
    fn end(&self, i: usize) -> usize {
        match self {
            Self::Script => i,
            Self::Unquoted(map) => match i.checked_sub(1) {
                Some(last) => map.get(last).or_else(|| map.last()).map_or(0, |r| r.1),
                None => map.first().map_or(0, |r| r.0),
            },
        }
    }

    /// The script span of a byte range of the walked text.
    fn span(&self, range: Range<usize>) -> Span {
        let start = self.start(range.start);
        if range.end <= range.start {
            return Span::new(start, start);
        }
        Span::new(start, self.end(range.end).max(start))
    }

    /// The origin of a script unquoted from `raw`, the text at `at` of the walked text:
    /// each of its bytes maps to the script range its source character came from.
    fn inner(&self, at: usize, raw: &str) -> (String, Self) {
        let (text, ranges) = unquote_mapped(raw);
        let map = ranges
            .into_iter()
            .map(|(s, e)| (self.start(at + s), self.end(at + e)))
            .collect();
        (text, Self::Unquoted(map))
    }
}

fn walk(
    node: Node<'_>,
    src: &str,
    origin: &Origin,
    cwd: &mut Option<String>,
    out: &mut Vec<Command>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    if node.kind() == "redirected_statement" {
        // `cmd > file`: the redirect is a sibling of the command in this node.
        let first = out.len();
        let mut cursor = node.walk();
        let writes = node
            .children(&mut cursor)
            .any(|c| c.kind() == "file_redirect" && output_redirect(c, src));
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            walk(child, src, origin, cwd, out, depth + 1);
        }
        if writes {
            for cmd in out.iter_mut().skip(first) {
                cmd.writes_output = true;
            }
        }
        return;
    }
    if node.kind() == "command" {
        if let Some((cmd, locals)) = command(node, src, origin, cwd) {
            if cmd.program() == "cd"
                && let Some(dir) = cmd.args.first()
            {
                *cwd = Some(match (&*cwd, dir.text.starts_with('/')) {
                    (Some(cur), false) => format!("{}/{}", cur.trim_end_matches('/'), dir.text),
                    _ => dir.text.clone(),
                });
            }
            // `sh -c 'script'`: the script is shell too.
            if matches!(cmd.program(), "sh" | "bash" | "dash" | "ash" | "zsh")
                && let Some(pos) = cmd.args.iter().position(|a| {
                    a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains('c')
                })
                && let Some(local) = locals.get(pos + 1)
            {
                // Its offsets map back through the unquoting, escape by escape.
                let raw = src.get(local.clone()).unwrap_or("");
                let (text, inner) = origin.inner(local.start, raw);
                let mut inner_cwd = cwd.clone();
                let mut parser = Parser::new();
                if parser
                    .set_language(&tree_sitter_bash::LANGUAGE.into())
                    .is_ok()
                    && let Some(tree) = parser.parse(&text, None)
                {
                    walk(
                        tree.root_node(),
                        &text,
                        &inner,
                        &mut inner_cwd,
                        out,
                        depth + 1,
                    );
                }
                return;
            }
            out.push(cmd);
        }
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        walk(child, src, origin, cwd, out, depth + 1);
    }
}

/// Whether a `file_redirect` node sends output to a file (`>`, `>>`, `&>`, `>|`), not
/// input from one (`<`).
fn output_redirect(node: Node<'_>, src: &str) -> bool {
    let text = src.get(node.byte_range()).unwrap_or("");
    let op = text.trim_start_matches(|c: char| c.is_ascii_digit());
    (op.starts_with('>') || op.starts_with("&>")) && !op.starts_with(">&")
}

/// A command, and the ranges of its arguments in `src` (the walked text).
fn command(
    node: Node<'_>,
    src: &str,
    origin: &Origin,
    cwd: &Option<String>,
) -> Option<(Command, Vec<Range<usize>>)> {
    let mut name = None;
    let mut writes_output = false;
    let mut args = Vec::new();
    let mut locals = Vec::new();
    let mut assigns = Vec::new();
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "variable_assignment" => {
                let text = src.get(child.byte_range()).unwrap_or("");
                if let Some((k, v)) = text.split_once('=') {
                    assigns.push((k.to_string(), unquote(v)));
                }
            }
            "command_name" => name = Some(word(child, src, origin)),
            "file_redirect" if output_redirect(child, src) => writes_output = true,
            kind if node.child_by_field_name("name").is_some()
                && child.is_named()
                && name.is_some()
                && !matches!(
                    kind,
                    "file_redirect" | "heredoc_redirect" | "herestring_redirect" | "comment"
                ) =>
            {
                args.push(word(child, src, origin));
                locals.push(child.byte_range());
            }
            _ => {}
        }
    }
    let cmd = Command {
        name: name?,
        args,
        assigns,
        span: origin.span(node.byte_range()),
        cwd: cwd.clone(),
        writes_output,
    };
    Some((cmd, locals))
}

fn word(node: Node<'_>, src: &str, origin: &Origin) -> Word {
    let raw = src.get(node.byte_range()).unwrap_or("");
    Word {
        text: unquote(raw),
        span: origin.span(node.byte_range()),
    }
}

/// Removes shell quoting from a word (quotes, and backslash escapes outside single
/// quotes). Expansions are kept as written.
pub fn unquote(raw: &str) -> String {
    unquote_mapped(raw).0
}

/// [`unquote`], with the range of `raw` each byte of the result comes from (all the
/// bytes of a character share its range: `\é` is one range of three bytes).
fn unquote_mapped(raw: &str) -> (String, Vec<(usize, usize)>) {
    let mut out = String::new();
    let mut map = Vec::new();
    let mut chars = raw.char_indices().peekable();
    let mut single = false;
    let mut double = false;
    while let Some((at, c)) = chars.next() {
        let kept = match c {
            '\'' if !double => {
                single = !single;
                None
            }
            '"' if !single => {
                double = !double;
                None
            }
            '\\' if !single => chars.next().map(|(n_at, n)| (n, n_at + n.len_utf8())),
            _ => Some((c, at + c.len_utf8())),
        };
        if let Some((kept, end)) = kept {
            out.push(kept);
            map.extend(std::iter::repeat_n((at, end), kept.len_utf8()));
        }
    }
    (out, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(script: &str) -> Vec<String> {
        commands(script)
            .iter()
            .map(|c| {
                std::iter::once(c.name.text.clone())
                    .chain(c.args.iter().map(|a| a.text.clone()))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn splits_lists_pipes_and_assignments() {
        let s = "cd /app&&SECRET_KEY=dummy python manage.py collectstatic --noinput; pip install -r 'req.txt' || true | tee x";
        assert_eq!(
            names(s),
            [
                "cd /app",
                "python manage.py collectstatic --noinput",
                "pip install -r req.txt",
                "true",
                "tee x"
            ]
        );
        let cmds = commands(s);
        assert_eq!(
            cmds[1].assigns,
            [("SECRET_KEY".to_string(), "dummy".to_string())]
        );
        assert_eq!(cmds[1].cwd.as_deref(), Some("/app"));
        let req = &cmds[2].args[2];
        assert_eq!(&s[req.span.start..req.span.end], "'req.txt'");
    }

    #[test]
    fn sh_c_and_control_flow() {
        let s = "if [ -f x ]; then sh -c \"pip install . && python -m app.setup\"; fi\nfor f in a b; do echo $f; done";
        assert_eq!(
            names(s),
            ["pip install .", "python -m app.setup", "echo $f"],
            "`[ ... ]` is a test, not a command"
        );
        let cmds = commands(s);
        let inner = &cmds[0];
        assert_eq!(
            &s[inner.span.start..inner.span.end],
            "pip install .",
            "spans inside sh -c map back"
        );
    }

    #[test]
    fn spans_inside_sh_c_map_back_through_escapes() {
        let s = "bash -lc \"pip install \\\"a b\\\" \\\\é x\"; sh -c 'echo '\\''y z'\\'' w'";
        let cmds = commands(s);
        let written: Vec<Vec<(&str, &str)>> = cmds
            .iter()
            .map(|c| {
                std::iter::once(&c.name)
                    .chain(&c.args)
                    .map(|w| (w.text.as_str(), &s[w.span.start..w.span.end]))
                    .collect()
            })
            .collect();
        assert_eq!(
            written,
            [
                vec![
                    ("pip", "pip"),
                    ("install", "install"),
                    ("a b", "\\\"a b\\\""),
                    ("é", "\\\\é"),
                    ("x", "x"),
                ],
                vec![("echo", "echo"), ("y z", "\\''y z'\\'"), ("w", "w")],
            ]
        );
        assert_eq!(
            &s[cmds[0].span.start..cmds[0].span.end],
            "pip install \\\"a b\\\" \\\\é x"
        );
    }

    #[test]
    fn broken_scripts_do_not_panic() {
        for s in [
            "",
            "'",
            "$(",
            "if then",
            "a && && b",
            "\\",
            "sh -c",
            "sh -c '",
        ] {
            let _ = commands(s);
        }
    }
}
