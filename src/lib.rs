//! guardrail: a static CI guardrail for Django, Odoo and Docker repositories.
//!
//! The pipeline (ARCHITECTURE.md): discover -> classify -> index (parse once) -> check ->
//! collect -> render -> exit code. `main` is a thin wrapper over [`cli::run`].

pub mod changes;
pub mod classify;
pub mod cli;
pub mod collect;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod django;
pub mod docker;
pub mod engine;
pub mod error;
pub mod graph;
pub mod ignorefile;
pub mod index;
pub mod odoo;
pub mod python;
pub mod render;
pub mod rule;
pub mod rules;
pub mod rust_layers;
pub mod selector;
pub mod source;
pub mod suppress;
pub mod yaml;
