//! Harness: a real OpenSSH server on 127.0.0.1 (from Debian's
//! openssh-server, which `.ci/run` installs; `sshd -i`, one process per
//! connection), serving git for the current user with a key made per test,
//! and a real ssh-agent holding that key.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SshServer {
    pub port: u16,
    /// `[127.0.0.1]:port ssh-ed25519 AAAA...`, for a known_hosts file.
    pub known_hosts_line: String,
    pub user: String,
}

pub struct Agent {
    pub socket: PathBuf,
    child: Child,
}

const SSHD: &str = "/usr/sbin/sshd";

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ispo-test", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen runs (package openssh-client)");
    assert!(status.success());
}

impl SshServer {
    /// Serves ssh on a port the OS picks; `dir` holds its keys and config, and the
    /// user key the clients use is `dir/user_key`.
    pub fn start(dir: &Path) -> SshServer {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: run scripts/install-test-deps.sh (it installs openssh-server; .ci/run calls it)"
        );
        std::fs::create_dir_all(dir).unwrap();
        keygen(&dir.join("host_key"));
        keygen(&dir.join("user_key"));
        std::fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys")).unwrap();
        // sshd in inetd mode, one process per connection on a listener this
        // harness holds: no port is picked and then raced for.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_string();
        let config = format!(
            "HostKey {dir}/host_key\nAuthorizedKeysFile {dir}/authorized_keys\nStrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nAllowUsers {user}\nLogLevel ERROR\n",
            dir = dir.display()
        );
        let config_path = dir.join("sshd_config");
        std::fs::write(&config_path, config).unwrap();
        std::fs::create_dir_all("/run/sshd").ok();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let input = stream.try_clone().unwrap();
                let _ = Command::new(SSHD)
                    .arg("-i")
                    .arg("-e")
                    .arg("-f")
                    .arg(&config_path)
                    .stdin(Stdio::from(std::os::fd::OwnedFd::from(input)))
                    .stdout(Stdio::from(std::os::fd::OwnedFd::from(stream)))
                    .stderr(Stdio::null())
                    .spawn()
                    .map(|mut c| std::thread::spawn(move || c.wait()));
            }
        });
        let public = std::fs::read_to_string(dir.join("host_key.pub")).unwrap();
        let mut parts = public.split_whitespace();
        let known_hosts_line = format!(
            "[127.0.0.1]:{port} {} {}\n",
            parts.next().unwrap(),
            parts.next().unwrap()
        );
        SshServer {
            port,
            known_hosts_line,
            user,
        }
    }

    /// An ssh:// URL for a repository given by absolute path.
    pub fn url(&self, repo: &Path) -> String {
        format!(
            "ssh://{}@127.0.0.1:{}{}",
            self.user,
            self.port,
            repo.display()
        )
    }
}

impl Agent {
    /// A fresh ssh-agent on its own socket, holding `key`.
    pub fn start(dir: &Path, key: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "ssh-agent did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        // The socket file appears before the agent listens on it.
        loop {
            let added = Command::new("ssh-add")
                .arg("-q")
                .arg(key)
                .env("SSH_AUTH_SOCK", &socket)
                .stderr(Stdio::null())
                .status()
                .unwrap();
            if added.success() {
                break;
            }
            assert!(Instant::now() < deadline, "ssh-add failed");
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent { socket, child }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
