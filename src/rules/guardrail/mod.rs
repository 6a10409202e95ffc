//! guardrail's own diagnostics (GR0xx): emitted by the engine, not by a check.

pub mod parse_error;
pub mod skipped_file;
pub mod unused_suppression;
