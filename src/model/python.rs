//! Python module resolution: the one resolver every family uses (Django settings
//! imports, middleware classes, Docker build-time import chains, Odoo `__init__.py`
//! chains). It answers as the interpreter would, from the index alone: a relative
//! import from its package, an absolute one from the source roots that could be on
//! `sys.path` (the folders the caller names, or the importing file's ancestors, nearest
//! first: where `manage.py` or the entry script sits). It never searches the whole tree
//! for a suffix, which is both slow and wrong when two projects share a package name.

use crate::core::path::{join, parent};
use crate::index::Index;

/// The files a module stem may be: `a/b` -> `a/b.py`, `a/b/__init__.py`.
pub fn module_files(stem: &str) -> [String; 2] {
    [format!("{stem}.py"), join(stem, "__init__.py")]
}

/// The stem (`/`-separated, no `.py`) of `from <dots><module> import ...` written in
/// `from_file`: the file's package, up `level - 1` folders, then the module.
pub fn relative_stem(from_file: &str, level: u32, module: Option<&str>) -> String {
    let mut base = parent(from_file);
    for _ in 1..level {
        base = parent(base);
    }
    join(base, &module.unwrap_or("").replace('.', "/"))
}

/// The first of `stem`'s files that the index holds.
pub fn existing(index: &Index, stem: &str) -> Option<String> {
    module_files(stem)
        .into_iter()
        .find(|c| index.get(c).is_some())
}

/// `dir` and every folder above it, nearest first, ending with the root ("").
pub fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(dir);
    std::iter::from_fn(move || {
        let cur = next?;
        next = (!cur.is_empty()).then(|| parent(cur));
        Some(cur)
    })
}

/// The folders an absolute import may resolve from, for code found from `dir`: `dir`
/// and every folder above it, nearest first, each followed by its `src` folder (the
/// src layout, `src/<package>`, installed into the environment).
pub fn source_roots(dir: &str) -> Vec<String> {
    ancestors(dir)
        .flat_map(|a| [a.to_string(), join(a, "src")])
        .collect()
}

/// The file of an absolute dotted module, from the first of `roots` that holds it.
pub fn resolve_in_roots<'r>(
    index: &Index,
    dotted: &str,
    roots: impl IntoIterator<Item = &'r str>,
) -> Option<String> {
    let stem = dotted.replace('.', "/");
    roots
        .into_iter()
        .find_map(|root| existing(index, &join(root, &stem)))
}

/// Many roots to resolve dotted modules in, in order (the folders holding a `manage.py`
/// of a monorepo). The answer is [`resolve_in_roots`]'s: the module's files in the first
/// root that holds one. Only the roots that do hold one are looked at, found from the
/// files named like the module's last part, not by trying each root in turn (2,000
/// services naming settings that resolve nowhere took seconds).
pub struct Roots<'i> {
    order: Vec<&'i str>,
    position: rustc_hash::FxHashMap<&'i str, usize>,
    /// A module's last name -> the files that are such a module (`.../c.py`,
    /// `.../c/__init__.py`).
    by_name: rustc_hash::FxHashMap<&'i str, Vec<&'i str>>,
}

impl<'i> Roots<'i> {
    pub fn new(index: &'i Index, order: Vec<&'i str>) -> Self {
        let mut position = rustc_hash::FxHashMap::default();
        for (i, r) in order.iter().enumerate() {
            position.entry(*r).or_insert(i);
        }
        let mut by_name: rustc_hash::FxHashMap<&'i str, Vec<&'i str>> = Default::default();
        if !order.is_empty() {
            for f in index.files() {
                let path = f.path.as_str();
                let name = match path.strip_suffix("/__init__.py") {
                    Some(package) => package.rsplit('/').next(),
                    None => path
                        .strip_suffix(".py")
                        .map(|m| m.rsplit('/').next().unwrap_or(m)),
                };
                if let Some(name) = name {
                    by_name.entry(name).or_default().push(path);
                }
            }
        }
        Self {
            order,
            position,
            by_name,
        }
    }

    /// The file `dotted` names in the first root holding it.
    pub fn resolve(&self, index: &Index, dotted: &str) -> Option<String> {
        let stem = dotted.replace('.', "/");
        let last = dotted.rsplit('.').next().unwrap_or(dotted);
        let [as_file, as_package] = module_files(&stem);
        let first = self
            .by_name
            .get(last)?
            .iter()
            .filter_map(|path| {
                let root = path
                    .strip_suffix(as_file.as_str())
                    .or_else(|| path.strip_suffix(as_package.as_str()))?;
                let root = match root {
                    "" => "",
                    r => r.strip_suffix('/')?,
                };
                self.position.get(root).copied()
            })
            .min()?;
        existing(index, &join(self.order.get(first)?, &stem))
    }
}

/// The file an import written in `from_file` names, if it is in the tree: relative from
/// the file's package, absolute from the file's ancestor folders.
pub fn resolve_import(
    index: &Index,
    from_file: &str,
    level: u32,
    module: Option<&str>,
) -> Option<String> {
    if level > 0 {
        return existing(index, &relative_stem(from_file, level, module));
    }
    resolve_in_roots(index, module?, ancestors(parent(from_file)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::test_index;

    #[test]
    fn many_roots_answer_as_trying_each_root_in_turn() {
        let (_d, idx) = test_index(&[
            ("a/manage.py", ""),
            ("b/manage.py", ""),
            ("c/manage.py", ""),
            ("b/conf/settings.py", ""),
            ("c/conf/settings.py", ""),
            ("c/conf/__init__.py", ""),
            ("a/pkg/__init__.py", ""),
            ("c/pkg.py", ""),
            ("xb/conf/settings.py", ""),
            ("conf/other.py", ""),
        ]);
        let order = vec!["a", "b", "c", ""];
        let roots = Roots::new(&idx, order.clone());
        for dotted in [
            "conf.settings",
            "conf",
            "pkg",
            "conf.other",
            "missing.settings",
            "settings",
        ] {
            assert_eq!(
                roots.resolve(&idx, dotted),
                resolve_in_roots(&idx, dotted, order.iter().copied()),
                "{dotted}"
            );
        }
        assert_eq!(
            roots.resolve(&idx, "conf.settings").as_deref(),
            Some("b/conf/settings.py")
        );
        assert_eq!(
            roots.resolve(&idx, "pkg").as_deref(),
            Some("a/pkg/__init__.py")
        );
    }

    #[test]
    fn relative_stems_climb_packages() {
        assert_eq!(relative_stem("a/b/c.py", 1, Some("d")), "a/b/d");
        assert_eq!(relative_stem("a/b/c.py", 2, Some("d.e")), "a/d/e");
        assert_eq!(relative_stem("a/b/__init__.py", 1, None), "a/b");
        assert_eq!(relative_stem("c.py", 3, Some("x")), "x");
    }

    #[test]
    fn ancestors_end_at_the_root() {
        assert_eq!(ancestors("a/b").collect::<Vec<_>>(), ["a/b", "a", ""]);
        assert_eq!(ancestors("").collect::<Vec<_>>(), [""]);
        assert_eq!(source_roots("a"), ["a", "a/src", "", "src"]);
    }

    #[test]
    fn absolute_imports_resolve_from_the_nearest_root() {
        let (_d, idx) = test_index(&[
            ("shop/manage.py", ""),
            ("shop/config/settings.py", ""),
            ("shop/customers/__init__.py", ""),
            ("shop/customers/middleware.py", ""),
            ("blog/customers/middleware.py", ""),
        ]);
        assert_eq!(
            resolve_import(
                &idx,
                "shop/config/settings.py",
                0,
                Some("customers.middleware")
            ),
            Some("shop/customers/middleware.py".to_string())
        );
        assert_eq!(
            resolve_import(&idx, "shop/config/settings.py", 0, Some("customers")),
            Some("shop/customers/__init__.py".to_string())
        );
        assert_eq!(
            resolve_import(&idx, "shop/config/settings.py", 1, Some("missing")),
            None
        );
        assert_eq!(
            resolve_in_roots(&idx, "customers.middleware", ["blog"]),
            Some("blog/customers/middleware.py".to_string())
        );
    }
}
