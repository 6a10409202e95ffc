use super::analyse;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::docker::build::{Action, EventKind, Install};
use crate::model::docker::stages::installs_deps;

declare_rule! {
    /// ## What it does
    /// Reports `COPY . .` (the whole build context) followed, in the same stage, by a
    /// dependency install from requirement files (`pip install -r`, `pip-sync`, `conda
    /// env update -f`), when no dependency install happened before the copy.
    ///
    /// ## Why it breaks production
    /// Docker reuses a layer only while everything copied before it is unchanged. After
    /// `COPY . .`, every code change invalidates the install layer: each build reinstalls
    /// every dependency (minutes), and a package index outage now fails the deploy of a
    /// one-line fix.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY . .
    /// RUN pip install -r requirements.txt
    /// ```
    /// Use instead:
    /// ```dockerfile
    /// COPY requirements.txt .
    /// RUN pip install -r requirements.txt
    /// COPY . .
    /// ```
    pub struct CopyAllBeforeInstall {
        code: "GR303",
        slug: "docker/copy-all-before-install",
        severity: Warning,
        summary: "The whole context is copied before the dependency install",
        kinds: [Dockerfile],
        needs: [Docker],
    }
}

impl Rule for CopyAllBeforeInstall {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(analysis) = analyse(ctx) else { return };
        for (si, timeline) in analysis.timelines.iter().enumerate() {
            let Some(c) = timeline.iter().position(|e| {
                e.stage == si && matches!(&e.kind, EventKind::Copy(copy) if copy.whole_context)
            }) else {
                continue;
            };
            if timeline.get(..c).unwrap_or(&[]).iter().any(installs_deps) {
                continue;
            }
            let from_files = |e: &&crate::model::docker::build::Event| {
                e.stage == si
                    && matches!(&e.kind, EventKind::Command { actions, .. }
                        if actions.iter().any(|a| matches!(a, Action::Install(Install::Files(_)))))
            };
            let (Some(copy), Some(install)) = (
                timeline.get(c),
                timeline.iter().skip(c + 1).find(from_files),
            ) else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.file.path.clone(),
                    "the whole build context is copied before the dependencies are installed",
                )
                .span(copy.span)
                .label("any code change invalidates the layers below")
                .secondary(install.span, "so every build reinstalls every dependency here")
                .note("each build reinstalls all dependencies, and an outage of the package index fails the deploy of a one-line fix")
                .help("copy the requirement files alone, install, then `COPY . .`"),
            );
        }
    }
}
