//! The answers of STATS BY REASON, STATS BY HOUSEHOLD and REPORT as rows.
//!
//! A REPORT is one table in the order a clerk sends it: 期首人口 (the day before the period),
//! 増, 減, then 期末人口 per 町字 and in total (町字 計). Every row has the columns
//! `japanese`, `foreign` and `total`; 期首人口 計 + 増 計 − 減 計 = 期末人口 計 in each.

use crate::query::rows::{Cell, Rows};
use crate::store::{HouseholdRow, Households, Movement, Report, Split, StatDim, StatsRow};

/// The town or the size of a total row.
const TOTAL: &str = "計";

fn int(n: u64) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// STATS BY REASON: the 異動事由, one column a further dimension, then the count.
pub(super) fn reason_rows(by: &[StatDim], counts: Vec<StatsRow>) -> Rows {
    let mut columns: Vec<&'static str> = vec!["reason"];
    columns.extend(by.iter().map(|d| d.name()));
    columns.push("count");
    let rows = counts
        .into_iter()
        .map(|r| {
            let mut row: Vec<Cell> = r.keys.into_iter().map(Cell::Text).collect();
            row.push(int(r.count));
            row
        })
        .collect();
    Rows { columns, rows }
}

/// STATS BY HOUSEHOLD: (town,) size (`1人` …, `計`), households, persons.
pub(super) fn household_rows(by_town: bool, counts: Vec<HouseholdRow>) -> Rows {
    let mut columns: Vec<&'static str> = Vec::new();
    if by_town {
        columns.push("town");
    }
    columns.extend(["size", "households", "persons"]);
    let rows = counts
        .into_iter()
        .map(|r| {
            let mut row = Vec::new();
            if by_town {
                row.push(Cell::Text(r.town.unwrap_or_else(|| TOTAL.into())));
            }
            row.push(Cell::Text(
                r.size.map_or_else(|| TOTAL.into(), |n| format!("{n}人")),
            ));
            row.push(int(r.households));
            row.push(int(r.persons));
            row
        })
        .collect();
    Rows { columns, rows }
}

fn split_row(section: &str, town: &str, item: &str, n: Split) -> Vec<Cell> {
    vec![
        section.into(),
        town.into(),
        item.into(),
        int(n.japanese),
        int(n.foreign),
        int(n.total()),
    ]
}

fn household_row(section: &str, town: &str, h: Households) -> Vec<Cell> {
    vec![
        section.into(),
        town.into(),
        "世帯数".into(),
        int(h.japanese),
        int(h.foreign),
        int(h.total()),
    ]
}

fn movement_rows(rows: &mut Vec<Vec<Cell>>, section: &str, lines: &[Movement], sum: Split) {
    for m in lines {
        rows.push(split_row(section, TOTAL, &m.item, m.count));
    }
    rows.push(split_row(section, TOTAL, TOTAL, sum));
}

/// REPORT: section, town, item, japanese, foreign, total.
pub(super) fn report_rows(r: &Report) -> Rows {
    let mut rows = vec![split_row("期首人口", TOTAL, "人口", r.start)];
    movement_rows(&mut rows, "増", &r.increases, r.increase());
    movement_rows(&mut rows, "減", &r.decreases, r.decrease());
    for p in r.towns.iter().chain([&r.total]) {
        rows.push(split_row("期末人口", &p.town, "男", p.male));
        rows.push(split_row("期末人口", &p.town, "女", p.female));
        rows.push(split_row("期末人口", &p.town, TOTAL, p.persons));
        rows.push(household_row("期末人口", &p.town, p.households));
        // A 複数国籍世帯 is among the 日本人 and the 外国人 households, and once in 計.
        let mixed = p.households.mixed;
        rows.push(vec![
            "期末人口".into(),
            p.town.as_str().into(),
            "うち複数国籍世帯".into(),
            int(mixed),
            int(mixed),
            int(mixed),
        ]);
    }
    Rows {
        columns: vec!["section", "town", "item", "japanese", "foreign", "total"],
        rows,
    }
}
