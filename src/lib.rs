//! guardrail: a static CI guardrail for Django, Odoo and Docker repositories.
//!
//! The crate is layered; imports only go downward (`docs/ARCHITECTURE.md`, enforced by
//! `tests/layers.rs`):
//!
//! ```text
//! cli, render      the command line and the output formats
//! engine           scan, run rules, collect, report
//! config           file schema with spans, resolution, options
//! rules            rule logic over models, and the registry
//! lint             Rule trait, declare_rule!, Diagnostic, rule context, selectors
//! model            project models built once per run (Python, Django, Odoo, Docker, Compose)
//! index            every file with its kind and its cached parses
//! cache            facts kept across runs, by content hash (Django migrations)
//! syntax, input    one parser per format | discovery and git changes
//! core             spans, line index, paths, severity, file kind, errors
//! ```

// Tests slice the texts they wrote themselves.
#![cfg_attr(test, allow(clippy::string_slice))]

pub mod cache;
pub mod cli;
pub mod config;
pub mod core;
pub mod engine;
pub mod index;
pub mod input;
pub mod lint;
pub mod model;
pub mod render;
pub mod rules;
pub mod syntax;
