use super::*;
use crate::model::Address;

fn ashiya() -> TownDictionary {
    TownDictionary::ashiya()
}

fn place<'a>(d: &'a TownDictionary, text: &str) -> Result<Placement<'a>, PlaceError> {
    d.place(&Address::parse(text).unwrap())
}

/// The 町字, the numbers and the 方書 of an address inside.
fn inside(d: &TownDictionary, text: &str) -> (String, BlockNumbers, Option<String>) {
    match place(d, text) {
        Ok(Placement::Inside(i)) => (i.town.name().to_owned(), i.numbers, i.katagaki),
        other => panic!("{text}: {other:?}"),
    }
}

fn outside(d: &TownDictionary, text: &str) -> (&'static str, String, String) {
    match place(d, text) {
        Ok(Placement::Outside(o)) => (
            o.prefecture().name(),
            o.municipality.name().to_owned(),
            o.rest,
        ),
        other => panic!("{text}: {other:?}"),
    }
}

const SEVEN_SIX: BlockNumbers = BlockNumbers {
    chome: None,
    ban: 7,
    go: Some(6),
};

#[test]
fn every_writing_of_the_numbers() {
    let d = ashiya();
    for text in [
        "兵庫県芦屋市精道町7-6",
        "兵庫県芦屋市精道町7番6号",
        "兵庫県芦屋市精道町7番地の6",
        "兵庫県芦屋市精道町7番地6",
        "兵庫県芦屋市精道町七番六号",
        "兵庫県芦屋市精道町７－６",
        "兵庫県芦屋市精道町7ー6",
        "兵庫県 芦屋市 精道町 7-6",
        "芦屋市精道町7-6",
    ] {
        assert_eq!(
            inside(&d, text),
            ("精道町".into(), SEVEN_SIX, None),
            "{text}"
        );
    }
    let (_, n, _) = inside(&d, "芦屋市精道町7番地");
    assert_eq!(
        n,
        BlockNumbers {
            chome: None,
            ban: 7,
            go: None
        }
    );
}

#[test]
fn the_katagaki() {
    let d = ashiya();
    for (text, katagaki) in [
        ("芦屋市精道町7番6号芦屋ハイツ101号室", "芦屋ハイツ101号室"),
        ("芦屋市精道町7-6 芦屋ハイツ101号室", "芦屋ハイツ101号室"),
        ("芦屋市精道町7-6-101", "101"),
        ("芦屋市精道町7番地の6 コーポ芦屋 2F", "コーポ芦屋 2F"),
    ] {
        assert_eq!(
            inside(&d, text),
            ("精道町".into(), SEVEN_SIX, Some(katagaki.into())),
            "{text}"
        );
    }
}

#[test]
fn spellings_of_ke_and_no_fold() {
    let d = ashiya();
    for text in [
        "芦屋市朝日ケ丘町5-5",
        "芦屋市朝日ヶ丘町5-5",
        "芦屋市朝日が丘町5-5",
        "芦屋市朝日ヵ丘町5-5",
    ] {
        assert_eq!(inside(&d, text).0, "朝日ケ丘町", "{text}");
    }
    assert_eq!(inside(&d, "芦屋市松の内町1-1").0, "松ノ内町");
    assert_eq!(inside(&d, "芦屋市茶屋の町1-1").0, "茶屋之町");
}

#[test]
fn the_longest_town_wins() {
    let d = ashiya();
    assert_eq!(inside(&d, "芦屋市三条南町1-1").0, "三条南町");
    assert_eq!(inside(&d, "芦屋市三条町1-1").0, "三条町");
    assert_eq!(inside(&d, "芦屋市打出小槌町1-1").0, "打出小槌町");
    assert_eq!(inside(&d, "芦屋市奥池南町1-1").0, "奥池南町");
}

#[test]
fn an_unknown_town_is_named() {
    let d = ashiya();
    let e = place(&d, "兵庫県芦屋市梅田1-1").unwrap_err();
    assert_eq!(
        e,
        PlaceError::UnknownTown {
            municipality: "芦屋市".into(),
            written: "梅田".into()
        }
    );
    assert_eq!(e.to_string(), "梅田 is not a 町字 of 芦屋市");
    assert_eq!(
        place(&d, "芦屋市").unwrap_err().to_string(),
        "no 町字 after 芦屋市"
    );
}

#[test]
fn numbers_that_are_missing_or_wrong() {
    let d = ashiya();
    let reason = |text| match place(&d, text) {
        Err(PlaceError::Numbers { town, reason }) => format!("{town}: {reason}"),
        other => panic!("{text}: {other:?}"),
    };
    assert_eq!(reason("芦屋市精道町"), "精道町: no 番地 after the 町字");
    assert_eq!(
        reason("芦屋市精道町マンション"),
        "精道町: no 番地 after the 町字"
    );
    assert_eq!(reason("芦屋市精道町2丁目3"), "精道町: the 町字 has no 丁目");
    assert_eq!(
        reason("芦屋市精道町0-1"),
        "精道町: 0 is not a 丁目, 番地 or 号"
    );
    assert!(reason("芦屋市精道町123456-1").contains("too large"));
}

#[test]
fn towns_with_chome() {
    let m = Municipality::parse("282065", "兵庫県", "芦屋市").unwrap();
    let csv = "town,kana,postal,chome\n本町,ホンマチ,659-0001,3\n精道町,セイドウチョウ,659-0064,\n";
    let d = TownDictionary::from_csv(&m, csv.as_bytes()).unwrap();
    let two_eight_nine = BlockNumbers {
        chome: Some(2),
        ban: 8,
        go: Some(9),
    };
    for text in [
        "芦屋市本町2丁目8番9号",
        "芦屋市本町2-8-9",
        "芦屋市本町二丁目八番九号",
        "芦屋市本町2丁目8-9",
    ] {
        assert_eq!(
            inside(&d, text),
            ("本町".into(), two_eight_nine, None),
            "{text}"
        );
    }
    let (_, n, k) = inside(&d, "芦屋市本町2丁目8番 ハイツ1");
    assert_eq!(
        (n.chome, n.ban, n.go, k.as_deref()),
        (Some(2), 8, None, Some("ハイツ1"))
    );
    let reason = |text| place(&d, text).unwrap_err().to_string();
    assert_eq!(
        reason("芦屋市本町4丁目1番"),
        "本町: 4丁目 does not exist (1 to 3)"
    );
    assert_eq!(reason("芦屋市本町2丁目"), "本町: no 番地 after 2丁目");
    assert!(reason("芦屋市本町8番9号").contains("write the 丁目 first"));
}

#[test]
fn outside_with_and_without_the_prefecture() {
    let d = ashiya();
    assert_eq!(
        outside(&d, "大阪府大阪市北区梅田1-1"),
        ("大阪府", "大阪市".into(), "北区梅田1-1".into())
    );
    assert_eq!(
        outside(&d, "大阪市北区梅田1-1"),
        ("大阪府", "大阪市".into(), "北区梅田1-1".into())
    );
    assert_eq!(outside(&d, "東京都千代田区丸の内1-1").1, "千代田区");
    assert_eq!(outside(&d, "千代田区丸の内1-1").0, "東京都");
    assert_eq!(outside(&d, "兵庫県西宮市甲子園口1-1").1, "西宮市");
    assert_eq!(outside(&d, "神戸市東灘区岡本1-1").1, "神戸市");
    // The longest name: 東大阪市, not 大阪市; 福岡県's 芦屋町, not 芦屋市.
    assert_eq!(outside(&d, "東大阪市荒本1-1").1, "東大阪市");
    assert_eq!(outside(&d, "福岡県遠賀郡芦屋町幸町1-1").1, "芦屋町");
    assert_eq!(outside(&d, "芦屋町幸町1-1").0, "福岡県");
    // A 郡 or an island before a 町 or 村.
    assert_eq!(
        outside(&d, "北海道石狩郡当別町1"),
        ("北海道", "当別町".into(), "1".into())
    );
    assert_eq!(outside(&d, "東京都三宅島三宅村1").1, "三宅村");
    // A name of several prefectures needs its prefecture.
    assert_eq!(outside(&d, "広島県府中市府川町1").0, "広島県");
    assert_eq!(outside(&d, "東京都府中市宮西町1").0, "東京都");
    let e = place(&d, "府中市宮西町1").unwrap_err();
    assert_eq!(
        e.to_string(),
        "府中市 is in several prefectures (東京都, 広島県): write the prefecture"
    );
}

#[test]
fn what_cannot_be_placed() {
    let d = ashiya();
    let reason = |text| place(&d, text).unwrap_err().to_string();
    // Without the municipality, a 町字 is ambiguous: refused, saying what to write.
    assert_eq!(
        reason("精道町7-6"),
        "no municipality: 精道町 is a 町字 of 兵庫県芦屋市, but no municipality is written: write 芦屋市精道町…"
    );
    assert_eq!(
        reason("大阪府芦屋市精道町7-6"),
        "no municipality: no municipality of 大阪府 begins \"芦屋市精道町7-6\""
    );
    assert_eq!(
        reason("どこか1-1"),
        "no municipality: no prefecture or municipality begins \"どこか1-1\""
    );
    assert_eq!(
        reason("兵庫県"),
        "no municipality: the address is only a prefecture"
    );
}

#[test]
fn a_designated_city_with_wards() {
    let osaka = Municipality::parse("271004", "大阪府", "大阪市")
        .and_then(|m| m.with_ward("271276", "北区"))
        .and_then(|m| m.with_ward("271284", "中央区"))
        .unwrap();
    let csv = "town,kana,postal,ward\n梅田,ウメダ,530-0001,北区\n本町,ホンマチ,541-0053,中央区\n本町,ホンマチ,530-0000,北区\n";
    let d = TownDictionary::from_csv(&osaka, csv.as_bytes()).unwrap();
    let i = match place(&d, "大阪府大阪市北区梅田1-1").unwrap() {
        Placement::Inside(i) => i,
        other => panic!("{other:?}"),
    };
    assert_eq!((i.town.name(), i.town.ward()), ("梅田", Some("北区")));
    // Without the ward: found when one ward has the 町字, refused when several do.
    assert_eq!(inside(&d, "大阪市梅田1-1").0, "梅田");
    assert_eq!(
        place(&d, "大阪市本町1-1").unwrap_err().to_string(),
        "本町 is a 町字 of several wards (北区, 中央区): write the ward"
    );
    assert_eq!(
        place(&d, "大阪市中央区梅田1-1").unwrap_err().to_string(),
        "梅田 is not a 町字 of 大阪市中央区"
    );
}
