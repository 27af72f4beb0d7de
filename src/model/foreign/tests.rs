use super::*;

fn nat(s: &str) -> Nationality {
    Nationality::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn the_country_table_is_whole() {
    let lines: Vec<&str> = COUNTRIES_TSV
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(lines.len(), 249);
    for line in &lines {
        let (code, name) = country_line(line);
        assert!(!name.is_empty() && name.trim() == name, "{line}");
        assert_ne!(code, *b"XX", "{line}");
    }
    // Every code once; every name key once, so a name finds one value.
    let all: Vec<Nationality> = Nationality::all().collect();
    assert_eq!(all.len(), 249 - 1 + EXTRA.len());
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    let mut keys: Vec<String> = all.iter().map(|n| name_key(n.name())).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), all.len());
    for n in &all {
        assert_eq!(Nationality::parse(n.name()), Ok(*n), "{}", n.name());
        assert_eq!(Nationality::from_code(n.code()), Ok(*n));
        assert_eq!(Nationality::parse(&n.to_string()), Ok(*n));
    }
    for (alias, code) in ALIASES {
        assert!(Nationality::from_code(code).is_ok(), "{alias}");
    }
}

#[test]
fn nationality_by_code_and_name() {
    for s in [
        "CN",
        "cn",
        "Cn",
        "ＣＮ",
        "ｃｎ",
        " CN ",
        "中国",
        "中華人民共和国",
        "　中国　",
    ] {
        assert_eq!(nat(s).code(), "CN", "{s}");
    }
    assert_eq!(nat("CN").to_string(), "中国");
    assert_eq!(nat("韓国").code(), "KR");
    assert_eq!(nat("大韓民国").code(), "KR");
    assert_eq!(nat("ベトナム").code(), "VN");
    assert_eq!(nat("米国").code(), "US");
    assert_eq!(nat("アメリカ").to_string(), "アメリカ合衆国");
    assert_eq!(nat("英国").code(), "GB");
    assert_eq!(nat("イギリス").code(), "GB");
    assert_eq!(nat("フィリピン").code(), "PH");
    assert_eq!(nat("ブラジル").code(), "BR");
    assert_eq!(nat("ネパール").code(), "NP");
    assert_eq!(nat("台湾").code(), "TW");
    assert_eq!(nat("香港").code(), "HK");
    assert_eq!(nat("ミャンマー").code(), "MM");
    assert_eq!(nat("ミャンマー(ビルマ)").code(), "MM");
    assert_eq!(nat("ﾍﾞﾄﾅﾑ").code(), "VN");
}

#[test]
fn nationality_values_of_the_register() {
    assert_eq!(nat("無国籍"), Nationality::STATELESS);
    assert_eq!(Nationality::STATELESS.code(), "XX");
    assert_eq!(Nationality::STATELESS.to_string(), "無国籍");
    assert_eq!(nat("xx"), Nationality::STATELESS);
    assert_eq!(nat("朝鮮").code(), "XN");
    assert_eq!(nat("北朝鮮").code(), "KP");
    assert_eq!(nat("朝鮮民主主義人民共和国").code(), "KP");
    assert_eq!(nat("コソボ").code(), "XK");
}

#[test]
fn nationality_refusals() {
    let e = Nationality::parse("日本").unwrap_err();
    assert_eq!(e.field, "nationality");
    assert!(
        e.reason.starts_with("日本 (JP) is not a nationality"),
        "{e}"
    );
    assert!(Nationality::parse("JP").is_err());
    assert!(Nationality::parse("jp").is_err());
    assert!(Nationality::from_code("JP").is_err());
    assert_eq!(
        Nationality::parse("QQ").unwrap_err().reason,
        "QQ is not an ISO 3166-1 alpha-2 code of the list"
    );
    assert_eq!(
        Nationality::parse("アトランティス").unwrap_err().reason,
        "\"アトランティス\" is no country or region of the list; write its name or its ISO 3166-1 code"
    );
    assert_eq!(Nationality::parse(" ").unwrap_err().reason, "empty");
    assert!(Nationality::parse("CHN").is_err());
    assert_eq!(
        Nationality::from_code("cn").unwrap_err().reason,
        "code \"cn\" is not two upper-case letters"
    );
    assert!(Nationality::from_code("").is_err());
    assert!(Nationality::from_code("CNN").is_err());
}

#[test]
fn residence_status_names() {
    assert_eq!(ResidenceStatus::ALL.len(), 39);
    for (i, s) in ResidenceStatus::ALL.iter().enumerate() {
        assert_eq!(usize::from(s.code()), i + 1, "codes are dense and ordered");
        assert_eq!(ResidenceStatus::parse(s.name()), Ok(*s));
        assert_eq!(ResidenceStatus::from_code(s.code()), Ok(*s));
        assert_eq!(s.to_string().parse::<ResidenceStatus>(), Ok(*s));
    }
    assert_eq!(
        ResidenceStatus::parse("技術・人文知識・国際業務"),
        Ok(ResidenceStatus::EngineerHumanitiesInternational)
    );
    assert_eq!(
        ResidenceStatus::parse("技術･人文知識･国際業務"),
        Ok(ResidenceStatus::EngineerHumanitiesInternational)
    );
    assert_eq!(
        ResidenceStatus::parse("特定技能１号"),
        Ok(ResidenceStatus::SpecifiedSkilled1)
    );
    assert_eq!(
        ResidenceStatus::parse(" 高度専門職1号ロ "),
        Ok(ResidenceStatus::HighlySkilled1b)
    );
    assert_eq!(
        ResidenceStatus::parse("ﾃｲｼﾞｭｳｼｬ").map(|s| s.code()).ok(),
        None
    );
    assert_eq!(
        ResidenceStatus::parse("特別永住者"),
        Ok(ResidenceStatus::SpecialPermanentResident)
    );
    assert!(ResidenceStatus::PermanentResident.is_indefinite());
    assert!(ResidenceStatus::SpecialPermanentResident.is_indefinite());
    assert!(!ResidenceStatus::Student.is_indefinite());
}

#[test]
fn residence_status_refusals() {
    let e = ResidenceStatus::parse("育成就労").unwrap_err();
    assert_eq!(e.field, "residence status");
    assert_eq!(
        e.reason,
        "\"育成就労\" is not a 在留資格 of 入管法 別表第一・第二 or 特別永住者"
    );
    for s in ["技能実習", "特定技能", "高度専門職", "永住", "35", ""] {
        assert!(ResidenceStatus::parse(s).is_err(), "{s}");
    }
    assert_eq!(ResidenceStatus::parse("").unwrap_err().reason, "empty");
    assert_eq!(
        ResidenceStatus::from_code(0).unwrap_err().reason,
        "unknown code 0, expected 1..=39"
    );
    assert!(ResidenceStatus::from_code(40).is_err());
}

#[test]
fn foreign_category() {
    assert_eq!(ForeignCategory::ALL.len(), 6);
    for c in ForeignCategory::ALL {
        assert_eq!(ForeignCategory::parse(c.name()), Ok(*c));
        assert_eq!(ForeignCategory::parse(&c.code().to_string()), Ok(*c));
        assert_eq!(ForeignCategory::from_code(c.code()), Ok(*c));
    }
    assert_eq!(
        ForeignCategory::parse("１"),
        Ok(ForeignCategory::MidToLongTerm)
    );
    assert_eq!(
        ForeignCategory::parse("国籍喪失による経過滞在者"),
        Ok(ForeignCategory::TransitionalByLossOfNationality)
    );
    assert_eq!(ForeignCategory::TransitionalByLossOfNationality.code(), 6);
    assert_eq!(ForeignCategory::SpecialPermanent.to_string(), "特別永住者");
    let e = ForeignCategory::parse("7").unwrap_err();
    assert_eq!(e.field, "foreign resident category");
    assert_eq!(e.reason, "unknown code 7, expected 1..=6");
    assert!(ForeignCategory::parse("0").is_err());
    assert!(ForeignCategory::parse("永住者").is_err());
    assert!(ForeignCategory::parse("").is_err());
    assert!(ForeignCategory::from_code(0).is_err());
}

#[test]
fn card_kind() {
    assert_eq!(CardKind::ALL.len(), 2);
    assert_eq!(CardKind::parse("在留カード"), Ok(CardKind::ResidenceCard));
    assert_eq!(CardKind::parse("1"), Ok(CardKind::ResidenceCard));
    assert_eq!(
        CardKind::parse("特別永住者証明書"),
        Ok(CardKind::SpecialPermanentResidentCertificate)
    );
    assert_eq!(
        CardKind::parse("２"),
        Ok(CardKind::SpecialPermanentResidentCertificate)
    );
    assert_eq!(CardKind::ResidenceCard.to_string(), "在留カード");
    assert_eq!(CardKind::from_code(2).unwrap().code(), 2);
    let e = CardKind::parse("3").unwrap_err();
    assert_eq!(e.field, "card kind");
    assert_eq!(e.reason, "unknown code 3, expected 1..=2");
    assert_eq!(
        CardKind::parse("旅券").unwrap_err().reason,
        "\"旅券\" is not 在留カード, 特別永住者証明書 or a code 1 or 2"
    );
}

#[test]
fn residence_card_numbers() {
    for s in [
        "AB12345678CD",
        "ab12345678cd",
        "ＡＢ１２３４５６７８ＣＤ",
        " AB 1234 5678 CD ",
        "AB-12345678-CD",
    ] {
        let n = ResidenceCardNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(n.to_string(), "AB12345678CD", "{s}");
        assert_eq!(n.as_str(), "AB12345678CD");
    }
    let reason = |s: &str| {
        let e = ResidenceCardNumber::parse(s).unwrap_err();
        assert_eq!(e.field, "residence card number");
        e.reason
    };
    assert_eq!(
        reason("AB1234567CD"),
        "expected 12 characters (2 letters, 8 digits, 2 letters), got 11"
    );
    assert_eq!(
        reason(""),
        "expected 12 characters (2 letters, 8 digits, 2 letters), got 0"
    );
    assert_eq!(
        reason("A112345678CD"),
        "character 2 is '1', expected a Latin letter"
    );
    assert_eq!(
        reason("AB1234O678CD"),
        "character 7 is 'O', expected a digit"
    );
    assert_eq!(
        reason("AB12345678C4"),
        "character 12 is '4', expected a Latin letter"
    );
    assert!(ResidenceCardNumber::parse("ÄB12345678CD").is_err());
    assert!(ResidenceCardNumber::parse("AB12345678CDE").is_err());
}

#[test]
fn latin_names() {
    let name = |s: &str| LatinName::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    assert_eq!(name("Nguyen Van An").to_string(), "NGUYEN VAN AN");
    assert_eq!(name("  nguyen   van\u{3000}an ").as_str(), "NGUYEN VAN AN");
    assert_eq!(name("ＳＭＩＴＨ　ＪＯＨＮ").as_str(), "SMITH JOHN");
    assert_eq!(
        name("O'Brien-Smith, Mary J.").as_str(),
        "O'BRIEN-SMITH, MARY J."
    );
    assert_eq!(name(&"A".repeat(100)).as_str().len(), 100);
    let reason = |s: &str| {
        let e = LatinName::parse(s).unwrap_err();
        assert_eq!(e.field, "Latin name");
        e.reason
    };
    assert_eq!(
        reason("José"),
        "character 'é' at position 4 is not a Latin letter, space, hyphen, apostrophe, \
         comma or full stop"
    );
    assert_eq!(
        reason("KIM 2"),
        "character '2' at position 5 is not a Latin letter, space, hyphen, apostrophe, \
         comma or full stop"
    );
    assert!(reason("山田 太郎").starts_with("character '山' at position 1"));
    assert_eq!(reason("   "), "empty");
    assert_eq!(
        reason(&"A".repeat(101)),
        "101 characters, at most 100 allowed"
    );
    assert_eq!(reason("A\tB"), "control character U+0009");
}

#[test]
fn stay_periods() {
    for (input, shown) in [
        ("5年", "5年"),
        ("3年6月", "3年6月"),
        ("3年 6月", "3年6月"),
        ("６月", "6月"),
        ("6か月", "6月"),
        ("6ヶ月", "6月"),
        ("1年6カ月", "1年6月"),
        ("90日", "90日"),
        ("15日", "15日"),
        ("無期限", "無期限"),
        (" 無期限 ", "無期限"),
        ("4年11月", "4年11月"),
    ] {
        let p = StayPeriod::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(p.to_string(), shown, "{input}");
        assert_eq!(shown.parse::<StayPeriod>(), Ok(p));
    }
    assert!(StayPeriod::INDEFINITE.is_indefinite());
    assert_eq!(StayPeriod::INDEFINITE.parts(), None);
    assert_eq!(
        StayPeriod::parse("3年6月").unwrap().parts(),
        Some((3, 6, 0))
    );
    assert_eq!(StayPeriod::parse("90日").unwrap().parts(), Some((0, 0, 90)));
    assert!(!StayPeriod::parse("90日").unwrap().is_indefinite());
}

#[test]
fn stay_period_refusals() {
    let reason = |s: &str| {
        let e = StayPeriod::parse(s).unwrap_err();
        assert_eq!(e.field, "period of stay");
        e.reason
    };
    assert_eq!(reason(""), "empty");
    assert_eq!(reason("0年"), "a period of no time");
    assert_eq!(reason("6年"), "longer than 5 years, the longest 在留期間");
    assert_eq!(
        reason("5年1月"),
        "longer than 5 years, the longest 在留期間"
    );
    assert_eq!(
        reason("12月"),
        "12月: months are 1..=11; write whole years as 年"
    );
    assert_eq!(
        reason("400日"),
        "400日: at most 365 days; write longer periods in 年 and 月"
    );
    for s in [
        "5",
        "年",
        "5年年",
        "1年2日",
        "6月15日",
        "永住",
        "5years",
        "1000日",
        "3月6年",
    ] {
        assert!(StayPeriod::parse(s).is_err(), "{s}");
    }
    assert_eq!(
        reason("5"),
        "\"5\" is not a period; expected 5年, 3年6月, 6月, 90日 or 無期限"
    );
    assert!(StayPeriod::finite(1, 0, 3).is_err());
    assert!(StayPeriod::finite(0, 0, 0).is_err());
    assert_eq!(StayPeriod::finite(5, 0, 0).unwrap().to_string(), "5年");
}
