use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Reads every `ir.model.access.csv` with a real CSV parser (quoted fields, a UTF-8
    /// BOM) and judges it as Odoo's import does (each row zipped with the header, each
    /// row an import of the record `<module>.<id>`), at the exact field. Errors: a
    /// header without `id` or a `model_id` column, a column that is not a field of
    /// `ir.model.access`, an empty `id`, and an id repeated with another model (the first
    /// model loses its rule). Warnings: an id repeated with another group or other
    /// permissions (the earlier line is dead), a permission that is neither empty, 0, 1,
    /// true, false, yes nor no (Odoo reads it as true), and cells past the header. Valid:
    /// an empty permission cell (false), a short row (its missing cells are empty), a row
    /// repeated cell for cell, and a `model_id` column without `:id` (imported by the
    /// model's technical name). Files of modules with `'installable': False` are not
    /// judged.
    ///
    /// ## Why it breaks production
    /// Odoo loads the file at install or upgrade; a bad header stops it (`ValueError:
    /// Invalid field 'colour' on model 'ir.model.access'`), and an id reused for another
    /// model silently replaces the first rule with the second, so the first model is
    /// left without the access it was meant to have (`You are not allowed to access`).
    ///
    /// ## Example
    /// ```text
    /// id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink
    /// access_student,student,model_school_student,base.group_user,1,1,1,1
    /// access_student,teacher,model_school_teacher,base.group_user,1,1,1,0
    /// ```
    /// Use instead:
    /// ```text
    /// id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink
    /// access_student,student,model_school_student,base.group_user,1,1,1,1
    /// access_teacher,teacher,model_school_teacher,base.group_user,1,1,1,0
    /// ```
    pub struct MalformedAccessFile {
        code: "GR206",
        slug: "security/malformed-access-file",
        severity: Error,
        summary: "An ir.model.access.csv has a bad header, value, id or row",
        kinds: [OdooAccessCsv],
        needs: [Odoo],
    }
}

impl Rule for MalformedAccessFile {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        // Odoo never installs a module with `'installable': False`: its files are not judged.
        if ctx
            .project
            .odoo()
            .owner(ctx.file.path.as_str())
            .is_some_and(|m| !m.installable)
        {
            return;
        }
        let Some(csv) = ctx.file.access_csv() else {
            return;
        };
        for p in &csv.problems {
            out.push(
                Diagnostic::new(&Self::META, ctx.file.path.clone(), &p.message)
                    .severity(p.severity)
                    .span(p.span)
                    .label(&p.label)
                    .note(&p.note)
                    .help(&p.help),
            );
        }
    }
}
