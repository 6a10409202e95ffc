//! JavaScript and TypeScript, through tree-sitter: the `tree-sitter-javascript` 0.25
//! grammar for `.js`/`.jsx`/`.mjs`/`.cjs`, `tree-sitter-typescript` 0.23 for `.ts`
//! (`.mts`, `.cts`) and its TSX grammar for `.tsx`. They link beside the tree-sitter
//! 0.27 already used for shell; measured on this machine: +~60 s of a cold release
//! build (C grammars, compiled once), +~1 MB of binary, 0.3-0.7 ms per 100-line file.
//! swc and oxc were not taken: their current releases need a newer rustc than 1.95,
//! and either would add minutes to a cold build for a parse we only summarise.
//!
//! What pack rules need is the calls of a file, so a parse is summarised once into
//! [`JsCall`]s: the dotted callee, and each argument as a [`JsValue`] (string, template
//! or concatenation text with the unknown parts written `${}`; object literals with
//! their keys; anything else unknown). The walk is iterative (a tree-sitter cursor), so
//! deeply nested input cannot overflow the stack; object literals are read at most
//! [`MAX_OBJECT_DEPTH`] levels deep. Calls inside syntax errors are not summarised:
//! what the grammar could not place is not evidence. A file the grammar does not fully
//! understand is not a finding either (grammars lag the languages): no parse errors
//! are reported for these files.

use crate::core::source::Span;
use tree_sitter::{Node, Parser};

/// Object literals nested deeper than this are unknown values.
pub const MAX_OBJECT_DEPTH: usize = 6;

/// The grammar a file is read with, by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    JavaScript,
    TypeScript,
    Tsx,
}

impl Dialect {
    pub fn of_path(path: &str) -> Self {
        let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
        match ext {
            "ts" | "mts" | "cts" => Dialect::TypeScript,
            "tsx" => Dialect::Tsx,
            _ => Dialect::JavaScript,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum JsValueKind {
    /// A string literal, unescaped as far as the grammar separates escapes.
    Str(String),
    /// A template literal or a `+` concatenation: its text, `${}` where a part is not
    /// known.
    Text(String),
    /// An object literal. `spread`: it has a `...spread` or computed key, so keys may
    /// exist that are not listed.
    Object { props: Vec<JsProp>, spread: bool },
    /// `null` or `undefined`: no value.
    Nullish,
    /// Anything else: a name, a call, a deeper object, ...
    Other,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JsValue {
    pub span: Span,
    pub kind: JsValueKind,
}

impl JsValue {
    /// The text of a string, template or concatenation.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            JsValueKind::Str(s) | JsValueKind::Text(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct JsProp {
    pub key: String,
    pub key_span: Span,
    pub value: JsValue,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JsCall {
    /// `fetch`, `axios.get`, `this.api.get`, `api().get` (a call in the chain is written
    /// `name()`); "" when the callee is not a name or a member chain of names and calls.
    pub callee: String,
    /// For a callee through a call (`api(token).get`): that call's arguments (the call
    /// nearest the method).
    pub receiver_args: Option<Vec<JsValue>>,
    pub callee_span: Span,
    /// The whole call.
    pub span: Span,
    pub args: Vec<JsValue>,
}

/// A file's calls, in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsFile {
    pub calls: Vec<JsCall>,
}

/// Parses `text` with the grammar of `dialect` and summarises its calls. Total: any
/// text gives some (perhaps empty) summary.
pub fn parse(text: &str, dialect: Dialect) -> JsFile {
    let language: tree_sitter::Language = match dialect {
        Dialect::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Dialect::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Dialect::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
    };
    let mut parser = Parser::new();
    if parser.set_language(&language).is_err() {
        return JsFile::default();
    }
    let Some(tree) = parser.parse(text, None) else {
        return JsFile::default();
    };
    let mut calls = Vec::new();
    let mut cursor = tree.walk();
    // Pre-order walk without recursion; subtrees of ERROR nodes are skipped.
    'walk: loop {
        let node = cursor.node();
        let descend = !node.is_error();
        if node.kind() == "call_expression"
            && !node.has_error()
            && let Some(call) = call(node, text)
        {
            calls.push(call);
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    JsFile { calls }
}

fn span(node: Node<'_>) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

fn node_text<'t>(node: Node<'_>, text: &'t str) -> &'t str {
    text.get(node.start_byte()..node.end_byte()).unwrap_or("")
}

fn call(node: Node<'_>, text: &str) -> Option<JsCall> {
    let function = node.child_by_field_name("function")?;
    let arguments = node.child_by_field_name("arguments")?;
    // Tagged templates (`sql\`...\``) are calls too, with no argument list.
    if arguments.kind() != "arguments" {
        return None;
    }
    let (callee, receiver_args) = dotted(function, text).unwrap_or_default();
    Some(JsCall {
        callee,
        receiver_args,
        callee_span: span(function),
        span: span(node),
        args: args(arguments, text),
    })
}

fn args(arguments: Node<'_>, text: &str) -> Vec<JsValue> {
    let mut out = Vec::new();
    let mut cursor = arguments.walk();
    for arg in arguments.named_children(&mut cursor) {
        if arg.kind() != "comment" {
            out.push(value(arg, text, 0));
        }
    }
    out
}

/// `a`, `a.b.c`, `this.a`, `api().get` (with the arguments of the call nearest the
/// method); `None` for anything else. Iterative over the member chain.
fn dotted(node: Node<'_>, text: &str) -> Option<(String, Option<Vec<JsValue>>)> {
    let mut parts: Vec<String> = Vec::new();
    let mut receiver_args = None;
    // The next name pushed is a call's function: written `name()`.
    let mut called = false;
    let mut current = node;
    let push = |parts: &mut Vec<String>, name: &str, called: &mut bool| {
        parts.push(if *called {
            format!("{name}()")
        } else {
            name.to_string()
        });
        *called = false;
    };
    loop {
        match current.kind() {
            "identifier" | "this" | "property_identifier" => {
                push(&mut parts, node_text(current, text), &mut called);
                break;
            }
            "member_expression" => {
                let property = current.child_by_field_name("property")?;
                if property.kind() != "property_identifier"
                    && property.kind() != "private_property_identifier"
                {
                    return None;
                }
                push(&mut parts, node_text(property, text), &mut called);
                current = current.child_by_field_name("object")?;
            }
            "call_expression" if !called => {
                let arguments = current.child_by_field_name("arguments")?;
                if arguments.kind() != "arguments" {
                    return None;
                }
                if receiver_args.is_none() {
                    receiver_args = Some(args(arguments, text));
                }
                called = true;
                current = current.child_by_field_name("function")?;
            }
            // `fetch!(...)`-like non-null assertions and parentheses are transparent.
            "non_null_expression" | "parenthesized_expression" => {
                current = current.named_child(0)?;
            }
            _ => return None,
        }
    }
    parts.reverse();
    Some((parts.join("."), receiver_args))
}

fn value(node: Node<'_>, text: &str, depth: usize) -> JsValue {
    // `(x)`, `x as T`, `x satisfies T` are transparent; unwrapped in a loop, as they
    // nest without bound.
    let mut inner = node;
    while matches!(
        inner.kind(),
        "parenthesized_expression" | "as_expression" | "satisfies_expression"
    ) {
        match inner.named_child(0) {
            Some(n) => inner = n,
            None => break,
        }
    }
    let kind = match inner.kind() {
        "string" => JsValueKind::Str(string_content(inner, text)),
        "template_string" | "binary_expression" => match concat_text(inner, text) {
            Some(s) => JsValueKind::Text(s),
            None => JsValueKind::Other,
        },
        "object" if depth < MAX_OBJECT_DEPTH => object(inner, text, depth),
        "null" | "undefined" => JsValueKind::Nullish,
        "identifier" if node_text(inner, text) == "undefined" => JsValueKind::Nullish,
        _ => JsValueKind::Other,
    };
    JsValue {
        span: span(node),
        kind,
    }
}

fn string_content(node: Node<'_>, text: &str) -> String {
    let raw = node_text(node, text);
    raw.get(1..raw.len().saturating_sub(1))
        .unwrap_or("")
        .to_string()
}

/// The text of a template literal or of a `+` chain of strings and templates; unknown
/// parts are `${}`. `None` for a binary expression that is not `+`. Iterative over the
/// left-leaning `+` chain that long concatenations parse into.
fn concat_text(node: Node<'_>, text: &str) -> Option<String> {
    let mut pieces: Vec<Node<'_>> = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "binary_expression" {
            let op = n.child_by_field_name("operator")?;
            if node_text(op, text) != "+" {
                if n.id() == node.id() {
                    return None;
                }
                pieces.push(n);
                continue;
            }
            // Right first: the stack pops the left side first.
            if let Some(r) = n.child_by_field_name("right") {
                stack.push(r);
            }
            if let Some(l) = n.child_by_field_name("left") {
                stack.push(l);
            }
        } else {
            pieces.push(n);
        }
    }
    let mut out = String::new();
    for piece in pieces {
        match piece.kind() {
            "string" => out.push_str(&string_content(piece, text)),
            "template_string" => {
                let mut cursor = piece.walk();
                for part in piece.named_children(&mut cursor) {
                    match part.kind() {
                        "string_fragment" | "escape_sequence" => {
                            out.push_str(node_text(part, text));
                        }
                        _ => out.push_str("${}"),
                    }
                }
            }
            _ => out.push_str("${}"),
        }
    }
    Some(out)
}

fn object(node: Node<'_>, text: &str, depth: usize) -> JsValueKind {
    let mut props = Vec::new();
    let mut spread = false;
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "pair" => {
                let (Some(key), Some(val)) = (
                    child.child_by_field_name("key"),
                    child.child_by_field_name("value"),
                ) else {
                    continue;
                };
                let name = match key.kind() {
                    "property_identifier" | "number" => node_text(key, text).to_string(),
                    "string" => string_content(key, text),
                    // `[expr]: value`: any key.
                    _ => {
                        spread = true;
                        continue;
                    }
                };
                props.push(JsProp {
                    key: name,
                    key_span: span(key),
                    value: value(val, text, depth + 1),
                });
            }
            "shorthand_property_identifier" => props.push(JsProp {
                key: node_text(child, text).to_string(),
                key_span: span(child),
                value: JsValue {
                    span: span(child),
                    kind: JsValueKind::Other,
                },
            }),
            "method_definition" => {
                if let Some(name) = child.child_by_field_name("name") {
                    props.push(JsProp {
                        key: node_text(name, text).to_string(),
                        key_span: span(name),
                        value: JsValue {
                            span: span(child),
                            kind: JsValueKind::Other,
                        },
                    });
                }
            }
            "comment" => {}
            // `...spread` and anything the grammar adds later.
            _ => spread = true,
        }
    }
    JsValueKind::Object { props, spread }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(text: &str, dialect: Dialect) -> Vec<JsCall> {
        parse(text, dialect).calls
    }

    #[test]
    fn reads_callees_urls_and_options() {
        let text = "const r = await fetch(`${API}/projects/private?d=${d}`, { method: 'GET', headers: { Authorization: `Bearer ${t}` } });\n";
        let c = calls(text, Dialect::TypeScript);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].callee, "fetch");
        assert_eq!(c[0].args[0].text(), Some("${}/projects/private?d=${}"));
        let JsValueKind::Object { props, spread } = &c[0].args[1].kind else {
            panic!("{:?}", c[0].args[1]);
        };
        assert!(!spread);
        assert_eq!(props[1].key, "headers");
        let JsValueKind::Object { props: h, .. } = &props[1].value.kind else {
            panic!()
        };
        assert_eq!(h[0].key, "Authorization");
        assert_eq!(&text[c[0].callee_span.start..c[0].callee_span.end], "fetch");
    }

    #[test]
    fn member_chains_concatenation_and_spread() {
        let text = "api.client.get('/a/' + id + '/b', {...opts});\naxios.create().get('/x');\n";
        let c = calls(text, Dialect::JavaScript);
        let names: Vec<&str> = c.iter().map(|c| c.callee.as_str()).collect();
        assert_eq!(
            names,
            ["api.client.get", "axios.create().get", "axios.create"]
        );
        assert_eq!(c[1].receiver_args.as_ref().map(Vec::len), Some(0));
        assert_eq!(c[0].args[0].text(), Some("/a/${}/b"));
        assert!(matches!(
            c[0].args[1].kind,
            JsValueKind::Object { spread: true, .. }
        ));
    }

    #[test]
    fn calls_through_a_factory_keep_its_arguments() {
        let text = "api(token, locale).get(`projects/${id}/`);\napi().get('x', undefined);\nthis.http().a.b().post(null);\n";
        let c = calls(text, Dialect::JavaScript);
        let names: Vec<&str> = c.iter().map(|c| c.callee.as_str()).collect();
        assert_eq!(
            names,
            [
                "api().get",
                "api",
                "api().get",
                "api",
                "this.http().a.b().post",
                "this.http().a.b",
                "this.http"
            ]
        );
        assert_eq!(c[0].receiver_args.as_ref().map(Vec::len), Some(2));
        assert_eq!(c[2].receiver_args.as_ref().map(Vec::len), Some(0));
        assert_eq!(c[2].args[1].kind, JsValueKind::Nullish);
        assert_eq!(c[4].args[0].kind, JsValueKind::Nullish);
    }

    #[test]
    fn jsx_and_tsx_parse() {
        let text = "export const A = () => <div onClick={() => fetch('/api/private')}>{x}</div>;\n";
        assert_eq!(calls(text, Dialect::Tsx).len(), 1);
        assert_eq!(calls(text, Dialect::JavaScript).len(), 1);
        assert_eq!(Dialect::of_path("a/b.tsx"), Dialect::Tsx);
        assert_eq!(Dialect::of_path("a/b.mts"), Dialect::TypeScript);
        assert_eq!(Dialect::of_path("a/b.cjs"), Dialect::JavaScript);
    }

    #[test]
    fn deep_and_broken_input_never_overflows() {
        let deep = format!("f({}1{});\n", "[".repeat(50_000), "]".repeat(50_000));
        let _ = parse(&deep, Dialect::JavaScript);
        let long = format!("fetch('a'{});\n", " + 'b'".repeat(50_000));
        let c = calls(&long, Dialect::JavaScript);
        assert_eq!(c[0].args[0].text().map(str::len), Some(50_001));
        let objects = format!("f({}{});\n", "{a: ".repeat(10_000), "}".repeat(10_000));
        let _ = parse(&objects, Dialect::TypeScript);
        let parens = format!("fetch({}'/x'{});\n", "(".repeat(50_000), ")".repeat(50_000));
        let _ = parse(&parens, Dialect::JavaScript);
        let _ = parse("fetch('/x', {{{ ((( \u{0}", Dialect::Tsx);
    }
}
