use crate::core::severity::Severity;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::model::odoo::access::{judged, unloaded_access_csvs};

declare_rule! {
    /// ## What it does
    /// Finds an `ir.model.access.csv` inside an Odoo module's folder that the module's
    /// manifest does not list in `data`. It is an error when the file holds the only
    /// rules of a model the module defines (old-API `osv.osv`/`orm.Model` classes
    /// included), and a warning otherwise: when its rows name models that already have
    /// rules or that the module only extends, and when they name no model of the module
    /// at all (a stale file, which loading as it stands would break). A file holding
    /// only its header loads nothing and is not reported, nor are modules with
    /// `'installable': False`.
    ///
    /// ## Why it breaks production
    /// Odoo loads only the files the manifest lists. The CSV is reviewed, committed and
    /// deployed, and silently never loaded: every model it covers stays inaccessible to
    /// non-admin users (`You are not allowed to access ... records`), and the file in the
    /// repository makes everyone look elsewhere for the cause.
    ///
    /// ## Example
    /// ```python
    /// # school/__manifest__.py, with school/security/ir.model.access.csv present
    /// {'name': 'School', 'data': ['views/student_views.xml']}
    /// ```
    /// Use instead:
    /// ```python
    /// {'name': 'School', 'data': ['security/ir.model.access.csv', 'views/student_views.xml']}
    /// ```
    pub struct AccessFileNotInManifest {
        code: "GR202",
        slug: "security/access-file-not-in-manifest",
        severity: Error,
        summary: "An ir.model.access.csv exists but the manifest does not load it",
        kinds: [OdooManifest, Python, OdooAccessCsv],
        needs: [Odoo],
    }
}

impl Rule for AccessFileNotInManifest {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let project = ctx.project.odoo();
        for module in &project.modules {
            if !judged(module) {
                continue;
            }
            let prefix = module.prefix();
            for unloaded in unloaded_access_csvs(ctx.index, project, module) {
                let path = &unloaded.path;
                let p = path.as_str();
                let rel = p.strip_prefix(&prefix).unwrap_or(p);
                let add = format!(
                    "add `'{rel}'` first in the `'data'` list of `{}`",
                    module.manifest
                );
                let d = Diagnostic::new(
                    &Self::META,
                    path.clone(),
                    format!(
                        "`{rel}` is not listed in the `data` of `{}`",
                        module.manifest
                    ),
                );
                let d = if !unloaded.only_rules_of.is_empty() {
                    let names: Vec<String> = unloaded
                        .only_rules_of
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect();
                    d.note(format!(
                        "Odoo never loads it, and it holds the only rules of {}: non-admin users get `You are not allowed to access` errors on them",
                        names.join(", ")
                    ))
                    .help(add)
                } else if unloaded.names_module_model {
                    d.severity(Severity::Warning).note(format!(
                        "Odoo never loads it: the models of `{}` it names have rules elsewhere or are only extended here, \
                         so nothing fails, but the groups and permissions it describes never reach the database",
                        module.name
                    ))
                    .help(format!("{add}, or delete the file if its rules are obsolete"))
                } else {
                    let evidence = if module.models_partial() {
                        format!(
                            "its rows name no model guardrail found in `{}` (some of its Python could not be read)",
                            module.name
                        )
                    } else {
                        format!(
                            "its rows name no model that `{}` defines or extends",
                            module.name
                        )
                    };
                    let if_loaded = match unloaded.dangling.first() {
                        Some(x) => format!(
                            ", and loading it as it stands would stop the install with \
                             `External ID not found in the system: {}.{x}`",
                            module.name
                        ),
                        None => String::new(),
                    };
                    d.severity(Severity::Warning).note(format!(
                        "a stale file: {evidence}; not loading it breaks nothing{if_loaded}"
                    ))
                    .help("delete the file, or fix its rows and list it in the manifest's `'data'`")
                };
                let d = match module.data_span {
                    Some(span) => d.related(module.manifest.clone(), span, "not listed here"),
                    None => d,
                };
                out.push(d);
            }
        }
    }
}
