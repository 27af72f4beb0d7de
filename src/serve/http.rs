//! The server's side of the protocol: the accept loop and the routes (docs/serve.md).
//!
//! Each route's work (an argon2 sign-in, a statement) runs on a blocking thread, so that the
//! two runtime threads only move bytes; the register's own locks order the work.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{json, Value};
use tokio::sync::{watch, Semaphore};

use super::follow;
use super::sessions::{Gone, Held, Sessions};
use super::wire::{ran_json, status_of, step_json, text_field};
use super::{io_error, Limits};
use crate::auth::Juki;
use crate::{ErrorCode, Refusal, Result};

/// What every connection shares.
pub(crate) struct State {
    pub juki: Juki,
    limits: Limits,
    pub sessions: Sessions,
    /// Set when the server stops: followers of the feed end their responses.
    pub stopping: std::sync::atomic::AtomicBool,
}

impl State {
    pub fn new(juki: Juki, limits: Limits) -> State {
        State {
            sessions: Sessions::new(limits.idle, limits.sessions),
            juki,
            limits,
            stopping: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The session `token` names, or the answer that there is none.
    pub fn session(&self, token: Option<&str>) -> std::result::Result<Arc<Held>, Answer> {
        match token.map(|t| self.sessions.get(t)) {
            Some(Ok(held)) => Ok(held),
            Some(Err(gone)) => Err(not_signed_in(gone)),
            None => Err(not_signed_in(Gone::Unknown)),
        }
    }
}

/// A response body: a whole JSON answer, or the pages of a feed.
type Reply = Response<BoxBody<Bytes, Infallible>>;

/// How often idle sessions are swept out.
const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// How long a stopping server waits for the requests in flight.
const DRAIN_TIME: Duration = Duration::from_secs(60);

/// The TCP side of a server: its listener, and its TLS settings unless it is loopback
/// only.
#[derive(Debug)]
pub(crate) struct Tcp {
    pub listener: std::net::TcpListener,
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// Where a server accepts connections.
pub(crate) struct Listeners {
    pub unix: std::os::unix::net::UnixListener,
    pub tcp: Option<Tcp>,
}

/// A connection just accepted.
enum Accepted {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream, std::net::SocketAddr),
}

/// Accepts connections until a stop is asked for, then lets the requests in flight finish.
pub(crate) async fn serve(
    state: Arc<State>,
    listeners: Listeners,
    stopped: watch::Receiver<bool>,
    signals: bool,
) -> Result<()> {
    let unix = tokio::net::UnixListener::from_std(listeners.unix)
        .map_err(|e| io_error("listening on the socket", e))?;
    let (tcp, acceptor) = match listeners.tcp {
        Some(Tcp { listener, tls }) => (
            Some(
                tokio::net::TcpListener::from_std(listener)
                    .map_err(|e| io_error("listening on TCP", e))?,
            ),
            tls.map(tokio_rustls::TlsAcceptor::from),
        ),
        None => (None, None),
    };
    let permits = Arc::new(Semaphore::new(state.limits.connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    let stop = stop_requested(stopped, signals)?;
    tokio::pin!(stop);
    loop {
        // A connection is accepted only with a permit, so that at most the limit are open;
        // the others wait in the listeners' backlogs.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut stop => break,
        };
        let accepted = tokio::select! {
            accepted = accept(&unix, tcp.as_ref()) => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors, say: wait a little rather than spin.
                Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue }
            },
            _ = sweep.tick() => { state.sessions.sweep(); continue }
            () = &mut stop => break,
        };
        start(
            Arc::clone(&state),
            accepted,
            acceptor.as_ref(),
            graceful.watcher(),
            permit,
        );
    }
    drop(unix);
    drop(tcp);
    state
        .stopping
        .store(true, std::sync::atomic::Ordering::Release);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIME) => {}
    }
    Ok(())
}

/// Serves a connection just accepted on a task of its own: on TCP with TLS, after its
/// handshake.
fn start(
    state: Arc<State>,
    accepted: Accepted,
    acceptor: Option<&tokio_rustls::TlsAcceptor>,
    watcher: hyper_util::server::graceful::Watcher,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    match (accepted, acceptor) {
        (Accepted::Unix(stream), _) => {
            let peer = peer_of(&stream).into();
            tokio::spawn(connection(state, peer, stream, watcher, permit));
        }
        (Accepted::Tcp(stream, address), None) => {
            let _ = stream.set_nodelay(true);
            let peer = address.to_string().into();
            tokio::spawn(connection(state, peer, stream, watcher, permit));
        }
        // The handshake has the time a request's head has: a client that connects and
        // sends nothing holds its permit no longer.
        (Accepted::Tcp(stream, address), Some(acceptor)) => {
            let _ = stream.set_nodelay(true);
            let peer = address.to_string().into();
            let handshake = acceptor.accept(stream);
            tokio::spawn(async move {
                let limit = state.limits.header_time;
                if let Ok(Ok(tls)) = tokio::time::timeout(limit, handshake).await {
                    connection(state, peer, tls, watcher, permit).await;
                }
            });
        }
    }
}

/// The next connection on either listener.
async fn accept(
    unix: &tokio::net::UnixListener,
    tcp: Option<&tokio::net::TcpListener>,
) -> std::io::Result<Accepted> {
    let on_tcp = async {
        match tcp {
            Some(listener) => listener.accept().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        accepted = unix.accept() => accepted.map(|(stream, _)| Accepted::Unix(stream)),
        accepted = on_tcp => accepted.map(|(stream, address)| Accepted::Tcp(stream, address)),
    }
}

/// Serves the requests of one connection until it closes; `permit` is its place under the
/// connection limit.
async fn connection<S>(
    state: Arc<State>,
    peer: Arc<str>,
    stream: S,
    watcher: hyper_util::server::graceful::Watcher,
    permit: tokio::sync::OwnedSemaphorePermit,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let header_time = state.limits.header_time;
    let service = hyper::service::service_fn(move |request| {
        respond(Arc::clone(&state), Arc::clone(&peer), request)
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_time)
        .serve_connection(TokioIo::new(stream), service);
    let _ = watcher.watch(connection).await;
    drop(permit);
}

/// Resolves when the server is asked to stop: by its [`super::Stopper`], or by SIGTERM,
/// SIGINT or SIGHUP when it listens for them.
fn stop_requested(
    mut stopped: watch::Receiver<bool>,
    signals: bool,
) -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut handlers = if signals {
        let term = signal(SignalKind::terminate()).map_err(|e| io_error("handling SIGTERM", e))?;
        let int = signal(SignalKind::interrupt()).map_err(|e| io_error("handling SIGINT", e))?;
        // The terminal the server was started from closed.
        let hup = signal(SignalKind::hangup()).map_err(|e| io_error("handling SIGHUP", e))?;
        Some((term, int, hup))
    } else {
        None
    };
    Ok(async move {
        let asked = async {
            while !*stopped.borrow_and_update() {
                if stopped.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        match handlers.as_mut() {
            Some((term, int, hup)) => tokio::select! {
                () = asked => {}
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
            },
            None => asked.await,
        }
    })
}

/// The process at the other end of the socket, for the terminal the log names (on TCP,
/// the client's address and port).
fn peer_of(stream: &tokio::net::UnixStream) -> String {
    match stream.peer_cred() {
        Ok(cred) => match cred.pid() {
            Some(pid) => format!("pid {pid}"),
            None => format!("uid {}", cred.uid()),
        },
        Err(_) => "unix socket".into(),
    }
}

async fn respond(
    state: Arc<State>,
    peer: Arc<str>,
    request: Request<Incoming>,
) -> std::result::Result<Reply, Infallible> {
    let (parts, body) = request.into_parts();
    let token = parts
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    if parts.uri.path() == "/v1/changes" && parts.method == Method::GET {
        let ask = match follow::Ask::parse(parts.uri.query()) {
            Ok(ask) => ask,
            Err(message) => return Ok(reply(Answer::error(ErrorCode::InvalidValue, &message))),
        };
        return Ok(match follow::start(state, token, ask).await {
            Ok(pages) => lines(pages),
            Err(answer) => reply(answer),
        });
    }
    let body = match Limited::new(body, state.limits.body_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let message = format!(
                "the request body is over {} bytes, or was cut off",
                state.limits.body_bytes
            );
            return Ok(reply(error(ErrorCode::InvalidValue, &message)));
        }
    };
    if parts.uri.path() == "/v1/import" && parts.method == Method::POST {
        return Ok(match super::import::options(&body) {
            Ok(options) => lines(super::import::start(state, token, options)),
            Err(answer) => reply(answer),
        });
    }
    let answer = tokio::task::spawn_blocking(move || {
        let request = Call {
            method: parts.method,
            path: parts.uri.path().to_string(),
            token,
            body,
        };
        route(&state, &peer, &request)
    })
    .await
    .unwrap_or_else(|_| error(ErrorCode::Io, "the request failed inside the server"));
    Ok(reply(answer))
}

/// A request as the routes see it.
struct Call {
    method: Method,
    path: String,
    token: Option<String>,
    body: Bytes,
}

/// An answer: its status and JSON body.
pub(crate) struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    /// Its JSON body.
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// The answer that refuses a request with `code`.
    pub fn error(code: ErrorCode, message: &str) -> Answer {
        error(code, message)
    }

    /// The answer that carries `refusal`.
    pub fn refused(refusal: &Refusal) -> Answer {
        refused(refusal)
    }
}

/// A response of JSON lines, each sent as it is made.
fn lines(pages: follow::Pages) -> Reply {
    Response::builder()
        .status(200)
        .header(hyper::header::CONTENT_TYPE, "application/x-ndjson")
        .body(pages.boxed())
        .expect("a status and a fixed header make a valid response")
}

fn reply(answer: Answer) -> Reply {
    Response::builder()
        .status(answer.status)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(answer.body.to_string())).boxed())
        .expect("a status and a fixed header make a valid response")
}

fn error(code: ErrorCode, message: &str) -> Answer {
    Answer {
        status: status_of(code),
        body: json!({ "error": { "code": code.as_str(), "message": message, "detail": "" } }),
    }
}

/// The routes of docs/serve.md.
fn route(state: &State, peer: &str, call: &Call) -> Answer {
    let path = call.path.as_str();
    match (&call.method, path) {
        (&Method::POST, "/v1/session") => sign_in(state, peer, &call.body),
        (&Method::GET, "/v1/session") => with_session(state, call, |s| {
            Ok(json!({
                "operator": s.operator(),
                "role": s.role().to_string(),
                "terminal": s.terminal(),
                "register": s.juki().path().display().to_string(),
                "locked": s.is_locked(),
            }))
        }),
        (&Method::DELETE, "/v1/session") => match call.token.as_deref() {
            Some(token) if state.sessions.remove(token) => Answer {
                status: 200,
                body: json!({ "signed_out": true }),
            },
            _ => not_signed_in(Gone::Unknown),
        },
        (&Method::POST, "/v1/session/unlock") => with_session(state, call, |s| {
            let body = object(&call.body)?;
            let password = text_field(&body, "password").map_err(invalid)?;
            s.reauthenticate(password)
                .map_err(|e| Refusal::of(&e, ""))?;
            Ok(json!({ "locked": s.is_locked() }))
        }),
        (&Method::POST, "/v1/session/password") => with_session(state, call, |s| {
            let body = object(&call.body)?;
            let old = text_field(&body, "old").map_err(invalid)?;
            let new = text_field(&body, "new").map_err(invalid)?;
            s.change_password(old, new)
                .map_err(|e| Refusal::of(&e, ""))?;
            Ok(json!({ "changed": true }))
        }),
        (&Method::POST, "/v1/statements") => statements(state, call),
        (
            _,
            "/v1/session"
            | "/v1/session/unlock"
            | "/v1/session/password"
            | "/v1/statements"
            | "/v1/changes",
        ) => Answer {
            status: 405,
            body: json!({ "error": { "code": "SYNTAX",
                    "message": format!("{} is not a method of {path}", call.method), "detail": "" } }),
        },
        _ => error(ErrorCode::NotFound, &format!("no route {path}")),
    }
}

fn invalid(message: String) -> Refusal {
    Refusal {
        code: ErrorCode::InvalidValue,
        message,
        detail: String::new(),
    }
}

/// The body as a JSON object, or what is wrong with it (never the body itself: it may hold
/// a password).
fn object(body: &[u8]) -> std::result::Result<serde_json::Map<String, Value>, Refusal> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(invalid("the body is not a JSON object".into())),
        Err(e) => Err(invalid(format!(
            "the body is not JSON: line {}, column {}",
            e.line(),
            e.column()
        ))),
    }
}

/// Signs an operator in; the session's token. The terminal the log names is the one the
/// client gave with the process it connects from, so that two counters' clients are told
/// apart even when both name the same host.
fn sign_in(state: &State, peer: &str, body: &[u8]) -> Answer {
    let body = match object(body) {
        Ok(b) => b,
        Err(r) => return refused(&r),
    };
    let (Ok(operator), Ok(password)) =
        (text_field(&body, "operator"), text_field(&body, "password"))
    else {
        return error(
            ErrorCode::InvalidValue,
            "a sign-in takes the text fields \"operator\" and \"password\"",
        );
    };
    let named: String = text_field(&body, "terminal")
        .unwrap_or("client")
        .chars()
        .take(40)
        .collect();
    let terminal = format!("{named} ({peer})");
    let session = match state.juki.sign_in(operator, password, &terminal) {
        Ok(s) => s,
        Err(e) => return refused(&Refusal::of(&e, "")),
    };
    let (operator, role) = (session.operator().to_string(), session.role().to_string());
    match state.sessions.insert(session) {
        Some(token) => Answer {
            status: 201,
            body: json!({ "session": token, "operator": operator, "role": role }),
        },
        None => Answer {
            status: 503,
            body: json!({ "error": { "code": "CONFLICT",
                "message": "the server holds as many sessions as it may; try again later", "detail": "" } }),
        },
    }
}

fn statements(state: &State, call: &Call) -> Answer {
    let Ok(text) = std::str::from_utf8(&call.body) else {
        return error(ErrorCode::InvalidValue, "the statements are not UTF-8 text");
    };
    let most = state.limits.answer_bytes;
    with_session(state, call, |s| Ok(run_within(s, text, most))).with_status_of_refusal()
}

/// Runs `text` as [`crate::Session::run_all`] does, but stops at a statement whose result
/// would take the answer over `most` bytes: that result is not sent, and its refusal says
/// so (the statement ran and is logged; the ones after it do not run).
fn run_within(session: &crate::Session, text: &str, most: usize) -> Value {
    let mut steps = Vec::new();
    let mut used = 0;
    let mut refused = None;
    session.run_each(text, |result| match result {
        Ok(step) => {
            let json = step_json(&step);
            let size = json.to_string().len();
            if used + size > most {
                refused = Some(Refusal {
                    code: ErrorCode::InvalidValue,
                    message: format!(
                        "statement {} ran, but its result ({size} bytes) would take the answer over the {most} bytes it may hold: narrow it (LIMIT, a narrower search, STATS instead of rows); the statements after it did not run",
                        steps.len() + 1
                    ),
                    detail: String::new(),
                });
                return false;
            }
            used += size;
            steps.push(json);
            true
        }
        Err(refusal) => {
            refused = Some(refusal);
            false
        }
    });
    ran_json(steps, refused.as_ref(), session.is_locked())
}

impl Answer {
    /// A run of statements answers 200 when every statement ran, else the status of the
    /// refusal that stopped it (the body has the outputs of those that ran either way).
    fn with_status_of_refusal(mut self) -> Answer {
        if self.status == 200 {
            if let Some(code) = self
                .body
                .pointer("/error/code")
                .and_then(Value::as_str)
                .and_then(ErrorCode::parse)
            {
                self.status = status_of(code);
            }
        }
        self
    }
}

fn refused(refusal: &Refusal) -> Answer {
    Answer {
        status: status_of(refusal.code),
        body: json!({ "error": refusal.json() }),
    }
}

fn not_signed_in(gone: Gone) -> Answer {
    let message = match gone {
        Gone::Unknown => "not signed in: sign in first (POST /v1/session)",
        Gone::Idle => "the session ended after it was idle too long: sign in again",
    };
    error(ErrorCode::AuthFailed, message)
}

/// Runs `f` on the session the call's token names, one request at a time per session.
fn with_session(
    state: &State,
    call: &Call,
    f: impl FnOnce(&crate::Session) -> std::result::Result<Value, Refusal>,
) -> Answer {
    let held = match state.session(call.token.as_deref()) {
        Ok(held) => held,
        Err(answer) => return answer,
    };
    let session = held.session.lock().unwrap_or_else(|e| e.into_inner());
    match f(&session) {
        Ok(body) => Answer { status: 200, body },
        Err(r) => refused(&r),
    }
}
