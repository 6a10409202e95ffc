//! Project models built once per run from the index: Python module resolution, Django,
//! Odoo, Docker builds, Compose. Imports `core`, `syntax` and `index`.

pub mod compose;
pub mod django;
pub mod docker;
pub mod odoo;
pub mod project;
pub mod python;
pub mod required_files;
