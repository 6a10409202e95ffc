//! RUN commands analysed as shell with tree-sitter-bash: commands in execution order
//! across `&&`, `||`, `;`, pipes, subshells, `if`/`for` bodies and heredoc scripts, each
//! with its environment assignments (`SECRET_KEY=dummy python ...`), the directory a
//! preceding `cd` moved to, and `sh -c '...'` parsed again as the script it is. Word
//! splitters (shlex) glue `/app&&python` into one word and give no positions.

use crate::core::source::Span;
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
    walk(tree.root_node(), script, 0, &mut cwd, &mut out, 0);
    out
}

fn walk(
    node: Node<'_>,
    src: &str,
    base: usize,
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
            walk(child, src, base, cwd, out, depth + 1);
        }
        if writes {
            for cmd in out.iter_mut().skip(first) {
                cmd.writes_output = true;
            }
        }
        return;
    }
    if node.kind() == "command" {
        if let Some(cmd) = command(node, src, base, cwd) {
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
                && let Some(script) = cmd.args.get(pos + 1)
            {
                let quoted = src
                    .get(script.span.start - base..)
                    .is_some_and(|s| s.starts_with(['"', '\'']));
                let inner_base = script.span.start + usize::from(quoted);
                let mut inner_cwd = cwd.clone();
                let mut parser = Parser::new();
                if parser
                    .set_language(&tree_sitter_bash::LANGUAGE.into())
                    .is_ok()
                    && let Some(tree) = parser.parse(&script.text, None)
                {
                    walk(
                        tree.root_node(),
                        &script.text,
                        inner_base,
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
        walk(child, src, base, cwd, out, depth + 1);
    }
}

/// Whether a `file_redirect` node sends output to a file (`>`, `>>`, `&>`, `>|`), not
/// input from one (`<`).
fn output_redirect(node: Node<'_>, src: &str) -> bool {
    let text = src.get(node.byte_range()).unwrap_or("");
    let op = text.trim_start_matches(|c: char| c.is_ascii_digit());
    (op.starts_with('>') || op.starts_with("&>")) && !op.starts_with(">&")
}

fn command(node: Node<'_>, src: &str, base: usize, cwd: &Option<String>) -> Option<Command> {
    let mut name = None;
    let mut writes_output = false;
    let mut args = Vec::new();
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
            "command_name" => name = Some(word(child, src, base)),
            "file_redirect" if output_redirect(child, src) => writes_output = true,
            kind if node.child_by_field_name("name").is_some()
                && child.is_named()
                && name.is_some()
                && !matches!(
                    kind,
                    "file_redirect" | "heredoc_redirect" | "herestring_redirect" | "comment"
                ) =>
            {
                args.push(word(child, src, base));
            }
            _ => {}
        }
    }
    Some(Command {
        name: name?,
        args,
        assigns,
        span: Span::new(base + node.start_byte(), base + node.end_byte()),
        cwd: cwd.clone(),
        writes_output,
    })
}

fn word(node: Node<'_>, src: &str, base: usize) -> Word {
    let raw = src.get(node.byte_range()).unwrap_or("");
    Word {
        text: unquote(raw),
        span: Span::new(base + node.start_byte(), base + node.end_byte()),
    }
}

/// Removes shell quoting from a word (quotes, and backslash escapes outside single
/// quotes). Expansions are kept as written.
pub fn unquote(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    let mut single = false;
    let mut double = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '\\' if !single => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            _ => out.push(c),
        }
    }
    out
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
