//! juki: an embedded storage engine for Japan's Basic Resident Register (住民基本台帳).
//!
//! One file holds every resident, every version of every resident (the whole history of
//! 異動) and the indexes a resident counter needs. Everything goes through a signed-in
//! [`Session`]: each call checks the operator's permissions and is recorded in a
//! tamper-evident operation log, and My Numbers stay hidden unless explicitly asked for.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("city.redb");
//! use juki::{Address, Change, Date, Fields, HouseholdId, Juki, Kana, MyNumber, Name};
//! use juki::PartialDate;
//! use juki::{PostalCode, Reason, Relationship, ResidentCode, SearchQuery, Sex};
//!
//! // A new register of 芦屋市 (its 全国地方公共団体コード and the address dictionary built in)
//! // and its first administrator, then a session in their name.
//! let juki = Juki::builder(&path)
//!     .municipality("282065")?
//!     .towns(Date::parse("2000-01-01")?, juki::TownDictionary::ashiya_csv())?
//!     .create_with_admin("admin1", "correct horse battery")?;
//! let session = juki.sign_in("admin1", "correct horse battery", "counter-1")?;
//!
//! // 転入: a resident moves into the city.
//! let code = ResidentCode::parse("24727059608")?;
//! let moved_in = Date::parse("令和2年4月1日")?;
//! session.record(&Change::new(Reason::MoveIn, code, moved_in).with(Fields {
//!     my_number: Some(MyNumber::parse("1234-5678-9018")?),
//!     name: Some(Name::parse("山田　太郎")?),
//!     kana: Some(Kana::parse("やまだ たろう")?),
//!     sex: Some(Sex::parse("男")?),
//!     birth: Some(PartialDate::parse("S55.4.1")?),
//!     address: Some(Address::parse("兵庫県芦屋市精道町7番6号")?),
//!     postal: Some(PostalCode::parse("659-0064")?),
//!     household: Some(HouseholdId::parse("1001")?),
//!     relationship: Some(Relationship::parse("世帯主")?),
//!     previous_address: Some(Address::parse("大阪府大阪市北区梅田1-1")?),
//!     ..Fields::default()
//! }))?;
//!
//! // 転居: a move within the city, two years later.
//! let moved = Date::parse("2022-07-01")?;
//! session.record(&Change::new(Reason::Move, code, moved).with(Fields {
//!     address: Some(Address::parse("兵庫県芦屋市打出町2-3")?),
//!     postal: Some(PostalCode::parse("659-0022")?),
//!     ..Fields::default()
//! }))?;
//!
//! // As it stood on a date: the address before the move.
//! let then = session.get_as_of(code, Date::parse("2021-01-01")?)?.expect("a resident then");
//! assert_eq!(then.address.written(), "兵庫県芦屋市精道町7番6号");
//! let now = session.get(code)?.expect("a resident now");
//! assert_eq!(now.version, 2);
//!
//! // 4情報 search: at least two of name, address and birth date.
//! let hits = session.find(&SearchQuery::new().name("ヤマダ")?.birth(Date::parse("1980-04-01")?))?;
//! assert_eq!(hits.len(), 1);
//!
//! // The same through the query language, as the counter's console runs it.
//! let outputs = session.run("FIND name=やまだ birth=S55.4.1; HISTORY 24727059608")?;
//! assert_eq!(outputs.len(), 2);
//! # Ok(()) }
//! ```
//!
//! # The crate
//!
//! * Opening: [`Juki::builder`] gives a [`Builder`] (cache size, key for a file encrypted at
//!   rest, read-only, clock) that opens a register or creates one with its first
//!   administrator; [`Juki::sign_in`] gives a [`Session`].
//! * Writing: a [`Change`] (its [`Reason`], the resident, the 異動日 and the [`Fields`] the
//!   kind takes, as [`FIELD_RULES`] lists) is recorded by [`Session::record`] as one
//!   transaction, or refused with the [`Rule`] it broke; [`Session::record_batch`] and
//!   [`Session::import`] take many in one transaction.
//! * Reading: lookups by resident code, My Number and as of a date give [`Resident`]s;
//!   [`SearchQuery`] is the 4情報 search; households, history, statistics and the change feed
//!   have their methods on [`Session`]. [`Session::run`] takes statement text of the query
//!   language (docs/query-language.md) and gives [`Output`]s.
//! * Serving: [`Server`] owns a register and serves it over a Unix socket beside the file,
//!   and over TCP with TLS for other hosts (HTTP/1.1 with JSON, docs/serve.md), the 異動 of
//!   its many sessions sharing disk syncs; [`Client`] connects to it and gives a [`RemoteSession`] that runs statements and
//!   follows the change feed as a local [`Session`] does.
//! * Errors: every operation returns [`Error`], whose [`ErrorCode`] is one of the stable codes
//!   of the command contract (docs/cli.md). The constructors of the domain types
//!   ([`ResidentCode::parse`], [`Date::parse`] …) return [`InvalidValue`], which `?` turns
//!   into an [`Error`] with the code `INVALID_VALUE`.
//!
//! Inside, data flows one way: statement text → statement → plan → engine → rows, and the
//! folders are those stages' layers: `model` (validated domain types), `store` (the redb
//! file, the 異動 rules, the indexes), `io` (import, export, the generator), `auth`
//! (operators, sessions, the operation log) and `query` (the language). DESIGN.md
//! describes them. The `juki` command and its REPL are the crate's binary, apart from the
//! library: nothing here reads or draws on a terminal.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
pub mod certificate;
mod encryption;
mod error;
mod io;
mod model;
mod query;
mod serve;
mod store;

// Opening a register and signing in.
pub use auth::FeedItems;
pub use auth::{Builder, Juki, Recovered, Restore, RestoreReport, Session, Upgrade, UpgradeReport};
pub use store::{
    cache_for, kept_path, Clock, DEFAULT_CACHE_BYTES, FORMAT_VERSION, LOAD_CACHE_BYTES,
};

// Certificates the counter issues (住民票の写し …).
pub use auth::{Destination, Issued};

// The batches sent to the 住基ネット side (本人確認情報, 送付先情報).
pub use auth::Batch;

// The DV等支援措置 (support measures).
pub use auth::{
    extension_opens, one_year_from, Authority, Measure, MeasureKind, SupportMeasure,
    AUTHORITY_MAX_CHARS,
};

// Errors.
pub use error::{Error, ErrorCode, Result};
pub use model::InvalidValue;
pub use serve::{socket_path, Client, RemoteSession, Server, ServerBuilder, Stopper, TlsFiles};
pub use store::Rule;

// The domain types.
pub use model::{
    Address, ChangeField, Date, FieldRule, HouseholdId, Kana, KanaKey, MyNumber, Name, NameKey,
    PostalCode, Reason, Relationship, ResidentCode, Restatement, RevealedMyNumber, Sex, Status,
    FIELD_RULES, HOUSEHOLD_MOVE, NAME_KEY_VERSION,
};

// The items of the record beyond the core fields (本籍, 旧氏, 通称, the insurance items …).
pub use model::{Item, ItemChanges, ItemGroup, ItemRule, Items, ITEMS};

// The register's municipality, its address dictionary (住所辞書) and placing an address.
pub use model::{
    address_condition, AddressCondition, AddressParts, AreaKind, BlockNumbers, ConditionError,
    DictionaryError, Elsewhere, Inside, LocalGovCode, Municipality, Outside, PlaceBook, PlaceError,
    Placement, Prefecture, Town, TownDictionary, Ward,
};

// The items of the 住民票 for 不詳 dates, 外国人住民 and insurance and pension.
pub use model::{
    BasicPensionNumber, CardKind, CareInsuredNumber, ForeignCategory, InsuredNumber8, LatinName,
    Nationality, NhiRetiredKind, PartialDate, PensionCategory, ResidenceCardNumber,
    ResidenceStatus, StayPeriod,
};

// Changes and what they wrote.
pub use store::{
    Change, Field, FieldSet, Fields, HouseholdMove, Receipt, Warning, Written, MAX_PLAUSIBLE_AGE,
    MOVE_OUT_ADVANCE_DAYS,
};

// Reads.
pub use auth::BasicResident;
pub use store::{
    Counts, Household, MyNumberMatch, NameQuery, Resident, SearchHit, SearchQuery, StatDim,
    StatsRow,
};
// The monthly report and the counts of 異動 and households.
pub use store::{HouseholdRow, Households, Movement, Period, Population, Report, Split};

// Statements of the query language.
pub use query::{completion_words, redact, statement_complete, Cell, Output, Prepared, Rows};
pub use query::{Ran, Refusal, Step};

// Operators, permissions and the operation log.
pub use auth::{
    ArchivedTail, AuditEntry, AuditQuery, ChainReport, OperatorInfo, Permission, Role, Visibility,
    ADMIN_LOCK_MINUTES, LOCK_AFTER_FAILURES, MIN_PASSWORD_CHARS,
};

// The search ceiling and the watch on browsing.
pub use auth::{Alert, WatchLimits, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT};

// Copies in and out, checks and maintenance.
pub use io::consistency::{ConsistencyReport, Damage, Difference, ItemDiff};
pub use io::csv_row::Encoding;
pub use io::export::ExportReport;
pub use io::import::{ImportOptions, ImportReport, Phase, Progress, ProgressEvent, RowError};
pub use store::{manifest_path, BackupReport, CheckReport, CompactReport, Manifest, Problem};

// Encryption at rest.
pub use encryption::{
    erase, is_encrypted, rekey, EraseReport, Key, KeySource, RekeyReport, MIN_KEY_FILE_BYTES,
    MIN_PASSPHRASE_CHARS,
};

/// Synthetic registers for demonstrations and benchmarks: residents with households, names,
/// addresses and identifiers that pass every check, and a history of 異動 for them, from a
/// seed (the same seed gives the same register).
pub mod generator {
    pub use crate::io::generator::{
        history, residents, write_csv, GenChange, GenOptions, GenResident, GenStats, Residents,
        HISTORY_HEADER, RESIDENTS_HEADER,
    };
}

/// What the crate's own tests, benchmarks and fuzz targets reach inside for: the engine
/// without sessions, the parser's stages, the CSV row checks, fault injection. Not part of
/// the API: only with the `testing` feature, and it may change at any release.
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod testing {
    pub use crate::io::csv_row::{validate_row, Header, Records};
    pub use crate::io::generator::parse_history_record;
    pub use crate::model::{address_key, address_key_matches, is_kana_text};
    pub use crate::query::catalogue::{change_entry, entry, Entry, Group, CATALOGUE};
    pub use crate::query::{help, help_for, is_complete, parse, parse_statement, plan, redact};
    pub use crate::query::{ChangeKind, Executor, Plan, Statement};
    pub use crate::serve::read_anything as read_protocol;
    pub use crate::store::crypt;
    #[cfg(fuzzing)]
    pub use crate::store::model_test;
    pub use crate::store::{
        decode_stored_value, manifest_path, town_of, Database, FaultOn, FaultyBackend, StoreError,
    };
}

/// The README's library snippet, compiled as a doc test so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeSnippet;
