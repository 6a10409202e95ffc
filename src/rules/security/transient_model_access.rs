use crate::core::severity::Severity;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::model::odoo::ModelKind;
use crate::model::odoo::access::{csv_line, judged, reported_unloaded};

declare_rule! {
    /// ## What it does
    /// Checks access rules of transient classes (wizards: `models.TransientModel`, and in
    /// the old API `osv.osv_memory`, `osv.TransientModel`, `orm.TransientModel`) against
    /// the module's Odoo version, from the manifest's `version` (`17.0.1.0.0`) or `[odoo]
    /// version` in guardrail.toml. From 14.0 on, a new transient model with no access
    /// rule is an error. Before 14.0, an access rule for one is a warning: transient
    /// models were open to everyone and the row is dead weight that hides the 14.0
    /// migration work. Modules whose version is unknown are not judged.
    ///
    /// ## Why it breaks production
    /// Odoo 14 made transient models subject to access rights: after an upgrade every
    /// wizard without a rule fails for non-admin users with `You are not allowed to
    /// create 'Enroll Wizard' (school.enroll.wizard) records`, typically on the buttons
    /// that matter most (confirm, import, register payment).
    ///
    /// ## Example
    /// ```python
    /// # version 17.0.1.0.0
    /// class EnrollWizard(models.TransientModel):
    ///     _name = 'school.enroll.wizard'
    /// ```
    /// Use instead (add to ir.model.access.csv):
    /// ```text
    /// access_school_enroll_wizard_user,school.enroll.wizard user,model_school_enroll_wizard,base.group_user,1,1,1,1
    /// ```
    pub struct TransientModelAccess {
        code: "GR208",
        slug: "security/transient-model-access",
        severity: Error,
        summary: "A transient model's access rules do not match the Odoo version",
        kinds: [OdooManifest, Python, OdooAccessCsv, Xml],
        needs: [Odoo],
    }
}

impl Rule for TransientModelAccess {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let project = ctx.project.odoo();
        for module in &project.modules {
            let Some(major) = module.odoo_major else {
                continue;
            };
            if !judged(module) {
                continue;
            }
            let own = project.grants(ctx.index, module);
            // Rules whose only copy is in an unloaded CSV are reported once, by
            // `security/access-file-not-in-manifest`.
            let in_unloaded = reported_unloaded(ctx.index, project, module);
            for model in &module.models {
                if model.kind != ModelKind::Transient
                    || model.unknown
                    || model.unregistered
                    || model.abstract_flag
                {
                    continue;
                }
                let (Some(name), Some((_, span))) = (model.new_name(), &model.name) else {
                    continue;
                };
                let has_rule = own.covers(&module.name, &module.name, name);
                // A loaded file guardrail could not read may hold the rule.
                if major >= 14 && !has_rule && !own.partial && !in_unloaded.contains(name) {
                    out.push(
                        Diagnostic::new(
                            &Self::META,
                            model.path.clone(),
                            format!("transient model `{name}` has no access rule (Odoo {major}.0 requires one)"),
                        )
                        .span(*span)
                        .label("wizard without an access rule")
                        .note(format!(
                            "since Odoo 14.0 non-admin users get `You are not allowed to create ... ({name}) records` when they open the wizard"
                        ))
                        .help(format!("add to the module's ir.model.access.csv: `{}`", csv_line(name))),
                    );
                } else if major < 14 && has_rule {
                    out.push(
                        Diagnostic::new(
                            &Self::META,
                            model.path.clone(),
                            format!("transient model `{name}` has an access rule, which Odoo {major}.0 ignores"),
                        )
                        .severity(Severity::Warning)
                        .span(*span)
                        .label("access rules apply to transient models from 14.0 on")
                        .note("before 14.0 every user can use a wizard; the row misleads readers about who can")
                        .help("remove the row now, or keep it deliberately for the 14.0 migration and suppress this"),
                    );
                }
            }
        }
    }
}
