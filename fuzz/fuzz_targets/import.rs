//! Arbitrary bytes through the spreadsheet import path: `read_workbook`
//! under each readable file name, then the roster, visits and 评分细则
//! parsers on whatever it read. Nothing may panic, hang or blow up memory;
//! every bad file must come back as an error.
//!
//! The first byte picks the file name (and so the reader); the rest is the
//! file. Seeds in fuzz/seeds/ are fixtures with that byte in front.

#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use hallscore::domain::checklist::Checklist;
use hallscore::formats::import::{
    ChecklistMeta, VisitContext, parse_checklist, parse_roster, parse_visits,
};
use hallscore::formats::read::read_workbook;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = ["fuzz.xlsx", "fuzz.xls", "fuzz.ods", "fuzz.csv"];

/// The `small` checklist of tests/app/helpers.rs.
const SMALL: &str = r#"
id = "small"
version = 1
title = "小检查表"

[[section]]
code = "A"
title = "仪容"

[[section.item]]
code = "A01"
title = "着工装"
kind = "check"
points = 4

[[section.item]]
code = "A02"
title = "戴工牌"
kind = "check"
points = 2
critical = "section"

[[section]]
code = "B"
title = "服务"

[[section.item]]
code = "B01"
title = "微笑"
kind = "choice"
points = 4
choices = [ { label = "优", score = 4 }, { label = "良", score = 2 }, { label = "差", score = 0 } ]

[[section.item]]
code = "B02"
title = "等候时长"
kind = "measure"
unit = "分钟"
points = 10
na = true
bands = [ { max = 10, score = 10 }, { max = 15, score = 5 }, { score = 0 } ]
"#;

struct Context {
    branches: HashSet<String>,
    checklists: HashMap<String, Vec<Checklist>>,
}

fn context() -> &'static Context {
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let small =
            hallscore::formats::checklist::parse("small.toml", SMALL).expect("a valid checklist");
        Context {
            branches: ["XP01", "XP02", "BY01", "BY02"].map(String::from).into(),
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
    let _ = parse_visits(name, sheets, &visits, &mut || {});
});
