use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Flags the top-level `version:` key of a Compose file.
    ///
    /// ## Why it breaks production
    /// Docker Compose v2 implements the Compose Specification and ignores `version`: it
    /// prints `the attribute "version" is obsolete, it will be ignored` on every command
    /// and reads the file with the newest schema whatever the number says. Teams keep
    /// reasoning from the number (`'2.4'` allows `depends_on` conditions, `'3.x'` does
    /// not; `'3.9'` means Swarm) while the tool that deploys the file does something
    /// else, and the warning trains everyone to ignore Compose's output, including the
    /// warnings that matter.
    ///
    /// Files that are also deployed with `docker stack deploy` (Swarm) still need the
    /// key: suppress the finding there with a reason.
    ///
    /// ## Example
    /// ```yaml
    /// version: '3.9'
    /// services:
    ///   web:
    ///     image: nginx
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx
    /// ```
    pub struct ObsoleteVersionKey {
        code: "GR501",
        slug: "compose/obsolete-version-key",
        severity: Warning,
        summary: "Obsolete top-level `version:` key in a Compose file",
        kinds: [Compose],
    }
}

impl Rule for ObsoleteVersionKey {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(yaml) = ctx.file.yaml() else { return };
        let Some(source) = ctx.file.source() else {
            return;
        };
        // Compose reads the first document only.
        let Some(doc) = yaml.documents.first() else {
            return;
        };
        let Some((key, value)) = doc.entry("version") else {
            return;
        };
        let shown = source.slice(value.span);
        let line = format!("version: {shown}");
        out.push(
            Diagnostic::new(
                &Self::META,
                ctx.file.path.clone(),
                format!("obsolete `{line}` in a Compose file: Compose ignores it"),
            )
            .span(key.span)
            .label("obsolete key")
            .note(
                "Compose v2 ignores `version` and warns on every command; the file is read \
                 with the current Compose Specification whatever the number says",
            )
            .help(format!(
                "delete the line `{line}`; if the file is also deployed with `docker stack \
                 deploy`, keep it and add `# guardrail: ignore[GR501] swarm stack file`"
            )),
        );
    }
}
