//! `--new-only`: keep the findings a change is responsible for, as semgrep's baseline
//! commit does. The models still see the whole tree; only what is reported narrows: a
//! finding in a file the change added, modified or renamed; a finding with a location in
//! such a file; every finding of a history rule (a deleted migration is reported at its
//! dependents, which the change did not touch); and the findings of a rule whose
//! findings a removal causes elsewhere (`RuleMeta::caused_by_removal_of`: a missing
//! migration dependency when the change deleted or renamed a migration).

use crate::core::kind::{FileKind, classify};
use crate::core::path::RelPath;
use crate::engine::Report;
use crate::input::changes::{ChangeKind, ChangeSet};
use std::collections::BTreeSet;

/// Removes the findings outside the change; counts them in the summary.
pub fn retain_changed(report: &mut Report, changes: &dyn ChangeSet) {
    let touched: BTreeSet<&RelPath> = changes
        .changes()
        .iter()
        .filter(|c| !matches!(c.kind, ChangeKind::Deleted))
        .map(|c| &c.path)
        .collect();
    let removed_kinds: BTreeSet<FileKind> = changes
        .removed()
        .iter()
        .map(|(old, _)| classify(old.as_str()))
        .collect();
    let before = report.diagnostics.len();
    report.diagnostics.retain(|d| {
        touched.contains(&d.path)
            || d.rule.git_aware
            || d.labels
                .iter()
                .any(|l| l.path.as_ref().is_some_and(|p| touched.contains(p)))
            || d.rule
                .caused_by_removal_of
                .iter()
                .any(|k| removed_kinds.contains(k))
    });
    report.summary.outside_change += before - report.diagnostics.len();
    report.recount();
}
