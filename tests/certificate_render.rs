//! The certificate renderers: the PDF read back with lopdf (pages, the embedded subset
//! font, the text of each page), missing glyphs, determinism, and the text golden.

use juki::certificate::{to_pdf, to_text, Document, Field, Person, RenderError};
use lopdf::Object;

const GIVEN: [&str; 12] = [
    "太郎", "花子", "一郎", "次郎", "三郎", "春子", "夏子", "秋子", "冬子", "健太", "美咲", "翔太",
];

/// A 住民票の写し of a household of `persons`, each with a name of its own.
fn sample(persons: usize) -> Document {
    Document {
        title: "住民票の写し".to_string(),
        serial: "第 000123 号".to_string(),
        header: vec![
            Field::new("住所", "兵庫県芦屋市精道町7番6号"),
            Field::new("世帯主", "山田　太郎"),
        ],
        persons: (0..persons).map(person).collect(),
        footer_notes: vec!["以下余白".to_string(), "個人番号は省略".to_string()],
        attestation: "この写しは、住民票の原本と相違ないことを証明する。".to_string(),
        issued_on: "令和8年12月7日".to_string(),
        issuer: "兵庫県芦屋市長　山田　一郎".to_string(),
    }
}

fn person(i: usize) -> Person {
    let given = GIVEN[i % GIVEN.len()];
    Person::new(vec![
        vec![
            Field::new("氏名", format!("山田　{given}")),
            Field::new("生年月日", format!("昭和{}年4月1日", 40 + i)),
            Field::new("性別", if i.is_multiple_of(2) { "男" } else { "女" }),
        ],
        vec![
            Field::new("続柄", if i == 0 { "世帯主" } else { "子" }),
            Field::new("住民となった年月日", "令和2年4月1日"),
        ],
        vec![Field::new(
            "住所を定めた年月日",
            "令和4年7月1日　届出　令和4年7月5日",
        )],
        vec![Field::new(
            "前住所",
            "大阪府大阪市北区梅田一丁目1番1号　梅田グランドハイツ東館二十三階二三〇一号室（令和4年7月1日転入）",
        )],
        vec![Field::new(
            "本籍",
            "兵庫県芦屋市精道町7番\n筆頭者　山田　太郎",
        )],
    ])
}

/// Every label and value of a document, the header's and the persons'.
fn fields(doc: &Document) -> Vec<&Field> {
    doc.header
        .iter()
        .chain(doc.persons.iter().flat_map(|p| p.rows.iter().flatten()))
        .collect()
}

/// The PDF parsed, and the text of each page (whitespace removed: wrapped lines and
/// the extractor's spacing do not matter).
fn pages_text(pdf: &[u8]) -> (lopdf::Document, Vec<String>) {
    let parsed = lopdf::Document::load_mem(pdf).expect("the PDF parses");
    let numbers: Vec<u32> = parsed.get_pages().keys().copied().collect();
    let texts = numbers
        .iter()
        .map(|&n| {
            let text = parsed.extract_text(&[n]).expect("the page's text extracts");
            text.chars().filter(|c| !c.is_whitespace()).collect()
        })
        .collect();
    (parsed, texts)
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn one_person_is_one_page_with_every_string() {
    let doc = sample(1);
    let pdf = to_pdf(&doc).unwrap();
    let (_, pages) = pages_text(&pdf);
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    for s in [
        &doc.title,
        &doc.serial,
        &doc.attestation,
        &doc.issued_on,
        &doc.issuer,
    ] {
        assert!(page.contains(&squeeze(s)), "page 1 lacks {s}: {page}");
    }
    for field in fields(&doc) {
        assert!(
            page.contains(&squeeze(&field.label)),
            "lacks {}",
            field.label
        );
        assert!(
            page.contains(&squeeze(&field.value)),
            "lacks {}",
            field.value
        );
    }
    for note in &doc.footer_notes {
        assert!(page.contains(note.as_str()));
    }
    assert!(page.contains("1/1"));
}

#[test]
fn many_persons_go_over_pages_whole_and_numbered() {
    let doc = sample(12);
    let pdf = to_pdf(&doc).unwrap();
    let (_, pages) = pages_text(&pdf);
    let n = pages.len();
    assert!(n >= 2, "12 persons on {n} page(s)");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("{}/{n}", i + 1)),
            "page {} unnumbered",
            i + 1
        );
        assert!(page.contains(&squeeze(&doc.title)));
        assert!(page.contains(&squeeze(&doc.serial)));
        // The header is repeated on every page.
        for field in &doc.header {
            assert!(page.contains(&squeeze(&field.value)));
        }
    }
    // Each person whole on exactly one page, in order.
    let mut last_page = 0;
    for (i, person) in doc.persons.iter().enumerate() {
        let on: Vec<usize> = (0..n)
            .filter(|&p| {
                person
                    .rows
                    .iter()
                    .flatten()
                    .all(|f| pages[p].contains(&squeeze(&f.value)))
            })
            .collect();
        // The birth date is the person's own (the name 山田太郎 is also the header's).
        let name = squeeze(&person.rows[0][1].value);
        let named: Vec<usize> = (0..n).filter(|&p| pages[p].contains(&name)).collect();
        assert_eq!(named.len(), 1, "person {} named on pages {named:?}", i + 1);
        assert!(on.contains(&named[0]), "person {} split", i + 1);
        assert!(named[0] >= last_page, "person {} out of order", i + 1);
        last_page = named[0];
    }
    // The closing only on the last page.
    let last = &pages[n - 1];
    for s in [&doc.attestation, &doc.issued_on, &doc.issuer] {
        assert!(last.contains(&squeeze(s)));
        assert!(pages[..n - 1].iter().all(|p| !p.contains(&squeeze(s))));
    }
    assert!(last.contains("以下余白"));
}

#[test]
fn the_font_is_embedded_as_a_small_subset() {
    let pdf = to_pdf(&sample(3)).unwrap();
    let parsed = lopdf::Document::load_mem(&pdf).unwrap();
    let mut font_files = Vec::new();
    let mut base_fonts = Vec::new();
    for object in parsed.objects.values() {
        let dict = match object {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            _ => continue,
        };
        for key in [&b"FontFile2"[..], b"FontFile3"] {
            if let Ok(Object::Reference(id)) = dict.get(key) {
                font_files.push(*id);
            }
        }
        if let Ok(Object::Name(name)) = dict.get(b"BaseFont") {
            base_fonts.push(String::from_utf8_lossy(name).into_owned());
        }
    }
    assert_eq!(font_files.len(), 1, "one embedded font file");
    let subset = base_fonts.iter().any(|name| {
        let (tag, rest) = name.split_at(7.min(name.len()));
        tag.len() == 7
            && tag[..6].bytes().all(|b| b.is_ascii_uppercase())
            && tag.ends_with('+')
            && rest.contains("IPAexMincho")
    });
    assert!(subset, "no subset BaseFont: {base_fonts:?}");

    let stream = parsed
        .get_object(font_files[0])
        .unwrap()
        .as_stream()
        .unwrap();
    let embedded = stream
        .decompressed_content()
        .unwrap_or(stream.content.clone());
    let full = std::fs::metadata("assets/fonts/ipaexm.ttf").unwrap().len() as usize;
    assert!(
        embedded.len() * 50 < full,
        "embedded font {} bytes of {full}",
        embedded.len()
    );
    assert!(pdf.len() < 200_000, "the PDF is {} bytes", pdf.len());
}

#[test]
fn a_character_without_glyph_is_refused_naming_the_label_not_the_value() {
    let mut doc = sample(2);
    doc.persons[1].rows[4][0] = Field::new("本籍", "秘密の本籍1234\u{E000}");
    let err = to_pdf(&doc).unwrap_err();
    assert_eq!(
        err,
        RenderError::MissingGlyph {
            field: "本籍".to_string(),
            character: '\u{E000}',
        }
    );
    let message = err.to_string();
    assert!(message.contains("U+E000"), "{message}");
    assert!(message.contains("本籍"), "{message}");
    assert!(
        !message.contains("秘密") && !message.contains("1234"),
        "{message}"
    );
    assert!(!format!("{err:?}").contains("秘密"));

    let mut doc = sample(1);
    doc.title = "住民票\u{1F600}".to_string();
    assert!(matches!(
        to_pdf(&doc),
        Err(RenderError::MissingGlyph { ref field, character: '\u{1F600}' }) if field == "title"
    ));
}

#[test]
fn a_row_of_four_cells_is_refused() {
    let mut doc = sample(2);
    doc.persons[1].rows[0].push(Field::new("備考", "なし"));
    let err = to_pdf(&doc).unwrap_err();
    assert_eq!(
        err.to_string(),
        "person 2, row 1, has 4 cells; a row holds 1 to 3"
    );
}

#[test]
fn a_person_taller_than_a_page_is_refused() {
    let mut doc = sample(2);
    doc.persons[0]
        .rows
        .push(vec![Field::new("備考", "長い\n".repeat(80))]);
    assert_eq!(
        to_pdf(&doc).unwrap_err(),
        RenderError::TooTall {
            part: "person 1".to_string()
        }
    );
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let doc = sample(5);
    let a = to_pdf(&doc).unwrap();
    let b = to_pdf(&doc.clone()).unwrap();
    assert_eq!(a, b);
    let mut other = doc.clone();
    other.serial = "第 000124 号".to_string();
    assert_ne!(a, to_pdf(&other).unwrap());
}

#[test]
fn an_empty_household_still_has_its_closing() {
    let mut doc = sample(0);
    doc.header.clear();
    let (_, pages) = pages_text(&to_pdf(&doc).unwrap());
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains(&squeeze(&doc.attestation)));
}

#[test]
fn text_matches_its_golden_file() {
    let text = to_text(&sample(2));
    let path = "tests/fixtures/certificate_sample.txt";
    if std::env::var_os("JUKI_BLESS").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    let golden = std::fs::read_to_string(path).expect("the golden file (JUKI_BLESS=1 writes it)");
    assert_eq!(text, golden);
}

/// Writes a sample (of 12 persons, or $JUKI_SAMPLE_PERSONS) to $JUKI_SAMPLE_PDF when set,
/// to look at.
#[test]
fn write_sample_when_asked() {
    if let Some(path) = std::env::var_os("JUKI_SAMPLE_PDF") {
        let persons = std::env::var("JUKI_SAMPLE_PERSONS").map_or(12, |n| n.parse().unwrap());
        std::fs::write(path, to_pdf(&sample(persons)).unwrap()).unwrap();
    }
}
