//! The project's Django version, from pins in `requirements*.txt` and `pyproject.toml`.
//!
//! A deliberately small reader of PEP 508 requirement lines (name, extras, specifiers;
//! comments, options, markers and hashes skipped): it needs one number. The Docker family
//! will need the full requirements model (`-r`/`-c` includes), which belongs with it.

use crate::core::kind::FileKind;
use crate::index::Index;
use crate::syntax::requirements::Dependency;

/// The lowest Django major version the pins allow, and where it was read.
pub fn django_major(index: &Index) -> Option<(u32, String)> {
    let mut found: Option<(u32, String)> = None;
    let mut consider = |deps: &[Dependency], path: &str| {
        let majors = deps
            .iter()
            .filter(|d| d.name == "django")
            .filter_map(|d| lower_bound_major(&d.specifier));
        for major in majors {
            if found.as_ref().is_none_or(|(m, _)| major < *m) {
                found = Some((major, path.to_string()));
            }
        }
    };
    for f in index.of_kind(FileKind::Requirements) {
        if let Some(r) = f.requirements() {
            consider(&r.distributions, f.path.as_str());
        }
    }
    for f in index.of_kind(FileKind::PyProject) {
        if let Some(deps) = f.pyproject_dependencies() {
            consider(deps, f.path.as_str());
        }
    }
    found
}

/// The lowest major version a specifier admits (`>=4.2,<5` -> 4, `^4.2` -> 4).
fn lower_bound_major(spec: &str) -> Option<u32> {
    spec.split(',')
        .filter_map(|part| {
            let part = part.trim();
            let version = ["==", ">=", "~=", "^", "~", ">"]
                .iter()
                .find_map(|op| part.strip_prefix(op))
                .or_else(|| {
                    part.chars()
                        .next()
                        .filter(char::is_ascii_digit)
                        .map(|_| part)
                })?;
            version
                .trim()
                .split('.')
                .next()?
                .trim_end_matches('*')
                .parse::<u32>()
                .ok()
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pins() {
        let major = |line: &str| {
            crate::syntax::requirements::dependency(line)
                .filter(|d| d.name == "django")
                .and_then(|d| lower_bound_major(&d.specifier))
        };
        assert_eq!(major("Django==4.2.7  # LTS"), Some(4));
        assert_eq!(major("django>=3.2,<4.0"), Some(3));
        assert_eq!(
            major("Django[argon2]~=5.0 ; python_version >= '3.10'"),
            Some(5)
        );
        assert_eq!(major("django-environ==0.11"), None);
        assert_eq!(major("-r base.txt"), None);
        assert_eq!(major("Django"), None);
        assert_eq!(lower_bound_major("^4.2"), Some(4));
        assert_eq!(lower_bound_major("<5"), None);
    }
}
