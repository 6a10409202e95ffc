//! Odoo data XML through `roxmltree` (byte ranges on every node): the
//! `ir.model.access` records a file defines.

use crate::core::source::ParseFailure;
use crate::core::source::{SourceFile, Span};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlAccess {
    /// The `model_id` field's `ref`, e.g. `model_school_student`.
    pub model: String,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XmlFacts {
    pub access: Vec<XmlAccess>,
}

pub fn parse(source: &SourceFile) -> Result<XmlFacts, ParseFailure> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(&source.text, options).map_err(|e| {
        let pos = e.pos();
        let at = source.lines.offset_of(
            &source.text,
            pos.row as usize,
            (pos.col as usize).saturating_sub(1),
        );
        ParseFailure {
            message: format!("invalid XML: {e}"),
            span: Some(Span::new(at, at)),
        }
    })?;
    let mut facts = XmlFacts::default();
    for record in doc
        .descendants()
        .filter(|n| n.has_tag_name("record") && n.attribute("model") == Some("ir.model.access"))
    {
        for field in record.children().filter(|n| n.has_tag_name("field")) {
            if field.attribute("name") == Some("model_id")
                && let Some(reference) = field.attribute("ref")
            {
                let r = field.range();
                facts.access.push(XmlAccess {
                    model: reference.to_string(),
                    span: Span::new(r.start, r.end),
                });
            }
        }
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::path::RelPath;

    #[test]
    fn finds_access_records() {
        let text = r#"<?xml version="1.0" encoding="utf-8"?>
<odoo>
    <record id="access_school_teacher" model="ir.model.access">
        <field name="name">school.teacher</field>
        <field name="model_id" ref="model_school_teacher"/>
        <field name="perm_read" eval="1"/>
    </record>
    <record id="x" model="res.groups"><field name="model_id" ref="nope"/></record>
</odoo>
"#;
        let f = parse(&SourceFile::new(
            RelPath::new("security/access.xml"),
            text.into(),
        ))
        .unwrap();
        assert_eq!(f.access.len(), 1);
        assert_eq!(f.access[0].model, "model_school_teacher");
        assert!(
            text[f.access[0].span.start..f.access[0].span.end]
                .starts_with("<field name=\"model_id\"")
        );
    }

    #[test]
    fn broken_xml_is_a_parse_failure_with_a_position() {
        let text = "<odoo>\n  <record id=\"a\">\n</odoo>\n";
        let err = parse(&SourceFile::new(RelPath::new("a.xml"), text.into())).unwrap_err();
        assert!(err.message.starts_with("invalid XML"));
        assert!(err.span.is_some());
    }
}
