//! Docker rules (GR3xx): what a Dockerfile's build runs, in what order, from what.

pub mod app_code_before_deps;
pub mod build_time_import_not_installed;
pub mod copy_all_before_install;
pub mod copy_of_ignored_path;
pub mod database_command_at_build;
pub mod install_file_not_in_context;

use crate::lint::rule::FileContext;
use crate::model::docker::build::{Context, Event};
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
