//! Catalogs over HTTP(S): tokens and credential helpers, proxies, TLS
//! verification, and secrets never printed or stored.

use crate::git_http::{GitHttp, Options, Proxy, Seen};
use crate::support::*;

const TOKEN: &str = "tok-7f3a9c1e-secret";

/// The fixture catalog as a bare repository under `srv/`, served over HTTP.
fn serve(env: &Env, options: Options) -> GitHttp {
    let repo = fixture_repo(env);
    git(
        env.path("").as_path(),
        &["clone", "-q", "--bare", repo.path(), "srv/catalog.git"],
    );
    GitHttp::start(&env.path("srv"), options)
}

fn init(env: &Env, url: &str, extra_env: &[(&str, &str)]) -> Run {
    env.ispo_with(
        &[
            "init",
            "kit",
            "--catalog",
            url,
            "--defaults",
            "--set",
            "company=Acme",
        ],
        extra_env,
    )
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
            "authentication failed (tried ssh-agent, ISPO_GIT_TOKEN and git's credential helper)",
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
        &[("SSL_CERT_FILE", &pem), ("ISPO_GIT_TOKEN", TOKEN)],
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
            ("SSL_CERT_FILE", &pem),
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
            ("SSL_CERT_FILE", &pem),
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
            ("SSL_CERT_FILE", &pem),
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
fn a_proxy_set_for_a_plain_http_url_draws_a_warning() {
    // libgit2 sends plain http:// fetches around any proxy; say so rather
    // than fail with a puzzling name-resolution error.
    let env = Env::new();
    let server = serve(&env, Options::default());
    let proxy = Proxy::start(server.port);
    init(
        &env,
        &server.url("catalog.git"),
        &[("http_proxy", &proxy.url())],
    )
    .ok()
    .stderr_has("plain http:// catalog URLs are fetched without the proxy");
}
