//! The command line of `juki`, as fixed by docs/cli.md: the REPL, `-c`, standard input, and the
//! subcommands.

use crate::console::format::{DateStyle, Format};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// juki: the Basic Resident Register (住民基本台帳) engine and operator console.
#[derive(Debug, Parser)]
#[command(name = "juki", version, about, long_about = None)]
pub struct Cli {
    /// The database file (default: $JUKI_DB, else ./juki.redb).
    #[arg(long, global = true, env = "JUKI_DB")]
    pub db: Option<PathBuf>,
    /// The operator signing in.
    #[arg(long, global = true)]
    pub operator: Option<String>,
    /// The key file of an encrypted database (without it the passphrase comes from
    /// $JUKI_KEY or the terminal).
    #[arg(long, global = true, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Open the database read-only: nothing is written to the file, not even the sign-in
    /// or the operation log; every change is refused (PERMISSION_DENIED). For the console
    /// and `changes`.
    #[arg(long, global = true, conflicts_with = "read_write")]
    pub read_only: bool,
    /// Open a backup (a file with BACKUP.manifest.json beside it) for reads and writes;
    /// without it a backup opens read-only, so that `juki restore` still accepts it.
    #[arg(long, global = true)]
    pub read_write: bool,
    /// Go through the server at HOST:PORT (`juki serve --listen`) instead of the register
    /// file: the console, `-c`, scripts and `changes`. With TLS when --ca-cert is given;
    /// in the clear only to a loopback address.
    #[arg(long, global = true, env = "JUKI_SERVER", value_name = "HOST:PORT")]
    pub server: Option<String>,
    /// The certificate authorities (PEM) that the --server's certificate must come from.
    #[arg(long, global = true, env = "JUKI_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// The terminal name recorded with every operation (default: the host name).
    #[arg(long, global = true)]
    pub terminal: Option<String>,
    /// A statement to run; repeat to run several in order (stops at the first failure).
    #[arg(short = 'c', value_name = "STATEMENT")]
    pub commands: Vec<String>,
    /// Minutes without input after which the console clears the screen and asks for the
    /// password again.
    #[arg(long, global = true, env = "JUKI_IDLE_MINUTES", default_value_t = 5)]
    pub idle_minutes: u64,
    /// Output format (default: table on a terminal, json otherwise).
    #[arg(long, value_enum, global = true)]
    pub format: Option<Format>,
    /// How dates are printed: iso (1980-04-01) or era (昭和55年4月1日).
    #[arg(long, value_enum, global = true, value_name = "STYLE", default_value_t = DateStyle::Iso)]
    pub dates: DateStyle,
    /// The subcommand; without one, the REPL (or standard input, when it is not a terminal).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a 10,000-resident demo database in a fresh directory and open the REPL on it.
    Demo {
        /// Residents in the demo database.
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        /// Create the database and exit instead of opening the REPL.
        #[arg(long)]
        no_repl: bool,
    },
    /// Own the register and serve every client through a Unix socket beside it
    /// (FILE.sock, mode 0600), and on TCP when --listen is given: the console, `-c` and
    /// scripts go through the server while it runs. Stops on SIGTERM, SIGINT or SIGHUP after
    /// the statements in flight.
    Serve {
        /// Also listen on TCP at this address (as 0.0.0.0:5480); without --tls-cert and
        /// --tls-key only a loopback address (127.0.0.1:5480) is accepted.
        #[arg(long, value_name = "ADDRESS:PORT")]
        listen: Option<std::net::SocketAddr>,
        /// The server's certificate (PEM, then any intermediates) for TLS on --listen.
        #[arg(long, value_name = "FILE", requires = "tls_key", requires = "listen")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM, mode 0600).
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Minutes a signed-in session may go unused before the server ends it.
        #[arg(long, default_value_t = 15)]
        session_idle_minutes: u64,
        /// The most client connections open at once.
        #[arg(long, default_value_t = 256)]
        max_connections: usize,
    },
    /// Create a new, empty database file with its first administrator.
    Init {
        /// The first administrator's operator id.
        #[arg(long)]
        admin: String,
        /// The register's municipality: its 全国地方公共団体コード (e.g. 282065 for 芦屋市).
        /// It cannot be changed later.
        #[arg(long, value_name = "CODE")]
        municipality: String,
        /// The municipality's address dictionary (CSV, docs/address-dictionary.md). For
        /// 芦屋市 (282065) the one built in is used when none is given; for any other
        /// municipality, addresses cannot be written until one is loaded (here or with
        /// LOAD TOWNS).
        #[arg(long, value_name = "FILE")]
        towns: Option<PathBuf>,
        /// Encrypt the file at rest: under a passphrase ($JUKI_KEY or asked twice) or, with
        /// --key-file FILE, under a key file (written with 32 random bytes if FILE does not
        /// exist).
        #[arg(long)]
        encrypt: bool,
    },
    /// Re-encrypt an encrypted database under a new data key and a new passphrase
    /// ($JUKI_NEW_KEY or asked twice) or key file; with --encrypt, encrypt a plain one. An
    /// administrator signs in first.
    Rekey {
        /// The new key file (written with 32 random bytes if it does not exist).
        #[arg(long, value_name = "FILE")]
        new_key_file: Option<PathBuf>,
        /// Encrypt a database that is not encrypted yet.
        #[arg(long)]
        encrypt: bool,
    },
    /// Crypto-erase: destroy the data key of an encrypted database in its header and in the
    /// headers of the given backups (which must carry the same key), and delete the key
    /// file given with --key-file. The contents become unrecoverable. An administrator signs
    /// in first, with the file's key (--operator, the password and the key as for any open).
    Erase {
        /// Backups of the database to erase with it.
        #[arg(value_name = "BACKUP")]
        copies: Vec<PathBuf>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Write synthetic residents in the import format.
    Gen {
        /// How many residents.
        #[arg(long)]
        count: usize,
        /// The seed: the same seed gives the same file.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also write a companion file of 異動 (FILE.history.csv).
        #[arg(long)]
        history: bool,
        /// The residents CSV to write.
        #[arg(long)]
        out: PathBuf,
        /// The date the register is generated as of: nothing is dated after it. Fixed by
        /// default so that the same seed gives the same file on any day.
        #[arg(long, default_value = "2026-04-01")]
        today: String,
    },
    /// Bulk import a residents CSV.
    Import {
        /// The residents CSV.
        file: PathBuf,
        /// Write bad rows here and import the good ones.
        #[arg(long, value_name = "REJECTS.csv")]
        skip_bad: Option<PathBuf>,
        /// The file's encoding.
        #[arg(long, default_value = "utf-8")]
        encoding: String,
        /// Memory (MiB) a pass of the load may hold before it is written to the tables (one
        /// pass is written while the next fills); more makes a large load faster and its
        /// memory larger.
        #[arg(long, value_name = "MiB", default_value_t = 128)]
        staging_mib: usize,
        /// The database's page cache (MiB) during the load.
        #[arg(long, value_name = "MiB", default_value_t = juki::LOAD_CACHE_BYTES >> 20)]
        cache_mib: usize,
    },
    /// Measure the cost of the operation log: lookups through the engine directly and
    /// through a signed-in session, on a generated register.
    Bench {
        /// Residents in the generated register.
        #[arg(long, default_value_t = 100_000)]
        residents: usize,
        /// Lookups a round.
        #[arg(long, default_value_t = 200_000)]
        lookups: usize,
    },
    /// Restore a backup made by BACKUP TO into the file given by --db, after verifying it
    /// (manifest, size, SHA-256, counts, CHECK). The operator signs in against the backup
    /// and must be an administrator there, and of the register --force replaces, whose
    /// later log entries are kept in the restored file.
    Restore {
        /// The backup to restore (its manifest is BACKUP.manifest.json).
        #[arg(long, value_name = "BACKUP")]
        from: PathBuf,
        /// Replace an existing database file (never one another process has open).
        #[arg(long)]
        force: bool,
    },
    /// Rewrite a database file of an earlier storage format in the current one: the
    /// upgraded copy is made beside it, an administrator signs in against it, CHECK runs on
    /// it and the upgrade is logged; then it replaces the file, and the original is kept as
    /// FILE.format<N>.
    Upgrade,
    /// Give administration back to a register nobody can administer any more: the
    /// operating-system owner of the file (and, for an encrypted one, the holder of its key)
    /// gives the administrator ADMIN a new password, enabled and unlocked, or makes a new
    /// administrator of that id. Logged in the register's operation log.
    Recover {
        /// The administrator's id.
        #[arg(long)]
        admin: String,
    },
    /// Print the change feed after an update sequence number as JSON Lines; with
    /// `--follow`, keep printing changes as they are committed.
    Changes {
        /// Print the changes after this update sequence number (0: from the start).
        #[arg(long, default_value_t = 0)]
        since: u64,
        /// Keep running: print each change once it is committed.
        #[arg(long)]
        follow: bool,
        /// With --follow, how often to look for new changes, in milliseconds.
        #[arg(long, default_value_t = 1000)]
        interval_ms: u64,
        /// Show each entry's My Number (the operator needs the my_number permission; the
        /// read is logged as such). Masked otherwise.
        #[arg(long)]
        with_my_number: bool,
        /// Print the 本人確認情報 notification instead: every item the prefecture keeps,
        /// My Numbers in full (the operator needs the notification permission).
        #[arg(long, conflicts_with = "with_my_number")]
        notification: bool,
    },
}
