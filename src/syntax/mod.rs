//! One module per language or format, each turning text into a small owned tree or
//! facts with spans. Imports only `core`.

pub mod access_csv;
pub mod dockerfile;
pub mod ignorefile;
pub mod js;
pub mod migration;
pub mod odoo_xml;
pub mod python;
pub mod requirements;
pub mod rust;
pub mod shell;
pub mod toml;
pub mod yaml;
