//! YAML through `saphyr` (YAML 1.2, a mark on every node, anchors resolved with a
//! billion-laughs budget). Its marks count characters; this module converts them to
//! byte spans through the line index before anything else sees them, and resolves
//! merge keys (`<<: *defaults`), so rules walk a small owned tree with byte spans.

use crate::core::source::{ParseFailure, SourceFile, Span};
use saphyr::Marker;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

#[derive(Clone, Debug, PartialEq)]
pub enum YamlValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<YamlNode>),
    Map(Vec<(YamlNode, YamlNode)>),
    /// A value the parser could not represent (e.g. a bad tagged scalar).
    Bad,
}

#[derive(Clone, Debug, PartialEq)]
pub struct YamlNode {
    pub span: Span,
    pub value: YamlValue,
}

impl YamlNode {
    /// The scalar as text (strings, numbers and booleans), for keys and values alike.
    pub fn as_scalar_text(&self) -> Option<String> {
        match &self.value {
            YamlValue::Str(s) => Some(s.clone()),
            YamlValue::Int(i) => Some(i.to_string()),
            YamlValue::Float(f) => Some(f.to_string()),
            YamlValue::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            YamlValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(YamlNode, YamlNode)]> {
        match &self.value {
            YamlValue::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[YamlNode]> {
        match &self.value {
            YamlValue::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The (key, value) entry of a mapping whose key reads `key`.
    pub fn entry(&self, key: &str) -> Option<(&YamlNode, &YamlNode)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_scalar_text().as_deref() == Some(key))
            .map(|(k, v)| (k, v))
    }

    pub fn get(&self, key: &str) -> Option<&YamlNode> {
        self.entry(key).map(|(_, v)| v)
    }
}

/// A parsed YAML file: one node per document.
#[derive(Debug)]
pub struct YamlFile {
    pub documents: Vec<YamlNode>,
}

pub fn parse(source: &SourceFile) -> Result<YamlFile, ParseFailure> {
    let docs = MarkedYaml::load_from_str(&source.text).map_err(|e| {
        let at = byte_offset(source, e.marker());
        ParseFailure {
            message: format!("invalid YAML: {}", e.info()),
            span: Some(Span::new(at, next_char_end(&source.text, at))),
        }
    })?;
    let documents = docs.iter().map(|d| convert(source, d)).collect();
    Ok(YamlFile { documents })
}

fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8())
}

fn byte_offset(source: &SourceFile, marker: &Marker) -> usize {
    source
        .lines
        .offset_of(&source.text, marker.line(), marker.col())
}

fn node_span(source: &SourceFile, node: &MarkedYaml<'_>) -> Span {
    let start = byte_offset(source, &node.span.start);
    let end = byte_offset(source, &node.span.end);
    let mut span = Span::new(start, end);
    // Plain scalars can carry trailing whitespace in their end mark; trim it so a
    // label underlines exactly the text.
    if let Some(text) = source.text.get(span.start..span.end) {
        span.end = span.start + text.trim_end().len();
    }
    span
}

fn convert(source: &SourceFile, node: &MarkedYaml<'_>) -> YamlNode {
    let span = node_span(source, node);
    let value = match &node.data {
        YamlData::Value(scalar) => scalar_value(scalar),
        YamlData::Representation(raw, _, _) => YamlValue::Str(raw.to_string()),
        YamlData::Sequence(items) => {
            YamlValue::Seq(items.iter().map(|i| convert(source, i)).collect())
        }
        YamlData::Mapping(map) => {
            let mut explicit: Vec<(YamlNode, YamlNode)> = Vec::new();
            let mut merged: Vec<(YamlNode, YamlNode)> = Vec::new();
            for (k, v) in map.iter() {
                let key = convert(source, k);
                let value = convert(source, v);
                if key.as_str() == Some("<<") {
                    match value.value {
                        YamlValue::Map(entries) => merged.extend(entries),
                        YamlValue::Seq(items) => {
                            for item in items {
                                if let YamlValue::Map(entries) = item.value {
                                    merged.extend(entries);
                                }
                            }
                        }
                        _ => explicit.push((key, value)),
                    }
                } else {
                    explicit.push((key, value));
                }
            }
            // Explicit keys win over merged ones; among merged maps the first wins.
            for (k, v) in merged {
                let text = k.as_scalar_text();
                let present = explicit.iter().any(|(e, _)| e.as_scalar_text() == text);
                if !present {
                    explicit.push((k, v));
                }
            }
            YamlValue::Map(explicit)
        }
        YamlData::Tagged(_, inner) => return convert(source, inner),
        YamlData::Alias(_) | YamlData::BadValue => YamlValue::Bad,
    };
    YamlNode { span, value }
}

fn scalar_value(scalar: &Scalar<'_>) -> YamlValue {
    match scalar {
        Scalar::Null => YamlValue::Null,
        Scalar::Boolean(b) => YamlValue::Bool(*b),
        Scalar::Integer(i) => YamlValue::Int(*i),
        Scalar::FloatingPoint(f) => YamlValue::Float(f.into_inner()),
        Scalar::String(s) => YamlValue::Str(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::path::RelPath;

    fn src(text: &str) -> SourceFile {
        SourceFile::new(RelPath::new("docker-compose.yml"), text.to_string())
    }

    #[test]
    fn key_spans_are_bytes() {
        let s = src("# é comment\nversion: '3.9'\nservices: {}\n");
        let doc = parse(&s).unwrap();
        let (k, v) = doc.documents[0].entry("version").unwrap();
        assert_eq!(s.slice(k.span), "version");
        assert_eq!(s.slice(v.span), "'3.9'");
        assert_eq!(v.as_str(), Some("3.9"));
    }

    #[test]
    fn merge_keys_are_resolved_explicit_wins() {
        let s = src(
            "x-base: &base\n  image: a\n  restart: always\nservices:\n  web:\n    <<: *base\n    image: b\n",
        );
        let doc = parse(&s).unwrap();
        let web = doc.documents[0]
            .get("services")
            .unwrap()
            .get("web")
            .unwrap();
        assert_eq!(web.get("image").unwrap().as_str(), Some("b"));
        assert_eq!(web.get("restart").unwrap().as_str(), Some("always"));
        assert!(web.get("<<").is_none());
    }

    #[test]
    fn errors_carry_a_position() {
        let s = src("services:\n  web:\n    image: [a\n");
        let err = parse(&s).unwrap_err();
        assert!(err.message.starts_with("invalid YAML"));
        assert!(err.span.is_some());
    }

    #[test]
    fn alias_bombs_do_not_explode() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            text.push_str(&format!(
                "b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        // Either a bounded tree or a parse failure; never a hang or an abort.
        let _ = parse(&src(&text));
    }
}
