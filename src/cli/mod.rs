//! The `juki` command (docs/cli.md): argument parsing, the subcommands, statements from `-c` and
//! standard input, and the exit statuses scripts rely on.

mod args;
mod bench;
mod demo;
mod feed;
mod key;
mod progress;
mod recover;
mod script;
mod signin;

use crate::console::format::{Format, TableStyle};
use crate::console::Console;
use args::{Cli, Command};
use clap::Parser;
use juki::{ImportOptions, Progress};
use juki::{Juki, Session};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Every statement succeeded.
pub const EXIT_OK: u8 = 0;
/// A statement failed (its error was printed).
pub const EXIT_FAILED: u8 = 1;
/// Usage error (bad flags).
pub const EXIT_USAGE: u8 = 2;
/// Sign-in failed.
pub const EXIT_AUTH: u8 = 3;

/// Runs the `juki` command with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    ExitCode::from(run(cli))
}

/// Why the binary cannot go on: the library's error, or one it finds itself (no key to be
/// had, a key given for a plain file), with a code of the contract (docs/cli.md) either way.
#[derive(Debug)]
pub enum Failure {
    /// The library refused or failed.
    Library(juki::Error),
    /// The binary's own finding, with advice about its flags where that helps.
    Own {
        /// The code it is reported under.
        code: juki::ErrorCode,
        /// What is wrong.
        message: String,
    },
}

impl Failure {
    fn own(code: juki::ErrorCode, message: String) -> Failure {
        Failure::Own { code, message }
    }

    /// The code it is reported under.
    pub fn code(&self) -> juki::ErrorCode {
        match self {
            Failure::Library(e) => e.code(),
            Failure::Own { code, .. } => *code,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Library(e) => e.fmt(f),
            Failure::Own { message, .. } => f.write_str(message),
        }
    }
}

impl From<juki::Error> for Failure {
    fn from(e: juki::Error) -> Failure {
        Failure::Library(e)
    }
}

fn fail(code: impl std::fmt::Display, message: impl std::fmt::Display) -> u8 {
    let code = code.to_string();
    eprintln!("error[{code}]: {message}");
    // Whatever refused the operator's credentials (a sign-in, or the key of an encrypted
    // file) ends with the sign-in's status, wherever it was found.
    if code == juki::ErrorCode::AuthFailed.as_str() {
        EXIT_AUTH
    } else {
        EXIT_FAILED
    }
}

fn default_format() -> Format {
    if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    }
}

fn style() -> TableStyle {
    TableStyle {
        width: terminal_size::terminal_size().map_or(120, |(w, _)| w.0 as usize),
        expanded: false,
    }
}

/// Whether the database opens read-only: `--read-only`, or a backup (its manifest beside
/// it) without `--read-write`, which is said on standard error.
fn read_only(cli: &Cli, path: &std::path::Path) -> bool {
    if cli.read_only || cli.read_write {
        return cli.read_only;
    }
    let manifest = juki::manifest_path(path);
    let backup = manifest.is_file();
    if backup {
        eprintln!(
            "note: {} is a backup ({} is beside it): opened read-only, nothing is written to it; give --read-write to change it",
            path.display(),
            manifest.display()
        );
    }
    backup
}

/// The subcommand `--read-only` cannot go with, because writing is what it does.
fn writes_by_nature(command: Option<&Command>) -> Option<&'static str> {
    match command? {
        Command::Demo { .. } => Some("demo"),
        Command::Init { .. } => Some("init"),
        Command::Rekey { .. } => Some("rekey"),
        Command::Erase { .. } => Some("erase"),
        Command::Import { .. } => Some("import"),
        Command::Restore { .. } => Some("restore"),
        Command::Upgrade => Some("upgrade"),
        Command::Recover { .. } => Some("recover"),
        Command::Gen { .. }
        | Command::Bench { .. }
        | Command::Changes { .. }
        | Command::Serve { .. } => None,
    }
}

/// Runs the parsed command line; the exit status.
fn run(cli: Cli) -> u8 {
    let db_path = cli.db.clone().unwrap_or_else(|| PathBuf::from("juki.redb"));
    let key_file = cli.key_file.as_deref();
    if let Some(name) = writes_by_nature(cli.command.as_ref()).filter(|_| cli.read_only) {
        eprintln!("error: --read-only does not go with juki {name}, which writes");
        return EXIT_USAGE;
    }
    match cli.command {
        Some(Command::Demo { count, no_repl }) => {
            demo::run(count, no_repl, cli.format, cli.dates, cli.idle_minutes)
        }
        Some(Command::Init {
            ref admin,
            encrypt,
            ref municipality,
            ref towns,
        }) => {
            if key_file.is_some() && !encrypt {
                eprintln!("error: --key-file with init needs --encrypt");
                return EXIT_USAGE;
            }
            let builder = match with_place(Juki::builder(&db_path), municipality, towns.as_deref())
            {
                Ok(b) => b,
                Err(status) => return status,
            };
            init(builder, &db_path, admin, encrypt, key_file)
        }
        Some(Command::Rekey {
            ref new_key_file,
            encrypt,
        }) => key::rekey(
            &db_path,
            key_file,
            new_key_file.as_deref(),
            encrypt,
            cli.operator.clone(),
            &signin::terminal(cli.terminal.clone()),
        ),
        Some(Command::Erase { ref copies, yes }) => key::erase(
            &db_path,
            copies,
            key_file,
            yes,
            cli.operator.clone(),
            &signin::terminal(cli.terminal.clone()),
        ),
        Some(Command::Gen {
            count,
            seed,
            history,
            ref out,
            ref today,
        }) => match juki::Date::parse(today) {
            Ok(today) => demo::gen(count, seed, history, today, out),
            Err(e) => {
                eprintln!("error: --today: {e}");
                EXIT_USAGE
            }
        },
        Some(Command::Bench { residents, lookups }) => bench::run(residents, lookups),
        Some(Command::Serve { .. }) => serve(&cli, &db_path),
        Some(Command::Import { .. }) => import(&cli, &db_path),
        Some(Command::Changes {
            since,
            follow,
            interval_ms,
            with_my_number,
            notification,
        }) => feed::run(feed::Feed {
            remote: remote(&cli, &db_path),
            read_only: read_only(&cli, &db_path),
            db: db_path,
            key_file: cli.key_file.clone(),
            operator: cli.operator.clone(),
            terminal: cli.terminal.clone(),
            since,
            follow,
            interval: std::time::Duration::from_millis(interval_ms.max(10)),
            items: if notification {
                juki::FeedItems::Notification
            } else if with_my_number {
                juki::FeedItems::WithMyNumber
            } else {
                juki::FeedItems::Masked
            },
        }),
        Some(Command::Restore { ref from, force }) => restore(
            from,
            &db_path,
            force,
            cli.operator.clone(),
            cli.terminal.clone(),
            key_file,
        ),
        Some(Command::Recover { ref admin }) => recover::run(
            &db_path,
            admin,
            key_file,
            &signin::terminal(cli.terminal.clone()),
        ),
        Some(Command::Upgrade) => upgrade(
            &db_path,
            cli.operator.clone(),
            cli.terminal.clone(),
            key_file,
        ),
        None => console(&cli, &db_path),
    }
}

/// `juki upgrade`: an administrator of the register signs in against the upgraded copy.
fn upgrade(
    path: &std::path::Path,
    operator: Option<String>,
    terminal: Option<String>,
    key_file: Option<&std::path::Path>,
) -> u8 {
    let key = if juki::is_encrypted(path).unwrap_or(false) {
        match key::for_open(path, key_file) {
            Ok(k) => Some(k),
            Err(e) => return fail(e.code(), e),
        }
    } else {
        None
    };
    let terminal = signin::terminal(terminal);
    let credentials = signin::operator(operator)
        .and_then(|op| signin::password(&format!("password for {op}: ")).map(|pw| (op, pw)));
    let (operator, password) = match credentials {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error[AUTH_FAILED]: {}", e.0);
            return EXIT_AUTH;
        }
    };
    let request = juki::Upgrade {
        path,
        operator: &operator,
        password: &password,
        terminal: &terminal,
        key: key.as_ref(),
    };
    match Juki::upgrade(&request) {
        Ok(report) => {
            println!("{report}");
            EXIT_OK
        }
        Err(e) if e.code() == juki::ErrorCode::AuthFailed => {
            eprintln!("error[AUTH_FAILED]: sign-in failed");
            EXIT_AUTH
        }
        Err(e) => fail(e.code(), e),
    }
}

/// The credentials the command line gives or the terminal is asked for, before the file at
/// `path` is opened (a missing file is said first); the exit status on failure.
fn credentials(cli: &Cli, path: &std::path::Path) -> Result<signin::Credentials, u8> {
    match juki::is_encrypted(path) {
        Err(e) if e.code() == juki::ErrorCode::NotFound && cli.server.is_none() => {
            return Err(fail(e.code(), e))
        }
        _ => {}
    }
    signin::credentials(cli.operator.clone())
        .map_err(|(code, message)| fail(code.as_str(), message))
}

/// Signs in on `juki` with `credentials`; the exit status on failure.
fn sign_in(juki: &Juki, cli: &Cli, credentials: &signin::Credentials) -> Result<Session, u8> {
    let terminal = signin::terminal(cli.terminal.clone());
    signin::sign_in(juki, credentials, &terminal)
        .map_err(|(code, message)| fail(code.as_str(), message))
}

/// `juki import FILE`: the load with a progress bar on a terminal, then its report.
fn import(cli: &Cli, db_path: &std::path::Path) -> u8 {
    let Some(Command::Import {
        file,
        skip_bad,
        encoding,
        staging_mib,
        cache_mib,
    }) = &cli.command
    else {
        unreachable!("import is called for the import subcommand");
    };
    let Some(encoding) = juki::Encoding::parse(encoding) else {
        eprintln!("error: --encoding {encoding}: use utf-8 or cp932");
        return EXIT_USAGE;
    };
    let cache = (*cache_mib).max(1) << 20;
    if let Some(server) = &cli.server {
        eprintln!(
            "error: juki import reads its files where the register is: run it on the host of {server}"
        );
        return EXIT_USAGE;
    }
    let credentials = match credentials(cli, db_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut opts = ImportOptions::new(file);
    opts.skip_bad.clone_from(skip_bad);
    opts.encoding = encoding;
    opts.staging_budget = (*staging_mib).max(1) << 20;
    let mut bar = progress::Bar::on_stderr();
    let result = if let Some(server) = remote(cli, db_path) {
        // The server holds the file: it reads the files and writes the register.
        let terminal = signin::terminal(cli.terminal.clone());
        let session = match signin::sign_in_served(&server, &credentials, &terminal) {
            Ok(s) => s,
            Err((code, message)) => return fail(code.as_str(), message),
        };
        session.import(&opts, Progress::To(&mut |e| bar.show(e)))
    } else {
        let read_only = read_only(cli, db_path);
        let juki = match key::open_with_cache(db_path, cli.key_file.as_deref(), cache, read_only) {
            Ok(j) => j,
            Err(e) => return fail(e.code(), e),
        };
        let session = match sign_in(&juki, cli, &credentials) {
            Ok(s) => s,
            Err(code) => return code,
        };
        session.import(&opts, Progress::To(&mut |e| bar.show(e)))
    };
    bar.finish();
    match result {
        Ok(report) => {
            println!("{report}");
            EXIT_OK
        }
        Err(e) if e.code() == juki::ErrorCode::InvalidValue && skip_bad.is_none() => fail(
            e.code(),
            format_args!("{e}\nhint: give --skip-bad REJECTS.csv to load the good rows and set the bad ones aside"),
        ),
        Err(e) => fail(e.code(), e),
    }
}

/// `juki serve`: opens the register and serves it until SIGTERM or SIGINT.
fn serve(cli: &Cli, db_path: &std::path::Path) -> u8 {
    let Some(Command::Serve {
        session_idle_minutes,
        max_connections,
        listen,
        tls_cert,
        tls_key,
    }) = &cli.command
    else {
        unreachable!("serve is called for the serve subcommand");
    };
    let juki = match key::open(db_path, cli.key_file.as_deref(), read_only(cli, db_path)) {
        Ok(j) => j,
        Err(e) => return fail(e.code(), e),
    };
    let mut server = juki::Server::builder(juki)
        .idle_timeout(std::time::Duration::from_secs(
            (*session_idle_minutes).max(1) * 60,
        ))
        .max_connections(*max_connections);
    if let Some(address) = listen {
        server = server.tcp(*address);
    }
    if let (Some(certificate), Some(key)) = (tls_cert, tls_key) {
        server = server.tls(juki::TlsFiles {
            certificate: certificate.clone(),
            key: key.clone(),
        });
    }
    let server = match server.bind() {
        Ok(s) => s,
        Err(e) => return fail(e.code(), e),
    };
    let tcp = match server.tcp_address() {
        Some(address) if server.is_tls() => format!(" and {address} (TLS)"),
        Some(address) => format!(" and {address} (loopback, no TLS)"),
        None => String::new(),
    };
    eprintln!(
        "serving {} on {}{tcp} (stop with SIGTERM or Ctrl-C)",
        db_path.display(),
        server.socket().display()
    );
    match server.run() {
        Ok(()) => {
            eprintln!("stopped; the socket is removed");
            EXIT_OK
        }
        Err(e) => fail(e.code(), e),
    }
}

/// A server to go through instead of opening the register file.
#[derive(Debug, Clone)]
pub(crate) enum Remote {
    /// The socket beside the register, on this host.
    Socket(PathBuf),
    /// `--server HOST:PORT`, with TLS when a certificate authority file is given.
    Tcp {
        address: String,
        ca: Option<PathBuf>,
    },
}

impl Remote {
    /// A connection to it.
    pub fn connect(&self) -> juki::Result<juki::Client> {
        match self {
            Remote::Socket(socket) => juki::Client::connect(socket),
            Remote::Tcp {
                address,
                ca: Some(ca),
            } => juki::Client::connect_tls(address, ca),
            Remote::Tcp { address, ca: None } => juki::Client::connect_tcp(address),
        }
    }
}

/// The server to go through: the one `--server` names, else the one that answers on the
/// socket beside the register at `db_path`, if any.
pub(crate) fn remote(cli: &Cli, db_path: &std::path::Path) -> Option<Remote> {
    if let Some(address) = &cli.server {
        return Some(Remote::Tcp {
            address: address.clone(),
            ca: cli.ca_cert.clone(),
        });
    }
    let socket = juki::socket_path(db_path);
    std::os::unix::net::UnixStream::connect(&socket)
        .is_ok()
        .then_some(Remote::Socket(socket))
}

/// No subcommand: statements from `-c`, standard input or the REPL, signed in on the file,
/// or through the server that holds it.
fn console(cli: &Cli, db_path: &std::path::Path) -> u8 {
    let credentials = match credentials(cli, db_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let link = match remote(cli, db_path) {
        Some(server) => {
            let terminal = signin::terminal(cli.terminal.clone());
            match signin::sign_in_served(&server, &credentials, &terminal) {
                Ok(s) => crate::console::Link::Remote(s),
                Err((code, message)) => return fail(code.as_str(), message),
            }
        }
        None => {
            let juki = match key::open(db_path, cli.key_file.as_deref(), read_only(cli, db_path)) {
                Ok(j) => j,
                Err(e) => return fail(e.code(), e),
            };
            match sign_in(&juki, cli, &credentials) {
                Ok(s) => crate::console::Link::Local(s),
                Err(code) => return code,
            }
        }
    };
    drop(credentials);
    let mut console = Console {
        link,
        format: cli.format.unwrap_or_else(default_format),
        style: style(),
        dates: cli.dates,
        timing: false,
    };
    statements(&mut console, &cli.commands, cli.idle_minutes)
}

/// `juki init`: a new file with its first administrator, whose password is asked for (twice
/// on a terminal) or taken from `$JUKI_PASSWORD`.
/// The builder of a new register with its municipality and first address dictionary:
/// `towns`, else for 芦屋市 the one built in, in force from `PlaceBook::first_day`. A
/// problem is reported
/// here; the error is the exit status.
fn with_place(
    builder: juki::Builder,
    municipality: &str,
    towns: Option<&std::path::Path>,
) -> Result<juki::Builder, u8> {
    let invalid = |e: juki::Error| fail(e.code(), e);
    let builder = builder.municipality(municipality).map_err(invalid)?;
    let csv: Vec<u8> = match towns {
        Some(file) => {
            std::fs::read(file).map_err(|e| fail("IO", format!("{}: {e}", file.display())))?
        }
        None if builder.is_ashiya() => juki::TownDictionary::ashiya_csv().into(),
        None => return Ok(builder),
    };
    builder
        .towns(juki::PlaceBook::first_day(), csv)
        .map_err(invalid)
}

fn init(
    builder: juki::Builder,
    path: &std::path::Path,
    admin: &str,
    encrypt: bool,
    key_file: Option<&std::path::Path>,
) -> u8 {
    let first = match signin::password(&format!(
        "password for {admin} (at least {} characters): ",
        juki::MIN_PASSWORD_CHARS
    )) {
        Ok(p) => p,
        Err(e) => return fail("AUTH_FAILED", e.0),
    };
    if std::io::stdin().is_terminal() {
        match signin::password("again: ") {
            Ok(again) if again == first => {}
            Ok(_) => return fail("INVALID_VALUE", "the two passwords differ"),
            Err(e) => return fail("AUTH_FAILED", e.0),
        }
    }
    if encrypt && path.exists() {
        return fail(
            "IO",
            format!(
                "{} already exists; juki will not overwrite it",
                path.display()
            ),
        );
    }
    let created = if encrypt {
        match key::for_init(key_file) {
            Ok(k) => builder.key(k.clone()).create_with_admin(admin, &first),
            Err(e) => return fail("INVALID_VALUE", e),
        }
    } else {
        builder.create_with_admin(admin, &first)
    };
    match created {
        Ok(juki) => {
            let place = juki.place();
            let m = place.as_ref().map(|b| b.municipality());
            println!(
                "created {} for {} with administrator {admin}",
                path.display(),
                m.map_or(String::new(), |m| format!("{m} ({})", m.code()))
            );
            if let Some(d) = place.as_ref().and_then(|b| b.versions().last()) {
                println!(
                    "address dictionary: {} 町字, in force from {}",
                    d.1.towns().len(),
                    d.0
                );
            }
            EXIT_OK
        }
        Err(e) => fail(e.code(), e),
    }
}

/// `juki restore`: the operator and password come as for any sign-in; the operator signs in
/// against the backup itself.
fn restore(
    from: &std::path::Path,
    to: &std::path::Path,
    force: bool,
    operator: Option<String>,
    terminal: Option<String>,
    key_file: Option<&std::path::Path>,
) -> u8 {
    // An encrypted backup opens with its database's key, from the usual sources.
    let key = if juki::is_encrypted(from).unwrap_or(false) {
        match key::for_open(from, key_file) {
            Ok(k) => Some(k),
            Err(e) => return fail(e.code(), e),
        }
    } else {
        None
    };
    let terminal = signin::terminal(terminal);
    let credentials = signin::operator(operator).and_then(|op| {
        signin::password(&format!("password for {op} (as in the backup): ")).map(|pw| (op, pw))
    });
    let (operator, password) = match credentials {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error[AUTH_FAILED]: {}", e.0);
            return EXIT_AUTH;
        }
    };
    let request = juki::Restore {
        from,
        to,
        force,
        operator: &operator,
        password: &password,
        terminal: &terminal,
        key: key.as_ref(),
    };
    match Juki::restore(&request) {
        Ok(report) => {
            println!("{report}");
            EXIT_OK
        }
        Err(e) if e.code() == juki::ErrorCode::AuthFailed => {
            eprintln!("error[AUTH_FAILED]: sign-in against the backup failed");
            EXIT_AUTH
        }
        Err(e) if !force && e.code() == juki::ErrorCode::Io && to.exists() => fail(
            e.code(),
            format_args!("{e}\nhint: give --force to replace it with the backup"),
        ),
        Err(e) => fail(e.code(), e),
    }
}

/// Runs `-c` statements, else standard input when it is not a terminal, else the REPL.
fn statements(console: &mut Console, commands: &[String], idle_minutes: u64) -> u8 {
    if !commands.is_empty() {
        let mut out = std::io::stdout().lock();
        let mut err = std::io::stderr();
        for c in commands {
            if !console.run_text(c, &mut out, &mut err) {
                return EXIT_FAILED;
            }
        }
        return EXIT_OK;
    }
    if !std::io::stdin().is_terminal() {
        let input = std::io::stdin().lock();
        let outcome = script::run(
            console,
            input,
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        );
        return match outcome {
            Ok(()) => EXIT_OK,
            Err(script::Stopped::Failed) => EXIT_FAILED,
            Err(script::Stopped::Input(message)) => fail("IO", message),
        };
    }
    if crate::repl::run(console, idle_minutes) {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}
