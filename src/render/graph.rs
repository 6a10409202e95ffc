//! `guardrail graph migrations`: each app's migration graph as Mermaid or Graphviz DOT,
//! with dangling dependencies and extra leaves highlighted. Drawn from the same project
//! model the rules use, so the picture and the findings always agree.

use crate::index::Index;
use crate::model::django::DjangoProject;
use crate::model::project::{Need, Options, Project};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

struct Node {
    id: String,
    label: String,
    leaf_conflict: bool,
}

struct Edge {
    from: String,
    to: String,
    broken: bool,
}

struct Model {
    /// App label -> nodes.
    clusters: BTreeMap<String, Vec<Node>>,
    edges: Vec<Edge>,
    /// Targets of dangling edges: id -> label.
    missing: BTreeMap<String, String>,
}

fn id(label: &str, name: &str) -> String {
    let raw = format!("{label}__{name}");
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn model(index: &Index, project: &DjangoProject) -> Model {
    let mut clusters: BTreeMap<String, Vec<Node>> = BTreeMap::new();
    let mut conflicts: BTreeSet<usize> = BTreeSet::new();
    for (ai, _) in project.apps.iter().enumerate() {
        if let Some(graph) = project.app_graph(index, ai) {
            let leaves = graph.leaves();
            if leaves.len() > 1 {
                conflicts.extend(leaves);
            }
        }
    }
    for (i, m) in project.migrations.iter().enumerate() {
        clusters.entry(m.label.clone()).or_default().push(Node {
            id: id(&m.label, &m.name),
            label: m.name.clone(),
            leaf_conflict: conflicts.contains(&i),
        });
    }
    // Migrated apps with no migration at all: an empty box says so.
    for app in &project.apps {
        if app.has_migrations_package
            && !app.migrations_disabled
            && app.is_django()
            && !clusters.contains_key(&app.label)
        {
            clusters.insert(
                app.label.clone(),
                vec![Node {
                    id: id(&app.label, "__empty__"),
                    label: "(no migrations)".to_string(),
                    leaf_conflict: false,
                }],
            );
        }
    }
    for nodes in clusters.values_mut() {
        nodes.sort_by(|a, b| a.label.cmp(&b.label));
    }
    let mut edges = Vec::new();
    let mut missing = BTreeMap::new();
    for (i, m) in project.migrations.iter().enumerate() {
        let Some(facts) = project.facts(index, i) else {
            continue;
        };
        let child = id(&m.label, &m.name);
        for d in &facts.dependencies {
            let Some((app, name)) = project.resolve_dep(&d.target) else {
                continue;
            };
            let (app, name) = (&app, &name);
            let apps = project.migrated_apps(app, m.app);
            if apps.is_empty() {
                continue;
            }
            if name.starts_with("__") {
                // `__first__`/`__latest__`: an edge from the app, broken when it has none.
                if apps.iter().all(|a| a.migrations.is_empty()) {
                    let mid = format!("missing__{}", id(app, "all"));
                    missing.insert(mid.clone(), format!("{app} (no migrations)"));
                    edges.push(Edge {
                        from: mid,
                        to: child.clone(),
                        broken: true,
                    });
                }
                continue;
            }
            let target = project.alias(app, name);
            if project.nodes(app, &target).is_empty() {
                let mid = format!("missing__{}", id(app, name));
                missing.insert(mid.clone(), format!("{app}.{name} (missing)"));
                edges.push(Edge {
                    from: mid,
                    to: child.clone(),
                    broken: true,
                });
            } else {
                edges.push(Edge {
                    from: id(app, &target),
                    to: child.clone(),
                    broken: false,
                });
            }
        }
    }
    edges.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    edges.dedup_by(|a, b| a.from == b.from && a.to == b.to);
    Model {
        clusters,
        edges,
        missing,
    }
}

/// The graph, or why there is none: no migrations at all, or no app with that label.
pub fn render(index: &Index, format: GraphFormat, app: Option<&str>) -> Result<String, String> {
    let options = Options::default();
    let project = Project::build(index, &options, &[Need::Django]);
    let mut m = model(index, project.django());
    if m.clusters.is_empty() {
        return Err("no Django migrations found: nothing to draw".into());
    }
    if let Some(app) = app {
        keep_app(&mut m, app)?;
    }
    Ok(match format {
        GraphFormat::Mermaid => mermaid(&m),
        GraphFormat::Dot => dot(&m),
    })
}

/// Keeps one app's migrations, and the nodes of other apps its edges touch.
fn keep_app(m: &mut Model, app: &str) -> Result<(), String> {
    let Some(own) = m.clusters.get(app) else {
        let known: Vec<&str> = m.clusters.keys().map(String::as_str).collect();
        return Err(format!(
            "no app labelled `{app}` has migrations; apps: {}",
            known.join(", ")
        ));
    };
    let own: BTreeSet<String> = own.iter().map(|n| n.id.clone()).collect();
    m.edges
        .retain(|e| own.contains(&e.from) || own.contains(&e.to));
    let touched: BTreeSet<&str> = m
        .edges
        .iter()
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .collect();
    for (label, nodes) in m.clusters.iter_mut() {
        if label != app {
            nodes.retain(|n| touched.contains(n.id.as_str()));
        }
    }
    m.clusters.retain(|_, nodes| !nodes.is_empty());
    m.missing.retain(|id, _| touched.contains(id.as_str()));
    Ok(())
}

fn mermaid(m: &Model) -> String {
    let mut out = String::from("flowchart LR\n");
    for (label, nodes) in &m.clusters {
        out.push_str(&format!("  subgraph {}[\"{label}\"]\n", id("app", label)));
        for n in nodes {
            out.push_str(&format!("    {}[\"{}\"]", n.id, n.label));
            if n.leaf_conflict {
                out.push_str(":::leaf");
            }
            out.push('\n');
        }
        out.push_str("  end\n");
    }
    for (mid, label) in &m.missing {
        out.push_str(&format!("  {mid}[\"{label}\"]:::missing\n"));
    }
    for e in &m.edges {
        let arrow = if e.broken { "-. missing .->" } else { "-->" };
        out.push_str(&format!("  {} {arrow} {}\n", e.from, e.to));
    }
    out.push_str("  classDef missing fill:#fdd,stroke:#c00,stroke-dasharray:4\n");
    out.push_str("  classDef leaf fill:#ffd,stroke:#c80\n");
    out
}

fn dot(m: &Model) -> String {
    let mut out = String::from(
        "digraph migrations {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for (label, nodes) in &m.clusters {
        out.push_str(&format!(
            "  subgraph \"cluster_{label}\" {{\n    label=\"{label}\";\n"
        ));
        for n in nodes {
            let style = if n.leaf_conflict {
                ", style=filled, fillcolor=\"#ffeeaa\", color=\"#cc8800\""
            } else {
                ""
            };
            out.push_str(&format!("    {} [label=\"{}\"{style}];\n", n.id, n.label));
        }
        out.push_str("  }\n");
    }
    for (mid, label) in &m.missing {
        out.push_str(&format!("  {mid} [label=\"{label}\", style=\"dashed,filled\", fillcolor=\"#ffdddd\", color=\"#cc0000\"];\n"));
    }
    for e in &m.edges {
        let style = if e.broken {
            " [color=\"#cc0000\", style=dashed, label=\"missing\"]"
        } else {
            ""
        };
        out.push_str(&format!("  {} -> {}{style};\n", e.from, e.to));
    }
    out.push_str("}\n");
    out
}
