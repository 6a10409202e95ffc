//! Benchmark (not a test): the migrations family on a generated project of 200 apps x
//! 100 migrations, against walking and reading the same tree.
//!
//! Run: `cargo bench --bench migrations` (APPS and MIGRATIONS override the size).
//! The target from the issue: the family stays below 20 % of walk + read.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is a failure report

use guardrail::config::{CliOverrides, Settings};
use guardrail::core::kind::FileKind;
use guardrail::engine;
use rayon::prelude::*;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

fn generate(root: &Path, apps: usize, migrations: usize) {
    fs::create_dir_all(root.join("config")).unwrap();
    fs::write(
        root.join("config/settings.py"),
        "AUTH_USER_MODEL = 'app0.Model0'\n",
    )
    .unwrap();
    for a in 0..apps {
        let dir = root.join(format!("app{a}"));
        fs::create_dir_all(dir.join("migrations")).unwrap();
        fs::write(dir.join("__init__.py"), "").unwrap();
        fs::write(
            dir.join("apps.py"),
            format!("from django.apps import AppConfig\n\n\nclass App{a}Config(AppConfig):\n    name = 'app{a}'\n"),
        )
        .unwrap();
        fs::write(
            dir.join("models.py"),
            format!("from django.db import models\n\n\nclass Model{a}(models.Model):\n    name = models.CharField(max_length=100)\n"),
        )
        .unwrap();
        fs::write(dir.join("migrations/__init__.py"), "").unwrap();
        for m in 0..migrations {
            let name = if m == 0 {
                "0001_initial".to_string()
            } else {
                format!("{:04}_change_{m}", m + 1)
            };
            let mut deps = Vec::new();
            if m > 0 {
                let prev = if m == 1 {
                    "0001_initial".to_string()
                } else {
                    format!("{:04}_change_{}", m, m - 1)
                };
                deps.push(format!("        ('app{a}', '{prev}'),"));
            }
            if a > 0 && m == 0 {
                deps.push(format!("        ('app{}', '0001_initial'),", a - 1));
                deps.push(
                    "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),"
                        .to_string(),
                );
            }
            let text = format!(
                "from django.conf import settings\nfrom django.db import migrations, models\n\n\n\
                 class Migration(migrations.Migration):\n\n    dependencies = [\n{}\n    ]\n\n    operations = [\n\
                 \x20       migrations.AddField(\n            model_name='model{a}',\n            name='field_{m}',\n\
                 \x20           field=models.CharField(blank=True, default='', max_length={}),\n        ),\n\
                 \x20       migrations.AlterModelOptions(\n            name='model{a}',\n            options={{'ordering': ['name']}},\n        ),\n    ]\n",
                deps.join("\n"),
                m + 10
            );
            fs::write(dir.join("migrations").join(format!("{name}.py")), text).unwrap();
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn main() {
    let apps: usize = std::env::var("APPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let migrations: usize = std::env::var("MIGRATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let runs = 5;
    let tmp = tempfile::TempDir::new().unwrap();
    generate(tmp.path(), apps, migrations);

    let all = Settings::resolve(None, &CliOverrides::default()).unwrap();
    let family = Settings::resolve(
        None,
        &CliOverrides {
            select: Some(vec!["migrations".into()]),
            ..CliOverrides::default()
        },
    )
    .unwrap();

    let mut walk_read = Vec::new();
    let mut family_times = Vec::new();
    let mut parse_times = Vec::new();
    let mut graph_times = Vec::new();
    let mut files = 0;
    let mut findings = 0;
    for _ in 0..=runs {
        // Walk and read every file the family reads.
        let t = Instant::now();
        let scan = engine::scan(tmp.path(), &all).unwrap();
        scan.index.files().par_iter().for_each(|f| {
            let _ = f.source();
        });
        let wr = t.elapsed();
        files = scan.index.len();

        // On a fresh index whose text is read: parse every Python file the family
        // reads (migration facts, apps and models), then build the graph and run the rules.
        let scan2 = engine::scan(tmp.path(), &all).unwrap();
        scan2.index.files().par_iter().for_each(|f| {
            let _ = f.source();
        });
        let t = Instant::now();
        scan2.index.files().par_iter().for_each(|f| match f.kind {
            FileKind::DjangoMigration => {
                let _ = f.migration();
            }
            FileKind::Python | FileKind::DjangoSettings
                if !f.path.as_str().contains("/migrations/") =>
            {
                let _ = f.python();
            }
            _ => {}
        });
        let parse = t.elapsed();
        let t = Instant::now();
        let found = engine::run_rules(&scan2.index, &family, None);
        let graph = t.elapsed();
        let fam = parse + graph;
        findings = found.len();
        graph_times.push(graph);
        walk_read.push(wr);
        parse_times.push(parse);
        family_times.push(fam);
    }
    // The first round warms the page cache.
    walk_read.remove(0);
    parse_times.remove(0);
    family_times.remove(0);
    graph_times.remove(0);
    let (wr, parse, fam, graph) = (
        median(walk_read),
        median(parse_times),
        median(family_times),
        median(graph_times),
    );
    let ratio = fam.as_secs_f64() / wr.as_secs_f64() * 100.0;
    let graph_ratio = graph.as_secs_f64() / wr.as_secs_f64() * 100.0;
    println!(
        "migrations family benchmark: {apps} apps x {migrations} migrations, {files} files, {} threads",
        rayon::current_num_threads()
    );
    println!(
        "  walk + read            {:>8.1} ms",
        wr.as_secs_f64() * 1e3
    );
    println!(
        "  migrations family      {:>8.1} ms  ({ratio:.1} % of walk + read; target < 20 %)",
        fam.as_secs_f64() * 1e3
    );
    println!(
        "    parsing (ruff)       {:>8.1} ms",
        parse.as_secs_f64() * 1e3
    );
    println!(
        "    graph + rules        {:>8.1} ms  ({graph_ratio:.1} % of walk + read)",
        graph.as_secs_f64() * 1e3
    );
    println!("  findings               {findings:>8}");
    if ratio >= 20.0 {
        println!("  OVER TARGET");
    }
}
