#!/usr/bin/env bash
# Tests the release pipeline as its users meet it, offline: cargo-dist's
# plan and generated workflow agree with dist-workspace.toml; the host's
# archive and shell installer are built by `dist build`; then, from a
# loopback HTTP server (python3 -m http.server on 127.0.0.1), the real
# installer installs the real binary for a person (~/.ispo/bin, PATH set up
# in a temporary HOME), under $ISPO_HOME, and for CI through
# scripts/install-release.sh (the GitHub Action's logic); a tampered archive
# and a wrong version are refused; the release guard passes only for the
# repository Cargo.toml names. Needs `dist` (cargo-dist, the version in
# dist-workspace.toml), python3 and curl. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }

want=$(sed -n 's/^cargo-dist-version = "\(.*\)"/\1/p' dist-workspace.toml)
have=$(dist --version 2>/dev/null | awk '{print $2}') || true
[ "$have" = "$want" ] || fail "dist $want is needed (found '${have:-none}'): cargo install --locked cargo-dist --version $want"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
host=$(rustc -vV | sed -n 's/^host: //p')
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
# dist prints what it builds (and cargo its progress): shown only on failure.
log="$tmp/dist.log"

dist generate --check >/dev/null || fail "release.yml does not match dist-workspace.toml: run dist generate"
ok "release.yml is what dist generate writes"

plan=$(dist plan 2>&1)
for artifact in ispo-installer.sh ispo-installer.ps1 \
  ispo-x86_64-unknown-linux-gnu.tar.xz ispo-aarch64-unknown-linux-gnu.tar.xz \
  ispo-x86_64-apple-darwin.tar.xz ispo-aarch64-apple-darwin.tar.xz ispo-x86_64-pc-windows-msvc.zip; do
  grep -q "^ *$artifact\$" <<<"$plan" || fail "dist plan does not list $artifact:"$'\n'"$plan"
done
ok "dist plan lists the five targets' archives and both installers"

# Both installers as a release's global step writes them: each knows every
# target's archive, and names its version where install-release.sh looks.
dist build --artifacts=global >"$log" 2>&1 || { cat "$log"; fail "dist build --artifacts=global failed"; }
for target in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin; do
  grep -q "\"ispo-$target.tar.xz\")" target/distrib/ispo-installer.sh || fail "the shell installer does not know ispo-$target.tar.xz"
done
grep -q '"artifact_name" = "ispo-x86_64-pc-windows-msvc.zip"' target/distrib/ispo-installer.ps1 || fail "the PowerShell installer does not know the Windows archive"
grep -qF "APP_VERSION=\"$version\"" target/distrib/ispo-installer.sh || fail "the shell installer does not name version $version"
grep -qF "\$app_version = '$version'" target/distrib/ispo-installer.ps1 || fail "the PowerShell installer does not name version $version"
ok "dist build --artifacts=global writes both installers, knowing every target's archive"

# The host's archive and the shell installer (which carries the archive's SHA-256).
dist build --artifacts=all --target "$host" >"$log" 2>&1 || { cat "$log"; fail "dist build --target $host failed"; }
archive="ispo-$host.tar.xz"
[ -f "target/distrib/$archive" ] || fail "dist build wrote no target/distrib/$archive"
ok "dist build made $archive and ispo-installer.sh"


# Two copies of the release: as built, and with the archive altered after
# its checksum went into the installer.
mkdir -p "$tmp/site/good" "$tmp/site/bad"
cp target/distrib/ispo-installer.sh "target/distrib/$archive" "target/distrib/$archive.sha256" "$tmp/site/good/"
cp "$tmp/site/good/"* "$tmp/site/bad/"
printf 'tampered' >>"$tmp/site/bad/$archive"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/site" >"$tmp/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.* port \([0-9][0-9]*\) .*/\1/p' "$tmp/server.log" | head -1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the HTTP server did not start: $(cat "$tmp/server.log")"
  sleep 0.1
done
[ -n "$port" ] || fail "the HTTP server printed no port"
base="http://127.0.0.1:$port"

# A clean environment for each install: a temporary HOME, config and
# Cargo folders, and nothing of this machine's or CI's own (no GITHUB_PATH,
# which the installer would write to).
clean_env() {
  local home="$1"
  shift
  mkdir -p "$home"
  env -i PATH="/usr/bin:/bin" HOME="$home" XDG_CONFIG_HOME="$home/.config" CARGO_HOME="$home/.cargo" \
    SHELL=/bin/bash "$@"
}
check_version() { # binary
  local line
  line=$("$1" --version) || fail "$1 --version failed"
  case "$line" in "ispo $version "*) ;; *) fail "$1 --version says '$line', not ispo $version" ;; esac
}

# 1. A person: curl | sh, as the README says, with the download URL
#    pointed at the loopback server.
home="$tmp/person"
clean_env "$home" ISPO_DOWNLOAD_URL="$base/good" \
  sh -c "curl --proto '=http' -sSf '$base/good/ispo-installer.sh' | sh" >"$tmp/person.log" 2>&1 \
  || fail "the installer failed: $(cat "$tmp/person.log")"
check_version "$home/.ispo/bin/ispo"
# A new login shell finds it: the installer's line in ~/.profile puts
# ~/.ispo/bin on the PATH.
# shellcheck disable=SC2016 # $HOME is the inner shell's
found=$(clean_env "$home" sh -c '. "$HOME/.profile" && command -v ispo') || fail "the profile does not work: $(cat "$home/.profile")"
[ "$found" = "$home/.ispo/bin/ispo" ] || fail "a new shell finds '$found', not ~/.ispo/bin/ispo"
[ -f "$home/.config/ispo/ispo-receipt.json" ] || fail "no install receipt in XDG_CONFIG_HOME"
[ ! -e "$home/.cargo/bin/ispo" ] || fail "installed into CARGO_HOME"
grep -q "\"GET /good/$archive HTTP/1.1\" 200" "$tmp/server.log" || fail "the archive was not fetched from the loopback server"
ok "the shell installer installs ispo $version into ~/.ispo/bin from $base and sets up PATH"

# The installed ispo works: a kit from its built-in catalog.
clean_env "$home" "$home/.ispo/bin/ispo" init "$home/kit" --defaults --set company_name=Acme --non-interactive >/dev/null 2>&1 \
  || fail "the installed ispo could not make a kit"
[ -f "$home/kit/README.md" ] || fail "the installed ispo wrote no kit"
ok "the installed ispo makes a kit from its built-in catalog"

# 2. $ISPO_HOME chooses the folder.
home="$tmp/ispo-home-user"
clean_env "$home" ISPO_DOWNLOAD_URL="$base/good" ISPO_HOME="$home/tools/ispo" \
  sh "$tmp/site/good/ispo-installer.sh" >"$tmp/ispo-home.log" 2>&1 || fail "$(cat "$tmp/ispo-home.log")"
check_version "$home/tools/ispo/bin/ispo"
[ ! -e "$home/.ispo/bin/ispo" ] || fail "ISPO_HOME was not used"
ok "ISPO_HOME=DIR installs into DIR/bin"

# 3. CI: the GitHub Action's script, unmanaged (no PATH edits, no receipt),
#    the folder handed to later steps through GITHUB_PATH and GITHUB_OUTPUT.
home="$tmp/runner"
clean_env "$home" ISPO_VERSION="$version" ISPO_RELEASE_URL="$base/good" RUNNER_TEMP="$home/temp" \
  GITHUB_PATH="$home/github_path" GITHUB_OUTPUT="$home/github_output" \
  bash "$root/scripts/install-release.sh" >"$tmp/action.log" 2>&1 || fail "install-release.sh: $(cat "$tmp/action.log")"
check_version "$home/temp/ispo-bin/ispo"
[ "$(cat "$home/github_path")" = "$home/temp/ispo-bin" ] || fail "GITHUB_PATH holds '$(cat "$home/github_path")'"
grep -qx "bin-dir=$home/temp/ispo-bin" "$home/github_output" || fail "GITHUB_OUTPUT has no bin-dir"
if [ -e "$home/.profile" ] || [ -e "$home/.config/ispo" ]; then fail "the CI install edited the profile or wrote a receipt"; fi
grep -q 'scripts/install-release.sh' action.yml || fail "action.yml does not run scripts/install-release.sh"
ok "scripts/install-release.sh (action.yml) installs ispo $version and adds it to GITHUB_PATH"

# 4. A pinned version that the mirror does not hold is refused.
home="$tmp/runner-wrong"
if clean_env "$home" ISPO_VERSION=9.9.9 ISPO_RELEASE_URL="$base/good" ISPO_BIN_DIR="$home/bin" \
  bash "$root/scripts/install-release.sh" >"$tmp/wrong.log" 2>&1; then
  fail "install-release.sh installed $version when 9.9.9 was asked for"
fi
grep -q "is not the installer of ispo 9.9.9" "$tmp/wrong.log" || fail "unclear refusal: $(cat "$tmp/wrong.log")"
[ ! -e "$home/bin/ispo" ] || fail "a binary was left behind"
ok "install-release.sh refuses a release that is not the pinned version"

# 5. An archive that does not match the installer's checksum is refused.
home="$tmp/tampered"
if clean_env "$home" ISPO_DOWNLOAD_URL="$base/bad" sh "$tmp/site/bad/ispo-installer.sh" >"$tmp/bad.log" 2>&1; then
  fail "the installer accepted a tampered archive"
fi
grep -qi "checksum" "$tmp/bad.log" || fail "the refusal does not mention the checksum: $(cat "$tmp/bad.log")"
[ ! -e "$home/.ispo/bin/ispo" ] || fail "the tampered binary was installed"
ok "the installer refuses an archive whose SHA-256 does not match"

# 6. The release guard: quiet for the repository Cargo.toml names, an error
#    on a tag for any other (and for the placeholder).
mkdir -p "$tmp/guard/scripts"
cp scripts/release-guard.sh "$tmp/guard/scripts/"
sed 's#^repository = ".*"#repository = "https://github.com/acme/ispo"#; s#^homepage = ".*"#homepage = "https://github.com/acme/ispo"#' Cargo.toml >"$tmp/guard/Cargo.toml"
GITHUB_REPOSITORY=acme/ispo GITHUB_REF=refs/tags/v$version "$tmp/guard/scripts/release-guard.sh" >/dev/null || fail "the guard stopped a good release"
if GITHUB_REPOSITORY=fork/ispo GITHUB_REF=refs/tags/v$version "$tmp/guard/scripts/release-guard.sh" >/dev/null; then fail "the guard let a fork's tag through"; fi
GITHUB_REPOSITORY=fork/ispo GITHUB_REF=refs/pull/1/merge "$tmp/guard/scripts/release-guard.sh" >/dev/null || fail "the guard failed a pull request"
if GITHUB_REPOSITORY=set-before-release/ispo GITHUB_REF=refs/tags/v$version scripts/release-guard.sh >/dev/null; then fail "the guard let the placeholder through"; fi
ok "the release guard stops a tag whose Cargo.toml names another repository or the placeholder"

kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
echo "$passed passed, 0 failed"
