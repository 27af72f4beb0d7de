use super::*;

fn ashiya() -> Municipality {
    Municipality::parse("282065", "兵庫県", "芦屋市").unwrap()
}

fn load(csv: &str) -> Result<TownDictionary, DictionaryError> {
    TownDictionary::from_csv(&ashiya(), csv.as_bytes())
}

fn fails(csv: &str) -> (u64, Option<String>, String) {
    let e = load(csv).unwrap_err();
    (e.line, e.column, e.reason)
}

#[test]
fn the_ashiya_dictionary_loads() {
    let d = TownDictionary::ashiya();
    assert_eq!(d.municipality().name(), "芦屋市");
    assert!(d.towns().len() >= 60, "{}", d.towns().len());
    let t = d.get(None, "朝日ヶ丘町").unwrap();
    assert_eq!(t.name(), "朝日ケ丘町");
    assert_eq!(t.kana().as_str(), "アサヒガオカチョウ");
    assert_eq!(t.postal_codes()[0].to_string(), "659-0012");
    assert_eq!(t.line(), 13);
    assert_eq!(
        d.get(None, "精道町").unwrap().postal_codes()[0].to_string(),
        "659-0064"
    );
    assert_eq!(d.get(None, "茶屋の町").unwrap().name(), "茶屋之町");
    assert!(d.get(None, "梅田").is_none());
}

#[test]
fn every_column() {
    let csv = "# a comment\n\
               town,kana,postal,ward,chome,areas\n\
               本町,ほんまち,659-0001 659-0002,,3,school=精道; district = 1\n";
    let d = load(csv).unwrap();
    let t = &d.towns()[0];
    assert_eq!(t.kana().as_str(), "ホンマチ");
    assert_eq!(t.postal_codes().len(), 2);
    assert_eq!(t.chome(), Some(3));
    assert_eq!(t.ward(), None);
    assert_eq!(t.areas()["school"], "精道");
    assert_eq!(t.areas()["district"], "1");
    assert_eq!(t.line(), 3);
    // Columns in any order; the optional ones may be left out.
    let d = load("postal,town,kana\n659-0001,本町,ホンマチ\n").unwrap();
    assert_eq!(d.towns()[0].name(), "本町");
}

#[test]
fn header_errors() {
    assert_eq!(
        fails("town,kana\n"),
        (1, None, "the header has no column postal".into())
    );
    assert_eq!(
        fails("# source\ntown,kana,postal,zip\n"),
        (
            2,
            Some("zip".into()),
            "not a column of the address dictionary (town, kana, postal, ward, chome, areas)"
                .into()
        )
    );
    assert_eq!(
        fails("town,kana,postal,town\n").2,
        "the column is named twice"
    );
    assert_eq!(fails(""), (1, None, "no header row".into()));
    assert_eq!(fails("town,kana,postal\n").2, "no 町字");
}

#[test]
fn cell_errors_name_line_and_column() {
    let head = "# comment\ntown,kana,postal,chome,areas\n";
    let at = |row: &str| {
        let (line, column, reason) = fails(&format!("{head}本町,ホンマチ,659-0001,,\n{row}\n"));
        (line, column.unwrap_or_default(), reason)
    };
    assert_eq!(
        at("新町,シンマチ,659-001,,"),
        (
            4,
            "postal".into(),
            "\"659-001\": expected 7 digits, got 6".into()
        )
    );
    assert_eq!(
        at("新町,シンマチ,,,"),
        (
            4,
            "postal".into(),
            "empty: a 町字 has at least one postal code".into()
        )
    );
    assert_eq!(
        at("新町,シンマチ,659-0001;659-0001,,").2,
        "659-0001 is given twice"
    );
    assert_eq!(at("新町,sin,659-0001,,").1, "kana");
    assert_eq!(
        at(",シンマチ,659-0001,,"),
        (4, "town".into(), "empty".into())
    );
    assert_eq!(at("新町1,シンマチ,659-0001,,").2, "\"新町1\" contains '1'");
    assert!(at("新町一丁目,シンマチ,659-0001,,")
        .2
        .contains("ends in 丁目"));
    assert_eq!(at("新町,シンマチ,659-0001,0,").1, "chome");
    assert_eq!(at("新町,シンマチ,659-0001,x,").1, "chome");
    assert_eq!(
        at("新町,シンマチ,659-0001,,school").2,
        "\"school\" is not key=value"
    );
    assert_eq!(at("新町,シンマチ,659-0001,,School=1").1, "areas");
    assert_eq!(at("新町,シンマチ,659-0001,,a=1;a=2").2, "a is given twice");
    assert_eq!(
        at("新町,シンマチ"),
        (4, String::new(), "2 fields, the header has 5".into())
    );
    let e = load(&format!("{head}新町,シンマチ,659-001,,\n")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "address dictionary, line 3, column postal: \"659-001\": expected 7 digits, got 6"
    );
}

#[test]
fn not_utf8() {
    let mut bytes = b"town,kana,postal\n".to_vec();
    bytes.extend_from_slice(&[0x96, 0x7b, b'\n']);
    let e = TownDictionary::from_csv(&ashiya(), bytes.as_slice()).unwrap_err();
    assert_eq!((e.line, e.reason.as_str()), (2, "not UTF-8"));
}

#[test]
fn duplicates_are_refused_after_folding() {
    let (line, column, reason) = fails(
        "town,kana,postal\n朝日ケ丘町,アサヒガオカチョウ,659-0012\n朝日ヶ丘町,アサヒガオカチョウ,659-0012\n",
    );
    assert_eq!(line, 3);
    assert_eq!(column.as_deref(), Some("town"));
    assert_eq!(reason, "朝日ヶ丘町 repeats 朝日ケ丘町 of line 2");
}

#[test]
fn wards() {
    let osaka = Municipality::parse("271004", "大阪府", "大阪市")
        .and_then(|m| m.with_ward("271276", "北区"))
        .and_then(|m| m.with_ward("271284", "中央区"))
        .unwrap();
    let csv = "town,kana,postal,ward\n梅田,ウメダ,530-0001,北区\n本町,ホンマチ,541-0053,中央区\n本町,ホンマチ,530-0000,北区\n";
    let d = TownDictionary::from_csv(&osaka, csv.as_bytes()).unwrap();
    assert_eq!(d.get(Some("北区"), "梅田").unwrap().ward(), Some("北区"));
    assert!(d.get(Some("中央区"), "梅田").is_none());
    let e = TownDictionary::from_csv(
        &osaka,
        "town,kana,postal,ward\n梅田,ウメダ,530-0001,西区\n".as_bytes(),
    )
    .unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (2, Some("ward")));
    assert_eq!(e.reason, "\"西区\" is not a ward of 大阪市");
    let e = TownDictionary::from_csv(
        &osaka,
        "town,kana,postal\n梅田,ウメダ,530-0001\n".as_bytes(),
    )
    .unwrap_err();
    assert_eq!(
        e.reason,
        "大阪市 is a 政令指定都市: every 町字 needs its ward"
    );
    assert_eq!(
        fails("town,kana,postal,ward\n梅田,ウメダ,530-0001,北区\n").2,
        "\"北区\": 芦屋市 has no wards"
    );
}

#[test]
fn folding() {
    assert_eq!(fold_str("朝日ヶ丘"), fold_str("朝日が丘"));
    assert_eq!(fold_str("朝日ヵ丘"), "朝日ケ丘");
    assert_eq!(fold_str("松の内"), "松ノ内");
    assert_eq!(fold_str("茶屋之町"), "茶屋ノ町");
    assert_eq!(fold_str("精道町"), "精道町");
}
