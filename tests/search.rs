//! 4情報検索 as the counter uses it: two attributes at least, names by kanji or by reading,
//! addresses by prefix, former names and addresses, and searches as of a date.

mod common;
use common::*;
use juki::SearchQuery;
use juki::{Fields, SearchHit};
use juki::{Kana, Name, Reason, Sex};

fn town() -> Fixture {
    let f = Fixture::in_ashiya();
    f.db.record(&move_in(1, &taro(), "2020-04-01")).unwrap();
    f.db.record(&move_in(2, &hanako(), "2020-04-01")).unwrap();
    // Same name and birth date as 太郎, another address and household.
    let mut twin = taro();
    twin.my_number = 3;
    twin.address = "芦屋市打出町2-3 コーポ芦屋101";
    twin.household = 300;
    f.db.record(&move_in(3, &twin, "2021-01-01")).unwrap();
    // A variant kanji surname.
    let mut taka = taro();
    taka.my_number = 4;
    taka.name = "髙橋 一郎";
    taka.kana = "タカハシ イチロウ";
    taka.birth = "1975-12-24";
    taka.household = 400;
    taka.address = "芦屋市精道町1-1";
    f.db.record(&move_in(4, &taka, "2021-01-01")).unwrap();
    // A surname that starts like another.
    let mut yamadagawa = taro();
    yamadagawa.my_number = 5;
    yamadagawa.name = "山田川 花";
    yamadagawa.kana = "ヤマダガワ ハナ";
    yamadagawa.household = 500;
    yamadagawa.sex = Sex::Female;
    f.db.record(&move_in(5, &yamadagawa, "2021-01-01")).unwrap();
    f
}

fn codes(hits: &[SearchHit]) -> Vec<u64> {
    let mut v: Vec<u64> = hits
        .iter()
        .map(|h| {
            let c = h.resident.code.get();
            (1..=9).find(|n| code(*n).get() == c).unwrap()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn one_attribute_or_sex_alone_is_refused_before_reading() {
    let f = town();
    for q in [
        SearchQuery::new().name("山田 太郎").unwrap(),
        SearchQuery::new().address("芦屋市"),
        SearchQuery::new().birth(date("1980-04-01")).sex(Sex::Male),
        SearchQuery::new(),
    ] {
        assert_eq!(f.db.find(&q).unwrap_err().code(), "SEARCH_MINIMUM");
    }
}

#[test]
fn name_and_birth_find_namesakes_at_every_address() {
    let f = town();
    let hits =
        f.db.find(
            &SearchQuery::new()
                .name("山田 太郎")
                .unwrap()
                .birth(date("S55.4.1")),
        )
        .unwrap();
    assert_eq!(codes(&hits), vec![1, 3]);
    assert!(hits.iter().all(|h| h.current));
}

#[test]
fn name_and_address_tell_namesakes_apart() {
    let f = town();
    let hits =
        f.db.find(
            &SearchQuery::new()
                .name("山田 太郎")
                .unwrap()
                .address("兵庫県芦屋市打出町"),
        )
        .unwrap();
    assert_eq!(codes(&hits), vec![3]);
    let hits =
        f.db.find(
            &SearchQuery::new()
                .name("山田 太郎")
                .unwrap()
                .address("芦屋市精道町７－６"),
        )
        .unwrap();
    assert_eq!(codes(&hits), vec![1]);
}

#[test]
fn birth_and_address() {
    let f = town();
    let born = || SearchQuery::new().birth(date("1980-04-01"));
    let hits = f.db.find(&born().address("精道町")).unwrap();
    assert_eq!(codes(&hits), vec![1, 5]);
    let hits = f.db.find(&born().address("芦屋市打出町")).unwrap();
    assert_eq!(codes(&hits), vec![3]);
    let hits =
        f.db.find(&born().address("精道町").sex(Sex::Female))
            .unwrap();
    assert_eq!(codes(&hits), vec![5]);
    // The municipality every resident shares is no information.
    for everyone in ["芦屋市", "兵庫県芦屋市", "兵庫県"] {
        let err = f.db.find(&born().address(everyone)).unwrap_err();
        assert_eq!(err.code(), "SEARCH_MINIMUM", "{everyone}");
    }
}

#[test]
fn a_surname_alone_matches_the_surname_not_a_longer_one() {
    let f = town();
    let hits =
        f.db.find(&SearchQuery::new().name("山田").unwrap().address("精道町"))
            .unwrap();
    assert_eq!(codes(&hits), vec![1, 2]);
    let hits =
        f.db.find(
            &SearchQuery::new()
                .name("山田")
                .unwrap()
                .birth(date("1980-04-01")),
        )
        .unwrap();
    assert_eq!(codes(&hits), vec![1, 3]);
}

#[test]
fn kana_matches_a_whole_surname_or_name_never_a_prefix() {
    let f = town();
    // Without dakuten, in hiragana, surname only: ヤマダ, not ヤマダガワ.
    let hits =
        f.db.find(
            &SearchQuery::new()
                .name("やまた")
                .unwrap()
                .birth(date("1980-04-01")),
        )
        .unwrap();
    assert_eq!(codes(&hits), vec![1, 3]);
    let hits =
        f.db.find(
            &SearchQuery::new()
                .name("ﾔﾏﾀﾞ ﾀﾛｳ")
                .unwrap()
                .address("芦屋市精道町"),
        )
        .unwrap();
    assert_eq!(codes(&hits), vec![1]);
    // A prefix of a surname finds nobody.
    for prefix in ["や", "ヤマ", "やまだが"] {
        let q = SearchQuery::new()
            .name(prefix)
            .unwrap()
            .birth(date("1980-04-01"));
        assert!(f.db.find(&q).unwrap().is_empty(), "{prefix}");
    }
}

#[test]
fn variant_kanji_are_found_by_their_common_form() {
    let f = town();
    let hits =
        f.db.find(
            &SearchQuery::new()
                .name("高橋 一郎")
                .unwrap()
                .birth(date("1975-12-24")),
        )
        .unwrap();
    assert_eq!(codes(&hits), vec![4]);
    assert_eq!(hits[0].resident.name.as_str(), "髙橋 一郎");
}

#[test]
fn former_addresses_and_names_are_found_and_flagged() {
    let f = town();
    f.db.record(&change(
        Reason::Move,
        3,
        "2023-01-01",
        moving_to("芦屋市朝日ケ丘町5-5"),
    ))
    .unwrap();
    let hits =
        f.db.find(
            &SearchQuery::new()
                .name("山田 太郎")
                .unwrap()
                .address("芦屋市打出町"),
        )
        .unwrap();
    assert_eq!(codes(&hits), vec![3]);
    assert!(!hits[0].current);
    assert_eq!(hits[0].resident.version, 1);
    assert_eq!(
        hits[0].resident.address.written(),
        "芦屋市打出町2-3 コーポ芦屋101"
    );
    // As of a date after the move, the old address no longer matches.
    let q = SearchQuery::new()
        .name("山田 太郎")
        .unwrap()
        .address("芦屋市打出町");
    assert_eq!(
        codes(&f.db.find(&q.clone().as_of(date("2022-12-31"))).unwrap()),
        vec![3]
    );
    assert!(f.db.find(&q.as_of(date("2023-01-01"))).unwrap().is_empty());
    // A rename: the old name is found and flagged, the new one is current.
    let rename = Fields {
        name: Some(Name::parse("佐藤 太郎").unwrap()),
        kana: Some(Kana::parse("サトウ タロウ").unwrap()),
        ..Fields::default()
    };
    f.db.record(&change(Reason::Rename, 1, "2024-01-01", rename))
        .unwrap();
    let old =
        f.db.find(
            &SearchQuery::new()
                .name("ヤマダ タロウ")
                .unwrap()
                .birth(date("1980-04-01")),
        )
        .unwrap();
    let one = old.iter().find(|h| h.resident.code == code(1)).unwrap();
    assert!(!one.current);
    let new =
        f.db.find(
            &SearchQuery::new()
                .name("佐藤")
                .unwrap()
                .birth(date("1980-04-01")),
        )
        .unwrap();
    assert_eq!(codes(&new), vec![1]);
    assert!(new[0].current);
}

#[test]
fn as_of_before_someone_arrived_does_not_find_them() {
    let f = town();
    let q = SearchQuery::new()
        .name("山田 太郎")
        .unwrap()
        .birth(date("1980-04-01"));
    assert_eq!(
        codes(&f.db.find(&q.clone().as_of(date("2020-12-31"))).unwrap()),
        vec![1]
    );
    assert_eq!(
        codes(&f.db.find(&q.as_of(date("2021-01-01"))).unwrap()),
        vec![1, 3]
    );
}

#[test]
fn results_come_in_a_stable_order_and_limit_lowers_the_ceiling() {
    let f = town();
    let q = SearchQuery::new()
        .birth(date("1980-04-01"))
        .address("芦屋市精道町");
    let a = f.db.find(&q).unwrap();
    let b = f.db.find(&q).unwrap();
    assert_eq!(a, b);
    // Ordered by the 清音化 key of the reading, then birth date and code.
    let order: Vec<_> = a
        .iter()
        .map(|h| h.resident.kana.as_str().to_string())
        .collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|k| juki::KanaKey::from_query(k).unwrap());
    assert_eq!(order, sorted);
    // LIMIT is a ceiling, not a cut: as many as match pass whole, one more than it allows
    // refuses the search (nobody returned) with the count.
    assert!(a.len() >= 2, "{} hits", a.len());
    assert_eq!(f.db.find(&q.clone().limit(a.len())).unwrap(), a);
    let err = f.db.find(&q.limit(a.len() - 1)).unwrap_err();
    assert_eq!(err.code(), "SEARCH_MINIMUM");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("{} residents match", a.len())),
        "{msg}"
    );
    assert!(msg.contains("narrow"), "{msg}");
}

#[test]
fn removed_residents_are_found_and_flagged() {
    let f = town();
    f.db.record(&change(
        Reason::MoveOut,
        3,
        "2024-01-01",
        Fields {
            destination: Some(address("東京都港区芝公園4-2-8")),
            ..Fields::default()
        },
    ))
    .unwrap();
    let hits =
        f.db.find(
            &SearchQuery::new()
                .name("山田 太郎")
                .unwrap()
                .address("芦屋市打出町"),
        )
        .unwrap();
    assert_eq!(codes(&hits), vec![3]);
    assert!(!hits[0].resident.is_active());
    assert!(hits[0].current);
}

/// Residents written each way a name can be written: each is found by every other way.
#[test]
fn every_way_of_writing_a_name_finds_every_other() {
    let groups: [&[&str]; 7] = [
        &["浜田 一郎", "濱田 一郎", "濵田 一郎", "浜田一郎"],
        &["高橋 二郎", "髙橋 二郎", "高橋二郎"],
        &["辻 三郎", "辻\u{E0100} 三郎", "辻\u{E0100}三郎"],
        &["渡辺 四郎", "渡邊 四郎", "渡邉 四郎"],
        &["宮崎 五郎", "宮﨑 五郎", "宮嵜 五郎"],
        &[
            "SMITH John",
            "smith john",
            "ＳＭＩＴＨ　Ｊｏｈｎ",
            "SmithJohn",
        ],
        &["沢田 六郎", "澤田 六郎"],
    ];
    let f = Fixture::in_ashiya();
    let mut n = 10;
    let mut stored: Vec<(u64, usize)> = Vec::new();
    for (g, names) in groups.iter().enumerate() {
        for name in names.iter() {
            let mut p = taro();
            p.my_number = n;
            p.name = name;
            p.kana = "ダレ カ";
            p.birth = "1970-01-01";
            p.household = n;
            f.db.record(&move_in(n, &p, "2021-01-01")).unwrap();
            assert_eq!(
                f.db.get(code(n)).unwrap().unwrap().name.as_str(),
                Name::parse(name).unwrap().as_str(),
                "the name is stored as written"
            );
            stored.push((n, g));
            n += 1;
        }
    }
    for (g, names) in groups.iter().enumerate() {
        let expected: Vec<u64> = stored.iter().filter(|s| s.1 == g).map(|s| s.0).collect();
        for query in names.iter() {
            for q in [
                SearchQuery::new()
                    .name(query)
                    .unwrap()
                    .birth(date("1970-01-01")),
                SearchQuery::new().name(query).unwrap().address("精道町"),
            ] {
                let mut found: Vec<u64> =
                    f.db.find(&q)
                        .unwrap()
                        .iter()
                        .map(|h| (10..n).find(|c| code(*c) == h.resident.code).unwrap())
                        .collect();
                found.sort();
                assert_eq!(found, expected, "{query}");
            }
        }
    }
}

#[test]
fn a_reading_with_di_or_du_is_found_by_ji_or_zu() {
    let f = Fixture::new();
    let mut p = taro();
    p.name = "千々岩 七郎";
    p.kana = "チヂワ シチロウ";
    f.db.record(&move_in(1, &p, "2021-01-01")).unwrap();
    for q in ["チジワ", "ちぢわ", "チヂワ シチロウ", "ちじわしちろう"] {
        let hits =
            f.db.find(&SearchQuery::new().name(q).unwrap().birth(date(p.birth)))
                .unwrap();
        assert_eq!(hits.len(), 1, "{q}");
    }
}

#[test]
fn an_address_is_found_however_it_is_written() {
    let f = town();
    let mut asahi = taro();
    asahi.my_number = 6;
    asahi.household = 600;
    asahi.address = "兵庫県芦屋市朝日ヶ丘町5番6号";
    f.db.record(&move_in(6, &asahi, "2021-01-01")).unwrap();
    let born = || SearchQuery::new().birth(date("1980-04-01"));
    // 太郎 and 山田川 花 live at 兵庫県芦屋市精道町7番6号.
    for written in [
        "精道町7番6号",
        "精道町七番六号",
        "精道町7番地の6",
        "精道町7番地6",
        "精道町7の6",
        "精道町７－６",
        "芦屋市精道町7ー6",
        "兵庫県芦屋市精道町 7 - 6",
    ] {
        let hits = f.db.find(&born().address(written)).unwrap();
        assert_eq!(codes(&hits), vec![1, 5], "{written}");
    }
    // The spellings of one 町名.
    for written in [
        "朝日ケ丘町5-6",
        "朝日が丘町",
        "芦屋市朝日ガ丘町五番六号",
        "朝日ヵ丘町5の6",
    ] {
        let hits = f.db.find(&born().address(written)).unwrap();
        assert_eq!(codes(&hits), vec![6], "{written}");
    }
    // A 方書 is ignored unless given, and then it must match.
    let hits = f.db.find(&born().address("打出町2-3")).unwrap();
    assert_eq!(codes(&hits), vec![3]);
    let hits =
        f.db.find(&born().address("打出町2-3 コーポ芦屋101"))
            .unwrap();
    assert_eq!(codes(&hits), vec![3]);
    let hits =
        f.db.find(&born().address("打出町2-3 コーポ芦屋102"))
            .unwrap();
    assert_eq!(codes(&hits), Vec::<u64>::new());
}

#[test]
fn house_numbers_match_whole() {
    let f = town();
    let mut sixty = taro();
    sixty.my_number = 6;
    sixty.household = 600;
    sixty.address = "芦屋市精道町7番60号";
    f.db.record(&move_in(6, &sixty, "2021-01-01")).unwrap();
    let mut seventy = taro();
    seventy.my_number = 7;
    seventy.household = 700;
    seventy.address = "芦屋市精道町70番6号";
    f.db.record(&move_in(7, &seventy, "2021-01-01")).unwrap();
    let born = || SearchQuery::new().birth(date("1980-04-01"));
    let find = |a: &str| codes(&f.db.find(&born().address(a)).unwrap());
    assert_eq!(find("精道町7番6号"), vec![1, 5]);
    assert_eq!(find("精道町7番60号"), vec![6]);
    assert_eq!(find("精道町7"), vec![1, 5, 6]);
    assert_eq!(find("精道町70"), vec![7]);
    assert_eq!(find("精道町"), vec![1, 5, 6, 7]);
    // Through the name+address index too.
    let hits =
        f.db.find(
            &SearchQuery::new()
                .name("山田")
                .unwrap()
                .address("精道町7-6"),
        )
        .unwrap();
    assert_eq!(codes(&hits), vec![1, 2]);
}

#[test]
fn an_address_that_is_no_information_is_refused() {
    let f = town();
    for (address, says) in [
        ("芦屋市", "names only 芦屋市"),
        ("兵庫県芦屋市", "names only 芦屋市"),
        ("兵庫県", "names only 兵庫県"),
        ("神戸市", "names only 神戸市"),
        ("芦屋市精", "not a whole 町字 of 芦屋市"),
        ("朝日", "not a whole 町字"),
    ] {
        for q in [
            SearchQuery::new().name("山田").unwrap().address(address),
            SearchQuery::new()
                .birth(date("1980-04-01"))
                .address(address),
        ] {
            let err = f.db.find(&q).unwrap_err();
            assert_eq!(err.code(), "SEARCH_MINIMUM", "{address}");
            assert!(err.to_string().contains(says), "{address}: {err}");
        }
    }
}

/// Hundreds of namesakes, spelt with the space in three places or none, in four 町字 and
/// some moved since: every name query (kanji and reading, with and without the space,
/// surname alone) with every 町字 finds exactly those whose name it matches and whose
/// address (current or former) lies in the 町字. The index entries of one name then fill
/// several blocks, and a search steps from one 町字 of the name to the next.
#[test]
fn namesakes_in_many_towns_are_told_apart_by_town() {
    let f = Fixture::in_ashiya();
    let names = [
        ("山田 太郎", "ヤマダ タロウ"),
        ("山田太 郎", "ヤマダタ ロウ"),
        ("山田太郎", "ヤマダタロウ"),
        ("山田 次郎", "ヤマダ ジロウ"),
        ("山田川 太郎", "ヤマダガワ タロウ"),
    ];
    let towns = ["精道町", "打出町", "大原町", "朝日ケ丘町"];
    // (name index, towns lived in) of each resident, by resident number.
    let mut people: Vec<(usize, Vec<usize>)> = Vec::new();
    for i in 0..400u64 {
        let (n, t) = ((i % 5) as usize, (i / 5 % 4) as usize);
        let addr = format!("芦屋市{}{}番{}号", towns[t], i / 20 + 1, i % 20 + 1);
        let birth = format!("19{:02}-0{}-1{}", 40 + i % 50, i % 9 + 1, i % 9);
        let p = Person {
            my_number: 1000 + i,
            name: names[n].0,
            kana: names[n].1,
            birth: &birth,
            address: &addr,
            household: 10_000 + i,
            ..taro()
        };
        f.db.record(&move_in(100 + i, &p, "2020-04-01")).unwrap();
        let mut lived = vec![t];
        if i % 7 == 0 {
            let to = (t + 1) % 4;
            let moved = format!("芦屋市{}{}番{}号", towns[to], i / 20 + 1, i % 20 + 1);
            f.db.record(&change(
                Reason::Move,
                100 + i,
                "2022-06-01",
                moving_to(&moved),
            ))
            .unwrap();
            lived.push(to);
        }
        people.push((n, lived));
    }
    // Which names each query finds (by index into `names`).
    let queries: [(&str, &[usize]); 10] = [
        ("山田 太郎", &[0, 1, 2]),
        ("山田太郎", &[0, 1, 2]),
        ("山田", &[0, 3]),
        ("山田太", &[1]),
        ("山田川", &[4]),
        ("ヤマダ タロウ", &[0, 1, 2]),
        ("ヤマダタロウ", &[0, 1, 2]),
        ("やまだ", &[0, 3]),
        ("ヤマダガワ タロウ", &[4]),
        ("ヤマダ ジロウ", &[3]),
    ];
    for (q, found) in queries {
        for (t, town) in towns.iter().enumerate() {
            let hits =
                f.db.find(&SearchQuery::new().name(q).unwrap().address(town).limit(500))
                    .unwrap();
            let mut got: Vec<u64> = hits
                .iter()
                .map(|h| {
                    (0..400)
                        .find(|i| code(100 + i).get() == h.resident.code.get())
                        .unwrap()
                })
                .collect();
            got.sort();
            let want: Vec<u64> = (0..400u64)
                .filter(|&i| {
                    let (n, lived) = &people[i as usize];
                    found.contains(n) && lived.contains(&t)
                })
                .collect();
            assert!(!want.is_empty(), "{q} {town}");
            assert_eq!(got, want, "{q} in {town}");
        }
    }
}
