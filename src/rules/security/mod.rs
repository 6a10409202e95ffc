//! Security rules (GR2xx): Odoo modules whose models have no access rules, and the
//! files a module's manifest must load.

pub mod access_file_not_in_manifest;
pub mod access_row_unknown_model;
pub mod malformed_access_file;
pub mod manifest_file_missing;
pub mod missing_access_file;
pub mod model_without_access;
pub mod required_file;
pub mod security_file_not_loaded;
pub mod transient_model_access;

/// What a model without fields and without a rule breaks: only record access.
pub fn fieldless_note(name: &str) -> String {
    format!(
        "`{name}` declares no field and inherits none: a helper whose methods are called over RPC \
         works without a rule (method calls are not checked against access rules); only a `search`, \
         `read`, `write` or `create` on its records fails for non-admin users (`You are not allowed \
         to access ... ({name}) records`)"
    )
}
