//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per
//! finding, which GitHub shows as annotations on the pull request's diff. Escaping as
//! GitHub's toolkit does it: data escapes `%`, CR and LF; property values also `:` and
//! `,`.

use super::Outcome;
use crate::core::severity::Severity;

pub fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    for report in &outcome.reports {
        for d in &report.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut props = vec![format!(
                "file={}",
                escape_property(&report.display_path(&d.path))
            )];
            if let Some(p) = d.position {
                props.push(format!("line={}", p.start_line));
                props.push(format!("col={}", p.start_column));
                props.push(format!("endLine={}", p.end_line));
                props.push(format!("endColumn={}", p.end_column));
            }
            props.push(format!(
                "title={}",
                escape_property(&format!("{} {}", d.rule.code, d.rule.slug))
            ));
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            out.push_str(&format!(
                "::{command} {}::{}\n",
                props.join(","),
                escape_data(&message)
            ));
        }
    }
    out
}

pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_toolkit() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
