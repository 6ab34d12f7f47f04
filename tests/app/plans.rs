//! Visit plans from the command line: every rule checked from the JSON,
//! refusals that change nothing, coverage, and the sheet for the agency.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde_json::Value;

use crate::helpers::{Workspace, run_python, workspace_with_roster};

/// The roster's halls and two inspector accounts, 王敏 and 李强.
fn staffed() -> Workspace {
    let ws = workspace_with_roster();
    for (name, shown) in [("wangmin", "王敏"), ("liqiang", "李强")] {
        ws.run_with_input(
            &[
                "user",
                "add",
                name,
                "--role",
                "inspector",
                "--display-name",
                shown,
                "--password-stdin",
            ],
            "secret-password\n",
        )
        .success();
    }
    ws
}

const MAKE: [&str; 7] = [
    "plan",
    "make",
    "--period",
    "2026-Q3",
    "--visits-per-hall",
    "3",
    "--seed=5",
];

fn show(ws: &Workspace) -> Value {
    ws.run(&["plan", "show", "--period", "2026-Q3", "--format", "json"])
        .success()
        .json()
}

fn assignments(plan: &Value) -> &Vec<Value> {
    plan["assignments"].as_array().expect("assignments")
}

fn date(a: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(a["date"].as_str().expect("a date"), "%Y-%m-%d").expect("a date")
}

#[test]
fn a_plan_keeps_every_rule_and_a_seed_gives_the_same_plan() {
    let ws = staffed();
    let made = ws.run(&MAKE).success();
    assert!(made.stdout.contains("共 12 次"), "{}", made.stdout);
    assert!(made.stdout.contains("2 名暗访员"), "{}", made.stdout);
    let plan = show(&ws);
    assert_eq!(plan["period"]["label"], "2026-Q3");
    let list = assignments(&plan);
    assert_eq!(list.len(), 12);

    let mut per_hall: HashMap<&str, u32> = HashMap::new();
    let mut per_day: HashMap<(&str, NaiveDate), u32> = HashMap::new();
    let mut load: HashMap<&str, u32> = HashMap::new();
    for a in list {
        let (hall, who) = (
            a["branch_code"].as_str().expect("code"),
            a["inspector"].as_str().expect("inspector"),
        );
        *per_hall.entry(hall).or_default() += 1;
        *per_day.entry((who, date(a))).or_default() += 1;
        *load.entry(who).or_default() += 1;
        let day = date(a);
        assert!(
            NaiveDate::from_ymd_opt(2026, 7, 1) <= Some(day)
                && Some(day) <= NaiveDate::from_ymd_opt(2026, 9, 30),
            "{a}"
        );
        let window = a["window"].as_str().expect("window");
        assert_eq!(window.len(), 11, "{a}");
        assert_eq!(a["visit"], Value::Null);
        for b in list {
            if a != b && a["branch_code"] == b["branch_code"] && a["inspector"] == b["inspector"] {
                assert!((date(a) - date(b)).num_days().abs() >= 30, "{a} {b}");
            }
        }
    }
    let halls: HashSet<&str> = ["XP01", "XP02", "BY01", "BY02"].into();
    assert_eq!(per_hall.keys().copied().collect::<HashSet<_>>(), halls);
    assert!(per_hall.values().all(|&n| n == 3), "{per_hall:?}");
    assert!(per_day.values().all(|&n| n <= 4), "{per_day:?}");
    assert_eq!(load.get("王敏").zip(load.get("李强")), Some((&6, &6)));
    let peaks = list.iter().filter(|a| a["peak"] == true).count();
    assert!(peaks >= 4, "at least ⌈0.3 × 12⌉ in busy hours: {peaks}");

    let table = ws
        .run(&["plan", "show", "--period", "2026-Q3"])
        .success()
        .stdout;
    assert!(table.contains("共 12 次"), "{table}");
    let first = &list[0];
    let mut expected = vec![first["id"].to_string()];
    expected.extend(
        ["branch_code", "inspector", "date", "window"]
            .iter()
            .map(|key| first[*key].as_str().expect("text").to_string()),
    );
    let shown = table.lines().any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.len() > 5 && words[1..6] == expected
    });
    assert!(shown, "{expected:?}\n{table}");

    // The same days written another way are the same plan.
    let by_days = ws
        .run(&[
            "plan",
            "show",
            "--period",
            "2026-07-01..2026-09-30",
            "--format",
            "json",
        ])
        .success()
        .json();
    assert_eq!(assignments(&by_days), list);

    let again = staffed();
    again.run(&MAKE).success();
    assert_eq!(show(&again), plan);
    let mut other_seed = MAKE.to_vec();
    other_seed[6] = "--seed=6";
    other_seed.push("--replace");
    again.run(&other_seed).success();
    assert_ne!(assignments(&show(&again)), list);
}

#[test]
fn refused_plans_say_why_and_change_nothing() {
    let unstaffed = workspace_with_roster();
    let err = unstaffed.run(&MAKE).failure();
    assert!(err.contains("还没有暗访员账号"), "{err}");

    let ws = staffed();
    let before = ws.snapshot();
    let err = ws
        .run(&[
            "plan",
            "make",
            "--period",
            "2026-07-01..2026-07-02",
            "--visits-per-hall",
            "3",
        ])
        .failure();
    assert!(err.contains("30 天内不得重复"), "{err}");
    assert!(err.contains("未写入任何数据"), "{err}");
    assert_eq!(ws.snapshot(), before);

    let mut unknown = MAKE.to_vec();
    unknown.extend(["--inspector", "王敏", "--inspector", "张三"]);
    let err = ws.run(&unknown).failure();
    assert!(err.contains("不是暗访员账号:「张三」"), "{err}");
    assert_eq!(ws.snapshot(), before);

    ws.run(&MAKE).success();
    let planned = ws.snapshot();
    let err = ws.run(&MAKE).failure();
    assert!(
        err.contains("已有暗访计划") && err.contains("--replace"),
        "{err}"
    );
    assert_eq!(ws.snapshot(), planned);

    // July lies in the third quarter's plan: refused, or replacing it.
    let mut july = MAKE.to_vec();
    july[3] = "2026-07";
    july[5] = "2";
    let err = ws.run(&july).failure();
    assert!(err.contains("2026-07-01..2026-09-30(共 12 次)"), "{err}");
    assert_eq!(ws.snapshot(), planned);
    july.push("--replace");
    ws.run(&july).success();
    let err = ws.run(&["plan", "show", "--period", "2026-Q3"]).failure();
    assert!(err.contains("还没有暗访计划"), "{err}");
    ws.run(&["plan", "show", "--period", "2026-07"]).success();

    let err = ws
        .run(&["report", "coverage", "--period", "2026-Q4"])
        .failure();
    assert!(err.contains("还没有暗访计划"), "{err}");
}

#[test]
fn coverage_counts_the_visits_made_as_planned() {
    let ws = staffed();
    // Named by account name, 王敏 alone takes every visit.
    let mut make = MAKE.to_vec();
    make.extend(["--inspector", "wangmin"]);
    let made = ws.run(&make).success().stdout;
    assert!(made.contains("1 名暗访员(王敏 12)"), "{made}");
    let plan = show(&ws);
    let first = &assignments(&plan)[0];
    let (hall, who, day) = (
        first["branch_code"].as_str().expect("code"),
        first["inspector"].as_str().expect("inspector"),
        first["date"].as_str().expect("date"),
    );
    let other = if who == "王敏" { "李强" } else { "王敏" };
    // P1 carries out the assignment; P2 is the same hall and day by the
    // other inspector, who was not sent there.
    let visits = format!(
        "暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n\
         P1,{hall},{day} 10:30,{who},small,是,是,优,5\n\
         P2,{hall},{day} 15:00,{other},small,是,是,优,5\n"
    );
    let file = ws.write("visits.csv", visits);
    ws.run(&["import", "visits", &file]).success();

    let report = ws
        .run(&[
            "report", "coverage", "--period", "2026-Q3", "--format", "json",
        ])
        .success()
        .json();
    assert_eq!(
        (&report["planned"], &report["done"], &report["missing"]),
        (&12.into(), &1.into(), &11.into())
    );
    let row = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["code"] == hall)
        .expect("the hall's row");
    assert_eq!(
        (&row["planned"], &row["done"], &row["missing"]),
        (&3.into(), &1.into(), &2.into())
    );
    let shown = show(&ws);
    let linked: Vec<&Value> = assignments(&shown)
        .iter()
        .filter(|a| a["visit"] != Value::Null)
        .collect();
    assert_eq!(linked.len(), 1);
    assert_eq!(
        (&linked[0]["id"], &linked[0]["visit"]),
        (&first["id"], &"P1".into())
    );
    let table = ws
        .run(&["report", "coverage", "--period", "2026-Q3"])
        .success()
        .stdout;
    assert!(table.contains("已完成 1,未完成 11"), "{table}");
}

#[test]
fn the_exported_plan_reads_back_in_openpyxl() {
    let ws = staffed();
    ws.run(&MAKE).success();
    let out = ws.path("计划.xlsx").display().to_string();
    ws.run(&["plan", "export", "--period", "2026-Q3", "--out", &out])
        .success();
    let read = run_python(
        "import json, sys, openpyxl\n\
             ws = openpyxl.load_workbook(sys.argv[1]).active\n\
             print(json.dumps({'rows': [[c.value for c in r] for r in ws.iter_rows()],\n\
               'widths': [ws.column_dimensions[c].width for c in 'EF'],\n\
               'one_page_wide': bool(ws.sheet_properties.pageSetUpPr.fitToPage) and ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0},\n\
               ensure_ascii=False))",
        &[&out],
    );
    // The date and time window show whole, and a printout is one page wide.
    let widths: Vec<f64> = read["widths"]
        .as_array()
        .expect("widths")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert!(
        widths.len() == 2 && widths.iter().all(|w| *w >= 12.0),
        "{widths:?}"
    );
    assert_eq!(read["one_page_wide"], true);
    let rows: Vec<Vec<Value>> = serde_json::from_value(read["rows"].clone()).expect("rows");
    assert_eq!(
        rows[0],
        [
            "网点编码",
            "网点名称",
            "区县",
            "暗访员",
            "日期",
            "时段",
            "高峰"
        ]
        .map(Value::from)
    );
    let plan = show(&ws);
    assert_eq!(rows.len(), 13);
    for (row, a) in rows[1..].iter().zip(assignments(&plan)) {
        assert_eq!(row[0], a["branch_code"]);
        assert_eq!(row[3], a["inspector"]);
        assert_eq!(row[4], a["date"]);
        assert_eq!(row[5], a["window"]);
        assert_eq!(row[6], if a["peak"] == true { "是" } else { "否" });
    }
    let xp01 = rows.iter().find(|r| r[0] == "XP01").expect("XP01");
    assert_eq!((&xp01[1], &xp01[2]), (&"西平一厅".into(), &"西平".into()));
}
