use super::{LISTS, label_entry, short};
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, ProjectContext, Rule};
use crate::model::django::settings::Entry;
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Evaluates the effective `MIDDLEWARE` (and legacy `MIDDLEWARE_CLASSES`) of every
    /// Django settings module statically, across split settings (`from .base import *`,
    /// the `local_settings` chain), `+=`, `.append`, `.insert` and `.extend`, and reports
    /// a class listed twice. Settings modules are found by path and by what uses them:
    /// `DJANGO_SETTINGS_MODULE` in `manage.py`/`wsgi.py`/`asgi.py`, Dockerfiles, Compose
    /// files, `.env` and pytest/tox/setup.cfg/pyproject files, and `--settings=`. Entries
    /// in exclusive branches (`if DEBUG:` / `else:`) are alternatives, and an append
    /// guarded by `if "x" not in MIDDLEWARE:` cannot duplicate: neither is reported.
    ///
    /// In Rust web applications (parsed with `syn`), it reports the same layer applied
    /// twice to the same routes: twice in one axum/tower `.layer(...)` or actix
    /// `.wrap(...)` chain, or on a router and on a router nested into it (`.nest`,
    /// `.merge`, actix `.service(scope)`), inline or built by a function of the file. A
    /// layer is its whole constructor expression: `rate_limit.message()` and
    /// `rate_limit.search()`, or `Extension(pool)` and `Extension(cfg)`, are different
    /// layers; two layers of one kind are `middleware/duplicate-role`'s business.
    ///
    /// ## Why it breaks production
    /// Django instantiates and runs the class twice on every request. For middleware
    /// with side effects that is double effects: two schema switches, two audit rows,
    /// sessions saved twice, response bodies compressed twice. It usually comes from a
    /// production settings file appending what `base.py` already lists.
    ///
    /// ## Example
    /// ```python
    /// # config/settings/production.py
    /// from .base import *  # base already lists WhiteNoiseMiddleware
    /// MIDDLEWARE += ["whitenoise.middleware.WhiteNoiseMiddleware"]
    /// ```
    /// Use instead:
    /// ```python
    /// from .base import *
    /// ```
    pub struct Duplicate {
        code: "GR401",
        slug: "middleware/duplicate",
        severity: Error,
        summary: "The same middleware is listed twice",
        kinds: [DjangoSettings, Python, Rust],
        needs: [DjangoSettings],
    }
}

impl Rule for Duplicate {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        if ctx.file.kind == crate::core::kind::FileKind::Rust {
            super::rust_layers::duplicate(ctx, &Self::META, out);
        }
    }

    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        for module in ctx.project.django_settings() {
            for name in LISTS {
                let Some(list) = module.list(name) else {
                    continue;
                };
                // Earlier entries by value: only those of the same value are compared.
                let mut seen: HashMap<&str, Vec<&Entry>> = HashMap::new();
                for later in &list.entries {
                    let same = seen.entry(later.value.as_str()).or_default();
                    let first = same.iter().copied().find(|e| e.compatible(later));
                    same.push(later);
                    let Some(first) = first else {
                        continue;
                    };
                    let d = Diagnostic::new(
                        &Self::META,
                        later.path.clone(),
                        format!("`{}` is listed twice in {name}", later.value),
                    )
                    .span(later.span)
                    .label("listed again")
                    .note(format!(
                        "Django runs `{}` twice on every request: its side effects happen twice",
                        short(&later.value)
                    ))
                    .help("remove one of the two entries");
                    out.push(label_entry(d, &later.path, first, "first listed here"));
                }
            }
        }
    }
}
