//! What `~/.ssh/config` says about an ssh catalog host, asked of `ssh -G`.
//!
//! libgit2 talks ssh through libssh2, which reads no ssh configuration, so a
//! URL using a `Host` alias would fail. OpenSSH's own resolver (`ssh -G`)
//! gives the real host name, port, user and key files; ispo fetches from
//! those, while the kit keeps recording the URL as the user gave it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Result};

/// Where an ssh URL really goes.
#[derive(Debug, PartialEq)]
pub struct Resolved {
    /// The URL to fetch from.
    pub url: String,
    /// Key files to try after the agent, in order.
    pub identity_files: Vec<PathBuf>,
}

/// The parts of an ssh catalog location.
#[derive(Debug, PartialEq)]
struct Target<'a> {
    user: Option<&'a str>,
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
}

/// Splits `ssh://[user@]host[:port]/path` or scp-like `[user@]host:path`.
fn parse(url: &str) -> Option<Target<'_>> {
    let (user_host, port, path) = if let Some(rest) = url.strip_prefix("ssh://") {
        let slash = rest.find('/')?;
        let (authority, path) = rest.split_at(slash);
        let (user_host, port) = match authority.rsplit_once(':') {
            Some((uh, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
                (uh, Some(p))
            }
            _ => (authority, None),
        };
        (user_host, port, path)
    } else if !url.contains("://") {
        let (user_host, path) = url.split_once(':')?;
        (user_host, None, path)
    } else {
        return None;
    };
    let (user, host) = match user_host.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, user_host),
    };
    if host.is_empty() || host.starts_with('-') || host.starts_with('[') {
        return None;
    }
    Some(Target {
        user,
        host,
        port,
        path,
    })
}

/// Resolves an ssh location through `$HOME/.ssh/config`, when there is one.
/// `None` when there is nothing to resolve (not ssh, no config, no `ssh`).
pub fn resolve(url: &str, home: Option<&Path>) -> Result<Option<Resolved>> {
    let Some(target) = parse(url) else {
        return Ok(None);
    };
    let Some(home) = home else {
        return Ok(None);
    };
    let config = home.join(".ssh").join("config");
    if !config.is_file() {
        return Ok(None);
    }
    let mut cmd = Command::new("ssh");
    cmd.arg("-G").arg("-F").arg(&config);
    if let Some(user) = target.user {
        cmd.arg("-l").arg(user);
    }
    if let Some(port) = target.port {
        cmd.arg("-p").arg(port);
    }
    // `--` so a host can never be read as an option (hosts starting with `-`
    // were refused above too).
    cmd.arg("--").arg(target.host);
    let output = match cmd.stdin(Stdio::null()).stderr(Stdio::piped()).output() {
        Ok(o) => o,
        // No ssh client installed: nothing can resolve the alias; go on as given.
        Err(_) => return Ok(None),
    };
    if !output.status.success() {
        bail!(
            "{} cannot be read for host `{}`: {}",
            config.display(),
            target.host,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    from_settings(&target, &text, home, &config).map(Some)
}

fn from_settings(target: &Target, settings: &str, home: &Path, config: &Path) -> Result<Resolved> {
    let mut hostname = target.host.to_string();
    let mut port = "22".to_string();
    let mut user = target.user.map(str::to_string);
    let mut identity_files = Vec::new();
    for line in settings.lines() {
        let Some((key, value)) = line.split_once(' ') else {
            continue;
        };
        match key {
            "hostname" => hostname = value.to_string(),
            "port" => port = value.to_string(),
            "user" if user.is_none() => user = Some(value.to_string()),
            "identityfile" => {
                let path = match value.strip_prefix("~/") {
                    Some(rest) => home.join(rest),
                    None => PathBuf::from(value),
                };
                if path.is_file() {
                    identity_files.push(path);
                }
            }
            "proxyjump" | "proxycommand" if value != "none" => bail!(
                "{} sends `{}` through {} ({value}), which ispo's ssh library (libssh2) cannot follow; fetch the catalog over https://, or mirror it to a host ispo can reach directly",
                config.display(),
                target.host,
                if key == "proxyjump" { "ProxyJump" } else { "ProxyCommand" }
            ),
            _ => {}
        }
    }
    let user = user.map(|u| format!("{u}@")).unwrap_or_default();
    let host = if hostname.contains(':') {
        format!("[{hostname}]")
    } else {
        hostname
    };
    let path = if target.path.starts_with('/') {
        target.path.to_string()
    } else {
        format!("/~/{}", target.path)
    };
    Ok(Resolved {
        url: format!("ssh://{user}{host}:{port}{path}"),
        identity_files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_ssh_forms() {
        assert_eq!(
            parse("ssh://git@example.com:2222/org/cat.git"),
            Some(Target {
                user: Some("git"),
                host: "example.com",
                port: Some("2222"),
                path: "/org/cat.git"
            })
        );
        assert_eq!(
            parse("work:org/cat.git"),
            Some(Target {
                user: None,
                host: "work",
                port: None,
                path: "org/cat.git"
            })
        );
        assert_eq!(parse("https://example.com/x.git"), None);
        assert_eq!(parse("ssh://-oProxyCommand=x/y"), None);
    }

    #[test]
    fn builds_the_url_from_the_settings() {
        let home = Path::new("/nonexistent-home");
        let config = home.join(".ssh/config");
        let target = parse("work:org/cat.git").unwrap();
        let settings =
            "user alice\nhostname git.internal\nport 7999\nidentityfile ~/.ssh/id_work\n";
        let r = from_settings(&target, settings, home, &config).unwrap();
        assert_eq!(r.url, "ssh://alice@git.internal:7999/~/org/cat.git");
        let target = parse("bob@work:/srv/cat.git").unwrap();
        let r = from_settings(&target, settings, home, &config).unwrap();
        assert_eq!(r.url, "ssh://bob@git.internal:7999/srv/cat.git");
        let err = from_settings(&target, "proxyjump bastion\n", home, &config).unwrap_err();
        assert!(err.to_string().contains("ProxyJump (bastion)"), "{err}");
    }
}
