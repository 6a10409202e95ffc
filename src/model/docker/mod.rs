//! The Docker model: build contexts, stage timelines, command classification and the
//! imports a build-time command runs.

pub mod build;
pub mod imports;
pub mod stages;
