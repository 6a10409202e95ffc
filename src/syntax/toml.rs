//! TOML documents for key-path queries (`toml-key` pack rules), through `toml`'s
//! spanned document parser (`DeTable`). The result is the same owned, spanned tree as
//! YAML's ([`YamlNode`]), so a key path (`tool.poetry.dependencies.*`) has one
//! implementation for both formats. Configuration files are deserialised directly
//! with serde and `Spanned` (config, packs); this is for the repository's own TOML.

use crate::core::source::{ParseFailure, Span};
use crate::syntax::yaml::{YamlNode, YamlValue};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Values nested deeper than this are [`YamlValue::Bad`] (the walk is recursive).
const MAX_DEPTH: usize = 128;

/// Parses a TOML document into a spanned tree whose root is a map.
pub fn parse(text: &str) -> Result<YamlNode, ParseFailure> {
    let table = DeTable::parse(text).map_err(|e| ParseFailure {
        message: format!("invalid TOML: {}", e.message().trim()),
        span: e.span().map(|r| Span::new(r.start, r.end)),
    })?;
    let span = Span::new(0, text.len());
    Ok(YamlNode {
        span,
        value: map(table.get_ref(), 0),
    })
}

fn map(table: &DeTable<'_>, depth: usize) -> YamlValue {
    YamlValue::Map(
        table
            .iter()
            .map(|(k, v)| {
                (
                    YamlNode {
                        span: span(k),
                        value: YamlValue::Str(k.get_ref().to_string()),
                    },
                    node(v, depth + 1),
                )
            })
            .collect(),
    )
}

fn span<T>(s: &Spanned<T>) -> Span {
    let r = s.span();
    Span::new(r.start, r.end.max(r.start))
}

fn node(v: &Spanned<DeValue<'_>>, depth: usize) -> YamlNode {
    let value = if depth > MAX_DEPTH {
        YamlValue::Bad
    } else {
        match v.get_ref() {
            DeValue::String(s) => YamlValue::Str(s.to_string()),
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .map_or(YamlValue::Bad, YamlValue::Int),
            DeValue::Float(f) => f
                .as_str()
                .replace('_', "")
                .parse()
                .map_or(YamlValue::Bad, YamlValue::Float),
            DeValue::Boolean(b) => YamlValue::Bool(*b),
            DeValue::Datetime(d) => YamlValue::Str(d.to_string()),
            DeValue::Array(items) => {
                YamlValue::Seq(items.iter().map(|i| node(i, depth + 1)).collect())
            }
            DeValue::Table(t) => map(t, depth),
        }
    };
    YamlNode {
        span: span(v),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_carry_spans() {
        let text = "[tool.poetry]\nname = \"x\"\n[tool.poetry.dependencies]\nrequests = \"^2\"\n";
        let doc = parse(text).unwrap();
        let deps = doc
            .get("tool")
            .and_then(|t| t.get("poetry"))
            .and_then(|p| p.get("dependencies"))
            .unwrap();
        let (k, v) = deps.entry("requests").unwrap();
        assert_eq!(&text[k.span.start..k.span.end], "requests");
        assert_eq!(v.as_str(), Some("^2"));
    }

    #[test]
    fn errors_and_depth() {
        assert!(parse("a = [\n").is_err());
        let deep = format!("a = {}1{}\n", "[".repeat(3000), "]".repeat(3000));
        let _ = parse(&deep);
    }
}
