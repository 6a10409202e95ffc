//! The XML formats other CI systems read: JUnit (one test case per rule that ran on a
//! path, a `<failure>` per finding; Jenkins, GitLab's `reports: junit`, Azure) and
//! Checkstyle (`<file>`/`<error>`; Jenkins warnings-ng, reviewdog). Written by hand: the
//! documents are flat, and escaping is the one thing to get right.

use super::Outcome;
use crate::core::severity::Severity;
use std::collections::BTreeMap;

/// XML text and attribute escaping, and no control characters XML 1.0 forbids.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

pub fn junit(outcome: &Outcome) -> String {
    // One suite per rule; one case per (rule, file) with its findings as failures.
    let mut suites: BTreeMap<&str, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for r in &outcome.reports {
        for d in &r.diagnostics {
            let at = match d.position {
                Some(p) => format!(
                    "{}:{}:{}",
                    r.display_path(&d.path),
                    p.start_line,
                    p.start_column
                ),
                None => r.display_path(&d.path),
            };
            let mut body = format!(
                "{} [{}] {at}: {}",
                d.rule.code,
                d.severity.as_str(),
                d.message
            );
            if let Some(help) = &d.help {
                body.push_str("\nhelp: ");
                body.push_str(help);
            }
            suites
                .entry(d.rule.slug)
                .or_default()
                .entry(r.display_path(&d.path))
                .or_default()
                .push(body);
        }
    }
    let total: usize = suites.values().map(BTreeMap::len).sum();
    let secs = outcome.elapsed.as_secs_f64();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"guardrail\" tests=\"{total}\" failures=\"{total}\" errors=\"0\" time=\"{secs:.3}\">\n"
    ));
    for (rule, cases) in &suites {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{n}\" errors=\"0\" skipped=\"0\">\n",
            esc(rule),
            n = cases.len()
        ));
        for (path, failures) in cases {
            out.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\">\n",
                esc(path),
                esc(rule)
            ));
            for f in failures {
                let first = f.lines().next().unwrap_or("");
                out.push_str(&format!(
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                    esc(first),
                    esc(rule),
                    esc(f)
                ));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

pub fn checkstyle(outcome: &Outcome) -> String {
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &outcome.reports {
        for d in &r.diagnostics {
            let (line, column) = d
                .position
                .map_or((1, 1), |p| (p.start_line, p.start_column));
            let severity = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            files.entry(r.display_path(&d.path)).or_default().push(format!(
                "    <error line=\"{line}\" column=\"{column}\" severity=\"{severity}\" message=\"{}\" source=\"guardrail.{}\"/>\n",
                esc(&d.message),
                esc(d.rule.code)
            ));
        }
    }
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for (path, errors) in files {
        out.push_str(&format!("  <file name=\"{}\">\n", esc(&path)));
        for e in errors {
            out.push_str(&e);
        }
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            esc("a<b & \"c\" 'd'\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;\u{fffd}"
        );
    }
}
