use super::analyse;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::docker::build::EventKind;

declare_rule! {
    /// ## What it does
    /// Reports a COPY or ADD of a path (a file or a folder, named explicitly: no globs,
    /// no variables) that the build context's `.dockerignore` (or the Dockerfile's own
    /// `Dockerfile.dockerignore`) excludes.
    ///
    /// ## Why it breaks production
    /// Docker never sends an excluded path to the builder, so the build stops: `failed to
    /// compute cache key: failed to calculate checksum of ref ...: "/manage.py": not
    /// found`. When a broad pattern (`**/*.py`, `*.txt`) grows, the failure appears far
    /// from the line that caused it.
    ///
    /// ## Example
    /// ```dockerfile
    /// # .dockerignore has `*.txt`
    /// COPY requirements.txt .
    /// ```
    /// Use instead (in .dockerignore):
    /// ```text
    /// *.txt
    /// !requirements.txt
    /// ```
    pub struct CopyOfIgnoredPath {
        code: "GR306",
        slug: "docker/copy-of-ignored-path",
        severity: Error,
        summary: "COPY of a path that .dockerignore excludes",
        kinds: [Dockerfile],
        needs: [Docker],
    }
}

impl Rule for CopyOfIgnoredPath {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(analysis) = analyse(ctx) else { return };
        let Some(context) = &analysis.context else {
            return;
        };
        let Some(ignore) = &context.dockerignore else {
            return;
        };
        for (si, timeline) in analysis.timelines.iter().enumerate() {
            for e in timeline.iter().filter(|e| e.stage == si) {
                let EventKind::Copy(c) = &e.kind else {
                    continue;
                };
                if c.from.is_some() {
                    continue;
                }
                for s in &c.sources {
                    let t = s.text.trim_start_matches("./").trim_end_matches('/');
                    if t.is_empty()
                        || t == "."
                        || t.contains(['*', '?', '[', '$'])
                        || t.contains("://")
                    {
                        continue;
                    }
                    let Some(line) = context.ignored(t) else {
                        continue;
                    };
                    let mut d = Diagnostic::new(
                        &Self::META,
                        ctx.file.path.clone(),
                        format!(
                            "`{t}` is excluded by {} (line {line}), so this COPY fails",
                            ignore.path
                        ),
                    )
                    .span(s.span)
                    .label("excluded from the build context")
                    .note(format!(
                        "the build stops: `failed to compute cache key: ... \"/{t}\": not found`"
                    ))
                    .help(format!(
                        "add `!{t}` to {} after the pattern, or stop copying it",
                        ignore.path
                    ));
                    if let Some(src) = ctx.index.get(ignore.path.as_str()).and_then(|f| f.source())
                        && let Some(span) = src.line_span(line)
                    {
                        d = d.related(ignore.path.clone(), span, "excluded here");
                    }
                    out.push(d);
                }
            }
        }
    }
}
