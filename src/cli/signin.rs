//! Signing in from the command line: the operator id and password come from the flags, the
//! terminal, or (when there is no terminal) `$JUKI_OPERATOR` and `$JUKI_PASSWORD`.

use juki::{Juki, Session};
use std::io::{BufRead, IsTerminal, Write};

/// Why no credentials could be had.
#[derive(Debug)]
pub struct NoCredentials(pub String);

fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Reads a password: from the terminal without echo, else from `$JUKI_PASSWORD`.
pub fn password(prompt: &str) -> Result<String, NoCredentials> {
    if interactive() {
        rpassword::prompt_password(prompt)
            .map_err(|e| NoCredentials(format!("reading the password: {e}")))
    } else {
        std::env::var("JUKI_PASSWORD").map_err(|_| {
            NoCredentials("no terminal to ask for the password: set $JUKI_PASSWORD".into())
        })
    }
}

/// The operator id: the flag, else `$JUKI_OPERATOR`, else asked on the terminal.
pub fn operator(flag: Option<String>) -> Result<String, NoCredentials> {
    if let Some(op) = flag.or_else(|| std::env::var("JUKI_OPERATOR").ok()) {
        return Ok(op);
    }
    if !interactive() {
        return Err(NoCredentials(
            "no operator: give --operator ID or set $JUKI_OPERATOR".into(),
        ));
    }
    print!("operator: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| NoCredentials(format!("reading the operator id: {e}")))?;
    Ok(line.trim().to_string())
}

/// The terminal name: the flag, else the host name.
pub fn terminal(flag: Option<String>) -> String {
    flag.or_else(|| {
        std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|s| s.trim().to_string())
    })
    .filter(|s| !s.is_empty())
    .unwrap_or_else(|| "localhost".to_string())
}

/// An operator id and their password.
pub struct Credentials {
    operator: String,
    password: zeroize::Zeroizing<String>,
}

/// The credentials of a sign-in, asking for what is missing; taken before the file is
/// opened, so that a sign-in that cannot even be tried leaves the file as it was. Missing
/// credentials are `AUTH_FAILED`.
pub fn credentials(operator: Option<String>) -> Result<Credentials, (juki::ErrorCode, String)> {
    let auth = |m: String| (juki::ErrorCode::AuthFailed, m);
    let op = operator_or(operator).map_err(auth)?;
    let pw = password(&format!("password for {op}: ")).map_err(|e| auth(e.0))?;
    Ok(Credentials {
        operator: op,
        password: zeroize::Zeroizing::new(pw),
    })
}

/// Signs in on `juki` with `credentials`. The error's code and message: refused
/// credentials are `AUTH_FAILED`; anything else (a full disk while the attempt is logged,
/// say) keeps its own code.
pub fn sign_in(
    juki: &Juki,
    credentials: &Credentials,
    terminal: &str,
) -> Result<Session, (juki::ErrorCode, String)> {
    juki.sign_in(&credentials.operator, &credentials.password, terminal)
        .map_err(|e| (e.code(), e.to_string()))
}

/// Signs in through `server` with `credentials`; errors as for [`sign_in`].
pub fn sign_in_served(
    server: &super::Remote,
    credentials: &Credentials,
    terminal: &str,
) -> Result<juki::RemoteSession, (juki::ErrorCode, String)> {
    server
        .connect()
        .and_then(|c| c.sign_in(&credentials.operator, &credentials.password, terminal))
        .map_err(|e| match server {
            // Off loopback, or a server that speaks TLS: the flag that is missing.
            super::Remote::Tcp { ca: None, .. }
                if matches!(e.code(), juki::ErrorCode::InvalidValue | juki::ErrorCode::Io) =>
            {
                (
                    e.code(),
                    format!("{e}\nhint: give --ca-cert FILE, the certificate authority of the server's certificate"),
                )
            }
            _ => (e.code(), e.to_string()),
        })
}

fn operator_or(flag: Option<String>) -> Result<String, String> {
    self::operator(flag).map_err(|e| e.0)
}
