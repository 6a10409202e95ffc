//! Compose rules (GR5xx), over the Compose model (`crate::model::compose`).

pub mod admin_credentials_in_worker;
pub mod default_credentials;
pub mod depends_on_without_health_condition;
pub mod healthy_condition_without_healthcheck;
pub mod obsolete_version_key;
