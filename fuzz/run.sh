#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each).
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz wants nightly
# flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
for target in paths toml_loaders merge condition templates; do
  echo "--- fuzz $target for ${seconds}s"
  # A crash makes cargo fuzz fail and leaves its input under fuzz/artifacts/.
  if ! RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" >"/tmp/ispo-fuzz-$target.log" 2>&1; then
    grep -E "^(==|SUMMARY|artifact_prefix|Test unit written|thread)" "/tmp/ispo-fuzz-$target.log" || tail -20 "/tmp/ispo-fuzz-$target.log"
    exit 1
  fi
  grep -E "^Done" "/tmp/ispo-fuzz-$target.log" || true
done
