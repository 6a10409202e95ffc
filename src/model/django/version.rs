//! The project's Django version, from pins in `requirements*.txt` and `pyproject.toml`.
//!
//! A deliberately small reader of PEP 508 requirement lines (name, extras, specifiers;
//! comments, options, markers and hashes skipped): it needs one number. The Docker family
//! will need the full requirements model (`-r`/`-c` includes), which belongs with it.

use crate::core::kind::FileKind;
use crate::index::Index;

/// The lowest Django major version the pins allow, and where it was read.
pub fn django_major(index: &Index) -> Option<(u32, String)> {
    let mut found: Option<(u32, String)> = None;
    let mut consider = |major: u32, path: &str| {
        if found.as_ref().is_none_or(|(m, _)| major < *m) {
            found = Some((major, path.to_string()));
        }
    };
    for f in index.of_kind(FileKind::Requirements) {
        let Some(source) = f.source() else { continue };
        for line in source.text.lines() {
            if let Some(m) = requirement_major(line) {
                consider(m, f.path.as_str());
            }
        }
    }
    for f in index.of_kind(FileKind::PyProject) {
        let Some(source) = f.source() else { continue };
        let Ok(doc) = source.text.parse::<toml::Table>() else {
            continue;
        };
        let deps = doc
            .get("project")
            .and_then(|p| p.get("dependencies"))
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str());
        for dep in deps {
            if let Some(m) = requirement_major(dep) {
                consider(m, f.path.as_str());
            }
        }
        if let Some(spec) = doc
            .get("tool")
            .and_then(|t| t.get("poetry"))
            .and_then(|p| p.get("dependencies"))
            .and_then(|d| d.get("django").or_else(|| d.get("Django")))
            .and_then(|v| {
                v.as_str()
                    .or_else(|| v.get("version").and_then(|x| x.as_str()))
            })
            && let Some(m) = lower_bound_major(spec)
        {
            consider(m, f.path.as_str());
        }
    }
    found
}

/// `Django>=4.2,<5` -> 4; other packages -> None.
pub fn requirement_major(line: &str) -> Option<u32> {
    let line = line.split('#').next()?.split(';').next()?.trim();
    if line.starts_with('-') {
        return None;
    }
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(name_end);
    if !name.eq_ignore_ascii_case("django") {
        return None;
    }
    let rest = rest.trim_start();
    let rest = if rest.starts_with('[') {
        rest.split_once(']').map_or("", |(_, r)| r)
    } else {
        rest
    };
    lower_bound_major(rest)
}

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
        assert_eq!(requirement_major("Django==4.2.7  # LTS"), Some(4));
        assert_eq!(requirement_major("django>=3.2,<4.0"), Some(3));
        assert_eq!(
            requirement_major("Django[argon2]~=5.0 ; python_version >= '3.10'"),
            Some(5)
        );
        assert_eq!(requirement_major("django-environ==0.11"), None);
        assert_eq!(requirement_major("-r base.txt"), None);
        assert_eq!(requirement_major("Django"), None);
        assert_eq!(lower_bound_major("^4.2"), Some(4));
        assert_eq!(lower_bound_major("<5"), None);
    }
}
