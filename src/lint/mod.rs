//! What rules are made of: the `Rule` trait and `declare_rule!`, `Diagnostic`, the rule
//! contexts and selectors.

pub mod diagnostic;
pub mod rule;
pub mod selector;
