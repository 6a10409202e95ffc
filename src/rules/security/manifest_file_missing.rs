use crate::core::severity::Severity;
use crate::declare_rule;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{ProjectContext, Rule};
use globset::GlobBuilder;

declare_rule! {
    /// ## What it does
    /// Checks every file an Odoo manifest lists under `data`, `demo` (and the legacy
    /// `init_xml`, `update_xml`, `demo_xml`) and every plain path or glob under `assets`
    /// that belongs to a module of the repository: each must match a file. Asset
    /// operations (`('include', ...)`, `('remove', ...)`) and paths of modules outside
    /// the repository are not judged, nor are `qweb` entries: the web client expands each
    /// with `glob.glob` and silently loads nothing when nothing matches (a literal path
    /// is a pattern too). Modules with `'installable': False` are not judged.
    ///
    /// ## Why it breaks production
    /// Installing or upgrading the module stops with `FileNotFoundError: File not found:
    /// school/security/ir.model.access.csv`, and with it `odoo-bin -u` in the deploy
    /// (`convert_file` opens each `data` file, and each `demo` file in a database with
    /// demo data, the default of test runs). An asset path or glob that matches nothing
    /// is a warning: Odoo logs it and serves the bundle without those files, so widgets,
    /// styles or templates are missing for every user (a glob like `static/src/xml/**/`
    /// matches folders only, never files).
    ///
    /// ## Example
    /// ```python
    /// {'data': ['security/ir.model.acess.csv', 'views/student_views.xml']}
    /// ```
    /// Use instead:
    /// ```python
    /// {'data': ['security/ir.model.access.csv', 'views/student_views.xml']}
    /// ```
    pub struct ManifestFileMissing {
        code: "GR204",
        slug: "security/manifest-file-missing",
        severity: Error,
        summary: "An Odoo manifest lists a file that does not exist",
        kinds: [OdooManifest],
        needs: [Odoo],
    }
}

impl Rule for ManifestFileMissing {
    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        // A single file was checked: absent files may exist.
        if ctx.index.is_partial() {
            return;
        }
        let project = ctx.project.odoo();
        for module in &project.modules {
            if !module.installable {
                continue;
            }
            for e in &module.entries {
                // The web client globs `qweb` entries (`manifest_glob`) and loads what
                // matches: an entry matching nothing loads nothing and raises nothing.
                if e.key == "qweb" {
                    continue;
                }
                let (path, shown) = if e.key == "assets" {
                    // Asset paths start with a module name, relative to the addons folder.
                    let Some((owner, _)) = e.value.split_once('/') else {
                        continue;
                    };
                    let Some(owner_module) = project.module(owner) else {
                        continue;
                    };
                    let parent = owner_module.dir.rsplit_once('/').map_or("", |(p, _)| p);
                    let p = if parent.is_empty() {
                        e.value.clone()
                    } else {
                        format!("{parent}/{}", e.value)
                    };
                    (p, e.value.clone())
                } else {
                    (module.path(&e.value), e.value.clone())
                };
                let found = if path.contains(['*', '?', '[']) {
                    match GlobBuilder::new(&path).literal_separator(true).build() {
                        Ok(g) => {
                            let m = g.compile_matcher();
                            ctx.index
                                .files()
                                .iter()
                                .any(|f| m.is_match(f.path.as_str()))
                        }
                        Err(_) => true,
                    }
                } else {
                    ctx.index.get(&path).is_some()
                };
                if found {
                    continue;
                }
                let file_name = path.rsplit('/').next().unwrap_or(&path);
                let prefix = module.prefix();
                let similar = ctx
                    .index
                    .files()
                    .iter()
                    .filter(|f| f.path.as_str().starts_with(&prefix))
                    .map(|f| {
                        f.path
                            .as_str()
                            .strip_prefix(&prefix)
                            .unwrap_or(f.path.as_str())
                    })
                    .find(|p| {
                        p.rsplit('/')
                            .next()
                            .is_some_and(|n| n == file_name || similar_name(n, file_name))
                    });
                let help = match similar {
                    Some(s) => format!("did you mean `'{s}'`? Fix the path or create the file"),
                    None => "fix the path or create the file".to_string(),
                };
                let d = Diagnostic::new(
                    &Self::META,
                    module.manifest.clone(),
                    format!("`{shown}` listed in `{}` does not exist", e.key),
                )
                .span(e.span)
                .help(help);
                let d = if e.key == "assets" {
                    d.severity(Severity::Warning)
                        .label("matches no file")
                        .note(format!(
                            "Odoo logs `IrAsset: the path \"{shown}\" did not resolve to anything` and \
                             serves the bundle without it: the scripts, styles or templates it should bring \
                             are missing in every browser"
                        ))
                } else {
                    let when = if e.key.starts_with("demo") {
                        " in a database with demo data (test runs, demo databases)"
                    } else {
                        ""
                    };
                    d.label("no such file").note(format!(
                        "installing or upgrading `{}`{when} stops with `FileNotFoundError: File not found: {}`",
                        module.name, shown
                    ))
                };
                out.push(d);
            }
        }
    }
}

/// Same length, one character different, or one transposition: typos.
fn similar_name(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let mut i = 0;
    while i < short.len() && short.get(i) == long.get(i) {
        i += 1;
    }
    if short.len() == long.len() {
        // substitution or transposition
        short.get(i + 1..) == long.get(i + 1..)
            || (short.get(i) == long.get(i + 1)
                && short.get(i + 1) == long.get(i)
                && short.get(i + 2..) == long.get(i + 2..))
    } else {
        short.get(i..) == long.get(i + 1..)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn typos() {
        assert!(super::similar_name(
            "ir.model.acess.csv",
            "ir.model.access.csv"
        ));
        assert!(super::similar_name("studnet.xml", "student.xml"));
        assert!(super::similar_name("studemt.xml", "student.xml"));
        assert!(!super::similar_name("teacher.xml", "student.xml"));
    }
}
