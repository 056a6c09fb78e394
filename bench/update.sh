#!/usr/bin/env bash
# Benchmark `ispo update` against `copier update` on the synthetic template of
# init.sh (40 modules x 5 Markdown files of ~9 KB), and a no-op `ispo update`
# against one git fetch round-trip plus reading the kit.
#
#   bench/update.sh                      # from the repository, after `cargo build --release`
#   BENCH_TMP=/dev/shm bench/update.sh   # on tmpfs
#
# Scenario: catalog v1 -> `ispo init` / `copier copy`; two local edits committed
# in each; upstream v2 changes the first section of every module's first file
# (40 files); `ispo update` / `copier update --vcs-ref v2` merge it. Before every
# timed run the kit (and ispo's catalog cache) or the Copier project is put back
# to the pre-update state.
#
# Environment:
#   ISPO_BIN     ispo binary                      (default: target/release/ispo in the repo)
#   ISPO_COMMIT  what ISPO_BIN was built from, for env.txt (default: the repo's HEAD)
#   RUNS         hyperfine --runs                 (default: 20)
#   WARMUP       hyperfine --warmup               (default: 3)
#   COPIER_NOOP_RUNS  runs of the no-op `copier update` (context only; default: 5, 0 skips it)
#   BREAKDOWN    1: also time variants of `ispo update` that show where its time goes
#                (--offline, --dry-run, kit outside git, git's own fetch); 0 skips (default: 1)
#   BENCH_TMP    where the work folder is created (default: $TMPDIR or /tmp); TMPDIR and
#                ISPO_CACHE_DIR are set to folders inside it
#   RESULTS      where results are written        (default: bench/results/update/tmpfs when
#                the work folder is on tmpfs, else bench/results/update/disk)
#   KEEP=1       keep the work folder
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
ISPO_BIN=${ISPO_BIN:-$REPO/target/release/ispo}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
COPIER_NOOP_RUNS=${COPIER_NOOP_RUNS:-5}
BREAKDOWN=${BREAKDOWN:-1}

die() { echo "update.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is missing ($2)"; }

need hyperfine "apt-get install -y hyperfine, or cargo install hyperfine"
need copier "pipx install copier"
need git "apt-get install -y git"
need python3 "apt-get install -y python3"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install -y time)"
[ -x "$ISPO_BIN" ] || die "no ispo binary at $ISPO_BIN (cargo build --release, or set ISPO_BIN)"
ISPO_BIN=$(cd "$(dirname "$ISPO_BIN")" && pwd)/$(basename "$ISPO_BIN")

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/ispo-bench-update.XXXXXX")
case "$WORK" in *[[:space:]]*) die "the work folder path must not contain spaces: $WORK" ;; esac
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
FS=$(df -T "$WORK" | awk 'NR==2 {print $2}')
if [ -z "${RESULTS:-}" ]; then
  if [ "$FS" = tmpfs ]; then RESULTS=$BENCH/results/update/tmpfs; else RESULTS=$BENCH/results/update/disk; fi
fi
mkdir -p "$RESULTS" "$WORK/tmp" "$WORK/trash"
# Copier clones the template into the temp folder; ispo keeps its clone of a
# URL catalog in its cache: keep both on the same file system as the kits.
export TMPDIR=$WORK/tmp
export ISPO_CACHE_DIR=$WORK/cache
# No user or system git config (hooks, signing, templates) in the way.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

IN=$WORK/in
CATALOG=$IN/ispo-catalog
CATALOG_URL=file://$CATALOG
COPIER_SRC=$IN/copier-template
FIX="python3 $BENCH/update-fixture.py"
section() { printf '\n== %s\n' "$*"; }
commit_all() { git -C "$1" add -A && git -C "$1" commit -q -m "$2"; }

section "Inputs: catalog v1 (tag v1)"
python3 "$BENCH/gen-synthetic.py" "$IN"
$FIX v1 "$IN"
mapfile -t ISPO_SET < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["flags"]["ispo"]))' "$IN/answers.json")
mapfile -t COPIER_SET < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["flags"]["copier"]))' "$IN/answers.json")

# Three projects made from v1:
#   kit-url   ispo, catalog recorded as a file:// URL: ispo fetches it into its cache
#             (with the git command line), as it would from a git server
#   kit-path  ispo, catalog recorded as a local path: ispo reads the repository in place
#   proj      Copier (it clones the template into TMPDIR with git either way)
# Every one is a git repository with everything committed (Copier needs that;
# ispo refuses an update over uncommitted changes, so its `git status` is timed too).
section "Init from v1, check, local edits, commit"
"$ISPO_BIN" init "$WORK/kit-url" --catalog "$CATALOG_URL" "${ISPO_SET[@]}" --defaults --non-interactive -q
"$ISPO_BIN" init "$WORK/kit-path" --catalog "$CATALOG" "${ISPO_SET[@]}" --defaults --non-interactive -q
copier copy --trust --defaults --vcs-ref v1 --quiet "${COPIER_SET[@]}" "$COPIER_SRC" "$WORK/proj"
python3 "$BENCH/compare-outputs.py" "$IN/expected" "ispo (file:// URL)=$WORK/kit-url" "ispo (path)=$WORK/kit-path" "copier=$WORK/proj"
for d in kit-url kit-path proj; do
  $FIX local "$WORK/$d"
  git -C "$WORK/$d" init -q -b main
  # ispo creates .ispo/lock on update; it ignores that file in its own clean
  # check, and a user would ignore it in git.
  [ "$d" = proj ] || echo ".ispo/lock" >> "$WORK/$d/.git/info/exclude"
  commit_all "$WORK/$d" "kit from catalog v1, with two local edits"
done
echo "  local edits (committed): m01/file1.md (also changed upstream: merge) and m02/file3.md (not changed upstream: kept)"
# For the breakdown: git's own bare clone of the catalog at v1, to time git fetching v2.
git clone -q --bare "$CATALOG_URL" "$WORK/mirror-v1.pristine"
# The same kit outside git (no clean check).
cp -a "$WORK/kit-url" "$WORK/kit-nogit" && rm -rf "$WORK/kit-nogit/.git"

section "Upstream: catalog v2 (tag v2)"
$FIX upstream "$IN"

# The pre-update state, restored before every timed run: the project folder
# (with .git) is moved aside and copied back from a pristine copy, never deleted
# during the series (see the init caveats on ext4), and ispo's cache (the
# file:// kit's clone of the catalog at v1) likewise.
for d in kit-url kit-path proj kit-nogit; do cp -a "$WORK/$d" "$WORK/$d.pristine"; done
cp -a "$ISPO_CACHE_DIR" "$WORK/cache.pristine"
# reset_script NAME: write $WORK/reset-NAME.sh, which puts $WORK/NAME back from $WORK/NAME.pristine.
reset_script() {
  cat > "$WORK/reset-$1.sh" <<EOF
[ ! -e "$WORK/$1" ] || mv "$WORK/$1" "$WORK/trash/$1.\$(date +%s%N)"
cp -a "$WORK/$1.pristine" "$WORK/$1"
# cp -a gives new inodes and ctimes: refresh git's index, as in a user's working
# copy, or the first git status in the timed run re-reads every file.
git -C "$WORK/$1" update-index -q --refresh >/dev/null 2>&1
rm -rf "$TMPDIR"/* 2>/dev/null
if [ "$1" = kit-url ] || [ "$1" = kit-nogit ]; then
  mv "$ISPO_CACHE_DIR" "$WORK/trash/cache.\$(date +%s%N)"
  cp -a "$WORK/cache.pristine" "$ISPO_CACHE_DIR"
fi
true
EOF
}
for d in kit-url kit-path proj kit-nogit; do reset_script "$d"; done

ispo_update() { echo "$ISPO_BIN update $1 --non-interactive -q"; }
copier_update() { echo "copier update --trust --defaults --skip-answered --vcs-ref v2 --quiet $1"; }

section "Output check (each tool, one update, against the v2 render plus the local edits)"
"$ISPO_BIN" update "$WORK/kit-url" --non-interactive 2> "$WORK/ispo-update.log" || { cat "$WORK/ispo-update.log"; die "ispo update (file:// URL) failed"; }
tail -1 "$WORK/ispo-update.log" | sed 's/^/  ispo: /'
$(ispo_update "$WORK/kit-path") || die "ispo update (path) failed"
$(copier_update "$WORK/proj") || die "copier update failed"
$FIX check "$IN/expected-v2" "ispo (file:// URL)=$WORK/kit-url" "ispo (path)=$WORK/kit-path" "copier=$WORK/proj" | tee "$RESULTS/check.txt"
# The updated projects, committed, are the starting point of the no-op runs.
cp -a "$ISPO_CACHE_DIR" "$WORK/cache-v2"   # the cache after fetching v2, for the no-op runs
for d in kit-url kit-path proj; do
  commit_all "$WORK/$d" "update to catalog v2"
  mv "$WORK/$d" "$WORK/$d-v2"
  sh "$WORK/reset-$d.sh"
done

section "Timing: update v1 -> v2 (hyperfine --warmup $WARMUP --runs $RUNS; before each run: restore the pre-update copy)"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" \
  --export-json "$RESULTS/update.json" --export-markdown "$RESULTS/update.md" \
  --prepare "sh $WORK/reset-kit-url.sh" -n "ispo update" "$(ispo_update "$WORK/kit-url")" \
  --prepare "sh $WORK/reset-kit-path.sh" -n "ispo update (path catalog)" "$(ispo_update "$WORK/kit-path")" \
  --prepare "sh $WORK/reset-proj.sh" -n "copier update" "$(copier_update "$WORK/proj")"

if [ "$BREAKDOWN" = 1 ]; then
  section "Timing: variants of ispo update, to see where its time goes (hyperfine --warmup $WARMUP --runs $RUNS)"
  # --offline with v2 already in the cache: the update without the fetch.
  sed "s#$WORK/cache.pristine#$WORK/cache-v2#" "$WORK/reset-kit-url.sh" > "$WORK/reset-kit-url-v2cache.sh"
  cat > "$WORK/reset-mirror.sh" <<EOF
[ ! -e "$WORK/mirror-v1" ] || mv "$WORK/mirror-v1" "$WORK/trash/mirror.\$(date +%s%N)"
cp -a "$WORK/mirror-v1.pristine" "$WORK/mirror-v1"
EOF
  hyperfine -N --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$RESULTS/breakdown.json" --export-markdown "$RESULTS/breakdown.md" \
    --prepare "sh $WORK/reset-kit-url.sh" -n "ispo update" "$(ispo_update "$WORK/kit-url")" \
    --prepare "sh $WORK/reset-kit-url-v2cache.sh" -n "ispo update --offline (v2 in cache)" "$(ispo_update "$WORK/kit-url") --offline" \
    --prepare "sh $WORK/reset-kit-url.sh" -n "ispo update --dry-run" "$(ispo_update "$WORK/kit-url") --dry-run" \
    --prepare "sh $WORK/reset-kit-url-v2cache.sh" -n "ispo update --dry-run --offline" "$(ispo_update "$WORK/kit-url") --dry-run --offline" \
    --prepare "sh $WORK/reset-kit-nogit.sh" -n "ispo update (kit not in git)" "$(ispo_update "$WORK/kit-nogit")" \
    --prepare "sh $WORK/reset-mirror.sh" -n "git fetch v1 -> v2" "git -C $WORK/mirror-v1 fetch -q --prune $CATALOG_URL +refs/heads/*:refs/heads/* +refs/tags/*:refs/tags/*" \
    --prepare "true" -n "ispo --version" "$ISPO_BIN --version"
fi

# No-op: the kits are at v2 and the catalog has not moved. The goal: no more than
# one fetch round-trip plus reading the kit. A no-op update writes no kit file,
# so no reset is needed between runs (checked below).
rm -rf "$ISPO_CACHE_DIR" && cp -a "$WORK/cache-v2" "$ISPO_CACHE_DIR"
MIRROR=$WORK/mirror.git   # what one fetch costs: git's own fetch of the catalog into a bare clone
git clone -q --bare "$CATALOG_URL" "$MIRROR"
FETCH="git -C $MIRROR fetch -q --prune $CATALOG_URL +refs/heads/*:refs/heads/* +refs/tags/*:refs/tags/*"
# Reading the kit: every file ispo may read (kit files, answers, .ispo/ state and
# base), not .git. Output goes to /dev/null through hyperfine; cat reads anyway.
READ="find $WORK/kit-url-v2 -path $WORK/kit-url-v2/.git -prune -o -type f -exec cat {} +"
echo "  reading the kit: $(find "$WORK/kit-url-v2" -path "$WORK/kit-url-v2/.git" -prune -o -type f -print | wc -l) files, $(du -sb --exclude=.git "$WORK/kit-url-v2" | cut -f1) bytes"
# The kit as git and the user see it: .ispo/cache/ (ispo's local render and
# stat caches, out of git) may be written by the first no-op and is left out.
snapshot() { (cd "$1" && git status --porcelain && find . \( -path ./.git -o -path ./.ispo/cache \) -prune -o -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }
before_url=$(snapshot "$WORK/kit-url-v2"); before_path=$(snapshot "$WORK/kit-path-v2")

section "Timing: no-op update (hyperfine --warmup $WARMUP --runs $RUNS)"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" \
  --export-json "$RESULTS/noop.json" --export-markdown "$RESULTS/noop.md" \
  -n "ispo update (no-op)" "$(ispo_update "$WORK/kit-url-v2")" \
  -n "ispo update (no-op, path catalog)" "$(ispo_update "$WORK/kit-path-v2")" \
  -n "git fetch (no-op)" "$FETCH" \
  -n "git ls-remote" "git ls-remote $CATALOG_URL" \
  -n "read kit" "$READ" \
  -n "git fetch + read kit" "sh -c '$FETCH && $READ'"
[ "$(snapshot "$WORK/kit-url-v2")" = "$before_url" ] && [ "$(snapshot "$WORK/kit-path-v2")" = "$before_path" ] \
  || die "a no-op ispo update changed the kit; the no-op runs are not comparable"
echo "  check: after $((RUNS + WARMUP)) no-op updates both kits are byte-identical and git-clean"

if [ "$COPIER_NOOP_RUNS" -gt 0 ]; then
  section "Timing: no-op copier update, for context (hyperfine --runs $COPIER_NOOP_RUNS)"
  cp -a "$WORK/proj-v2" "$WORK/proj-v2.pristine"
  reset_script proj-v2
  hyperfine -N --warmup 1 --runs "$COPIER_NOOP_RUNS" \
    --export-json "$RESULTS/noop-copier.json" --export-markdown "$RESULTS/noop-copier.md" \
    --prepare "sh $WORK/reset-proj-v2.sh" \
    -n "copier update (no-op)" "$(copier_update "$WORK/proj-v2")"
fi

section "Peak RSS (/usr/bin/time -v, one update each; for copier the largest of the process and its children)"
: > "$RESULTS/rss.tsv"
rss() {
  local name=$1 reset=$2; shift 2
  [ -z "$reset" ] || sh "$WORK/reset-$reset.sh"
  /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>&1 || die "$name failed under /usr/bin/time"
  printf '%s\t%s\n' "$name" "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")" >> "$RESULTS/rss.tsv"
}
rss "ispo update" kit-url $(ispo_update "$WORK/kit-url")
rss "ispo update (path catalog)" kit-path $(ispo_update "$WORK/kit-path")
rss "copier update" proj $(copier_update "$WORK/proj")
rss "ispo update (no-op)" "" $(ispo_update "$WORK/kit-url-v2")
echo "  (see the table below)"

section "Results"
python3 "$BENCH/summarize-update.py" "$RESULTS" | tee "$RESULTS/summary.txt"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  if [ -n "${ISPO_COMMIT:-}" ]; then
    echo "ispo commit: $ISPO_COMMIT (given in ISPO_COMMIT)"
  else
    echo "ispo commit: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ' (src modified)') (the repository's HEAD; set ISPO_COMMIT when ISPO_BIN was built from something else)"
  fi
  echo "ispo binary: $ISPO_BIN ($("$ISPO_BIN" --version), sha256 $(sha256sum "$ISPO_BIN" | cut -c1-16))"
  echo "copier: $(copier --version 2>&1 | head -1)"
  echo "hyperfine: $(hyperfine --version)"
  echo "git: $(git --version)"
  echo "python: $(python3 --version 2>&1)"
  echo "kernel: $(uname -sr)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "work folder file system: $FS"
  echo "load average (1, 5, 15 min): $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (2 cores; the benchmark itself adds about 1, so much more than that means something else was running)"
  echo "runs: $RUNS, warmup: $WARMUP, copier no-op runs: $COPIER_NOOP_RUNS"
} > "$RESULTS/env.txt"
section "Environment"
sed 's/^/  /' "$RESULTS/env.txt"
echo
echo "results in $RESULTS/ (update.json/.md, noop.json/.md, noop-copier.json/.md, rss.tsv, check.txt, summary.json, summary.txt, env.txt)"
