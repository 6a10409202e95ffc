//! Git is input data: a [`ChangeSet`] says what changed against a base and gives the
//! base version of a file. Rules see git only through it; they never run git.
//!
//! The real one drives the `git` CLI (`rev-parse`, `merge-base`, `diff --name-status
//! -z -M`, `show REV:PATH`) rather than gix or git2: same answers on every case measured
//! here (shallow clones included), no build cost, and the user's own git configuration
//! and credentials are what CI already uses. A fixture folder simulates history with a
//! `.guardrail-base.toml` file read by [`FixtureChangeSet`].

use crate::core::error::ToolError;
use crate::core::path::RelPath;
pub use crate::input::discover::Listed;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Deleted,
    Modified,
    /// Renamed (or moved) from the given base path.
    Renamed {
        from: RelPath,
    },
}

impl ChangeKind {
    /// Whether the path is new at its place: added, or renamed there.
    pub fn adds(&self) -> bool {
        matches!(self, ChangeKind::Added | ChangeKind::Renamed { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The current path; for `Deleted`, the path the file had.
    pub path: RelPath,
    pub kind: ChangeKind,
}

/// What changed between a base and the tree being checked, relative to the scan root.
pub trait ChangeSet: Send + Sync + Debug {
    /// E.g. "merge base of origin/main (1a2b3c4)".
    fn describe(&self) -> String;
    fn changes(&self) -> &[Change];
    /// A revision that `git checkout REV -- PATH` restores files from.
    fn restore_ref(&self) -> String;
    /// The file's text at the base, if it existed there and is UTF-8.
    fn base_text(&self, path: &RelPath) -> Option<String>;

    /// Paths that exist at the base and were deleted, or renamed away.
    fn removed(&self) -> Vec<(&RelPath, Option<&RelPath>)> {
        self.changes()
            .iter()
            .filter_map(|c| match &c.kind {
                ChangeKind::Deleted => Some((&c.path, None)),
                ChangeKind::Renamed { from } => Some((from, Some(&c.path))),
                _ => None,
            })
            .collect()
    }

    /// The files of the tree the change makes, when they are not found by walking the
    /// folder: `--staged` checks the files of the git index, which is what the commit
    /// will hold (an untracked file is not part of it). `None`: walk the folder.
    fn listed_files(&self) -> Option<Vec<Listed>> {
        None
    }

    fn was_added(&self, path: &RelPath) -> bool {
        self.changes()
            .iter()
            .any(|c| &c.path == path && c.kind.adds())
    }

    /// Every path the change added (or renamed into place): for many questions, one set
    /// instead of a scan per [`ChangeSet::was_added`].
    fn added_paths(&self) -> std::collections::BTreeSet<&RelPath> {
        self.changes()
            .iter()
            .filter(|c| c.kind.adds())
            .map(|c| &c.path)
            .collect()
    }
}

/// How to pick the base.
#[derive(Clone, Debug)]
pub enum BaseSpec {
    /// Pull requests: the merge base of HEAD and REF, against the working tree.
    Ref(String),
    /// Pre-commit: HEAD, against the index.
    Staged,
}

#[derive(Debug)]
pub struct GitChangeSet {
    root: PathBuf,
    /// The revision base texts are read from.
    rev: String,
    label: String,
    changes: Vec<Change>,
    /// Compared with the index (`--staged`): the files checked are the index's.
    staged: bool,
    /// The base texts of every changed path, read on first use in one `git cat-file
    /// --batch` (3,000 deleted migrations: one process, not 3,000).
    base: std::sync::OnceLock<BTreeMap<RelPath, String>>,
}

/// Runs git in `root` without anything the repository could configure to run a program:
/// no fsmonitor hook, no external diff, no textconv. (Clean filters apply only to
/// working-tree contents git compares; guardrail reads blobs with `cat-file`, which runs
/// none.)
fn git_command(root: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(root)
        .args(["-c", "core.fsmonitor=false", "-c", "diff.external="])
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_EXTERNAL_DIFF");
    cmd
}

fn git(root: &Path, args: &[&str]) -> Result<std::process::Output, ToolError> {
    git_command(root)
        .args(args)
        .output()
        .map_err(|e| ToolError::Git {
            message: format!("could not run git: {e}"),
            help: "install git, or run without --base/--staged".into(),
        })
}

fn stdout_line(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl GitChangeSet {
    /// Every changed path's text at the base (the old name of a rename), in one batch.
    fn read_base_texts(&self) -> BTreeMap<RelPath, String> {
        use std::io::Write;
        let paths: Vec<&RelPath> = self
            .changes
            .iter()
            .filter_map(|c| match &c.kind {
                ChangeKind::Renamed { from } => Some(from),
                ChangeKind::Added => None,
                _ => Some(&c.path),
            })
            .collect();
        let mut out = BTreeMap::new();
        if paths.is_empty() {
            return out;
        }
        // Paths are relative to `root`, which may be below the repository's top.
        let prefix = git(&self.root, &["rev-parse", "--show-prefix"])
            .map(|o| stdout_line(&o))
            .unwrap_or_default();
        let Ok(mut child) = git_command(&self.root)
            .args(["cat-file", "--batch"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
        else {
            return out;
        };
        let mut request = String::new();
        for p in &paths {
            request.push_str(&format!("{}:{prefix}{p}\n", self.rev));
        }
        // Write on a thread: git answers while it reads, and a large answer would fill
        // the pipe while we are still writing.
        let writer = child.stdin.take().map(|mut stdin| {
            std::thread::spawn(move || {
                let _ = stdin.write_all(request.as_bytes());
            })
        });
        let answer = child
            .wait_with_output()
            .map(|o| o.stdout)
            .unwrap_or_default();
        if let Some(w) = writer {
            let _ = w.join();
        }
        let mut rest = answer.as_slice();
        for p in paths {
            let Some(nl) = rest.iter().position(|b| *b == b'\n') else {
                break;
            };
            let header = String::from_utf8_lossy(rest.get(..nl).unwrap_or_default()).into_owned();
            rest = rest.get(nl + 1..).unwrap_or_default();
            // `<oid> blob <size>`, or `<name> missing`.
            let mut fields = header.rsplitn(2, ' ');
            let (Some(size), Some(head)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Ok(size) = size.parse::<usize>() else {
                continue;
            };
            let body = rest.get(..size).unwrap_or_default();
            if head.ends_with(" blob")
                && let Ok(text) = String::from_utf8(body.to_vec())
            {
                out.insert(p.clone(), text);
            }
            rest = rest.get(size + 1..).unwrap_or_default();
        }
        out
    }

    pub fn open(root: &Path, spec: &BaseSpec) -> Result<Self, ToolError> {
        let top = git(root, &["rev-parse", "--show-toplevel"])?;
        if !top.status.success() {
            return Err(ToolError::Git {
                message: format!("`{}` is not inside a git repository", root.display()),
                help: "--base and --staged compare with git history; run guardrail inside the checkout".into(),
            });
        }
        match spec {
            BaseSpec::Staged => {
                let head = git(root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])?;
                if !head.status.success() {
                    // No commit yet: everything staged is new, nothing can be deleted.
                    return Ok(Self {
                        root: root.to_path_buf(),
                        rev: String::new(),
                        label: "HEAD (no commits yet)".into(),
                        changes: Vec::new(),
                        staged: true,
                        base: std::sync::OnceLock::new(),
                    });
                }
                let rev = stdout_line(&head);
                let diff = git(
                    root,
                    &[
                        "diff",
                        "--cached",
                        "--name-status",
                        "-z",
                        "-M",
                        "--relative",
                        "--no-ext-diff",
                        &rev,
                    ],
                )?;
                let mut set = Self::finish(root, rev, "HEAD (staged changes)".into(), &diff)?;
                set.staged = true;
                Ok(set)
            }
            BaseSpec::Ref(reference) => {
                let spec = format!("{reference}^{{commit}}");
                let verified = git(root, &["rev-parse", "--verify", "--quiet", &spec])?;
                if !verified.status.success() {
                    return Err(ToolError::Git {
                        message: format!("base `{reference}` is not a commit in this repository"),
                        help: format!(
                            "fetch it first: `git fetch --depth=1 origin {}`; in GitHub Actions, \
                             or check out with `fetch-depth: 0`",
                            reference.trim_start_matches("origin/")
                        ),
                    });
                }
                let base = stdout_line(&verified);
                let mb = git(root, &["merge-base", "HEAD", &base])?;
                let mut merge_base = stdout_line(&mb);
                if !mb.status.success() || merge_base.is_empty() {
                    // A shallow PR checkout (GitHub's refs/pull/N/merge at depth 1, base
                    // fetched at depth 1): the graft hides HEAD's parents from merge-base,
                    // but the commit object still names them. When the base is one of
                    // them, it is the merge base.
                    if raw_parents(root, "HEAD")?.contains(&base) {
                        merge_base = base.clone();
                    }
                }
                if merge_base.is_empty() {
                    let shallow = git(root, &["rev-parse", "--is-shallow-repository"])
                        .map(|o| stdout_line(&o) == "true")
                        .unwrap_or(false);
                    let help = if shallow {
                        format!(
                            "this is a shallow clone, so git cannot see where HEAD and `{reference}` \
                             meet; deepen it (`git fetch --deepen=200 origin {r}` or `git fetch \
                             --unshallow`), or check out with `fetch-depth: 0` in actions/checkout",
                            r = reference.trim_start_matches("origin/")
                        )
                    } else {
                        format!(
                            "HEAD and `{reference}` share no history; pass the branch this one was made from"
                        )
                    };
                    return Err(ToolError::Git {
                        message: format!("no merge base between HEAD and `{reference}`"),
                        help,
                    });
                }
                let diff = git(
                    root,
                    &[
                        "diff",
                        "--name-status",
                        "-z",
                        "-M",
                        "--relative",
                        "--no-ext-diff",
                        &merge_base,
                    ],
                )?;
                let short: String = merge_base.chars().take(10).collect();
                Self::finish(
                    root,
                    merge_base,
                    format!("merge base of {reference} ({short})"),
                    &diff,
                )
            }
        }
    }

    fn finish(
        root: &Path,
        rev: String,
        label: String,
        diff: &std::process::Output,
    ) -> Result<Self, ToolError> {
        if !diff.status.success() {
            return Err(ToolError::Git {
                message: format!(
                    "git diff failed: {}",
                    String::from_utf8_lossy(&diff.stderr).trim()
                ),
                help: "check that the base commit is present (`git fetch`)".into(),
            });
        }
        Ok(Self {
            root: root.to_path_buf(),
            rev,
            label,
            changes: parse_name_status(&diff.stdout),
            staged: false,
            base: std::sync::OnceLock::new(),
        })
    }
}

/// The parents a commit object records, whatever a shallow graft says.
fn raw_parents(root: &Path, rev: &str) -> Result<Vec<String>, ToolError> {
    let out = git(root, &["cat-file", "commit", rev])?;
    if !out.status.success() {
        return Ok(Vec::new());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("parent "))
        .map(str::to_string)
        .collect())
}

/// Parses `git ls-files -s -t -z` (run in the scan root: paths are relative to it):
/// `TAG MODE OID STAGE\tPATH\0`. Skip-worktree entries (tag `S`: left out of a sparse
/// checkout) and submodules (mode 160000) are not files of the working tree; a path in
/// conflict (stages 1-3) is listed once.
pub fn parse_ls_files(out: &[u8]) -> Vec<Listed> {
    let mut listed: Vec<Listed> = Vec::new();
    for record in out.split(|b| *b == 0) {
        let Some(tab) = record.iter().position(|b| *b == b'\t') else {
            continue;
        };
        let (head, path) = (
            record.get(..tab).unwrap_or_default(),
            record.get(tab + 1..).unwrap_or_default(),
        );
        let head = String::from_utf8_lossy(head);
        let mut fields = head.split(' ');
        let (Some(tag), Some(mode)) = (fields.next(), fields.next()) else {
            continue;
        };
        if path.is_empty() || tag == "S" || mode == "160000" {
            continue;
        }
        let (path, raw) = match std::str::from_utf8(path) {
            Ok(text) => (text.to_string(), None),
            Err(_) => (String::from_utf8_lossy(path).into_owned(), os_name(path)),
        };
        if listed.last().is_some_and(|l| l.path == path) {
            continue;
        }
        listed.push(Listed {
            path,
            raw,
            symlink: mode == "120000",
        });
    }
    listed
}

/// A name git gave as bytes that are not UTF-8, as the file system spells it.
#[cfg(unix)]
fn os_name(bytes: &[u8]) -> Option<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt;
    Some(std::ffi::OsStr::from_bytes(bytes).to_os_string())
}

#[cfg(not(unix))]
fn os_name(_bytes: &[u8]) -> Option<std::ffi::OsString> {
    None
}

/// Parses `git diff --name-status -z`: `STATUS\0PATH\0` or `RNNN\0OLD\0NEW\0`.
pub fn parse_name_status(out: &[u8]) -> Vec<Change> {
    let mut fields = out
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let mut changes = Vec::new();
    while let Some(status) = fields.next() {
        if status.is_empty() {
            continue;
        }
        let Some(path) = fields.next().filter(|p| !p.is_empty()) else {
            break;
        };
        let kind = match status.chars().next() {
            Some('A') => ChangeKind::Added,
            Some('D') => ChangeKind::Deleted,
            Some('R') | Some('C') => {
                let Some(new) = fields.next().filter(|p| !p.is_empty()) else {
                    break;
                };
                let from = RelPath::new(path);
                if status.starts_with('C') {
                    changes.push(Change {
                        path: RelPath::new(new),
                        kind: ChangeKind::Added,
                    });
                } else {
                    changes.push(Change {
                        path: RelPath::new(new),
                        kind: ChangeKind::Renamed { from },
                    });
                }
                continue;
            }
            _ => ChangeKind::Modified,
        };
        changes.push(Change {
            path: RelPath::new(path),
            kind,
        });
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

impl ChangeSet for GitChangeSet {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn restore_ref(&self) -> String {
        self.rev.chars().take(12).collect()
    }

    fn changes(&self) -> &[Change] {
        &self.changes
    }

    fn listed_files(&self) -> Option<Vec<Listed>> {
        if !self.staged {
            return None;
        }
        // `-t` tags skip-worktree entries; `-s` gives the mode (symlinks, submodules).
        let out = git(&self.root, &["ls-files", "-s", "-t", "-z"]).ok()?;
        out.status.success().then(|| parse_ls_files(&out.stdout))
    }

    fn base_text(&self, path: &RelPath) -> Option<String> {
        if self.rev.is_empty() {
            return None;
        }
        self.base
            .get_or_init(|| self.read_base_texts())
            .get(path)
            .cloned()
    }
}

/// Simulated history for fixtures: `.guardrail-base.toml` beside the fixture tree.
#[derive(Debug)]
pub struct FixtureChangeSet {
    label: String,
    changes: Vec<Change>,
    base: BTreeMap<RelPath, String>,
}

pub const FIXTURE_FILE: &str = ".guardrail-base.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    base: String,
    #[serde(default)]
    file: Vec<FixtureEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureEntry {
    path: String,
    status: String,
    from: Option<String>,
    base_text: Option<String>,
}

impl FixtureChangeSet {
    pub fn load(path: &Path) -> Result<Self, ToolError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ToolError::Io {
            path: display.clone(),
            source,
        })?;
        let file: FixtureFile = toml::from_str(&text).map_err(|e| {
            ToolError::config(
                &display,
                &text,
                e.span(),
                e.message().to_string(),
                "here",
                None,
            )
        })?;
        let mut changes = Vec::new();
        let mut base = BTreeMap::new();
        for entry in file.file {
            let path = RelPath::new(entry.path);
            let kind = match entry.status.as_str() {
                "added" => ChangeKind::Added,
                "deleted" => ChangeKind::Deleted,
                "modified" => ChangeKind::Modified,
                "renamed" => ChangeKind::Renamed {
                    from: RelPath::new(entry.from.clone().unwrap_or_default()),
                },
                other => {
                    return Err(ToolError::Usage(format!(
                        "{display}: unknown status `{other}` (added, deleted, modified, renamed)"
                    )));
                }
            };
            if let Some(text) = entry.base_text {
                let key = match &kind {
                    ChangeKind::Renamed { from } => from.clone(),
                    _ => path.clone(),
                };
                base.insert(key, text);
            }
            changes.push(Change { path, kind });
        }
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Self {
            label: file.base,
            changes,
            base,
        })
    }
}

impl ChangeSet for FixtureChangeSet {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn restore_ref(&self) -> String {
        self.label.clone()
    }

    fn changes(&self) -> &[Change] {
        &self.changes
    }

    fn base_text(&self, path: &RelPath) -> Option<String> {
        self.base.get(path).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ls_files_and_leaves_out_what_is_not_in_the_working_tree() {
        let out = b"H 100644 aaaa 0\tapp/models.py\0\
S 100644 bbbb 0\tsparse/out.py\0\
H 160000 cccc 0\tvendor/lib\0\
H 120000 dddd 0\tlink\0\
M 100644 eeee 1\tconflict.py\0\
M 100644 ffff 2\tconflict.py\0\
M 100644 9999 3\tconflict.py\0\
H 100755 1234 0\tname with\ttab.sh\0\
H 100644 5678 0\todd\xff.yml\0";
        let listed = parse_ls_files(out);
        let paths: Vec<(&str, bool)> = listed
            .iter()
            .map(|l| (l.path.as_str(), l.symlink))
            .collect();
        assert_eq!(
            paths,
            [
                ("app/models.py", false),
                ("link", true),
                ("conflict.py", false),
                ("name with\ttab.sh", false),
                ("odd\u{fffd}.yml", false),
            ]
        );
        assert!(listed.iter().take(4).all(|l| l.raw.is_none()));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            assert_eq!(
                listed[4].raw.as_deref().map(|r| r.as_bytes()),
                Some(&b"odd\xff.yml"[..])
            );
        }
    }

    #[test]
    fn parses_name_status_z() {
        let out = b"D\0a/migrations/0001_initial.py\0M\0b.py\0R097\0old.py\0new.py\0A\0c.py\0C100\0x.py\0y.py\0";
        let changes = parse_name_status(out);
        assert_eq!(changes.len(), 5);
        assert_eq!(
            changes[0],
            Change {
                path: RelPath::new("a/migrations/0001_initial.py"),
                kind: ChangeKind::Deleted
            }
        );
        assert!(changes.iter().any(|c| c.path.as_str() == "new.py"
            && c.kind
                == ChangeKind::Renamed {
                    from: RelPath::new("old.py")
                }));
        assert!(
            changes
                .iter()
                .any(|c| c.path.as_str() == "y.py" && c.kind == ChangeKind::Added)
        );
        assert!(parse_name_status(b"").is_empty());
        assert_eq!(
            parse_name_status(b"R100\0only-one\0").len(),
            0,
            "truncated input does not panic"
        );
    }
}
