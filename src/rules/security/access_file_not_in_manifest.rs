use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::model::odoo::access::judged;

declare_rule! {
    /// ## What it does
    /// Finds an `ir.model.access.csv` inside an Odoo module's folder that the module's
    /// manifest does not list in `data`.
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
            for path in crate::model::odoo::access::unloaded_access_csvs(ctx.index, project, module)
            {
                let p = path.as_str();
                let rel = p.strip_prefix(&prefix).unwrap_or(p);
                let d = Diagnostic::new(
                    &Self::META,
                    path.clone(),
                    format!("`{rel}` is not listed in the `data` of `{}`", module.manifest),
                )
                .note("Odoo never loads it: the models it covers stay inaccessible to non-admin users")
                .help(format!("add `'{rel}'` first in the `'data'` list of `{}`", module.manifest));
                let d = match module.data_span {
                    Some(span) => d.related(module.manifest.clone(), span, "not listed here"),
                    None => d,
                };
                out.push(d);
            }
        }
    }
}
