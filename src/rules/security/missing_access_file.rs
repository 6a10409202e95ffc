use crate::core::severity::Severity;
use crate::core::source::Span;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::model::odoo::OdooModel;
use crate::model::odoo::access::{
    CSV_HEADER, csv_line, granted_by_dependent, has_access_file, judged, needing_access,
    reported_unloaded,
};
use crate::rules::security::fieldless_note;

declare_rule! {
    /// ## What it does
    /// Finds an Odoo module that defines new models (`_name` on a `models.Model`, or an
    /// old-API `osv.osv`/`osv.Model`/`orm.Model`; not an `_inherit`-only extension, not
    /// abstract, not transient, not `_register = False`) and loads no access rules at
    /// all: no `ir.model.access.csv` in its manifest's `data`, no `ir.model.access`
    /// record in a loaded XML file. The help prints the exact CSV to create, one line per
    /// model. It is a warning when every such model declares no field and inherits none
    /// (a helper holding only methods, better an `AbstractModel`). Modules with
    /// `'installable': False` are skipped; models whose access lives in another module of
    /// the repository that depends on this one are left to
    /// `security/model-without-access` (a warning), those whose only rules are in a CSV
    /// the manifest does not load to `security/access-file-not-in-manifest`.
    ///
    /// ## Why it breaks production
    /// Odoo only logs a warning at install (`The model school.student has no access
    /// rules, consider adding one`); then every non-admin user gets `You are not allowed
    /// to access 'Student' (school.student) records` on every screen of the module. In
    /// the school-management incident this was a four-hour outage for 100 % of users,
    /// spent debugging the authentication module first.
    ///
    /// ## Example
    /// ```python
    /// # school/__manifest__.py
    /// {'name': 'School', 'version': '17.0.1.0.0', 'depends': ['base'],
    ///  'data': ['views/student_views.xml']}
    /// ```
    /// Use instead:
    /// ```python
    /// # school/__manifest__.py, with school/security/ir.model.access.csv created
    /// {'name': 'School', 'version': '17.0.1.0.0', 'depends': ['base'],
    ///  'data': ['security/ir.model.access.csv', 'views/student_views.xml']}
    /// ```
    pub struct MissingAccessFile {
        code: "GR201",
        slug: "security/missing-access-file",
        severity: Error,
        summary: "An Odoo module defines models and loads no access rules",
        kinds: [OdooManifest, Python, OdooAccessCsv, Xml],
        needs: [Odoo],
    }
}

impl Rule for MissingAccessFile {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let project = ctx.project.odoo();
        for module in &project.modules {
            if !judged(module) || has_access_file(ctx.index, module) {
                continue;
            }
            let own = project.grants(ctx.index, module);
            // A loaded XML file guardrail could not read may hold access records.
            if own.partial {
                continue;
            }
            // Models whose only rules are in an unloaded CSV: reported there, once.
            let in_unloaded = reported_unloaded(ctx.index, project, module);
            let missing: Vec<&OdooModel> = needing_access(module)
                .into_iter()
                .filter(|m| {
                    m.new_name().is_some_and(|n| {
                        !own.covers(&module.name, &module.name, n)
                            && !in_unloaded.contains(n)
                            && granted_by_dependent(ctx.index, project, module, n).is_none()
                    })
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let names: Vec<&str> = missing.iter().filter_map(|m| m.new_name()).collect();
            let mut csv = String::from(CSV_HEADER);
            for name in &names {
                csv.push('\n');
                csv.push_str(&csv_line(name));
            }
            let span = module.data_span.unwrap_or(Span::new(
                module.manifest_span.start,
                module.manifest_span.start + 1,
            ));
            let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            let all_fieldless = missing.iter().all(|m| m.fieldless());
            let mut d = Diagnostic::new(
                &Self::META,
                module.manifest.clone(),
                format!(
                    "module `{}` defines {} ({}) and loads no access rules",
                    module.name,
                    if names.len() == 1 {
                        "a model".to_string()
                    } else {
                        format!("{} models", names.len())
                    },
                    listed.join(", ")
                ),
            )
            .span(span)
            .label(if module.data_span.is_some() {
                "no security/ir.model.access.csv here"
            } else {
                "no `data` key"
            });
            d = if all_fieldless {
                let name = names.first().copied().unwrap_or_default();
                d.severity(Severity::Warning)
                    .note(if names.len() == 1 {
                        fieldless_note(name)
                    } else {
                        format!("none of them declares a field or inherits one: {}", fieldless_note(name))
                    })
                    .help(format!(
                        "make {} a `models.AbstractModel` (no table, no rule needed), or create `{}/security/ir.model.access.csv` with\n{csv}\nand list `'security/ir.model.access.csv'` first in the manifest's `'data'`",
                        if names.len() == 1 { "it" } else { "them" },
                        module.dir
                    ))
            } else {
                d.note(
                    "Odoo installs the module with only a warning in the log, then every non-admin \
                     user gets `You are not allowed to access ... records` on the module's screens",
                )
                .help(format!(
                    "create `{}/security/ir.model.access.csv` with\n{csv}\nand list `'security/ir.model.access.csv'` first in the manifest's `'data'`",
                    module.dir
                ))
            };
            for m in &missing {
                if let Some((_, span)) = &m.name {
                    let what = if m.fieldless() && !all_fieldless {
                        "a model with no access rule (and no field)"
                    } else {
                        "a model with no access rule"
                    };
                    d = d.related(m.path.clone(), *span, what);
                }
            }
            out.push(d);
        }
    }
}
