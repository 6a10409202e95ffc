//! Migrations rules (GR1xx): the static migration graph of every Django app, and
//! git-aware checks against the base branch.

pub mod deleted_migration;
pub mod edited_migration;
pub mod emptied_app;
pub mod ignored_by_vcs;
pub mod missing_dependency;
pub mod multiple_leaves;
pub mod number_collision;

/// `app.name` as Django prints it.
pub fn qualified(label: &str, name: &str) -> String {
    format!("{label}.{name}")
}
