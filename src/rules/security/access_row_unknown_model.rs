use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::model::odoo::access::judged;
use crate::model::odoo::{OdooModule, model_xmlid};
use crate::syntax::access_csv::ModelRef;
use std::collections::{BTreeSet, HashMap};

declare_rule! {
    /// ## What it does
    /// Checks the `model_id:id` of every row of a loaded `ir.model.access.csv`. Odoo
    /// gives a module the external id `model_<name>` for each model it defines or
    /// extends, so an unprefixed `model_x` must name a model the module itself defines
    /// or `_inherit`s, and `other.model_x` one that module `other` defines or extends.
    /// Old-API classes (`osv.osv`, `osv.Model`, `orm.Model`, `osv.osv_memory`, ...) and
    /// classes with `_columns` define and extend models like `models.Model` ones.
    /// References to modules outside the repository (`base.model_res_partner`) are not
    /// judged, nor rows naming their model by name (a `model_id` column, matched against
    /// technical names at import) or database id. A module whose model set may be
    /// partial is not judged either: a Python file of it could not be parsed (Python 2
    /// syntax of an Odoo 8.0-10.0 module), or a `_name`/`_inherit` is not a literal.
    /// Modules with `'installable': False` are never judged.
    ///
    /// ## Why it breaks production
    /// Installing or upgrading the module stops: `ValueError: External ID not found in
    /// the system: school.model_school_studnet`, typically after a model was renamed or
    /// moved to another module, or an extended model lost its prefix.
    ///
    /// ## Example
    /// ```text
    /// access_school_student_user,school.student user,model_school_studnet,base.group_user,1,1,1,1
    /// access_partner_user,res.partner user,model_res_partner,base.group_user,1,0,0,0
    /// ```
    /// Use instead:
    /// ```text
    /// access_school_student_user,school.student user,model_school_student,base.group_user,1,1,1,1
    /// access_partner_user,res.partner user,base.model_res_partner,base.group_user,1,0,0,0
    /// ```
    pub struct AccessRowUnknownModel {
        code: "GR205",
        slug: "security/access-row-unknown-model",
        severity: Error,
        summary: "An access rule names a model that its module does not define",
        kinds: [OdooManifest, Python, OdooAccessCsv],
        needs: [Odoo],
    }
}

/// The external ids a module creates, when its model set is complete.
fn touched(module: &OdooModule) -> Option<BTreeSet<String>> {
    if module.models_partial() {
        return None;
    }
    Some(
        module
            .models
            .iter()
            .flat_map(|m| m.touched())
            .map(model_xmlid)
            .collect(),
    )
}

impl Rule for AccessRowUnknownModel {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let project = ctx.project.odoo();
        if !project
            .modules
            .iter()
            .any(|m| judged(m) && !m.access_csvs.is_empty())
        {
            return;
        }
        // Each module's external ids, built once (not once per row).
        let known_of: Vec<Option<BTreeSet<String>>> = project.modules.iter().map(touched).collect();
        let index_of: HashMap<*const OdooModule, usize> = project
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| (std::ptr::from_ref(m), i))
            .collect();
        // External id -> the first module defining it, and the first of another name.
        let mut definers: HashMap<&str, (usize, Option<usize>)> = HashMap::new();
        for (i, known) in known_of.iter().enumerate() {
            for id in known.iter().flatten() {
                let e = definers.entry(id.as_str()).or_insert((i, None));
                if e.1.is_none()
                    && project.modules.get(e.0).map(|m| &m.name)
                        != project.modules.get(i).map(|m| &m.name)
                {
                    e.1 = Some(i);
                }
            }
        }
        for module in &project.modules {
            if !judged(module) {
                continue;
            }
            for csv in &module.access_csvs {
                let Some(parsed) = ctx.index.get(csv.as_str()).and_then(|f| f.access_csv()) else {
                    continue;
                };
                // Every row is imported, a later duplicate id included: each must resolve.
                for row in &parsed.rows {
                    let (Some(ModelRef::XmlId(reference)), Some(span)) =
                        (&row.model, row.model_span)
                    else {
                        continue;
                    };
                    let (owner, xmlid) = match reference.split_once('.') {
                        Some((prefix, id)) => (prefix, id),
                        None => (module.name.as_str(), reference.as_str()),
                    };
                    let Some(owner_module) = project.module(owner) else {
                        continue;
                    };
                    let Some(known) = index_of
                        .get(&std::ptr::from_ref(owner_module))
                        .and_then(|i| known_of.get(*i))
                        .and_then(Option::as_ref)
                    else {
                        continue;
                    };
                    if known.contains(xmlid) {
                        continue;
                    }
                    // An unprefixed id naming a model another module of the repository
                    // defines: the fix is the prefix.
                    let elsewhere = definers.get(xmlid).and_then(|&(first, other)| {
                        let m = project.modules.get(first)?;
                        if m.name != owner_module.name {
                            Some(m)
                        } else {
                            other.and_then(|i| project.modules.get(i))
                        }
                    });
                    let help = match (reference.contains('.'), elsewhere) {
                        (false, Some(other)) => format!(
                            "`{xmlid}` belongs to module `{}`: write `{}.{xmlid}` (and make `{}` depend on it)",
                            other.name, other.name, module.name
                        ),
                        _ => {
                            let mut names: Vec<String> =
                                known.iter().take(6).map(|k| format!("`{k}`")).collect();
                            if known.len() > 6 {
                                names.push("...".into());
                            }
                            format!(
                                "use the external id of a model `{}` defines or extends ({}), or prefix a model of another module (`base.model_res_partner`)",
                                owner_module.name,
                                if names.is_empty() {
                                    "it has none".to_string()
                                } else {
                                    names.join(", ")
                                }
                            )
                        }
                    };
                    out.push(
                        Diagnostic::new(
                            &Self::META,
                            csv.clone(),
                            format!("access rule `{}` names `{reference}`, which module `{}` does not define or extend", row.id, owner_module.name),
                        )
                        .span(span)
                        .label("unknown model")
                        .note(format!(
                            "installing or upgrading `{}` stops with `ValueError: External ID not found in the system: {}.{xmlid}`",
                            module.name, owner_module.name
                        ))
                        .help(help),
                    );
                }
            }
        }
    }
}
