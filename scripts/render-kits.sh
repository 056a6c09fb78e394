#!/usr/bin/env bash
# Re-renders kits/<name>/ from examples/<name>.toml with the built-in catalog,
# or, when examples/<name>/ is a company catalog, with that catalog on top of
# the built-in one (read from a copy outside this git work tree, since ispo
# reads a folder inside a git repository at its last commit).
# Run after changing catalog/ or examples/; the test `kits_are_not_stale` checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
rm -rf kits
mkdir -p kits
copies=$(mktemp -d)
trap 'rm -rf "$copies"' EXIT
for example in examples/*.toml; do
  name=$(basename "$example" .toml)
  catalog=()
  if [ -d "examples/$name" ]; then
    cp -r "examples/$name" "$copies/$name"
    catalog=(--catalog "$copies/$name")
  fi
  ./target/debug/ispo init "kits/$name" --answers "$example" --non-interactive -q "${catalog[@]}"
done
# The local caches are not part of a kit in git (.ispo/.gitignore keeps them out).
rm -rf kits/*/.ispo/cache
echo "rendered $(ls kits | wc -l) kits into kits/"
