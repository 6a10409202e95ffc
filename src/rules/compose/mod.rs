//! Compose rules (GR5xx).

pub mod obsolete_version_key;
