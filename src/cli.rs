//! The command line. Exit codes: 0 nothing at or above `--fail-on`, 1 findings, 2 the
//! tool could not do its job (bad arguments, bad configuration, unreadable path).

use crate::config::{self, CliOverrides, FailOn, Settings};
use crate::core::error::ToolError;
use crate::engine;
use crate::input::changes::{BaseSpec, ChangeSet, GitChangeSet};
use crate::lint::rule as rules_api;
use crate::render::graph::{self, GraphFormat};
use crate::render::{self, Format, Outcome, PrettyOptions};
use crate::rules;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const EXIT_CODES: &str = "Exit codes:\n  0  nothing at or above --fail-on\n  1  findings at or above --fail-on\n  2  guardrail could not do its job (bad arguments, bad configuration, unreadable path)";

#[derive(Parser, Debug)]
#[command(
    name = "guardrail",
    version,
    about = "Stops deploy-breaking mistakes in Django, Odoo and Docker repositories before merge.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check one or more paths (directories or files).
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// List every rule (built-in and the configured packs'): code, slug, severity,
    /// summary. `rules test` and `rules new` work on rule packs.
    #[command(args_conflicts_with_subcommands = true)]
    Rules {
        #[command(subcommand)]
        action: Option<RulesAction>,
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Print the documentation of a rule, by code or slug (packs of the configuration
    /// in the current folder included).
    Explain {
        /// A code (GR501) or slug (compose/obsolete-version-key).
        rule: String,
    },
    /// Draw a graph: `guardrail graph migrations [PATH] --format mermaid|dot`.
    Graph {
        #[arg(value_enum)]
        what: GraphKind,
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        /// Only this app's migrations (by label), with the nodes its edges reach.
        #[arg(long)]
        app: Option<String>,
    },
    /// Print a shell completion script: `guardrail completions bash > ...`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `guardrail man > guardrail.1`.
    Man,
    /// Write a commented default guardrail.toml (never overwrites one).
    Init {
        /// The directory to write it in.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum RulesAction {
    /// Run every example of rule packs. Exit 0 when all pass, 1 when one fails (each
    /// failure is shown at its example in the TOML), 2 when a pack does not load.
    Test {
        /// Pack files (`rules/*.toml`).
        #[arg(required = true)]
        packs: Vec<PathBuf>,
    },
    /// Write a pack rule to fill in, with passing examples: creates the pack file, or
    /// appends to it.
    New {
        /// The pack file.
        pack: PathBuf,
        /// The rule's code: your prefix and digits (`ACME001`).
        #[arg(long)]
        code: String,
        /// `family/rule-name`.
        #[arg(long)]
        slug: String,
        /// What the rule looks for.
        #[arg(long, value_enum, default_value_t = rules::pack::new::Template::Pattern)]
        matcher: rules::pack::new::Template,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphKind {
    /// Every Django app's migration graph, broken edges and extra leaves highlighted.
    Migrations,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    /// The README's rule table.
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Directories or files to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    pub format: Format,
    /// The lowest severity that makes the exit code 1 [default: error, or the config's].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Rules to run: codes, code prefixes, slugs or families, comma-separated
    /// (replaces the config's `select`).
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Rules not to run (replaces the config's `ignore`).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Option<Vec<String>>,
    /// Configuration file [default: guardrail.toml, else [tool.guardrail] in pyproject.toml].
    #[arg(long, conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub no_config: bool,
    /// Colour in pretty output (NO_COLOR is honoured in auto).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print findings only: no summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Compare with the merge base of HEAD and REF (pull requests): enables the
    /// git-aware rules. `auto`: the pull or merge request's base on GitHub Actions and
    /// GitLab CI, nothing on a push (history rules are skipped with a note), else the
    /// remote's default branch.
    #[arg(long, value_name = "REF", conflicts_with = "staged")]
    pub base: Option<String>,
    /// Compare the staged changes with HEAD (pre-commit). The files checked are those of
    /// the git index, what the commit will hold: an untracked file is not checked.
    #[arg(long)]
    pub staged: bool,
    /// Fail (exit 2) when neither --base nor --staged is given.
    #[arg(long)]
    pub require_base: bool,
    /// With --base or --staged: report only findings in the files the change touched,
    /// or caused by it (a deleted migration, at its dependents).
    #[arg(long)]
    pub new_only: bool,
    /// Report only findings not recorded in this baseline file [default: the config's
    /// `baseline`]; entries that no longer occur are listed.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Print where the time went (per phase and per rule) on stderr.
    #[arg(long)]
    pub timings: bool,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Where facts of parsed files are kept across runs [default: $GUARDRAIL_CACHE_DIR,
    /// else .guardrail_cache in each scan root].
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// Parse every file: neither read nor write the facts cache.
    #[arg(long)]
    pub no_cache: bool,
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(ToolError::OutputClosed) => ExitCode::from(2),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> Result<u8, ToolError> {
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Rules {
            action: Some(RulesAction::Test { packs }),
            ..
        } => rules_test(&packs),
        Command::Rules {
            action:
                Some(RulesAction::New {
                    pack,
                    code,
                    slug,
                    matcher,
                }),
            ..
        } => rules_new(&pack, &code, &slug, matcher),
        Command::Rules {
            action: None,
            format,
        } => {
            print_stdout(&rules_listing(&registry_here()?, format))?;
            Ok(0)
        }
        Command::Explain { rule } => match registry_here()?
            .into_iter()
            .find(|r| r.meta().code.eq_ignore_ascii_case(&rule) || r.meta().slug == rule)
        {
            Some(r) => {
                print_stdout(&rule_page(r))?;
                Ok(0)
            }
            None => Err(ToolError::Usage(format!(
                "no rule `{rule}`; `guardrail rules` lists them"
            ))),
        },
        Command::Graph {
            what: GraphKind::Migrations,
            path,
            format,
            app,
        } => {
            let root = if path.is_file() {
                path.parent()
                    .map_or_else(|| PathBuf::from("."), PathBuf::from)
            } else {
                path.clone()
            };
            let loaded = config::load(&root, None)?;
            let settings = Settings::resolve(loaded.as_ref(), &CliOverrides::default())?;
            let scan = engine::scan(&path, &settings)?;
            match graph::render(&scan.index, format, app.as_deref()) {
                Ok(text) => print_stdout(&text)?,
                Err(why) => eprintln!("guardrail: {why}"),
            }
            Ok(0)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "guardrail", &mut out);
            print_stdout(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|source| ToolError::Write {
                    path: "standard output".into(),
                    source,
                })?;
            print_stdout(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Init { path } => {
            let target = path.join(config::CONFIG_FILE);
            let display = target.display().to_string();
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&target);
            match file {
                Ok(mut f) => {
                    f.write_all(config::DEFAULT_CONFIG.as_bytes())
                        .map_err(|source| ToolError::Write {
                            path: display.clone(),
                            source,
                        })?;
                    print_stdout(&format!("wrote {display}\n"))?;
                    Ok(0)
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(ToolError::Usage(
                    format!("{display} already exists; guardrail init never overwrites it"),
                )),
                Err(source) => Err(ToolError::Write {
                    path: display,
                    source,
                }),
            }
        }
    }
}

fn check(args: &CheckArgs) -> Result<u8, ToolError> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(worker_threads(args.threads))
        .stack_size(WORKER_STACK)
        .build()
        .map_err(|e| ToolError::Usage(format!("cannot start worker threads: {e}")))?;
    let overrides = CliOverrides {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on,
    };
    if args.new_only && args.base.is_none() && !args.staged {
        return Err(ToolError::Usage(
            "--new-only needs a change to compare with: pass --base REF (or auto) or --staged"
                .into(),
        ));
    }
    if args.require_base && args.base.is_none() && !args.staged {
        return Err(ToolError::Usage(
            "--require-base: pass --base REF (pull requests) or --staged (pre-commit)".into(),
        ));
    }
    let cache_at = cache_location(args, &|k| std::env::var_os(k));
    let mut reports = Vec::new();
    let mut fail_on = FailOn::Error;
    let mut skipped_history: Option<String> = None;
    let mut baseline_file: Option<PathBuf> = args.baseline.clone();
    for path in &distinct_roots(&args.paths) {
        let root_for_config = if path.is_file() {
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), PathBuf::from)
        } else {
            path.clone()
        };
        let loaded = if args.no_config {
            None
        } else {
            config::load(&root_for_config, args.config.as_deref())?
        };
        let mut settings = Settings::resolve(loaded.as_ref(), &overrides)?;
        settings.timings = args.timings;
        fail_on = settings.fail_on;
        let base = match args.base.as_deref() {
            Some("auto") => match auto_base(&root_for_config, &|k| std::env::var(k).ok()) {
                AutoBase::Ref(r) => Some(r),
                AutoBase::None(why) => {
                    skipped_history = Some(why);
                    None
                }
            },
            other => other.map(str::to_string),
        };
        let changes: Option<Box<dyn ChangeSet>> = if let Some(reference) = base {
            Some(Box::new(GitChangeSet::open(
                &root_for_config,
                &BaseSpec::Ref(reference),
            )?))
        } else if args.staged {
            Some(Box::new(GitChangeSet::open(
                &root_for_config,
                &BaseSpec::Staged,
            )?))
        } else {
            None
        };
        let mut report =
            pool.install(|| engine::check_cached(path, &settings, changes.as_deref(), &cache_at))?;
        if args.new_only
            && let Some(changes) = changes.as_deref()
        {
            engine::scope::retain_changed(&mut report, changes);
        }
        if baseline_file.is_none() {
            baseline_file = settings.baseline.clone();
        }
        if let Some(why) = &skipped_history {
            // Say why instead of suggesting --base, which was given.
            report.notes.retain(|n| !n.starts_with("git-aware rules"));
            report
                .notes
                .push(format!("git-aware rules did not run: {why}"));
        }
        reports.push(report);
    }
    if let Some(file) = &args.write_baseline {
        let baseline = engine::baseline::of_reports(&reports);
        std::fs::write(file, baseline.to_json()).map_err(|source| ToolError::Write {
            path: file.display().to_string(),
            source,
        })?;
        eprintln!(
            "guardrail: wrote {} findings to {}; `--baseline {}` (or `baseline = ...` in guardrail.toml) reports only new ones",
            baseline.findings.len(),
            file.display(),
            file.display()
        );
        return Ok(0);
    }
    if let Some(file) = &baseline_file {
        let baseline = engine::baseline::Baseline::read(file)?;
        let gone = baseline.apply(&mut reports);
        if let Some(first) = reports.first_mut() {
            for e in gone.iter().take(20) {
                first.notes.push(format!(
                    "baseline entry no longer occurs: {} {} ({}): remove it, or rewrite the file with --write-baseline",
                    e.code, e.path, e.message
                ));
            }
            if gone.len() > 20 {
                first.notes.push(format!(
                    "{} more baseline entries no longer occur",
                    gone.len() - 20
                ));
            }
        }
    }
    let outcome = Outcome {
        reports,
        elapsed: started.elapsed(),
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    let pretty = PrettyOptions {
        color,
        width: 100,
        summary: !args.quiet,
    };
    let render_started = Instant::now();
    let text = render::render(args.format, &outcome, &pretty);
    if args.timings {
        eprint!("{}", timings_table(&outcome, render_started.elapsed()));
    }
    match &args.output {
        Some(file) => {
            std::fs::write(file, &text).map_err(|source| ToolError::Write {
                path: file.display().to_string(),
                source,
            })?;
            if !args.quiet {
                eprintln!("{}", render::summary_line(&outcome));
            }
        }
        None => {
            print_stdout(&text)?;
            if args.format == Format::Github && !args.quiet {
                eprintln!("{}", render::summary_line(&outcome));
            }
        }
    }
    let failed = outcome
        .reports
        .iter()
        .flat_map(|r| r.diagnostics.iter())
        .any(|d| fail_on.fails(d.severity));
    Ok(u8::from(failed))
}

/// Writes to stdout. A closed pipe (`guardrail check | head`) is quiet but exits 2; any
/// other failure (a full disk) is an error with its message: a report that was not
/// delivered never passes for a clean run.
fn print_stdout(text: &str) -> Result<(), ToolError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ToolError::OutputClosed),
        Err(source) => Err(ToolError::Write {
            path: "standard output".into(),
            source,
        }),
    }
}

/// Where the facts cache goes: `--no-cache`, `--cache-dir`, `GUARDRAIL_CACHE_DIR` (when
/// not empty), else the scan root's `.guardrail_cache/`.
fn cache_location(
    args: &CheckArgs,
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> engine::CacheLocation {
    if args.no_cache {
        return engine::CacheLocation::Off;
    }
    match args.cache_dir.clone().or_else(|| {
        env("GUARDRAIL_CACHE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }) {
        Some(dir) => engine::CacheLocation::Dir(dir),
        None => engine::CacheLocation::InRoot,
    }
}

/// `--timings`: phases per scan root, then the slowest rules.
fn timings_table(outcome: &Outcome, render: std::time::Duration) -> String {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let mut out = String::from("guardrail timings (ms)\n");
    for r in &outcome.reports {
        let root = if r.prefix.is_empty() {
            "."
        } else {
            r.prefix.as_str()
        };
        out.push_str(&format!("  {root}\n"));
        for (phase, d) in &r.timings.phases {
            out.push_str(&format!("    {:>10.1}  {phase}\n", ms(*d)));
        }
        if let Some(c) = r.timings.cache {
            out.push_str(&format!(
                "    {:>10}  facts cache: {} hits, {} misses ({} hits answered without reading the file)\n",
                "", c.hits, c.misses, c.unread
            ));
        }
        for (code, d, calls) in r.timings.rules.iter().take(15) {
            let name = rules::find(code).map_or("", |x| x.meta().slug);
            out.push_str(&format!(
                "    {:>10.1}  {code} {name} ({calls} calls)\n",
                ms(*d)
            ));
        }
    }
    out.push_str(&format!("    {:>10.1}  render\n", ms(render)));
    out.push_str(&format!("    {:>10.1}  total\n", ms(outcome.elapsed)));
    out
}

/// What `--base auto` compares with.
#[derive(Debug, PartialEq, Eq)]
pub enum AutoBase {
    Ref(String),
    /// No base: why (a push has no base branch).
    None(String),
}

/// `--base auto`: the base of the pull request (GitHub Actions: the event's base sha,
/// else `origin/$GITHUB_BASE_REF`) or merge request (GitLab: `CI_MERGE_REQUEST_DIFF_BASE_SHA`,
/// else `origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME`); on a CI push, none; elsewhere the
/// remote's default branch (`origin/HEAD`). `env` reads a variable (tests pass their own).
pub fn auto_base(root: &std::path::Path, env: &dyn Fn(&str) -> Option<String>) -> AutoBase {
    let set = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    if let Some(base_ref) = set("GITHUB_BASE_REF") {
        let sha = set("GITHUB_EVENT_PATH")
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| {
                v.pointer("/pull_request/base/sha")
                    .and_then(|s| s.as_str())
                    .map(str::to_string)
            });
        return AutoBase::Ref(sha.unwrap_or(format!("origin/{base_ref}")));
    }
    if let Some(sha) = set("CI_MERGE_REQUEST_DIFF_BASE_SHA") {
        return AutoBase::Ref(sha);
    }
    if let Some(target) = set("CI_MERGE_REQUEST_TARGET_BRANCH_NAME") {
        return AutoBase::Ref(format!("origin/{target}"));
    }
    if set("GITHUB_ACTIONS").is_some() || set("GITLAB_CI").is_some() {
        return AutoBase::None(
            "this CI run is not for a pull or merge request (a push has no base branch)".into(),
        );
    }
    let head = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "symbolic-ref",
            "--quiet",
            "--short",
            "refs/remotes/origin/HEAD",
        ])
        .output();
    match head {
        Ok(out) if out.status.success() => {
            AutoBase::Ref(String::from_utf8_lossy(&out.stdout).trim().to_string())
        }
        _ => AutoBase::None(
            "no pull request and no default branch of `origin` to compare with (pass --base REF)"
                .into(),
        ),
    }
}

/// The scan roots without repeats: a path given twice, or inside another directory given
/// (`check . . docker-compose.yml`), is checked once, by the first root that holds it.
/// Paths that cannot be resolved are kept: the scan reports them.
fn distinct_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let resolved: Vec<Option<PathBuf>> = paths.iter().map(|p| p.canonicalize().ok()).collect();
    let mut out = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let Some(Some(me)) = resolved.get(i) else {
            out.push(path.clone());
            continue;
        };
        let covered = resolved.iter().enumerate().any(|(j, other)| {
            let Some(other) = other else { return false };
            // An earlier identical root, or any other directory root above this one.
            (j < i && other == me) || (other != me && other.is_dir() && me.starts_with(other))
        });
        if !covered {
            out.push(path.clone());
        }
    }
    out
}

/// Stack of each worker thread: deeply nested but valid input (a long `+` chain, nested
/// lists) is handled by depth limits first; this is the second line of defence.
const WORKER_STACK: usize = 256 * 1024 * 1024;

/// Worker threads: `--threads`, else `RAYON_NUM_THREADS`, else one per core, never more
/// than the machine runs at once (a `--threads 100000` spawns no 100,000 threads).
pub fn worker_threads(requested: usize) -> usize {
    let available = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let wanted = match requested {
        0 => std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(available),
        n => n,
    };
    wanted.clamp(1, available)
}

/// A rule's documentation page (`docs/rules/<code>.md`, and `guardrail explain`).
pub fn rule_page(rule: &dyn rules_api::Rule) -> String {
    let m = rule.meta();
    format!(
        "# {} {}\n\nSeverity: {}. {}.\n\n{}\n",
        m.code,
        m.slug,
        m.severity,
        m.summary,
        m.doc_text()
    )
}

/// The built-in rules and the packs of the configuration found from the current folder.
fn registry_here() -> Result<Vec<&'static dyn rules_api::Rule>, ToolError> {
    let loaded = config::load(std::path::Path::new("."), None)?;
    Ok(Settings::resolve(loaded.as_ref(), &CliOverrides::default())?.registry)
}

/// `guardrail rules test`: every example of every pack; all failures are shown.
fn rules_test(packs: &[PathBuf]) -> Result<u8, ToolError> {
    let mut taken = rules::pack::taken_by(rules::all());
    let mut failed = 0;
    let mut passed = 0;
    for path in packs {
        let display = path.display().to_string();
        let text = config::read_pack_text(path)?;
        let pack = rules::pack::load(&display, &text, &mut taken)?;
        let errs = rules::pack::PackErrors {
            display: &display,
            text: &text,
        };
        for rule in &pack.rules {
            let failures = rules::pack::examples::run(rule);
            let m = rule.meta;
            if failures.is_empty() {
                passed += 1;
                print_stdout(&format!(
                    "ok   {} {} ({} examples)\n",
                    m.code,
                    m.slug,
                    rule.tests.len()
                ))?;
            } else {
                failed += 1;
                print_stdout(&format!("FAIL {} {}\n", m.code, m.slug))?;
                for f in failures {
                    let e = errs.error(f.span, f.message, "this example", None);
                    eprintln!("{:?}", miette::Report::new(e));
                }
            }
        }
    }
    print_stdout(&format!(
        "{passed} rule{} passed, {failed} failed\n",
        if passed == 1 { "" } else { "s" }
    ))?;
    Ok(u8::from(failed > 0))
}

/// `guardrail rules new`: appends a template rule (with passing examples) to a pack.
fn rules_new(
    pack: &std::path::Path,
    code: &str,
    slug: &str,
    template: rules::pack::new::Template,
) -> Result<u8, ToolError> {
    let display = pack.display().to_string();
    let existing = if pack.exists() {
        Some(config::read_pack_text(pack)?)
    } else {
        None
    };
    let text = rules::pack::new::render(existing.as_deref(), code, slug, template)
        .map_err(ToolError::Usage)?;
    // The result must load and pass before it is written.
    let mut taken = rules::pack::taken_by(rules::all());
    let loaded = rules::pack::load(&display, &text, &mut taken)?;
    for rule in &loaded.rules {
        if let Some(f) = rules::pack::examples::run(rule).into_iter().next() {
            return Err(ToolError::config(
                &display,
                &text,
                Some(f.span),
                f.message,
                "here",
                None,
            ));
        }
    }
    if let Some(parent) = pack.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| ToolError::Write {
            path: parent.display().to_string(),
            source,
        })?;
    }
    std::fs::write(pack, &text).map_err(|source| ToolError::Write {
        path: display.clone(),
        source,
    })?;
    print_stdout(&format!(
        "wrote rule {code} ({slug}) to {display}: edit its matcher, message and examples, then \
         `guardrail rules test {display}`; add the pack to guardrail.toml with `packs = [\"{display}\"]`\n"
    ))?;
    Ok(0)
}

pub fn rules_listing(all: &[&'static dyn rules_api::Rule], format: RulesFormat) -> String {
    match format {
        RulesFormat::Table => {
            let slug_w = all.iter().map(|r| r.meta().slug.len()).max().unwrap_or(4);
            let code_w = all
                .iter()
                .map(|r| r.meta().code.len())
                .max()
                .unwrap_or(4)
                .max(6);
            let mut out = format!(
                "{:<code_w$} {:<slug_w$} {:<8} SUMMARY\n",
                "CODE", "RULE", "SEVERITY"
            );
            for r in all {
                let m = r.meta();
                out.push_str(&format!(
                    "{:<code_w$} {:<slug_w$} {:<8} {}\n",
                    m.code,
                    m.slug,
                    m.severity.as_str(),
                    m.summary
                ));
            }
            out
        }
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = all
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "code": m.code,
                        "rule": m.slug,
                        "severity": m.severity.as_str(),
                        "summary": m.summary,
                        "kinds": m.kinds,
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
        RulesFormat::Markdown => {
            let mut out = String::from("| Code | Rule | Severity | Summary |\n|---|---|---|---|\n");
            for r in all {
                let m = r.meta();
                out.push_str(&format!(
                    "| {} | `{}` | {} | {} |\n",
                    m.code,
                    m.slug,
                    m.severity.as_str(),
                    m.summary.replace('|', "\\|")
                ));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn base(vars: &[(&str, &str)]) -> AutoBase {
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let dir = tempfile::TempDir::new().unwrap();
        auto_base(dir.path(), &|k| env.get(k).cloned())
    }

    #[test]
    fn auto_base_reads_the_ci_environment() {
        let dir = tempfile::TempDir::new().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(&event, r#"{"pull_request": {"base": {"sha": "abc123"}}}"#).unwrap();
        let event = event.display().to_string();
        // GitHub pull request: the event's base sha, else the base branch.
        assert_eq!(
            base(&[
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_BASE_REF", "main"),
                ("GITHUB_EVENT_PATH", &event)
            ]),
            AutoBase::Ref("abc123".into())
        );
        assert_eq!(
            base(&[("GITHUB_ACTIONS", "true"), ("GITHUB_BASE_REF", "main")]),
            AutoBase::Ref("origin/main".into())
        );
        // GitLab merge request.
        assert_eq!(
            base(&[
                ("GITLAB_CI", "true"),
                ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "def456")
            ]),
            AutoBase::Ref("def456".into())
        );
        assert_eq!(
            base(&[
                ("GITLAB_CI", "true"),
                ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "develop")
            ]),
            AutoBase::Ref("origin/develop".into())
        );
        // A push: no base, and the reason.
        assert!(matches!(
            base(&[("GITHUB_ACTIONS", "true"), ("GITHUB_BASE_REF", "")]),
            AutoBase::None(why) if why.contains("push")
        ));
        // No CI and no origin: none, with the way out.
        assert!(matches!(base(&[]), AutoBase::None(why) if why.contains("--base REF")));
    }

    #[test]
    fn worker_threads_never_exceed_the_machine() {
        let available = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        assert_eq!(worker_threads(100_000), available);
        assert_eq!(worker_threads(1), 1);
        assert!(worker_threads(0) <= available);
    }
    #[test]
    fn the_cache_goes_where_the_flags_then_the_environment_say() {
        use clap::Parser;
        let location = |argv: &[&str], env: Option<&str>| {
            let cli = Cli::try_parse_from(argv).unwrap();
            let Command::Check(args) = cli.command else {
                panic!("not check")
            };
            cache_location(&args, &|k| {
                assert_eq!(k, "GUARDRAIL_CACHE_DIR");
                env.map(std::ffi::OsString::from)
            })
        };
        let dir = |d: &str| engine::CacheLocation::Dir(PathBuf::from(d));
        assert_eq!(
            location(&["g", "check"], None),
            engine::CacheLocation::InRoot
        );
        assert_eq!(
            location(&["g", "check"], Some("")),
            engine::CacheLocation::InRoot
        );
        assert_eq!(location(&["g", "check"], Some("/env")), dir("/env"));
        assert_eq!(
            location(&["g", "check", "--cache-dir", "/flag"], Some("/env")),
            dir("/flag")
        );
        assert_eq!(
            location(&["g", "check", "--no-cache"], Some("/env")),
            engine::CacheLocation::Off
        );
        assert!(Cli::try_parse_from(["g", "check", "--no-cache", "--cache-dir", "x"]).is_err());
    }
}
