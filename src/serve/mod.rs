//! One process that owns the register and serves every operator: [`Server`] listens on a
//! Unix socket beside the register file and speaks HTTP/1.1 with JSON bodies
//! (docs/serve.md); [`Client`] is the other end, for the `juki` command and for embedders.
//!
//! redb admits one process per file, so while a server runs, every other client (the REPL,
//! `juki -c`, a script) goes through it. A request is served like this:
//!
//! 1. the connection is accepted, if fewer than the most connections are open;
//! 2. hyper reads the request (its head within the header time limit, its body up to the
//!    body limit);
//! 3. [`http`] routes it on a blocking thread: a sign-in makes a [`Session`] and hands out
//!    a token for it ([`sessions`]); a text of statements runs on the session the token
//!    names through [`Session::run_all`], exactly as a local console runs it;
//! 4. the answer goes back as JSON ([`wire`]).
//!
//! Invariants:
//! * The socket is created inside a directory only the server's user can enter and is made
//!   mode 0600 before it is renamed to its place beside the register: at no moment can
//!   another user connect to it.
//! * A session lives in the server, named by a random 256-bit token; it ends when its
//!   client signs out, when it has been idle for the idle limit, or when the server stops.
//!   Every statement is logged by the session, under the terminal the client named and the
//!   process it connected from.
//! * A server that stops (SIGTERM, SIGINT, SIGHUP or [`Stopper::stop`]) stops accepting,
//!   lets the requests in flight finish, flushes the operation log and removes its socket.
//!   One that is killed leaves a socket nobody answers on: the next server, or a client, sees that
//!   nobody answers and treats the register as not served.

mod client;
mod follow;
mod http;
mod import;
mod sessions;
mod tls;
mod wire;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::auth::Juki;
use crate::store::StoreError;
use crate::{Error, Result};

pub(crate) use client::RemoteError;
pub use client::{Client, RemoteSession};
pub use tls::TlsFiles;
#[cfg(feature = "testing")]
pub use wire::read_anything;

/// Where the server of the register at `db` listens: `db` with `.sock` added
/// (`city.redb.sock`). A client that finds a socket there that answers goes through it.
pub fn socket_path(db: impl AsRef<Path>) -> PathBuf {
    let mut name = db.as_ref().as_os_str().to_owned();
    name.push(".sock");
    PathBuf::from(name)
}

/// The limits a server keeps; [`Server::builder`] sets them.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    /// Connections open at once; one more waits to be accepted until one closes.
    pub connections: usize,
    /// Sessions signed in at once; a sign-in beyond it is refused.
    pub sessions: usize,
    /// Largest request body (a text of statements, a sign-in).
    pub body_bytes: usize,
    /// Largest answer to a text of statements.
    pub answer_bytes: usize,
    /// Time a client has to send a request's head once it starts one, or after connecting.
    pub header_time: Duration,
    /// A session unused this long ends; its client signs in again.
    pub idle: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 256,
            sessions: 1024,
            // A statement text is at most 64 KiB; the rest is room for JSON escapes.
            body_bytes: 512 * 1024,
            // A page of 100 search results is about 100 KiB; a whole HISTORY a few more.
            answer_bytes: 64 << 20,
            header_time: Duration::from_secs(30),
            idle: Duration::from_secs(15 * 60),
        }
    }
}

/// How a [`Server`] is set up: its socket, its TCP address and its limits.
#[derive(Debug)]
pub struct ServerBuilder {
    juki: Juki,
    socket: PathBuf,
    tcp: Option<SocketAddr>,
    tls: Option<TlsFiles>,
    limits: Limits,
    signals: bool,
}

impl ServerBuilder {
    /// Listen on `path` instead of the socket beside the register.
    pub fn socket(mut self, path: impl Into<PathBuf>) -> Self {
        self.socket = path.into();
        self
    }

    /// Listen on TCP at `address` as well as on the socket, for clients on other hosts.
    /// Without [`ServerBuilder::tls`] only a loopback address is accepted (port 0: any free
    /// port, see [`Server::tcp_address`]).
    pub fn tcp(mut self, address: SocketAddr) -> Self {
        self.tcp = Some(address);
        self
    }

    /// Speak TLS on the TCP address, with this certificate and key.
    pub fn tls(mut self, files: TlsFiles) -> Self {
        self.tls = Some(files);
        self
    }

    /// The most connections open at once (default 256, at least 1).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.limits.connections = n.max(1);
        self
    }

    /// The most sessions signed in at once (default 1,024, at least 1).
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.limits.sessions = n.max(1);
        self
    }

    /// The largest answer to a text of statements (default 64 MiB, at least 1 KiB): a
    /// statement whose result would take it over is refused, its result not sent.
    pub fn max_answer_bytes(mut self, n: usize) -> Self {
        self.limits.answer_bytes = n.max(1024);
        self
    }

    /// How long a session may go unused before it ends (default 15 minutes).
    pub fn idle_timeout(mut self, after: Duration) -> Self {
        self.limits.idle = after;
        self
    }

    /// How long a client has to send the head of a request (default 30 s).
    pub fn header_timeout(mut self, after: Duration) -> Self {
        self.limits.header_time = after;
        self
    }

    /// Whether SIGTERM, SIGINT and SIGHUP stop the server (default yes; an embedder that handles
    /// signals itself turns it off and uses [`Server::stopper`]).
    pub fn stop_on_signals(mut self, yes: bool) -> Self {
        self.signals = yes;
        self
    }

    /// Creates the socket (refused when a server already answers on it; a socket nobody
    /// answers on, left by a server that was killed, is replaced), and the TCP listener
    /// when one is asked for: refused off loopback without TLS, and when the certificate or
    /// key cannot be used.
    pub fn bind(self) -> Result<Server> {
        // Everything that can be refused is checked, and the TCP port taken, BEFORE the
        // socket is placed, so that a refusal leaves no socket behind.
        let tcp = match (self.tcp, &self.tls) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(RemoteError::Setup(
                    "a certificate and key are for TCP: give the address to listen on".into(),
                )
                .into())
            }
            (Some(address), None) if !tls::clear_allowed(&address) => {
                return Err(RemoteError::Setup(format!(
                    "plain TCP is served only on loopback: {address} needs TLS (a certificate and its key)"
                ))
                .into())
            }
            (Some(address), files) => {
                let tls = files.as_ref().map(tls::server_config).transpose()?;
                let listener = std::net::TcpListener::bind(address)
                    .and_then(|l| l.set_nonblocking(true).map(|()| l))
                    .map_err(|e| io_error(&format!("listening on {address}"), e))?;
                Some(http::Tcp { listener, tls })
            }
        };
        let listener = bind_private(&self.socket)?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        Ok(Server {
            juki: self.juki,
            socket: self.socket,
            listener,
            tcp,
            limits: self.limits,
            signals: self.signals,
            stop: Arc::new(stop),
            stopped,
        })
    }
}

/// A server of one register, bound to its socket; [`Server::run`] serves until it is
/// stopped.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let juki = juki::Juki::builder("city.redb").open()?;
/// let server = juki::Server::builder(juki).bind()?;
/// println!("serving on {}", server.socket().display());
/// server.run()?; // until SIGTERM, SIGINT or SIGHUP
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Server {
    juki: Juki,
    socket: PathBuf,
    listener: std::os::unix::net::UnixListener,
    tcp: Option<http::Tcp>,
    limits: Limits,
    signals: bool,
    stop: Arc<tokio::sync::watch::Sender<bool>>,
    stopped: tokio::sync::watch::Receiver<bool>,
}

/// Stops a running [`Server`] from another thread: it finishes the requests in flight and
/// returns from [`Server::run`].
#[derive(Debug, Clone)]
pub struct Stopper(Arc<tokio::sync::watch::Sender<bool>>);

impl Stopper {
    /// Asks the server to stop.
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Server {
    /// A server of the register `juki` has open, listening beside it.
    pub fn builder(juki: Juki) -> ServerBuilder {
        let socket = socket_path(juki.path());
        ServerBuilder {
            juki,
            socket,
            tcp: None,
            tls: None,
            limits: Limits::default(),
            signals: true,
        }
    }

    /// The socket it listens on.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The TCP address it listens on, when it does.
    pub fn tcp_address(&self) -> Option<SocketAddr> {
        self.tcp.as_ref().and_then(|t| t.listener.local_addr().ok())
    }

    /// Whether its TCP address speaks TLS.
    pub fn is_tls(&self) -> bool {
        self.tcp.as_ref().is_some_and(|t| t.tls.is_some())
    }

    /// What stops it from another thread.
    pub fn stopper(&self) -> Stopper {
        Stopper(Arc::clone(&self.stop))
    }

    /// Serves until stopped; then the requests in flight finish, every session ends, the
    /// operation log is flushed and the socket removed.
    pub fn run(self) -> Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(self.limits.connections.max(4))
            .thread_name("juki-serve")
            .enable_all()
            .build()
            .map_err(|e| io_error("starting the server's threads", e))?;
        // Many sessions write at once: their 異動 share disk syncs while the server runs.
        self.juki.set_group_commit(true);
        let state = Arc::new(http::State::new(self.juki.clone(), self.limits.clone()));
        let served = runtime.block_on(http::serve(
            Arc::clone(&state),
            http::Listeners {
                unix: self.listener,
                tcp: self.tcp,
            },
            self.stopped,
            self.signals,
        ));
        // The sessions end (and with them their hold on the register) BEFORE the log is
        // flushed, so that nothing a session logs is left behind.
        state.sessions.clear();
        drop(runtime);
        self.juki.set_group_commit(false);
        let _ = std::fs::remove_file(&self.socket);
        served?;
        self.juki.flush_log()
    }
}

pub(crate) fn io_error(what: &str, e: std::io::Error) -> Error {
    StoreError::Io {
        what: what.to_string(),
        source: e,
    }
    .into()
}

/// A socket at `path` that only this user can connect to: bound inside a new directory of
/// mode 0700 beside it, made 0600, then renamed into place, so that it is never reachable
/// with wider permissions. A socket already at `path` that answers is a server already
/// running: refused (`CONFLICT`). One that does not answer is left from a killed server and
/// is replaced.
fn bind_private(path: &Path) -> Result<std::os::unix::net::UnixListener> {
    use std::os::unix::fs::FileTypeExt;
    use std::os::unix::net::{UnixListener, UnixStream};
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(io_error(
                &format!("{} exists and is not a socket", path.display()),
                std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            ));
        }
        if UnixStream::connect(path).is_ok() {
            return Err(StoreError::Conflict(format!(
                "a server already answers on {}",
                path.display()
            ))
            .into());
        }
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let private = tempfile::Builder::new()
        .prefix(".juki-serve")
        .tempdir_in(parent)
        .map_err(|e| io_error(&format!("creating a directory in {}", parent.display()), e))?;
    let inside = private.path().join("s");
    let listener =
        UnixListener::bind(&inside).map_err(|e| io_error("creating the server's socket", e))?;
    std::fs::set_permissions(&inside, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| io_error("setting the socket's mode", e))?;
    std::fs::rename(&inside, path)
        .map_err(|e| io_error(&format!("placing the socket at {}", path.display()), e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| io_error("setting up the socket", e))?;
    Ok(listener)
}
