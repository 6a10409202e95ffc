//! Rust web applications through `syn`: the middleware a router or app applies
//! (axum/tower `.layer(...)`, `.route_layer(...)`, `ServiceBuilder::layer`, actix
//! `.wrap(...)`), chain by chain, with the routers nested into each one (inline, or
//! through a function of the same file that builds them).
//!
//! syn gives no tree for a file with a syntax error: that is one parse-error finding,
//! and the file is otherwise skipped. Files that never call `.layer(`/`.wrap(` are not
//! parsed at all.

use crate::core::source::ParseFailure;
use crate::core::source::{SourceFile, Span};
use proc_macro2::{Delimiter, LineColumn, Spacing, TokenStream, TokenTree};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use syn::visit::Visit;
use syn::{Expr, ExprMethodCall};

/// One middleware applied in a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerUse {
    /// What kind it is: the constructor's type (`CorsLayer`, `Logger`) or
    /// `from_fn(auth)`; roles are looked up by it.
    pub name: String,
    /// Which layer it is: the whole constructor expression (receiver, method chain and
    /// arguments). `rate_limit.message()` and `rate_limit.search()` are two layers; the
    /// same expression twice is one layer applied twice.
    pub expr: LayerExpr,
    /// How messages name it: the expression as written, whitespace collapsed, when that
    /// is at most [`SHOWN_MAX`] bytes; else `name`.
    pub text: String,
    pub span: Span,
}

/// The longest expression messages show as written (longer ones by their type).
pub const SHOWN_MAX: usize = 60;

/// A layer's expression as normalised token text (`rate_limit . message ()`, what
/// `proc_macro2` prints), a part of a text printed once per file, with an id: two
/// expressions of one file have the same id exactly when they have the same text.
/// Comparing ids costs nothing however deep the expression nests.
#[derive(Clone, Debug)]
pub struct LayerExpr {
    id: u32,
    /// The normalised text of the file's layer arguments, shared by its layers.
    normal: Arc<str>,
    start: usize,
    end: usize,
}

impl LayerExpr {
    pub fn as_str(&self) -> &str {
        self.normal.get(self.start..self.end).unwrap_or("")
    }

    /// The expression's id within its file.
    pub fn id(&self) -> u32 {
        self.id
    }
}

impl PartialEq for LayerExpr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for LayerExpr {}

/// A method chain that applies middleware: `Router::new().route(..).layer(..)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chain {
    /// In order of application.
    pub layers: Vec<LayerUse>,
    /// Routers mounted into this one: (how many of `layers` came before the mount,
    /// the mount method, what is mounted).
    pub mounts: Vec<(usize, String, Mounted)>,
    /// The function whose body holds the chain.
    pub function: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mounted {
    /// A chain written inline, by index into [`RustFacts::chains`].
    Inline(usize),
    /// A call to a function (its last path segment).
    Call(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RustFacts {
    pub chains: Vec<Chain>,
}

impl RustFacts {
    /// The chain a function builds (the one applying most middleware).
    pub fn chain_of_function(&self, name: &str) -> Option<&Chain> {
        self.chains
            .iter()
            .filter(|c| c.function.as_deref() == Some(name))
            .max_by_key(|c| c.layers.len() + c.mounts.len())
    }
}

/// Whether a file is test code by its path (`tests/` folders).
pub fn is_test_path(path: &str) -> bool {
    path.split('/').any(|c| c == "tests" || c == "benches")
}

/// Whether a file is worth parsing for middleware.
pub fn mentions_middleware(text: &str) -> bool {
    text.contains(".layer(") || text.contains(".wrap(") || text.contains(".route_layer(")
}

pub fn parse(source: &SourceFile) -> Result<RustFacts, ParseFailure> {
    let failure = |e: syn::Error| {
        let start = e.span().start();
        let at = source
            .lines
            .offset_of(&source.text, start.line, start.column);
        ParseFailure {
            message: format!("invalid Rust: {e}"),
            span: Some(Span::new(at, at)),
        }
    };
    // The file's tokens are kept: their trees give each layer's expression and span
    // without printing the expression again (syn keeps no tokens; `Spanned::span`
    // re-prints the whole argument, so nested layers cost the square of their depth).
    // As `syn::parse_file`: without a BOM, and without a shebang line (by syn's rules:
    // that text is parsed by syn first, then tokenised again).
    let content = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let (file, stream) = if content.starts_with("#!") {
        let file = syn::parse_file(&source.text).map_err(failure)?;
        let content = match &file.shebang {
            Some(line) => content.get(line.len()..).unwrap_or(""),
            None => content,
        };
        let stream = content.parse::<TokenStream>().ok();
        (file, stream)
    } else {
        let stream = content
            .parse::<TokenStream>()
            .map_err(|e| failure(e.into()))?;
        let file = syn::parse2::<syn::File>(stream.clone()).map_err(failure)?;
        (file, Some(stream))
    };
    let mut tokens = Tokens::default();
    let mut normal = String::new();
    if let Some(stream) = stream {
        tokens.add(stream, &mut normal, true);
    }
    let mut v = Collector {
        source,
        facts: RustFacts::default(),
        function: None,
        tokens,
        normal: Arc::from(normal),
    };
    v.visit_file(&file);
    Ok(v.facts)
}

struct Collector<'a> {
    source: &'a SourceFile,
    facts: RustFacts,
    function: Option<String>,
    tokens: Tokens,
    /// The normalised token text of the file's layer arguments (see [`Tokens::add`]).
    normal: Arc<str>,
}

/// One token tree of the file (an identifier, a punctuation mark, a literal, or a
/// delimited group with everything inside it).
#[derive(Clone, Copy)]
struct Tree {
    span: proc_macro2::Span,
    /// Its part of the normalised text.
    start: usize,
    end: usize,
    /// Equal for two trees exactly when they print the same.
    id: u32,
    /// The id it has last in a sequence, where what follows it no longer matters: a
    /// punctuation mark joint to the next one (`:` of `::`) is then alone.
    end_id: u32,
    /// A punctuation mark joint to the next one: printed without a space after it.
    joint: bool,
}

/// What a tree's id stands for (identifiers and literals: see [`Tokens::words`]).
#[derive(Hash, PartialEq, Eq)]
enum Key {
    /// A punctuation mark, and whether it is joint to the next one.
    Punct(char, bool),
    /// A delimited group: its opening delimiter and the ids of its trees.
    Group(&'static str, Vec<u32>),
    /// A sequence of trees: an expression.
    Seq(Vec<u32>),
    /// An expression whose text does not tokenise, as written.
    Raw(String),
}

/// How a group's delimiters print (`proc_macro2`: `{ a }`, `{ }`).
fn delimiters(delimiter: Delimiter) -> (&'static str, &'static str) {
    match delimiter {
        Delimiter::Parenthesis => ("(", ")"),
        Delimiter::Brace => ("{ ", "}"),
        Delimiter::Bracket => ("[", "]"),
        Delimiter::None => ("", ""),
    }
}

/// The token trees of the file's layer arguments: ids interned bottom-up (each tree
/// costs its own children, so the ids of every nested expression cost the file's size
/// once), and what the parentheses of each layer method hold, by where the `(` is.
#[derive(Default)]
struct Tokens {
    ids: FxHashMap<Key, u32>,
    /// Identifiers and literals, as printed (looked up without a copy).
    words: FxHashMap<String, u32>,
    parens: FxHashMap<LineColumn, Vec<Tree>>,
}

impl Tokens {
    fn next_id(&self) -> u32 {
        u32::try_from(self.ids.len() + self.words.len()).unwrap_or(u32::MAX)
    }

    fn intern(&mut self, key: Key) -> u32 {
        let next = self.next_id();
        *self.ids.entry(key).or_insert(next)
    }

    fn intern_word(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.words.get(word) {
            return id;
        }
        let id = self.next_id();
        self.words.insert(word.to_string(), id);
        id
    }

    /// Interns trees and prints them into `normal` as `proc_macro2`'s `Display` does (a
    /// space between trees, except after a joint punctuation mark; `{ a }`, `{ }`,
    /// `(a)`, `[a]`). For the whole file (`file`), only what the parentheses of a layer
    /// method (`layer(`, `wrap(`, ...) hold is interned and printed, and those trees are
    /// recorded by where the `(` is; otherwise all of `stream` is, and its top-level
    /// trees are returned. Groups are walked with a stack of their own, not by
    /// recursion: they nest as deep as the file does.
    fn add(&mut self, stream: TokenStream, normal: &mut String, file: bool) -> Vec<Tree> {
        struct Frame {
            trees: proc_macro2::token_stream::IntoIter,
            done: Vec<Tree>,
            /// The group, and where its text starts (none for the stream itself).
            group: Option<(proc_macro2::Group, usize)>,
            /// Its trees are interned and printed.
            printed: bool,
            /// It is the parentheses of a layer method, recorded.
            recorded: bool,
            /// The last tree named a layer method.
            after_method: bool,
        }
        let mut stack = vec![Frame {
            trees: stream.into_iter(),
            done: Vec::new(),
            group: None,
            printed: !file,
            recorded: false,
            after_method: false,
        }];
        while let Some(top) = stack.last_mut() {
            let Some(tree) = top.trees.next() else {
                let Some(frame) = stack.pop() else { break };
                let Some((group, start)) = frame.group else {
                    return frame.done;
                };
                let parent = stack.last_mut().filter(|p| p.printed);
                let id = parent.is_some().then(|| {
                    let (open, close) = delimiters(group.delimiter());
                    if group.delimiter() == Delimiter::Brace && !frame.done.is_empty() {
                        normal.push(' ');
                    }
                    normal.push_str(close);
                    self.intern(Key::Group(open, frame.done.iter().map(|t| t.id).collect()))
                });
                if frame.recorded {
                    self.parens.insert(group.span_open().start(), frame.done);
                }
                if let (Some(parent), Some(id)) = (parent, id) {
                    parent.done.push(Tree {
                        span: group.span(),
                        start,
                        end: normal.len(),
                        id,
                        end_id: id,
                        joint: false,
                    });
                }
                continue;
            };
            let after_method = std::mem::replace(
                &mut top.after_method,
                matches!(&tree, TokenTree::Ident(i) if LAYER_METHODS.iter().any(|m| i == m)),
            );
            if top.printed && top.done.last().is_some_and(|t| !t.joint) {
                normal.push(' ');
            }
            let start = normal.len();
            let (id, end_key, joint) = match &tree {
                TokenTree::Group(group) => {
                    let recorded =
                        file && after_method && group.delimiter() == Delimiter::Parenthesis;
                    if top.printed {
                        normal.push_str(delimiters(group.delimiter()).0);
                    }
                    let frame = Frame {
                        trees: group.stream().into_iter(),
                        done: Vec::new(),
                        group: Some((group.clone(), start)),
                        printed: top.printed || recorded,
                        recorded,
                        after_method: false,
                    };
                    stack.push(frame);
                    continue;
                }
                _ if !top.printed => continue,
                TokenTree::Punct(p) => {
                    normal.push(p.as_char());
                    let joint = p.spacing() == Spacing::Joint;
                    (
                        self.intern(Key::Punct(p.as_char(), joint)),
                        joint.then(|| Key::Punct(p.as_char(), false)),
                        joint,
                    )
                }
                TokenTree::Ident(word) => {
                    let _ = write!(normal, "{word}");
                    (
                        self.intern_word(normal.get(start..).unwrap_or("")),
                        None,
                        false,
                    )
                }
                TokenTree::Literal(word) => {
                    let _ = write!(normal, "{word}");
                    (
                        self.intern_word(normal.get(start..).unwrap_or("")),
                        None,
                        false,
                    )
                }
            };
            let end_id = end_key.map_or(id, |k| self.intern(k));
            top.done.push(Tree {
                span: tree.span(),
                start,
                end: normal.len(),
                id,
                end_id,
                joint,
            });
        }
        Vec::new()
    }

    /// The id of the expression made of `trees` (consecutive trees of one stream).
    fn seq(&mut self, trees: &[Tree]) -> u32 {
        let ids = match trees.split_last() {
            Some((last, rest)) => rest
                .iter()
                .map(|t| t.id)
                .chain(std::iter::once(last.end_id))
                .collect(),
            None => Vec::new(),
        };
        self.intern(Key::Seq(ids))
    }
}

fn byte_offset(source: &SourceFile, at: LineColumn) -> usize {
    source.lines.offset_of(&source.text, at.line, at.column)
}

/// `written` with its whitespace collapsed, if that is at most [`SHOWN_MAX`] bytes
/// (reading stops there: a deep expression is not copied whole).
fn collapsed(written: &str) -> Option<String> {
    let mut out = String::new();
    let mut gap = false;
    for c in written.chars() {
        if c.is_whitespace() {
            gap = !out.is_empty();
            continue;
        }
        if gap {
            out.push(' ');
            gap = false;
        }
        out.push(c);
        if out.len() > SHOWN_MAX {
            return None;
        }
    }
    Some(out)
}

const LAYER_METHODS: &[&str] = &["layer", "route_layer", "wrap", "wrap_fn"];
const MOUNT_METHODS: &[&str] = &[
    "nest",
    "merge",
    "nest_service",
    "service",
    "fallback_service",
];

impl Collector<'_> {
    /// The layer `call` applies (its first argument), named `name`.
    fn layer(&mut self, call: &ExprMethodCall, name: String) -> Option<LayerUse> {
        let first = call.args.pairs().next()?;
        // The argument's trees: those of the call's parentheses before the comma that
        // ends it.
        let recorded = self
            .tokens
            .parens
            .remove(&call.paren_token.span.open().start())
            .map(|mut trees| {
                if let Some(comma) = first.punct() {
                    let comma = comma.span.start();
                    trees.truncate(trees.partition_point(|t| t.span.start() < comma));
                }
                trees
            });
        let (span, expr) = match recorded {
            Some(trees) => {
                let (head, tail) = (trees.first()?, trees.last()?);
                let span = Span::new(
                    byte_offset(self.source, head.span.start()),
                    byte_offset(self.source, tail.span.end()),
                );
                let expr = LayerExpr {
                    id: self.tokens.seq(&trees),
                    normal: self.normal.clone(),
                    start: head.start,
                    end: tail.end,
                };
                (span, expr)
            }
            // Not recorded (a turbofish between the method and its parentheses:
            // `.wrap::<L>(l)`): the argument's span from syn, and its text tokenised on
            // its own (text that does not tokenise is its own expression).
            None => {
                let at = syn::spanned::Spanned::span(first.value());
                let span = Span::new(
                    byte_offset(self.source, at.start()),
                    byte_offset(self.source, at.end()),
                );
                let written = self.source.text.get(span.start..span.end).unwrap_or(&name);
                let mut own = String::new();
                let trees = match written.parse::<TokenStream>() {
                    Ok(stream) => self.tokens.add(stream, &mut own, false),
                    Err(_) => Vec::new(),
                };
                let expr = match (trees.first(), trees.last()) {
                    (Some(head), Some(tail)) => LayerExpr {
                        id: self.tokens.seq(&trees),
                        start: head.start,
                        end: tail.end,
                        normal: Arc::from(own),
                    },
                    _ => LayerExpr {
                        id: self.tokens.intern(Key::Raw(written.to_string())),
                        start: 0,
                        end: written.len(),
                        normal: Arc::from(written),
                    },
                };
                (span, expr)
            }
        };
        let written = self.source.text.get(span.start..span.end).unwrap_or(&name);
        Some(LayerUse {
            expr,
            text: collapsed(written).unwrap_or_else(|| name.clone()),
            name,
            span,
        })
    }

    /// Records the chain ending at `outer`; returns its index.
    fn chain(&mut self, outer: &ExprMethodCall) -> usize {
        let mut calls = vec![outer];
        let mut cur = outer;
        while let Expr::MethodCall(inner) = &*cur.receiver {
            calls.push(inner);
            cur = inner;
        }
        calls.reverse();
        let index = self.facts.chains.len();
        self.facts.chains.push(Chain {
            function: self.function.clone(),
            ..Chain::default()
        });
        // The chain's root receiver may hold chains of its own.
        self.visit_expr(&cur.receiver);
        let mut layers = Vec::new();
        let mut mounts = Vec::new();
        for call in &calls {
            let method = call.method.to_string();
            if LAYER_METHODS.contains(&method.as_str()) {
                if let Some(name) = call.args.first().and_then(layer_name)
                    && let Some(layer) = self.layer(call, name)
                {
                    layers.push(layer);
                }
                for arg in &call.args {
                    self.visit_expr(arg);
                }
            } else if MOUNT_METHODS.contains(&method.as_str()) {
                for arg in &call.args {
                    match arg {
                        Expr::MethodCall(m) => {
                            let inner = self.chain(m);
                            mounts.push((layers.len(), method.clone(), Mounted::Inline(inner)));
                        }
                        Expr::Call(c) => {
                            // `api()` or `self::api()`: a function of this file;
                            // `endpoints::router()` is another module's.
                            if let Expr::Path(p) = &*c.func
                                && let Some(last) = p.path.segments.last()
                                && c.args.is_empty()
                                && p.path
                                    .segments
                                    .iter()
                                    .rev()
                                    .skip(1)
                                    .all(|s| s.ident == "self")
                            {
                                mounts.push((
                                    layers.len(),
                                    method.clone(),
                                    Mounted::Call(last.ident.to_string()),
                                ));
                            }
                            self.visit_expr(arg);
                        }
                        other => self.visit_expr(other),
                    }
                }
            } else {
                for arg in &call.args {
                    self.visit_expr(arg);
                }
            }
        }
        if let Some(chain) = self.facts.chains.get_mut(index) {
            chain.layers = layers;
            chain.mounts = mounts;
        }
        index
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        let outer = self.function.replace(f.sig.ident.to_string());
        syn::visit::visit_item_fn(self, f);
        self.function = outer;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        let outer = self.function.replace(f.sig.ident.to_string());
        syn::visit::visit_impl_item_fn(self, f);
        self.function = outer;
    }

    fn visit_expr_method_call(&mut self, m: &'ast ExprMethodCall) {
        self.chain(m);
    }
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Whether attributes mark test code (`#[test]`, `#[tokio::test]`, `#[cfg(test)]`).
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let p = a.path();
        p.segments.last().is_some_and(|s| s.ident == "test")
            || (p.is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test"))
    })
}

/// What a `.layer(arg)` applies.
fn layer_name(arg: &Expr) -> Option<String> {
    match arg {
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return None };
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let last = segs.last()?.as_str();
            if last.starts_with("from_fn") || last == "map_request" || last == "map_response" {
                // `middleware::from_fn(auth)`: the function is the identity.
                let f = c.args.iter().last().and_then(|a| match a {
                    Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                    _ => None,
                })?;
                return Some(format!("{last}({f})"));
            }
            // `CorsLayer::permissive()` -> CorsLayer; `a::Logging::new()` -> a::Logging;
            // `cors()` -> cors; `Tuple(x)` -> Tuple.
            let constructor = last.starts_with(|c: char| c.is_ascii_lowercase()) && segs.len() >= 2;
            let keep = if constructor {
                segs.len() - 1
            } else {
                segs.len()
            };
            Some(segs.get(..keep)?.join("::"))
        }
        // A builder: `Cors::default().allow_any_origin()`.
        Expr::MethodCall(m) => {
            let mut cur = m;
            while let Expr::MethodCall(inner) = &*cur.receiver {
                cur = inner;
            }
            layer_name(&cur.receiver)
        }
        Expr::Struct(s) => Some(path_text(&s.path)),
        Expr::Path(p) => Some(path_text(&p.path)),
        Expr::Paren(p) => layer_name(&p.expr),
        _ => None,
    }
}

/// Middleware that apply together to some routes: the chain's own layers, and for each
/// mounted router the outer layers that wrap it (axum: those added after the mount;
/// actix `service`: all of them) followed by its own. A mount is a chain written inline
/// or a call to a function of the same file (never the chain's own function).
pub fn effective_groups(facts: &RustFacts) -> Vec<Vec<LayerUse>> {
    let mut groups = Vec::new();
    let by_fn: BTreeMap<&str, &Chain> = facts
        .chains
        .iter()
        .filter_map(|c| c.function.as_deref())
        .filter_map(|f| facts.chain_of_function(f).map(|c| (f, c)))
        .collect();
    for chain in &facts.chains {
        if chain.layers.len() >= 2 {
            groups.push(chain.layers.clone());
        }
        for (position, method, mounted) in &chain.mounts {
            let inner = match mounted {
                Mounted::Inline(i) => facts.chains.get(*i),
                // A router never contains itself: a call to the function that builds
                // this chain is another module's function of the same name.
                Mounted::Call(f) if chain.function.as_deref() == Some(f.as_str()) => None,
                Mounted::Call(f) => by_fn.get(f.as_str()).copied(),
            };
            let Some(inner) = inner else { continue };
            if inner.layers.is_empty() {
                continue;
            }
            let outer: Vec<LayerUse> = if method == "service" {
                chain.layers.clone()
            } else {
                chain.layers.iter().skip(*position).cloned().collect()
            };
            if outer.is_empty() {
                continue;
            }
            // The enclosing router's layers first: they are what the nested router's
            // own layers come on top of.
            let mut group = outer;
            group.extend(inner.layers.iter().cloned());
            groups.push(group);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::path::RelPath;

    fn facts(text: &str) -> RustFacts {
        parse(&SourceFile::new(
            RelPath::new("src/main.rs"),
            text.to_string(),
        ))
        .unwrap()
    }

    #[test]
    fn layers_and_nested_routers() {
        let f = facts(
            r#"
fn api() -> Router {
    Router::new().route("/users", get(users)).layer(CorsLayer::permissive())
}
fn app() -> Router {
    Router::new()
        .nest("/api", api())
        .layer(TraceLayer::new_for_http())
        .layer(CorsLayer::new().allow_origin(Any))
        .layer(middleware::from_fn_with_state(state, auth))
}
"#,
        );
        let app = f.chain_of_function("app").unwrap();
        let names: Vec<&str> = app.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            ["TraceLayer", "CorsLayer", "from_fn_with_state(auth)"]
        );
        assert_eq!(
            app.mounts,
            [(0, "nest".to_string(), Mounted::Call("api".into()))]
        );
        let groups = effective_groups(&f);
        assert!(
            groups
                .iter()
                .any(|g| g.iter().filter(|l| l.name == "CorsLayer").count() == 2)
        );
    }

    #[test]
    fn actix_wraps_and_scopes() {
        let text = r#"
fn main() {
    App::new()
        .wrap(Logger::default())
        .service(web::scope("/api").wrap(Cors::default().allow_any_origin()).route("/x", web::get().to(x)))
        .wrap(Logger::new("%a"));
}
"#;
        let f = facts(text);
        let groups = effective_groups(&f);
        let names: Vec<Vec<&str>> = groups
            .iter()
            .map(|g| g.iter().map(|l| l.name.as_str()).collect())
            .collect();
        assert!(names.contains(&vec!["Logger", "Logger"]), "{names:?}");
        assert!(
            names.contains(&vec!["Logger", "Logger", "Cors"]),
            "{names:?}"
        );
        let logger = &f
            .chains
            .iter()
            .find(|c| c.layers.len() == 2)
            .unwrap()
            .layers[0];
        assert_eq!(
            &text[logger.span.start..logger.span.end],
            "Logger::default()"
        );
    }

    #[test]
    fn layers_are_identified_by_their_whole_expression() {
        let f = facts(
            r#"
fn config(cfg: &mut ServiceConfig, rate_limit: &RateLimit) {
    cfg.service(
        scope("/api")
            .wrap(rate_limit.message())
            .service(scope("/c").wrap(rate_limit . message()).route("", get().to(h)))
            .service(resource("/s").wrap(rate_limit.search()).route(get().to(s))),
    );
}
"#,
        );
        let groups = effective_groups(&f);
        let exprs: Vec<Vec<&str>> = groups
            .iter()
            .map(|g| g.iter().map(|l| l.expr.as_str()).collect())
            .collect();
        assert!(
            exprs.contains(&vec!["rate_limit . message ()", "rate_limit . message ()"]),
            "{exprs:?}"
        );
        assert!(
            exprs.contains(&vec!["rate_limit . message ()", "rate_limit . search ()"]),
            "{exprs:?}"
        );
        let first = &groups[0][0];
        assert_eq!(
            (first.name.as_str(), first.text.as_str()),
            ("rate_limit", "rate_limit.message()")
        );
    }

    #[test]
    fn nested_and_turbofish_layers_read_the_same_as_the_others() {
        // The nested argument's layer is read inside the outer one's; `.wrap::<L>(..)`
        // (a turbofish before the parentheses) is read from its own text.
        let text = "fn app() {\n    Router::new()\n        .layer(Router::new().layer(C::new()))\n        .wrap::<L>(C :: new())\n        .layer(C::new(\n        ))\n}\n";
        let f = facts(text);
        let layers: Vec<&LayerUse> = f.chains.iter().flat_map(|c| &c.layers).collect();
        let read: Vec<(&str, &str, &str)> = layers
            .iter()
            .map(|l| {
                (
                    &text[l.span.start..l.span.end],
                    l.expr.as_str(),
                    l.text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (
                    "Router::new().layer(C::new())",
                    "Router :: new () . layer (C :: new ())",
                    "Router::new().layer(C::new())"
                ),
                ("C :: new()", "C :: new ()", "C :: new()"),
                ("C::new(\n        )", "C :: new ()", "C::new( )"),
                ("C::new()", "C :: new ()", "C::new()"),
            ]
        );
        let ids: Vec<u32> = layers.iter().map(|l| l.expr.id()).collect();
        assert_ne!(ids[0], ids[1]);
        assert!(ids[1..].iter().all(|&id| id == ids[1]), "{ids:?}");
    }

    #[test]
    fn another_modules_function_of_the_same_name_is_not_this_router() {
        let f = facts(
            r#"
pub fn router() -> Router<AppState> {
    let ret = Router::new()
        .merge(endpoints::router())
        .layer(TraceLayer::new_for_http());
    if cfg!(debug_assertions) {
        return ret.merge(development::router());
    }
    ret
}
"#,
        );
        assert!(effective_groups(&f).is_empty());
    }

    #[test]
    fn syntax_errors_are_parse_failures() {
        let r = parse(&SourceFile::new(
            RelPath::new("a.rs"),
            "fn main( { .layer(x) }".into(),
        ));
        assert!(r.unwrap_err().message.starts_with("invalid Rust"));
    }
}
