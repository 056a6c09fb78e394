#!/usr/bin/env bash
# Layered catalogs, side by side in one run: init and no-op update of a kit
# from the built-in catalog alone, and from a two-layer stack (the example
# company catalog examples/overlay-acme on the built-in one), with this ispo
# and, when OLD_BIN is set, with an ispo from before layering (to check that
# layering costs a single-catalog kit nothing). Prints the ratios.
# A benchmark, not a test: see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install -y hyperfine)"; exit 1; }
ISPO_BIN=${ISPO_BIN:-target/release/ispo}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}
work=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/ispo-layers.XXXXXX")
trap 'rm -rf "$work"' EXIT
results=${RESULTS:-bench/results/layers}
mkdir -p "$results"
export ISPO_CACHE_DIR="$work/cache"
bin=$(realpath "$ISPO_BIN")
cp -r examples/overlay-acme "$work/acme"     # outside git: read as it is
# The same answers for all: the defaults (an older ispo's catalog has other
# questions, so no answers file); the stack presets the forge, so the single
# catalog gets it as a flag.
single="--defaults --set company_name=Acme --set forge=gitlab_self_managed -q"
layered="--catalog $work/acme --defaults --set company_name=Acme -q"
"$bin" init "$work/kit-single" $single
"$bin" init "$work/kit-layered" $layered
cmds=(
  -n "init, built-in catalog" --prepare "rm -rf $work/k1" "$bin init $work/k1 $single"
  -n "init, two layers" --prepare "rm -rf $work/k2" "$bin init $work/k2 $layered"
  -n "no-op update, built-in catalog" --prepare true "$bin update $work/kit-single -q"
  -n "no-op update, two layers" --prepare true "$bin update $work/kit-layered -q"
)
if [ -n "${OLD_BIN:-}" ]; then
  old=$(realpath "$OLD_BIN")
  "$old" init "$work/kit-old" $single
  cmds+=(
    -n "init, built-in catalog, before layering" --prepare "rm -rf $work/k3" "$old init $work/k3 $single"
    -n "no-op update, built-in catalog, before layering" --prepare true "$old update $work/kit-old -q"
  )
fi
{ date -u; uname -sr; nproc; cat /proc/loadavg; "$bin" --version; [ -n "${OLD_BIN:-}" ] && "$old" --version; } > "$results/env.txt" 2>&1 || true
hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --export-json "$results/layers.json" --export-markdown "$results/layers.md" "${cmds[@]}"
cat /proc/loadavg >> "$results/env.txt"
python3 - "$results/layers.json" <<'PY' | tee "$results/summary.txt"
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
def ratio(a, b, what):
    if a in r and b in r:
        ma, mb = r[a]["median"], r[b]["median"]
        print(f"{what}: {ma*1000:.1f} ms / {mb*1000:.1f} ms = {ma/mb:.2f}x")
ratio("init, two layers", "init, built-in catalog", "init, two layers / one catalog")
ratio("no-op update, two layers", "no-op update, built-in catalog", "no-op update, two layers / one catalog")
ratio("init, built-in catalog", "init, built-in catalog, before layering", "init, one catalog, now / before layering")
ratio("no-op update, built-in catalog", "no-op update, built-in catalog, before layering", "no-op update, one catalog, now / before layering")
PY
