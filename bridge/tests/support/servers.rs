//! Real engine servers for the bridge tests: `nats-server` (with JetStream) and
//! `redis-server`, each started on a free loopback port in a fresh directory and killed when
//! the handle drops. A missing binary skips the test with a loud line, unless
//! `HARDWIRE_REQUIRE_SERVERS=1` (as `.ci/run` sets it), which makes it a failure.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server process.
pub struct Server {
    child: Option<Child>,
    program: String,
    args: Vec<String>,
    pub port: u16,
    pub dir: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn find(program: &str, env: &str) -> Option<String> {
    if let Ok(path) = std::env::var(env) {
        return Some(path);
    }
    let found = Command::new("sh").arg("-c").arg(format!("command -v {program}")).output().ok()?;
    let path = String::from_utf8(found.stdout).ok()?.trim().to_owned();
    if !path.is_empty() {
        return Some(path);
    }
    ["/usr/sbin", "/usr/bin", "/usr/local/bin"]
        .iter()
        .map(|dir| format!("{dir}/{program}"))
        .find(|p| Path::new(p).exists())
}

/// `None` (and a loud line) if the program is not installed and servers are not required.
fn locate(program: &str, env: &str) -> Option<String> {
    match find(program, env) {
        Some(path) => Some(path),
        None if std::env::var("HARDWIRE_REQUIRE_SERVERS").is_ok_and(|v| v == "1") => {
            panic!("{program} is not installed and HARDWIRE_REQUIRE_SERVERS=1")
        }
        None => {
            eprintln!("\n======== SKIPPED: {program} is not installed (set {env} or install it) ========\n");
            None
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hardwire-bridge-{name}-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Server {
    /// `nats-server -js` with `extra` arguments (auth, say).
    pub fn nats(extra: &[&str]) -> Option<Self> {
        let program = locate("nats-server", "HARDWIRE_NATS_SERVER")?;
        let port = free_port();
        let dir = scratch("nats");
        let mut args: Vec<String> = ["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd", dir.to_str().unwrap()]
            .map(String::from)
            .to_vec();
        args.extend(extra.iter().map(|a| a.to_string()));
        let mut server = Self { child: None, program, args, port, dir };
        server.start();
        Some(server)
    }

    /// `nats-server -js` requiring TLS and client certificates signed by `tls.ca`.
    pub fn nats_tls(tls: &Certificates) -> Option<Self> {
        let path = Certificates::path;
        Self::nats(&[
            "--tlsverify",
            "--tlscert",
            path(&tls.server_cert),
            "--tlskey",
            path(&tls.server_key),
            "--tlscacert",
            path(&tls.ca),
        ])
    }

    /// `redis-server` listening for TLS only, requiring client certificates signed by `tls.ca`.
    pub fn redis_tls(tls: &Certificates) -> Option<Self> {
        let path = Certificates::path;
        Self::redis(&[
            "--tls-port",
            "PORT",
            "--port",
            "0",
            "--tls-cert-file",
            path(&tls.server_cert),
            "--tls-key-file",
            path(&tls.server_key),
            "--tls-ca-cert-file",
            path(&tls.ca),
            "--tls-auth-clients",
            "yes",
        ])
    }

    /// `redis-server` with an append-only file synced on every write (a restart keeps all).
    /// An argument `PORT` in `extra` is replaced by the server's port.
    pub fn redis(extra: &[&str]) -> Option<Self> {
        let program = locate("redis-server", "HARDWIRE_REDIS_SERVER")?;
        let port = free_port();
        let dir = scratch("redis");
        let mut args: Vec<String> = [
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--dir",
            dir.to_str().unwrap(),
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--daemonize",
            "no",
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.iter().map(|a| if *a == "PORT" { port.to_string() } else { a.to_string() }));
        let mut server = Self { child: None, program, args, port, dir };
        server.start();
        Some(server)
    }

    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Starts the process (again) and waits until its port accepts connections.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::File::create(self.dir.join("server.log")).unwrap();
        let child = Command::new(&self.program)
            .args(&self.args)
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.program));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{} did not listen on {} within 20 s: {}",
                self.program,
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the process gracefully (SIGTERM) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().unwrap().is_none() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A throwaway certificate authority, and a server and a client certificate it signed
/// (PEM files in a fresh directory, made with the `openssl` command), for TLS tests.
pub struct Certificates {
    pub dir: PathBuf,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

impl Certificates {
    /// `None` (and a loud line) if `openssl` is not installed and servers are not required.
    pub fn new() -> Option<Self> {
        let openssl = locate("openssl", "HARDWIRE_OPENSSL")?;
        let dir = scratch("tls");
        let run = |args: &[&str]| {
            let out = Command::new(&openssl).args(args).current_dir(&dir).output().expect("running openssl");
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        run(&[
            &["req", "-x509"][..],
            &key,
            &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=hardwire test CA"],
        ]
        .concat());
        for (name, extensions) in [
            ("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
            ("client", "extendedKeyUsage=clientAuth\n"),
        ] {
            std::fs::write(dir.join(format!("{name}.ext")), format!("basicConstraints=CA:FALSE\n{extensions}"))
                .unwrap();
            let (csr, key_file) = (format!("{name}.csr"), format!("{name}.key"));
            run(&[
                &["req"][..],
                &key,
                &["-keyout", &key_file, "-out", &csr, "-subj", &format!("/CN=hardwire test {name}")],
            ]
            .concat());
            run(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                &format!("{name}.pem"),
                "-extfile",
                &format!("{name}.ext"),
            ]);
        }
        Some(Self {
            ca: dir.join("ca.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
            client_cert: dir.join("client.pem"),
            client_key: dir.join("client.key"),
            dir,
        })
    }

    pub fn path(path: &Path) -> &str {
        path.to_str().expect("a UTF-8 temporary path")
    }
}

impl Drop for Certificates {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
