//! Access queries over the Odoo model: what a module's loaded files grant, which of its
//! models need access, which access files are not loaded and what they hold, and whether
//! a module is judged at all. The security rules (GR2xx) read these.

use crate::core::path::RelPath;
use crate::index::Index;
use crate::model::odoo::{ModelKind, OdooModel, OdooModule, OdooProject, model_xmlid};
use crate::syntax::access_csv::{AccessCsv, ModelRef};
use std::collections::BTreeSet;

/// What some access files grant, as Odoo resolves their rows.
#[derive(Clone, Debug, Default)]
pub struct Grants {
    /// External ids, in the granting module's namespace (`model_x`) or another's
    /// (`other.model_x`).
    pub xmlids: BTreeSet<String>,
    /// Technical model names of rows imported by name (a `model_id` column).
    pub names: BTreeSet<String>,
    /// Some grant is unknown: a loaded XML file that could not be parsed, a row naming
    /// its model by database id or by label. Rules then never conclude that a model
    /// has no rule.
    pub partial: bool,
}

impl Grants {
    /// Whether these grants, written in module `granting`, cover model `name` of module
    /// `owner`.
    pub fn covers(&self, granting: &str, owner: &str, name: &str) -> bool {
        let xmlid = model_xmlid(name);
        self.names.contains(name)
            || self.xmlids.contains(&format!("{owner}.{xmlid}"))
            || (granting == owner && self.xmlids.contains(&xmlid))
    }

    fn add_csv(&mut self, own_prefix: &str, csv: &AccessCsv) {
        for row in csv.effective_rows() {
            match &row.model {
                Some(ModelRef::XmlId(r)) => {
                    let r = r.trim();
                    self.xmlids
                        .insert(r.strip_prefix(own_prefix).unwrap_or(r).to_string());
                }
                Some(ModelRef::Name(n)) if is_technical_name(n) => {
                    self.names.insert(n.clone());
                }
                // A label, or a database id: which model it is is not known here.
                Some(ModelRef::Name(_) | ModelRef::DbId(_)) => self.partial = true,
                None => {}
            }
        }
    }
}

/// `sale.order`, `res_partner_x`: what a `model` field holds (a label has capitals or
/// spaces).
fn is_technical_name(value: &str) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_'))
}

/// What a module's loaded CSV and XML files grant.
/// Rules ask through [`OdooProject::grants`]: the model computes this once per module.
pub(super) fn granted(index: &Index, module: &OdooModule) -> Grants {
    let mut out = Grants::default();
    let own_prefix = format!("{}.", module.name);
    for csv in &module.access_csvs {
        match index.get(csv.as_str()).and_then(|f| f.access_csv()) {
            Some(parsed) => out.add_csv(&own_prefix, parsed),
            None => out.partial = true,
        }
    }
    for xml in &module.xml_files {
        match index.get(xml.as_str()).and_then(|f| f.odoo_xml()) {
            Some(facts) => {
                for a in &facts.access {
                    let r = a.model.trim();
                    out.xmlids
                        .insert(r.strip_prefix(own_prefix.as_str()).unwrap_or(r).to_string());
                }
            }
            None => out.partial = true,
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

/// An `ir.model.access.csv` of a module that its manifest does not load.
#[derive(Clone, Debug)]
pub struct UnloadedCsv {
    pub path: RelPath,
    /// Models of the module that need a rule, have none in the loaded files, and get
    /// one from this file: they are inaccessible because it is not loaded.
    pub only_rules_of: Vec<String>,
    /// Some row names a model the module defines or extends.
    pub names_module_model: bool,
    /// Unprefixed external ids of its rows that the module does not create (known only
    /// when its model set is complete): loading the file as it is would stop the
    /// install on them.
    pub dangling: Vec<String>,
}

/// The `ir.model.access.csv` files of a module (nested modules' excluded) that its
/// manifest does not load and that hold at least one row (a header alone loads
/// nothing).
pub fn unloaded_access_csvs(
    index: &Index,
    project: &OdooProject,
    module: &OdooModule,
) -> Vec<UnloadedCsv> {
    let own_prefix = format!("{}.", module.name);
    let loaded = project.grants(index, module);
    let touched: BTreeSet<&str> = module.models.iter().flat_map(OdooModel::touched).collect();
    project
        .access_files_of(module)
        .iter()
        .filter_map(|p| index.get(p.as_str()))
        .filter(|f| !module.loads(f.path.as_str()))
        .filter_map(|f| {
            let csv = f.access_csv()?;
            if csv.rows.is_empty() {
                return None;
            }
            let mut grants = Grants::default();
            grants.add_csv(&own_prefix, csv);
            let only_rules_of = if loaded.partial {
                Vec::new()
            } else {
                requiring_rule(module)
                    .into_iter()
                    .filter_map(OdooModel::new_name)
                    .filter(|n| !loaded.covers(&module.name, &module.name, n))
                    .filter(|n| grants.covers(&module.name, &module.name, n))
                    .map(str::to_string)
                    .collect()
            };
            let names_module_model = touched
                .iter()
                .any(|n| grants.covers(&module.name, &module.name, n));
            let own: BTreeSet<String> = touched.iter().map(|n| model_xmlid(n)).collect();
            let dangling = if module.models_partial() {
                Vec::new()
            } else {
                grants
                    .xmlids
                    .iter()
                    .filter(|x| !x.contains('.') && !own.contains(*x))
                    .cloned()
                    .collect()
            };
            Some(UnloadedCsv {
                path: f.path.clone(),
                only_rules_of,
                names_module_model,
                dangling,
            })
        })
        .collect()
}

/// Names of the models whose only rules are in an unloaded CSV (reported there, by
/// `security/access-file-not-in-manifest`, and by no other rule).
pub fn reported_unloaded(
    index: &Index,
    project: &OdooProject,
    module: &OdooModule,
) -> BTreeSet<String> {
    unloaded_access_csvs(index, project, module)
        .into_iter()
        .flat_map(|u| u.only_rules_of)
        .collect()
}

/// New, concrete, literal, non-transient models that need an access rule.
pub fn needing_access(module: &OdooModule) -> Vec<&OdooModel> {
    module
        .models
        .iter()
        .filter(|m| !m.unknown && m.concrete() && m.new_name().is_some())
        .filter(|m| m.kind != ModelKind::Transient)
        .collect()
}

/// The models Odoo denies to everyone but the superuser without a rule: those of
/// [`needing_access`], and transient ones from 14.0 on.
fn requiring_rule(module: &OdooModule) -> Vec<&OdooModel> {
    let transient_too = module.odoo_major.is_some_and(|m| m >= 14);
    module
        .models
        .iter()
        .filter(|m| !m.unknown && m.concrete() && m.new_name().is_some())
        .filter(|m| m.kind != ModelKind::Transient || transient_too)
        .collect()
}

/// Whether a module of the repository that depends on `module` grants `name`.
pub fn granted_by_dependent<'p>(
    index: &Index,
    project: &'p OdooProject,
    module: &OdooModule,
    name: &str,
) -> Option<&'p OdooModule> {
    project
        .dependents_of(&module.name)
        .into_iter()
        .find(|d| project.grants(index, d).covers(&d.name, &module.name, name))
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
