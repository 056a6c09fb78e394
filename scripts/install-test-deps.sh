#!/usr/bin/env bash
# Installs what `cargo test --locked` starts besides ispo itself: git (with
# git daemon and git http-backend), a real sshd and ssh client with
# ssh-agent and ssh-keygen (openssh-server, openssh-client), sha256sum, and
# jq (the kit update script's tests in tests/scripts).
# Debian and Ubuntu (apt-get), Fedora (dnf) and macOS (Homebrew). Runs
# apt-get/dnf through sudo when not root. `.ci/run` calls this script too,
# so the README and CI cannot drift apart.
set -euo pipefail
need() { command -v "$1" >/dev/null 2>&1; }
have_all() {
  need git && need sha256sum && need ssh-agent && need ssh-keygen && need ssh && need jq \
    && { [ -x /usr/sbin/sshd ] || need sshd; }
}
if have_all; then
  echo "test prerequisites present: git, sshd, ssh, ssh-agent, ssh-keygen, sha256sum, jq"
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ] && need sudo; then sudo="sudo"; fi
if need apt-get; then
  export DEBIAN_FRONTEND=noninteractive
  pkgs="git coreutils openssh-server openssh-client jq"
  $sudo apt-get install -y -qq $pkgs >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y -qq $pkgs; }
elif need dnf; then
  $sudo dnf install -y git coreutils openssh-server openssh-clients jq
elif need brew; then
  # macOS ships OpenSSH (sshd at /usr/sbin/sshd); git and coreutils' sha256sum come from Homebrew.
  brew install git coreutils jq
else
  echo "install git, openssh-server and openssh-client with your package manager" >&2
  exit 1
fi
have_all || { echo "some test prerequisites are still missing" >&2; exit 1; }
echo "test prerequisites installed"
