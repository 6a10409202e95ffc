use crate::core::severity::Severity;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::model::odoo::access::{
    csv_line, granted_by_dependent, has_access_file, judged, needing_access, reported_unloaded,
};
use crate::rules::security::fieldless_note;

declare_rule! {
    /// ## What it does
    /// For every new, concrete model of an Odoo module (see
    /// `security/missing-access-file`; old-API `osv.osv`/`osv.Model`/`orm.Model`
    /// classes included), looks for a row of a loaded `ir.model.access.csv` whose
    /// `model_id:id` is `model_<name with dots as underscores>` (with or without the
    /// module's prefix) or whose `model_id` (imported by name) is the technical name, or
    /// an `ir.model.access` record in a loaded XML file. A row replaced by a later row
    /// with the same id does not count. A model with none is an error. It is a warning
    /// when the rule lives in another module of the repository that depends on this one
    /// (a separate security module: the model is unreachable whenever this module is
    /// installed without that one), and when the model declares no field and inherits
    /// none (a helper holding only methods). Transient models are judged by
    /// `security/transient-model-access`; models whose only rules are in a CSV the
    /// manifest does not load by `security/access-file-not-in-manifest`. A module is not
    /// judged when a loaded access file could not be read, or a row names its model by
    /// label or database id, nor when it has `'installable': False`.
    ///
    /// ## Why it breaks production
    /// One model without a rule is one screen, wizard or smart button that fails for
    /// every non-admin user with `You are not allowed to access 'Teacher'
    /// (school.teacher) records`, while the rest of the module works, so it slips
    /// through a test run done as admin.
    ///
    /// ## Example
    /// ```text
    /// id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink
    /// access_school_student_user,school.student user,model_school_student,base.group_user,1,1,1,1
    /// ```
    /// Use instead (one line per model):
    /// ```text
    /// id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink
    /// access_school_student_user,school.student user,model_school_student,base.group_user,1,1,1,1
    /// access_school_teacher_user,school.teacher user,model_school_teacher,base.group_user,1,1,1,1
    /// ```
    pub struct ModelWithoutAccess {
        code: "GR203",
        slug: "security/model-without-access",
        severity: Error,
        summary: "An Odoo model has no access rule",
        kinds: [OdooManifest, Python, OdooAccessCsv, Xml],
        needs: [Odoo],
    }
}

impl Rule for ModelWithoutAccess {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let project = ctx.project.odoo();
        for module in &project.modules {
            if !judged(module) {
                continue;
            }
            let own = project.grants(ctx.index, module);
            // A loaded file guardrail could not read may hold the rule.
            if own.partial {
                continue;
            }
            let own_file = has_access_file(ctx.index, module);
            // Models whose only rules are in an unloaded CSV: reported there, once.
            let in_unloaded = reported_unloaded(ctx.index, project, module);
            for model in needing_access(module) {
                let Some(name) = model.new_name() else {
                    continue;
                };
                let Some((_, span)) = &model.name else {
                    continue;
                };
                if own.covers(&module.name, &module.name, name) || in_unloaded.contains(name) {
                    continue;
                }
                let by_dependent = granted_by_dependent(ctx.index, project, module, name);
                let d = match by_dependent {
                    Some(dep) => Diagnostic::new(
                        &Self::META,
                        model.path.clone(),
                        format!(
                            "model `{name}` has no access rule in `{}`; only `{}`, which depends on it, grants one",
                            module.name, dep.name
                        ),
                    )
                    .severity(Severity::Warning)
                    .label("access granted only by a dependent module")
                    .note(format!(
                        "wherever `{}` is installed without `{}`, non-admin users get `You are not allowed to access` errors on `{name}`",
                        module.name, dep.name
                    ))
                    .help(format!(
                        "move the rule into `{}/security/ir.model.access.csv`: `{}`",
                        module.dir,
                        csv_line(name)
                    )),
                    None if own_file && model.fieldless() => Diagnostic::new(
                        &Self::META,
                        model.path.clone(),
                        format!(
                            "model `{name}` has no access rule in module `{}`, and declares no field",
                            module.name
                        ),
                    )
                    .severity(Severity::Warning)
                    .label("a model with only methods")
                    .note(fieldless_note(name))
                    .help(format!(
                        "make it a `models.AbstractModel` (no table, no rule needed), or add to the module's ir.model.access.csv: `{}`",
                        csv_line(name)
                    )),
                    None if own_file => Diagnostic::new(
                        &Self::META,
                        model.path.clone(),
                        format!("model `{name}` has no access rule in module `{}`", module.name),
                    )
                    .label("no row for `model_".to_string() + &name.replace('.', "_") + "`")
                    .note(format!(
                        "every non-admin user gets `You are not allowed to access ... ({name}) records` on its screens"
                    ))
                    .help(format!(
                        "add to the module's ir.model.access.csv: `{}`",
                        csv_line(name)
                    )),
                    // No access file at all: `security/missing-access-file` reports it once.
                    None => continue,
                };
                out.push(d.span(*span));
            }
        }
    }
}
