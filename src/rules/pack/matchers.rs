//! The closed set of pack matchers, each over a parser the crate already has: regexes
//! (the `regex` crate: linear time whatever the input) over text; Dockerfile
//! instructions from `syntax::dockerfile`; key paths over YAML and TOML trees
//! (`syntax::yaml`, `syntax::toml`); calls resolved through imports from
//! `syntax::python`; JavaScript/TypeScript calls from `syntax::js`; and file trees for
//! required and forbidden paths (`model::required_files`, the one checker for
//! `[[security.required-file]]` entries and pack rules alike).
//!
//! Where a matcher cannot know (an options object built elsewhere, `**kwargs`, a URL in
//! a variable), it does not report: a pack rule is as precise as a built-in one.

use super::{PackErrors, RuleSpec};
use crate::core::error::ToolError;
use crate::core::kind::FileKind;
use crate::core::path::RelPath;
use crate::core::source::Span;
use crate::index::FileEntry;
use crate::model::required_files::{CompiledEntry, RequiredFileEntry};
use crate::syntax::js::{JsValue, JsValueKind};
use crate::syntax::yaml::{YamlNode, YamlValue};
use globset::GlobSet;
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use toml::Spanned;

/// `[rule.pattern]`: a regex over the text of the files the rule reads.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PatternSpec {
    pub regex: Spanned<String>,
    /// A regex that, found in the same scope, means the match is fine.
    pub unless: Option<Spanned<String>>,
    /// Where `unless` is looked for: the whole `file` (default) or the matched `line`s.
    pub unless_scope: Option<Scope>,
    /// Files containing none of these strings are skipped before the regex runs.
    pub keywords: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    File,
    Line,
}

/// `[rule.dockerfile-instruction]`: an instruction whose arguments match.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DockerSpec {
    /// `RUN`, `ADD`, `USER`, ... (any case).
    pub instruction: Spanned<String>,
    /// A regex over the instruction's arguments (flags excluded); any when absent.
    pub regex: Option<Spanned<String>>,
    /// Arguments matching this are fine.
    pub unless: Option<Spanned<String>>,
    /// `all` stages (default) or the `final` one (what `docker build` ships by default).
    pub stage: Option<StageSelect>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum StageSelect {
    All,
    Final,
}

/// `[rule.yaml-key]` / `[rule.toml-key]`: a key path, `*` for any key or item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KeySpec {
    /// Dotted: `services.*.privileged`.
    pub path: Spanned<String>,
    /// A regex over the scalar value. With `when = "present"`: only matching values are
    /// reported; with `"missing"`: a value that does not match is reported too.
    pub value: Option<Spanned<String>>,
    /// Report the key where it is `present` (default) or where it is `missing` (under
    /// every match of its parent path).
    pub when: Option<When>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    Present,
    Missing,
}

/// `[rule.python-call]`: calls of a dotted name resolved through imports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PyCallSpec {
    /// `requests.get`, `requests.*` (`*`: any one name).
    pub calls: Spanned<Vec<String>>,
    /// Report only calls that do not pass this keyword (and have no `**mapping`).
    pub without_keyword: Option<String>,
    /// Report only calls that pass this keyword.
    pub with_keyword: Option<String>,
}

/// `[rule.js-call]`: JavaScript/TypeScript calls, their URL and their headers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct JsCallSpec {
    /// `fetch`, `axios.*`, `api.get`, `api().get` (a method of what `api(...)` returns);
    /// `*`: any one name.
    pub callees: Spanned<Vec<String>>,
    /// Report only calls without this argument (0-based; absent, `null` or
    /// `undefined`). For a callee through a call (`api().get`), the argument of that
    /// call: `api().get(...)` without the token `api(token)` takes.
    pub without_argument: Option<usize>,
    /// A regex over the URL argument (a string, template literal or concatenation;
    /// unknown parts read `${}`). Calls whose URL is not written out are not reported.
    pub url: Option<Spanned<String>>,
    /// Which argument is the URL (0-based; default 0).
    pub url_argument: Option<usize>,
    /// Report only calls whose options (object arguments after the URL) have no
    /// `headers` entry with this header (any case). Options that are not written out
    /// (a variable, a `...spread`) may carry it: not reported.
    pub without_header: Option<String>,
}

/// `[rule.required-file]`: directories that must contain a file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RequiredSpec {
    /// A glob of directories; `.` is the root.
    pub directories: String,
    /// Only directories containing this file.
    pub when: Option<String>,
    /// One of these must exist in the directory.
    pub require: Vec<String>,
}

/// `[rule.forbidden-path]`: files that must not exist.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ForbiddenSpec {
    pub paths: Vec<Spanned<String>>,
}

/// A match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// For tree matchers: the path the finding is about.
    pub path: Option<RelPath>,
    pub span: Option<Span>,
    /// What matched, for `{match}` in the message.
    pub text: String,
    pub label: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Toml,
}

#[derive(Debug)]
pub enum Matcher {
    Pattern {
        regex: Regex,
        unless: Option<Regex>,
        scope: Scope,
        keywords: Vec<String>,
    },
    Docker {
        instruction: String,
        regex: Option<Regex>,
        unless: Option<Regex>,
        stage: StageSelect,
    },
    Key {
        format: Format,
        path: Vec<String>,
        value: Option<Regex>,
        when: When,
    },
    PyCall {
        calls: Vec<Vec<String>>,
        without_keyword: Option<String>,
        with_keyword: Option<String>,
    },
    JsCall {
        callees: Vec<Vec<String>>,
        without_argument: Option<usize>,
        url: Option<Regex>,
        url_argument: usize,
        without_header: Option<String>,
    },
    Required(Box<CompiledEntry>),
    Forbidden(GlobSet),
}

fn regex(errs: &PackErrors<'_>, r: &Spanned<String>) -> Result<Regex, ToolError> {
    RegexBuilder::new(r.get_ref())
        .size_limit(4 * 1024 * 1024)
        .build()
        .map_err(|e| {
            errs.error(
                r.span(),
                format!(
                    "invalid regex: {}",
                    e.to_string().lines().last().unwrap_or("")
                ),
                "invalid regex",
                Some("the `regex` crate's syntax: no look-around or backreferences".into()),
            )
        })
}

fn opt_regex(
    errs: &PackErrors<'_>,
    r: &Option<Spanned<String>>,
) -> Result<Option<Regex>, ToolError> {
    r.as_ref().map(|r| regex(errs, r)).transpose()
}

fn names(
    errs: &PackErrors<'_>,
    list: &Spanned<Vec<String>>,
) -> Result<Vec<Vec<String>>, ToolError> {
    if list.get_ref().is_empty()
        || list
            .get_ref()
            .iter()
            .any(|n| n.split('.').any(str::is_empty))
    {
        return Err(errs.error(
            list.span(),
            "give dotted names: `fetch`, `axios.*`, `requests.get`",
            "names",
            None,
        ));
    }
    Ok(list
        .get_ref()
        .iter()
        .map(|n| n.split('.').map(str::to_string).collect())
        .collect())
}

/// Whether the dotted `name` matches one of `patterns` (`*`: any one name).
fn name_matches(patterns: &[Vec<String>], name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let parts: Vec<&str> = name.split('.').collect();
    patterns
        .iter()
        .any(|p| p.len() == parts.len() && p.iter().zip(&parts).all(|(a, b)| a == "*" || a == b))
}

impl Matcher {
    pub fn compile(errs: &PackErrors<'_>, spec: &RuleSpec) -> Result<Self, ToolError> {
        if let Some(p) = &spec.pattern {
            let p = p.get_ref();
            return Ok(Matcher::Pattern {
                regex: regex(errs, &p.regex)?,
                unless: opt_regex(errs, &p.unless)?,
                scope: p.unless_scope.unwrap_or(Scope::File),
                keywords: p.keywords.clone().unwrap_or_default(),
            });
        }
        if let Some(d) = &spec.dockerfile_instruction {
            let d = d.get_ref();
            let instruction = d.instruction.get_ref().trim().to_ascii_uppercase();
            const KNOWN: &[&str] = &[
                "ADD",
                "ARG",
                "CMD",
                "COPY",
                "ENTRYPOINT",
                "ENV",
                "EXPOSE",
                "FROM",
                "HEALTHCHECK",
                "LABEL",
                "MAINTAINER",
                "ONBUILD",
                "RUN",
                "SHELL",
                "STOPSIGNAL",
                "USER",
                "VOLUME",
                "WORKDIR",
            ];
            if !KNOWN.contains(&instruction.as_str()) {
                return Err(errs.error(
                    d.instruction.span(),
                    format!(
                        "`{}` is not a Dockerfile instruction",
                        d.instruction.get_ref()
                    ),
                    "instruction",
                    Some(format!("one of {}", KNOWN.join(", "))),
                ));
            }
            return Ok(Matcher::Docker {
                instruction,
                regex: opt_regex(errs, &d.regex)?,
                unless: opt_regex(errs, &d.unless)?,
                stage: d.stage.unwrap_or(StageSelect::All),
            });
        }
        for (spec, format) in [
            (&spec.yaml_key, Format::Yaml),
            (&spec.toml_key, Format::Toml),
        ] {
            if let Some(k) = spec {
                let k = k.get_ref();
                let path: Vec<String> = k.path.get_ref().split('.').map(str::to_string).collect();
                if path.iter().any(String::is_empty) {
                    return Err(errs.error(
                        k.path.span(),
                        "a key path is dotted keys, `*` for any: `services.*.privileged`",
                        "path",
                        None,
                    ));
                }
                return Ok(Matcher::Key {
                    format,
                    path,
                    value: opt_regex(errs, &k.value)?,
                    when: k.when.unwrap_or(When::Present),
                });
            }
        }
        if let Some(c) = &spec.python_call {
            let c = c.get_ref();
            return Ok(Matcher::PyCall {
                calls: names(errs, &c.calls)?,
                without_keyword: c.without_keyword.clone(),
                with_keyword: c.with_keyword.clone(),
            });
        }
        if let Some(c) = &spec.js_call {
            let c = c.get_ref();
            return Ok(Matcher::JsCall {
                callees: names(errs, &c.callees)?,
                without_argument: c.without_argument,
                url: opt_regex(errs, &c.url)?,
                url_argument: c.url_argument.unwrap_or(0),
                without_header: c.without_header.clone(),
            });
        }
        if let Some(r) = &spec.required_file {
            let span = r.span();
            let r = r.get_ref();
            let entry = RequiredFileEntry {
                id: spec.code.get_ref().clone(),
                directories: r.directories.clone(),
                when: r.when.clone(),
                require: r.require.clone(),
                message: spec.note.clone(),
                severity: None,
                should_match: Vec::new(),
                should_not_match: Vec::new(),
            };
            return CompiledEntry::compile(entry)
                .map(|c| Matcher::Required(Box::new(c)))
                .map_err(|e| errs.error(span, e, "required-file", None));
        }
        if let Some(f) = &spec.forbidden_path {
            let span = f.span();
            let f = f.get_ref();
            if f.paths.is_empty() {
                return Err(errs.error(span, "`paths` is empty", "paths", None));
            }
            return super::globset(errs, &f.paths, "paths").map(Matcher::Forbidden);
        }
        Err(errs.error(0..0, "no matcher", "here", None))
    }

    /// Whether the matcher reads the tree's paths (a project check) rather than files.
    pub fn is_tree(&self) -> bool {
        matches!(self, Matcher::Required(_) | Matcher::Forbidden(_))
    }

    /// The kinds the matcher reads when the rule names neither files nor kinds.
    pub fn default_kinds(&self) -> &'static [FileKind] {
        match self {
            Matcher::Pattern { .. } | Matcher::Required(_) | Matcher::Forbidden(_) => &[],
            Matcher::Docker { .. } => &[FileKind::Dockerfile],
            Matcher::Key {
                format: Format::Yaml,
                ..
            } => &[FileKind::Compose, FileKind::GithubWorkflow, FileKind::Yaml],
            Matcher::Key {
                format: Format::Toml,
                ..
            } => &[FileKind::Toml, FileKind::PyProject],
            Matcher::PyCall { .. } => &[
                FileKind::Python,
                FileKind::DjangoMigration,
                FileKind::DjangoSettings,
                FileKind::OdooManifest,
            ],
            Matcher::JsCall { .. } => &[FileKind::JavaScript, FileKind::TypeScript],
        }
    }

    /// The matches in one file.
    pub fn check_file(&self, file: &FileEntry) -> Vec<Hit> {
        let mut out = Vec::new();
        match self {
            Matcher::Pattern {
                regex,
                unless,
                scope,
                keywords,
            } => {
                let Some(source) = file.source() else {
                    return out;
                };
                let text = source.text.as_str();
                if !keywords.is_empty() && !keywords.iter().any(|k| text.contains(k.as_str())) {
                    return out;
                }
                if *scope == Scope::File && unless.as_ref().is_some_and(|u| u.is_match(text)) {
                    return out;
                }
                for m in regex.find_iter(text) {
                    if m.is_empty() {
                        continue;
                    }
                    if *scope == Scope::Line
                        && let Some(u) = unless
                    {
                        let start = text
                            .get(..m.start())
                            .and_then(|t| t.rfind('\n'))
                            .map_or(0, |i| i + 1);
                        let end = text
                            .get(m.end()..)
                            .and_then(|t| t.find('\n'))
                            .map_or(text.len(), |i| m.end() + i);
                        if text.get(start..end).is_some_and(|l| u.is_match(l)) {
                            continue;
                        }
                    }
                    out.push(Hit {
                        path: None,
                        span: Some(Span::new(m.start(), m.end())),
                        text: m.as_str().to_string(),
                        label: None,
                    });
                }
            }
            Matcher::Docker {
                instruction,
                regex,
                unless,
                stage,
            } => {
                let Some(df) = file.dockerfile() else {
                    return out;
                };
                let selected: Vec<usize> = match stage {
                    StageSelect::All => (0..df.instructions.len()).collect(),
                    StageSelect::Final => df.stages.last().map_or_else(Vec::new, |s| {
                        std::iter::once(s.from)
                            .chain(s.instructions.iter().copied())
                            .collect()
                    }),
                };
                for i in selected {
                    let Some(ins) = df.instructions.get(i) else {
                        continue;
                    };
                    if !ins.keyword.eq_ignore_ascii_case(instruction) {
                        continue;
                    }
                    let args = ins.text();
                    if unless.as_ref().is_some_and(|u| u.is_match(&args)) {
                        continue;
                    }
                    let (span, text) = match regex {
                        None => (ins.span, args.clone()),
                        Some(r) => {
                            let Some(m) = r.find(&args) else { continue };
                            let span = match &ins.args {
                                crate::syntax::dockerfile::Args::Shell(_) => {
                                    ins.text_span(m.start(), m.end())
                                }
                                crate::syntax::dockerfile::Args::Json(_) => ins.span,
                            };
                            (span, m.as_str().to_string())
                        }
                    };
                    out.push(Hit {
                        path: None,
                        span: Some(span),
                        text,
                        label: None,
                    });
                }
            }
            Matcher::Key {
                format,
                path,
                value,
                when,
            } => {
                let docs: Vec<&YamlNode> = match format {
                    Format::Yaml => file
                        .yaml()
                        .map(|y| y.documents.iter().collect())
                        .unwrap_or_default(),
                    Format::Toml => file.toml().into_iter().collect(),
                };
                for doc in docs {
                    key_hits(doc, path, value.as_ref(), *when, &mut out);
                }
            }
            Matcher::PyCall {
                calls,
                without_keyword,
                with_keyword,
            } => {
                for call in file.python_calls().unwrap_or_default() {
                    if !name_matches(calls, &call.callee) {
                        continue;
                    }
                    if let Some(k) = without_keyword
                        && (call.keyword_spread || call.keywords.iter().any(|x| x == k))
                    {
                        continue;
                    }
                    if let Some(k) = with_keyword
                        && !call.keywords.iter().any(|x| x == k)
                    {
                        continue;
                    }
                    out.push(Hit {
                        path: None,
                        span: Some(call.callee_span),
                        text: call.callee.clone(),
                        label: without_keyword.as_ref().map(|k| format!("no `{k}=`")),
                    });
                }
            }
            Matcher::JsCall {
                callees,
                without_argument,
                url,
                url_argument,
                without_header,
            } => {
                let Some(js) = file.js() else { return out };
                for call in &js.calls {
                    if !name_matches(callees, &call.callee) {
                        continue;
                    }
                    if let Some(index) = without_argument {
                        let args = call.receiver_args.as_ref().unwrap_or(&call.args);
                        let missing = args
                            .get(*index)
                            .is_none_or(|a| a.kind == JsValueKind::Nullish);
                        if !missing {
                            continue;
                        }
                    }
                    let url_text = call.args.get(*url_argument).and_then(JsValue::text);
                    if let Some(r) = url {
                        match url_text {
                            Some(t) if r.is_match(t) => {}
                            _ => continue,
                        }
                    }
                    if let Some(header) = without_header
                        && !lacks_header(call.args.get(url_argument + 1..).unwrap_or(&[]), header)
                    {
                        continue;
                    }
                    out.push(Hit {
                        path: None,
                        span: Some(call.callee_span),
                        text: call.callee.clone(),
                        label: match (without_header, without_argument) {
                            (Some(h), _) => Some(format!("no `{h}` header")),
                            (None, Some(i)) => Some(format!("no argument {}", i + 1)),
                            (None, None) => None,
                        },
                    });
                }
            }
            Matcher::Required(_) | Matcher::Forbidden(_) => {}
        }
        out
    }

    /// The matches in a tree, given every file path.
    pub fn check_tree(&self, paths: &[&str]) -> Vec<Hit> {
        match self {
            Matcher::Required(entry) => entry
                .violations(paths.iter().copied())
                .into_iter()
                .map(|dir| {
                    let first = entry
                        .entry
                        .require
                        .first()
                        .map(String::as_str)
                        .unwrap_or("");
                    let path = crate::core::path::join(&dir, first);
                    Hit {
                        path: Some(RelPath::new(path.clone())),
                        span: None,
                        text: path,
                        label: None,
                    }
                })
                .collect(),
            Matcher::Forbidden(globs) => paths
                .iter()
                .filter(|p| globs.is_match(p))
                .map(|p| Hit {
                    path: Some(RelPath::new(p.to_string())),
                    span: None,
                    text: p.to_string(),
                    label: None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Whether calls with these option arguments certainly send no `header`: every
/// argument is an object literal written out, and none has it under `headers`.
fn lacks_header(options: &[JsValue], header: &str) -> bool {
    for arg in options {
        let JsValueKind::Object { props, spread } = &arg.kind else {
            // A variable or a call: it may carry the header.
            return false;
        };
        if *spread {
            return false;
        }
        for prop in props.iter().filter(|p| p.key == "headers") {
            let JsValueKind::Object {
                props: headers,
                spread,
            } = &prop.value.kind
            else {
                // `headers: authHeaders()`: unknown.
                return false;
            };
            if *spread || headers.iter().any(|h| h.key.eq_ignore_ascii_case(header)) {
                return false;
            }
        }
    }
    true
}

/// The scalar text of a value, for `value` regexes.
fn scalar(node: &YamlNode) -> Option<String> {
    match &node.value {
        YamlValue::Null => Some(String::new()),
        _ => node.as_scalar_text(),
    }
}

/// Children of a node under one path segment: `(key span, child, key text)`.
fn children<'a>(node: &'a YamlNode, segment: &str) -> Vec<(Span, &'a YamlNode, String)> {
    match &node.value {
        YamlValue::Map(entries) => entries
            .iter()
            .filter_map(|(k, v)| {
                let key = k.as_scalar_text()?;
                (segment == "*" || key == segment).then_some((k.span, v, key))
            })
            .collect(),
        YamlValue::Seq(items) if segment == "*" => items
            .iter()
            .enumerate()
            .map(|(i, v)| (v.span, v, i.to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

fn key_hits(
    doc: &YamlNode,
    path: &[String],
    value: Option<&Regex>,
    when: When,
    out: &mut Vec<Hit>,
) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    // (span of the node's key, node, dotted path so far)
    let mut level: Vec<(Option<Span>, &YamlNode, String)> = vec![(None, doc, String::new())];
    for segment in parents {
        let mut next = Vec::new();
        for (_, node, so_far) in &level {
            for (span, child, key) in children(node, segment) {
                let dotted = if so_far.is_empty() {
                    key
                } else {
                    format!("{so_far}.{key}")
                };
                next.push((Some(span), child, dotted));
            }
        }
        level = next;
    }
    for (parent_span, node, so_far) in level {
        let found = children(node, last);
        let join = |key: &str| {
            if so_far.is_empty() {
                key.to_string()
            } else {
                format!("{so_far}.{key}")
            }
        };
        match when {
            When::Present => {
                for (span, child, key) in found {
                    let matched = match value {
                        None => true,
                        Some(r) => match child.as_seq() {
                            Some(items) => items.iter().filter_map(scalar).any(|s| r.is_match(&s)),
                            None => scalar(child).is_some_and(|s| r.is_match(&s)),
                        },
                    };
                    if matched {
                        out.push(Hit {
                            path: None,
                            span: Some(span),
                            text: join(&key),
                            label: None,
                        });
                    }
                }
            }
            When::Missing => {
                if !matches!(node.value, YamlValue::Map(_)) {
                    continue;
                }
                if found.is_empty() && last != "*" {
                    out.push(Hit {
                        path: None,
                        span: parent_span,
                        text: join(last),
                        label: Some(format!("no `{last}` here")),
                    });
                    continue;
                }
                if let Some(r) = value {
                    for (span, child, key) in found {
                        if !scalar(child).is_some_and(|s| r.is_match(&s)) {
                            out.push(Hit {
                                path: None,
                                span: Some(if child.span.end > child.span.start {
                                    child.span
                                } else {
                                    span
                                }),
                                text: join(&key),
                                label: Some("this value".into()),
                            });
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_by_segment() {
        let p = vec![
            vec!["axios".to_string(), "*".to_string()],
            vec!["fetch".to_string()],
        ];
        assert!(name_matches(&p, "axios.get"));
        assert!(name_matches(&p, "fetch"));
        assert!(!name_matches(&p, "axios"));
        assert!(!name_matches(&p, "axios.create.get"));
        assert!(!name_matches(&p, ""));
    }
}
