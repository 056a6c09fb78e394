#!/usr/bin/env bash
# Benchmark `ispo init` against Copier, cargo-generate and `cp -r` on one
# synthetic template (40 modules x 5 Markdown files of ~9 KB), rendered to
# byte-identical output by all three template tools.
#
#   bench/init.sh                      # from the repository, after `cargo build --release`
#   ISPO_BIN=/path/to/ispo bench/init.sh
#
# Environment:
#   ISPO_BIN   ispo binary                       (default: target/release/ispo in the repo)
#   ISPO_COMMIT  what ISPO_BIN was built from, for env.txt (default: the repo's HEAD)
#   RUNS       hyperfine --runs                  (default: 20)
#   WARMUP     hyperfine --warmup                (default: 3)
#   BENCH_TMP  where the work folder is created  (default: $TMPDIR or /tmp); the tools'
#              own temporary files go there too (TMPDIR is set to a folder inside it)
#   PREPARE    mv: move the previous output aside before each run and delete it all at
#                  the end (default)
#              rm: delete it before each run (slow and order-dependent on ext4; see README)
#   RESULTS    where results are written         (default: bench/results/tmpfs when the work
#              folder is on tmpfs, else bench/results/disk-$PREPARE; bench/results/tmpfs-rm
#              for PREPARE=rm on tmpfs)
#   KEEP=1     keep the work folder
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
ISPO_BIN=${ISPO_BIN:-$REPO/target/release/ispo}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
PREPARE=${PREPARE:-mv}

die() { echo "init.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is missing ($2)"; }

need hyperfine "apt-get install -y hyperfine, or cargo install hyperfine"
need copier "pipx install copier"
need cargo "rustup"
cargo generate --version >/dev/null 2>&1 || die "cargo-generate is missing (cargo install cargo-generate)"
need git "apt-get install -y git"
need python3 "apt-get install -y python3"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install -y time)"
[ -x "$ISPO_BIN" ] || die "no ispo binary at $ISPO_BIN (cargo build --release, or set ISPO_BIN)"
ISPO_BIN=$(cd "$(dirname "$ISPO_BIN")" && pwd)/$(basename "$ISPO_BIN")
case "$PREPARE" in rm|mv) ;; *) die "PREPARE must be rm or mv" ;; esac

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/ispo-bench.XXXXXX")
case "$WORK" in *[[:space:]]*) die "the work folder path must not contain spaces: $WORK" ;; esac
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
FS=$(df -T "$WORK" | awk 'NR==2 {print $2}')
if [ -z "${RESULTS:-}" ]; then
  case "$FS/$PREPARE" in
    tmpfs/mv) RESULTS=$BENCH/results/tmpfs ;;
    tmpfs/*) RESULTS=$BENCH/results/tmpfs-$PREPARE ;;
    *) RESULTS=$BENCH/results/disk-$PREPARE ;;
  esac
fi
mkdir -p "$RESULTS" "$WORK/tmp" "$WORK/check" "$WORK/trash"
# Copier clones the template and cargo-generate stages its copy in the temp
# folder: keep those writes on the same file system as the outputs.
export TMPDIR=$WORK/tmp

IN=$WORK/in
OUT=$WORK/out
section() { printf '\n== %s\n' "$*"; }

section "Inputs"
python3 "$BENCH/gen-synthetic.py" "$IN"
CATALOG=$IN/ispo-catalog
COPIER_SRC=$IN/copier-template
CARGO_SRC=$IN/cargo-template
# Answers given on the command line (the rest are defaults), as flags for each tool.
mapfile -t ISPO_SET < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["flags"]["ispo"]))' "$IN/answers.json")
mapfile -t COPIER_SET < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["flags"]["copier"]))' "$IN/answers.json")
mapfile -t CARGO_SET < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["flags"]["cargo_generate"]))' "$IN/answers.json")

section "ispo catalog lint"
if ! "$ISPO_BIN" catalog lint "$CATALOG" > "$WORK/lint.txt" 2>&1; then
  sed 's/^/  /' "$WORK/lint.txt"; die "the synthetic catalog does not lint"
fi
sed 's/^/  /' "$WORK/lint.txt"

# One command line per tool, shared by the check, hyperfine and the RSS runs.
# $1 = output folder. cargo-generate writes into <destination>/<name>, so its
# output folder is <dest>/x and <dest> must exist.
ispo_cmd()   { echo "$ISPO_BIN init $1 --catalog $CATALOG ${ISPO_SET[*]} --defaults --non-interactive -q"; }
copier_cmd() { echo "copier copy --trust --defaults --vcs-ref HEAD --quiet ${COPIER_SET[*]} $COPIER_SRC $1"; }
cargo_cmd()  { echo "cargo generate --path $CARGO_SRC --name x --silent --vcs none ${CARGO_SET[*]} --destination $1"; }

section "Output check (every tool, one run, against the expected render)"
C=$WORK/check
$(ispo_cmd "$C/ispo")
$(copier_cmd "$C/copier")
mkdir -p "$C/cargo" && $(cargo_cmd "$C/cargo") >/dev/null 2>&1
python3 "$BENCH/compare-outputs.py" "$IN/expected" "ispo=$C/ispo" "copier=$C/copier" "cargo-generate=$C/cargo/x"

# What cp copies: ispo's kit without its .ispo/ state (the files a user reads,
# README/SOURCES/answers included), and the whole kit with .ispo/ (every byte
# `ispo init` writes: it keeps a pristine copy of each file under .ispo/base/).
cp -r "$C/ispo" "$WORK/kit-full"
cp -r "$C/ispo" "$WORK/kit" && rm -rf "$WORK/kit/.ispo"
count() { echo "$(find "$1" -type f | wc -l) files, $(find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {print s}') bytes"; }
echo "  cp -r source 'kit'        : $(count "$WORK/kit")"
echo "  cp -r source 'kit+.ispo'  : $(count "$WORK/kit-full")"

# Runs before every timed run (of every command): clear the previous output.
cat > "$WORK/prepare.sh" <<EOF
if [ "$PREPARE" = mv ]; then
  [ -e "$OUT" ] && mv "$OUT" "$WORK/trash/\$(date +%s%N)"
else
  rm -rf "$OUT"
fi
rm -rf "$TMPDIR"/* 2>/dev/null
mkdir -p "$OUT/cargo"
true
EOF

section "Timing (hyperfine --warmup $WARMUP --runs $RUNS, prepare: $PREPARE previous output)"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" \
  --prepare "sh $WORK/prepare.sh" \
  --export-json "$RESULTS/init.json" --export-markdown "$RESULTS/init.md" \
  -n "ispo init" "$(ispo_cmd "$OUT/ispo")" \
  -n "copier copy" "$(copier_cmd "$OUT/copier")" \
  -n "cargo generate" "$(cargo_cmd "$OUT/cargo")" \
  -n "cp -r kit" "cp -r $WORK/kit $OUT/cp" \
  -n "cp -r kit+.ispo" "cp -r $WORK/kit-full $OUT/cp-full"

section "Peak RSS (/usr/bin/time -v, one run each; for copier and cargo it is the largest of the process and its children)"
: > "$RESULTS/rss.tsv"
rss() {
  local name=$1; shift
  sh "$WORK/prepare.sh"
  /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>&1 || die "$name failed under /usr/bin/time"
  printf '%s\t%s\n' "$name" "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")" >> "$RESULTS/rss.tsv"
}
rss "ispo init" $(ispo_cmd "$OUT/ispo")
rss "copier copy" $(copier_cmd "$OUT/copier")
rss "cargo generate" $(cargo_cmd "$OUT/cargo")
rss "cp -r kit" cp -r "$WORK/kit" "$OUT/cp"
rss "cp -r kit+.ispo" cp -r "$WORK/kit-full" "$OUT/cp-full"
echo "  (see the table below)"

section "Results"
python3 "$BENCH/summarize.py" "$RESULTS/init.json" "$RESULTS/rss.tsv" "$RESULTS/summary.json" | tee "$RESULTS/summary.txt"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  if [ -n "${ISPO_COMMIT:-}" ]; then
    echo "ispo commit: $ISPO_COMMIT (given in ISPO_COMMIT)"
  else
    echo "ispo commit: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ' (src modified)') (the repository's HEAD; set ISPO_COMMIT when ISPO_BIN was built from something else)"
  fi
  echo "ispo binary: $ISPO_BIN ($("$ISPO_BIN" --version), sha256 $(sha256sum "$ISPO_BIN" | cut -c1-16))"
  echo "copier: $(copier --version 2>&1 | head -1)"
  echo "cargo-generate: $(cargo generate --version 2>&1 | head -1)"
  echo "hyperfine: $(hyperfine --version)"
  echo "cp: $(cp --version | head -1)"
  echo "git: $(git --version)"
  echo "python: $(python3 --version 2>&1)"
  echo "kernel: $(uname -sr)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "work folder file system: $FS"
  echo "load average (1, 5, 15 min): $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (2 cores; the benchmark itself adds about 1, so much more than that means something else was running)"
  echo "prepare: $PREPARE, runs: $RUNS, warmup: $WARMUP"
} > "$RESULTS/env.txt"
section "Environment"
sed 's/^/  /' "$RESULTS/env.txt"
echo
echo "results in $RESULTS/ (init.json, init.md, rss.tsv, summary.json, summary.txt, env.txt)"
