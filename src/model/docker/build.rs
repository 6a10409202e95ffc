//! What a Dockerfile's build does, stage by stage: the context it copies from (and its
//! `.dockerignore`), and, in order, the copies and the commands of every RUN, each
//! command classified as installing the application's dependencies, executing the
//! application's code, or needing a database. A stage built `FROM` another stage of the
//! file inherits that stage's events first.

use crate::core::limits::MAX_DOCKER_STAGES;
use crate::core::path::RelPath;
use crate::core::path::{normalize, strip_dir};
use crate::core::source::{SourceFile, Span};
use crate::index::Index;
use crate::model::compose::ComposeBuilds;
use crate::syntax::dockerfile::{Args, Dockerfile, Instruction, Mount};
use crate::syntax::ignorefile::IgnoreFile;
use crate::syntax::shell::{self, Command, Word};

/// Django management commands that need a database (or a running service).
const DJANGO_DB_COMMANDS: &[&str] = &[
    "migrate",
    "migrate_schemas",
    "loaddata",
    "createsuperuser",
    "create_tenant",
    "create_tenant_superuser",
    "clone_tenant",
    "createcachetable",
    "flush",
    "dbshell",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Install {
    /// `pip install -r F`, `pip-sync F`, `conda env update -f F`.
    Files(Vec<Word>),
    /// `pip install .`, `poetry install`, `uv sync`, `pipenv install`.
    Project,
    /// `pip install gunicorn`: named packages only (requirement specifiers as written).
    Packages(Vec<String>),
    /// Local distributions whose dependencies cannot be read here: `pip install
    /// dist/*.tar.gz`, `pip install /wheels/*`, `pip install ./vendor/pkg.whl`.
    Local,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Install(Install),
    /// Executes the application's code; `what` as shown to users.
    RunApp {
        what: String,
    },
    /// Needs a database or a running service.
    NeedsDatabase {
        what: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    /// Sources as written (context paths, or paths in `from`).
    pub sources: Vec<Word>,
    pub dest: String,
    pub from: Option<String>,
    /// Copies the whole context (`COPY . .`).
    pub whole_context: bool,
    /// Copies an installed environment from another stage (a venv, site-packages).
    pub brings_environment: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    Copy(Copy),
    /// One command of a RUN, with what it does.
    Command {
        command: Command,
        actions: Vec<Action>,
    },
    Workdir(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Index into `Dockerfile::instructions`.
    pub instruction: usize,
    /// The stage the instruction belongs to.
    pub stage: usize,
    /// Source span: the command within the RUN, or the instruction.
    pub span: Span,
    pub kind: EventKind,
    /// WORKDIR in effect.
    pub workdir: String,
    /// `DJANGO_SETTINGS_MODULE` in the image's environment here: the last `ENV` that set
    /// it in this stage or the stages it is built `FROM`.
    pub django_settings: Option<String>,
    /// How many events back, in this event's timeline, the nearest earlier event that
    /// can bring a file into the image is (a COPY, or a command that may create files);
    /// 0 when there is none. [`coverage`] follows these links instead of looking at every
    /// event: a thousand `RUN pip install` lines no longer cost each other a scan.
    pub back: u32,
}

/// Everything the Docker rules need of one Dockerfile, computed once per file.
#[derive(Debug)]
pub struct DockerBuild {
    /// `None` when the build context cannot be determined (or only this file was given).
    pub context: Option<Context>,
    /// One timeline per stage, its lineage first.
    pub timelines: Vec<Vec<Event>>,
    /// Not analysed, and why: no timelines (over [`MAX_DOCKER_STAGES`] stages).
    pub not_analysed: Option<String>,
}

/// Analyses a Dockerfile of the index: its context, and its stages' timelines (RUN
/// commands parsed as shell and classified).
pub fn analyse(
    index: &Index,
    compose: &ComposeBuilds,
    path: &RelPath,
    df: &Dockerfile,
    source: &SourceFile,
) -> DockerBuild {
    // With a single file checked, the rest of the context is unknown.
    let context = if index.is_partial() {
        None
    } else {
        context(index, compose, path, df)
    };
    let first_party = |name: &str| {
        context.as_ref().is_some_and(|c| {
            let n = name.trim_start_matches("./");
            !n.is_empty()
                && (c.exists(index, n)
                    || (!n.ends_with(".py") && c.exists(index, &format!("{n}.py"))))
        })
    };
    if df.stages.len() > MAX_DOCKER_STAGES {
        return DockerBuild {
            context,
            timelines: Vec::new(),
            not_analysed: Some(format!(
                "{} stages, over the {MAX_DOCKER_STAGES} analysed",
                df.stages.len()
            )),
        };
    }
    let timelines = timelines(df, source, &first_party);
    DockerBuild {
        context,
        timelines,
        not_analysed: None,
    }
}

/// The build context of a Dockerfile.
#[derive(Debug)]
pub struct Context {
    /// Folder relative to the scan root ("" for the root).
    pub dir: String,
    pub dockerignore: Option<IgnoreFile>,
}

impl Context {
    pub fn path(&self, rel: &str) -> String {
        let rel = rel.trim_start_matches("./").trim_end_matches('/');
        match (self.dir.is_empty(), rel.is_empty() || rel == ".") {
            (_, true) => self.dir.clone(),
            (true, false) => rel.to_string(),
            (false, false) => format!("{}/{rel}", self.dir),
        }
    }

    /// Whether the context has `rel` (a file, or a folder with files).
    pub fn exists(&self, index: &Index, rel: &str) -> bool {
        let p = self.path(rel);
        index.get(&p).is_some() || index.has_files_under(&p)
    }

    /// The `.dockerignore` line that excludes `rel`, if any.
    pub fn ignored(&self, rel: &str) -> Option<usize> {
        let ig = self.dockerignore.as_ref()?;
        let p = self.path(rel);
        ig.ignored(&p, false).map(|h| h.line)
    }
}

/// Finds the build context: the one a Compose file gives for this Dockerfile, else the
/// nearest folder (the Dockerfile's, then its parents) that holds the first source the
/// Dockerfile copies; `None` when no folder does (context rules then stay silent).
pub fn context(
    index: &Index,
    compose: &ComposeBuilds,
    dockerfile: &RelPath,
    df: &Dockerfile,
) -> Option<Context> {
    let dir = compose
        .context_of(dockerfile.as_str())
        .map(str::to_string)
        .or_else(|| {
            // Context-relative paths the build names: COPY/ADD sources, bind-mount sources.
            let copies = df
                .instructions
                .iter()
                .filter(|i| {
                    matches!(i.keyword.as_str(), "COPY" | "ADD") && i.flag("from").is_none()
                })
                .filter_map(|i| copy_parts(i).map(|(sources, _)| sources))
                .flatten()
                .map(|w| w.text);
            let mounts = df
                .instructions
                .iter()
                .flat_map(|i| i.bind_mounts())
                .filter(|m| m.from.is_none())
                .map(|m| m.source);
            let probe = copies.chain(mounts).find(|s| {
                s != "." && s != "./" && !s.contains(['*', '?', '$']) && !s.contains("://")
            });
            let mut dir = dockerfile.parent().to_string();
            let Some(probe) = probe else {
                // Nothing to probe with: `docker build .` beside a plain Dockerfile is the
                // convention; any other name (docker/web.Dockerfile) is usually built from
                // elsewhere, so the context is unknown.
                return matches!(dockerfile.file_name(), "Dockerfile" | "Containerfile")
                    .then_some(dir);
            };
            loop {
                let ctx = Context {
                    dir: dir.clone(),
                    dockerignore: None,
                };
                if ctx.exists(index, &probe) {
                    return Some(dir);
                }
                if dir.is_empty() {
                    return None;
                }
                dir = dir
                    .rsplit_once('/')
                    .map_or(String::new(), |(p, _)| p.to_string());
            }
        })?;
    let ignore_path = if dir.is_empty() {
        ".dockerignore".to_string()
    } else {
        format!("{dir}/.dockerignore")
    };
    let own_ignore = format!("{dockerfile}.dockerignore");
    let dockerignore = [own_ignore, ignore_path]
        .iter()
        .find_map(|p| index.get(p).and_then(|f| f.source()))
        .map(|s| rebased_dockerignore(s, &dir));
    Some(Context { dir, dockerignore })
}

/// A `.dockerignore` read against the context folder (a `Dockerfile.dockerignore` may
/// live elsewhere).
fn rebased_dockerignore(source: &SourceFile, dir: &str) -> IgnoreFile {
    if source.path.parent() == dir {
        return IgnoreFile::dockerignore(source);
    }
    let name = if dir.is_empty() {
        ".dockerignore".to_string()
    } else {
        format!("{dir}/.dockerignore")
    };
    IgnoreFile::dockerignore(&SourceFile::new(RelPath::new(name), source.text.clone()))
}

/// Sources and destination of a COPY/ADD (heredoc copies have no context sources).
pub fn copy_parts(inst: &Instruction) -> Option<(Vec<Word>, String)> {
    let words: Vec<Word> = inst
        .words()
        .into_iter()
        .map(|(text, span)| Word {
            text: shell::unquote(&text),
            span,
        })
        .collect();
    let (dest, sources) = words.split_last()?;
    if sources.is_empty() || sources.iter().any(|s| s.text.starts_with("<<")) {
        return None;
    }
    Some((sources.to_vec(), dest.text.clone()))
}

/// The events of every stage, each stage's lineage (stages it is built FROM) first.
pub fn timelines(
    df: &Dockerfile,
    source: &SourceFile,
    first_party: &dyn Fn(&str) -> bool,
) -> Vec<Vec<Event>> {
    let mut own: Vec<Vec<Event>> = Vec::new();
    // The WORKDIR and DJANGO_SETTINGS_MODULE each stage ends with: a stage `FROM` an
    // earlier stage starts from them (BuildKit: the child image is the parent's image).
    let mut final_state: Vec<(String, Option<String>)> = Vec::new();
    for (si, stage) in df.stages.iter().enumerate() {
        let mut events = Vec::new();
        let (mut workdir, mut settings) = df
            .stage_named(&stage.base)
            .filter(|p| *p < si)
            .and_then(|p| final_state.get(p).cloned())
            .unwrap_or_else(|| ("/".to_string(), None));
        for &ii in &stage.instructions {
            let Some(inst) = df.instructions.get(ii) else {
                continue;
            };
            match inst.keyword.as_str() {
                "WORKDIR" => {
                    let w = inst.text();
                    workdir = if w.starts_with('/') {
                        w.trim().to_string()
                    } else {
                        format!("{}/{}", workdir.trim_end_matches('/'), w.trim())
                    };
                    events.push(Event {
                        instruction: ii,
                        stage: si,
                        span: inst.span,
                        kind: EventKind::Workdir(workdir.clone()),
                        workdir: workdir.clone(),
                        django_settings: settings.clone(),
                        back: 0,
                    });
                }
                "ENV" => {
                    if let Some((_, v)) = env_pairs(&inst.text())
                        .into_iter()
                        .rfind(|(k, _)| k == "DJANGO_SETTINGS_MODULE")
                    {
                        settings = Some(v);
                    }
                }
                "COPY" | "ADD" => {
                    let Some((sources, dest)) = copy_parts(inst) else {
                        continue;
                    };
                    let from = inst.flag("from").map(|f| f.value.clone());
                    let whole_context = from.is_none()
                        && sources
                            .iter()
                            .any(|s| matches!(s.text.as_str(), "." | "./" | "*"));
                    let brings_environment = from.is_some()
                        && sources
                            .iter()
                            .chain(std::iter::once(&Word {
                                text: dest.clone(),
                                span: Span::default(),
                            }))
                            .any(|s| {
                                let t = s.text.to_ascii_lowercase();
                                t.contains("site-packages")
                                    || t.contains("venv")
                                    || t.contains("/.local")
                                    || t.contains("/usr/local/lib/python")
                                    || t.contains("/opt/")
                            });
                    events.push(Event {
                        instruction: ii,
                        stage: si,
                        span: inst.span,
                        kind: EventKind::Copy(Copy {
                            sources,
                            dest,
                            from,
                            whole_context,
                            brings_environment,
                        }),
                        workdir: workdir.clone(),
                        django_settings: settings.clone(),
                        back: 0,
                    });
                }
                "RUN" => {
                    for (command, map) in run_commands(inst, source) {
                        let mut command = command;
                        let span = map(command.span);
                        command.span = span;
                        for w in command
                            .args
                            .iter_mut()
                            .chain(std::iter::once(&mut command.name))
                        {
                            w.span = map(w.span);
                        }
                        let actions = classify(&command, first_party);
                        events.push(Event {
                            instruction: ii,
                            stage: si,
                            span,
                            kind: EventKind::Command { command, actions },
                            workdir: workdir.clone(),
                            django_settings: settings.clone(),
                            back: 0,
                        });
                    }
                }
                _ => {}
            }
        }
        own.push(events);
        final_state.push((workdir, settings));
    }
    // Lineage: a stage FROM another stage starts with that stage's events.
    (0..df.stages.len())
        .map(|si| {
            let mut chain = vec![si];
            let mut cur = si;
            while let Some(parent) = df
                .stages
                .get(cur)
                .and_then(|s| df.stage_named(&s.base))
                .filter(|p| *p < cur && !chain.contains(p))
            {
                chain.push(parent);
                cur = parent;
            }
            chain.reverse();
            let mut timeline: Vec<Event> = chain
                .iter()
                .flat_map(|s| own.get(*s).cloned().unwrap_or_default())
                .collect();
            link_back(&mut timeline);
            timeline
        })
        .collect()
}

/// Whether an event can bring a file into the image: what [`coverage`] looks at.
fn brings_files(e: &Event) -> bool {
    match &e.kind {
        EventKind::Copy(_) => true,
        EventKind::Command { command, .. } => may_create_files(command),
        EventKind::Workdir(_) => false,
    }
}

/// Fills each event's [`Event::back`] link, in one pass over the timeline.
fn link_back(timeline: &mut [Event]) {
    let mut last: Option<usize> = None;
    for (i, e) in timeline.iter_mut().enumerate() {
        e.back = last.map_or(0, |l| u32::try_from(i - l).unwrap_or(0));
        if brings_files(e) {
            last = Some(i);
        }
    }
}

type SpanMap = Box<dyn Fn(Span) -> Span>;

/// The commands of a RUN (shell form, JSON form, or heredoc scripts), with a map from
/// their script spans to source spans.
fn run_commands(inst: &Instruction, _source: &SourceFile) -> Vec<(Command, SpanMap)> {
    let mut out: Vec<(Command, SpanMap)> = Vec::new();
    if !inst.heredocs.is_empty() {
        for h in &inst.heredocs {
            let base = h.body_span.start;
            for c in shell::commands(&h.body) {
                out.push((
                    c,
                    Box::new(move |s: Span| Span::new(base + s.start, base + s.end)),
                ));
            }
        }
        return out;
    }
    match &inst.args {
        Args::Shell(text) => {
            let pieces = inst.pieces.clone();
            let offset = inst.args_offset;
            for c in shell::commands(text) {
                let pieces = pieces.clone();
                out.push((
                    c,
                    Box::new(move |s: Span| pieces.span(offset + s.start, offset + s.end)),
                ));
            }
        }
        Args::Json(items) => {
            let Some(((first, first_span), rest)) = items.split_first() else {
                return out;
            };
            let whole = Span::new(
                first_span.start,
                items.last().map_or(first_span.end, |(_, s)| s.end),
            );
            let command = Command {
                name: Word {
                    text: first.clone(),
                    span: *first_span,
                },
                args: rest
                    .iter()
                    .map(|(t, s)| Word {
                        text: t.clone(),
                        span: *s,
                    })
                    .collect(),
                assigns: Vec::new(),
                span: whole,
                cwd: None,
                writes_output: false,
            };
            out.push((command, Box::new(|s| s)));
        }
    }
    out
}

/// `ENV` pairs, in the `KEY=value` and legacy `KEY value` forms.
pub fn env_pairs(text: &str) -> Vec<(String, String)> {
    let text = text.trim();
    if !text.contains('=') {
        // Legacy `ENV KEY value`.
        return text
            .split_once(char::is_whitespace)
            .map(|(k, v)| vec![(k.to_string(), shell::unquote(v.trim()))])
            .unwrap_or_default();
    }
    shell::commands(&format!("true {text}"))
        .first()
        .map(|c| {
            c.args
                .iter()
                .filter_map(|a| {
                    a.text
                        .split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_python(program: &str) -> bool {
    program.starts_with("python") || program.starts_with("pypy")
}

/// What a command does.
pub fn classify(cmd: &Command, first_party: &dyn Fn(&str) -> bool) -> Vec<Action> {
    let program = cmd.program();
    let args: Vec<&Word> = cmd.args.iter().collect();
    if is_python(program) {
        let mut i = 0;
        while let Some(a) = args.get(i) {
            match a.text.as_str() {
                "-u" | "-O" | "-OO" | "-B" | "-E" | "-s" | "-S" | "-I" | "-q" => i += 1,
                "-W" | "-X" => i += 2,
                _ => break,
            }
        }
        let rest = args.get(i..).unwrap_or_default();
        match rest.first().map(|w| w.text.as_str()) {
            Some("-m") => {
                let module = rest.get(1).map_or("", |w| w.text.as_str());
                let after = rest.get(2..).unwrap_or_default();
                return match module {
                    "pip" => pip(after),
                    "django" => django(after, "python -m django"),
                    m if first_party(m.split('.').next().unwrap_or(m)) => vec![Action::RunApp {
                        what: format!("python -m {m}"),
                    }],
                    _ => Vec::new(),
                };
            }
            Some("-c") => {
                let code = rest.get(1).map_or("", |w| w.text.as_str());
                let imports_first_party =
                    crate::syntax::python::parse(code).ok().is_some_and(|m| {
                        let mut found = false;
                        crate::syntax::python::walk_stmts(&m.body, true, &mut |s| match s {
                            crate::syntax::python::PyStmt::Import { names, .. } => {
                                found |= names
                                    .iter()
                                    .any(|n| first_party(n.name.split('.').next().unwrap_or("")));
                            }
                            crate::syntax::python::PyStmt::ImportFrom {
                                module: Some(mname),
                                level: 0,
                                ..
                            } => {
                                found |= first_party(mname.split('.').next().unwrap_or(""));
                            }
                            _ => {}
                        });
                        found
                    });
                return if imports_first_party {
                    vec![Action::RunApp {
                        what: "python -c \"import ...\"".into(),
                    }]
                } else {
                    Vec::new()
                };
            }
            Some(script) if script.rsplit('/').next() == Some("manage.py") => {
                return django(rest.get(1..).unwrap_or_default(), "python manage.py");
            }
            Some(script)
                if script.ends_with(".py") && first_party(script.trim_start_matches("./")) =>
            {
                return vec![Action::RunApp {
                    what: format!("python {script}"),
                }];
            }
            _ => return Vec::new(),
        }
    }
    match program {
        "manage.py" => django(&args, "manage.py"),
        "django-admin" | "django-admin.py" => django(&args, "django-admin"),
        "pip" | "pip3" => pip(&args),
        p if p.starts_with("pip3.") => pip(&args),
        "uv" => match args.first().map(|w| w.text.as_str()) {
            Some("pip") if args.get(1).is_some_and(|w| w.text == "install") => {
                pip(args.get(1..).unwrap_or_default())
            }
            Some("pip") if args.get(1).is_some_and(|w| w.text == "sync") => {
                files(args.get(2..).unwrap_or_default())
            }
            Some("sync") => vec![Action::Install(Install::Project)],
            _ => Vec::new(),
        },
        "poetry" if args.first().is_some_and(|w| w.text == "install") => {
            vec![Action::Install(Install::Project)]
        }
        "pipenv"
            if args
                .first()
                .is_some_and(|w| w.text == "install" || w.text == "sync") =>
        {
            vec![Action::Install(Install::Project)]
        }
        "pip-sync" => files(&args),
        "conda" | "mamba" | "micromamba" if args.first().is_some_and(|w| w.text == "env") => {
            let f = args
                .iter()
                .position(|w| w.text == "-f" || w.text == "--file")
                .and_then(|p| args.get(p + 1));
            f.map(|w| vec![Action::Install(Install::Files(vec![(*w).clone()]))])
                .unwrap_or_default()
        }
        "odoo-bin" | "odoo" => {
            let db = args.iter().any(|w| {
                matches!(w.text.as_str(), "-i" | "-u" | "--init" | "--update")
                    || w.text.starts_with("--init=")
                    || w.text.starts_with("--update=")
            });
            if db {
                vec![Action::NeedsDatabase {
                    what: format!(
                        "{program} {}",
                        args.iter()
                            .map(|w| w.text.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                }]
            } else {
                vec![Action::RunApp {
                    what: program.to_string(),
                }]
            }
        }
        "flask" => match args.first().map(|w| w.text.as_str()) {
            Some("db")
                if args.get(1).is_some_and(|w| {
                    matches!(
                        w.text.as_str(),
                        "upgrade" | "downgrade" | "migrate" | "stamp"
                    )
                }) =>
            {
                vec![Action::NeedsDatabase {
                    what: format!("flask db {}", args.get(1).map_or("", |w| w.text.as_str())),
                }]
            }
            Some(_) => vec![Action::RunApp {
                what: "flask".into(),
            }],
            None => Vec::new(),
        },
        "alembic"
            if args
                .first()
                .is_some_and(|w| matches!(w.text.as_str(), "upgrade" | "downgrade" | "stamp")) =>
        {
            vec![Action::NeedsDatabase {
                what: format!("alembic {}", args.first().map_or("", |w| w.text.as_str())),
            }]
        }
        "celery" => vec![Action::RunApp {
            what: "celery".into(),
        }],
        _ => Vec::new(),
    }
}

fn django(args: &[&Word], how: &str) -> Vec<Action> {
    let Some(sub) = args
        .iter()
        .map(|w| w.text.as_str())
        .find(|a| !a.starts_with('-'))
    else {
        return Vec::new();
    };
    let what = format!("{how} {sub}");
    if DJANGO_DB_COMMANDS.contains(&sub) {
        vec![
            Action::RunApp { what: what.clone() },
            Action::NeedsDatabase { what },
        ]
    } else {
        vec![Action::RunApp { what }]
    }
}

fn files(args: &[&Word]) -> Vec<Action> {
    let f: Vec<Word> = args
        .iter()
        .filter(|w| !w.text.starts_with('-'))
        .map(|w| (*w).clone())
        .collect();
    if f.is_empty() {
        Vec::new()
    } else {
        vec![Action::Install(Install::Files(f))]
    }
}

/// `pip install ...` arguments (after `install`).
fn pip(args: &[&Word]) -> Vec<Action> {
    let Some(pos) = args.iter().position(|w| w.text == "install") else {
        return Vec::new();
    };
    let mut files = Vec::new();
    let mut project = false;
    let mut local = false;
    let mut packages: Vec<String> = Vec::new();
    let mut i = pos + 1;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        match t {
            "-r" | "--requirement" | "--requirements" => {
                if let Some(f) = args.get(i + 1) {
                    files.push((*f).clone());
                }
                i += 2;
                continue;
            }
            "-c" | "--constraint" | "-i" | "--index-url" | "--extra-index-url" | "-f"
            | "--find-links" | "--target" | "-t" | "--prefix" | "--root" | "--trusted-host"
            | "--cache-dir" | "--platform" | "--python-version" => {
                i += 2;
                continue;
            }
            "-e" | "--editable" => {
                project = true;
                i += 2;
                continue;
            }
            _ if let Some(file) = t
                .strip_prefix("--requirement=")
                .or_else(|| t.strip_prefix("--requirements="))
                .or_else(|| t.strip_prefix("-r").filter(|f| !f.is_empty())) =>
            {
                files.push(Word {
                    text: file.to_string(),
                    span: w.span,
                })
            }
            _ if t.starts_with('-') => {}
            "." | "./" => project = true,
            _ if t.starts_with(".[") || t.starts_with("./[") => project = true,
            _ if t.contains(['/', '*'])
                || [".whl", ".tar.gz", ".tgz", ".zip"]
                    .iter()
                    .any(|ext| t.ends_with(ext)) =>
            {
                local = true
            }
            _ => packages.push(t.to_string()),
        }
        i += 1;
    }
    let mut out = Vec::new();
    if !files.is_empty() {
        out.push(Action::Install(Install::Files(files)));
    }
    if project {
        out.push(Action::Install(Install::Project));
    }
    if local {
        out.push(Action::Install(Install::Local));
    }
    if !packages.is_empty() {
        out.push(Action::Install(Install::Packages(packages)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::dockerfile::parse;

    fn run(text: &str) -> Vec<Vec<Event>> {
        let df = parse(text);
        let src = SourceFile::new(RelPath::new("Dockerfile"), text.to_string());
        timelines(&df, &src, &|m| {
            matches!(m, "apps" | "config" | "scripts/seed.py")
        })
    }

    fn actions(t: &[Event]) -> Vec<String> {
        t.iter()
            .filter_map(|e| match &e.kind {
                EventKind::Command { actions, .. } if !actions.is_empty() => {
                    Some(format!("{actions:?}"))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_incident_dockerfile() {
        let text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN SECRET_KEY=dummy python manage.py collectstatic --noinput\nRUN pip install -r requirements/production.txt\n";
        let t = run(text);
        let a = actions(&t[0]);
        assert_eq!(a.len(), 2);
        assert!(
            a[0].contains("RunApp { what: \"python manage.py collectstatic\" }"),
            "{a:?}"
        );
        assert!(a[1].contains("Files"), "{a:?}");
        let cmd = t[0]
            .iter()
            .find_map(|e| match &e.kind {
                EventKind::Command { command, .. } if command.program() == "python" => {
                    Some(command.clone())
                }
                _ => None,
            })
            .unwrap();
        assert_eq!(
            &text[cmd.span.start..cmd.span.end],
            "SECRET_KEY=dummy python manage.py collectstatic --noinput"
        );
    }

    #[test]
    fn classifies_commands() {
        let t = run(
            "FROM x AS build\nRUN pip install --no-cache-dir -r req.txt -c constraints.txt && pip install . && pip install gunicorn\nRUN python -m apps.setup && python -c 'import config.settings' && python scripts/seed.py && python -m compileall .\nRUN python manage.py migrate && django-admin loaddata x && flask db upgrade && alembic upgrade head && odoo-bin -i base --stop-after-init\nFROM build\nRUN poetry install && uv sync && pipenv install --system\n",
        );
        let a = actions(&t[1]);
        let all = a.join("\n");
        assert!(all.contains("Files([Word { text: \"req.txt\""), "{all}");
        assert!(all.contains("Project"), "{all}");
        assert!(all.contains("Packages"), "{all}");
        assert!(
            all.contains("python -m apps.setup")
                && all.contains("python scripts/seed.py")
                && all.contains("import ..."),
            "{all}"
        );
        assert!(!all.contains("compileall"), "{all}");
        for db in [
            "python manage.py migrate",
            "django-admin loaddata",
            "flask db upgrade",
            "alembic upgrade",
            "odoo-bin -i base",
        ] {
            assert!(
                all.contains(&format!("NeedsDatabase {{ what: \"{db}")),
                "{db}: {all}"
            );
        }
        assert!(
            t[1].len() > t[0].len(),
            "the second stage inherits the first"
        );
    }

    #[test]
    fn heredoc_and_json_runs() {
        let t = run(
            "FROM x\nRUN <<EOF\npip install -r req.txt\npython manage.py check\nEOF\nRUN [\"python\", \"manage.py\", \"migrate\"]\n",
        );
        let a = actions(&t[0]).join("\n");
        assert!(
            a.contains("Files")
                && a.contains("manage.py check")
                && a.contains("NeedsDatabase { what: \"python manage.py migrate\""),
            "{a}"
        );
    }
}

/// Where a path inside the image came from, by the copies made before a point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// No earlier COPY/ADD (or bind mount) brings it in.
    NotCopied,
    /// Copied from this path of the context.
    Context(String),
    /// From another stage or image, or not decidable statically.
    Unknown,
}

/// Programs that never write a file a later step installs from (package managers of the
/// system, users and permissions, folder creation). Anything else (archives, downloads,
/// copies, exports, `make`, scripts) may.
const WRITES_NO_FILES: &[&str] = &[
    "apt-get",
    "apt",
    "apk",
    "yum",
    "dnf",
    "microdnf",
    "zypper",
    "dpkg",
    "rm",
    "mkdir",
    "chmod",
    "chown",
    "chgrp",
    "useradd",
    "adduser",
    "addgroup",
    "groupadd",
    "usermod",
    "echo",
    "printf",
    "true",
    "false",
    "set",
    "export",
    "cd",
    "ls",
    "cat",
    "env",
    "which",
    "test",
    "[",
    "update-ca-certificates",
    "locale-gen",
    "ldconfig",
    "sleep",
    "id",
    "npm",
    "yarn",
    "pnpm",
];

/// Whether a command may create or overwrite files in the image that a later step reads.
pub fn may_create_files(command: &Command) -> bool {
    if command.writes_output {
        return true;
    }
    let program = command.program();
    let sub = command.args.first().map(|w| w.text.as_str());
    let pip_like = |args: &[Word]| {
        // `pip install`/`uninstall`: into site-packages only; `download`/`wheel`/`freeze`
        // with an output: may.
        !matches!(
            args.first().map(|w| w.text.as_str()),
            Some("install" | "uninstall" | "check" | "list" | "show" | "cache")
        )
    };
    match program {
        p if WRITES_NO_FILES.contains(&p) => false,
        "pip" | "pip3" => pip_like(&command.args),
        p if p.starts_with("pip3.") => pip_like(&command.args),
        "python" | "python3" if sub == Some("-m") => {
            let module = command.args.get(1).map(|w| w.text.as_str());
            module != Some("pip") || pip_like(command.args.get(2..).unwrap_or_default())
        }
        "uv" => !matches!(
            (sub, command.args.get(1).map(|w| w.text.as_str())),
            (Some("pip"), Some("install" | "uninstall" | "sync")) | (Some("sync"), _)
        ),
        "poetry" => sub != Some("install"),
        "pipenv" => sub != Some("install") && sub != Some("sync"),
        _ => true,
    }
}

/// Joins a container path to a directory (`.` and relative paths against it).
pub fn container_path(dir: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", dir.trim_end_matches('/'))
    };
    format!("/{}", normalize(&joined))
}

/// What brought `target` (an absolute container path) into the image, looking at the
/// events before it (latest copy wins).
pub fn coverage(before: &[Event], target: &str, mounts: &[Mount]) -> Coverage {
    for m in mounts {
        let mount_target = container_path("/", &m.target);
        if let Some(rest) = strip_dir(target, &mount_target) {
            return match m.from {
                // From another stage or image: what it holds is that stage's business.
                Some(_) => Coverage::Unknown,
                None => Coverage::Context(normalize(&format!("{}/{rest}", m.source))),
            };
        }
    }
    // From the last event, then along the `back` links: only events that can bring a file
    // are visited. `before` is a run of consecutive events of one timeline, so a link
    // that leaves it ends the walk.
    let mut next = before.len().checked_sub(1);
    while let Some(k) = next {
        let Some(e) = before.get(k) else { break };
        next = match e.back {
            0 => None,
            back => k.checked_sub(back as usize),
        };
        let c = match &e.kind {
            EventKind::Copy(c) => c,
            // A command that may have written the file since the last copy (`tar -x`,
            // `curl -o`, `uv export -o`, a script): absence can no longer be concluded.
            EventKind::Command { command, .. } if may_create_files(command) => {
                return Coverage::Unknown;
            }
            _ => continue,
        };
        let dest = container_path(&e.workdir, &c.dest);
        let dest_is_dir = c.dest.ends_with('/') || c.dest == "." || c.sources.len() > 1;
        for s in &c.sources {
            let src = s.text.trim_start_matches("./");
            if src.contains('$') || c.dest.contains('$') {
                return Coverage::Unknown;
            }
            let hit = if c.whole_context || src == "." || src.is_empty() {
                strip_dir(target, &dest).map(|rest| rest.to_string())
            } else if src.contains(['*', '?', '[']) {
                let name = target.rsplit('/').next().unwrap_or(target);
                let glob_dir = src.rsplit_once('/').map_or("", |(d, _)| d);
                let pattern = src.rsplit('/').next().unwrap_or(src);
                let matcher = globset::Glob::new(pattern)
                    .ok()
                    .map(|g| g.compile_matcher());
                (strip_dir(target, &dest) == Some(name)
                    && matcher.is_some_and(|m| m.is_match(name)))
                .then(|| normalize(&format!("{glob_dir}/{name}")))
            } else {
                let base = src.trim_end_matches('/').rsplit('/').next().unwrap_or(src);
                let inside = format!("{}/{base}", dest.trim_end_matches('/'));
                // Without a trailing slash, `dest` is a folder when the image already
                // has one there (WORKDIR made it): both readings count.
                if inside == target || (!dest_is_dir && dest == target) {
                    Some(src.trim_end_matches('/').to_string())
                } else {
                    // A folder copied to dest: its files land under dest.
                    strip_dir(target, &dest)
                        .map(|rest| normalize(&format!("{}/{rest}", src.trim_end_matches('/'))))
                        .filter(|_| src.ends_with('/') || !src.contains('.'))
                }
            };
            if let Some(rel) = hit {
                return if c.from.is_some() {
                    Coverage::Unknown
                } else {
                    Coverage::Context(rel)
                };
            }
        }
    }
    Coverage::NotCopied
}

/// `target` below `dir`: the rest of the path.
#[cfg(test)]
mod coverage_tests {
    use super::*;
    use crate::syntax::dockerfile::parse;

    fn cov(text: &str, target: &str) -> Coverage {
        let df = parse(text);
        let src = SourceFile::new(RelPath::new("Dockerfile"), text.to_string());
        let t = timelines(&df, &src, &|_| false);
        coverage(&t[0], target, &[])
    }

    #[test]
    fn the_settings_module_comes_from_the_stage_and_what_it_is_built_from() {
        let text = "FROM x AS other\nENV DJANGO_SETTINGS_MODULE=other.settings\n\
                    FROM x AS base\nENV DJANGO_SETTINGS_MODULE=app.settings\nRUN python manage.py check\n\
                    FROM base AS final\nRUN python manage.py migrate\n\
                    FROM x AS plain\nRUN python manage.py check\n";
        let df = parse(text);
        let src = SourceFile::new(RelPath::new("Dockerfile"), text.to_string());
        let t = timelines(&df, &src, &|_| false);
        let settings_of_last = |si: usize| t[si].last().and_then(|e| e.django_settings.clone());
        assert_eq!(settings_of_last(1).as_deref(), Some("app.settings"));
        // Inherited from the stage it is built from.
        assert_eq!(settings_of_last(2).as_deref(), Some("app.settings"));
        // An ENV of an unrelated earlier stage is not in this image.
        assert_eq!(settings_of_last(3), None);
    }

    #[test]
    fn the_walk_back_skips_commands_that_bring_no_file_and_stays_in_its_slice() {
        let quiet = "RUN echo hi\n".repeat(1_000);
        let text = format!("FROM x\nCOPY req.txt /app/\n{quiet}RUN pip install -r /app/req.txt\n");
        let df = parse(&text);
        let src = SourceFile::new(RelPath::new("Dockerfile"), text.clone());
        let t = timelines(&df, &src, &|_| false);
        let all = &t[0];
        assert_eq!(all.len(), 1_002);
        // The last event links straight to the COPY, a thousand events back.
        assert_eq!(all.last().map(|e| e.back), Some(1_001));
        assert_eq!(
            coverage(all, "/app/req.txt", &[]),
            Coverage::Context("req.txt".into())
        );
        // A run of events that starts after the COPY: the link leaves it, nothing copied.
        assert_eq!(
            coverage(&all[1..], "/app/req.txt", &[]),
            Coverage::NotCopied
        );
        // A command that may have written the file, between: unknown.
        let text = format!(
            "FROM x\nCOPY req.txt /app/\n{quiet}RUN curl -o /app/req.txt https://example.com/r\n{quiet}RUN true\n"
        );
        let df = parse(&text);
        let src = SourceFile::new(RelPath::new("Dockerfile"), text.clone());
        let t = timelines(&df, &src, &|_| false);
        assert_eq!(coverage(&t[0], "/app/req.txt", &[]), Coverage::Unknown);
    }

    #[test]
    fn copies_map_container_paths_back_to_the_context() {
        let base = "FROM x\nWORKDIR /app\n";
        assert_eq!(
            cov(
                &format!("{base}COPY requirements.txt .\n"),
                "/app/requirements.txt"
            ),
            Coverage::Context("requirements.txt".into())
        );
        assert_eq!(
            cov(
                &format!("{base}COPY requirements/ requirements/\n"),
                "/app/requirements/base.txt"
            ),
            Coverage::Context("requirements/base.txt".into())
        );
        assert_eq!(
            cov(&format!("{base}COPY . .\n"), "/app/requirements/base.txt"),
            Coverage::Context("requirements/base.txt".into())
        );
        assert_eq!(
            cov(
                &format!("{base}COPY requirements*.txt ./\n"),
                "/app/requirements-dev.txt"
            ),
            Coverage::Context("requirements-dev.txt".into())
        );
        assert_eq!(
            cov(&format!("{base}COPY setup.py .\n"), "/app/requirements.txt"),
            Coverage::NotCopied
        );
        // `/app` exists (WORKDIR made it): the file lands inside it.
        assert_eq!(
            cov(
                &format!("{base}COPY requirements.txt /app\n"),
                "/app/requirements.txt"
            ),
            Coverage::Context("requirements.txt".into())
        );
        assert_eq!(
            cov(
                &format!("{base}COPY reqs.txt /app/requirements.txt\n"),
                "/app/requirements.txt"
            ),
            Coverage::Context("reqs.txt".into())
        );
        assert_eq!(
            cov(
                &format!("{base}COPY --from=builder /app /app\n"),
                "/app/requirements.txt"
            ),
            Coverage::Unknown
        );
        assert_eq!(
            cov(&format!("{base}COPY $SRC .\n"), "/app/requirements.txt"),
            Coverage::Unknown
        );
    }
}
