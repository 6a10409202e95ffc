//! Paths relative to the scan root, always with `/` separators, and the few operations
//! every layer needs on them (join, normalise, parent, strip a directory). These are
//! plain string operations on `/`-separated paths that never touch the disk; the
//! `relative-path` crate does the same but would be one more type to convert at every
//! boundary for four functions.

use std::fmt;

/// A path relative to the scan root, always with `/` separators.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelPath(String);

impl RelPath {
    pub fn new(path: impl Into<String>) -> Self {
        let mut path: String = path.into();
        if path.contains('\\') {
            path = path.replace('\\', "/");
        }
        if path.starts_with("./") {
            path = path.trim_start_matches("./").to_string();
        }
        Self(path)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The final component.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The parent directory ("" at the root).
    pub fn parent(&self) -> &str {
        self.0.rsplit_once('/').map_or("", |(p, _)| p)
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `name` inside `dir` ("" is the root); an absolute `name` stays as it is.
pub fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') || dir.is_empty() {
        name.to_string()
    } else if name.is_empty() {
        dir.to_string()
    } else {
        format!("{}/{name}", dir.trim_end_matches('/'))
    }
}

/// Resolves `.`, `..` and repeated or trailing separators; the result has no leading
/// `/` (`..` past the root stays at the root, as in a container or a build context).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The parent directory of a `/`-separated path ("" at the root).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

/// `target` relative to `dir` when it lies inside it ("" for `dir` itself).
pub fn strip_dir<'a>(target: &'a str, dir: &str) -> Option<&'a str> {
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        return Some(target.trim_start_matches('/'));
    }
    let rest = target.strip_prefix(dir)?;
    if rest.is_empty() {
        return Some("");
    }
    rest.strip_prefix('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_path_normalises_separators() {
        let p = RelPath::new("./deploy\\docker-compose.yml");
        assert_eq!(p.as_str(), "deploy/docker-compose.yml");
        assert_eq!(p.file_name(), "docker-compose.yml");
        assert_eq!(p.parent(), "deploy");
    }

    #[test]
    fn join_normalize_parent_strip() {
        assert_eq!(join("", "a.py"), "a.py");
        assert_eq!(join("app/", "a.py"), "app/a.py");
        assert_eq!(join("app", "/abs"), "/abs");
        assert_eq!(normalize("./a//b/../c/"), "a/c");
        assert_eq!(normalize("../../x"), "x");
        assert_eq!(parent("a/b/c.py"), "a/b");
        assert_eq!(parent("c.py"), "");
        assert_eq!(strip_dir("/app/src/x", "/app"), Some("src/x"));
        assert_eq!(strip_dir("/app", "/app/"), Some(""));
        assert_eq!(strip_dir("/application", "/app"), None);
    }
}
