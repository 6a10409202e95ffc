//! Docker rules (GR3xx): what a Dockerfile's build runs, in what order, from what.

pub mod app_code_before_deps;
pub mod build_time_import_not_installed;
pub mod copy_all_before_install;
pub mod copy_of_ignored_path;
pub mod database_command_at_build;
pub mod install_file_not_in_context;

use crate::lint::rule::FileContext;
use crate::model::docker::build::{Action, Context, Event, EventKind, Install};
use crate::syntax::dockerfile::Dockerfile;

pub struct Analysis<'a> {
    pub df: &'a Dockerfile,
    pub context: Option<&'a Context>,
    /// One timeline per stage, its lineage first.
    pub timelines: &'a [Vec<Event>],
}

/// The file's Dockerfile and its build, computed once and shared by every rule.
pub fn analyse<'a>(ctx: &'a FileContext<'a>) -> Option<Analysis<'a>> {
    let df = ctx.file.dockerfile()?;
    let build = ctx.project.docker_build(ctx.file.path.as_str())?;
    Some(Analysis {
        df,
        context: build.context.as_ref(),
        timelines: &build.timelines,
    })
}

/// The dependency installs of an event (files or the project, not single packages).
pub fn installs_deps(e: &Event) -> bool {
    matches!(&e.kind, EventKind::Command { actions, .. }
        if actions.iter().any(|a| matches!(a, Action::Install(Install::Files(_)) | Action::Install(Install::Project))))
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
