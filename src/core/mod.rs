//! The bottom layer: spans, the line index, source text, relative paths, severity, file
//! kinds, parse failures and tool errors. Imports nothing of the crate.

pub mod error;
pub mod kind;
pub mod limits;
pub mod path;
pub mod severity;
pub mod source;
