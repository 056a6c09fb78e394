#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each).
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz wants nightly
# flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
# Logs in a folder of this run's own, so two runs at once cannot mix them;
# kept on failure (its path is printed), removed otherwise.
logs=$(mktemp -d "${TMPDIR:-/tmp}/ispo-fuzz.XXXXXX")
for target in paths toml_loaders merge condition templates; do
  echo "--- fuzz $target for ${seconds}s"
  # A crash makes cargo fuzz fail and leaves its input under fuzz/artifacts/.
  log=$logs/$target.log
  if ! RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" >"$log" 2>&1; then
    grep -E "^(==|SUMMARY|artifact_prefix|Test unit written|thread)" "$log" || tail -20 "$log"
    echo "full log: $log"
    exit 1
  fi
  grep -E "^Done" "$log" || true
done
rm -rf "$logs"
