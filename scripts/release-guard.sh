#!/usr/bin/env bash
# Stops a release whose installers would download from the wrong place:
# Cargo.toml's `repository` (which cargo-dist writes into the shell and
# PowerShell installers, and which action.yml and cargo-binstall read) must
# be the GitHub repository the release is built in. Run by the release
# workflow's plan step (.github/workflows/release-guard.yml, dist's
# plan-jobs); on a tag it fails, on a pull request it warns.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(sed -n 's/^repository = "\(.*\)"$/\1/p' Cargo.toml | head -1)
home=$(sed -n 's/^homepage = "\(.*\)"$/\1/p' Cargo.toml | head -1)
expected="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}"
problem=""
if [[ "$repo$home" == *set-before-release* ]]; then
  problem="Cargo.toml's repository or homepage is still the placeholder (set-before-release)"
elif [ "$repo" != "$expected" ]; then
  problem="Cargo.toml's repository is '$repo' but this release is built in $expected"
fi
if [ -z "$problem" ]; then
  echo "release guard: repository $repo is where this release is built"
  exit 0
fi
msg="$problem: the installers and action.yml download from the repository named there. Set repository and homepage in Cargo.toml, run \`dist generate\`, and commit."
case "${GITHUB_REF:-}" in
  refs/tags/*) echo "::error::$msg"; exit 1 ;;
  *) echo "::warning::$msg" ;;
esac
