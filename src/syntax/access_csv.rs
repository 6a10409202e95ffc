//! `ir.model.access.csv`, read with the `csv` crate (quoting, escaped quotes, short and
//! long rows with `flexible`). The crate reports where each record starts but not where
//! each field is, so [`field_spans`] walks one record's text again, quote-aware, to put
//! findings on the exact field: a dozen lines, not a second CSV parser.
//!
//! The faults follow what Odoo's import does with the file (`convert_csv_import`, then
//! `load`/`import_data`): each row is `zip(header, row)`, so a short row leaves its last
//! cells empty and cells past the header are dropped; an empty boolean cell is false;
//! each row is an import of the record `<module>.<id>`, so a repeated id updates the
//! record of the first row; a `model_id` column without `:id` is resolved by name
//! (`name_search` on `ir.model`, which matches the technical name).

use crate::core::severity::Severity;
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

/// How a row names its model, by the header of the `model_id` column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelRef {
    /// `model_id:id` or `model_id/id`: an external id, `model_school_student` or
    /// `base.model_res_partner`.
    XmlId(String),
    /// `model_id`: imported by name; `ir.model`'s name search matches the technical name
    /// (`school.student`) as well as the label.
    Name(String),
    /// `model_id/.id`: a database id, unknown before the install.
    DbId(String),
}

fn model_column(column: &str) -> Option<fn(String) -> ModelRef> {
    match column {
        "model_id:id" | "model_id/id" => Some(ModelRef::XmlId),
        "model_id" => Some(ModelRef::Name),
        "model_id/.id" => Some(ModelRef::DbId),
        _ => None,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRow {
    pub line: usize,
    pub id: String,
    /// The model the row grants, from whichever `model_id` column the header has.
    pub model: Option<ModelRef>,
    pub model_span: Option<Span>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvProblem {
    /// Error when the install or the access it describes certainly fails.
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub label: String,
    /// What Odoo does with it.
    pub note: String,
    pub help: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessCsv {
    pub rows: Vec<AccessRow>,
    pub problems: Vec<CsvProblem>,
}

impl AccessCsv {
    /// The rows that survive the import: a later row with the same id replaces an
    /// earlier one (rows without an id are all kept).
    pub fn effective_rows(&self) -> impl Iterator<Item = &AccessRow> {
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, row) in self.rows.iter().enumerate() {
            if !row.id.is_empty() {
                last.insert(row.id.as_str(), i);
            }
        }
        self.rows
            .iter()
            .enumerate()
            .filter(move |(i, row)| row.id.is_empty() || last.get(row.id.as_str()) == Some(i))
            .map(|(_, row)| row)
    }
}

/// Values Odoo's boolean import reads without a warning (`_str_to_boolean`, compared
/// lower-cased): the empty cell is false.
fn is_boolean(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "" | "0" | "1" | "true" | "false" | "yes" | "no"
    )
}

/// The last row seen with an id, for duplicates.
struct Seen {
    line: usize,
    cells: Vec<String>,
    model: Option<String>,
}

pub fn parse(text: &str) -> AccessCsv {
    let mut out = AccessCsv::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header: Vec<String> = Vec::new();
    let mut seen: HashMap<String, Seen> = HashMap::new();
    // The 1-based line of the current record, and the byte up to which it is counted.
    let mut line = 1;
    let mut counted = 0;
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let at = e
                    .position()
                    .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
                out.problems.push(CsvProblem {
                    severity: Severity::Error,
                    message: format!("unreadable CSV: {e}"),
                    span: line_span(text, at),
                    label: "here".into(),
                    note: "Odoo's CSV reader stops on the same bytes: installing or upgrading the module fails".into(),
                    help: "fix the quoting of this row".into(),
                });
                break;
            }
        };
        let Some(pos) = record.position() else {
            continue;
        };
        // After a CRLF the crate's record starts at the `\n` (and its line count is one
        // short): start at the first byte of the record, count lines from the bytes.
        let mut start = usize::try_from(pos.byte()).unwrap_or(0);
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        line += text
            .as_bytes()
            .get(counted..start)
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        counted = counted.max(start);
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
        // The import zips header and row: missing cells are empty, extra cells dropped.
        let cells: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, _)| record.get(i).map(str::trim).unwrap_or("").to_string())
            .collect();
        if let Some(first_extra) = record
            .iter()
            .enumerate()
            .skip(header.len())
            .find(|(_, v)| !v.trim().is_empty())
            .map(|(i, _)| i)
        {
            out.problems.push(CsvProblem {
                severity: Severity::Warning,
                message: format!(
                    "row has {} fields, the header has {}",
                    record.len(),
                    header.len()
                ),
                span: span_of(first_extra),
                label: "past the last column".into(),
                note: "Odoo's import pairs header and row and drops the cells past the header; \
                       when a comma inside a value split it, every later value sits in the wrong column"
                    .into(),
                help: format!(
                    "quote values that contain a comma, one value per column: {}",
                    header.join(",")
                ),
            });
        }
        let mut id = String::new();
        let mut model = None;
        let mut model_span = None;
        let mut model_cell = None;
        for (i, column) in header.iter().enumerate() {
            let value = cells.get(i).map_or("", String::as_str);
            match column.as_str() {
                "id" => id = value.to_string(),
                c if model_column(c).is_some() => {
                    if let Some(make) = model_column(c) {
                        model = Some(value.to_string()).filter(|v| !v.is_empty()).map(make);
                    }
                    model_span = Some(span_of(i));
                    model_cell = Some(value.to_string());
                }
                c if c.starts_with("perm_") && !is_boolean(value) => {
                    let perm = column.trim_start_matches("perm_");
                    out.problems.push(CsvProblem {
                        severity: Severity::Warning,
                        message: format!("`{column}` is `{value}`: permissions are 0 or 1"),
                        span: span_of(i),
                        label: "not 0 or 1".into(),
                        note: format!(
                            "Odoo imports an unknown boolean as true, with only a warning in the log: the group gets `{perm}` whatever was meant"
                        ),
                        help: format!("write 1 to grant `{perm}` or 0 (or nothing) to deny it"),
                    });
                }
                _ => {}
            }
        }
        if header.iter().any(|h| h == "id") {
            let id_span = header
                .iter()
                .position(|h| h == "id")
                .map_or(row_span, span_of);
            if id.is_empty() {
                out.problems.push(CsvProblem {
                    severity: Severity::Error,
                    message: "row has an empty `id`".into(),
                    span: id_span,
                    label: "no id".into(),
                    note: "Odoo imports the row as a rule without an external id: the module can never update or remove it, and every upgrade adds another copy".into(),
                    help: "give every access rule a unique id, e.g. access_school_student_user"
                        .into(),
                });
            } else if let Some(previous) = seen.get_mut(&id) {
                // Each row is an import of the record `<module>.<id>`: a repeated id
                // updates the record the earlier row wrote.
                let changed: Vec<&str> = header
                    .iter()
                    .zip(previous.cells.iter().zip(&cells))
                    .filter(|(_, (before, after))| before != after)
                    .map(|(column, _)| column.as_str())
                    .collect();
                if !changed.is_empty() {
                    out.problems.push(duplicate(
                        &id,
                        previous,
                        model_cell.as_deref(),
                        &changed,
                        id_span,
                    ));
                }
                *previous = Seen {
                    line,
                    cells,
                    model: model_cell,
                };
            } else {
                seen.insert(
                    id.clone(),
                    Seen {
                        line,
                        cells,
                        model: model_cell,
                    },
                );
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

/// A repeated id whose row differs from the first: the later row replaces it. An error
/// when the model changes (the first model loses this rule), else a warning (the first
/// line's group or permissions are dead).
fn duplicate(
    id: &str,
    previous: &Seen,
    model: Option<&str>,
    changed: &[&str],
    span: Span,
) -> CsvProblem {
    let line = previous.line;
    match (previous.model.as_deref(), model) {
        (Some(before), Some(after)) if before != after => CsvProblem {
            severity: Severity::Error,
            message: format!(
                "duplicate id `{id}` (already on line {line}) names another model: the rule of line {line} on `{before}` is lost"
            ),
            span,
            label: format!("replaces the rule on `{before}`"),
            note: format!(
                "Odoo imports both rows into one record, which ends up granting `{after}`: \
                 `{before}` loses the access line {line} gave, and its users get `You are not allowed to access` errors"
            ),
            help: "give this row its own id".into(),
        },
        _ => CsvProblem {
            severity: Severity::Warning,
            message: format!(
                "duplicate id `{id}` (already on line {line}) with another {}: this row replaces line {line}",
                changed
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            span,
            label: "replaces an earlier row".into(),
            note: format!(
                "Odoo imports both rows into one record: only this row's values survive the install, \
                 and line {line} misleads every reader about who has access"
            ),
            help: format!("give this row its own id, or delete line {line}"),
        },
    }
}

fn check_header(header: &[String], spans: &[Span], row: Span, problems: &mut Vec<CsvProblem>) {
    let expected = "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink";
    if !header.iter().any(|h| h == "id") || !header.iter().any(|h| model_column(h).is_some()) {
        problems.push(CsvProblem {
            severity: Severity::Error,
            message: "header has no `id` or no `model_id:id` column".into(),
            span: row,
            label: "header".into(),
            note: "`model_id` is required on ir.model.access, so without it every row fails and the install stops; \
                   without `id` every upgrade creates the rules once more"
                .into(),
            help: format!("the header of ir.model.access.csv is `{expected}`"),
        });
    }
    for (i, h) in header.iter().enumerate() {
        if !KNOWN_COLUMNS.contains(&h.as_str()) {
            problems.push(CsvProblem {
                severity: Severity::Error,
                message: format!("unknown column `{h}`: Odoo fails to load the file"),
                span: spans.get(i).copied().unwrap_or(row),
                label: "not a field of ir.model.access".into(),
                note: format!(
                    "installing or upgrading the module stops: the import knows no field `{h}` on ir.model.access"
                ),
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
        assert_eq!(
            row.model,
            Some(ModelRef::XmlId("model_school_student".into()))
        );
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
                .any(|m| m
                    .contains("duplicate id `a` (already on line 2) with another `perm_write`")),
            "{messages:?}"
        );
        // A short row is zipped with the header: its last cells are empty.
        assert!(
            !messages.iter().any(|m| m.contains("fields")),
            "{messages:?}"
        );
        let perm = csv
            .problems
            .iter()
            .find(|p| p.message.contains("perm_write"))
            .unwrap();
        assert_eq!(&text[perm.span.start..perm.span.end], "2");
        assert_eq!(perm.severity, Severity::Warning);
    }

    #[test]
    fn import_semantics() {
        let text = "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n\
            a,A,model_x,base.group_user,1,1,1,\n\
            b,B,model_y,base.group_user,1,,,\n\
            a,A,model_x,base.group_user,1,1,1\n\
            c,C,model_z,base.group_user,1,0,0,0,\n\
            b,B,model_w,base.group_user,1,0,0,0\n\
            d,D,model_v,base.group_user,1,0,0,0,1\n";
        let csv = parse(text);
        let problems: Vec<(Severity, &str)> = csv
            .problems
            .iter()
            .map(|p| (p.severity, p.message.as_str()))
            .collect();
        // Empty cells, a short row equal to line 2 once zipped, an empty trailing cell:
        // nothing. The changed model of `b` is an error; a non-empty extra cell a warning.
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].0, Severity::Error);
        assert!(
            problems[0]
                .1
                .contains("duplicate id `b` (already on line 3) names another model: the rule of line 3 on `model_y` is lost"),
            "{problems:?}"
        );
        let dup = &csv.problems[0];
        assert_eq!(&text[dup.span.start..dup.span.end], "b");
        assert_eq!(problems[1].0, Severity::Warning);
        let extra = &csv.problems[1];
        assert_eq!(&text[extra.span.start..extra.span.end], "1");
        let effective: Vec<(&str, usize)> = csv
            .effective_rows()
            .map(|r| (r.id.as_str(), r.line))
            .collect();
        assert_eq!(effective, [("a", 4), ("c", 5), ("b", 6), ("d", 7)]);
    }

    #[test]
    fn line_numbers_with_crlf() {
        let text =
            "id,name,model_id:id\r\na,A,model_x\r\n\r\nb,\"B\r\nb\",model_y\r\nc,C,model_z\r\n";
        let csv = parse(text);
        let lines: Vec<usize> = csv.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 6]);
        let s = csv.rows[2].model_span.unwrap();
        assert_eq!(&text[s.start..s.end], "model_z");
        let row = csv.rows[0].span;
        assert_eq!(&text[row.start..row.end], "a,A,model_x");
    }

    #[test]
    fn model_by_name_in_any_column_order() {
        let text = "id,group_id:id,name,model_id,perm_create,perm_unlink,perm_write,perm_read\n\
            r,base.group_no_one,conf,sign.youtube.conf,1,1,1,1\n";
        let csv = parse(text);
        assert!(csv.problems.is_empty(), "{:?}", csv.problems);
        assert_eq!(
            csv.rows[0].model,
            Some(ModelRef::Name("sign.youtube.conf".into()))
        );
        let s = csv.rows[0].model_span.unwrap();
        assert_eq!(&text[s.start..s.end], "sign.youtube.conf");
    }

    #[test]
    fn field_spans_handle_escaped_quotes_and_crlf() {
        let text = "x,\"a \"\"b\"\", c\",z\r\nnext";
        let spans = field_spans(text, 0, 3);
        let got: Vec<&str> = spans.iter().map(|s| &text[s.start..s.end]).collect();
        assert_eq!(got, ["x", "\"a \"\"b\"\", c\"", "z"]);
    }
}
