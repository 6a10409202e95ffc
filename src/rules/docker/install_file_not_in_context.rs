use super::analyse;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::docker::build::{Action, Coverage, EventKind, Install, container_path, coverage};
use crate::syntax::dockerfile::Mount;

declare_rule! {
    /// ## What it does
    /// For every install from a file (`pip install -r F`, `pip-sync F`, `conda env update
    /// -f F`), resolves `F` inside the image (against `WORKDIR` and a preceding `cd`) and
    /// checks that an earlier COPY/ADD or bind mount brought it in from the build
    /// context, that the context has it, and that `.dockerignore` does not exclude it.
    /// Paths with variables, and files copied from other stages or images, are not
    /// judged; nor are Dockerfiles whose build context cannot be determined.
    ///
    /// ## Why it breaks production
    /// The build stops: `ERROR: Could not open requirements file: [Errno 2] No such file
    /// or directory: 'requirements/production.txt'`, typically after the requirements
    /// moved, a `.dockerignore` pattern grew, or the COPY of the requirements was folded
    /// into a later `COPY . .`.
    ///
    /// ## Example
    /// ```dockerfile
    /// WORKDIR /app
    /// COPY requirements.txt .
    /// RUN pip install -r requirements/production.txt
    /// ```
    /// Use instead:
    /// ```dockerfile
    /// WORKDIR /app
    /// COPY requirements/ requirements/
    /// RUN pip install -r requirements/production.txt
    /// ```
    pub struct InstallFileNotInContext {
        code: "GR305",
        slug: "docker/install-file-not-in-context",
        severity: Error,
        summary: "A dependency file is installed from but never copied into the image",
        kinds: [Dockerfile],
        needs: [Docker],
    }
}

impl Rule for InstallFileNotInContext {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(analysis) = analyse(ctx) else { return };
        // Whether a copied file exists needs the context; whether it was copied does not.
        let context = analysis.context.as_ref();
        for (si, timeline) in analysis.timelines.iter().enumerate() {
            for (i, e) in timeline.iter().enumerate() {
                // An inherited event is judged in its own stage's timeline, where the
                // events before it are the same.
                if e.stage != si {
                    continue;
                }
                let EventKind::Command { command, actions } = &e.kind else {
                    continue;
                };
                let mounts = bind_mounts(analysis.df, e.instruction);
                for a in actions {
                    let Action::Install(Install::Files(files)) = a else {
                        continue;
                    };
                    for f in files {
                        if f.text.contains(['$', '*', '?']) || f.text.contains("://") {
                            continue;
                        }
                        let dir = match &command.cwd {
                            Some(cwd) => container_path(&e.workdir, cwd),
                            None => e.workdir.clone(),
                        };
                        let target = container_path(&dir, &f.text);
                        let (problem, help) = match coverage(
                            timeline.get(..i).unwrap_or(&[]),
                            &target,
                            &mounts,
                        ) {
                            Coverage::Unknown => continue,
                            Coverage::NotCopied => (
                                format!(
                                    "`{}` is installed from, but no earlier COPY brings it into the image",
                                    f.text
                                ),
                                "COPY the file (or its folder) before this RUN",
                            ),
                            Coverage::Context(rel) => {
                                let Some(context) = context else { continue };
                                if let Some(line) = context.ignored(&rel) {
                                    (
                                        format!(
                                            "`{rel}` is excluded by .dockerignore (line {line}), so `{}` is not in the image",
                                            f.text
                                        ),
                                        "re-include the file in .dockerignore (`!path`), or install from a file that is sent",
                                    )
                                } else if !context.exists(ctx.index, &rel) {
                                    (
                                        format!(
                                            "`{rel}` does not exist in the build context (`{}`)",
                                            if context.dir.is_empty() {
                                                "."
                                            } else {
                                                &context.dir
                                            }
                                        ),
                                        "fix the path to the requirement file, or add the file to the repository",
                                    )
                                } else {
                                    continue;
                                }
                            }
                        };
                        out.push(
                            Diagnostic::new(&Self::META, ctx.file.path.clone(), problem)
                                .span(f.span)
                                .label("not in the image at this point")
                                .note(format!(
                                    "the build stops: `ERROR: Could not open requirements file: [Errno 2] No such file or directory: '{}'`",
                                    f.text
                                ))
                                .help(help),
                        );
                    }
                }
            }
        }
    }
}

/// The bind mounts of an instruction.
fn bind_mounts(df: &crate::syntax::dockerfile::Dockerfile, instruction: usize) -> Vec<Mount> {
    df.instructions
        .get(instruction)
        .map(|inst| inst.bind_mounts())
        .unwrap_or_default()
}
