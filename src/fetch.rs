//! Bringing a catalog's bare mirror up to date, with the git command line.
//!
//! ispo fetches with the user's own `git` rather than libgit2, so a catalog
//! is reachable wherever `git clone` works: every credential helper (Git
//! Credential Manager included), `~/.ssh/config` (aliases, ProxyJump, keys
//! with passphrases), proxies for http:// and https:// with `no_proxy`,
//! `http.sslCAInfo`, `url.<base>.insteadOf`, `http.extraHeader`. It also
//! keeps TLS and ssh out of ispo's own process. What ispo adds: a token from
//! `ISPO_GIT_TOKEN`, no prompts when nobody can answer, a watchdog so a
//! stalled server never hangs a run, a progress bar, and plain hints.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::output::Reporter;

/// Where the fetched remote HEAD is kept: the commit a catalog without
/// `--ref` is read at.
pub const REMOTE_HEAD: &str = "refs/ispo/remote-head";

/// How a fetch may behave.
pub struct Fetch<'a> {
    pub url: &'a str,
    pub mirror: &'a Path,
    /// Whether git may ask the user for credentials or a passphrase.
    pub prompts: bool,
}

/// Connect and idle timeouts: 15 s without any answer at first, then 60 s
/// without progress; `ISPO_NETWORK_TIMEOUT` (seconds) sets both.
fn timeouts() -> (Duration, Duration) {
    match std::env::var("ISPO_NETWORK_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
    {
        Some(s) => (Duration::from_secs(s), Duration::from_secs(s)),
        None => (Duration::from_secs(15), Duration::from_secs(60)),
    }
}

/// Fetches every branch and tag of `url` into the mirror, and the remote
/// HEAD into [`REMOTE_HEAD`]. `cached` tells whether the mirror held a
/// usable copy before, for the hint on failure.
pub fn run(f: &Fetch, cached: bool, reporter: &Reporter) -> Result<()> {
    let refspecs = [
        "+refs/heads/*:refs/heads/*",
        "+refs/tags/*:refs/tags/*",
        &format!("+HEAD:{REMOTE_HEAD}"),
    ];
    match attempt(f, &refspecs, reporter) {
        Ok(()) => Ok(()),
        // A repository whose HEAD names no branch still has branches and tags.
        Err(Failed { stderr, .. }) if stderr.contains("couldn't find remote ref HEAD") => {
            attempt(f, &refspecs[..2], reporter).map_err(|e| e.into_error(f, cached))
        }
        Err(e) => Err(e.into_error(f, cached)),
    }
}

struct Failed {
    stderr: String,
    timed_out: Option<&'static str>,
}

impl Failed {
    fn into_error(self, f: &Fetch, cached: bool) -> anyhow::Error {
        let mut message = format!("cannot fetch the catalog from `{}`", f.url);
        if let Some(why) = self.timed_out {
            message.push_str(&format!("\n{why}"));
        }
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !is_progress(l))
            .collect();
        for l in lines.iter().rev().take(6).rev() {
            message.push_str(&format!("\n  git: {l}"));
        }
        let text = self.stderr.to_ascii_lowercase();
        if text.contains("ssl certificate problem")
            || text.contains("certificate verify")
            || text.contains("server certificate verification failed")
        {
            message.push_str("\nthe server's TLS certificate is not trusted on this machine; if your company uses its own certificate authority, point git's http.sslCAInfo (or GIT_SSL_CAINFO) at its bundle");
        }
        if text.contains("host key verification failed") {
            message.push_str("\nthe server's ssh host key is not in your known_hosts, or differs from the key recorded there; check the key with the server's administrators, then add it (for example `ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts`)");
        }
        if text.contains("terminal prompts disabled")
            || text.contains("could not read username")
            || text.contains("authentication failed")
            || text.contains("permission denied (publickey")
        {
            message.push_str("\nauthentication failed: ispo uses git's own credentials (credential helpers, ssh-agent and ~/.ssh keys); in CI, set ISPO_GIT_TOKEN for HTTPS");
        }
        if cached {
            message.push_str("\na cached copy exists: re-run with --offline to use it");
        }
        anyhow::anyhow!(message)
    }
}

fn is_progress(line: &str) -> bool {
    line.contains("objects:") || line.contains("deltas:") || line.starts_with("From ")
}

fn attempt(f: &Fetch, refspecs: &[&str], reporter: &Reporter) -> Result<(), Failed> {
    let mut cmd = Command::new("git");
    cmd.arg("--git-dir").arg(f.mirror);
    if let Ok(token) = std::env::var("ISPO_GIT_TOKEN") {
        if !token.is_empty() {
            // A helper that answers from the environment at run time, so the
            // token is never on a command line; it replaces the user's helpers
            // for this fetch, so none of them stores it.
            let user = if has_user(f.url) {
                ""
            } else {
                "echo username=x-access-token; "
            };
            cmd.arg("-c").arg("credential.helper=").arg("-c").arg(format!(
                "credential.helper=!f() {{ test \"$1\" = get || exit 0; {user}echo \"password=$ISPO_GIT_TOKEN\"; }}; f"
            ));
        }
    }
    let (mut connect, idle) = timeouts();
    if f.prompts {
        // Someone may be typing a password into git's prompt, which prints
        // nothing on stderr meanwhile; Ctrl-C is there if the host never answers.
        connect = Duration::from_secs(24 * 3600);
    }
    // curl's own stall detection for http(s), in step with the watchdog.
    cmd.arg("-c")
        .arg("http.lowSpeedLimit=1")
        .arg("-c")
        .arg(format!("http.lowSpeedTime={}", idle.as_secs().max(1)));
    cmd.args([
        "fetch",
        "--prune",
        "--force",
        "--no-write-fetch-head",
        "--progress",
        "--",
    ])
    .arg(f.url)
    .args(refspecs)
    .stdin(if f.prompts {
        Stdio::inherit()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    if !f.prompts {
        cmd.env("GIT_TERMINAL_PROMPT", "0");
        // ssh would otherwise ask on the terminal for a passphrase or a new host key.
        if std::env::var_os("GIT_SSH_COMMAND").is_none() && std::env::var_os("GIT_SSH").is_none() {
            cmd.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        }
    }
    let mut child = cmd.spawn().map_err(|e| Failed {
        stderr: format!(
            "cannot run git ({e}); ispo needs git on the PATH for remote catalogs (https://git-scm.com/downloads)"
        ),
        timed_out: None,
    })?;

    // The bar stays off until git reports progress: before that, git or ssh
    // may be asking for a password on the terminal.
    let bar = reporter.progress("fetching catalog");
    let visible = !bar.is_hidden();
    if visible {
        bar.disable_steady_tick();
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let seen = Arc::new(Mutex::new((String::new(), None::<Instant>)));
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let reader = {
        let seen = seen.clone();
        let bar = bar.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut line = String::new();
            let mut shown = false;
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buf[..n]);
                let mut s = seen.lock().expect("not poisoned");
                s.0.push_str(&text);
                s.1 = Some(Instant::now());
                drop(s);
                for c in text.chars() {
                    if c == '\r' || c == '\n' {
                        if show_progress(&line, &bar) && visible && !shown {
                            shown = true;
                            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                            bar.enable_steady_tick(Duration::from_millis(120));
                        }
                        line.clear();
                    } else {
                        line.push(c);
                    }
                }
            }
        })
    };
    let started = Instant::now();
    let mut timed_out = None;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        let last = seen.lock().expect("not poisoned").1;
        let stalled = match last {
            None => (started.elapsed() > connect).then_some(
                "no answer from the server (ISPO_NETWORK_TIMEOUT sets how long to wait)",
            ),
            Some(t) => (t.elapsed() > idle).then_some(
                "the server stopped sending (ISPO_NETWORK_TIMEOUT sets how long to wait)",
            ),
        };
        if let Some(why) = stalled {
            let _ = child.kill();
            let _ = child.wait();
            timed_out = Some(why);
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if timed_out.is_none() {
        let _ = reader.join();
    }
    // After a timeout the reader is left behind: git's own helper (ssh,
    // git-remote-https) may still hold the pipe open, and ispo is about to
    // exit with what git printed so far.
    bar.finish_and_clear();
    let stderr = std::mem::take(&mut seen.lock().expect("not poisoned").0);
    match status {
        Some(s) if s.success() => {
            reporter.debug(format!("fetched {} into {}", f.url, f.mirror.display()));
            Ok(())
        }
        _ => Err(Failed { stderr, timed_out }),
    }
}

/// `Receiving objects:  45% (9/20), 1.2 MiB | ...` drives the bar; true
/// when the line was progress.
fn show_progress(line: &str, bar: &indicatif::ProgressBar) -> bool {
    let Some(rest) = line
        .strip_prefix("Receiving objects:")
        .or_else(|| line.strip_prefix("remote: Counting objects:"))
    else {
        return false;
    };
    let Some((done, total)) = rest
        .split('(')
        .nth(1)
        .and_then(|r| r.split(')').next())
        .and_then(|r| r.split_once('/'))
    else {
        return false;
    };
    if let (Ok(done), Ok(total)) = (done.trim().parse::<u64>(), total.trim().parse::<u64>()) {
        bar.set_length(total);
        bar.set_position(done);
    }
    if let Some(size) = rest.split(", ").nth(1).and_then(|s| s.split(" |").next()) {
        bar.set_message(size.trim().to_string());
    }
    true
}

/// Whether the URL names a user (`https://user@host/...`, `user@host:path`).
fn has_user(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', ':']).next().unwrap_or("");
    authority.contains('@')
        || (!url.contains("://") && rest.split(':').next().is_some_and(|h| h.contains('@')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_git_progress_lines() {
        let bar = indicatif::ProgressBar::hidden();
        assert!(show_progress(
            "Receiving objects:  45% (9/20), 1.20 MiB | 3.00 MiB/s",
            &bar
        ));
        assert_eq!((bar.position(), bar.length()), (9, Some(20)));
        assert!(!show_progress(
            "remote: Enumerating objects: 5, done.",
            &bar
        ));
    }

    #[test]
    fn knows_when_a_url_names_a_user() {
        assert!(has_user("https://oauth2@gitlab.example.com/x.git"));
        assert!(has_user("git@github.com:org/x.git"));
        assert!(!has_user("https://gitlab.example.com/x.git"));
        assert!(!has_user("github.com:org/x.git"));
    }
}
