//! What a run reads besides file contents: the walk that discovers files, and the
//! changes against a base (git, or a fixture change set in tests). Imports only `core`.

pub mod changes;
pub mod discover;
