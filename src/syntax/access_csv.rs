//! `ir.model.access.csv`, read with the `csv` crate (quoting, escaped quotes, short and
//! long rows with `flexible`). The crate reports where each record starts but not where
//! each field is, so [`field_spans`] walks one record's text again, quote-aware, to put
//! findings on the exact field: a dozen lines, not a second CSV parser.

use crate::core::source::Span;
use std::collections::HashMap;

/// Columns Odoo's importer accepts for `ir.model.access`.
const KNOWN_COLUMNS: &[&str] = &[
    "id",
    "name",
    "model_id:id",
    "model_id/id",
    "model_id",
    "model_id/.id",
    "group_id:id",
    "group_id/id",
    "group_id",
    "group_id/.id",
    "perm_read",
    "perm_write",
    "perm_create",
    "perm_unlink",
    "active",
];

const MODEL_COLUMNS: &[&str] = &["model_id:id", "model_id/id"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRow {
    pub line: usize,
    pub id: String,
    /// The `model_id:id` value, e.g. `model_school_student` or `base.model_res_partner`.
    pub model: Option<String>,
    pub model_span: Option<Span>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvProblem {
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessCsv {
    pub rows: Vec<AccessRow>,
    pub problems: Vec<CsvProblem>,
}

pub fn parse(text: &str) -> AccessCsv {
    let mut out = AccessCsv::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header: Vec<String> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let at = e
                    .position()
                    .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
                out.problems.push(CsvProblem {
                    message: format!("unreadable CSV: {e}"),
                    span: line_span(text, at),
                    label: "here".into(),
                    help: "fix the quoting of this row".into(),
                });
                break;
            }
        };
        let Some(pos) = record.position() else {
            continue;
        };
        let start = usize::try_from(pos.byte()).unwrap_or(0);
        let line = usize::try_from(pos.line()).unwrap_or(0);
        let spans = field_spans(text, start, record.len());
        let row_span = line_span(text, start);
        let span_of = |i: usize| spans.get(i).copied().unwrap_or(row_span);
        if header.is_empty() {
            header = record.iter().map(|f| f.trim().to_string()).collect();
            if header.iter().all(String::is_empty) {
                header.clear();
                continue;
            }
            check_header(&header, &spans, row_span, &mut out.problems);
            continue;
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            out.problems.push(CsvProblem {
                message: format!(
                    "row has {} fields, the header has {}",
                    record.len(),
                    header.len()
                ),
                span: row_span,
                label: format!("{} fields", record.len()),
                help: format!("write one value per column: {}", header.join(",")),
            });
        }
        let mut id = String::new();
        let mut model = None;
        let mut model_span = None;
        for (i, value) in record.iter().enumerate() {
            let Some(column) = header.get(i) else {
                continue;
            };
            let value = value.trim();
            match column.as_str() {
                "id" => id = value.to_string(),
                c if MODEL_COLUMNS.contains(&c) => {
                    model = Some(value.to_string()).filter(|v| !v.is_empty());
                    model_span = Some(span_of(i));
                }
                c if c.starts_with("perm_")
                    && !matches!(value, "0" | "1" | "True" | "False" | "true" | "false") =>
                {
                    out.problems.push(CsvProblem {
                        message: format!("`{column}` is `{value}`: permissions are 0 or 1"),
                        span: span_of(i),
                        label: "not 0 or 1".into(),
                        help: format!(
                            "write 1 to grant `{}` or 0 to deny it",
                            column.trim_start_matches("perm_")
                        ),
                    });
                }
                _ => {}
            }
        }
        if header.iter().any(|h| h == "id") {
            if id.is_empty() {
                out.problems.push(CsvProblem {
                    message: "row has an empty `id`".into(),
                    span: span_of(0),
                    label: "no id".into(),
                    help: "give every access rule a unique id, e.g. access_school_student_user"
                        .into(),
                });
            } else if let Some(first) = seen.get(&id) {
                out.problems.push(CsvProblem {
                    message: format!("duplicate id `{id}` (first on line {first})"),
                    span: header
                        .iter()
                        .position(|h| h == "id")
                        .map_or(row_span, span_of),
                    label: "duplicate".into(),
                    help: "ids must be unique: the second row silently overwrites the first".into(),
                });
            } else {
                seen.insert(id.clone(), line);
            }
        }
        out.rows.push(AccessRow {
            line,
            id,
            model,
            model_span,
            span: row_span,
        });
    }
    out
}

fn check_header(header: &[String], spans: &[Span], row: Span, problems: &mut Vec<CsvProblem>) {
    let expected = "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink";
    if !header.iter().any(|h| h == "id")
        || !header.iter().any(|h| MODEL_COLUMNS.contains(&h.as_str()))
    {
        problems.push(CsvProblem {
            message: "header has no `id` or no `model_id:id` column".into(),
            span: row,
            label: "header".into(),
            help: format!("the header of ir.model.access.csv is `{expected}`"),
        });
    }
    for (i, h) in header.iter().enumerate() {
        if !KNOWN_COLUMNS.contains(&h.as_str()) {
            problems.push(CsvProblem {
                message: format!("unknown column `{h}`: Odoo fails to load the file"),
                span: spans.get(i).copied().unwrap_or(row),
                label: "not a field of ir.model.access".into(),
                help: format!("the header of ir.model.access.csv is `{expected}`"),
            });
        }
    }
}

/// The span of the line holding byte `at`, without its terminator.
fn line_span(text: &str, at: usize) -> Span {
    let at = at.min(text.len());
    let start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = text
        .get(at..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| at + i);
    let end = if text.get(..end).is_some_and(|t| t.ends_with('\r')) {
        end - 1
    } else {
        end
    };
    Span::new(start, end.max(start))
}

/// Source spans of the `n` fields of the record that starts at byte `start`.
pub fn field_spans(text: &str, start: usize, n: usize) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut spans = Vec::with_capacity(n);
    let mut i = start;
    for _ in 0..n {
        let field_start = i;
        if bytes.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => break,
                    Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
        }
        while let Some(b) = bytes.get(i) {
            if matches!(b, b',' | b'\n' | b'\r') {
                break;
            }
            i += 1;
        }
        spans.push(Span::new(field_start, i));
        if bytes.get(i) == Some(&b',') {
            i += 1;
        } else {
            break;
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n\
        access_school_student_user,\"school.student, user\",model_school_student,base.group_user,1,1,1,0\n";

    #[test]
    fn reads_rows_with_quoted_fields() {
        let csv = parse(GOOD);
        assert!(csv.problems.is_empty(), "{:?}", csv.problems);
        assert_eq!(csv.rows.len(), 1);
        let row = &csv.rows[0];
        assert_eq!(row.line, 2);
        assert_eq!(row.model.as_deref(), Some("model_school_student"));
        let s = row.model_span.unwrap();
        assert_eq!(&GOOD[s.start..s.end], "model_school_student");
    }

    #[test]
    fn reports_each_fault_at_its_field() {
        let text = "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink,colour\n\
            a,A,model_x,base.group_user,1,2,1,1\n\
            a,A,model_x,base.group_user,1,1,1,1\n\
            b,B,model_y\n";
        let csv = parse(text);
        let messages: Vec<&str> = csv.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("unknown column `colour`")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("`perm_write` is `2`")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("duplicate id `a` (first on line 2)")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("row has 3 fields")),
            "{messages:?}"
        );
        let perm = csv
            .problems
            .iter()
            .find(|p| p.message.contains("perm_write"))
            .unwrap();
        assert_eq!(&text[perm.span.start..perm.span.end], "2");
    }

    #[test]
    fn field_spans_handle_escaped_quotes_and_crlf() {
        let text = "x,\"a \"\"b\"\", c\",z\r\nnext";
        let spans = field_spans(text, 0, 3);
        let got: Vec<&str> = spans.iter().map(|s| &text[s.start..s.end]).collect();
        assert_eq!(got, ["x", "\"a \"\"b\"\", c\"", "z"]);
    }
}
