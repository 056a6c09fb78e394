//! Catalogs over HTTP(S): tokens and credential helpers, proxies, TLS
//! verification, and secrets never printed or stored.

use crate::git_http::{GitHttp, Options, Proxy, Seen};
use crate::git_ssh::{Agent, SshServer};
use crate::support::*;

const TOKEN: &str = "tok-7f3a9c1e-secret";

/// The fixture catalog as a bare repository under `srv/`, served over HTTP.
fn serve(env: &Env, options: Options) -> GitHttp {
    bare_fixture(env);
    GitHttp::start(&env.path("srv"), options)
}

fn init(env: &Env, url: &str, extra_env: &[(&str, &str)]) -> Run {
    env.init_kit_with(url, &[], extra_env)
}

fn auth(user: &str, password: &str) -> Options {
    Options {
        basic_auth: Some((user.into(), password.into())),
        ..Options::default()
    }
}

/// The secret appears nowhere: not in output, the kit, the cache or HOME.
#[track_caller]
fn assert_secret_absent(env: &Env, run: &Run, secret: &str) {
    assert!(!run.stdout.contains(secret), "secret in stdout");
    assert!(!run.stderr.contains(secret), "secret in stderr");
    for (path, content) in env.tree("") {
        if path.starts_with("srv/") {
            continue;
        }
        assert!(!content.contains(secret), "secret stored in {path}");
    }
}

fn statuses(seen: &[Seen]) -> Vec<u16> {
    seen.iter().map(|s| s.status).collect()
}

#[test]
fn a_token_from_the_environment_authenticates_and_is_never_stored() {
    let env = Env::new();
    let server = serve(&env, auth("x-access-token", TOKEN));
    let run = init(
        &env,
        &server.url("catalog.git"),
        &[("ISPO_GIT_TOKEN", TOKEN)],
    );
    run.ok();
    assert!(env.exists("kit/program/CHARTER.md"));
    let seen = server.seen();
    assert_eq!(seen.first().map(|s| s.status), Some(401), "{seen:?}");
    assert!(
        seen.iter().any(|s| s.status == 200
            && s.authorization.as_deref()
                == Some(&*format!(
                    "Basic {}",
                    crate::git_http::base64(&format!("x-access-token:{TOKEN}"))
                ))),
        "{seen:?}"
    );
    assert_secret_absent(&env, &run, TOKEN);

    // An update fetches again with the same token.
    env.ispo_with(&["update", "kit"], &[("ISPO_GIT_TOKEN", TOKEN)])
        .ok();
}

#[test]
fn the_user_name_in_the_url_goes_with_the_token() {
    let env = Env::new();
    let server = serve(&env, auth("oauth2", TOKEN));
    let url = server.url("catalog.git").replace("://", "://oauth2@");
    init(&env, &url, &[("ISPO_GIT_TOKEN", TOKEN)]).ok();
}

#[test]
fn without_credentials_the_fetch_fails_at_once_and_says_what_was_tried() {
    let env = Env::new();
    let server = serve(&env, auth("x-access-token", TOKEN));
    let run = init(&env, &server.url("catalog.git"), &[]);
    run.code(1)
        .stderr_has("cannot fetch the catalog from `")
        .stderr_has(
            "authentication failed: ispo uses git's own credentials (credential helpers, ssh-agent and ~/.ssh keys); in CI, set ISPO_GIT_TOKEN for HTTPS",
        );
    assert!(!env.exists("kit"));
    // Each credential source is tried once: no retry loop against the server.
    let refusals = statuses(&server.seen())
        .iter()
        .filter(|s| **s == 401)
        .count();
    assert!(refusals <= 3, "{:?}", server.seen());
}

#[test]
fn a_wrong_token_is_refused_and_not_printed() {
    let env = Env::new();
    let server = serve(&env, auth("x-access-token", TOKEN));
    let wrong = "tok-wrong-0000-secret";
    let run = init(
        &env,
        &server.url("catalog.git"),
        &[("ISPO_GIT_TOKEN", wrong)],
    );
    run.code(1).stderr_has("authentication failed");
    assert_secret_absent(&env, &run, wrong);
}

#[test]
fn git_credential_helpers_are_asked() {
    let env = Env::new();
    let server = serve(&env, auth("alice", TOKEN));
    // A helper as users configure them: a shell snippet in the global git config.
    env.write(
        "home/.gitconfig",
        &format!(
            "[credential]\n\thelper = \"!f() {{ test \\\"$1\\\" = get && echo username=alice && echo password={TOKEN}; }}; f\"\n"
        ),
    );
    let gitconfig = env.path("home/.gitconfig");
    let run = init(
        &env,
        &server.url("catalog.git"),
        &[("GIT_CONFIG_GLOBAL", gitconfig.to_str().unwrap())],
    );
    run.ok();
    assert!(
        server.seen().iter().any(|s| s.status == 200
            && s.authorization.as_deref()
                == Some(&*format!(
                    "Basic {}",
                    crate::git_http::base64(&format!("alice:{TOKEN}"))
                ))),
        "{:?}",
        server.seen()
    );
    let mut kit_and_cache = env.tree("kit");
    kit_and_cache.extend(env.tree("cache"));
    assert!(kit_and_cache.values().all(|c| !c.contains(TOKEN)));
}

#[test]
fn a_password_in_the_url_is_refused_before_anything_is_sent() {
    let env = Env::new();
    let server = serve(&env, auth("alice", TOKEN));
    let url = server
        .url("catalog.git")
        .replace("://", &format!("://alice:{TOKEN}@"));
    let run = init(&env, &url, &[]);
    run.code(4)
        .stderr_has("has a password in it")
        .stderr_has("ISPO_GIT_TOKEN");
    assert_secret_absent(&env, &run, TOKEN);
    assert!(server.seen().is_empty(), "{:?}", server.seen());
}

/// The fixture served over HTTPS with a certificate made for this test;
/// returns the server and the certificate's PEM file.
fn serve_tls(env: &Env, basic_auth: Option<(String, String)>) -> (GitHttp, String) {
    let pem = env.path("server-cert.pem");
    let server = serve(
        env,
        Options {
            basic_auth,
            tls: Some(crate::git_http::tls(&pem)),
        },
    );
    (server, pem.to_str().unwrap().to_string())
}

#[test]
fn https_works_with_a_trusted_certificate_and_a_token() {
    let env = Env::new();
    let (server, pem) = serve_tls(&env, Some(("x-access-token".into(), TOKEN.into())));
    let run = init(
        &env,
        &server.https_url("catalog.git"),
        &[("GIT_SSL_CAINFO", &pem), ("ISPO_GIT_TOKEN", TOKEN)],
    );
    run.ok();
    assert!(env.exists("kit/program/CHARTER.md"));
    assert_secret_absent(&env, &run, TOKEN);
}

#[test]
fn an_untrusted_certificate_is_refused_with_a_hint() {
    let env = Env::new();
    let (server, _pem) = serve_tls(&env, None);
    init(&env, &server.https_url("catalog.git"), &[])
        .code(1)
        .stderr_has("certificate")
        .stderr_has("http.sslCAInfo");
    assert!(server.seen().is_empty(), "{:?}", server.seen());
    assert!(!env.exists("kit"));
}

#[test]
fn the_certificate_authority_from_git_config_is_trusted() {
    let env = Env::new();
    let (server, pem) = serve_tls(&env, None);
    env.write("home/.gitconfig", &format!("[http]\n\tsslCAInfo = {pem}\n"));
    let gitconfig = env.path("home/.gitconfig");
    init(
        &env,
        &server.https_url("catalog.git"),
        &[("GIT_CONFIG_GLOBAL", gitconfig.to_str().unwrap())],
    )
    .ok();
}

/// The catalog host does not resolve, so only a proxy can reach it.
fn through_proxy(server: &GitHttp) -> String {
    format!("https://catalog.invalid:{}/catalog.git", server.port)
}

#[test]
fn the_proxy_from_the_environment_is_used() {
    let env = Env::new();
    let (server, pem) = serve_tls(&env, Some(("x-access-token".into(), TOKEN.into())));
    let proxy = Proxy::start(server.port);
    let run = init(
        &env,
        &through_proxy(&server),
        &[
            ("https_proxy", &proxy.url()),
            ("GIT_SSL_CAINFO", &pem),
            ("ISPO_GIT_TOKEN", TOKEN),
        ],
    );
    run.ok();
    let seen = proxy.seen();
    assert!(!seen.is_empty());
    for s in &seen {
        assert_eq!(
            (s.method.as_str(), s.target.clone()),
            ("CONNECT", format!("catalog.invalid:{}", server.port))
        );
        // The token goes to the server inside TLS, never to the proxy.
        assert_eq!(s.authorization, None);
    }
    assert_secret_absent(&env, &run, TOKEN);
}

#[test]
fn the_proxy_from_git_config_is_used() {
    let env = Env::new();
    let (server, pem) = serve_tls(&env, None);
    let proxy = Proxy::start(server.port);
    env.write(
        "home/.gitconfig",
        &format!("[http]\n\tproxy = {}\n", proxy.url()),
    );
    let gitconfig = env.path("home/.gitconfig");
    init(
        &env,
        &through_proxy(&server),
        &[
            ("GIT_CONFIG_GLOBAL", gitconfig.to_str().unwrap()),
            ("GIT_SSL_CAINFO", &pem),
        ],
    )
    .ok();
    assert!(!proxy.seen().is_empty());
}

#[test]
fn no_proxy_sends_a_host_around_the_proxy() {
    let env = Env::new();
    let (server, pem) = serve_tls(&env, None);
    let proxy = Proxy::start(server.port);
    init(
        &env,
        &server.https_url("catalog.git"),
        &[
            ("https_proxy", &proxy.url()),
            ("no_proxy", "localhost"),
            ("GIT_SSL_CAINFO", &pem),
        ],
    )
    .ok();
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}

#[test]
fn an_unreachable_proxy_fails_with_a_clear_message() {
    let env = Env::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let proxy = format!("http://127.0.0.1:{port}");
    init(
        &env,
        "https://catalog.invalid/catalog.git",
        &[("https_proxy", &proxy)],
    )
    .code(1)
    .stderr_has("cannot fetch the catalog from `https://catalog.invalid/catalog.git`");
}

#[test]
fn a_proxy_carries_plain_http_too() {
    // The git server doubles as an HTTP proxy: it answers absolute-form
    // requests (`GET http://catalog.invalid/...`), which only a client
    // talking to a proxy sends.
    let env = Env::new();
    let server = serve(&env, Options::default());
    let proxy = format!("http://127.0.0.1:{}", server.port);
    init(
        &env,
        "http://catalog.invalid/catalog.git",
        &[("http_proxy", &proxy)],
    )
    .ok();
    let seen = server.seen();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|s| s.target.starts_with("http://catalog.invalid/")),
        "{seen:?}"
    );
}

/// The fixture as a bare repository served by a real sshd; returns the
/// server, the repository URL and an agent holding the user's key.
fn serve_ssh(env: &Env) -> (SshServer, String, Agent) {
    let bare = bare_fixture(env);
    let server = SshServer::start(&env.path("sshd"));
    let agent = Agent::start(&env.path("sshd"), &env.path("sshd/user_key"));
    let url = server.url(&bare);
    (server, url, agent)
}

/// The user's ssh setup, in the test's own HOME: OpenSSH finds `~` from the
/// password database, not `$HOME`, so git is pointed at this config the way
/// a user would point it at any other (`GIT_SSH_COMMAND`). `known` is the
/// known_hosts content; `extra` adds `Host` sections.
fn ssh_env(env: &Env, known: &str, extra: &str) -> Vec<(&'static str, String)> {
    env.write("home/.ssh/known_hosts", known);
    let config = env.write(
        "home/.ssh/config",
        &format!(
            "{extra}\nHost *\n  UserKnownHostsFile {}\n  IdentityFile {}\n  StrictHostKeyChecking yes\n",
            env.path("home/.ssh/known_hosts").display(),
            env.path("home/.ssh/id_ed25519").display()
        ),
    );
    vec![(
        "GIT_SSH_COMMAND",
        format!("ssh -F {} -o BatchMode=yes", config.display()),
    )]
}

fn with<'a>(
    vars: &'a [(&'static str, String)],
    more: &[(&'static str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    out.extend_from_slice(more);
    out
}

#[test]
fn ssh_uses_the_agent_and_checks_known_hosts() {
    let env = Env::new();
    let (server, url, agent) = serve_ssh(&env);
    let vars = ssh_env(&env, &server.known_hosts_line, "");
    let sock = agent.socket.to_str().unwrap();
    init(&env, &url, &with(&vars, &[("SSH_AUTH_SOCK", sock)])).ok();
    assert!(env.exists("kit/program/CHARTER.md"));
    env.ispo_with(&["update", "kit"], &with(&vars, &[("SSH_AUTH_SOCK", sock)]))
        .ok();
}

#[test]
fn ssh_without_a_usable_key_fails_and_says_what_was_tried() {
    let env = Env::new();
    let (server, url, _agent) = serve_ssh(&env);
    let vars = ssh_env(&env, &server.known_hosts_line, "");
    init(
        &env,
        &url,
        &with(&vars, &[("SSH_AUTH_SOCK", "/nonexistent/agent.sock")]),
    )
    .code(1)
    .stderr_has("cannot fetch the catalog from `ssh://")
    .stderr_has("Permission denied (publickey)")
    .stderr_has("authentication failed: ispo uses git's own credentials");
    assert!(!env.exists("kit"));
}

#[test]
fn ssh_to_a_host_whose_key_changed_is_refused() {
    let env = Env::new();
    let (server, url, agent) = serve_ssh(&env);
    // known_hosts names another key for this host: a man in the middle, or
    // a rebuilt server; either way nothing may be fetched.
    std::fs::create_dir_all(env.path("other")).unwrap();
    std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(env.path("other/key"))
        .status()
        .unwrap();
    let other = env.read("other/key.pub");
    let mut parts = other.split_whitespace();
    let line = format!(
        "[127.0.0.1]:{} {} {}\n",
        server.port,
        parts.next().unwrap(),
        parts.next().unwrap()
    );
    let vars = ssh_env(&env, &line, "");
    let sock = agent.socket.to_str().unwrap();
    init(&env, &url, &with(&vars, &[("SSH_AUTH_SOCK", sock)]))
        .code(1)
        .stderr_has(
            "ssh host key is not in your known_hosts, or differs from the key recorded there",
        );
    assert!(!env.exists("kit"));
}

#[test]
fn ssh_to_an_unknown_host_is_refused() {
    let env = Env::new();
    let (_server, url, agent) = serve_ssh(&env);
    let vars = ssh_env(&env, "", "");
    let sock = agent.socket.to_str().unwrap();
    init(&env, &url, &with(&vars, &[("SSH_AUTH_SOCK", sock)]))
        .code(1)
        .stderr_has("Host key verification failed")
        .stderr_has("ssh-keyscan");
    assert!(!env.exists("kit"));
}

#[test]
fn ssh_without_an_agent_uses_the_key_file() {
    let env = Env::new();
    let (server, url, _agent) = serve_ssh(&env);
    let vars = ssh_env(&env, &server.known_hosts_line, "");
    std::fs::copy(env.path("sshd/user_key"), env.path("home/.ssh/id_ed25519")).unwrap();
    init(
        &env,
        &url,
        &with(&vars, &[("SSH_AUTH_SOCK", "/nonexistent/agent.sock")]),
    )
    .ok();
}

#[test]
fn ssh_follows_a_host_alias_and_a_jump_host_from_ssh_config() {
    let env = Env::new();
    let (server, _url, agent) = serve_ssh(&env);
    // `catalog-host` is reached through `jump`: the same sshd plays both
    // parts, so the fetch only works if ssh's own config was followed.
    let hosts = format!(
        "Host jump\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n\nHost catalog-host\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  ProxyJump jump\n",
        port = server.port,
        user = server.user
    );
    let vars = ssh_env(&env, &server.known_hosts_line, &hosts);
    let url = format!("catalog-host:{}", env.path("srv/catalog.git").display());
    let sock = agent.socket.to_str().unwrap();
    init(&env, &url, &with(&vars, &[("SSH_AUTH_SOCK", sock)])).ok();
    let state = env.read("kit/.ispo/state.toml");
    assert!(state.contains(&format!("source = \"{url}\"")), "{state}");
}

#[test]
fn without_git_on_the_path_a_remote_catalog_says_what_to_install() {
    let env = Env::new();
    let server = serve(&env, Options::default());
    std::fs::create_dir_all(env.path("empty-bin")).unwrap();
    let path = env.path("empty-bin");
    init(
        &env,
        &server.url("catalog.git"),
        &[("PATH", path.to_str().unwrap())],
    )
    .code(1)
    .stderr_has("ispo needs git on the PATH for remote catalogs");
    assert!(!env.exists("kit"));
    // The built-in catalog needs no git.
    env.ispo_with(
        &[
            "init",
            "kit",
            "--answers",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/startup-github.toml"),
            "-q",
        ],
        &[("PATH", path.to_str().unwrap())],
    )
    .ok();
}
