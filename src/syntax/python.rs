//! Python, through ruff's parser (`ruff_python_parser`, pinned to `=0.0.10`, the newest release that builds on
//! rustc 1.95; ~10x faster than rustpython and it returns a tree with errors): one
//! parser for every Python file in the project.
//!
//! A full ruff AST is large, and a big repository has tens of thousands of Python files,
//! so the index does not keep ASTs. Each parse is summarised once into a small owned
//! tree, [`PyModule`]: statements in order (assignments, imports, classes, functions,
//! `if`/`try` blocks, expression statements, returns) with literal-ish values ([`PyValue`]) and
//! byte spans. That is what Django settings, models, apps, Odoo manifests and Dockerfile
//! import chains need. Anything that is not a literal, a name, a call or a list/tuple/
//! dict/set is [`PyValue::Other`]: rules treat it as unknown, never as empty.

use crate::core::source::ParseFailure;
use crate::core::source::Span;
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_python_parser::parse_unchecked_source;
use ruff_text_size::Ranged;

#[derive(Clone, Debug, PartialEq)]
pub struct PyNode {
    pub span: Span,
    pub value: PyValue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PyValue {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    List(Vec<PyNode>),
    Tuple(Vec<PyNode>),
    Set(Vec<PyNode>),
    /// `None` keys are `**spread` entries.
    Dict(Vec<(Option<PyNode>, PyNode)>),
    /// A name or dotted attribute chain: `settings.AUTH_USER_MODEL`.
    Ref(String),
    /// A call; `func` is the dotted callee ("" when it is not a name).
    Call {
        func: String,
        args: Vec<PyNode>,
        kwargs: Vec<(Option<String>, PyNode)>,
    },
    /// `left + right` (list and string concatenation).
    Add(Box<PyNode>, Box<PyNode>),
    /// A membership test `item in container` (`negated`: `item not in container`).
    Contains {
        item: Box<PyNode>,
        container: Box<PyNode>,
        negated: bool,
    },
    /// Anything else (comprehensions, lambdas, f-strings, subscripts, ...): unknown.
    Other,
}

impl PyNode {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            PyValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Elements of a list, tuple or set literal.
    pub fn elements(&self) -> Option<&[PyNode]> {
        match &self.value {
            PyValue::List(v) | PyValue::Tuple(v) | PyValue::Set(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_ref_name(&self) -> Option<&str> {
        match &self.value {
            PyValue::Ref(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a dict literal's string key.
    pub fn dict_get(&self, key: &str) -> Option<&PyNode> {
        match &self.value {
            PyValue::Dict(items) => items
                .iter()
                .find(|(k, _)| k.as_ref().and_then(PyNode::as_str) == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn is_truthy_literal(&self) -> Option<bool> {
        match &self.value {
            PyValue::Bool(b) => Some(*b),
            PyValue::Int(i) => Some(*i != 0),
            PyValue::None => Some(false),
            PyValue::Str(s) => Some(!s.is_empty()),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportName {
    /// The imported name as written (`a.b` for `import a.b`, `x` for `from m import x`).
    pub name: String,
    pub alias: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    /// Dotted names of the caught exception types (empty for a bare `except:`).
    pub types: Vec<String>,
    pub body: Vec<PyStmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PyClass {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub bases: Vec<PyNode>,
    pub body: Vec<PyStmt>,
}

impl PyClass {
    /// Dotted names of the bases that are names (`models.Model`, `Base`).
    pub fn base_names(&self) -> impl Iterator<Item = &str> {
        self.bases.iter().filter_map(PyNode::as_ref_name)
    }

    /// The value last assigned to `name` directly in the class body.
    pub fn attr(&self, name: &str) -> Option<&PyNode> {
        assigned(&self.body, name)
    }

    /// A nested class (e.g. `Meta`).
    pub fn nested(&self, name: &str) -> Option<&PyClass> {
        self.body.iter().rev().find_map(|s| match s {
            PyStmt::Class(c) if c.name == name => Some(c),
            _ => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum PyStmt {
    Assign {
        /// Dotted names of the targets that are names or attribute chains.
        targets: Vec<String>,
        value: PyNode,
        span: Span,
    },
    AugAssign {
        target: String,
        /// `+=` (the only operator the rules interpret).
        add: bool,
        value: PyNode,
        span: Span,
    },
    Expr {
        value: PyNode,
        span: Span,
    },
    Return {
        value: Option<PyNode>,
        span: Span,
    },
    Import {
        names: Vec<ImportName>,
        span: Span,
    },
    ImportFrom {
        module: Option<String>,
        level: u32,
        names: Vec<ImportName>,
        span: Span,
    },
    Class(PyClass),
    Function {
        name: String,
        span: Span,
        body: Vec<PyStmt>,
    },
    If {
        test: PyNode,
        body: Vec<PyStmt>,
        /// `elif` chains nest here as a single `If`.
        orelse: Vec<PyStmt>,
        span: Span,
    },
    Try {
        body: Vec<PyStmt>,
        handlers: Vec<Handler>,
        orelse: Vec<PyStmt>,
        finalbody: Vec<PyStmt>,
        span: Span,
    },
    /// The body of a `for`, `while` or `with`: runs, perhaps more than once.
    Block {
        body: Vec<PyStmt>,
        span: Span,
    },
}

/// Calls `f` on every statement of `body` and of the `if`/`try`/`for`/`while`/`with`
/// blocks inside it, in source order; with `into_functions`, also inside function
/// bodies (not class bodies).
pub fn walk_stmts<'a>(body: &'a [PyStmt], into_functions: bool, f: &mut dyn FnMut(&'a PyStmt)) {
    for s in body {
        f(s);
        match s {
            PyStmt::If { body, orelse, .. } => {
                walk_stmts(body, into_functions, f);
                walk_stmts(orelse, into_functions, f);
            }
            PyStmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                walk_stmts(body, into_functions, f);
                for h in handlers {
                    walk_stmts(&h.body, into_functions, f);
                }
                walk_stmts(orelse, into_functions, f);
                walk_stmts(finalbody, into_functions, f);
            }
            PyStmt::Block { body, .. } => walk_stmts(body, into_functions, f),
            PyStmt::Function { body, .. } if into_functions => walk_stmts(body, into_functions, f),
            _ => {}
        }
    }
}

/// The value last assigned to `name` in a statement list (not looking into blocks).
pub fn assigned<'a>(body: &'a [PyStmt], name: &str) -> Option<&'a PyNode> {
    body.iter().rev().find_map(|s| match s {
        PyStmt::Assign { targets, value, .. } if targets.iter().any(|t| t == name) => Some(value),
        _ => None,
    })
}

/// A parsed Python module, summarised.
#[derive(Clone, Debug, PartialEq)]
pub struct PyModule {
    pub body: Vec<PyStmt>,
}

impl PyModule {
    pub fn classes(&self) -> impl Iterator<Item = &PyClass> {
        self.body.iter().filter_map(|s| match s {
            PyStmt::Class(c) => Some(c),
            _ => None,
        })
    }

    pub fn assigned(&self, name: &str) -> Option<&PyNode> {
        assigned(&self.body, name)
    }
}

/// Parses `text`; a syntax error is a [`ParseFailure`] at its position.
pub fn parse_ast(text: &str) -> Result<ast::ModModule, ParseFailure> {
    let parsed = parse_unchecked_source(text, ast::PySourceType::Python);
    if let Some(err) = parsed.errors().first() {
        let range = err.location;
        let start = range.start().to_usize();
        let end = range.end().to_usize().max(start);
        return Err(ParseFailure {
            message: format!("invalid Python: {}", err.error),
            span: Some(Span::new(start, end)),
        });
    }
    Ok(parsed.into_syntax())
}

/// Parses and summarises a module.
pub fn parse(text: &str) -> Result<PyModule, ParseFailure> {
    let module = parse_ast(text)?;
    Ok(PyModule {
        body: stmts(&module.body),
    })
}

pub fn span_of(node: &impl Ranged) -> Span {
    let r = node.range();
    Span::new(r.start().to_usize(), r.end().to_usize())
}

pub fn stmts(body: &[Stmt]) -> Vec<PyStmt> {
    body.iter().filter_map(stmt).collect()
}

fn stmt(s: &Stmt) -> Option<PyStmt> {
    let span = span_of(s);
    Some(match s {
        Stmt::Assign(a) => PyStmt::Assign {
            targets: a.targets.iter().filter_map(dotted).collect(),
            value: node(&a.value),
            span,
        },
        Stmt::AnnAssign(a) => PyStmt::Assign {
            targets: dotted(&a.target).into_iter().collect(),
            value: a.value.as_deref().map_or(
                PyNode {
                    span,
                    value: PyValue::Other,
                },
                node,
            ),
            span,
        },
        Stmt::AugAssign(a) => PyStmt::AugAssign {
            target: dotted(&a.target)?,
            add: matches!(a.op, ast::Operator::Add),
            value: node(&a.value),
            span,
        },
        Stmt::Expr(e) => PyStmt::Expr {
            value: node(&e.value),
            span,
        },
        Stmt::Return(r) => PyStmt::Return {
            value: r.value.as_deref().map(node),
            span,
        },
        Stmt::Import(i) => PyStmt::Import {
            names: i.names.iter().map(import_name).collect(),
            span,
        },
        Stmt::ImportFrom(i) => PyStmt::ImportFrom {
            module: i.module.as_ref().map(|m| m.id.to_string()),
            level: i.level,
            names: i.names.iter().map(import_name).collect(),
            span,
        },
        Stmt::ClassDef(c) => PyStmt::Class(PyClass {
            name: c.name.id.to_string(),
            name_span: span_of(&c.name),
            span,
            bases: c
                .arguments
                .as_deref()
                .map(|a| a.args.iter().map(node).collect())
                .unwrap_or_default(),
            body: stmts(&c.body),
        }),
        Stmt::FunctionDef(f) => PyStmt::Function {
            name: f.name.id.to_string(),
            span,
            body: stmts(&f.body),
        },
        Stmt::If(i) => {
            let mut orelse = Vec::new();
            // Build the elif chain from the end.
            for clause in i.elif_else_clauses.iter().rev() {
                let body = stmts(&clause.body);
                orelse = match &clause.test {
                    Some(test) => vec![PyStmt::If {
                        test: node(test),
                        body,
                        orelse,
                        span: span_of(clause),
                    }],
                    None => body,
                };
            }
            PyStmt::If {
                test: node(&i.test),
                body: stmts(&i.body),
                orelse,
                span,
            }
        }
        Stmt::Try(t) => PyStmt::Try {
            body: stmts(&t.body),
            handlers: t
                .handlers
                .iter()
                .map(|h| {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    let types = match h.type_.as_deref() {
                        None => Vec::new(),
                        Some(Expr::Tuple(t)) => t.elts.iter().filter_map(dotted).collect(),
                        Some(e) => dotted(e).into_iter().collect(),
                    };
                    Handler {
                        types,
                        body: stmts(&h.body),
                    }
                })
                .collect(),
            orelse: stmts(&t.orelse),
            finalbody: stmts(&t.finalbody),
            span,
        },
        Stmt::For(f) => PyStmt::Block {
            body: [stmts(&f.body), stmts(&f.orelse)].concat(),
            span,
        },
        Stmt::While(w) => PyStmt::Block {
            body: [stmts(&w.body), stmts(&w.orelse)].concat(),
            span,
        },
        Stmt::With(w) => PyStmt::Block {
            body: stmts(&w.body),
            span,
        },
        _ => return None,
    })
}

fn import_name(a: &ast::Alias) -> ImportName {
    ImportName {
        name: a.name.id.to_string(),
        alias: a.asname.as_ref().map(|n| n.id.to_string()),
        span: span_of(a),
    }
}

/// `a`, `a.b.c` for names and attribute chains; `None` otherwise.
pub fn dotted(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => dotted(&a.value).map(|base| format!("{base}.{}", a.attr.id)),
        _ => None,
    }
}

/// The dotted callee of a call; `super().name` for a method reached through `super()`
/// (`super(Cls, self).name` too); "" otherwise.
fn callee(func: &Expr) -> String {
    if let Some(name) = dotted(func) {
        return name;
    }
    match func {
        Expr::Attribute(a) => match &*a.value {
            Expr::Call(inner) if dotted(&inner.func).as_deref() == Some("super") => {
                format!("super().{}", a.attr.id)
            }
            _ => String::new(),
        },
        _ => String::new(),
    }
}

pub fn node(e: &Expr) -> PyNode {
    let span = span_of(e);
    let value = match e {
        Expr::StringLiteral(s) => PyValue::Str(s.value.to_str().to_string()),
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => i.as_i64().map_or(PyValue::Other, PyValue::Int),
            _ => PyValue::Other,
        },
        Expr::BooleanLiteral(b) => PyValue::Bool(b.value),
        Expr::NoneLiteral(_) => PyValue::None,
        Expr::List(l) => PyValue::List(l.elts.iter().map(node).collect()),
        Expr::Tuple(t) => PyValue::Tuple(t.elts.iter().map(node).collect()),
        Expr::Set(s) => PyValue::Set(s.elts.iter().map(node).collect()),
        Expr::Dict(d) => PyValue::Dict(
            d.items
                .iter()
                .map(|item| (item.key.as_ref().map(node), node(&item.value)))
                .collect(),
        ),
        Expr::Name(_) | Expr::Attribute(_) => dotted(e).map_or(PyValue::Other, PyValue::Ref),
        Expr::Call(c) => PyValue::Call {
            func: callee(&c.func),
            args: c.arguments.args.iter().map(node).collect(),
            kwargs: c
                .arguments
                .keywords
                .iter()
                .map(|k| (k.arg.as_ref().map(|a| a.id.to_string()), node(&k.value)))
                .collect(),
        },
        Expr::BinOp(b) if matches!(b.op, ast::Operator::Add) => {
            PyValue::Add(Box::new(node(&b.left)), Box::new(node(&b.right)))
        }
        Expr::Compare(c) => match (&*c.ops, &*c.comparators) {
            ([op @ (ast::CmpOp::In | ast::CmpOp::NotIn)], [container]) => PyValue::Contains {
                item: Box::new(node(&c.left)),
                container: Box::new(node(container)),
                negated: matches!(op, ast::CmpOp::NotIn),
            },
            _ => PyValue::Other,
        },
        _ => PyValue::Other,
    };
    PyNode { span, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_assignments_classes_and_imports() {
        let text = r#"
import os, pytz as tz
from .base import *
from django.db import models

DEBUG = False
MIDDLEWARE = ['a.B', "c.D"]
MIDDLEWARE += ['e.F']
MIDDLEWARE.insert(0, 'x.Y')

class Student(models.Model):
    name = models.CharField(max_length=10)
    class Meta:
        abstract = True

if DEBUG:
    INSTALLED_APPS = ['debug_toolbar']
elif os.environ.get('X'):
    pass
else:
    INSTALLED_APPS = []

try:
    import ujson
except (ImportError, ModuleNotFoundError):
    ujson = None
"#;
        let m = parse(text).unwrap();
        let mw = m.assigned("MIDDLEWARE").unwrap();
        let names: Vec<&str> = mw
            .elements()
            .unwrap()
            .iter()
            .filter_map(PyNode::as_str)
            .collect();
        assert_eq!(names, ["a.B", "c.D"]);
        assert_eq!(&text[mw.span.start..mw.span.end], "['a.B', \"c.D\"]");
        let student = m.classes().next().unwrap();
        assert_eq!(student.name, "Student");
        assert_eq!(student.base_names().collect::<Vec<_>>(), ["models.Model"]);
        assert_eq!(
            student
                .nested("Meta")
                .unwrap()
                .attr("abstract")
                .unwrap()
                .value,
            PyValue::Bool(true)
        );
        assert!(
            matches!(&m.body[1], PyStmt::ImportFrom { module: Some(m), level: 1, names, .. } if m == "base" && names[0].name == "*")
        );
        assert!(m.body.iter().any(
            |s| matches!(s, PyStmt::AugAssign { target, add: true, .. } if target == "MIDDLEWARE")
        ));
        assert!(m.body.iter().any(|s| matches!(s, PyStmt::Expr { value: PyNode { value: PyValue::Call { func, .. }, .. }, .. } if func == "MIDDLEWARE.insert")));
        let PyStmt::If { orelse, .. } = &m.body[8] else {
            panic!("if")
        };
        assert!(matches!(&orelse[0], PyStmt::If { orelse, .. } if orelse.len() == 1));
        let PyStmt::Try { handlers, .. } = &m.body[9] else {
            panic!("try")
        };
        assert_eq!(handlers[0].types, ["ImportError", "ModuleNotFoundError"]);
    }

    #[test]
    fn membership_tests_and_super_calls() {
        let m =
            parse("if 'a.B' not in MIDDLEWARE:\n    super(X, self).process_request(r)\n").unwrap();
        let PyStmt::If { test, body, .. } = &m.body[0] else {
            panic!("if")
        };
        assert!(
            matches!(&test.value, PyValue::Contains { negated: true, item, container }
            if item.as_str() == Some("a.B") && container.as_ref_name() == Some("MIDDLEWARE"))
        );
        assert!(
            matches!(&body[0], PyStmt::Expr { value: PyNode { value: PyValue::Call { func, .. }, .. }, .. }
            if func == "super().process_request")
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("x = [1,\ny = 2\n").unwrap_err();
        assert!(err.message.starts_with("invalid Python"), "{}", err.message);
        assert!(err.span.is_some());
    }
}

/// A call, for `python-call` pack rules: its callee resolved through the module's
/// imports (`from requests import get as g; g(...)` is `requests.get`).
#[derive(Clone, Debug, PartialEq)]
pub struct PyCall {
    /// The dotted callee with its first name replaced by what it was imported as;
    /// "" when the callee is not a name or attribute chain.
    pub callee: String,
    pub callee_span: Span,
    pub span: Span,
    /// The names of the keyword arguments given.
    pub keywords: Vec<String>,
    /// A `**mapping` argument: any keyword may be given.
    pub keyword_spread: bool,
}

/// Every call of a module, in source order, with callees resolved through its imports
/// (at any level: an import inside a function counts for the whole module, a
/// simplification that only widens what is resolved). Relative imports resolve to
/// `.name`. A second parse of the file, made only when a pack rule asks for calls: the
/// summary in [`PyModule`] keeps statement values, not every call.
pub fn calls(text: &str) -> Result<Vec<PyCall>, ParseFailure> {
    use ruff_python_ast::visitor::{self, Visitor};
    use std::collections::HashMap;

    #[derive(Default)]
    struct Collect<'a> {
        imports: HashMap<&'a str, String>,
        calls: Vec<(&'a ast::ExprCall, Option<String>)>,
    }
    impl<'a> Visitor<'a> for Collect<'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Import(i) => {
                    for a in &i.names {
                        match &a.asname {
                            Some(alias) => {
                                self.imports
                                    .insert(alias.id.as_str(), a.name.id.to_string());
                            }
                            None => {
                                let first = a.name.id.split('.').next().unwrap_or("");
                                self.imports.insert(first, first.to_string());
                            }
                        }
                    }
                }
                Stmt::ImportFrom(i) => {
                    let module = format!(
                        "{}{}",
                        ".".repeat(i.level as usize),
                        i.module.as_ref().map_or("", |m| m.id.as_str())
                    );
                    for a in &i.names {
                        let bound = a.asname.as_ref().unwrap_or(&a.name);
                        let full = if module.is_empty() || module.ends_with('.') {
                            format!("{module}{}", a.name.id)
                        } else {
                            format!("{module}.{}", a.name.id)
                        };
                        self.imports.insert(bound.id.as_str(), full);
                    }
                }
                _ => {}
            }
            visitor::walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(c) = expr {
                self.calls.push((c, dotted(&c.func)));
            }
            visitor::walk_expr(self, expr);
        }
    }

    let module = parse_ast(text)?;
    let mut collect = Collect::default();
    for stmt in &module.body {
        collect.visit_stmt(stmt);
    }
    let imports = &collect.imports;
    Ok(collect
        .calls
        .iter()
        .map(|(call, name)| {
            let callee = name.as_deref().map_or_else(String::new, |name| {
                let (first, rest) = name.split_once('.').map_or((name, ""), |(f, r)| (f, r));
                match imports.get(first) {
                    Some(full) if rest.is_empty() => full.clone(),
                    Some(full) => format!("{full}.{rest}"),
                    None => name.to_string(),
                }
            });
            PyCall {
                callee,
                callee_span: span_of(&*call.func),
                span: span_of(*call),
                keywords: call
                    .arguments
                    .keywords
                    .iter()
                    .filter_map(|k| k.arg.as_ref().map(|a| a.id.to_string()))
                    .collect(),
                keyword_spread: call.arguments.keywords.iter().any(|k| k.arg.is_none()),
            }
        })
        .collect())
}

#[cfg(test)]
mod call_tests {
    use super::*;

    #[test]
    fn callees_resolve_through_imports() {
        let text = "import requests\nimport requests as r\nfrom requests import get as g\nfrom . import api\n\ndef f(**kw):\n    requests.get(u, timeout=3)\n    r.post(u)\n    g(u, **kw)\n    api.call()\n    print(len(x))\n";
        let calls = calls(text).unwrap();
        let got: Vec<(&str, Vec<&str>, bool)> = calls
            .iter()
            .map(|c| {
                (
                    c.callee.as_str(),
                    c.keywords.iter().map(String::as_str).collect(),
                    c.keyword_spread,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("requests.get", vec!["timeout"], false),
                ("requests.post", vec![], false),
                ("requests.get", vec![], true),
                (".api.call", vec![], false),
                ("print", vec![], false),
                ("len", vec![], false),
            ]
        );
        assert_eq!(
            &text[calls[1].callee_span.start..calls[1].callee_span.end],
            "r.post"
        );
    }

    #[test]
    fn a_syntax_error_is_a_failure() {
        assert!(calls("requests.get(\n").is_err());
    }
}
