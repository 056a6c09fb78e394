//! The test harness: an isolated environment per test, real git catalogs built
//! in temp dirs, a real `git daemon` on 127.0.0.1, and the real binary.

use std::collections::BTreeMap;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use pretty_assertions::assert_eq;
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_ispo");

/// One test's world: a temp dir with its own HOME, cache and git config.
pub struct Env {
    pub tmp: TempDir,
}

/// What a run of ispo produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Run {
        assert!(
            self.code == expected,
            "expected exit code {expected}, got {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(&self) -> &Run {
        self.code(0)
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n--- stderr ---\n{}",
            self.stderr
        );
        self
    }

    /// The run ended on its own terms: no panic (Rust's exit code 101, its
    /// "panicked" message) and nothing said about the pipe.
    #[track_caller]
    pub fn no_panic(&self) -> &Run {
        assert!(
            self.code != 101 && !self.stderr.contains("panicked"),
            "ispo panicked (exit code {})\n--- stderr ---\n{}",
            self.code,
            self.stderr
        );
        assert!(
            !self.stderr.to_lowercase().contains("broken pipe"),
            "ispo complained about the pipe\n--- stderr ---\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n--- stdout ---\n{}",
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn stdout_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stdout, expected);
        self
    }

    #[track_caller]
    pub fn stderr_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stderr, expected);
        self
    }
}

impl Env {
    pub fn new() -> Env {
        let tmp = tempfile::Builder::new()
            .prefix("ispo-test-")
            .tempdir()
            .expect("temp dir");
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        Env { tmp }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    pub fn cache(&self) -> PathBuf {
        self.path("cache")
    }

    /// The command, isolated from the developer's machine.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(self.tmp.path());
        isolate(&mut cmd, self.tmp.path());
        cmd.env("ISPO_CACHE_DIR", self.cache());
        cmd
    }

    pub fn ispo(&self, args: &[&str]) -> Run {
        self.ispo_with(args, &[])
    }

    pub fn ispo_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null());
        let out = cmd.output().expect("run ispo");
        run_of(out)
    }

    /// Runs ispo with `input` on its stdin (a pipe, so never a terminal).
    pub fn ispo_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run ispo");
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_string();
        // A thread, so ispo may start writing before it has read everything.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let out = child.wait_with_output().expect("wait for ispo");
        writer.join().unwrap();
        run_of(out)
    }

    /// Runs ispo with stdout a pipe whose read end is closed before ispo
    /// starts, so its first write to stdout fails with a broken pipe, as in
    /// `ispo status | head -0`. `stdout` of the result is always empty.
    pub fn ispo_stdout_closed(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run ispo");
        drop(child.stdout.take());
        run_of(child.wait_with_output().expect("wait for ispo"))
    }

    /// Runs ispo, reads the first line of its stdout and then closes the
    /// pipe while ispo is still writing, as `ispo status | head -1` does.
    /// The output must be longer than the pipe's buffer (64 KiB on Linux) for
    /// a later write to fail. Returns the line and the run.
    pub fn ispo_first_line(&self, args: &[&str]) -> (String, Run) {
        use std::io::BufRead;
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run ispo");
        let mut line = String::new();
        io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read a line");
        (
            line,
            run_of(child.wait_with_output().expect("wait for ispo")),
        )
    }

    /// Runs ispo with stderr a pipe whose read end is closed before ispo
    /// starts: every message ispo prints for people fails to be written.
    pub fn ispo_stderr_closed(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run ispo");
        drop(child.stderr.take());
        run_of(child.wait_with_output().expect("wait for ispo"))
    }

    /// `ispo init kit --catalog CATALOG --defaults --set company=Acme EXTRA…`:
    /// the non-interactive init most tests start from.
    pub fn init_kit(&self, catalog: &str, extra: &[&str]) -> Run {
        self.init_kit_with(catalog, extra, &[])
    }

    pub fn init_kit_with(&self, catalog: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
        let mut args = vec![
            "init",
            "kit",
            "--catalog",
            catalog,
            "--defaults",
            "--set",
            "company=Acme",
        ];
        args.extend_from_slice(extra);
        self.ispo_with(&args, env)
    }

    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    /// Every file under `rel`, as relative path → content (for whole-tree comparisons).
    pub fn tree(&self, rel: &str) -> BTreeMap<String, String> {
        tree(&self.path(rel))
    }
}

pub fn run_of(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn isolate(cmd: &mut Command, home: &Path) {
    for (k, _) in std::env::vars() {
        if k.starts_with("GIT_")
            || k.starts_with("ISPO_")
            || k == "CI"
            || k.ends_with("_PROXY")
            || k.ends_with("_proxy")
            || k == "NO_COLOR"
        {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home.join("home"))
        .env("XDG_CACHE_HOME", home.join("home/.cache"))
        .env("XDG_CONFIG_HOME", home.join("home/.config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
}

pub fn tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(
                rel,
                String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
            );
        }
    }
}

/// Runs git with a clean, fixed identity.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    cmd.args(args).current_dir(dir);
    isolate(&mut cmd, dir);
    cmd.env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z");
    let out = cmd.output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A catalog built file by file, then committed as a real git repository.
pub struct CatalogRepo {
    pub dir: PathBuf,
}

impl CatalogRepo {
    pub fn new(dir: PathBuf, files: &[(&str, &str)]) -> CatalogRepo {
        std::fs::create_dir_all(&dir).unwrap();
        git(&dir, &["init", "-q", "-b", "main"]);
        let repo = CatalogRepo { dir };
        repo.commit(files, "v1");
        repo
    }

    /// Writes files (an empty content deletes the file) and commits.
    pub fn commit(&self, files: &[(&str, &str)], message: &str) -> String {
        for (rel, content) in files {
            let p = self.dir.join(rel);
            if content.is_empty() {
                let _ = std::fs::remove_file(&p);
                let mut dir = p.parent();
                while let Some(d) = dir.filter(|d| *d != self.dir) {
                    if std::fs::remove_dir(d).is_err() {
                        break;
                    }
                    dir = d.parent();
                }
            } else {
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, content).unwrap();
            }
        }
        git(&self.dir, &["add", "-A"]);
        git(&self.dir, &["commit", "-q", "-m", message]);
        self.head()
    }

    pub fn head(&self) -> String {
        git(&self.dir, &["rev-parse", "HEAD"])
    }

    pub fn tag(&self, name: &str) {
        git(&self.dir, &["tag", name]);
    }

    pub fn path(&self) -> &str {
        self.dir.to_str().unwrap()
    }
}

/// A real `git daemon`, one `--inetd` process per connection, on 127.0.0.1 and
/// a port the OS picks, so tests never race for a port.
pub struct GitDaemon {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl GitDaemon {
    pub fn start(base: &Path) -> GitDaemon {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let base = base.to_path_buf();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        let input = stream.try_clone().unwrap();
                        let mut cmd = Command::new("git");
                        cmd.arg("daemon")
                            .arg("--inetd")
                            .arg("--export-all")
                            .arg(format!("--base-path={}", base.display()))
                            .arg(&base)
                            .stdin(Stdio::from(std::os::fd::OwnedFd::from(input)))
                            .stdout(Stdio::from(std::os::fd::OwnedFd::from(stream)))
                            .stderr(Stdio::null());
                        isolate(&mut cmd, &base);
                        let _ = cmd
                            .spawn()
                            .map(|mut c| std::thread::spawn(move || c.wait()));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    Err(_) => break,
                }
            }
        });
        GitDaemon {
            port,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }

    /// Stops accepting connections; the port then refuses.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A small catalog that exercises every feature of the format.
pub fn fixture() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "catalog.toml",
            r#"[catalog]
name = "fixture"
title = "Fixture catalog"
version = "1.0.0"
format = 1
min_ispo = "0.1.0"

[[audience]]
id = "devs"
title = "Developers"

[[audience]]
id = "execs"
title = "Executives"
"#,
        ),
        (
            "questions.toml",
            r#"[[question]]
id = "company"
type = "text"
prompt = "Company name?"
help = "As people say it internally."
pattern = "[A-Z][A-Za-z0-9 ]*"

[[question]]
id = "forge"
type = "choice"
prompt = "Where is your code?"
default = "github"
choices = [
  { value = "github", label = "GitHub" },
  { value = "gitlab", label = "GitLab" },
  { value = "azure", label = "Azure DevOps" },
]

[[question]]
id = "engineers"
type = "integer"
prompt = "How many engineers?"
default = 100
min = 1
max = 100000

[[question]]
id = "regulated"
type = "bool"
prompt = "Regulated?"
default = false

[[question]]
id = "audiences"
type = "multi"
prompt = "Who is the kit for?"
default = ["devs"]
choices = [
  { value = "devs", label = "Developers" },
  { value = "execs", label = "Executives" },
]
min = 1

[[question]]
id = "tracker"
type = "choice"
prompt = "Issue tracker?"
default = "{{#if (eq forge \"azure\")}}boards{{else}}issues{{/if}}"
choices = [ { value = "issues" }, { value = "boards" }, { value = "jira" } ]

[[question]]
id = "auditor"
type = "text"
prompt = "Who audits code access?"
when = "regulated"
default = "{{company}} Audit"
"#,
        ),
        (
            "challenges.toml",
            r#"[[challenge]]
id = "C1"
title = "Getting started"
phase = "begin"
summary = "Nobody knows where to begin."
links = [ { title = "Start as an Experiment", url = "https://patterns.innersourcecommons.org/p/start-as-experiment", licence = "CC-BY-SA-4.0" } ]

[[challenge]]
id = "C2"
title = "Finding reviewers"
phase = "adopt"
"#,
        ),
        (
            "fills.toml",
            r#"[[fill]]
id = "ispo_email"
description = "Email of the ISPO"
example = "ispo@example.com"
"#,
        ),
        (
            "partials/footer.hbs",
            "Questions? Write to {{fill.ispo_email}}.\n",
        ),
        (
            "modules/charter/module.toml",
            r#"id = "charter"
title = "Charter"
summary = "The program charter."
kind = "doc"
audiences = ["execs"]
challenges = ["C1"]
requires = ["principles"]
fills = ["ispo_email"]

[[fill]]
id = "sponsor"
description = "Name of the sponsor"

[[upstream]]
title = "InnerSource Patterns"
url = "https://patterns.innersourcecommons.org/"
licence = "CC-BY-SA-4.0"
"#,
        ),
        (
            "modules/charter/files/program/CHARTER.md",
            "# {{company}} InnerSource charter\n\nSponsor: {{fill.sponsor}}\nForge: {{label \"forge\"}}\nEngineers: {{engineers}}\n{{#if (contains audiences \"execs\")}}\nFor executives too.\n{{/if}}\n{{> footer}}",
        ),
        (
            "modules/principles/module.toml",
            r#"id = "principles"
title = "Principles"
summary = "How we work."
kind = "doc"
challenges = ["C1"]
when = "engineers > 50000"
"#,
        ),
        ("modules/principles/files/program/PRINCIPLES.md", "# Principles\n\nOpenness first at {{company}}.\n"),
        (
            "modules/workflows/module.toml",
            r#"id = "workflows"
title = "Workflows"
summary = "CI for GitHub."
kind = "tooling"
challenges = ["C2"]
when = "forge == github"
conflicts = ["gitlab-ci"]
raw = ["**/*.yml"]
fills = ["ispo_email"]

[[output]]
source = "CODEOWNERS"
target = "{{#if (eq forge \"github\")}}.github{{else}}docs{{/if}}/CODEOWNERS"
"#,
        ),
        ("modules/workflows/files/.github/workflows/check.yml", "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha }}\n"),
        ("modules/workflows/files/CODEOWNERS", "* @{{fill.ispo_email}}\n"),
        (
            "modules/gitlab-ci/module.toml",
            r#"id = "gitlab-ci"
title = "GitLab CI"
summary = "CI for GitLab."
kind = "tooling"
challenges = ["C2"]
when = "forge in [gitlab] or regulated"
"#,
        ),
        ("modules/gitlab-ci/files/.gitlab-ci.yml", "stages: [test]\n# {{company}}\n"),
    ]
}

/// The fixture catalog as a bare repository at `srv/catalog.git`, as a
/// server holds it (for the HTTP and ssh servers of the network tests).
pub fn bare_fixture(env: &Env) -> PathBuf {
    let repo = fixture_repo(env);
    git(
        env.path("").as_path(),
        &["clone", "-q", "--bare", repo.path(), "srv/catalog.git"],
    );
    env.path("srv/catalog.git")
}

/// The stat cache: metadata of a kit's files (sizes, times, inodes), which
/// differs between two folders with the same kit.
pub const STAT_CACHE: &str = ".ispo/cache/stat.bin";

/// The fixture catalog as a git repository under the env's `catalog/`.
pub fn fixture_repo(env: &Env) -> CatalogRepo {
    CatalogRepo::new(env.path("catalog"), &fixture())
}

/// The pristine base render ispo stores for a kit file, read the way ispo
/// reads it (from `.ispo/store` in state format 2).
pub fn base_of(kit: &Path, path: &str) -> Option<String> {
    let state = ispo::kit::State::read(kit).ok()?;
    let (bases, _) = state.read_bases(kit).ok()?;
    bases
        .get(path)
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

/// The kit's files without ispo's base store (its 256 buckets and git files).
/// A kit tree without the base store, ispo's git files and its local caches.
pub fn without_store(tree: BTreeMap<String, String>) -> BTreeMap<String, String> {
    tree.into_iter()
        .filter(|(p, _)| {
            !p.starts_with(".ispo/store/")
                && !p.starts_with(".ispo/cache/")
                && p != ".ispo/.gitattributes"
                && p != ".ispo/.gitignore"
        })
        .collect()
}

/// Rewrites a kit as state format 1 left it: the base renders as files
/// under `.ispo/<base>/` (`base = None` leaves out the `base` line, as the
/// first format-1 kits did, whose folder was `.ispo/base`), no store.
pub fn downgrade_to_format1(kit: &Path, base: Option<&str>) {
    let state = ispo::kit::State::read(kit).unwrap();
    let (bases, _) = state.read_bases(kit).unwrap();
    let folder = base.unwrap_or("base");
    for (path, bytes) in &bases {
        let p = kit.join(".ispo").join(folder).join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    std::fs::remove_dir_all(kit.join(".ispo/store")).unwrap();
    std::fs::remove_file(kit.join(".ispo/.gitattributes")).unwrap();
    std::fs::remove_file(kit.join(".ispo/.gitignore")).unwrap();
    let mut old = state.clone();
    old.format = 1;
    old.base = base.map(str::to_string);
    std::fs::write(kit.join(".ispo/state.toml"), old.to_toml()).unwrap();
}

/// The strings (keys and values) of a kit's JSON or YAML file, read by its
/// extension: `None` for other files, `Err("not JSON: …")` or
/// `Err("not YAML: …")` when it does not parse.
pub fn structured_strings(path: &str, text: &str) -> Option<Result<Vec<String>, String>> {
    let mut strings = Vec::new();
    if path.ends_with(".json") {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(doc) => json_strings(&doc, &mut strings),
            Err(e) => return Some(Err(format!("not JSON: {e}"))),
        }
    } else if path.ends_with(".yml") || path.ends_with(".yaml") {
        match yaml_rust2::YamlLoader::load_from_str(text) {
            Ok(docs) => docs.iter().for_each(|d| yaml_strings(d, &mut strings)),
            Err(e) => return Some(Err(format!("not YAML: {e}"))),
        }
    } else {
        return None;
    }
    Some(Ok(strings))
}

fn yaml_strings(y: &yaml_rust2::Yaml, out: &mut Vec<String>) {
    match y {
        yaml_rust2::Yaml::String(s) => out.push(s.clone()),
        yaml_rust2::Yaml::Array(items) => items.iter().for_each(|i| yaml_strings(i, out)),
        yaml_rust2::Yaml::Hash(h) => h.iter().for_each(|(k, v)| {
            yaml_strings(k, out);
            yaml_strings(v, out);
        }),
        _ => {}
    }
}

fn json_strings(j: &serde_json::Value, out: &mut Vec<String>) {
    match j {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| json_strings(i, out)),
        serde_json::Value::Object(m) => m.iter().for_each(|(k, v)| {
            out.push(k.clone());
            json_strings(v, out);
        }),
        _ => {}
    }
}

/// For `examples/<name>.toml` with a company catalog `examples/<name>/`
/// beside it: a copy of that catalog in the env (out of this repository's
/// git work tree, where ispo would read it at its last commit), as a path
/// for `--catalog`.
pub fn company_catalog(env: &Env, example: &Path) -> Option<String> {
    let name = example.file_stem()?.to_str()?;
    let dir = example.parent()?.join(name);
    if !dir.is_dir() {
        return None;
    }
    let copy = env.path(&format!("catalogs/{name}"));
    if !copy.exists() {
        copy_dir(&dir, &copy);
    }
    Some(copy.to_str()?.to_string())
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
