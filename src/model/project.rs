//! The project: the index and the models built from it, once per run.
//!
//! Threading model (the one place it is decided): models are built *before* any rule
//! runs, by [`Project::build`], for the models the enabled rules declare they need. The
//! models are built side by side and a model's build may parse files in parallel; no
//! initialiser of a file's parsed form runs rayon work, so a thread waiting on a form
//! another build is parsing never waits on itself. Rules then run in
//! parallel over a `Project` that no longer changes, so no rule ever waits on a lock that
//! another rayon task holds (the deadlock of lazily built models: a thread that builds a
//! model inside a rayon task, joins parallel work, steals a task that waits for the same
//! model, and never wakes).

use crate::core::kind::FileKind;
use crate::index::Index;
use crate::model::compose::ComposeBuilds;
use crate::model::django::DjangoProject;
use crate::model::django::middleware::RoleTable;
use crate::model::django::settings::{self, SettingsModule};
use crate::model::docker::build::{self, DockerBuild};
use crate::model::odoo::OdooProject;
use crate::model::required_files::CompiledEntry;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// A model a rule reads; rules declare them (`needs: [...]` in `declare_rule!`) so that
/// only what an enabled rule needs is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Need {
    /// Django apps, models and migration graphs.
    Django,
    /// Every Django settings module, its list settings evaluated.
    DjangoSettings,
    /// Odoo modules, models and access files.
    Odoo,
    /// Every Dockerfile's build: context, stage timelines, classified commands.
    Docker,
}

/// Options the models and rules read (from guardrail.toml); never the run's selection,
/// severities or paths, which belong to the engine.
#[derive(Debug, Default)]
pub struct Options {
    /// `[odoo] version`, as a major version, for manifests whose version does not say.
    pub odoo_major: Option<u32>,
    /// Enabled required-file entries (built-in and the team's).
    pub required_files: Vec<CompiledEntry>,
    /// The middleware role table: built-in, extended by `[middleware]`.
    pub middleware: RoleTable,
    /// `[docker] base-images-with-deps`.
    pub docker_base_images: Vec<String>,
    /// `[docker] import-names`: distribution -> module.
    pub docker_import_names: Vec<(String, String)>,
    /// `compose/default-credentials`' table, with the team's additions.
    pub compose_credentials: crate::model::compose::Credentials,
}

/// The index and every model the run needs, built once.
pub struct Project<'a> {
    pub index: &'a Index,
    pub options: &'a Options,
    django: Option<DjangoProject>,
    settings: Option<Vec<SettingsModule>>,
    odoo: Option<OdooProject>,
    docker: Option<FxHashMap<usize, DockerBuild>>,
}

/// Every Dockerfile's build, by the Dockerfile's position in the index.
fn docker_builds(index: &Index) -> FxHashMap<usize, DockerBuild> {
    let compose = ComposeBuilds::build(index);
    let dockerfiles: Vec<usize> = index
        .files()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind == FileKind::Dockerfile)
        .map(|(i, _)| i)
        .collect();
    dockerfiles
        .par_iter()
        .filter_map(|&i| {
            let f = index.files().get(i)?;
            let df = f.dockerfile()?;
            let source = f.source()?;
            Some((i, build::analyse(index, &compose, &f.path, df, source)))
        })
        .collect()
}

impl<'a> Project<'a> {
    /// Builds the models in `needs`, each at most once, side by side.
    pub fn build(index: &'a Index, options: &'a Options, needs: &[Need]) -> Self {
        let has = |n: Need| needs.contains(&n);
        // The models are independent of each other (see the threading model above).
        let ((django, settings), (odoo, docker)) = rayon::join(
            || {
                rayon::join(
                    || has(Need::Django).then(|| DjangoProject::build(index)),
                    || has(Need::DjangoSettings).then(|| settings::evaluate_all(index)),
                )
            },
            || {
                rayon::join(
                    || has(Need::Odoo).then(|| OdooProject::build(index, options.odoo_major)),
                    || has(Need::Docker).then(|| docker_builds(index)),
                )
            },
        );
        Self {
            index,
            options,
            django,
            settings,
            odoo,
            docker,
        }
    }

    /// The Django apps and migration graphs. Empty unless a rule declared
    /// [`Need::Django`] (a test of every rule's fixtures catches a missing need).
    pub fn django(&self) -> &DjangoProject {
        static EMPTY: std::sync::OnceLock<DjangoProject> = std::sync::OnceLock::new();
        debug_assert!(self.django.is_some(), "a rule reads Django without `needs`");
        self.django
            .as_ref()
            .unwrap_or_else(|| EMPTY.get_or_init(DjangoProject::default))
    }

    /// Every Django settings module, evaluated ([`Need::DjangoSettings`]).
    pub fn django_settings(&self) -> &[SettingsModule] {
        debug_assert!(
            self.settings.is_some(),
            "a rule reads settings without `needs`"
        );
        self.settings.as_deref().unwrap_or(&[])
    }

    /// The Odoo modules ([`Need::Odoo`]).
    pub fn odoo(&self) -> &OdooProject {
        static EMPTY: std::sync::OnceLock<OdooProject> = std::sync::OnceLock::new();
        debug_assert!(self.odoo.is_some(), "a rule reads Odoo without `needs`");
        self.odoo
            .as_ref()
            .unwrap_or_else(|| EMPTY.get_or_init(OdooProject::default))
    }

    /// The Dockerfiles whose build was not analysed, with why, in path order.
    pub fn docker_not_analysed(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = self
            .docker
            .iter()
            .flatten()
            .filter_map(|(i, b)| {
                let why = b.not_analysed.as_deref()?;
                Some((self.index.files().get(*i)?.path.as_str(), why))
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// The build of the Dockerfile at `path` ([`Need::Docker`]).
    pub fn docker_build(&self, path: &str) -> Option<&DockerBuild> {
        debug_assert!(self.docker.is_some(), "a rule reads Docker without `needs`");
        self.docker.as_ref()?.get(&self.index.position(path)?)
    }
}
