//! Access queries over the Odoo model: what a module's loaded files grant, which of its
//! models need access, which access files are not loaded, and whether a module is
//! judged at all. The security rules (GR2xx) read these.

use crate::core::path::RelPath;
use crate::index::Index;
use crate::model::odoo::{ModelKind, OdooModel, OdooModule, OdooProject, model_xmlid};
use std::collections::BTreeSet;

/// Model external ids a module's loaded CSV and XML files grant access to, in the
/// module's own namespace (`model_x`) or another's (`other.model_x`).
pub fn granted(index: &Index, module: &OdooModule) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let own_prefix = format!("{}.", module.name);
    let mut add = |r: &str| {
        let r = r.trim();
        out.insert(r.strip_prefix(own_prefix.as_str()).unwrap_or(r).to_string());
    };
    for csv in &module.access_csvs {
        if let Some(parsed) = index.get(csv.as_str()).and_then(|f| f.access_csv()) {
            for row in &parsed.rows {
                if let Some(m) = &row.model {
                    add(m);
                }
            }
        }
    }
    for xml in &module.xml_files {
        if let Some(facts) = index.get(xml.as_str()).and_then(|f| f.odoo_xml()) {
            for a in &facts.access {
                add(&a.model);
            }
        }
    }
    out
}

/// Whether the module loads any access rule at all (a CSV, or records in XML).
pub fn has_access_file(index: &Index, module: &OdooModule) -> bool {
    !module.access_csvs.is_empty()
        || module.xml_files.iter().any(|x| {
            index
                .get(x.as_str())
                .and_then(|f| f.odoo_xml())
                .is_some_and(|f| !f.access.is_empty())
        })
}

/// The `ir.model.access.csv` files of a module (nested modules' excluded) that its
/// manifest does not load.
pub fn unloaded_access_csvs(
    index: &Index,
    project: &OdooProject,
    module: &OdooModule,
) -> Vec<RelPath> {
    index
        .files()
        .iter()
        .filter(|f| f.path.file_name() == "ir.model.access.csv")
        .filter(|f| {
            project
                .owner(f.path.as_str())
                .is_some_and(|o| o.dir == module.dir)
        })
        .filter(|f| !module.loads(f.path.as_str()))
        .map(|f| f.path.clone())
        .collect()
}

/// New, concrete, literal models that need an access rule (transient ones from Odoo 14
/// on, when the version is known).
pub fn needing_access(module: &OdooModule) -> Vec<&OdooModel> {
    module
        .models
        .iter()
        .filter(|m| !m.unknown && m.concrete() && m.new_name().is_some())
        .filter(|m| m.kind != ModelKind::Transient)
        .collect()
}

/// Whether a module of the repository that depends on `module` grants `name`.
pub fn granted_by_dependent<'p>(
    index: &Index,
    project: &'p OdooProject,
    module: &OdooModule,
    name: &str,
) -> Option<&'p OdooModule> {
    let wanted = format!("{}.{}", module.name, model_xmlid(name));
    project
        .dependents_of(&module.name)
        .into_iter()
        .find(|d| granted(index, d).contains(&wanted))
}

/// The CSV line Odoo's own scaffolding writes for a model.
pub fn csv_line(name: &str) -> String {
    let id = name.replace('.', "_");
    format!("access_{id}_user,{name} user,model_{id},base.group_user,1,1,1,1")
}

pub const CSV_HEADER: &str =
    "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink";

/// Whether the module is judged: installable and its manifest fully literal.
pub fn judged(module: &OdooModule) -> bool {
    module.installable && !module.entries_unknown
}
