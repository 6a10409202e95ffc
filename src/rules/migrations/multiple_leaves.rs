use super::qualified;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};

declare_rule! {
    /// ## What it does
    /// Builds each app's migration graph (after squashes, as Django's loader does) and
    /// reports an app with more than one leaf: two migrations that nothing depends on,
    /// typically two branches that both added a `0002_*`. Apps whose graph cannot be
    /// read statically (dependencies that are not literals, a migration that does not
    /// parse, two apps sharing a label) are not judged.
    ///
    /// ## Why it breaks production
    /// `python manage.py migrate` refuses to run: `CommandError: Conflicting migrations
    /// detected; multiple leaf nodes in the migration graph: (0002_add_salary,
    /// 0002_add_manager in employees)`. The deploy stops at the migration step, with the
    /// new code already built.
    ///
    /// ## Example
    /// ```text
    /// employees/migrations/0001_initial.py
    /// employees/migrations/0002_add_salary.py    dependencies: 0001_initial
    /// employees/migrations/0002_add_manager.py   dependencies: 0001_initial
    /// ```
    /// Use instead: merge the branches with `python manage.py makemigrations --merge employees`:
    /// ```text
    /// employees/migrations/0003_merge.py         dependencies: 0002_add_salary, 0002_add_manager
    /// ```
    pub struct MultipleLeaves {
        code: "GR105",
        slug: "migrations/multiple-leaves",
        severity: Error,
        summary: "An app has two leaf migrations and no merge migration",
        kinds: [DjangoMigration, Python, DjangoSettings],
        needs: [Django],
    }
}

impl Rule for MultipleLeaves {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let project = ctx.project.django();
        for (ai, app) in project.apps.iter().enumerate() {
            if app.migrations.len() < 2 {
                continue;
            }
            let Some(graph) = project.app_graph(ctx.index, ai) else {
                continue;
            };
            let leaves = graph.leaves();
            if leaves.len() < 2 {
                continue;
            }
            let nodes: Vec<_> = leaves
                .iter()
                .filter_map(|n| project.migrations.get(*n).map(|m| (*n, m)))
                .collect();
            let Some((last_index, last)) = nodes.last().copied() else {
                continue;
            };
            let Some(facts) = project.facts(ctx.index, last_index) else {
                continue;
            };
            let names: Vec<&str> = nodes.iter().map(|(_, m)| m.name.as_str()).collect();
            let mut d = Diagnostic::new(
                &Self::META,
                last.path.clone(),
                format!(
                    "app `{}` has {} leaf migrations: {}",
                    app.label,
                    nodes.len(),
                    names.join(", ")
                ),
            )
            .span(facts.class_span)
            .label(format!("leaf `{}`", qualified(&app.label, &last.name)))
            .note(format!(
                "`manage.py migrate` refuses to run: `CommandError: Conflicting migrations detected; \
                 multiple leaf nodes in the migration graph: ({} in {})`",
                names.join(", "),
                app.label
            ))
            .help(format!(
                "merge them: `python manage.py makemigrations --merge {}`, and commit the merge migration",
                app.label
            ));
            for (n, m) in nodes.iter().take(nodes.len() - 1) {
                if let Some(f) = project.facts(ctx.index, *n) {
                    d = d.related(
                        m.path.clone(),
                        f.class_span,
                        format!("leaf `{}`", qualified(&app.label, &m.name)),
                    );
                }
            }
            out.push(d);
        }
    }
}
