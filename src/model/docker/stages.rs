//! Questions over a build's stage timelines: what an event installs or runs, and what a
//! stage's lineage starts from.

use crate::model::docker::build::{Action, Event, EventKind, Install};
use crate::syntax::dockerfile::Dockerfile;

/// The dependency installs of an event (files or the project, not single packages).
pub fn installs_deps(e: &Event) -> bool {
    matches!(&e.kind, EventKind::Command { actions, .. }
        if actions.iter().any(|a| matches!(a, Action::Install(Install::Files(_) | Install::Project | Install::Local))))
}

/// What the event runs of the application, if it does.
pub fn runs_app(e: &Event) -> Option<&str> {
    match &e.kind {
        EventKind::Command { actions, .. } => actions.iter().find_map(|a| match a {
            Action::RunApp { what } => Some(what.as_str()),
            _ => None,
        }),
        _ => None,
    }
}

pub fn brings_environment(e: &Event) -> bool {
    matches!(&e.kind, EventKind::Copy(c) if c.brings_environment)
}

/// The image a stage's lineage starts from (following `FROM <stage>`).
pub fn root_base(df: &Dockerfile, stage: usize) -> Option<&str> {
    let mut cur = stage;
    for _ in 0..32 {
        match df
            .stages
            .get(cur)
            .and_then(|s| df.stage_named(&s.base))
            .filter(|p| *p < cur)
        {
            Some(parent) => cur = parent,
            None => return df.stages.get(cur).map(|s| s.base.as_str()),
        }
    }
    None
}

/// Whether the configuration says the stage's base image holds the dependencies.
pub fn base_has_deps(df: &Dockerfile, stage: usize, configured: &[String]) -> bool {
    root_base(df, stage).is_some_and(|b| configured.iter().any(|c| b.starts_with(c.as_str())))
}

/// Official images that hold no third-party Python package.
const EMPTY_BASES: &[&str] = &["python", "pypy", "debian", "ubuntu", "alpine"];

/// Whether the stage's lineage starts from an official image known to hold no
/// third-party Python package (`python:3.12-slim`), and the configuration does not say
/// otherwise.
pub fn base_is_known_empty(df: &Dockerfile, stage: usize, with_deps: &[String]) -> bool {
    if base_has_deps(df, stage, with_deps) {
        return false;
    }
    let Some(base) = root_base(df, stage) else {
        return false;
    };
    let no_tag = base.split('@').next().unwrap_or(base);
    let name = no_tag.rsplit('/').next().unwrap_or(no_tag);
    let name = name.split(':').next().unwrap_or(name);
    let official = !no_tag.contains('/')
        || no_tag.starts_with("docker.io/library/")
        || no_tag.starts_with("library/");
    official && EMPTY_BASES.contains(&name)
}
