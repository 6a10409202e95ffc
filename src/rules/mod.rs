//! The registry: every rule, in one list (hadolint's `Process.hs`, clippy's `lib.rs`).
//! A unit test checks that codes and slugs are unique and that every rule has its doc;
//! `tests/rules.rs` checks that every rule has fixtures and snapshots.

pub mod compose;
pub mod docker;
pub mod guardrail;
pub mod middleware;
pub mod migrations;
pub mod pack;
pub mod security;

use crate::lint::rule::Rule;

static ALL: &[&dyn Rule] = &[
    &guardrail::parse_error::ParseError,
    &guardrail::unused_suppression::UnusedSuppression,
    &guardrail::skipped_file::SkippedFile,
    &migrations::deleted_migration::DeletedMigration,
    &migrations::edited_migration::EditedMigration,
    &migrations::missing_dependency::MissingDependency,
    &migrations::emptied_app::EmptiedApp,
    &migrations::multiple_leaves::MultipleLeaves,
    &migrations::number_collision::NumberCollision,
    &migrations::ignored_by_vcs::IgnoredByVcs,
    &security::missing_access_file::MissingAccessFile,
    &security::access_file_not_in_manifest::AccessFileNotInManifest,
    &security::model_without_access::ModelWithoutAccess,
    &security::manifest_file_missing::ManifestFileMissing,
    &security::access_row_unknown_model::AccessRowUnknownModel,
    &security::malformed_access_file::MalformedAccessFile,
    &security::security_file_not_loaded::SecurityFileNotLoaded,
    &security::transient_model_access::TransientModelAccess,
    &security::required_file::RequiredFile,
    &docker::app_code_before_deps::AppCodeBeforeDeps,
    &docker::build_time_import_not_installed::BuildTimeImportNotInstalled,
    &docker::copy_all_before_install::CopyAllBeforeInstall,
    &docker::database_command_at_build::DatabaseCommandAtBuild,
    &docker::install_file_not_in_context::InstallFileNotInContext,
    &docker::copy_of_ignored_path::CopyOfIgnoredPath,
    &middleware::duplicate::Duplicate,
    &middleware::duplicate_role::DuplicateRole,
    &middleware::order::Order,
    &middleware::missing_required::MissingRequired,
    &middleware::legacy_setting::LegacySetting,
    &compose::obsolete_version_key::ObsoleteVersionKey,
    &compose::depends_on_without_health_condition::DependsOnWithoutHealthCondition,
    &compose::healthy_condition_without_healthcheck::HealthyConditionWithoutHealthcheck,
    &compose::default_credentials::DefaultCredentials,
    &compose::admin_credentials_in_worker::AdminCredentialsInWorker,
];

/// Every built-in rule, in code order.
pub fn all() -> &'static [&'static dyn Rule] {
    ALL
}

/// A rule by code or slug (case-insensitive code).
pub fn find(name: &str) -> Option<&'static dyn Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.meta().code.eq_ignore_ascii_case(name) || r.meta().slug == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_slugs_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut slugs = HashSet::new();
        for rule in all() {
            let m = rule.meta();
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(slugs.insert(m.slug), "duplicate slug {}", m.slug);
            assert!(
                m.code.len() == 5
                    && m.code.starts_with("GR")
                    && m.code[2..].bytes().all(|b| b.is_ascii_digit()),
                "bad code {}",
                m.code
            );
            let (family, name) = m.slug.split_once('/').expect("slug is family/name");
            assert!(
                !family.is_empty() && !name.is_empty(),
                "bad slug {}",
                m.slug
            );
            assert!(
                m.slug
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'/'),
                "slug {} must be lowercase kebab-case",
                m.slug
            );
            assert!(
                !m.summary.is_empty() && !m.summary.ends_with('.'),
                "{}",
                m.slug
            );
        }
    }

    #[test]
    fn codes_follow_family_ranges() {
        for rule in all() {
            let m = rule.meta();
            let expected = match m.family() {
                "guardrail" => "GR0",
                "migrations" => "GR1",
                "security" => "GR2",
                "docker" => "GR3",
                "middleware" => "GR4",
                "compose" => "GR5",
                "secrets" => "GR6",
                _ => "GR9",
            };
            assert!(
                m.code.starts_with(expected),
                "{} in family {}",
                m.code,
                m.family()
            );
        }
    }

    #[test]
    fn every_rule_has_a_complete_doc() {
        for rule in all() {
            let m = rule.meta();
            for section in ["What it does", "Why it breaks production", "Example"] {
                let text = m
                    .doc_section(section)
                    .unwrap_or_else(|| panic!("{} has no `## {section}`", m.slug));
                assert!(text.len() > 20, "{}: `## {section}` is too short", m.slug);
            }
            let example = m.doc_section("Example").unwrap_or_default();
            assert!(
                example.matches("```").count() >= 4,
                "{}: the example needs a bad and a good block",
                m.slug
            );
        }
    }

    #[test]
    fn find_by_code_or_slug() {
        assert_eq!(
            find("gr501").map(|r| r.meta().slug),
            Some("compose/obsolete-version-key")
        );
        assert_eq!(
            find("compose/obsolete-version-key").map(|r| r.meta().code),
            Some("GR501")
        );
        assert!(find("GR999").is_none());
    }
}
