//! Addresses: homes in the towns of 芦屋市 and destinations of a 転出 in other cities.
//!
//! A home is `兵庫県芦屋市` + town + a street number written as `N番M号` or `N-M`, and for
//! about a third of homes a building name and a room number after a space, e.g.
//! `兵庫県芦屋市精道町7番6号 芦屋グランドハイツ203号`.

use std::fmt::Write as _;

use super::data::lists;
use super::rng::Rng;
use crate::model::{Address, Placement, TownDictionary};

const CITY: &str = "兵庫県芦屋市";

const BUILDING_PREFIXES: &[&str] = &[
    "芦屋",
    "芦屋川",
    "グラン",
    "パーク",
    "ロイヤル",
    "サンライズ",
    "シャトー",
    "メゾン",
    "ベル",
    "コスモ",
    "エスポワール",
    "リバーサイド",
    "ライオンズ",
    "朝日",
    "翠",
    "打出",
    "精道",
    "六甲",
    "シーサイド",
    "ヴィラ",
    "プラウド",
    "ジオ",
    "ブランズ",
    "セレッソ",
];

const BUILDING_SUFFIXES: &[&str] = &[
    "ハイツ",
    "マンション",
    "コーポ",
    "レジデンス",
    "ハウス",
    "パレス",
    "コート",
    "ヒルズ",
    "テラス",
    "荘",
    "グランドハイツ",
    "ガーデン",
    "芦屋",
    "ハイム",
];

/// Cities a 転出 goes to, with a few of their towns.
const DESTINATIONS: &[(&str, &[&str])] = &[
    (
        "兵庫県西宮市",
        &[
            "甲子園口",
            "苦楽園口町",
            "夙川町",
            "甲陽園目神山町",
            "今津曙町",
        ],
    ),
    (
        "兵庫県神戸市東灘区",
        &["岡本", "住吉本町", "御影町御影", "深江本町"],
    ),
    (
        "兵庫県神戸市中央区",
        &["三宮町", "元町通", "山本通", "港島中町"],
    ),
    ("兵庫県宝塚市", &["逆瀬台", "末広町", "仁川台"]),
    ("兵庫県尼崎市", &["塚口町", "武庫之荘", "南塚口町"]),
    ("大阪府大阪市北区", &["梅田", "天満", "中津"]),
    ("大阪府大阪市中央区", &["北浜", "谷町", "南船場"]),
    ("大阪府豊中市", &["上野東", "桜の町", "新千里東町"]),
    ("大阪府吹田市", &["千里山西", "江坂町", "山田西"]),
    ("京都府京都市左京区", &["下鴨松ノ木町", "北白川上別当町"]),
    ("東京都世田谷区", &["桜新町", "三軒茶屋", "成城"]),
    ("東京都港区", &["白金台", "南麻布", "芝浦"]),
    ("神奈川県横浜市青葉区", &["美しが丘", "青葉台"]),
    ("愛知県名古屋市千種区", &["星が丘元町", "覚王山通"]),
    ("福岡県福岡市中央区", &["大濠", "六本松"]),
];

/// Writes the street number: `N番M号` (two homes in three) or `N-M`.
fn street(rng: &mut Rng, out: &mut String, max_ban: u32) {
    let ban = rng.range(1, i64::from(max_ban.max(1)));
    let go = rng.range(1, 30);
    if rng.below(3) < 2 {
        let _ = write!(out, "{ban}番{go}号");
    } else {
        let _ = write!(out, "{ban}-{go}");
    }
}

/// A new home address in the city and its postal code.
pub(crate) fn home(rng: &mut Rng) -> (String, u32) {
    let l = lists();
    let town = &l.towns[l.pick_town(rng) as usize];
    let mut out = String::with_capacity(80);
    out.push_str(CITY);
    out.push_str(town.name);
    street(rng, &mut out, town.max_ban);
    if rng.below(100) < 33 {
        out.push(' ');
        out.push_str(BUILDING_PREFIXES[rng.index(BUILDING_PREFIXES.len())]);
        out.push_str(BUILDING_SUFFIXES[rng.index(BUILDING_SUFFIXES.len())]);
        let floor = rng.range(1, 9);
        let unit = rng.range(1, 12);
        let _ = match rng.below(3) {
            0 => write!(out, "{floor}{unit:02}号室"),
            1 => write!(out, "{floor}{unit:02}号"),
            _ => write!(out, "{floor}{unit:02}"),
        };
    }
    (out, town.postal)
}

/// Whether two homes are the same place, written alike or not (伊勢町10-8 is 伊勢町10番8号):
/// a move between them is no move, and the engine refuses it.
pub(crate) fn same_place(a: &str, b: &str) -> bool {
    static ASHIYA: std::sync::OnceLock<TownDictionary> = std::sync::OnceLock::new();
    let dictionary = ASHIYA.get_or_init(TownDictionary::ashiya);
    let place = |s: &str| match Address::parse(s) {
        Ok(address) => match dictionary.place(&address) {
            Ok(Placement::Inside(inside)) => Some((
                inside.town.name().to_owned(),
                inside.numbers,
                inside.katagaki,
            )),
            _ => None,
        },
        Err(_) => None,
    };
    // Placing costs a dictionary walk; homes of other towns differ in their first letters.
    let town_start = |s: &str| {
        s.trim_start_matches(CITY)
            .chars()
            .take(2)
            .collect::<String>()
    };
    a == b || (town_start(a) == town_start(b) && place(a).is_some_and(|p| Some(p) == place(b)))
}

/// An address in another city, for a 転出.
pub(crate) fn destination(rng: &mut Rng) -> String {
    let (city, towns) = DESTINATIONS[rng.index(DESTINATIONS.len())];
    let town = towns[rng.index(towns.len())];
    let mut out = String::with_capacity(64);
    out.push_str(city);
    out.push_str(town);
    let _ = write!(out, "{}丁目", rng.range(1, 6));
    street(rng, &mut out, 20);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Generated homes are placed inside 芦屋市 by its dictionary, and destinations in
    /// another municipality: the registers the generator builds hold the geography rule.
    #[test]
    fn homes_are_inside_and_destinations_outside() {
        let dictionary = TownDictionary::ashiya();
        let mut rng = Rng::new(7, 0);
        for _ in 0..5_000 {
            let (home, _) = home(&mut rng);
            let placed = dictionary.place(&Address::parse(&home).unwrap());
            assert!(
                matches!(placed, Ok(Placement::Inside(_))),
                "{home}: {placed:?}"
            );
            let to = destination(&mut rng);
            let placed = dictionary.place(&Address::parse(&to).unwrap());
            assert!(
                matches!(placed, Ok(Placement::Outside(_))),
                "{to}: {placed:?}"
            );
        }
    }
}
