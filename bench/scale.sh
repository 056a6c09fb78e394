#!/usr/bin/env bash
# Benchmark how ispo's cost grows with the catalog: init, a no-op update and
# an update after a one-file upstream change, on synthetic catalogs of 10,
# 40, 160 and 640 modules (5 files of ~9 KB each; the one-file update both
# on the kit left in place and "cold", on a copy of it whose new inodes no
# stat cache knows), plus `cp -r` of each
# kit as the copy floor and peak RSS against the rendered bytes. Prints the
# scale ratios of the performance issue; bench/init.sh and bench/update.sh
# compare the 40-module case with Copier and cargo-generate.
#
#   bench/scale.sh                      # after `cargo build --release`
#   SIZES="40 640" bench/scale.sh
#   BENCH_TMP=/dev/shm bench/scale.sh   # tmpfs: the CPU cost alone
#
# Environment:
#   ISPO_BIN     ispo binary (default: target/release/ispo in the repository)
#   ISPO_COMMIT  what ISPO_BIN was built from, for env.txt (default: HEAD)
#   SIZES        module counts (default: "10 40 160 640")
#   RUNS, WARMUP hyperfine runs and warm-up runs (default: 10, 2)
#   BENCH_TMP    where the work folder goes (default: $TMPDIR or /tmp)
#   RESULTS      where results go (default: bench/results/scale/<fs>)
#   KEEP=1       keep the work folder
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
ISPO_BIN=${ISPO_BIN:-$REPO/target/release/ispo}
SIZES=${SIZES:-10 40 160 640}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}

die() { echo "scale.sh: $*" >&2; exit 1; }
command -v hyperfine >/dev/null || die "hyperfine is missing (apt-get install -y hyperfine)"
command -v git >/dev/null || die "git is missing"
command -v python3 >/dev/null || die "python3 is missing"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install -y time)"
[ -x "$ISPO_BIN" ] || die "no ispo binary at $ISPO_BIN (cargo build --release, or set ISPO_BIN)"
ISPO_BIN=$(cd "$(dirname "$ISPO_BIN")" && pwd)/$(basename "$ISPO_BIN")

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/ispo-scale.XXXXXX")
case "$WORK" in *[[:space:]]*) die "the work folder path must not contain spaces: $WORK" ;; esac
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
FS=$(df -T "$WORK" | awk 'NR==2 {print $2}')
case "$FS" in tmpfs) KIND=tmpfs ;; *) KIND=disk ;; esac
RESULTS=${RESULTS:-$BENCH/results/scale/$KIND}
mkdir -p "$RESULTS" "$WORK/tmp" "$WORK/trash"
export TMPDIR=$WORK/tmp ISPO_CACHE_DIR=$WORK/cache
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "ispo: $ISPO_BIN ($("$ISPO_BIN" --version | head -1))"
  echo "commit: ${ISPO_COMMIT:-$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
  echo "sha256: $(sha256sum "$ISPO_BIN" | cut -c1-16)"
  echo "fs: $FS ($WORK)"
  echo "cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "hyperfine: $(hyperfine --version), git: $(git --version)"
  echo "runs: $RUNS + $WARMUP warm-up; sizes: $SIZES"
  echo "load at start: $LOAD_START"
} > "$RESULTS/env.txt"

printf 'modules\tmeasure\tmean_ms\tstddev_ms\tmedian_ms\n' > "$RESULTS/times.tsv"
printf 'modules\tcommand\tpeak_rss_kib\trendered_bytes\n' > "$RESULTS/rss.tsv"

# time_it N NAME PREPARE COMMAND: one hyperfine series, appended to times.tsv.
time_it() {
  local n=$1 name=$2 prepare=$3; shift 3
  local json=$RESULTS/$n-$name.json
  if [ -n "$prepare" ]; then
    hyperfine -N -w "$WARMUP" -r "$RUNS" --prepare "$prepare" --export-json "$json" -n "$name" "$*" >/dev/null
  else
    hyperfine -N -w "$WARMUP" -r "$RUNS" --export-json "$json" -n "$name" "$*" >/dev/null
  fi
  python3 - "$json" "$n" "$name" >> "$RESULTS/times.tsv" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{r['mean']*1000:.2f}\t{r['stddev']*1000:.2f}\t{r['median']*1000:.2f}")
EOF
  printf '  %-5s %-22s %s\n' "$n" "$name" "$(tail -1 "$RESULTS/times.tsv" | cut -f3,4 | tr '\t' ' ' | awk '{printf "%.1f ± %.1f ms", $1, $2}')"
}

rss() { # rss N NAME BYTES COMMAND...: peak RSS of one run, appended to rss.tsv.
  local n=$1 name=$2 bytes=$3; shift 3
  /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>&1 || true
  local kib
  kib=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$WORK/time.txt")
  printf '%s\t%s\t%s\t%s\n' "$n" "$name" "$kib" "$bytes" >> "$RESULTS/rss.tsv"
}

for n in $SIZES; do
  D=$WORK/n$n
  mkdir -p "$D"
  echo "== $n modules"
  python3 "$BENCH/gen-synthetic.py" "$D/in" --modules "$n" >/dev/null
  CAT=$D/in/ispo-catalog
  # A checkout as people have it: git's index refreshed after the commit, not
  # still "racily clean" from it (files written within the second the index
  # was, which every `git status` with GIT_OPTIONAL_LOCKS=0 then re-hashes).
  sleep 1 && git -C "$CAT" status >/dev/null
  mapfile -t SET < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["flags"]["ispo"]))' "$D/in/answers.json")
  init_cmd="$ISPO_BIN init $D/out --catalog $CAT ${SET[*]} --defaults --non-interactive -q"

  # init, and the copy floor: cp -r of the same kit with its .ispo/.
  # shellcheck disable=SC2086
  $init_cmd
  cp -a "$D/out" "$D/copy-src"
  bytes=$(find "$D/out" -path "$D/out/.ispo" -prune -o -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
  cat > "$D/prep-init.sh" <<EOF
[ ! -e "$D/out" ] || mv "$D/out" "$WORK/trash/\$(date +%s%N)"
[ ! -e "$D/copy" ] || mv "$D/copy" "$WORK/trash/\$(date +%s%N)"
true
EOF
  time_it "$n" init "sh $D/prep-init.sh" "$init_cmd"
  time_it "$n" cp-kit "sh $D/prep-init.sh" "cp -r $D/copy-src $D/copy"
  # shellcheck disable=SC2086 # one command line, split into words on purpose
  rss "$n" init "$bytes" $init_cmd

  # A kit in git, committed, from the catalog's first commit.
  sh "$D/prep-init.sh"
  # shellcheck disable=SC2086
  $init_cmd
  git -C "$D/out" init -q -b main
  git -C "$D/out" add -A && git -C "$D/out" commit -q -m kit
  mv "$D/out" "$D/kit"
  # The catalog's status fingerprint trusts no stamp within two seconds of
  # git's status (git's racy-clean rule); a catalog people use was not made
  # that instant, so the no-op is timed as it runs on theirs.
  sleep 3
  time_it "$n" update-noop "" "$ISPO_BIN update $D/kit --non-interactive -q"
  rss "$n" update-noop "$bytes" "$ISPO_BIN" update "$D/kit" --non-interactive -q

  # One file changes upstream: a paragraph in the first module's first file.
  python3 - "$CAT/modules/m01/files/m01/file1.md" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
open(p, "w").write(s + "\nA paragraph added upstream, in one file only.\n")
EOF
  git -C "$CAT" commit -qam "one file changes"
  sleep 1 && git -C "$CAT" status >/dev/null
  cp -a "$D/kit" "$D/kit.pristine"
  # Cold: a copy of the kit (new inodes, as in a fresh clone), so ispo's
  # stat cache knows none of its files.
  cat > "$D/prep-update-cold.sh" <<EOF
[ ! -e "$D/kit" ] || mv "$D/kit" "$WORK/trash/\$(date +%s%N)"
cp -a "$D/kit.pristine" "$D/kit"
git -C "$D/kit" update-index -q --refresh >/dev/null 2>&1
true
EOF
  # In place: the kit put back by git, which rewrites only the files the
  # update changed (its ignored caches stay), as a kit people keep has it.
  cat > "$D/prep-update.sh" <<EOF
git -C "$D/kit" reset -q --hard && git -C "$D/kit" clean -qfd
git -C "$D/kit" update-index -q --refresh >/dev/null 2>&1
true
EOF
  time_it "$n" update-one-file "sh $D/prep-update.sh" "$ISPO_BIN update $D/kit --non-interactive -q"
  time_it "$n" update-one-file-cold "sh $D/prep-update-cold.sh" "$ISPO_BIN update $D/kit --non-interactive -q"
  sh "$D/prep-update.sh"
  rss "$n" update-one-file "$bytes" "$ISPO_BIN" update "$D/kit" --non-interactive -q
  changed=$(git -C "$D/kit" status --porcelain | wc -l)
  echo "  the one-file update changed $changed path(s) in the kit's git status"
  rm -rf "$WORK/trash" && mkdir -p "$WORK/trash"
done

echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/env.txt"
python3 "$BENCH/summarize-scale.py" "$RESULTS" | tee "$RESULTS/summary.txt"
