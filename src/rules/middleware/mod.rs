//! Middleware rules (GR4xx): duplicated, conflicting and misordered middleware in the
//! effective lists of Django settings modules (and Rust web apps, see `rust_layers`).

pub mod duplicate;
pub mod duplicate_role;
pub mod legacy_setting;
pub mod missing_required;
pub mod order;
pub mod rust_layers;

use crate::core::path::RelPath;
use crate::index::Index;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::ProjectContext;
use crate::model::django::middleware::{ResolvedRole, RoleSource, resolve_role};
use crate::model::django::settings::Entry;
use std::collections::BTreeMap;

/// The list settings judged by the ordering and duplication rules.
pub const LISTS: &[&str] = &["MIDDLEWARE", "MIDDLEWARE_CLASSES"];

/// Roles of middleware classes, resolved once per rule run (per class and the folder
/// of the settings file that lists it: its source roots).
pub struct Roles<'a> {
    ctx: &'a ProjectContext<'a>,
    cache: BTreeMap<(String, String), Option<ResolvedRole>>,
}

impl<'a> Roles<'a> {
    pub fn new(ctx: &'a ProjectContext<'a>) -> Self {
        Self {
            ctx,
            cache: BTreeMap::new(),
        }
    }

    /// The role of a list entry.
    pub fn of(&mut self, entry: &Entry) -> Option<ResolvedRole> {
        let key = (entry.path.parent().to_string(), entry.value.clone());
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let found = resolve_role(
            self.ctx.index,
            &self.ctx.options().middleware,
            &entry.value,
            entry.path.as_str(),
        );
        self.cache.insert(key, found.clone());
        found
    }
}

/// The short name of a dotted class path.
pub fn short(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

/// Adds a label on `entry`: in the finding's own file, or as a related location.
pub fn label_entry(
    d: Diagnostic,
    own: &RelPath,
    entry: &Entry,
    message: impl Into<String>,
) -> Diagnostic {
    if &entry.path == own {
        d.secondary(entry.span, message)
    } else {
        d.related(entry.path.clone(), entry.span, message)
    }
}

/// Why a project class counts as its role, for the note; and the label at the evidence.
pub fn evidence(
    index: &Index,
    class: &str,
    role: &ResolvedRole,
    role_name: &str,
) -> Option<(String, RelPath, crate::core::source::Span)> {
    let (what, path, span) = match &role.source {
        RoleSource::Known => return None,
        RoleSource::Subclass { base, path, span } => (format!("subclasses `{base}`"), path, span),
        RoleSource::Evidence { what, path, span } => (what.clone(), path, span),
    };
    let line = index
        .loaded_source(path.as_str())
        .map(|s| s.position(*span).start_line)
        .unwrap_or(0);
    Some((
        format!("`{class}` counts as {role_name}: it {what} at {path}:{line}"),
        path.clone(),
        *span,
    ))
}
