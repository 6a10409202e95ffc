//! What a Django management command imports while Django starts (`django.setup()`),
//! statically: the entry script, the settings module and its module-level imports,
//! every app of `INSTALLED_APPS` (its package, `apps.py` with `AppConfig.ready()`, its
//! models, and `admin.py` when the admin autodiscovers it), then module-level imports
//! transitively through the project's own modules. Imports inside functions, under
//! `if TYPE_CHECKING:`, or in a `try` whose `except` catches `ImportError` do not run
//! at start-up, or cannot fail it, and are left out. Each third-party module comes
//! with the chain that reaches it.

use crate::core::path::{RelPath, join};
use crate::core::source::Span;
use crate::index::Index;
use crate::model::docker::build::Context;
use crate::model::python::{module_files, relative_stem, resolve_in_roots};
use crate::syntax::python::{PyModule, PyStmt, PyValue};
use std::collections::{BTreeSet, VecDeque};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub path: RelPath,
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The top-level module (`pytz`).
    pub module: String,
    pub chain: Vec<Step>,
}

struct Node {
    path: String,
    parent: Option<usize>,
    step: Option<Step>,
}

pub struct Analysis<'a> {
    index: &'a Index,
    roots: Vec<String>,
    nodes: Vec<Node>,
    seen: BTreeSet<String>,
    queue: VecDeque<usize>,
    found: Vec<Found>,
    found_modules: BTreeSet<String>,
}

impl<'a> Analysis<'a> {
    /// Source roots: the context, and the folder of the entry script.
    pub fn new(index: &'a Index, context: &Context, script: Option<&str>) -> Self {
        let mut roots = vec![context.dir.clone()];
        if let Some(s) = script {
            let dir = s
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string());
            if !roots.contains(&dir) {
                roots.push(dir);
            }
        }
        Self {
            index,
            roots,
            nodes: Vec::new(),
            seen: BTreeSet::new(),
            queue: VecDeque::new(),
            found: Vec::new(),
            found_modules: BTreeSet::new(),
        }
    }

    /// The file of a dotted module of the project, if it is one.
    pub fn first_party(&self, dotted: &str) -> Option<String> {
        resolve_in_roots(self.index, dotted, self.roots.iter().map(String::as_str))
    }

    /// Starts from a file; returns its node.
    pub fn enqueue(
        &mut self,
        path: &str,
        parent: Option<usize>,
        step: Option<Step>,
    ) -> Option<usize> {
        if !self.seen.insert(path.to_string()) {
            return None;
        }
        self.nodes.push(Node {
            path: path.to_string(),
            parent,
            step,
        });
        let id = self.nodes.len() - 1;
        self.queue.push_back(id);
        Some(id)
    }

    /// A third-party module reached from `parent` through `step`.
    pub fn record(&mut self, module: &str, parent: Option<usize>, step: Step) {
        let top = module.split('.').next().unwrap_or(module).to_string();
        if top.is_empty() || !self.found_modules.insert(top.clone()) {
            return;
        }
        let mut chain = vec![step];
        let mut cur = parent;
        while let Some(i) = cur {
            let Some(n) = self.nodes.get(i) else { break };
            if let Some(s) = &n.step {
                chain.push(s.clone());
            }
            cur = n.parent;
        }
        chain.reverse();
        self.found.push(Found { module: top, chain });
    }

    /// Follows every queued file's start-up imports.
    pub fn run(mut self) -> Vec<Found> {
        while let Some(id) = self.queue.pop_front() {
            let Some(path) = self.nodes.get(id).map(|n| n.path.clone()) else {
                continue;
            };
            let Some(module) = self.index.get(&path).and_then(|f| f.python()) else {
                continue;
            };
            let rel = RelPath::new(path.clone());
            for (dotted, level, names, span) in startup_imports(module) {
                let step = |what: &str| Step {
                    path: rel.clone(),
                    span,
                    text: what.to_string(),
                };
                if level > 0 {
                    let stem = relative_stem(&path, level, dotted.as_deref());
                    let mut targets = module_files(&stem).to_vec();
                    for n in &names {
                        targets.push(format!("{}.py", join(&stem, n)));
                    }
                    for t in targets {
                        if self.index.get(&t).is_some() {
                            self.enqueue(&t, Some(id), Some(step(&format!("imports {t}"))));
                        }
                    }
                    continue;
                }
                let Some(dotted) = dotted else { continue };
                match self.first_party(&dotted) {
                    Some(file) => {
                        self.enqueue(&file, Some(id), Some(step(&format!("imports {dotted}"))));
                        for n in &names {
                            if let Some(sub) = self.first_party(&format!("{dotted}.{n}")) {
                                self.enqueue(
                                    &sub,
                                    Some(id),
                                    Some(step(&format!("imports {dotted}.{n}"))),
                                );
                            }
                        }
                    }
                    None => {
                        let top = dotted.split('.').next().unwrap_or(&dotted).to_string();
                        if self.first_party(&top).is_none() {
                            self.record(&dotted, Some(id), step(&format!("import {dotted}")));
                        }
                    }
                }
            }
        }
        self.found
    }
}

type Import = (Option<String>, u32, Vec<String>, Span);

/// Imports that run when the module is imported (and `AppConfig.ready()`).
pub fn startup_imports(module: &PyModule) -> Vec<Import> {
    let mut out = Vec::new();
    collect(&module.body, &mut out);
    out
}

fn guarded(handlers: &[crate::syntax::python::Handler]) -> bool {
    handlers.iter().any(|h| {
        h.types.is_empty()
            || h.types.iter().any(|t| {
                let last = t.rsplit('.').next().unwrap_or(t);
                matches!(
                    last,
                    "ImportError" | "ModuleNotFoundError" | "Exception" | "BaseException"
                )
            })
    })
}

fn collect(body: &[PyStmt], out: &mut Vec<Import>) {
    for s in body {
        match s {
            PyStmt::Import { names, span } => {
                for n in names {
                    out.push((Some(n.name.clone()), 0, Vec::new(), *span));
                }
            }
            PyStmt::ImportFrom {
                module,
                level,
                names,
                span,
            } => {
                out.push((
                    module.clone(),
                    *level,
                    names.iter().map(|n| n.name.clone()).collect(),
                    *span,
                ));
            }
            PyStmt::If {
                test, body, orelse, ..
            } => {
                let type_checking = matches!(&test.value, PyValue::Ref(r) if r == "TYPE_CHECKING" || r.ends_with(".TYPE_CHECKING"));
                if !type_checking {
                    collect(body, out);
                }
                collect(orelse, out);
            }
            PyStmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                if !guarded(handlers) {
                    collect(body, out);
                }
                // A fallback runs when the guarded import fails.
                for h in handlers {
                    collect(&h.body, out);
                }
                collect(orelse, out);
                collect(finalbody, out);
            }
            PyStmt::Block { body, .. } => collect(body, out),
            PyStmt::Class(c) => {
                collect(&c.body, out);
                if c.base_names().any(|b| b.ends_with("AppConfig")) {
                    for m in &c.body {
                        if let PyStmt::Function { name, body, .. } = m
                            && name == "ready"
                        {
                            collect(body, out);
                        }
                    }
                }
            }
            PyStmt::Function { .. } => {}
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startup_imports_skip_guarded_and_function_imports() {
        let m = crate::syntax::python::parse(
            "import os\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import boto3\ntry:\n    import ujson\nexcept ImportError:\n    import json as ujson\n\ndef f():\n    import requests\n\nclass C(AppConfig):\n    def ready(self):\n        from . import signals\n    def other(self):\n        import celery\n",
        )
        .unwrap();
        let names: Vec<String> = startup_imports(&m)
            .into_iter()
            .map(|(m, level, names, _)| {
                format!(
                    "{}{}:{}",
                    ".".repeat(level as usize),
                    m.unwrap_or_default(),
                    names.join(",")
                )
            })
            .collect();
        assert_eq!(names, ["os:", "typing:TYPE_CHECKING", "json:", ".:signals"]);
    }
}
