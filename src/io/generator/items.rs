//! The items of a generated resident beyond the core fields, as they fall in a real city:
//!
//! * about 3 % of households are 外国人住民 (every member): 国籍 in the mix of Japan's
//!   foreign residents (China, Viet Nam, Korea, the Philippines, Brazil, Nepal, the United
//!   States), the 氏名 in Latin letters as on the card with a katakana reading, 在留資格 and
//!   在留期間 by kind (most Koreans 特別永住者 with a 特別永住者証明書, some with a 通称
//!   drawn from the Japanese name lists; the others 中長期在留者 with a 在留カード), the card
//!   number, 外国人住民となった日;
//! * a Japanese resident has a 本籍 (the city, or one of a few other places) and its
//!   筆頭者 (`population::koseki_head`: the husband of a couple, the married child of a
//!   three-generation household, the father of the 世帯主's parents …), the same for every
//!   member of one 戸籍 (the 本籍 is drawn from the 筆頭者's own stream);
//! * by age on the generation date: 国民年金 from 20 to 59 (種別 1, 2 or 3, a 基礎年金番号),
//!   介護保険 from 65, 後期高齢者医療 from 75 (each from the birthday that opens it, or the
//!   day the resident came), 国民健康保険 for about a quarter of those under 75 who are not
//!   第2号 insured, 児童手当 under 15.
//!
//! Every draw comes from a stream of its own per person (`Rng::new(seed, …)`), so the rest of
//! the generated register does not depend on the items.

use super::data::lists;
use super::population::{Home, Person};
use super::rng::{Rng, Weighted};
use crate::model::partial_date::YearMonth;
use crate::model::{Date, Item, PartialDate, Sex};
use chrono::Datelike;

/// The stream the items of person `serial` draw from (far from the generator's others).
const STREAM: u64 = 0x4954_454d_0000_0000;

/// One nationality of the mix: its code, weight, names as on the card with readings, and
/// the share (per mille) of 特別永住者 among its residents.
struct Nationality {
    code: &'static str,
    weight: u64,
    surnames: &'static [(&'static str, &'static str)],
    given: &'static [(&'static str, &'static str)],
    special_per_mille: u64,
}

const MIX: [Nationality; 7] = [
    Nationality {
        code: "CN",
        weight: 28,
        surnames: &[
            ("WANG", "ワン"),
            ("LI", "リ"),
            ("ZHANG", "チャン"),
            ("LIU", "リュウ"),
            ("CHEN", "チェン"),
        ],
        given: &[
            ("WEI", "ウェイ"),
            ("FANG", "ファン"),
            ("JING", "ジン"),
            ("LEI", "レイ"),
            ("YAN", "イェン"),
        ],
        special_per_mille: 10,
    },
    Nationality {
        code: "VN",
        weight: 19,
        surnames: &[
            ("NGUYEN", "グエン"),
            ("TRAN", "チャン"),
            ("LE", "レ"),
            ("PHAM", "ファム"),
            ("HOANG", "ホアン"),
        ],
        given: &[
            ("VAN AN", "ヴァン アン"),
            ("THI LAN", "ティ ラン"),
            ("MINH", "ミン"),
            ("DUC", "ドゥク"),
            ("THI HOA", "ティ ホア"),
        ],
        special_per_mille: 0,
    },
    Nationality {
        code: "KR",
        weight: 15,
        surnames: &[
            ("KIM", "キム"),
            ("LEE", "イ"),
            ("PARK", "パク"),
            ("CHOI", "チェ"),
            ("JUNG", "チョン"),
        ],
        given: &[
            ("MINJUN", "ミンジュン"),
            ("SEOYEON", "ソヨン"),
            ("JIHO", "ジホ"),
            ("HAYUN", "ハユン"),
            ("YUNA", "ユナ"),
        ],
        special_per_mille: 600,
    },
    Nationality {
        code: "PH",
        weight: 9,
        surnames: &[
            ("SANTOS", "サントス"),
            ("REYES", "レイエス"),
            ("CRUZ", "クルス"),
            ("BAUTISTA", "バウティスタ"),
            ("GARCIA", "ガルシア"),
        ],
        given: &[
            ("MARIA", "マリア"),
            ("JOSE", "ホセ"),
            ("ANGEL", "エンジェル"),
            ("MARK", "マーク"),
            ("JOY", "ジョイ"),
        ],
        special_per_mille: 0,
    },
    Nationality {
        code: "BR",
        weight: 6,
        surnames: &[
            ("SILVA", "シルバ"),
            ("OLIVEIRA", "オリベイラ"),
            ("SOUZA", "ソウザ"),
            ("PEREIRA", "ペレイラ"),
            ("COSTA", "コスタ"),
        ],
        given: &[
            ("ANA", "アナ"),
            ("LUCAS", "ルーカス"),
            ("GABRIEL", "ガブリエル"),
            ("JULIA", "ジュリア"),
            ("PEDRO", "ペドロ"),
        ],
        special_per_mille: 0,
    },
    Nationality {
        code: "NP",
        weight: 6,
        surnames: &[
            ("GURUNG", "グルン"),
            ("TAMANG", "タマン"),
            ("SHRESTHA", "シュレスタ"),
            ("RAI", "ライ"),
            ("MAGAR", "マガル"),
        ],
        given: &[
            ("RAM", "ラム"),
            ("SITA", "シタ"),
            ("BIKASH", "ビカス"),
            ("ANITA", "アニタ"),
            ("SURESH", "スレス"),
        ],
        special_per_mille: 0,
    },
    Nationality {
        code: "US",
        weight: 3,
        surnames: &[
            ("SMITH", "スミス"),
            ("JOHNSON", "ジョンソン"),
            ("BROWN", "ブラウン"),
            ("MILLER", "ミラー"),
            ("DAVIS", "デイビス"),
        ],
        given: &[
            ("JOHN", "ジョン"),
            ("EMILY", "エミリー"),
            ("MICHAEL", "マイケル"),
            ("SARAH", "サラ"),
            ("DAVID", "デイビッド"),
        ],
        special_per_mille: 0,
    },
];

/// 在留資格 of a 中長期在留者 with its weight and 在留期間 (`None`: 無期限).
const STATUSES: [(&str, u64, Option<&str>); 8] = [
    ("永住者", 32, None),
    ("技術・人文知識・国際業務", 15, Some("5年")),
    ("留学", 10, Some("2年3月")),
    ("家族滞在", 10, Some("3年")),
    ("日本人の配偶者等", 9, Some("3年")),
    ("定住者", 8, Some("5年")),
    ("特定技能1号", 8, Some("1年")),
    ("技能実習2号イ", 8, Some("1年")),
];

/// 本籍 of a Japanese resident other than the city itself, with weights.
const DOMICILES: [(&str, u64); 5] = [
    ("大阪府大阪市北区梅田1丁目1番", 4),
    ("兵庫県神戸市中央区加納町6丁目5番", 4),
    ("京都府京都市上京区今出川町1番", 2),
    ("東京都千代田区千代田1番", 1),
    ("福岡県福岡市中央区天神1丁目8番", 1),
];

/// Households in 1,000 that are 外国人住民.
const FOREIGN_PER_MILLE: u64 = 30;

/// Whether household `k` is one of 外国人住民 (the same answer for every member).
pub(super) fn foreign_household(seed: u64, k: u32) -> Option<usize> {
    let mut rng = Rng::new(seed, STREAM ^ (u64::from(k) << 1) ^ 1);
    if rng.below(1000) >= FOREIGN_PER_MILLE {
        return None;
    }
    Some(Weighted::new(MIX.iter().map(|n| n.weight)).pick(&mut rng))
}

/// Foreign residents born before this year whose birth date may be recorded in part.
const PARTIAL_BIRTH_BEFORE: i32 = 1975;

/// The birth date person `p` (born on `born`) is recorded with: for about one in ten
/// 外国人住民 born before [`PARTIAL_BIRTH_BEFORE`] only a part of it, as when the
/// documents of the country of birth give no day (6 in 100 the month, 3 the year, 1 不詳);
/// everyone else the day.
pub(super) fn recorded_birth(seed: u64, foreign: bool, p: &Person, born: Date) -> PartialDate {
    if !foreign || born.year() >= PARTIAL_BIRTH_BEFORE {
        return born.into();
    }
    let mut rng = Rng::new(seed, STREAM ^ (p.serial << 1) ^ (1 << 60));
    let month = YearMonth::new(born.year(), born.month()).expect("a generated month is valid");
    match rng.below(100) {
        0..6 => PartialDate::YearMonth(month),
        6..9 => PartialDate::Year(month.year()),
        9 => PartialDate::Unknown,
        _ => born.into(),
    }
}

/// The Latin name and its reading of a member of a foreign household of nationality `nat`.
pub(super) fn foreign_name(seed: u64, nat: usize, p: &Person) -> (String, String) {
    let n = &MIX[nat];
    let mut rng = Rng::new(seed, STREAM ^ (p.serial << 1));
    // The household shares a surname: it is drawn from the household's number.
    let (s, sr) = n.surnames[p.household as usize % n.surnames.len()];
    let (g, gr) = n.given[rng.index(n.given.len())];
    (format!("{s} {g}"), format!("{sr} {gr}"))
}

/// The items of person `p` of household `home` (in the 戸籍 of `head`, its 筆頭者), with
/// dates as days from the common era turned into text by `date`.
pub(super) fn items_of(
    seed: u64,
    today: i32,
    home: &Home,
    head: &Person,
    p: &Person,
    date: impl Fn(i32) -> String,
) -> Vec<(Item, String)> {
    let mut rng = Rng::new(seed, STREAM ^ (p.serial << 1) ^ (1 << 62));
    let mut out = Vec::new();
    let born = super::date_of(p.birth);
    let years = super::date_of(today).years_since(born).unwrap_or(0) as i32;
    let from = |birthday_age: i32| -> i32 {
        // The birthday that opens a scheme, or the day the resident came, whichever is
        // later; never after the generation date.
        let birthday = born
            .checked_add_months(chrono::Months::new(12 * birthday_age as u32))
            .map_or(today, |d| d.num_days_from_ce());
        birthday.max(p.moved_in).min(today)
    };
    match foreign_household(seed, p.household) {
        Some(nat) => foreign_items(&mut rng, nat, today, p, &date, &mut out),
        None => {
            // One 戸籍, one 本籍: drawn from its 筆頭者's stream.
            let mut family = Rng::new(seed, STREAM ^ (head.serial << 1) ^ (1 << 61));
            let domicile = if family.below(100) < 55 {
                home.address
                    .split_once('町')
                    .map_or(home.address.clone(), |(town, _)| format!("{town}町1番"))
            } else {
                let w = Weighted::new(DOMICILES.iter().map(|d| d.1));
                DOMICILES[w.pick(&mut family)].0.to_string()
            };
            out.push((Item::RegisteredDomicile, domicile));
            let l = lists();
            let (s, g) = (l.surname(head.surname), l.given(head.sex, head.given));
            out.push((Item::FamilyHead, format!("{} {}", s.kanji, g.kanji)));
        }
    }
    if (20..60).contains(&years) {
        let category = match rng.below(100) {
            0..40 => "第1号",
            40..85 => "第2号",
            _ if p.sex == Sex::Female => "第3号",
            _ => "第1号",
        };
        out.push((Item::PensionAcquired, date(from(20))));
        out.push((
            Item::BasicPensionNumber,
            digits(&mut rng, 4) + "-" + &digits(&mut rng, 6),
        ));
        out.push((Item::PensionCategory, category.to_string()));
        if category != "第2号" && rng.below(100) < 45 {
            out.push((Item::NhiAcquired, date(p.moved_in.max(from(20)))));
        }
    } else if (60..75).contains(&years) && rng.below(100) < 60 {
        out.push((Item::NhiAcquired, date(from(60))));
    }
    if years >= 65 {
        out.push((Item::CareAcquired, date(from(65))));
        out.push((Item::CareNumber, digits(&mut rng, 10)));
    }
    if years >= 75 {
        out.push((Item::LateElderAcquired, date(from(75))));
        out.push((Item::LateElderNumber, digits(&mut rng, 8)));
    }
    if years < 15 {
        out.push((
            Item::ChildAllowanceFrom,
            date((p.birth + 31).max(p.moved_in).min(today)),
        ));
    }
    out
}

/// The 外国人住民 items of a member of a household of nationality `nat`.
fn foreign_items(
    rng: &mut Rng,
    nat: usize,
    today: i32,
    p: &Person,
    date: &impl Fn(i32) -> String,
    out: &mut Vec<(Item, String)>,
) {
    let n = &MIX[nat];
    let special = rng.below(1000) < n.special_per_mille;
    out.push((Item::Nationality, n.code.to_string()));
    let card = format!("{}{}{}", letters(rng, 2), digits(rng, 8), letters(rng, 2));
    if special {
        out.push((Item::ForeignCategory, "特別永住者".into()));
        out.push((Item::ResidenceStatus, "特別永住者".into()));
        out.push((Item::CardKind, "特別永住者証明書".into()));
        out.push((Item::CardNumber, card));
        if rng.below(100) < 40 {
            let l = lists();
            let (s, g) = (l.surname(p.surname), l.given(p.sex, p.given));
            out.push((Item::CommonName, format!("{} {}", s.kanji, g.kanji)));
            out.push((Item::CommonNameKana, format!("{} {}", s.reading, g.reading)));
        }
    } else {
        let w = Weighted::new(STATUSES.iter().map(|s| s.1));
        let (status, _, period) = STATUSES[w.pick(rng)];
        out.push((Item::ForeignCategory, "中長期在留者".into()));
        out.push((Item::ResidenceStatus, status.to_string()));
        match period {
            Some(period) => {
                out.push((Item::StayPeriod, period.to_string()));
                let ahead = rng.range(30, 3 * 365) as i32;
                out.push((Item::StayExpiry, date(today + ahead)));
            }
            None => out.push((Item::StayPeriod, "無期限".into())),
        }
        out.push((Item::CardKind, "在留カード".into()));
        out.push((Item::CardNumber, card));
    }
    out.push((Item::ForeignResidentSince, date(p.moved_in)));
}

/// The 外国人住民 items of a child born on `day` (days from the common era) into a household
/// of nationality `nat`: its 国籍, 第30条の45 区分 出生による経過滞在者 (no 在留資格 for the
/// first 60 days, 入管法 第22条の2), and 外国人住民となった日, the day of birth.
pub(super) fn newborn_items(nat: usize, day: i32) -> Vec<(Item, String)> {
    vec![
        (Item::Nationality, MIX[nat].code.to_string()),
        (Item::ForeignCategory, "出生による経過滞在者".into()),
        (
            Item::ForeignResidentSince,
            super::typed_date(day).to_string(),
        ),
    ]
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

fn letters(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'A' + rng.below(26) as u8))
        .collect()
}
