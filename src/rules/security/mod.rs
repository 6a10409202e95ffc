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
