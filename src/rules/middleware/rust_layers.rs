//! The Rust half of `middleware/duplicate` and `middleware/duplicate-role`: layers
//! applied to the same routes (see `crate::syntax::rust`).

use crate::core::source::Span;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::FileContext;
use crate::lint::rule::RuleMeta;
use crate::syntax::rust::{LayerUse, effective_groups};
use std::collections::{HashMap, HashSet};

/// Pairs (first, later) of layers that apply to the same routes: one constructor
/// expression twice, or (with `by_role`) two different expressions of one role (by the
/// layer's type: two `CorsLayer`s configured differently, `TraceLayer` and `Logger`),
/// with the role id.
pub fn pairs(ctx: &FileContext<'_>, by_role: bool) -> Vec<(LayerUse, LayerUse, Option<String>)> {
    let Some(facts) = ctx.file.rust_layers() else {
        return Vec::new();
    };
    let table = &ctx.options().middleware;
    let mut out: Vec<(LayerUse, LayerUse, Option<String>)> = Vec::new();
    let mut reported: HashSet<(Span, Span)> = HashSet::new();
    for group in effective_groups(facts) {
        // Maps, not a scan of the earlier layers for each layer: 10,000 `.layer(...)`
        // calls stay linear. Expressions by id: comparing two costs nothing however
        // deep they nest.
        let mut first_of_expr: HashMap<u32, &LayerUse> = HashMap::new();
        // Per role, its layers with distinct expressions, in order (two are enough).
        let mut of_role: HashMap<&str, Vec<&LayerUse>> = HashMap::new();
        for later in &group {
            let id = later.expr.id();
            let found = if by_role {
                table.rust_role(&later.name).and_then(|role| {
                    let seen = of_role.entry(role).or_default();
                    let first = seen.iter().copied().find(|f| f.expr.id() != id);
                    if seen.len() < 2 && !seen.iter().any(|f| f.expr.id() == id) {
                        seen.push(later);
                    }
                    first
                })
            } else {
                let first = first_of_expr.get(&id).copied();
                first_of_expr.entry(id).or_insert(later);
                first
            };
            if let Some(first) = found
                && reported.insert((first.span, later.span))
            {
                let role = table.rust_role(&later.name).map(str::to_string);
                out.push((first.clone(), later.clone(), role));
            }
        }
    }
    out
}

pub fn duplicate(ctx: &FileContext<'_>, meta: &'static RuleMeta, out: &mut Vec<Diagnostic>) {
    let table = &ctx.options().middleware;
    for (first, later, role) in pairs(ctx, false) {
        let what = &later.text;
        let mut note = format!(
            "every request to these routes passes through `{what}` twice: its effects happen twice"
        );
        if let Some(r) = role.as_deref().and_then(|r| table.role(r)) {
            note = format!("{note}; for {}: {}", r.name, r.risk);
        }
        out.push(
            Diagnostic::new(
                meta,
                ctx.file.path.clone(),
                format!("`{what}` is applied twice to the same routes"),
            )
            .span(later.span)
            .label("applied again")
            .secondary(first.span, "first applied here")
            .note(note)
            .help("apply it once, on the outermost router or app that needs it"),
        );
    }
}

pub fn duplicate_role(ctx: &FileContext<'_>, meta: &'static RuleMeta, out: &mut Vec<Diagnostic>) {
    let table = &ctx.options().middleware;
    for (first, later, role) in pairs(ctx, true) {
        let Some(role) = role.as_deref().and_then(|r| table.role(r)) else {
            continue;
        };
        out.push(
            Diagnostic::new(
                meta,
                ctx.file.path.clone(),
                format!(
                    "two layers do {} on the same routes: `{}` and `{}`",
                    role.name, first.text, later.text
                ),
            )
            .severity(role.severity)
            .span(later.span)
            .label(format!("second {}", role.name))
            .secondary(first.span, format!("first {}", role.name))
            .note(role.risk.clone())
            .help(format!(
                "keep one {} layer, on the outermost router that needs it",
                role.name
            )),
        );
    }
}
