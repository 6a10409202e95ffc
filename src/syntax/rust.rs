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
use std::collections::BTreeMap;
use syn::visit::Visit;
use syn::{Expr, ExprMethodCall};

/// One middleware applied in a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerUse {
    /// What kind it is: the constructor's type (`CorsLayer`, `Logger`) or
    /// `from_fn(auth)`; roles are looked up by it.
    pub name: String,
    /// Which layer it is: the whole constructor expression (receiver, method chain and
    /// arguments) as normalised token text. `rate_limit.message()` and
    /// `rate_limit.search()` are two layers; the same expression twice is one layer
    /// applied twice.
    pub expr: String,
    /// The expression as written, whitespace collapsed (for messages).
    pub text: String,
    pub span: Span,
}

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
    let file = syn::parse_file(&source.text).map_err(|e| {
        let start = e.span().start();
        let at = source
            .lines
            .offset_of(&source.text, start.line, start.column);
        ParseFailure {
            message: format!("invalid Rust: {e}"),
            span: Some(Span::new(at, at)),
        }
    })?;
    let mut v = Collector {
        source,
        facts: RustFacts::default(),
        function: None,
    };
    v.visit_file(&file);
    Ok(v.facts)
}

struct Collector<'a> {
    source: &'a SourceFile,
    facts: RustFacts,
    function: Option<String>,
}

fn byte_span(source: &SourceFile, span: proc_macro2::Span) -> Span {
    let (s, e) = (span.start(), span.end());
    Span::new(
        source.lines.offset_of(&source.text, s.line, s.column),
        source.lines.offset_of(&source.text, e.line, e.column),
    )
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
                if let Some(arg) = call.args.first()
                    && let Some(name) = layer_name(arg)
                {
                    let span = byte_span(self.source, syn::spanned::Spanned::span(arg));
                    let written = self.source.text.get(span.start..span.end).unwrap_or(&name);
                    layers.push(LayerUse {
                        expr: written
                            .parse::<proc_macro2::TokenStream>()
                            .map_or_else(|_| written.to_string(), |t| t.to_string()),
                        text: written.split_whitespace().collect::<Vec<_>>().join(" "),
                        name,
                        span,
                    });
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
