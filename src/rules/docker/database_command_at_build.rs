use super::analyse;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, Rule};
use crate::model::docker::build::{Action, EventKind};

declare_rule! {
    /// ## What it does
    /// Reports RUN commands that need a database or another running service: Django's
    /// `migrate`, `migrate_schemas`, `loaddata`, `createsuperuser`, tenant bootstrap
    /// (`create_tenant`), `createcachetable`; `flask db upgrade`; `alembic upgrade`;
    /// `odoo-bin -i/-u`.
    ///
    /// ## Why it breaks production
    /// No database is reachable while an image builds: the build fails (`could not
    /// connect to server: Connection refused`), or, with build-time credentials that do
    /// reach one, it migrates whatever database the build machine sees, once, instead of
    /// the one each environment runs against. Schema changes belong to the release, not
    /// to the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN python manage.py migrate && python manage.py create_tenant --domain-domain=public
    /// ```
    /// Use instead (an entrypoint run when the container starts):
    /// ```dockerfile
    /// COPY docker/entrypoint.sh /entrypoint.sh
    /// ENTRYPOINT ["/entrypoint.sh"]   # runs `python manage.py migrate` before the server
    /// ```
    pub struct DatabaseCommandAtBuild {
        code: "GR304",
        slug: "docker/database-command-at-build",
        severity: Error,
        summary: "A build step needs a database (migrate, loaddata, tenant bootstrap)",
        kinds: [Dockerfile],
        needs: [Docker],
    }
}

impl Rule for DatabaseCommandAtBuild {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(analysis) = analyse(ctx) else { return };
        for timeline in analysis.timelines {
            for e in timeline {
                let EventKind::Command { actions, .. } = &e.kind else {
                    continue;
                };
                for a in actions {
                    let Action::NeedsDatabase { what } = a else {
                        continue;
                    };
                    out.push(
                        Diagnostic::new(
                            &Self::META,
                            ctx.file.path.clone(),
                            format!("`{what}` needs a database, which no image build has"),
                        )
                        .span(e.span)
                        .label("runs at build time")
                        .note(
                            "the build fails (`could not connect to server`), or migrates whatever database \
                             the build machine reaches instead of each environment's own",
                        )
                        .help(
                            "run it when the container starts (entrypoint) or as a release job \
                             (`docker compose run --rm web python manage.py migrate`)",
                        ),
                    );
                }
            }
        }
    }
}
