//! Rule packs: rules a team states in TOML (`packs = ["ci/guardrail-rules/*.toml"]` in
//! guardrail.toml) and that run like built-in ones: a code and slug in the registry, a
//! severity, a message at an exact span with a note and a help, a doc for `explain` and
//! SARIF, inline suppressions, select/ignore, severities and the baseline.
//!
//! A pack is read with `deny_unknown_fields` and spans, so every mistake (an unknown
//! key, a duplicate code, a bad regex or glob, a matcher field that does not exist, an
//! example that fails) is a miette report pointing into the TOML and exit code 2.
//! The matchers are a small closed set implemented over the parsers the crate already
//! has ([`matchers`]); a rule's `[[rule.tests]]` examples run at load time of
//! `guardrail rules test` and in the test suite ([`examples`]).
//!
//! Pack rules live for the whole process: their metadata is leaked once at load, so a
//! pack rule is a `&'static dyn Rule` like a built-in one (a CLI loads its packs once).

pub mod examples;
pub mod matchers;
pub mod new;

use crate::core::error::ToolError;
use crate::core::kind::FileKind;
use crate::core::path::RelPath;
use crate::core::severity::Severity;
use crate::index::FileEntry;
use crate::lint::diagnostic::Diagnostic;
use crate::lint::rule::{FileContext, ProjectContext, Rule, RuleMeta, RuleMetadata};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use matchers::{Hit, Matcher};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// A pack file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    pub pack: Spanned<PackHeader>,
    #[serde(default)]
    pub rule: Vec<Spanned<RuleSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackHeader {
    pub name: String,
    pub description: Option<String>,
}

/// One `[[rule]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleSpec {
    pub code: Spanned<String>,
    pub slug: Spanned<String>,
    pub severity: Severity,
    pub summary: Spanned<String>,
    /// The finding's message; `{match}` is replaced by what matched.
    pub message: String,
    /// What breaks in production.
    pub note: String,
    /// What to do.
    pub help: String,
    /// Markdown with `## What it does`, `## Why it breaks production`, `## Example`.
    pub doc: Spanned<String>,
    /// Globs (gitignore style, `*` stops at `/`) of the files the rule reads.
    pub files: Option<Vec<Spanned<String>>>,
    /// File kinds the rule reads (`python`, `dockerfile`, `compose`, `typescript`, ...).
    pub kinds: Option<Spanned<Vec<FileKind>>>,
    /// Globs of files never read.
    pub exclude: Option<Vec<Spanned<String>>>,
    pub pattern: Option<Spanned<matchers::PatternSpec>>,
    pub dockerfile_instruction: Option<Spanned<matchers::DockerSpec>>,
    pub yaml_key: Option<Spanned<matchers::KeySpec>>,
    pub toml_key: Option<Spanned<matchers::KeySpec>>,
    pub python_call: Option<Spanned<matchers::PyCallSpec>>,
    pub js_call: Option<Spanned<matchers::JsCallSpec>>,
    pub required_file: Option<Spanned<matchers::RequiredSpec>>,
    pub forbidden_path: Option<Spanned<matchers::ForbiddenSpec>>,
    #[serde(default)]
    pub tests: Vec<Spanned<examples::TestSpec>>,
}

/// A loaded pack: its text (for reports into it) and its compiled rules.
pub struct Pack {
    pub display: String,
    pub text: String,
    pub name: String,
    pub rules: Vec<&'static PackRule>,
}

impl std::fmt::Debug for Pack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pack")
            .field("display", &self.display)
            .field("rules", &self.rules.len())
            .finish_non_exhaustive()
    }
}

/// Which files a rule reads.
#[derive(Debug)]
pub struct FileFilter {
    files: Option<GlobSet>,
    kinds: Vec<FileKind>,
    exclude: Option<GlobSet>,
}

impl FileFilter {
    pub fn applies(&self, path: &str, kind: FileKind) -> bool {
        if self.exclude.as_ref().is_some_and(|e| e.is_match(path)) {
            return false;
        }
        match &self.files {
            Some(globs) => {
                globs.is_match(path) && (self.kinds.is_empty() || self.kinds.contains(&kind))
            }
            None => self.kinds.contains(&kind),
        }
    }
}

/// The most findings one pack rule reports in one file.
pub const MAX_HITS_PER_FILE: usize = 1000;

/// A compiled pack rule.
#[derive(Debug)]
pub struct PackRule {
    pub meta: &'static RuleMeta,
    pub filter: FileFilter,
    pub matcher: Matcher,
    pub message: String,
    pub note: String,
    pub help: String,
    /// The examples, with their spans in the pack.
    pub tests: Vec<Spanned<examples::TestSpec>>,
    /// Where the rule is in its pack (for example failures).
    pub span: Range<usize>,
}

impl RuleMetadata for PackRule {
    fn meta(&self) -> &'static RuleMeta {
        self.meta
    }
}

impl PackRule {
    fn diagnostic(&self, path: &RelPath, hit: Hit) -> Diagnostic {
        let shown: String = hit
            .text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(80)
            .collect();
        let mut d = Diagnostic::new(
            self.meta,
            path.clone(),
            self.message.replace("{match}", &shown),
        )
        .note(self.note.clone())
        .help(self.help.clone());
        if let Some(span) = hit.span {
            d = d.span(span);
        }
        if let Some(label) = hit.label {
            d = d.label(label);
        }
        d
    }

    /// The findings in one file (whether the rule reads it is the caller's check). A
    /// rule matching more than [`MAX_HITS_PER_FILE`] times in one file (a regex that
    /// matches everything) reports that many, the last one saying how many there were.
    pub fn check_entry(&self, file: &FileEntry, out: &mut Vec<Diagnostic>) {
        let hits = self.matcher.check_file(file);
        let total = hits.len();
        for hit in hits.into_iter().take(MAX_HITS_PER_FILE) {
            let path = hit.path.clone().unwrap_or_else(|| file.path.clone());
            out.push(self.diagnostic(&path, hit));
        }
        if total > MAX_HITS_PER_FILE
            && let Some(last) = out.last_mut()
        {
            let note = format!(
                "{} ({MAX_HITS_PER_FILE} of the {total} matches in this file are reported)",
                last.note.clone().unwrap_or_default()
            );
            last.note = Some(note);
        }
    }
}

impl Rule for PackRule {
    fn check_file(&self, ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        if self.filter.applies(ctx.file.path.as_str(), ctx.file.kind) {
            self.check_entry(ctx.file, out);
        }
    }

    fn check_project(&self, ctx: &ProjectContext<'_>, out: &mut Vec<Diagnostic>) {
        // A single file was checked: absent files may exist.
        if !self.matcher.is_tree() || ctx.index.is_partial() {
            return;
        }
        let paths: Vec<&str> = ctx
            .index
            .files()
            .iter()
            .filter(|f| {
                !self
                    .filter
                    .exclude
                    .as_ref()
                    .is_some_and(|e| e.is_match(f.path.as_str()))
            })
            .map(|f| f.path.as_str())
            .collect();
        for hit in self.matcher.check_tree(&paths) {
            let path = hit.path.clone().unwrap_or_else(|| RelPath::new(""));
            out.push(self.diagnostic(&path, hit));
        }
    }
}

/// A reporter of errors into one pack's text.
pub struct PackErrors<'a> {
    pub display: &'a str,
    pub text: &'a str,
}

impl PackErrors<'_> {
    pub fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        label: &str,
        help: Option<String>,
    ) -> ToolError {
        ToolError::config(self.display, self.text, Some(span), message, label, help)
    }
}

/// Whether `code` is a valid code for a team's pack: the team's own prefix of 2 to 8
/// capital letters (not `GR`, reserved for built-in rules), then 1 to 6 digits.
pub fn valid_user_code(code: &str) -> bool {
    let letters = code.bytes().take_while(u8::is_ascii_uppercase).count();
    let digits = code.len() - letters;
    (2..=8).contains(&letters)
        && (1..=6).contains(&digits)
        && code.bytes().skip(letters).all(|b| b.is_ascii_digit())
        && !code.starts_with("GR")
}

fn valid_slug(slug: &str) -> bool {
    let Some((family, name)) = slug.split_once('/') else {
        return false;
    };
    let part = |s: &str| {
        !s.is_empty()
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    part(family) && part(name)
}

fn globset(
    errs: &PackErrors<'_>,
    globs: &[Spanned<String>],
    what: &str,
) -> Result<GlobSet, ToolError> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        let mut text = g.get_ref().trim_start_matches("./").to_string();
        if text.ends_with('/') {
            text.push_str("**");
        }
        // A glob without a `/` matches at any depth, as in .gitignore.
        if !text.contains('/') {
            text = format!("**/{text}");
        }
        let glob = GlobBuilder::new(&text)
            .literal_separator(true)
            .build()
            .map_err(|e| {
                errs.error(
                    g.span(),
                    format!("invalid {what} glob `{}`: {e}", g.get_ref()),
                    "invalid glob",
                    None,
                )
            })?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|e| errs.error(0..0, format!("invalid {what} globs: {e}"), "here", None))
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Parses and compiles one pack. `taken` holds the codes and slugs already known (the
/// built-in rules and earlier packs): a collision is an error. The pack's examples
/// are not run here: [`examples::run_all`] does (at `check` too, see the config).
pub fn load(
    display: &str,
    text: &str,
    taken: &mut BTreeMap<String, String>,
) -> Result<Pack, ToolError> {
    let errs = PackErrors { display, text };
    let file: PackFile = toml::from_str(text).map_err(|e| {
        errs.error(
            e.span().unwrap_or(0..0),
            format!("invalid rule pack: {}", e.message().trim()),
            "here",
            Some(
                "a pack has a `[pack]` table (name, description) and `[[rule]]` tables; \
                 `guardrail rules new` writes a commented one"
                    .into(),
            ),
        )
    })?;
    let mut rules = Vec::new();
    for spec in file.rule {
        let span = spec.span();
        let spec = spec.into_inner();
        rules.push(&*Box::leak(Box::new(compile(&errs, spec, span, taken)?)));
    }
    Ok(Pack {
        display: display.to_string(),
        text: text.to_string(),
        name: file.pack.into_inner().name,
        rules,
    })
}

fn compile(
    errs: &PackErrors<'_>,
    spec: RuleSpec,
    span: Range<usize>,
    taken: &mut BTreeMap<String, String>,
) -> Result<PackRule, ToolError> {
    let code = spec.code.get_ref().clone();
    if !valid_user_code(&code) {
        return Err(errs.error(
            spec.code.span(),
            format!("`{code}` is not a pack rule code"),
            "invalid code",
            Some(
                "a pack code is the team's own prefix of 2 to 8 capital letters and 1 to 6 digits \
                 (`ACME001`); `GR` is reserved for built-in rules"
                    .into(),
            ),
        ));
    }
    let slug = spec.slug.get_ref().clone();
    if !valid_slug(&slug) {
        return Err(errs.error(
            spec.slug.span(),
            format!("`{slug}` is not a rule slug"),
            "invalid slug",
            Some("a slug is `family/rule-name` in lowercase kebab-case (`frontend/fetch-without-auth`)".into()),
        ));
    }
    for (key, span) in [(&code, spec.code.span()), (&slug, spec.slug.span())] {
        if let Some(owner) = taken.get(key) {
            return Err(errs.error(
                span,
                format!("`{key}` is already taken by {owner}"),
                "duplicate",
                Some("codes and slugs are unique across built-in rules and every pack".into()),
            ));
        }
    }
    let summary = spec.summary.get_ref().trim().to_string();
    if summary.is_empty() || summary.ends_with('.') {
        return Err(errs.error(
            spec.summary.span(),
            "a summary is one line, not empty, without a final period",
            "summary",
            None,
        ));
    }
    let doc = spec.doc.get_ref();
    for section in ["What it does", "Why it breaks production", "Example"] {
        if !doc.contains(&format!("## {section}")) {
            return Err(errs.error(
                spec.doc.span(),
                format!("the doc has no `## {section}` section"),
                "doc",
                Some(
                    "a rule's doc has `## What it does`, `## Why it breaks production` and \
                     `## Example` (a bad and a good block), as built-in rules do"
                        .into(),
                ),
            ));
        }
    }

    // Exactly one matcher.
    let mut chosen: Vec<(&str, Range<usize>)> = Vec::new();
    macro_rules! seen {
        ($($field:ident => $name:literal),*) => {
            $(if let Some(m) = &spec.$field { chosen.push(($name, m.span())); })*
        };
    }
    seen!(pattern => "pattern", dockerfile_instruction => "dockerfile-instruction",
        yaml_key => "yaml-key", toml_key => "toml-key", python_call => "python-call",
        js_call => "js-call", required_file => "required-file", forbidden_path => "forbidden-path");
    if chosen.len() != 1 {
        let at = chosen.get(1).map_or(spec.code.span(), |c| c.1.clone());
        return Err(errs.error(
            at,
            if chosen.is_empty() {
                format!("rule `{code}` has no matcher")
            } else {
                format!("rule `{code}` has {} matchers; a rule has exactly one", chosen.len())
            },
            "matcher",
            Some(
                "add one table of: [rule.pattern], [rule.dockerfile-instruction], [rule.yaml-key], \
                 [rule.toml-key], [rule.python-call], [rule.js-call], [rule.required-file], \
                 [rule.forbidden-path]"
                    .into(),
            ),
        ));
    }
    let matcher = Matcher::compile(errs, &spec)?;

    let files = match &spec.files {
        Some(globs) if !globs.is_empty() => Some(globset(errs, globs, "files")?),
        _ => None,
    };
    let exclude = match &spec.exclude {
        Some(globs) if !globs.is_empty() => Some(globset(errs, globs, "exclude")?),
        _ => None,
    };
    let given_kinds: Vec<FileKind> = spec
        .kinds
        .as_ref()
        .map(|k| k.get_ref().clone())
        .unwrap_or_default();
    let kinds = if given_kinds.is_empty() {
        matcher.default_kinds().to_vec()
    } else {
        given_kinds.clone()
    };
    if !matcher.is_tree() && files.is_none() && kinds.is_empty() {
        return Err(errs.error(
            chosen.first().map_or(span.clone(), |c| c.1.clone()),
            format!("rule `{code}` does not say which files it reads"),
            "files",
            Some("give `files = [\"src/**/*.py\"]` (globs) or `kinds = [\"python\"]`".into()),
        ));
    }
    let meta_kinds: &'static [FileKind] = if matcher.is_tree() {
        &[]
    } else if files.is_some() {
        if given_kinds.is_empty() {
            FileKind::ALL
        } else {
            Box::leak(given_kinds.clone().into_boxed_slice())
        }
    } else {
        Box::leak(kinds.clone().into_boxed_slice())
    };
    let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
        code: leak(code.clone()),
        slug: leak(slug.clone()),
        severity: spec.severity,
        summary: leak(summary),
        doc: leak(doc.clone()),
        kinds: meta_kinds,
        git_aware: false,
        caused_by_removal_of: &[],
        needs: &[],
    }));
    let owner = format!("rule `{code}` ({slug}) of {}", errs.display);
    taken.insert(code, owner.clone());
    taken.insert(slug, owner);
    Ok(PackRule {
        meta,
        filter: FileFilter {
            files,
            kinds: if files_given(&spec) {
                given_kinds
            } else {
                kinds
            },
            exclude,
        },
        matcher,
        message: spec.message,
        note: spec.note,
        help: spec.help,
        tests: spec.tests,
        span,
    })
}

fn files_given(spec: &RuleSpec) -> bool {
    spec.files.as_ref().is_some_and(|f| !f.is_empty())
}

/// The codes and slugs of `rules`, for collision checks.
pub fn taken_by(rules: &[&'static dyn Rule]) -> BTreeMap<String, String> {
    let mut taken = BTreeMap::new();
    for r in rules {
        let m = r.meta();
        let owner = format!("the built-in rule `{}` ({})", m.code, m.slug);
        taken.insert(m.code.to_string(), owner.clone());
        taken.insert(m.slug.to_string(), owner);
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes() {
        for ok in ["ACME001", "XY1", "TEAMWORK123456"] {
            assert!(valid_user_code(ok), "{ok}");
        }
        for bad in [
            "GR901",
            "A001",
            "ACME",
            "acme001",
            "ACME-01",
            "ACME0000001",
            "ABCDEFGHI1",
        ] {
            assert!(!valid_user_code(bad), "{bad}");
        }
        assert!(valid_slug("frontend/fetch-without-auth"));
        assert!(!valid_slug("Frontend/x") && !valid_slug("x") && !valid_slug("a/-b"));
    }
}
