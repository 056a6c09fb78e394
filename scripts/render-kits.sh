#!/usr/bin/env bash
# Re-renders kits/<name>/ from examples/<name>.toml with the built-in catalog.
# Run after changing catalog/ or examples/; the test `kits_are_not_stale` checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
rm -rf kits
mkdir -p kits
for example in examples/*.toml; do
  name=$(basename "$example" .toml)
  ./target/debug/ispo init "kits/$name" --answers "$example" --non-interactive -q
done
echo "rendered $(ls kits | wc -l) kits into kits/"
