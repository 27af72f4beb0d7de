//! The client's side: a connection to `juki serve` and a session signed in through it.
//!
//! Invariants:
//! * A request that may have reached the server is never sent again: a 異動 sent twice
//!   would be recorded twice. Only a request hyper gives back unsent (its connection was
//!   found closed before it went out: the server ends connections that sit idle) goes again,
//!   once, on a new connection.
//! * The password goes to the server in the sign-in's body and nowhere else; no error made
//!   here carries it or a statement's text.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::Method;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

use crate::{Error, ErrorCode, Ran, Refusal, Result};

/// Why a request to a server failed: the server refused it, or it could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RemoteError {
    /// The server answered with a refusal.
    #[error("{}", .0.message)]
    Refused(Refusal),
    /// The server could not be reached, or the connection broke.
    #[error("the server at {server}: {what}: {source}")]
    Transport {
        server: String,
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The server's answer is not what the protocol says.
    #[error("the server at {server} answered out of protocol: {detail}")]
    Protocol { server: String, detail: String },
    /// A server or client cannot be set up as asked: plain TCP off loopback, a certificate
    /// or key that cannot be used.
    #[error("{0}")]
    Setup(String),
}

impl RemoteError {
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            RemoteError::Refused(r) => r.code,
            RemoteError::Setup(_) => ErrorCode::InvalidValue,
            RemoteError::Transport { .. } | RemoteError::Protocol { .. } => ErrorCode::Io,
        }
    }

    /// The caret line and hint of a refused statement.
    pub(crate) fn detail(&self) -> Option<&str> {
        match self {
            RemoteError::Refused(r) if !r.detail.is_empty() => Some(&r.detail),
            _ => None,
        }
    }
}

impl From<RemoteError> for Error {
    fn from(e: RemoteError) -> Error {
        Error::new(crate::error::Inner::Remote(e))
    }
}

/// A connection to the server of a register (`juki serve`): through its socket on this
/// host, or over TCP (with TLS, or in the clear on loopback).
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let socket = juki::socket_path("city.redb");
/// let session = juki::Client::connect(&socket)?.sign_in("clerk1", "its password", "counter-3")?;
/// let ran = session.run("FIND name=やまだ birth=S55.4.1")?;
/// assert!(ran.is_ok());
///
/// // From another host: the server's certificate is checked against the city's authority.
/// let remote = juki::Client::connect_tls("juki.city.local:5480", "city-ca.pem")?;
/// # Ok(()) }
/// ```
pub struct Client {
    endpoint: Endpoint,
    /// The endpoint as errors and the console name it: a socket's path, or `host:port`.
    address: String,
    runtime: tokio::runtime::Runtime,
    sender: Mutex<Option<SendRequest<Full<Bytes>>>>,
}

/// Where a client connects.
enum Endpoint {
    Socket(PathBuf),
    Tcp {
        dial: super::tls::Dial,
        /// `None`: in the clear, which only a loopback host is allowed.
        tls: Option<tokio_rustls::TlsConnector>,
    },
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("address", &self.address)
            .finish()
    }
}

impl Client {
    /// Connects to the server listening on `socket` (see [`crate::socket_path`]).
    pub fn connect(socket: impl AsRef<Path>) -> Result<Client> {
        let socket = socket.as_ref().to_path_buf();
        let address = socket.display().to_string();
        Client::start(Endpoint::Socket(socket), address)
    }

    /// Connects over TCP in the clear to `address` (`host:port`), which must be a loopback
    /// address: anywhere else, use [`Client::connect_tls`].
    pub fn connect_tcp(address: &str) -> Result<Client> {
        let dial = super::tls::Dial::parse(address)?;
        if !dial.is_loopback() {
            return Err(RemoteError::Setup(format!(
                "{address} is not on this host: connect with TLS (a certificate authority file)"
            ))
            .into());
        }
        Client::start(Endpoint::Tcp { dial, tls: None }, address.to_string())
    }

    /// Connects over TCP with TLS to `address` (`host:port`), trusting the certificate
    /// authorities in the PEM file `ca`; the server's certificate must name the host.
    pub fn connect_tls(address: &str, ca: impl AsRef<Path>) -> Result<Client> {
        let dial = super::tls::Dial::parse(address)?;
        let config = super::tls::client_config(ca.as_ref())?;
        let tls = Some(tokio_rustls::TlsConnector::from(config));
        Client::start(Endpoint::Tcp { dial, tls }, address.to_string())
    }

    fn start(endpoint: Endpoint, address: String) -> Result<Client> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| super::io_error("starting the client's runtime", e))?;
        let client = Client {
            endpoint,
            address,
            runtime,
            sender: Mutex::new(None),
        };
        let sender = client.open()?;
        *client.sender.lock().unwrap_or_else(|e| e.into_inner()) = Some(sender);
        Ok(client)
    }

    /// Where it connects: the socket's path, or `host:port`.
    pub fn address(&self) -> &str {
        &self.address
    }

    fn transport(
        &self,
        what: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> RemoteError {
        RemoteError::Transport {
            server: self.address.clone(),
            what,
            source: Box::new(source),
        }
    }

    fn open(&self) -> std::result::Result<SendRequest<Full<Bytes>>, RemoteError> {
        self.runtime.block_on(async {
            match &self.endpoint {
                Endpoint::Socket(path) => {
                    let stream = tokio::net::UnixStream::connect(path)
                        .await
                        .map_err(|e| self.transport("connecting", e))?;
                    self.handshake(stream).await
                }
                Endpoint::Tcp { dial, tls } => {
                    let stream = tokio::net::TcpStream::connect(&dial.address)
                        .await
                        .map_err(|e| self.transport("connecting", e))?;
                    let _ = stream.set_nodelay(true);
                    match tls {
                        None => self.handshake(stream).await,
                        Some(connector) => {
                            let stream = connector
                                .connect(dial.name.clone(), stream)
                                .await
                                .map_err(|e| self.transport("the TLS handshake", e))?;
                            self.handshake(stream).await
                        }
                    }
                }
            }
        })
    }

    /// Starts HTTP on a connected stream; its connection task runs on the runtime.
    async fn handshake<S>(
        &self,
        stream: S,
    ) -> std::result::Result<SendRequest<Full<Bytes>>, RemoteError>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.transport("starting HTTP", e))?;
        self.runtime.spawn(connection);
        Ok(sender)
    }

    /// Signs an operator in; the session, in the server, that every later call goes to.
    pub fn sign_in(self, operator: &str, password: &str, terminal: &str) -> Result<RemoteSession> {
        let body = json!({ "operator": operator, "password": password, "terminal": terminal });
        let answer = self.call(Method::POST, "/v1/session", None, body.to_string())?;
        let text = |key: &str| answer.get(key).and_then(Value::as_str).map(str::to_string);
        let (Some(token), Some(operator), Some(role)) =
            (text("session"), text("operator"), text("role"))
        else {
            return Err(self
                .protocol("a sign-in answer without session, operator or role")
                .into());
        };
        Ok(RemoteSession {
            client: self,
            token: Mutex::new(token),
            operator,
            role,
            terminal: terminal.to_string(),
            locked: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn protocol(&self, detail: impl Into<String>) -> RemoteError {
        RemoteError::Protocol {
            server: self.address.clone(),
            detail: detail.into(),
        }
    }

    /// Sends one request and reads its JSON answer, whatever its status.
    fn exchange(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: String,
    ) -> std::result::Result<(u16, Value), RemoteError> {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, "juki");
        if let Some(token) = token {
            request = request.header(hyper::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let mut request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| self.transport("making the request", e))?;
        let mut slot = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        // The server ends a connection that sat idle. A request that hyper gives back
        // unsent (the connection was found closed before it went out) goes once more on a
        // new connection; one that may have gone out is never sent again.
        let mut reopened = false;
        let response = loop {
            let sender = match slot.as_mut() {
                Some(sender) => sender,
                None => {
                    reopened = true;
                    slot.insert(self.open()?)
                }
            };
            let sent = self.runtime.block_on(async {
                // The connection's task runs first, so that a close the server made while
                // it sat idle is seen now and the request comes back unsent; then wait for
                // the connection to be free.
                tokio::task::yield_now().await;
                let _ = sender.ready().await;
                sender.try_send_request(request).await
            });
            match sent {
                Ok(response) => break response,
                Err(mut e) => match e.take_message() {
                    Some(unsent) if !reopened => {
                        *slot = None;
                        request = unsent;
                    }
                    _ => return Err(self.transport("sending the request", e.into_error())),
                },
            }
        };
        let status = response.status().as_u16();
        let bytes = self
            .runtime
            .block_on(response.into_body().collect())
            .map_err(|e| self.transport("reading the answer", e))?
            .to_bytes();
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| self.protocol(format!("the answer is not JSON ({e})")))?;
        Ok((status, value))
    }

    /// A request whose answer is a refusal unless its status is a success.
    fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: String,
    ) -> std::result::Result<Value, RemoteError> {
        let (status, value) = self.exchange(method, path, token, body)?;
        if (200..300).contains(&status) {
            return Ok(value);
        }
        match value.get("error").map(Refusal::from_json) {
            Some(Ok(refusal)) => Err(RemoteError::Refused(refusal)),
            Some(Err(e)) => Err(self.protocol(e)),
            None => Err(self.protocol(format!("status {status} without an error"))),
        }
    }
}

/// An operator signed in through a server: the statements of the query language, the idle
/// lock's sign-in again and the change of password, as a local [`crate::Session`] has them.
/// Dropping it signs out.
#[derive(Debug)]
pub struct RemoteSession {
    client: Client,
    token: Mutex<String>,
    operator: String,
    role: String,
    terminal: String,
    locked: std::sync::atomic::AtomicBool,
}

impl RemoteSession {
    /// The operator signed in.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// Their role, by name.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// Where the server is: its socket's path, or `host:port`.
    pub fn address(&self) -> &str {
        self.client.address()
    }

    fn token(&self) -> String {
        self.token.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Runs every statement of `text` on the server, in order, stopping at the first that
    /// fails: what ran, and the refusal that stopped it (as [`crate::Session::run_all`]). The
    /// error is for a request that could not be made or was refused whole (the session
    /// ended, say).
    pub fn run(&self, text: &str) -> Result<Ran> {
        let (status, value) = self.client.exchange(
            Method::POST,
            "/v1/statements",
            Some(&self.token()),
            text.to_string(),
        )?;
        if value.get("results").is_none() {
            let refusal = value
                .get("error")
                .map(Refusal::from_json)
                .and_then(|r| r.ok())
                .ok_or_else(|| {
                    self.client
                        .protocol(format!("status {status} without results or an error"))
                })?;
            return Err(RemoteError::Refused(refusal).into());
        }
        let ran = Ran::from_json(&value).map_err(|e| self.client.protocol(e))?;
        self.locked
            .store(ran.locked, std::sync::atomic::Ordering::Release);
        Ok(ran)
    }

    /// Whether the watch on browsing locked the session at its last statement.
    pub fn is_locked(&self) -> bool {
        self.locked.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Checks the password again (the idle lock), lifting the watch's lock. When the server
    /// has ended the session meanwhile (it was idle too long), this signs in afresh.
    pub fn reauthenticate(&self, password: &str) -> Result<()> {
        let body = json!({ "password": password }).to_string();
        match self.client.call(
            Method::POST,
            "/v1/session/unlock",
            Some(&self.token()),
            body,
        ) {
            Ok(_) => {}
            Err(RemoteError::Refused(r))
                if r.code == ErrorCode::AuthFailed
                    && r.message.starts_with("the session ended") =>
            {
                let body = json!({ "operator": self.operator, "password": password, "terminal": self.terminal });
                let answer =
                    self.client
                        .call(Method::POST, "/v1/session", None, body.to_string())?;
                let token = answer
                    .get("session")
                    .and_then(Value::as_str)
                    .ok_or_else(|| self.client.protocol("a sign-in answer without session"))?;
                *self.token.lock().unwrap_or_else(|e| e.into_inner()) = token.to_string();
            }
            Err(e) => return Err(e.into()),
        }
        self.locked
            .store(false, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// The change feed after the 更新順番号 `since`, with `items`, one page of rows at a time
    /// to `each` (which returns false to stop); with `follow`, it goes on with every change
    /// made durable later, pushed by the server, until `each` says stop or the server
    /// stops. Each page is an audited read on the server. It runs on a connection of its
    /// own, so that the session can run statements meanwhile (from another thread).
    pub fn changes(
        &self,
        since: u64,
        items: crate::FeedItems,
        follow: bool,
        mut each: impl FnMut(crate::Rows) -> bool,
    ) -> Result<()> {
        let uri = format!(
            "/v1/changes?since={since}&items={}&follow={follow}",
            items.name()
        );
        let client = &self.client;
        let ended = self.lines(Method::GET, uri, String::new(), |line, ok| {
            Ok(match page_of(client, line, ok)? {
                Some(rows) => each(rows),
                None => true,
            })
        })?;
        if follow && ended {
            // Only the server ends a followed feed: it stopped.
            return Err(client
                .transport(
                    "following the feed",
                    std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the server ended the feed (it stopped)",
                    ),
                )
                .into());
        }
        Ok(())
    }

    /// `juki import` through the server: the files of `options` are read by the server
    /// (their paths made absolute here: the server runs on this machine, as this user), its
    /// progress comes to `progress` as the server reports it, and the report at the end.
    pub fn import(
        &self,
        options: &crate::ImportOptions,
        progress: crate::Progress,
    ) -> Result<crate::ImportReport> {
        let absolute = |p: &Path| {
            std::path::absolute(p).map_err(|e| super::io_error(&p.display().to_string(), e))
        };
        let body = json!({
            "path": absolute(&options.path)?,
            "history": options.history.as_deref().map(absolute).transpose()?,
            "skip_bad": options.skip_bad.as_deref().map(absolute).transpose()?,
            "encoding": match options.encoding {
                crate::Encoding::Utf8 => "utf-8",
                crate::Encoding::Cp932 => "cp932",
            },
            "staging_bytes": options.staging_budget,
        });
        let client = &self.client;
        let mut report = None;
        let mut progress = progress;
        self.lines(
            Method::POST,
            "/v1/import".into(),
            body.to_string(),
            |line, _| {
                let value: Value = serde_json::from_slice(line).map_err(|e| {
                    client.protocol(format!("a line of the import is not JSON ({e})"))
                })?;
                if let Some(error) = value.get("error") {
                    let refusal = Refusal::from_json(error).map_err(|e| client.protocol(e))?;
                    return Err(RemoteError::Refused(refusal));
                }
                if let Some(event) = value
                    .get("progress")
                    .and_then(super::import::event_from_json)
                {
                    if let crate::Progress::To(f) = &mut progress {
                        f(event);
                    }
                }
                report = value
                    .get("report")
                    .and_then(super::import::report_from_json);
                Ok(report.is_none())
            },
        )?;
        report.ok_or_else(|| {
            client
                .protocol("the import ended without its report")
                .into()
        })
    }

    /// Sends a request on a connection of its own and hands each line of the answer to
    /// `each` (with whether the status was a success) until it returns false (then false)
    /// or the answer ends (then true).
    fn lines(
        &self,
        method: Method,
        uri: String,
        body: String,
        mut each: impl FnMut(&[u8], bool) -> std::result::Result<bool, RemoteError>,
    ) -> std::result::Result<bool, RemoteError> {
        let client = &self.client;
        let mut sender = client.open()?;
        let request = hyper::Request::builder()
            .method(method)
            .uri(uri)
            .header(hyper::header::HOST, "juki")
            .header(
                hyper::header::AUTHORIZATION,
                format!("Bearer {}", self.token()),
            )
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| client.transport("making the request", e))?;
        client.runtime.block_on(async {
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| client.transport("sending the request", e))?;
            let ok = response.status().is_success();
            let mut body = response.into_body();
            let mut buffer: Vec<u8> = Vec::new();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| client.transport("reading the answer", e))?;
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                buffer.extend_from_slice(&data);
                while let Some(end) = memchr::memchr(b'\n', &buffer) {
                    let line: Vec<u8> = buffer.drain(..=end).collect();
                    if !each(&line, ok)? {
                        return Ok(false);
                    }
                }
            }
            if !buffer.is_empty() {
                // A whole answer without a line end: an error answer, say.
                each(&buffer, ok)?;
            }
            Ok(true)
        })
    }

    /// Changes the operator's own password.
    pub fn change_password(&self, old: &str, new: &str) -> Result<()> {
        let body = json!({ "old": old, "new": new }).to_string();
        self.client.call(
            Method::POST,
            "/v1/session/password",
            Some(&self.token()),
            body,
        )?;
        Ok(())
    }
}

/// A line of the feed: a page of rows, or the refusal that ends it.
fn page_of(
    client: &Client,
    line: &[u8],
    ok: bool,
) -> std::result::Result<Option<crate::Rows>, RemoteError> {
    let value: Value = serde_json::from_slice(line)
        .map_err(|e| client.protocol(format!("a line of the feed is not JSON ({e})")))?;
    if let Some(error) = value.get("error") {
        let refusal = Refusal::from_json(error).map_err(|e| client.protocol(e))?;
        return Err(RemoteError::Refused(refusal));
    }
    if !ok {
        return Err(client.protocol("a refusal without an error"));
    }
    match super::wire::output_from_json(&value).map_err(|e| client.protocol(e))? {
        crate::Output::Rows(rows) => Ok(Some(rows)),
        crate::Output::Message(_) => Ok(None),
    }
}

impl Drop for RemoteSession {
    fn drop(&mut self) {
        let token = self.token();
        let _ = self
            .client
            .exchange(Method::DELETE, "/v1/session", Some(&token), String::new());
    }
}
