use crate::core::path::RelPath;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};

declare_rule! {
    /// ## What it does
    /// Finds XML and CSV files under an Odoo module's `security/` folder that no key of
    /// its manifest loads (`data`, `demo`, and the legacy keys). An unloaded
    /// `ir.model.access.csv` is reported as an error by
    /// `security/access-file-not-in-manifest` instead.
    ///
    /// ## Why it breaks production
    /// Record rules and groups in an unloaded file never exist in the database: users
    /// see other companies' or other teams' records (a missing `ir.rule`), or a menu
    /// meant for a group shows an access error, while the file in the repository says
    /// the opposite.
    ///
    /// ## Example
    /// ```python
    /// # school/security/school_rules.xml exists
    /// {'data': ['security/ir.model.access.csv']}
    /// ```
    /// Use instead:
    /// ```python
    /// {'data': ['security/school_rules.xml', 'security/ir.model.access.csv']}
    /// ```
    pub struct SecurityFileNotLoaded {
        code: "GR207",
        slug: "security/security-file-not-loaded",
        severity: Warning,
        summary: "A security XML or CSV file is not loaded by the manifest",
        kinds: [OdooManifest],
        needs: [Odoo],
    }
}

impl Rule for SecurityFileNotLoaded {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let project = ctx.project.odoo();
        for module in &project.modules {
            if !module.installable || module.entries_unknown {
                continue;
            }
            let prefix = format!("{}security/", module.prefix());
            let loaded = module.loaded_files();
            for f in ctx.index.files_under(&prefix) {
                let p = f.path.as_str();
                let Some(rel) = p.strip_prefix(&prefix) else {
                    continue;
                };
                if rel.contains('/') || !(p.ends_with(".xml") || p.ends_with(".csv")) {
                    continue;
                }
                if f.path.file_name() == "ir.model.access.csv"
                    || loaded.contains(format!("security/{rel}").as_str())
                {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        RelPath::new(p),
                        format!("`security/{rel}` is not loaded by `{}`", module.manifest),
                    )
                    .note("the groups and record rules it defines never reach the database")
                    .help(format!(
                        "add `'security/{rel}'` to the manifest's `'data'` (before the views that use its groups), or delete the file"
                    )),
                );
            }
        }
    }
}
