use crate::core::path::RelPath;
use crate::declare_rule;
use crate::index::Index;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use crate::model::required_files::CompiledEntry;

declare_rule! {
    /// ## What it does
    /// Checks the team's required files: every directory that matches an entry's
    /// `directories` glob (and contains its `when` file, if given) must contain one of
    /// its `require` paths. Entries come from the built-in pack `rules/required-files.toml`
    /// (off until enabled) and from `[[security.required-file]]` in guardrail.toml. The
    /// finding names the missing file where it should be, and the entry's own message
    /// says why the team asked for it.
    ///
    /// ## Configuration
    /// ```toml
    /// [security]
    /// enable-required-files = ["codeowners", "odoo-access-file"]
    ///
    /// [[security.required-file]]
    /// id = "service-healthcheck"
    /// directories = "services/*"
    /// when = "Dockerfile"
    /// require = ["healthcheck.sh"]
    /// message = "the orchestrator restarts services whose health it cannot probe"
    /// ```
    ///
    /// ## Why it breaks production
    /// Whatever a team learned the hard way: the school-management outage was a module
    /// shipped without `security/ir.model.access.csv`; a service without a health check
    /// is restarted in a loop; a repository without CODEOWNERS merges migration changes
    /// nobody responsible reviewed. Stated once, checked on every change.
    ///
    /// ## Example
    /// With `odoo-access-file` enabled:
    /// ```text
    /// school/__manifest__.py
    /// school/models/student.py
    /// ```
    /// Use instead:
    /// ```text
    /// school/__manifest__.py
    /// school/models/student.py
    /// school/security/ir.model.access.csv
    /// ```
    pub struct RequiredFile {
        code: "GR209",
        slug: "security/required-file",
        severity: Error,
        summary: "A directory lacks a file the team requires (configurable)",
        kinds: [],
    }
}

impl Rule for RequiredFile {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        // A single file was checked: absent files may exist.
        if ctx.index.is_partial() {
            return;
        }
        for compiled in &ctx.options().required_files {
            let paths = ctx.index.files().iter().map(|f| f.path.as_str());
            for dir in compiled.violations(paths) {
                out.push(diagnostic(ctx.index, compiled, &dir));
            }
        }
    }
}

fn diagnostic(_index: &Index, compiled: &CompiledEntry, dir: &str) -> Diagnostic {
    let e = &compiled.entry;
    let first = e.require.first().map(String::as_str).unwrap_or("");
    let path = if dir.is_empty() {
        first.to_string()
    } else {
        format!("{dir}/{first}")
    };
    let where_ = if dir.is_empty() {
        "the repository root".to_string()
    } else {
        format!("`{dir}/`")
    };
    let choices: Vec<String> = e.require.iter().map(|r| format!("`{r}`")).collect();
    let mut d = Diagnostic::new(
        &RequiredFile::META,
        RelPath::new(path),
        format!("{where_} has no `{first}` (required by `{}`)", e.id),
    )
    .note(e.message.clone())
    .help(if choices.len() == 1 {
        format!("create {} in {where_}", choices.join(""))
    } else {
        format!("create one of {} in {where_}", choices.join(", "))
    });
    if let Some(severity) = e.severity {
        d = d.severity(severity);
    }
    d
}
