//! Regression tests for the ways a strange input or machine could stop a run, hang it,
//! lose its report or pass it silently (issue "Unbreakable"). Each one failed before
//! its fix.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod common;

use common::{codes_and_paths, guardrail, repo_root, run, write};

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const VERSIONED: &str = "version: '3.9'\nservices:\n  web:\n    image: nginx\n";

#[test]
fn thread_counts_are_clamped_to_the_machine() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    let started = Instant::now();
    let (code, out, _) = run(guardrail()
        .args([
            "check",
            "--threads",
            "65535",
            "--fail-on",
            "warning",
            "--format",
            "json",
        ])
        .arg(dir.path()));
    assert_eq!(code, 1, "{out}");
    let (code, _, _) = run(guardrail()
        .env("RAYON_NUM_THREADS", "999999")
        .args(["check", "--fail-on", "warning"])
        .arg(dir.path()));
    assert_eq!(code, 1);
    // Not a timing assertion on speed: 65,535 threads took minutes.
    assert!(started.elapsed() < Duration::from_secs(50));
}

#[test]
fn overlapping_roots_report_each_finding_once() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    let (code, out, _) = run(guardrail().current_dir(dir.path()).args([
        "check",
        "--fail-on",
        "warning",
        "--format",
        "json",
        ".",
        ".",
        "docker-compose.yml",
    ]));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(v["summary"]["warnings"], 1, "{out}");
}

#[test]
fn a_closed_stdout_is_exit_2() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    let pack = repo_root().join("fixtures/packs/frontend/guardrail-rules/auth.toml");
    let runs: [Vec<std::ffi::OsString>; 2] = [
        vec![
            "check".into(),
            "--fail-on".into(),
            "never".into(),
            dir.path().into(),
        ],
        // `rules test` prints a line per rule: a panic on a closed pipe would be 101.
        vec!["rules".into(), "test".into(), pack.into()],
    ];
    for args in runs {
        let bin = assert_cmd::cargo::cargo_bin!("guardrail");
        let mut child = std::process::Command::new(bin)
            .args(&args)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Close the reading end before guardrail writes its report.
        drop(child.stdout.take());
        let status = child.wait().unwrap();
        assert_eq!(
            status.code(),
            Some(2),
            "{args:?}: a lost report must not exit 0"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_on_stdout_is_exit_2_with_a_message() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("guardrail"))
        .args(["check", "--fail-on", "never"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .stdout(full)
        .output()
        .unwrap();
    let (code, err) = (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("standard output"), "{err}");
}

#[test]
fn config_values_that_check_nothing_are_refused() {
    for (config, says) in [
        ("exclude = ['']\n", "excludes every file"),
        ("exclude = ['**']\n", "excludes every file"),
        (
            "max-file-size = 18446744073709551615\n",
            "max-file-size is at most",
        ),
    ] {
        let dir = TempDir::new().unwrap();
        write(dir.path(), "docker-compose.yml", VERSIONED);
        write(dir.path(), "guardrail.toml", config);
        let (code, _, err) = run(guardrail().arg("check").arg(dir.path()));
        assert_eq!(code, 2, "{config}: {err}");
        assert!(err.contains(says), "{config}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn a_config_that_is_not_a_regular_file_is_refused_not_read_forever() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    let (code, _, err) = run(guardrail()
        .args(["check", "--config", "/dev/zero"])
        .arg(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("not a regular file"), "{err}");
    let fifo = dir.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let (code, _, err) = run(guardrail()
            .arg("check")
            .arg("--config")
            .arg(&fifo)
            .arg(dir.path()));
        assert_eq!(code, 2);
        assert!(err.contains("not a regular file"), "{err}");
    }
}

#[test]
fn a_broken_pyproject_is_a_finding_not_the_end_of_the_run() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    write(
        dir.path(),
        "pyproject.toml",
        "[project]\nname = \"x\"\n[project]\nname = \"y\"\n",
    );
    let (code, out, err) = run(guardrail()
        .args(["check", "--format", "json", "--fail-on", "warning"])
        .arg(dir.path()));
    assert_eq!(code, 1, "{err}");
    let codes: Vec<String> = codes_and_paths(&out).into_iter().map(|(c, _)| c).collect();
    // The duplicate table is reported where it is, and the Compose file is still checked.
    assert!(codes.iter().any(|c| c == "GR001"), "{out}");
    assert!(codes.iter().any(|c| c == "GR501"), "{out}");
}

#[test]
fn ignore_files_above_a_repository_are_not_applied() {
    let outer = TempDir::new().unwrap();
    write(outer.path(), ".gitignore", "*\n");
    let repo = outer.path().join("repo");
    write(&repo, "docker-compose.yml", VERSIONED);
    fs::create_dir_all(repo.join(".git")).unwrap();
    let (code, out, _) = run(guardrail()
        .args(["check", "--format", "json", "--fail-on", "warning"])
        .arg(&repo));
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["files_scanned"], 1, "{out}");
}

#[test]
fn a_deep_tree_at_many_threads_never_hangs() {
    // The lazily built model deadlock: a dangling dependency made the Django model build
    // inside a rayon task, and 8+ threads hung about one run in five.
    let dir = TempDir::new().unwrap();
    write(dir.path(), "manage.py", "");
    for app in ["a", "b", "c", "d"] {
        write(dir.path(), &format!("{app}/__init__.py"), "");
        write(
            dir.path(),
            &format!("{app}/apps.py"),
            &format!(
                "from django.apps import AppConfig\n\nclass C(AppConfig):\n    name = '{app}'\n"
            ),
        );
        write(dir.path(), &format!("{app}/migrations/__init__.py"), "");
        write(
            dir.path(),
            &format!("{app}/migrations/0001_initial.py"),
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    dependencies = [('a', '0009_gone')]\n",
        );
    }
    let runs: usize = std::env::var("GUARDRAIL_DEADLOCK_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    for _ in 0..runs {
        let (code, _, err) = run(guardrail()
            .args(["check", "--threads", "16", "--quiet"])
            .arg(dir.path()));
        assert_eq!(code, 1, "{err}");
    }
}

#[test]
fn a_finding_past_column_65535_is_still_reported() {
    let dir = TempDir::new().unwrap();
    let long = "x".repeat(70_000);
    write(
        dir.path(),
        "docker-compose.yml",
        &format!(
            "{{services: {{web: {{image: nginx, environment: {{A: \"{long}\"}}}}}}, version: \"3.9\"}}\n"
        ),
    );
    let (code, out, err) = run(guardrail()
        .args(["check", "--fail-on", "warning"])
        .arg(dir.path()));
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("GR501"), "{out}");
    assert!(
        out.contains("docker-compose.yml:1:700"),
        "the position is named: {out}"
    );
}

#[test]
fn deeply_nested_valid_input_is_no_crash() {
    // Each of these aborted the process with a stack overflow (exit 134, no report).
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write(d, "manage.py", "");
    write(d, "app/__init__.py", "");
    write(d, "app/migrations/__init__.py", "");
    let terms = vec!["1"; 9_400].join(" + ");
    write(
        d,
        "app/models.py",
        &format!("from django.db import models\nX = {terms}\n"),
    );
    let mut settings = format!("MIDDLEWARE = {}{}\n", "[".repeat(4_000), "]".repeat(4_000));
    settings.push_str("x = 0\nif a == 0:\n    x = 1\n");
    for i in 1..2_700 {
        settings.push_str(&format!("elif a == {i}:\n    x = {i}\n"));
    }
    write(d, "config/settings.py", &settings);
    write(
        d,
        "addon/__manifest__.py",
        &format!("{{{}{}}}\n", "'a': {".repeat(3_100), "}".repeat(3_100)),
    );
    write(d, "docker-compose.yml", VERSIONED);
    let (code, out, err) = run(guardrail()
        .args(["check", "--fail-on", "warning", "--format", "json"])
        .arg(d));
    assert_eq!(code, 1, "{err}");
    // The rest of the tree is still checked.
    assert!(out.contains("GR501"), "{out}");
}

#[test]
fn self_appending_settings_lists_stay_bounded() {
    // `MIDDLEWARE += MIDDLEWARE` doubled the list each time: gigabytes, then an abort.
    let dir = TempDir::new().unwrap();
    let mut settings = String::from("MIDDLEWARE = ['a.A', 'b.B']\n");
    for _ in 0..64 {
        settings.push_str("MIDDLEWARE += MIDDLEWARE\n");
    }
    settings.push_str("MIDDLEWARE = MIDDLEWARE + MIDDLEWARE\n");
    for _ in 0..20 {
        settings.push_str("MIDDLEWARE.extend(MIDDLEWARE)\n");
    }
    let big: Vec<String> = (0..10_000).map(|i| format!("'m{i}.M'")).collect();
    settings.push_str(&format!("INSTALLED_APPS = [{}]\n", big.join(", ")));
    write(dir.path(), "config/settings.py", &settings);
    write(dir.path(), "manage.py", "");
    let started = Instant::now();
    let (code, _, err) = run(guardrail().args(["check", "--quiet"]).arg(dir.path()));
    assert!(code == 0 || code == 1, "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn long_layer_chains_are_linear() {
    // 32,000 chained `.wrap(...)` took minutes: every layer was compared with every
    // earlier one.
    let dir = TempDir::new().unwrap();
    let mut code = String::from("use actix_web::App;\nfn app() -> App {\n    App::new()");
    for i in 0..32_000 {
        code.push_str(&format!("\n        .wrap(W{i})"));
    }
    code.push_str("\n        .wrap(W7)\n}\n");
    write(dir.path(), "src/main.rs", &code);
    let started = Instant::now();
    let (code, out, err) = run(guardrail()
        .args(["check", "--format", "json"])
        .arg(dir.path()));
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("GR401"),
        "the one repeated layer is found: {out}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[cfg(unix)]
#[test]
fn ignore_files_that_are_not_regular_files_are_refused_not_read() {
    // A FIFO named .gitignore blocked the walk forever; a .ignore linked to /dev/zero was
    // read until memory ran out; a 1 MB pattern line cost gigabytes, a 1 MB file seconds.
    let dir = TempDir::new().unwrap();
    write(dir.path(), "docker-compose.yml", VERSIONED);
    let made = std::process::Command::new("mkfifo")
        .arg(dir.path().join(".gitignore"))
        .status();
    assert!(made.is_ok_and(|s| s.success()));
    fs::create_dir_all(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("sub/.ignore")).unwrap();
    write(dir.path(), "sub/docker-compose.yml", VERSIONED);
    write(
        dir.path(),
        "other/.gitignore",
        &format!("{}\nignored.yml\n", "a".repeat(5_000)),
    );
    // Past 256 KiB an ignore file is not applied (its patterns would cost seconds to
    // compile), and is reported.
    write(dir.path(), "big/.gitignore", &"x/**/*.pyc\n".repeat(30_000));
    write(dir.path(), "other/ignored.yml", "x: [\n");
    let (code, out, err) = run(guardrail()
        .args(["check", "--format", "json", "--fail-on", "warning"])
        .arg(dir.path()));
    assert_eq!(code, 1, "{err}");
    let found = codes_and_paths(&out);
    // Both Compose files are still checked, and each refused ignore file is reported.
    assert!(
        found.contains(&("GR501".into(), "docker-compose.yml".into())),
        "{out}"
    );
    assert!(
        found.contains(&("GR501".into(), "sub/docker-compose.yml".into())),
        "{out}"
    );
    assert!(
        found.contains(&("GR003".into(), ".gitignore".into())),
        "{out}"
    );
    assert!(
        found.contains(&("GR003".into(), "sub/.ignore".into())),
        "{out}"
    );
    assert!(
        found.contains(&("GR003".into(), "big/.gitignore".into())),
        "{out}"
    );
    // The long line is dropped; the short pattern after it still applies.
    assert!(!out.contains("ignored.yml"), "{out}");
}

/// Files that write a marker if anything executes them, in every role guardrail reads.
fn booby_trapped(dir: &Path, marker: &Path) {
    let py = format!(
        "open({:?}, 'w').write('executed')\nimport os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n",
        marker.display().to_string()
    );
    for rel in [
        "manage.py",
        "setup.py",
        "conftest.py",
        "config/settings.py",
        "config/__init__.py",
        "app/models.py",
        "app/migrations/0001_initial.py",
    ] {
        write(dir, rel, &py);
    }
    write(dir, "app/migrations/__init__.py", "");
    write(
        dir,
        "evil.pth",
        &format!(
            "import os; open({:?}, 'w').write('pth')\n",
            marker.display().to_string()
        ),
    );
    write(
        dir,
        "Dockerfile",
        &format!("FROM python:3.12-slim\nRUN touch {}\n", marker.display()),
    );
    write(dir, "docker-compose.yml", VERSIONED);
}

/// Stand-ins for every interpreter and shell, first on PATH: each writes the marker.
fn trap_path(bin: &Path, marker: &Path) -> String {
    fs::create_dir_all(bin).unwrap();
    for name in [
        "python", "python3", "sh", "bash", "node", "docker", "pip", "make",
    ] {
        let p = bin.join(name);
        fs::write(
            &p,
            format!("#!/bin/sh\necho {name} > {}\n", marker.display()),
        )
        .unwrap();
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&p)
            .status()
            .unwrap();
    }
    let git = std::process::Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .unwrap();
    let git_dir = Path::new(String::from_utf8_lossy(&git.stdout).trim())
        .parent()
        .unwrap()
        .to_path_buf();
    // Only git is reachable besides the traps (git's own directory comes after them).
    format!("{}:{}", bin.display(), git_dir.display())
}

#[test]
fn checking_never_executes_the_repository() {
    let tmp = TempDir::new().unwrap();
    let repo = tmp.path().join("repo");
    let marker = tmp.path().join("MARKER");
    booby_trapped(&repo, &marker);
    let path = trap_path(&tmp.path().join("bin"), &marker);
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(&repo)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    // A repository-configured fsmonitor hook: git would run it on `git diff`.
    let hook = tmp.path().join("fsmonitor-hook");
    fs::write(
        &hook,
        format!(
            "#!/bin/sh
echo fsmonitor > {}
",
            marker.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&hook)
        .status()
        .unwrap();
    git(&["config", "core.fsmonitor", &hook.display().to_string()]);
    fs::remove_file(repo.join("app/migrations/0001_initial.py")).unwrap();
    for args in [
        vec!["check"],
        vec!["check", "--base", "main"],
        vec!["check", "--staged"],
    ] {
        let (code, _, err) = run(guardrail()
            .env("PATH", &path)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(&args)
            .arg(&repo));
        assert!(code == 0 || code == 1, "{args:?}: {err}");
        assert!(
            !marker.exists(),
            "{args:?} executed something: {:?}",
            fs::read_to_string(&marker)
        );
    }
}

#[test]
fn wide_and_deep_trees_are_walked_and_checked() {
    let dir = TempDir::new().unwrap();
    // 60,000 files in one folder, and a finding beside them.
    let wide = dir.path().join("wide");
    fs::create_dir_all(&wide).unwrap();
    for i in 0..60_000 {
        fs::write(wide.join(format!("f{i}.txt")), "").unwrap();
    }
    // 200 levels of folders, a Compose file at the bottom.
    let mut deep = dir.path().join("deep");
    for i in 0..200 {
        deep = deep.join(format!("d{i}"));
    }
    write(&deep, "docker-compose.yml", VERSIONED);
    write(dir.path(), "docker-compose.yml", VERSIONED);
    let (code, out, err) = run(guardrail()
        .args(["check", "--format", "json", "--fail-on", "warning"])
        .arg(dir.path()));
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["files_scanned"], 60_002);
    assert_eq!(
        v["summary"]["warnings"], 2,
        "both Compose files, the deep one too"
    );
}

#[cfg(unix)]
#[test]
fn odd_names_and_contents_are_notes_not_failures() {
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new().unwrap();
    // A non-UTF-8 file name, NUL bytes, CRLF and a BOM.
    let odd = std::ffi::OsStr::from_bytes(b"docker-compose.\xff.yml");
    fs::write(dir.path().join(odd), VERSIONED).unwrap();
    write(dir.path(), "a/docker-compose.yml", "version: '3'\0\n");
    write(
        dir.path(),
        "b/docker-compose.yml",
        "\u{feff}version: '3.9'\r\nservices:\r\n  web:\r\n    image: nginx\r\n",
    );
    let (code, out, err) = run(guardrail()
        .args(["check", "--format", "json", "--fail-on", "warning"])
        .arg(dir.path()));
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, String, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().into(),
                d["path"].as_str().unwrap().into(),
                d["span"]["start_line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    // The CRLF + BOM file's finding is on line 1, column counted after the BOM.
    assert!(
        found.contains(&("GR501".into(), "b/docker-compose.yml".into(), 1)),
        "{out}"
    );
    // The binary one is a skipped-file note.
    assert!(
        found
            .iter()
            .any(|(c, p, _)| c == "GR003" && p == "a/docker-compose.yml"),
        "{out}"
    );
    // The one with a non-UTF-8 name is shown lossily and still read from its own path.
    assert!(
        found.contains(&("GR501".into(), "docker-compose.\u{fffd}.yml".into(), 1)),
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_given_as_a_path_is_refused() {
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()));
    for path in [fifo.as_path(), Path::new("/dev/zero")] {
        let (code, _, err) = run(guardrail().arg("check").arg(path));
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("not a directory or a regular file"), "{err}");
    }
}

#[test]
fn a_dockerfile_past_the_stage_bound_is_a_note_not_a_hang() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from("FROM python:3.12 AS s0\nCOPY requirements.txt .\n");
    for i in 1..300 {
        text.push_str(&format!(
            "FROM s{} AS s{i}\nRUN pip install -r requirements.txt\n",
            i - 1
        ));
    }
    write(dir.path(), "Dockerfile", &text);
    write(dir.path(), "requirements.txt", "django\n");
    let (code, out, err) = run(guardrail().arg("check").arg(dir.path()));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains(
            "Dockerfile not analysed by the Docker rules: 300 stages, over the 256 analysed"
        ),
        "{out}{err}"
    );
}

#[test]
fn a_dockerignore_past_the_bound_is_reported_not_silently_dropped() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
    );
    write(dir.path(), "requirements.txt", "django\n");
    write(dir.path(), ".dockerignore", &"x/**/*.pyc\n".repeat(30_000));
    write(dir.path(), "small/Dockerfile", "FROM python:3.12\n");
    write(dir.path(), "small/.dockerignore", "*.pyc\n");
    let (_, out, err) = run(guardrail()
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(dir.path()));
    let found = codes_and_paths(&out);
    assert!(
        found.contains(&("GR003".into(), ".dockerignore".into())),
        "{out}{err}"
    );
    assert!(
        !found.iter().any(|(_, p)| p == "small/.dockerignore"),
        "{out}"
    );
}
