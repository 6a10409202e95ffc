#!/usr/bin/env python3
"""Write one commit of a (possibly partial) git directory as a plain work tree.

usage: materialise.py GIT_DIR COMMIT DEST

Like `git archive COMMIT | tar -x -C DEST`, but tolerant of snapshots that lack some
blobs (large files, LFS): missing blobs are skipped and listed on stderr. Symlinks are
written as symlinks (guardrail does not follow them). Submodules are left out.
No network: it only reads GIT_DIR.
"""
import os
import subprocess
import sys


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    git_dir, commit, dest = sys.argv[1:]
    env = dict(os.environ, GIT_DIR=git_dir)
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "-z", "--full-tree", commit],
        env=env, check=True, capture_output=True,
    ).stdout
    entries = []
    for rec in listing.split(b"\0"):
        if not rec:
            continue
        meta, path = rec.split(b"\t", 1)
        mode, kind, sha = meta.split(b" ")
        if kind != b"blob":
            continue  # submodule (commit) entries
        entries.append((mode, sha, path.decode("utf-8", "surrogateescape")))
    cat = subprocess.Popen(
        ["git", "cat-file", "--batch"], env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    missing = 0
    for mode, sha, path in entries:
        cat.stdin.write(sha + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline()
        if header.endswith(b" missing\n"):
            missing += 1
            print(f"missing blob, skipped: {path}", file=sys.stderr)
            continue
        size = int(header.split()[2])
        data = cat.stdout.read(size)
        cat.stdout.read(1)  # trailing newline
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if mode == b"120000":
            if os.path.lexists(target):
                os.remove(target)
            os.symlink(data, target)
            continue
        with open(target, "wb") as fh:
            fh.write(data)
        if mode == b"100755":
            os.chmod(target, 0o755)
    cat.stdin.close()
    cat.wait()
    print(f"{len(entries) - missing} files written, {missing} missing blobs skipped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
