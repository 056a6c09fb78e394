//! Harness: git's smart HTTP protocol on 127.0.0.1, served by the real
//! `git http-backend` as a CGI program, with optional Basic authentication
//! and TLS (a self-signed certificate made per test), plus a `CONNECT`
//! forward proxy; both record every request so tests see what was sent.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::support::isolate;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// The request target as sent: a path, or `host:port` for `CONNECT`.
    pub target: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    pub status: u16,
}

#[derive(Default)]
pub struct Options {
    /// `(user, password)` required for every request.
    pub basic_auth: Option<(String, String)>,
    /// Serve TLS with this acceptor.
    pub tls: Option<openssl::ssl::SslAcceptor>,
}

pub struct GitHttp {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl GitHttp {
    /// Serves the repositories under `root` until the test process ends.
    pub fn start(root: &Path, options: Options) -> GitHttp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            root: root.to_path_buf(),
            options,
            seen: seen.clone(),
        });
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let _ = shared.connection(stream);
                });
            }
        });
        GitHttp { port, seen }
    }

    pub fn url(&self, repo: &str) -> String {
        format!("http://127.0.0.1:{}/{repo}", self.port)
    }

    pub fn https_url(&self, repo: &str) -> String {
        format!("https://localhost:{}/{repo}", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

struct Shared {
    root: PathBuf,
    options: Options,
    seen: Arc<Mutex<Vec<Seen>>>,
}

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

impl Shared {
    fn connection(&self, tcp: TcpStream) -> io::Result<()> {
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
        let stream: Box<dyn Stream> = match &self.options.tls {
            Some(acceptor) => Box::new(
                acceptor
                    .accept(tcp)
                    .map_err(|e| io::Error::other(e.to_string()))?,
            ),
            None => Box::new(tcp),
        };
        let mut reader = BufReader::new(stream);
        loop {
            let Some(request) = read_request(&mut reader)? else {
                return Ok(());
            };
            let authorization = request.header("authorization");
            let mut seen = Seen {
                method: request.method.clone(),
                target: request.target.clone(),
                authorization: authorization.clone(),
                status: 200,
            };
            if let Some((user, password)) = &self.options.basic_auth {
                let expected = format!("Basic {}", base64(&format!("{user}:{password}")));
                if authorization.as_deref() != Some(expected.as_str()) {
                    seen.status = 401;
                    self.seen.lock().unwrap().push(seen);
                    reader.get_mut().write_all(
                        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"ispo test\"\r\nContent-Length: 0\r\n\r\n",
                    )?;
                    continue;
                }
            }
            let (status, headers, body) = self.cgi(&request)?;
            seen.status = status;
            self.seen.lock().unwrap().push(seen);
            let mut head = format!("HTTP/1.1 {status} X\r\n");
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let out = reader.get_mut();
            out.write_all(head.as_bytes())?;
            out.write_all(&body)?;
            out.flush()?;
        }
    }

    /// Runs `git http-backend` for one request.
    fn cgi(&self, request: &Request) -> io::Result<Response> {
        // Absolute-form targets come from clients talking to a proxy.
        let target = match request.target.find("://") {
            Some(i) => {
                let rest = &request.target[i + 3..];
                rest.find('/').map_or("/", |j| &rest[j..]).to_string()
            }
            None => request.target.clone(),
        };
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let mut cmd = Command::new("git");
        cmd.arg("http-backend");
        isolate(&mut cmd, &self.root);
        cmd.env("GIT_PROJECT_ROOT", &self.root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("REQUEST_METHOD", &request.method)
            .env("PATH_INFO", path)
            .env("QUERY_STRING", query)
            .env(
                "CONTENT_TYPE",
                request.header("content-type").unwrap_or_default(),
            )
            .env("CONTENT_LENGTH", request.body.len().to_string())
            .env("REMOTE_ADDR", "127.0.0.1")
            .env("REMOTE_USER", "tester")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(p) = request.header("git-protocol") {
            cmd.env("GIT_PROTOCOL", p);
        }
        let mut child = cmd.spawn()?;
        let mut stdin = child.stdin.take().unwrap();
        let body = request.body.clone();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&body);
        });
        let mut output = Vec::new();
        child.stdout.take().unwrap().read_to_end(&mut output)?;
        child.wait()?;
        let _ = writer.join();
        let split = output
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| (i, 4))
            .or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)))
            .unwrap_or((output.len(), 0));
        let head = String::from_utf8_lossy(&output[..split.0]).into_owned();
        let body = output[(split.0 + split.1).min(output.len())..].to_vec();
        let mut status = 200;
        let mut headers = Vec::new();
        for line in head.lines() {
            if let Some((k, v)) = line.split_once(':') {
                let v = v.trim().to_string();
                if k.eq_ignore_ascii_case("status") {
                    status = v.split(' ').next().unwrap_or("500").parse().unwrap_or(500);
                } else {
                    headers.push((k.to_string(), v));
                }
            }
        }
        Ok((status, headers, body))
    }
}

/// Status, headers and body.
type Response = (u16, Vec<(String, String)>, Vec<u8>);

struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut request = Request {
        method,
        target,
        headers,
        body: Vec::new(),
    };
    if request
        .header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .map_err(io::Error::other)?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            request.body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = request.header("content-length") {
        let len: usize = len.parse().map_err(io::Error::other)?;
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        request.body = body;
    }
    Ok(Some(request))
}

/// Standard base64, enough to build the expected `Authorization` header.
pub fn base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_the_rfc_examples() {
    assert_eq!(base64("f"), "Zg==");
    assert_eq!(base64("fo"), "Zm8=");
    assert_eq!(base64("foo"), "Zm9v");
    assert_eq!(base64("foobar"), "Zm9vYmFy");
}

/// A self-signed certificate for `localhost`, `127.0.0.1` and
/// `catalog.invalid`, written as PEM to `pem`, and an acceptor serving it.
pub fn tls(pem: &Path) -> openssl::ssl::SslAcceptor {
    use openssl::asn1::Asn1Time;
    use openssl::bn::{BigNum, MsbOption};
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    use openssl::ssl::{SslAcceptor, SslMethod};
    use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
    use openssl::x509::{X509NameBuilder, X509};

    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "localhost").unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial.rand(64, MsbOption::MAYBE_ZERO, false).unwrap();
    cert.set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(2).unwrap())
        .unwrap();
    cert.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
        .unwrap();
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .dns("catalog.invalid")
        .ip("127.0.0.1")
        .build(&cert.x509v3_context(None, None))
        .unwrap();
    cert.append_extension(san).unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = cert.build();
    std::fs::write(pem, cert.to_pem().unwrap()).unwrap();
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    acceptor.set_private_key(&key).unwrap();
    acceptor.set_certificate(&cert).unwrap();
    acceptor.build()
}

/// A forward proxy that tunnels every `CONNECT` to `upstream` on 127.0.0.1,
/// whatever host was asked for, and records what it was asked.
pub struct Proxy {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Proxy {
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(client) = stream else { break };
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(client.try_clone().unwrap());
                    let Ok(Some(request)) = read_request(&mut reader) else {
                        return;
                    };
                    let connect = request.method == "CONNECT";
                    log.lock().unwrap().push(Seen {
                        method: request.method.clone(),
                        target: request.target.clone(),
                        authorization: request.header("authorization"),
                        status: if connect { 200 } else { 405 },
                    });
                    let mut client = client;
                    if !connect {
                        let _ = client.write_all(
                            b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n",
                        );
                        return;
                    }
                    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                        return;
                    };
                    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    let mut up_read = server.try_clone().unwrap();
                    let mut up_write = server;
                    let mut down_write = client;
                    let pump = std::thread::spawn(move || {
                        let _ = io::copy(&mut up_read, &mut down_write);
                        let _ = down_write.shutdown(std::net::Shutdown::Both);
                    });
                    // Bytes the client sent right after CONNECT may already
                    // sit in the reader's buffer.
                    let _ = up_write.write_all(reader.buffer());
                    let _ = io::copy(reader.get_mut(), &mut up_write);
                    let _ = up_write.shutdown(std::net::Shutdown::Both);
                    let _ = pump.join();
                });
            }
        });
        Proxy { port, seen }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}
