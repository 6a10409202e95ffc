#!/usr/bin/env bash
# The monorepo benchmark of issue 11: guardrail against ripgrep over the same
# generated trees, in the same run, at several sizes of the same mix.
#
#   benches/monorepo/run.sh [--bin PATH] [--scales "1 2 4"] [--dir DIR] [--runs N] [--no-staged]
#
# --bin     the guardrail binary (default: target/release/guardrail of this checkout;
#           build it first with `cargo build --release`)
# --scales  sizes to run; scale 1 is about 12,500 files, 4 the issue's 50,000
# --dir     where trees are generated and cached, one per scale (default
#           /tmp/guardrail-bench); a tree is regenerated when gen.py changes
# --runs    runs per measurement; the median is reported (default 3)
# --no-staged  skip the `check --staged` timing
#
# For each scale: generate (or reuse) the tree, warm the page cache, then time
#   rg -c . DIR,  rg --files DIR,
#   guardrail check --no-config --fail-on never --format json DIR          (all rules), as
#     "all"  with --no-cache (every file parsed: comparable with runs before the cache),
#     "cold" with an empty facts cache before each run (parse, then write the cache),
#     "warm" with the facts cache the cold runs left (facts read, nothing parsed again)
#   the same with --select F for F in migrations security docker middleware compose,
#     warm
# with the peak RSS of each (GNU time's %M, the "Maximum resident set size" of
# /usr/bin/time -v) and its user+sys CPU time (steadier than wall on a shared machine).
# Then the scaling check: each family's time at scale s divided by its time at the
# first scale, flagged NONLINEAR above 1.25 x proportional. Then `--staged`: the
# largest tree as a git repository (committed once, cached), one migration changed
# and staged, `guardrail check --staged` timed in it, without the cache and warm (the
# cache in the repository's .guardrail_cache/, filled by one untimed run first).
#
# Last, per phase and per rule: one warm run of the largest tree with `--timings`
# (walk and classify, cache load, models with the parsing they need, file rules,
# project rules, collect, cache save; then the slowest rules), and the same for the
# warm `--staged` run.
#
# Needs: python3, ripgrep (rg), GNU time (/usr/bin/time), git.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
BIN="$repo/target/release/guardrail"
SCALES="1 2 4"
DIR=/tmp/guardrail-bench
RUNS=3
STAGED=1
SEED=11
FAMILIES="migrations security docker middleware compose"

while [ $# -gt 0 ]; do
    case "$1" in
        --bin) BIN="$2"; shift 2 ;;
        --scales) SCALES="$2"; shift 2 ;;
        --dir) DIR="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --no-staged) STAGED=0; shift ;;
        -h|--help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

for tool in python3 rg git; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "run.sh: no binary at $BIN (cargo build --release, or --bin)" >&2; exit 2; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
results="$tmp/results.tsv"
: >"$results"

stamp_of() { # what a cached tree was made from
    echo "seed=$SEED scale=$1 gen=$(sha256sum "$here/gen.py" | cut -c1-16)"
}

ensure_tree() { # scale -> path of the generated tree
    local s="$1" tree="$DIR/scale$1"
    if [ "$(cat "$tree.stamp" 2>/dev/null)" != "$(stamp_of "$s")" ]; then
        rm -rf "$tree" "$tree.stamp" "$tree-git" "$tree-git.stamp"
        python3 "$here/gen.py" --scale "$s" --seed "$SEED" "$tree" >&2
        stamp_of "$s" >"$tree.stamp"
    fi
    echo "$tree"
}

warm() {
    find "$1" -type f -print0 | xargs -0 cat >/dev/null
    rg --files "$1" >/dev/null
}

# measure NAME CMD...: runs CMD $RUNS times (stdout discarded), appends
# "NAME<TAB>median seconds<TAB>max peak RSS KiB" to the results.
measure() {
    local name="$1"; shift
    local times=() cpus=() rss=0 i t0 t1 rc r
    for ((i = 0; i < RUNS; i++)); do
        [ -n "${MEASURE_PRE:-}" ] && eval "$MEASURE_PRE"
        t0=$(date +%s%N)
        rc=0
        /usr/bin/time -f '%M %U %S' -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/stderr" || rc=$?
        t1=$(date +%s%N)
        if [ "$rc" -ge 2 ]; then
            echo "run.sh: $name failed (exit $rc): $*" >&2
            cat "$tmp/stderr" >&2
            exit 1
        fi
        times+=("$(( (t1 - t0) / 1000 ))")
        read -r r u sy < <(tail -n 1 "$tmp/rss")
        cpus+=("$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%d", (u + s) * 1e6 }')")
        [ "$r" -gt "$rss" ] && rss=$r
    done
    local median cpu
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
    cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
    printf '%s\t%s\t%s\t%s\n' "$name" "$(awk -v u="$median" 'BEGIN { printf "%.3f", u / 1e6 }')" "$rss" \
        "$(awk -v u="$cpu" 'BEGIN { printf "%.3f", u / 1e6 }')" >>"$results"
    printf '  %-28s %8.3f s wall %8.3f s cpu %6d MiB\n' "$name" "$(awk -v u="$median" 'BEGIN { print u / 1e6 }')" \
        "$(awk -v u="$cpu" 'BEGIN { print u / 1e6 }')" "$((rss / 1024))" >&2
}

GR=("$BIN" check --no-config --fail-on never --format json)

echo "guardrail: $BIN ($("$BIN" --version))" >&2
echo "ripgrep:   $(rg --version | sed -n 1p)" >&2
echo "machine:   $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)" >&2

for s in $SCALES; do
    tree="$(ensure_tree "$s")"
    files=$(find "$tree" -type f | wc -l)
    printf 'files\t%s\t%s\n' "$s" "$files" >>"$results"
    echo "scale $s: $tree ($files files)" >&2
    warm "$tree"
    measure "$s rg-c" rg -c . "$tree"
    measure "$s rg-files" rg --files "$tree"
    cache="$tmp/cache-$s"
    measure "$s all" "${GR[@]}" --no-cache "$tree"
    MEASURE_PRE="rm -rf '$cache'" measure "$s cold" "${GR[@]}" --cache-dir "$cache" "$tree"
    measure "$s warm" "${GR[@]}" --cache-dir "$cache" "$tree"
    for f in $FAMILIES; do
        measure "$s $f" "${GR[@]}" --cache-dir "$cache" --select "$f" "$tree"
    done
done

if [ "$STAGED" = 1 ]; then
    big=$(printf '%s\n' $SCALES | sort -g | tail -n 1)
    tree="$(ensure_tree "$big")"
    repo_tree="$tree-git"
    if [ "$(cat "$repo_tree.stamp" 2>/dev/null)" != "$(stamp_of "$big")" ]; then
        rm -rf "$repo_tree"
        cp -a "$tree" "$repo_tree"
        git -C "$repo_tree" init -q
        git -C "$repo_tree" add -A
        git -C "$repo_tree" -c user.name=bench -c user.email=bench@localhost commit -q -m generated
        stamp_of "$big" >"$repo_tree.stamp"
    fi
    changed=$(cd "$repo_tree" && ls django/proj0/apps/*/migrations/0010_*.py | head -n 1)
    git -C "$repo_tree" checkout -q -- "$changed"
    printf '\n# a comment added by the benchmark\n' >>"$repo_tree/$changed"
    git -C "$repo_tree" add "$changed"
    echo "staged: $changed in $repo_tree" >&2
    warm "$repo_tree"
    (cd "$repo_tree" && measure "$big staged" "$BIN" check --staged --no-cache --no-config --fail-on never --format json .)
    (cd "$repo_tree" && "$BIN" check --staged --no-config --fail-on never --format json . >/dev/null) || true
    (cd "$repo_tree" && measure "$big staged-warm" "$BIN" check --staged --no-config --fail-on never --format json .)
    git -C "$repo_tree" reset -q -- "$changed"
    git -C "$repo_tree" checkout -q -- "$changed"
fi

big=$(printf '%s\n' $SCALES | sort -g | tail -n 1)
echo >&2
echo "Per phase and rule, scale $big, warm (--timings, one run):" >&2
"${GR[@]}" --cache-dir "$tmp/cache-$big" --timings "$(ensure_tree "$big")" 2>&1 >/dev/null | sed -n '3,20p' >&2
if [ "$STAGED" = 1 ]; then
    echo "Per phase and rule, scale $big, --staged warm (--timings, one run, nothing staged):" >&2
    (cd "$DIR/scale$big-git" && "$BIN" check --staged --no-config --fail-on never --format json --timings . 2>&1 >/dev/null | sed -n '3,12p') >&2
fi

python3 - "$results" "$FAMILIES" <<'EOF'
import sys

rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
families = sys.argv[2].split()
files, t, rss, cpu = {}, {}, {}, {}
scales = []
for r in rows:
    if r[0] == "files":
        files[r[1]] = int(r[2])
        scales.append(r[1])
        continue
    scale, what = r[0].split(" ", 1)
    t[(scale, what)] = float(r[1])
    rss[(scale, what)] = int(r[2])
    cpu[(scale, what)] = float(r[3])


def table(head, rows):
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


print()
head = ["scale", "files", "rg -c .", "rg --files", "no cache", "cold", "warm", "warm / rg -c",
        "RSS MiB no cache / cold / warm", "CPU s no cache / cold / warm"] + families
rows = []
for s in scales:
    rg = max(t[(s, 'rg-c')], 1e-3)
    cells = [s, f"{files[s]:,}", f"{t[(s, 'rg-c')]:.2f}", f"{t[(s, 'rg-files')]:.2f}",
             f"{t[(s, 'all')]:.2f}", f"{t[(s, 'cold')]:.2f}", f"{t[(s, 'warm')]:.2f}",
             f"{t[(s, 'warm')] / rg:.1f}x",
             " / ".join(f"{rss[(s, k)] / 1024:.0f}" for k in ("all", "cold", "warm")),
             " / ".join(f"{cpu[(s, k)]:.2f}" for k in ("all", "cold", "warm"))]
    cells += [f"{t[(s, f)]:.2f}" for f in families]
    rows.append(cells)
table(head, rows)
print("\n(wall seconds, median of the runs; CPU: user+sys, median; RSS: the largest of the"
      " runs; `no cache`: --no-cache; family columns: `--select FAMILY` with the warm cache, wall)")

if len(scales) > 1:
    base = scales[0]
    others = scales[1:]
    for label, m in (("wall", t), ("CPU (user+sys)", cpu)):
        print(f"\nScaling, {label}: time at scale s / time at scale {base}; "
              "NONLINEAR above 1.25 x proportional\n")
        head = ["family"] + [f"{s}x/{base}x (prop. {float(s) / float(base):g})" for s in others] + ["verdict"]
        rows = []
        for f in ["all", "cold", "warm"] + families:
            cells, bad = [f], False
            for s in others:
                prop = float(s) / float(base)
                ratio = m[(s, f)] / max(m[(base, f)], 1e-3)
                flag = ratio > 1.25 * prop
                bad |= flag
                cells.append(f"{ratio:.2f}" + (" NONLINEAR" if flag else ""))
            cells.append("NONLINEAR" if bad else "linear")
            rows.append(cells)
        table(head, rows)

for k in [k for k in t if k[1] in ("staged", "staged-warm")]:
    how = "warm cache" if k[1] == "staged-warm" else "--no-cache"
    print(f"\n`guardrail check --staged` ({how}; one staged migration, scale {k[0]} tree as a git repo): "
          f"{t[k]:.3f} s wall, {cpu[k]:.3f} s CPU, peak RSS {rss[k] / 1024:.0f} MiB")
EOF
