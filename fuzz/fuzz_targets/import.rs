//! Arbitrary bytes through the spreadsheet import path: `read_workbook`
//! under each readable file name, then the roster, visits and 评分细则
//! parsers on whatever it read. Nothing may panic, hang or blow up memory;
//! every bad file must come back as an error. A .csv's visits read row by
//! row as they are parsed must come out exactly as when read whole.
//!
//! The first byte picks the file name (and so the reader); the rest is the
//! file. Seeds in fuzz/seeds/ are fixtures with that byte in front.

#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use hallscore::domain::checklist::Checklist;
use hallscore::formats::import::{
    ChecklistMeta, HEADER_SEARCH_ROWS, VisitContext, parse_checklist, parse_roster, parse_visits,
};
use hallscore::formats::read::{Opened, read_workbook};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = ["fuzz.xlsx", "fuzz.xls", "fuzz.ods", "fuzz.csv"];

/// The tests' own roster and `small` checklist: the visits among the seeds
/// are of these halls and this checklist.
const ROSTER: &[u8] = include_bytes!("../../tests/fixtures/roster.csv");
const SMALL: &str = include_str!("../../tests/fixtures/small.toml");

struct Context {
    branches: HashSet<String>,
    checklists: HashMap<String, Vec<Checklist>>,
}

fn context() -> &'static Context {
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let small =
            hallscore::formats::checklist::parse("small.toml", SMALL).expect("a valid checklist");
        let roster = read_workbook("roster.csv", ROSTER.to_vec()).expect("the roster reads");
        let halls = parse_roster("roster.csv", &roster).expect("the roster parses");
        Context {
            branches: halls.rows.into_iter().map(|record| record.value.code).collect(),
            checklists: HashMap::from([("small".to_string(), vec![small])]),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let Ok(sheets) = read_workbook(name, bytes.to_vec()) else {
        return;
    };
    let _ = parse_roster(name, &sheets);
    let context = context();
    let visits = VisitContext {
        branches: &context.branches,
        checklists: &context.checklists,
        default_checklist: "small",
    };
    let meta = ChecklistMeta {
        id: "fuzz",
        title: "fuzz",
        version: 1,
        pass_mark: 0.8,
    };
    let _ = parse_checklist(name, &sheets, &meta);
    let parse = |opened| {
        let mut handed = Vec::new();
        let parsed = parse_visits(name, opened, &visits, &mut |_, _| {}, &mut |records| {
            handed.extend(records)
        });
        (parsed, handed)
    };
    let whole = parse(Opened::Sheets(sheets));
    if !name.ends_with(".csv") {
        return;
    }
    if let Ok(opened) = Opened::open(name, bytes.to_vec(), HEADER_SEARCH_ROWS) {
        assert_eq!(
            parse(opened),
            whole,
            "a .csv read as it goes reads as when read whole"
        );
    }
});
