use super::qualified;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// With `--base REF` or `--staged`, reports a migration added by the change that has
    /// the same number as another migration of its app (`0002_add_manager` beside
    /// `0002_add_salary`) where neither depends on the other, directly or through other
    /// migrations. A squash and the migrations it replaces are not a collision. Apps
    /// whose graph cannot be read statically are not judged.
    ///
    /// Collisions already on the base branch are history: once merged they are harmless,
    /// and real projects carry hundreds of them (saleor: 219), so they are not reported.
    /// An unmerged collision is also reported as an error by `migrations/multiple-leaves`.
    ///
    /// ## Why it breaks production
    /// The numbers promise an order that Django does not follow: the two branches were
    /// written without each other, and on each database they run in whatever order the
    /// graph allows. Two branches that touch the same table (a rename on one, a new
    /// field on the other) then give different schemas on different databases. When the
    /// branches are not merged yet, `migrate` stops with `Conflicting migrations
    /// detected` (see `migrations/multiple-leaves`).
    ///
    /// ## Example
    /// ```text
    /// employees/migrations/0002_add_salary.py    dependencies: 0001_initial
    /// employees/migrations/0002_add_manager.py   dependencies: 0001_initial
    /// ```
    /// Use instead: rebase the newer branch's migration onto the other one and renumber it:
    /// ```text
    /// employees/migrations/0002_add_salary.py    dependencies: 0001_initial
    /// employees/migrations/0003_add_manager.py   dependencies: 0002_add_salary
    /// ```
    pub struct NumberCollision {
        code: "GR106",
        slug: "migrations/number-collision",
        severity: Warning,
        summary: "Two migrations of one app share a number and neither depends on the other",
        kinds: [DjangoMigration, Python, DjangoSettings],
        needs: [Django],
        git_aware: true,
    }
}

impl Rule for NumberCollision {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(changes) = ctx.changes else { return };
        // What the change added (or renamed into place), once: not a scan per pair.
        let added = changes.added_paths();
        let project = ctx.project.django();
        for (ai, app) in project.apps.iter().enumerate() {
            if app.migrations.len() < 2 {
                continue;
            }
            let Some(graph) = project.app_graph(ctx.index, ai) else {
                continue;
            };
            let mut by_number: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for &n in &graph.nodes {
                let Some(m) = project.migrations.get(n) else {
                    continue;
                };
                let digits = m.name.len()
                    - m.name
                        .trim_start_matches(|c: char| c.is_ascii_digit())
                        .len();
                if let Some(number) = m.name.get(..digits).filter(|d| !d.is_empty()) {
                    by_number.entry(number).or_default().push(n);
                }
            }
            for (number, nodes) in by_number {
                for (i, &a) in nodes.iter().enumerate() {
                    for &b in nodes.iter().skip(i + 1) {
                        let (Some(ma), Some(mb)) =
                            (project.migrations.get(a), project.migrations.get(b))
                        else {
                            continue;
                        };
                        // Report on the side the change adds; skip pairs it does not touch,
                        // before asking the graph (a search each).
                        let (ma, mb, a, b) =
                            match (added.contains(&ma.path), added.contains(&mb.path)) {
                                (_, true) => (ma, mb, a, b),
                                (true, false) => (mb, ma, b, a),
                                (false, false) => continue,
                            };
                        if graph.is_ancestor(a, b) || graph.is_ancestor(b, a) {
                            continue;
                        }
                        let (Some(fa), Some(fb)) =
                            (project.facts(ctx.index, a), project.facts(ctx.index, b))
                        else {
                            continue;
                        };
                        out.push(
                            Diagnostic::new(
                                &Self::META,
                                mb.path.clone(),
                                format!(
                                    "`{}` and `{}` are both number {number} and neither depends on the other",
                                    qualified(&app.label, &mb.name),
                                    qualified(&app.label, &ma.name)
                                ),
                            )
                            .span(fb.class_span)
                            .label("added by this change, written without the other")
                            .related(ma.path.clone(), fa.class_span, format!("the other {number}"))
                            .note(
                                "the two branches run in an order the graph picks, which can differ \
                                 between databases; unmerged, `migrate` stops with `Conflicting migrations detected`",
                            )
                            .help(format!(
                                "`{}` is not deployed yet: make it depend on `{}` and renumber it \
                                 (or delete it and run `python manage.py makemigrations {}` again)",
                                mb.name, ma.name, app.label
                            )),
                        );
                    }
                }
            }
        }
    }
}
