#!/usr/bin/env bash
# Installs one released ispo with that release's own shell installer (made by
# cargo-dist, dist-workspace.toml): the logic of the GitHub Action in
# action.yml, usable in any CI job. Linux and macOS (the shell installer)
# and Windows under Git Bash (the PowerShell installer).
#
#   ISPO_VERSION=0.2.0 scripts/install-release.sh
#
# ISPO_VERSION        the release to install (required; no "latest").
# ISPO_RELEASE_URL    the folder holding that release's files (the installer
#                     and the archives), for a mirror inside the company;
#                     default: the GitHub release of `repository` in the
#                     Cargo.toml next to this script.
# ISPO_BIN_DIR        where the binary goes (default: $RUNNER_TEMP/ispo-bin,
#                     else a new temporary folder).
# GITHUB_PATH         when set (GitHub Actions), the folder is added to it
#                     (and GITHUB_OUTPUT gets bin-dir=FOLDER).
#
# The shell installer checks the archive's SHA-256 (written into it by the
# release); both run in unmanaged mode: no PATH or profile edits, no receipt.
# Prints the folder and ispo's --version line.
set -euo pipefail

version="${ISPO_VERSION:-}"
version="${version#v}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "ISPO_VERSION must be a release version such as 0.2.0 (got '${ISPO_VERSION:-}')" >&2
  exit 2
fi

here="$(cd "$(dirname "$0")" && pwd)"
base="${ISPO_RELEASE_URL:-}"
if [ -z "$base" ]; then
  repo=$(sed -n 's/^repository = "\(.*\)"$/\1/p' "$here/../Cargo.toml" | head -1)
  [ -n "$repo" ] || { echo "no repository in $here/../Cargo.toml: set ISPO_RELEASE_URL" >&2; exit 2; }
  base="$repo/releases/download/v$version"
fi
base="${base%/}"

bin_dir="${ISPO_BIN_DIR:-}"
if [ -z "$bin_dir" ]; then
  if [ -n "${RUNNER_TEMP:-}" ]; then bin_dir="$RUNNER_TEMP/ispo-bin"; else bin_dir="$(mktemp -d)"; fi
fi
mkdir -p "$bin_dir"
bin_dir="$(cd "$bin_dir" && pwd)"

# Windows (Git Bash on GitHub's runners) takes the PowerShell installer of
# the same release: the shell installer would need `unzip` there.
case "$(uname -s)" in
  MINGW* | MSYS* | CYGWIN*) name=ispo-installer.ps1 ;;
  *) name=ispo-installer.sh ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
installer="$work/$name"
if command -v curl >/dev/null 2>&1; then
  curl --proto '=https,http' --fail --silent --show-error --location --retry 3 "$base/$name" -o "$installer"
else
  wget --quiet "$base/$name" -O "$installer"
fi
# The installer names its release inside; a mirror serving another
# version's files would otherwise install that version silently.
if ! grep -qF -e "APP_VERSION=\"$version\"" -e "\$app_version = '$version'" "$installer"; then
  echo "$base/$name is not the installer of ispo $version" >&2
  exit 1
fi
export ISPO_DOWNLOAD_URL="$base" ISPO_UNMANAGED_INSTALL="$bin_dir"
if [ "$name" = ispo-installer.ps1 ]; then
  powershell -NoProfile -ExecutionPolicy Bypass -File "$(cygpath -w "$installer")"
else
  sh "$installer"
fi

exe="$bin_dir/ispo"
[ -x "$exe" ] || exe="$bin_dir/ispo.exe"
line="$("$exe" --version)"
case "$line" in
  "ispo $version "* | "ispo $version") ;;
  *) echo "installed binary says '$line', not ispo $version" >&2; exit 1 ;;
esac
# GitHub reads both files as the runner's own paths (C:\... on Windows).
entry="$bin_dir"
if command -v cygpath >/dev/null 2>&1; then entry="$(cygpath -w "$bin_dir")"; fi
if [ -n "${GITHUB_PATH:-}" ]; then echo "$entry" >>"$GITHUB_PATH"; fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "bin-dir=$entry" >>"$GITHUB_OUTPUT"; fi
echo "$bin_dir"
echo "$line"
