//! The permission matrix, generated from the statement catalogue: every statement of
//! `juki::testing::CATALOGUE` run by every role, through `Session::prepare` and
//! `Session::execute`, on a prepared register.
//!
//! Each statement's example is adapted to the register ([`adapt`]: real resident codes,
//! files under a temporary directory, the state the statement needs set up by the
//! administrator first) so that it succeeds for a role that may run it. Then:
//!
//! * a role lacking a permission the statement needs is refused with `PERMISSION_DENIED`
//!   naming what it lacks, and nothing moved: the register's digest and counts, the
//!   operators, the address dictionary and the files of the directory are as before;
//! * a role holding every permission is not refused for want of one: it runs the statement
//!   on a fresh copy of the register and succeeds (or gets the one outcome the case names,
//!   e.g. PASSWORD outside the interactive console).
//!
//! What a statement needs is the catalogue's `needs` and the rules beyond it: a 異動 with
//! `my_number=` needs the My Number permission ([`juki::testing::Entry::my_number_when_given`])
//! and every item a 異動 sets needs the permission of its group
//! ([`Permission::for_items`]). Variants of the examples exercise both.
//!
//! A statement added to the catalogue is covered without a change here: its example runs as
//! it stands (its paths moved under the temporary directory); if it cannot succeed there the
//! test fails naming it, and [`adapt`] needs a case for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

use common::{date, ADMIN, PASSWORD, TODAY};
use juki::testing::{change_entry, ChangeKind, Entry, CATALOGUE};
use juki::{ChangeField, Clock, ErrorCode, ItemGroup, Juki, Output, Permission, Role, Session};

/// Every operator but the administrator signs in with this.
const SECRET: &str = "operator-pass-1";

/// The residents of the examples: 太郎 (the 世帯主 of household 1001) and his son.
const TARO: &str = "24727059608";
const JIRO: &str = "12345678903";
/// 太郎's My Number (the one GET MYNUMBER's example looks up).
const TARO_NUMBER: &str = "123456789018";

// ---- the register ----

/// The prepared register: a database file closed in `dir`, copied for every run.
struct Template {
    dir: tempfile::TempDir,
    /// 太郎's 宛名番号 (what GET ATENA's example stands for).
    taro_atena: u64,
}

/// A resident code the register does not hold, for a case that creates a resident.
fn fresh_code() -> String {
    juki::ResidentCode::from_serial(5_830_017_294).to_string()
}

/// The valid My Number of an eleven-digit serial (no resident of the register holds the
/// ones used here).
fn fresh_number(serial: u64) -> String {
    juki::MyNumber::from_serial(serial).reveal().to_string()
}

/// The register of 芦屋市 with 太郎 and 次郎 and one operator of every role (ids are the
/// role names).
fn template() -> Template {
    let dir = tempfile::tempdir().unwrap();
    let juki = Juki::builder(dir.path().join("juki.redb"))
        .municipality("282065")
        .unwrap()
        .towns(date("2000-01-01"), juki::TownDictionary::ashiya_csv())
        .unwrap()
        .create_with_admin(ADMIN, PASSWORD)
        .unwrap();
    juki.set_clock(Clock::Fixed(date(TODAY)));
    let admin = juki.sign_in(ADMIN, PASSWORD, "setup").unwrap();
    let jiro_number = fresh_number(38_164_927_305);
    for text in [
        format!("MOVE IN {TARO} my_number={TARO_NUMBER} name='山田 太郎' kana='ヤマダ タロ' sex=男 birth=S55.4.1 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=世帯主 from=大阪市北区梅田1-1 ON R2.4.1"),
        format!("MOVE IN {JIRO} my_number={jiro_number} name='山田 次郎' kana='ヤマダ ジロウ' sex=男 birth=2005-05-05 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=子 from=大阪市北区梅田1-1 ON R2.4.1"),
    ] {
        admin.run(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    for role in Role::ALL {
        if role != Role::Admin {
            admin.create_operator(role.name(), role, SECRET).unwrap();
        }
    }
    let taro_atena = admin
        .get(juki::ResidentCode::parse(TARO).unwrap())
        .unwrap()
        .unwrap()
        .atena_number;
    drop(admin);
    drop(juki);
    Template { dir, taro_atena }
}

/// A copy of the template in a directory of its own, open, with its clock at `today`; the
/// files a statement reads or writes go to `files`.
struct Copy {
    _dir: tempfile::TempDir,
    juki: Juki,
    files: PathBuf,
}

impl Template {
    fn copy(&self, today: &str) -> Copy {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
            }
        }
        let files = dir.path().join("files");
        std::fs::create_dir(&files).unwrap();
        let juki = Juki::builder(dir.path().join("juki.redb")).open().unwrap();
        juki.set_clock(Clock::Fixed(date(today)));
        Copy {
            _dir: dir,
            juki,
            files,
        }
    }
}

fn sign_in(juki: &Juki, role: Role) -> Session {
    let (id, password) = match role {
        Role::Admin => (ADMIN, PASSWORD),
        r => (r.name(), SECRET),
    };
    juki.sign_in(id, password, "counter-3")
        .unwrap_or_else(|e| panic!("{role} signing in: {e}"))
}

/// Runs statement text as the console does: read whole, then each statement in turn until
/// one fails.
fn run(s: &Session, text: &str) -> Result<Vec<Output>, juki::Error> {
    let mut outputs = Vec::new();
    for statement in &s.prepare(text)? {
        outputs.push(s.execute(statement)?);
    }
    Ok(outputs)
}

// ---- the cases ----

/// One statement to run by every role.
#[derive(Clone)]
struct Case {
    /// The statement and variant, for the failure messages.
    label: String,
    /// Files to put in the files directory first: (name, content).
    inputs: Vec<(&'static str, String)>,
    /// What the administrator runs first; `{files}` is the files directory.
    setup: Vec<String>,
    /// The statement; `{files}` is the files directory.
    text: String,
    /// The day the clock shows.
    today: &'static str,
    /// Every permission the statement needs.
    needs: Vec<Permission>,
    /// The error code a role that may run it gets when the statement cannot succeed in this
    /// harness at all (PASSWORD asks at the terminal); `None`: it succeeds.
    allowed_code: Option<&'static str>,
}

impl Case {
    fn fill(&self, text: &str, files: &Path) -> String {
        text.replace("{files}", &files.display().to_string())
    }

    /// Whether `role` holds every permission the case needs.
    fn allowed_for(&self, role: Role) -> bool {
        self.needs.iter().all(|p| role.allows(*p))
    }
}

/// Moves every quoted absolute path of `text` (`'/exports/residents.csv'`) into the files
/// directory, keeping its file name.
fn paths_into_files(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("'/") {
        out.push_str(&rest[..at + 1]);
        let after = &rest[at + 1..];
        let end = after.find('\'').unwrap_or(after.len());
        let name = after[..end].rsplit('/').next().unwrap_or_default();
        out.push_str(&format!("{{files}}/{name}"));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The 異動 kind of a catalogue row, if it records one.
fn kind_of(e: &Entry) -> Option<ChangeKind> {
    ChangeKind::ALL
        .into_iter()
        .find(|k| change_entry(*k).name == e.name)
}

/// The item keys `text` sets (`nhi_acquired=…`), by the items table.
fn items_in(text: &str) -> Vec<&'static juki::ItemRule> {
    juki::ITEMS
        .iter()
        .filter(|r| {
            text.split_whitespace()
                .any(|w| w.starts_with(&format!("{}=", r.key)))
        })
        .collect()
}

/// Every permission `text`, a statement of `e`, needs: the catalogue's, the My Number
/// permission for a 異動 given `my_number=`, and each item's group's own.
fn needs_of(e: &Entry, text: &str) -> Vec<Permission> {
    let mut needs: Vec<Permission> = e.needs.to_vec();
    let mut add = |p: Permission| {
        if !needs.contains(&p) {
            needs.push(p);
        }
    };
    // A certificate that carries a 個人番号 needs the My Number permission too.
    if e.name.starts_with("ISSUE ") && text.contains("mynumber") {
        add(Permission::MyNumber);
    }
    // A resident as they stood on another day is history (the catalogue's GET, GET ATENA
    // and FIND say so).
    if e.reads_history(text) {
        add(Permission::History);
    }
    if kind_of(e).is_some() {
        if e.my_number_when_given() && text.contains("my_number=") {
            add(Permission::MyNumber);
        }
        let items = items_in(text);
        for item in &items {
            add(Permission::for_items(item.group));
        }
        // A 異動 that sets no items is the counter's (AMEND's catalogue row needs nothing
        // by itself: its items decide).
        if items.is_empty() {
            add(Permission::Record);
        }
    }
    needs
}

/// A statement's example made to succeed on the prepared register: the state it needs, set
/// up first, and what in its text stands for something the register holds under another
/// value. A statement without a case here runs its example as it stands.
fn adapt(e: &Entry, t: &Template) -> Case {
    let example = paths_into_files(e.example);
    let alone = format!("CHANGE HOUSEHOLD {JIRO} household=2003 relationship=世帯主 ON 2021-01-01");
    let moved_out = format!("MOVE OUT {TARO} to='東京都港区芝公園4-2-8' ON 2025-03-31");
    let issuer = "SET ISSUER title='兵庫県芦屋市長' name='芦屋 一郎'".to_string();
    let mut case = Case {
        label: e.name.to_string(),
        inputs: Vec::new(),
        setup: Vec::new(),
        text: example.clone(),
        today: TODAY,
        needs: Vec::new(),
        allowed_code: None,
    };
    match e.name {
        "GET ATENA" => case.text = example.replace("1042", &t.taro_atena.to_string()),
        // A newcomer: a code, a My Number and a household the register does not hold.
        "MOVE IN" | "ENTER" => {
            case.text = example
                .replace(TARO, &fresh_code())
                .replace(TARO_NUMBER, &fresh_number(72_905_318_446))
                .replace("household=1001", "household=3003");
        }
        "BIRTH" => case.text = example.replace(JIRO, &fresh_code()),
        "CHANGE CODE" => {
            case.text = example.replace(&format!("new={JIRO}"), &format!("new={}", fresh_code()))
        }
        // 太郎 alone in his household: a 世帯主 leaving others behind needs new_head.
        "MOVE" | "MOVE OUT" | "REMOVE" | "CHANGE HOUSEHOLD" => case.setup = vec![alone],
        // A 転出 notified ahead, cancelled before its day.
        "CANCEL MOVE OUT" => {
            case.setup = vec![alone, moved_out];
            case.today = "2025-03-20";
        }
        "CONFIRM MOVE OUT" => case.setup = vec![alone, moved_out],
        // The 異動 to cancel, and its 更新順番号 (the third of the register).
        "CANCEL CHANGE" => {
            case.setup = vec![format!(
                "RENAME {TARO} name='鈴木 太郎' kana='スズキ タロウ' ON 2025-06-01"
            )];
            case.text = example.replace("seq=1042", "seq=3");
        }
        "DISABLE OPERATOR" | "UNLOCK OPERATOR" => {
            case.setup = vec!["CREATE OPERATOR sato ROLE clerk PASSWORD 'initial-Passw0rd'".into()]
        }
        // The file to compare: the register's own, just written.
        "VERIFY CONSISTENCY" => {
            case.setup = vec![example.replacen("VERIFY", "EXPORT", 1)];
        }
        "LOAD TOWNS" => {
            case.inputs = vec![(
                "ashiya-towns.csv",
                juki::TownDictionary::ashiya_csv().to_string(),
            )]
        }
        // Certificates are signed by the issuer an administrator sets.
        "ISSUE COPY" | "ISSUE ITEMS CERTIFICATE" => case.setup = vec![issuer.clone()],
        // A 除票 and a 転出証明書 are of a resident who moved out.
        "ISSUE REMOVED COPY" | "ISSUE MOVE OUT CERTIFICATE" => {
            case.setup = vec![issuer.clone(), alone, moved_out]
        }
        "LIFT RESTRICTION" => {
            case.setup = vec![format!(
                "RESTRICT {TARO} KIND dv AUTHORITY '芦屋警察署' FROM 2026-01-01 UNTIL 2026-12-31"
            )]
        }
        // A measure that ends within the month: its extension is open.
        "EXTEND RESTRICTION" => {
            case.setup = vec![format!(
                "RESTRICT {TARO} KIND stalking AUTHORITY '芦屋警察署' FROM 2025-12-10"
            )]
        }
        "PASSWORD" => case.allowed_code = Some("SYNTAX"),
        _ => {}
    }
    case.needs = needs_of(e, &case.text);
    case
}

/// Inserts `fields` before the ` ON ` of a 異動.
fn with_fields(text: &str, fields: &str) -> String {
    let at = text
        .rfind(" ON ")
        .unwrap_or_else(|| panic!("a 異動 without ON: {text}"));
    format!("{} {fields}{}", &text[..at], &text[at..])
}

/// A value each item's parser takes, by its key (a date when nothing else is named).
fn sample(key: &str) -> &'static str {
    match key {
        "registered_domicile" => "'東京都千代田区千代田1番'",
        "family_head" | "common_name" => "'山田 一郎'",
        "former_surname" => "佐藤",
        "former_surname_kana" | "common_name_kana" => "サトウ",
        "latin_name" => "'YAMADA TARO'",
        "nationality" => "韓国",
        "foreign_category" => "中長期在留者",
        "residence_status" => "永住者",
        "stay_period" => "無期限",
        "card_kind" => "在留カード",
        "card_number" => "AB12345678CD",
        "nhi_retired" => "一般",
        "late_elder_number" => "12345678",
        "care_number" => "1234567890",
        "basic_pension_number" => "1234-567890",
        "pension_category" => "第1号",
        _ => "2025-04-01",
    }
}

/// The variants that exercise the rules beyond `needs`: a 異動 that may be given a My
/// Number, given one; a 異動 that takes items, given one item of each group (kept when it
/// needs another set of permissions than the example and the variants before it).
fn variants(e: &Entry, base: &Case) -> Vec<Case> {
    if let Some((today, _)) = base.text.split_once(" AS OF ") {
        if e.reads_history(&base.text) {
            let text = today.to_owned();
            return vec![Case {
                label: format!("{} (today)", e.name),
                needs: needs_of(e, &text),
                text,
                ..base.clone()
            }];
        }
    }
    if e.name == "ISSUE COPY" {
        let text = base
            .text
            .replace("WITH household", "WITH household, mynumber");
        assert_ne!(
            text, base.text,
            "the ISSUE COPY example lost its WITH household"
        );
        return vec![Case {
            label: format!("{} (with mynumber)", e.name),
            needs: needs_of(e, &text),
            text,
            ..base.clone()
        }];
    }
    let Some(kind) = kind_of(e) else {
        return Vec::new();
    };
    let mut out: Vec<Case> = Vec::new();
    let mut variant = |label: String, text: String| {
        // A variant that needs what the example or an earlier variant needs adds no row.
        let needs = needs_of(e, &text);
        let same = |other: &[Permission]| {
            other.len() == needs.len() && needs.iter().all(|p| other.contains(p))
        };
        if same(&base.needs) || out.iter().any(|c| same(&c.needs)) {
            return;
        }
        out.push(Case {
            label: format!("{} ({label})", e.name),
            inputs: base.inputs.clone(),
            setup: base.setup.clone(),
            needs,
            text,
            today: base.today,
            allowed_code: base.allowed_code,
        });
    };
    if e.my_number_when_given() {
        let text = with_fields(
            &base.text,
            &format!("my_number={}", fresh_number(61_827_394_055)),
        );
        variant("with my_number=".into(), text);
    }
    if kind.fields().allowed().any(|f| f == ChangeField::Items) {
        for group in ItemGroup::ALL {
            let rule = juki::ITEMS
                .iter()
                .find(|r| r.group == group && items_in(&base.text).iter().all(|i| i.key != r.key))
                .unwrap_or_else(|| panic!("no item of {group:?} to add to {}", e.name));
            let text = with_fields(&base.text, &format!("{}={}", rule.key, sample(rule.key)));
            variant(format!("with {}", rule.key), text);
        }
    }
    out
}

/// Every case: each catalogue statement's example, then its variants.
fn cases(t: &Template) -> Vec<Case> {
    let mut out = Vec::new();
    for e in CATALOGUE {
        let base = adapt(e, t);
        let more = variants(e, &base);
        out.push(base);
        out.extend(more);
    }
    out
}

// ---- running them ----

/// What a refusal must leave as it was.
#[derive(Debug, PartialEq)]
struct State {
    digest: [u8; 32],
    counts: juki::Counts,
    operators: Vec<juki::OperatorInfo>,
    register: String,
    files: BTreeMap<String, Vec<u8>>,
}

fn state(admin: &Session, files: &Path) -> State {
    let mut listed = BTreeMap::new();
    for entry in std::fs::read_dir(files).unwrap() {
        let entry = entry.unwrap();
        listed.insert(
            entry.file_name().to_string_lossy().into_owned(),
            std::fs::read(entry.path()).unwrap(),
        );
    }
    State {
        digest: admin.content_digest().unwrap(),
        counts: admin.counts().unwrap(),
        operators: admin.list_operators().unwrap(),
        register: format!("{:?}", admin.run("SHOW REGISTER").unwrap()),
        files: listed,
    }
}

/// A copy of the register with the case's inputs written and its setup run by the
/// administrator (whose session is returned).
fn prepared(t: &Template, case: &Case) -> (Copy, Session) {
    let copy = t.copy(case.today);
    for (name, content) in &case.inputs {
        std::fs::write(copy.files.join(name), content).unwrap();
    }
    let admin = sign_in(&copy.juki, Role::Admin);
    for text in &case.setup {
        let text = case.fill(text, &copy.files);
        run(&admin, &text).unwrap_or_else(|e| {
            panic!(
                "{}: preparing with {text}: error[{}]: {e}",
                case.label,
                e.code()
            )
        });
    }
    (copy, admin)
}

/// Every role lacking a permission, on one copy: refused, and nothing moved.
fn check_refused(t: &Template, case: &Case) {
    let denied: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| !case.allowed_for(*r))
        .collect();
    if denied.is_empty() {
        return;
    }
    let (copy, admin) = prepared(t, case);
    let text = case.fill(&case.text, &copy.files);
    // Signed in first: a sign-in moves the operators' records, a refusal must not.
    let sessions: Vec<(Role, Session)> = denied
        .iter()
        .map(|r| (*r, sign_in(&copy.juki, *r)))
        .collect();
    let before = state(&admin, &copy.files);
    for (role, s) in &sessions {
        let result = run(s, &text);
        let Err(err) = result else {
            panic!("{}: {role} ran it: {text}", case.label);
        };
        assert_eq!(
            err.code(),
            ErrorCode::PermissionDenied,
            "{}: {role} running {text}: {err}",
            case.label
        );
        let missing: Vec<&str> = case
            .needs
            .iter()
            .filter(|p| !role.allows(**p))
            .map(|p| p.name())
            .collect();
        let message = err.to_string();
        assert!(
            message.contains("lacks the") && missing.iter().any(|p| message.contains(p)),
            "{}: {role}'s refusal names none of {missing:?}: {message}",
            case.label
        );
        assert_eq!(
            state(&admin, &copy.files),
            before,
            "{}: {role}'s refusal changed something",
            case.label
        );
    }
}

/// A prepared copy with no session open (COMPACT needs the database to itself).
fn fresh(t: &Template, case: &Case) -> Copy {
    let (copy, admin) = prepared(t, case);
    drop(admin);
    copy
}

/// `role` runs the case on `copy`: whether it succeeded (or got the case's one outcome).
fn attempt(copy: &Copy, case: &Case, role: Role) -> Result<(), String> {
    let text = case.fill(&case.text, &copy.files);
    let s = sign_in(&copy.juki, role);
    match (run(&s, &text), case.allowed_code) {
        (Ok(_), None) => Ok(()),
        (Err(err), Some(code)) if err.code() == code => Ok(()),
        (Err(err), _) => Err(format!(
            "{}: {role} may run it, but running {text} gave error[{}]: {err}",
            case.label,
            err.code()
        )),
        (Ok(_), Some(code)) => Err(format!(
            "{}: {role} ran {text}, expected {code}",
            case.label
        )),
    }
}

/// Every role holding the permissions runs it and succeeds: on the copy the roles before
/// it used, or, when the statement cannot run twice there (a second MOVE IN of the same
/// code), on a fresh one. What went wrong, one line a role.
fn check_allowed(t: &Template, case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let mut shared: Option<Copy> = None;
    for role in Role::ALL.into_iter().filter(|r| case.allowed_for(*r)) {
        if let Some(copy) = &shared {
            if attempt(copy, case, role).is_ok() {
                continue;
            }
        }
        let copy = fresh(t, case);
        if let Err(problem) = attempt(&copy, case, role) {
            problems.push(problem);
        }
        shared = Some(copy);
    }
    problems
}

#[test]
fn every_role_against_every_statement_of_the_catalogue() {
    let t = template();
    let cases = cases(&t);
    for e in CATALOGUE {
        assert!(
            cases.iter().any(|c| c.label == e.name),
            "{} has no case",
            e.name
        );
    }
    // Two halves side by side: every run signs in, and a sign-in is slow on purpose.
    let problems: Vec<String> = std::thread::scope(|scope| {
        let halves: Vec<_> = cases
            .chunks(cases.len().div_ceil(2))
            .map(|half| {
                let t = &t;
                scope.spawn(move || {
                    let mut problems = Vec::new();
                    for case in half {
                        check_refused(t, case);
                        problems.extend(check_allowed(t, case));
                    }
                    problems
                })
            })
            .collect();
        halves
            .into_iter()
            .flat_map(|h| h.join().expect("a half of the matrix panicked (above)"))
            .collect()
    });
    assert!(
        problems.is_empty(),
        "a role that may run a statement could not (adapt its example to the prepared \
         register in tests/permissions.rs):\n{}",
        problems.join("\n")
    );
}

/// The rules beyond `needs` are in the cases: a correction given a My Number is the My
/// Number permission's, AMEND of the insurance items the health department's.
#[test]
fn the_rules_beyond_the_catalogue_needs_are_part_of_the_matrix() {
    let t = template();
    let cases = cases(&t);
    let case = |label: &str| {
        cases
            .iter()
            .find(|c| c.label == label)
            .unwrap_or_else(|| panic!("no case {label}"))
    };
    let correct = case("CORRECT (with my_number=)");
    assert!(correct.needs.contains(&Permission::MyNumber));
    assert!(!correct.allowed_for(Role::Clerk) && correct.allowed_for(Role::Registrar));
    assert!(case("CORRECT").allowed_for(Role::Clerk));
    let amend = case("AMEND");
    assert_eq!(amend.needs, [Permission::Insurance]);
    assert!(amend.allowed_for(Role::Health) && !amend.allowed_for(Role::Clerk));
    let pension = case("AMEND (with pension_acquired)");
    assert!(pension.allowed_for(Role::Admin) && !pension.allowed_for(Role::Health));
    assert!(!case("AMEND (with registered_domicile)").allowed_for(Role::Health));
}

/// Named outright, whatever the catalogue says: the counter, the viewer and every
/// department copy nothing out.
#[test]
fn only_those_who_copy_data_out_may_export_or_back_up() {
    let t = template();
    let departments: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| r.visibility() == juki::Visibility::Basic)
        .collect();
    assert_eq!(departments.len(), 6, "{departments:?}");
    let copy = t.copy(TODAY);
    let admin = sign_in(&copy.juki, Role::Admin);
    for role in [Role::Clerk, Role::Viewer].into_iter().chain(departments) {
        let s = sign_in(&copy.juki, role);
        for statement in [
            "EXPORT '{files}/residents.csv'",
            "EXPORT HISTORY '{files}/history.csv'",
            "BACKUP TO '{files}/backup.redb'",
        ] {
            let text = statement.replace("{files}", &copy.files.display().to_string());
            let before = state(&admin, &copy.files);
            let err = run(&s, &text).expect_err(&text);
            assert_eq!(
                err.code(),
                ErrorCode::PermissionDenied,
                "{role}: {text}: {err}"
            );
            assert!(err.to_string().contains("export"), "{role}: {err}");
            assert_eq!(state(&admin, &copy.files), before, "{role}: {text}");
            assert!(before.files.is_empty(), "{role}: {text} wrote a file");
        }
    }
    // The registrar may: the harness itself can see a file written.
    let s = sign_in(&copy.juki, Role::Registrar);
    let text = format!("EXPORT '{}/residents.csv'", copy.files.display());
    run(&s, &text).unwrap();
    assert!(copy.files.join("residents.csv").exists());
}
