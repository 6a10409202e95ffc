use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Reads every `ir.model.access.csv` with a real CSV parser (quoted fields, a UTF-8
    /// BOM, short rows) and reports, at the exact field: a header without `id` or
    /// `model_id:id`, a column that is not a field of `ir.model.access`, a permission
    /// that is not 0 or 1, an empty or duplicate `id`, and a row with the wrong number
    /// of fields.
    ///
    /// ## Why it breaks production
    /// Odoo loads the file at install or upgrade; a bad header or value stops it
    /// (`ValueError: Invalid field 'colour' on model 'ir.model.access'`), and a duplicate
    /// id silently replaces the first rule with the second, so a group loses the access
    /// it was meant to have.
    ///
    /// ## Example
    /// ```text
    /// id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink
    /// access_student,student,model_school_student,base.group_user,1,2,1,1
    /// access_student,teacher,model_school_teacher,base.group_user,1,1,1
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
    }
}

impl Rule for MalformedAccessFile {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(csv) = ctx.file.access_csv() else {
            return;
        };
        for p in &csv.problems {
            out.push(
                Diagnostic::new(&Self::META, ctx.file.path.clone(), &p.message)
                    .span(p.span)
                    .label(&p.label)
                    .note("Odoo stops installing the module on a bad row, or silently keeps only the last of two rows with one id")
                    .help(&p.help),
            );
        }
    }
}
