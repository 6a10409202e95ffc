//! Rule selectors, shared by `select`, `ignore`, severity overrides, per-path ignores and
//! inline suppressions: a code (`GR501`, or a pack's `ACME001`), a code prefix (`GR5`,
//! `ACME`), a slug (`compose/obsolete-version-key`), a family (`compose`) or `ALL`.

use crate::lint::rule::{Rule, RuleMeta};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Selector {
    All,
    CodePrefix(String),
    Slug(String),
    Family(String),
}

/// Letters then digits (`GR501`, `gr5`, `ACME001`), or capital letters alone that begin
/// a known code (`ACME`): families are lowercase, so `compose` stays a family.
fn is_code_prefix(t: &str, known: &[&'static dyn Rule]) -> bool {
    let letters = t.bytes().take_while(u8::is_ascii_alphabetic).count();
    let rest = t.get(letters..).unwrap_or("");
    if letters >= 2 && !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    letters >= 2
        && rest.is_empty()
        && t.bytes().all(|b| b.is_ascii_uppercase())
        && known.iter().any(|r| r.meta().code.starts_with(t))
}

impl Selector {
    /// Parses a selector and checks that it names at least one of the `known` rules
    /// (the registry, which sits above this layer and is passed in).
    pub fn parse(text: &str, known: &[&'static dyn Rule]) -> Result<Self, String> {
        let t = text.trim();
        let selector = if t.eq_ignore_ascii_case("all") {
            Selector::All
        } else if is_code_prefix(t, known) {
            Selector::CodePrefix(t.to_ascii_uppercase())
        } else if t.contains('/') {
            Selector::Slug(t.to_string())
        } else {
            Selector::Family(t.to_string())
        };
        if known.iter().any(|r| selector.matches(r.meta())) {
            Ok(selector)
        } else {
            Err(format!(
                "unknown rule selector `{t}`: expected a code (GR501), a code prefix (GR5), \
                 a slug (compose/obsolete-version-key), a family (compose) or ALL; \
                 `guardrail rules` lists them"
            ))
        }
    }

    /// How narrowly the selector names rules; the most specific one wins where
    /// several apply.
    pub fn specificity(&self) -> usize {
        match self {
            Selector::All => 0,
            Selector::Family(_) => 1,
            Selector::CodePrefix(p) => 1 + p.len(),
            Selector::Slug(_) => 100,
        }
    }

    pub fn matches(&self, rule: &RuleMeta) -> bool {
        match self {
            Selector::All => true,
            Selector::CodePrefix(p) => rule.code.starts_with(p.as_str()),
            Selector::Slug(s) => rule.slug == s,
            Selector::Family(f) => rule.family() == f,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::compose::obsolete_version_key::ObsoleteVersionKey;

    #[test]
    fn parses_every_form() {
        let m = &ObsoleteVersionKey::META;
        for s in [
            "GR501",
            "gr501",
            "GR5",
            "compose/obsolete-version-key",
            "compose",
            "ALL",
        ] {
            let sel = Selector::parse(s, crate::rules::all()).unwrap();
            assert!(sel.matches(m), "{s}");
        }
        assert!(
            !Selector::parse("guardrail", crate::rules::all())
                .unwrap()
                .matches(m)
        );
    }

    #[test]
    fn rejects_unknown() {
        assert!(Selector::parse("GR999", crate::rules::all()).is_err());
        assert!(Selector::parse("compose/nope", crate::rules::all()).is_err());
        assert!(Selector::parse("nope", crate::rules::all()).is_err());
        assert!(Selector::parse("", crate::rules::all()).is_err());
    }
}
