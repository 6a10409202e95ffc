//! The Rust half of `middleware/duplicate` and `middleware/duplicate-role`: layers
//! applied to the same routes (see `crate::syntax::rust`).

use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::FileContext;
use crate::lint::rule::RuleMeta;
use crate::syntax::rust::{LayerUse, effective_groups};

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
    for group in effective_groups(facts) {
        for (j, later) in group.iter().enumerate() {
            let found = group.iter().take(j).find(|first| {
                if by_role {
                    first.expr != later.expr
                        && table.rust_role(&first.name).is_some()
                        && table.rust_role(&first.name) == table.rust_role(&later.name)
                } else {
                    first.expr == later.expr
                }
            });
            if let Some(first) = found
                && !out
                    .iter()
                    .any(|(a, b, _)| a.span == first.span && b.span == later.span)
            {
                let role = table.rust_role(&later.name).map(str::to_string);
                out.push((first.clone(), later.clone(), role));
            }
        }
    }
    out
}

/// How a layer is named in a message: its expression when short, else its type.
fn shown(layer: &LayerUse) -> &str {
    if layer.text.len() <= 60 {
        &layer.text
    } else {
        &layer.name
    }
}

pub fn duplicate(ctx: &FileContext<'_>, meta: &'static RuleMeta, out: &mut Vec<Diagnostic>) {
    let table = &ctx.options().middleware;
    for (first, later, role) in pairs(ctx, false) {
        let what = shown(&later);
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
                    role.name,
                    shown(&first),
                    shown(&later)
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
