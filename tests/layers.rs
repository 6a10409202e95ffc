//! The layering of `src/` (docs/ARCHITECTURE.md), held by a test in the spirit of
//! ArchUnit: a module may import only from layers below its own. Each `crate::X` path in
//! a file's non-test code is checked against the layer table; a violation names the file,
//! the line and the two layers.

#![allow(clippy::string_slice)] // test code: slices of text it checks

use std::path::{Path, PathBuf};

/// Layers from the bottom up. Modules on one row may not import each other.
const LAYERS: &[&[&str]] = &[
    &["core"],
    &["syntax", "input"],
    &["cache"],
    &["index"],
    &["model"],
    &["lint"],
    &["rules"],
    &["config"],
    &["engine"],
    &["render"],
    &["cli"],
];

/// Macros exported at the crate root, with the layer that defines them.
const ROOT_MACROS: &[(&str, &str)] = &[("declare_rule", "lint")];

fn layer_of(name: &str) -> &str {
    ROOT_MACROS
        .iter()
        .find(|(m, _)| *m == name)
        .map_or(name, |(_, layer)| layer)
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/model/odoo/mod.rs` -> `model`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// The code of a file with its `#[cfg(test)]` modules blanked out (tests may use what
/// they test from above: a selector test names a rule). Line numbers are kept; a test
/// module ends where its braces balance.
fn non_test_code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    let mut depth: i64 = 0;
    let mut in_test = false;
    while let Some(line) = lines.next() {
        if !in_test
            && line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            in_test = true;
            depth = 0;
        }
        if in_test {
            depth += line.matches('{').count() as i64 - line.matches('}').count() as i64;
            if depth <= 0 && line.contains('}') {
                in_test = false;
            }
            out.push('\n');
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every `(line, module)` a text imports with `crate::module` or `$crate::module`.
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push((n + 1, name));
            }
            rest = after;
        }
        assert!(
            !code.contains("crate::{"),
            "line {}: import each layer with its own `use crate::layer::...` line",
            n + 1
        );
    }
    found
}

/// The violations in `src`: (file, line, from module, to module).
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rs_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let Some(from) = module_of(src, &file) else {
            continue;
        };
        let Some(from_rank) = rank(&from) else {
            // lib.rs and main.rs sit above every layer.
            assert!(
                from == "lib" || from == "main",
                "{} is in no layer: add `{from}` to LAYERS in tests/layers.rs",
                file.display()
            );
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (line, to) in imports(&non_test_code(&text)) {
            let to = layer_of(&to).to_string();
            let Some(to_rank) = rank(&to) else {
                out.push(format!("{}:{line}: `{to}` is in no layer", file.display()));
                continue;
            };
            if to != from && to_rank >= from_rank {
                out.push(format!(
                    "{}:{line}: `{from}` imports `{to}`, which is not below it",
                    file.display()
                ));
            }
        }
    }
    out
}

#[test]
fn imports_only_go_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(found.is_empty(), "upward imports:\n{}", found.join("\n"));
}

/// The check itself fails on an upward import (a model importing a rule), and accepts
/// downward ones and upward ones inside test modules.
#[test]
fn an_upward_import_is_caught() {
    let dir = tempfile::TempDir::new().unwrap_or_else(|e| panic!("{e}"));
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("model")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        src.join("model/odoo.rs"),
        "use crate::core::source::Span;\nuse crate::rules::security::X;\n\
         #[cfg(test)]\nmod tests {\n    use crate::engine::check;\n    fn f() { if x { } }\n}\n\
         fn after_tests() -> crate::lint::rule::RuleMeta {}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let found = violations(&src);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].ends_with("odoo.rs:2: `model` imports `rules`, which is not below it"),
        "{found:?}"
    );
    // Code after a test module is still checked.
    assert!(
        found[1].ends_with("odoo.rs:8: `model` imports `lint`, which is not below it"),
        "{found:?}"
    );
}
