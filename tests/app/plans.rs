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
        ws.add_inspector(name, shown);
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
    // Overdue: planned days already past with no visit; the districts sum
    // their halls.
    let today = chrono::Local::now().date_naive();
    let overdue = assignments(&show(&ws))
        .iter()
        .filter(|a| a["visit"].is_null() && date(a) < today)
        .count();
    assert_eq!(report["overdue"], overdue);
    let districts = report["districts"].as_array().expect("districts");
    assert_eq!(districts.len(), 2);
    let xiping: Vec<&Value> = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["district"] == "西平")
        .collect();
    let district = districts
        .iter()
        .find(|d| d["district"] == "西平")
        .expect("西平");
    for key in ["planned", "done", "missing", "overdue"] {
        let sum: u64 = xiping.iter().filter_map(|r| r[key].as_u64()).sum();
        assert_eq!(district[key], sum, "{key}");
    }
    assert_eq!(district["halls"], 2);
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
            "高峰",
            "类型"
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
        assert_eq!(row[7], "暗访");
    }
    let xp01 = rows.iter().find(|r| r[0] == "XP01").expect("XP01");
    assert_eq!((&xp01[1], &xp01[2]), (&"西平一厅".into(), &"西平".into()));
}

/// A roster whose two Xiping halls give their own hours: XP01 opens late
/// and is busy only at lunch, XP02 gives its busy hours alone.
const ROSTER_WITH_HOURS: &str = "\
区县,网点编码,网点名称,地市,营业时间,高峰时段
西平,XP01,西平一厅,驻马店,10:00-16:00,12:00-13:30
西平,XP02,西平二厅,驻马店,,15:00-16:00；18:00-19:00
泌阳,BY01,泌阳一厅,驻马店,,
泌阳,BY02,泌阳二厅,驻马店,,
";

fn window(a: &Value) -> (String, String) {
    let text = a["window"].as_str().expect("a window");
    let (start, end) = text.split_once('-').expect("start-end");
    (start.to_string(), end.to_string())
}

#[test]
fn the_roster_hours_steer_the_plan() {
    let ws = staffed();
    let roster = ws.write("roster-hours.csv", ROSTER_WITH_HOURS);
    ws.run(&["import", "roster", &roster]).success();
    let mut make = MAKE.to_vec();
    make.extend(["--peak-share", "0.9"]);
    ws.run(&make).success();
    let plan = show(&ws);
    let list = assignments(&plan);
    let weekday = |a: &Value| !matches!(date(a).format("%a").to_string().as_str(), "Sat" | "Sun");
    let inside = |a: &Value, from: &str, to: &str| {
        let (start, end) = window(a);
        from <= start.as_str() && end.as_str() <= to
    };
    for a in list {
        match a["branch_code"].as_str().expect("code") {
            "XP01" => {
                assert!(inside(a, "10:00", "16:00"), "opening hours: {a}");
                if a["peak"] == true && weekday(a) {
                    assert!(inside(a, "12:00", "13:30"), "busy hours: {a}");
                }
            }
            "XP02" if a["peak"] == true && weekday(a) => assert!(
                inside(a, "15:00", "16:00") || inside(a, "18:00", "19:00"),
                "busy hours: {a}"
            ),
            _ if a["peak"] == true && weekday(a) => assert!(
                inside(a, "11:00", "13:00") || inside(a, "17:00", "19:00"),
                "the usual busy hours: {a}"
            ),
            _ => assert!(inside(a, "09:00", "19:00"), "the usual hours: {a}"),
        }
    }
    // Busy-hour visits of XP01 on weekdays show its own lunch hour.
    assert!(
        list.iter()
            .any(|a| a["branch_code"] == "XP01" && a["peak"] == true && weekday(a)),
        "{plan}"
    );

    // A roster without the columns keeps the hours stored.
    ws.run(&[
        "import",
        "roster",
        &ws.write("plain.csv", crate::helpers::ROSTER_CSV),
    ])
    .success();
    let mut again = make.clone();
    again.push("--replace");
    ws.run(&again).success();
    assert_eq!(assignments(&show(&ws)).len(), 12);
    assert!(
        assignments(&show(&ws))
            .iter()
            .filter(|a| a["branch_code"] == "XP01")
            .all(|a| inside(a, "10:00", "16:00"))
    );
}

#[test]
fn unreadable_roster_hours_are_refused_where_they_stand() {
    let ws = staffed();
    let before = ws.snapshot();
    let roster = ws.write(
        "roster-bad.csv",
        "区县,网点编码,网点名称,营业时间,高峰时段\n\
         西平,XP01,西平一厅,09:00-18:00,中午\n\
         西平,XP02,西平二厅,18:00-09:00,\n",
    );
    let err = ws.run(&["import", "roster", &roster]).failure();
    assert!(
        err.contains("第 2 行") && err.contains("高峰时段") && err.contains("中午"),
        "{err}"
    );
    assert!(
        err.contains("第 3 行") && err.contains("营业时间") && err.contains("18:00-09:00"),
        "{err}"
    );
    assert!(err.contains("未写入任何数据"), "{err}");
    assert_eq!(ws.snapshot(), before);
}

const REVISIT: [&str; 12] = [
    "plan",
    "revisit",
    "--period",
    "2026-Q3",
    "--branch",
    "XP01",
    "--inspector",
    "李强",
    "--date",
    "2026-08-12",
    "--window",
    "11:30-12:30",
];

#[test]
fn a_revisit_joins_the_plan_and_bad_ones_change_nothing() {
    let ws = staffed();
    let before = ws.snapshot();
    let err = ws.run(&REVISIT).failure();
    assert!(err.contains("还没有暗访计划"), "{err}");
    assert_eq!(ws.snapshot(), before);

    ws.run(&MAKE).success();
    let planned = ws.snapshot();
    let refused = |change: &[(usize, &str)], expected: &str| {
        let mut args = REVISIT.to_vec();
        for &(at, value) in change {
            args[at] = value;
        }
        let err = ws.run(&args).failure();
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(err.contains("未写入任何数据"), "{err}");
        assert_eq!(ws.snapshot(), planned);
    };
    refused(&[(5, "XP99")], "没有网点编码「XP99」");
    refused(&[(7, "张三")], "不是暗访员账号:「张三」");
    refused(
        &[(9, "2026-10-08")],
        "复查日期 2026-10-08 不在期间 2026-Q3 内",
    );
    refused(&[(9, "8月12日")], "复查日期「8月12日」");
    refused(&[(11, "12:30-11:30")], "复查时段「12:30-11:30」");
    refused(
        &[(11, "07:00-08:00")],
        "不在营业厅 XP01 的营业时间 09:00-19:00 内",
    );

    let added = ws.run(&REVISIT).success().stdout;
    assert!(added.contains("已为营业厅 XP01 加一次复查"), "{added}");
    let plan = show(&ws);
    let list = assignments(&plan);
    assert_eq!(list.len(), 13);
    let revisits: Vec<&Value> = list.iter().filter(|a| a["kind"] == "revisit").collect();
    assert_eq!(revisits.len(), 1);
    let r = revisits[0];
    assert_eq!(
        (
            &r["branch_code"],
            &r["inspector"],
            &r["date"],
            &r["window"],
            &r["peak"]
        ),
        (
            &"XP01".into(),
            &"李强".into(),
            &"2026-08-12".into(),
            &"11:30-12:30".into(),
            &true.into()
        )
    );
    assert!(list.iter().filter(|a| a["kind"] == "visit").count() == 12);

    // Without a window, the hall's opening hours; a Saturday is busy.
    let mut whole_day = REVISIT[..10].to_vec();
    whole_day[9] = "2026-08-15";
    ws.run(&whole_day).success();
    let plan = show(&ws);
    let saturday = assignments(&plan)
        .iter()
        .find(|a| a["date"] == "2026-08-15" && a["kind"] == "revisit")
        .expect("the second re-visit");
    assert_eq!(
        (&saturday["window"], &saturday["peak"]),
        (&"09:00-19:00".into(), &true.into())
    );

    let report = ws
        .run(&[
            "report", "coverage", "--period", "2026-Q3", "--format", "json",
        ])
        .success()
        .json();
    let xp01 = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["code"] == "XP01")
        .expect("XP01");
    assert_eq!((&xp01["planned"], &xp01["missing"]), (&5.into(), &5.into()));

    // A whole weekday is not busy hours: only part of it is.
    let mut thursday = REVISIT[..10].to_vec();
    thursday[9] = "2026-08-13";
    ws.run(&thursday).success();
    let plan = show(&ws);
    let whole_weekday = assignments(&plan)
        .iter()
        .find(|a| a["date"] == "2026-08-13" && a["kind"] == "revisit")
        .expect("the third re-visit");
    assert_eq!(whole_weekday["peak"], false);
}

#[test]
fn importing_the_agency_visits_again_keeps_them_linked() {
    let ws = staffed();
    ws.run(&MAKE).success();
    ws.run(&REVISIT).success();
    let plan = show(&ws);
    let first = &assignments(&plan)[0];
    let (hall, who, day) = (
        first["branch_code"].as_str().expect("code"),
        first["inspector"].as_str().expect("inspector"),
        first["date"].as_str().expect("date"),
    );
    let visits = format!(
        "暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n\
         P1,{hall},{day} 10:30,{who},small,是,是,优,5\n\
         R1,XP01,2026-08-12 11:45,李强,small,是,否,优,5\n"
    );
    let file = ws.write("agency.csv", &visits);
    let linked = |ws: &Workspace| {
        let plan = show(ws);
        let mut links: Vec<(String, String)> = assignments(&plan)
            .iter()
            .filter(|a| a["visit"] != Value::Null)
            .map(|a| {
                (
                    a["kind"].as_str().unwrap_or("").to_string(),
                    a["visit"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        links.sort();
        links
    };
    let done = |ws: &Workspace| {
        ws.run(&[
            "report", "coverage", "--period", "2026-Q3", "--format", "json",
        ])
        .success()
        .json()["done"]
            .clone()
    };
    ws.run(&["import", "visits", &file]).success();
    let expected = vec![
        ("revisit".to_string(), "R1".to_string()),
        ("visit".to_string(), "P1".to_string()),
    ];
    // The coverage report alone, right after the import, sees both.
    assert_eq!(done(&ws), 2);
    assert_eq!(linked(&ws), expected);

    // The agency sends its corrected sheet again: the same visits, still
    // the same assignments carried out.
    let corrected = visits.replace("是,否,优,5", "是,是,优,5");
    let again = ws.write("agency-2.csv", corrected);
    ws.run(&["import", "visits", &again, "--replace"]).success();
    assert_eq!(done(&ws), 2);
    assert_eq!(linked(&ws), expected);
}

// ---- the plan page ----

const PASSWORD: &str = "correct-horse-1";

async fn plan_page_app() -> (Workspace, crate::helpers::TestApp, crate::helpers::Session) {
    let ws = staffed();
    ws.add_user("boss", "admin", None, PASSWORD);
    let app = crate::helpers::TestApp::spawn(&ws.db()).await;
    let boss = app.sign_in("boss", PASSWORD).await;
    (ws, app, boss)
}

async fn post(
    user: &crate::helpers::Session,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let response = user.post_form(path, fields).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("the page"))
}

#[tokio::test]
async fn the_plan_form_makes_the_plan_and_refuses_an_impossible_one() {
    let (ws, app, boss) = plan_page_app().await;
    let (status, page) = boss.get_text("/admin/plans?period=2026-Q3").await;
    assert_eq!(status.as_u16(), 200);
    assert!(
        page.contains("href=\"/admin/plans\""),
        "linked from the navigation"
    );
    assert!(page.contains("id=\"no-plan\""), "{page}");

    // Three visits a hall in two days cannot keep a 30-day lockout.
    let before = ws.snapshot();
    let impossible = [
        ("period", "2026-07-01..2026-07-02"),
        ("visits_per_hall", "3"),
        ("lockout_days", "30"),
        ("max_per_day", "4"),
        ("peak_share", "0.3"),
        ("seed", "1"),
    ];
    let (status, page) = post(&boss, "/admin/plans", &impossible).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"plan-failure\""), "{page}");
    assert!(
        page.contains("30 天内不得重复") && page.contains("未写入任何数据"),
        "{page}"
    );
    assert_eq!(ws.snapshot(), before);
    let mut bad_number = impossible.to_vec();
    bad_number[1] = ("visits_per_hall", "三");
    let (status, page) = post(&boss, "/admin/plans", &bad_number).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("每个营业厅暗访次数「三」不是有效的数字"),
        "{page}"
    );
    assert_eq!(ws.snapshot(), before);

    // 王敏 alone, ticked on the form: the same plan as the command line's.
    let (status, page) = post(
        &boss,
        "/admin/plans",
        &[
            ("period", "2026-Q3"),
            ("visits_per_hall", "3"),
            ("inspector", "王敏"),
            ("lockout_days", "30"),
            ("max_per_day", "4"),
            ("peak_share", "0.3"),
            ("seed", "5"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"plan-outcome\""), "{page}");
    assert!(
        page.contains("共 12 次") && page.contains("王敏 12"),
        "{page}"
    );
    let from_web = show(&ws);
    let cli = staffed();
    let mut make = MAKE.to_vec();
    make.extend(["--inspector", "王敏"]);
    cli.run(&make).success();
    let strip = |plan: &Value| -> Vec<Value> {
        assignments(plan)
            .iter()
            .map(|a| {
                let mut a = a.clone();
                a.as_object_mut().map(|o| o.remove("id"));
                a
            })
            .collect()
    };
    assert_eq!(strip(&from_web), strip(&show(&cli)));

    // The coverage shows at once, every 2026-Q3 assignment overdue today;
    // the sheet is the one `plan export` writes.
    assert!(
        page.contains("计划 12 次,已完成 0,未完成 12(其中逾期 12)"),
        "{page}"
    );
    assert!(page.contains("id=\"coverage-districts\"") && page.contains("id=\"overdue\""));
    let sheet = boss
        .download("/admin/plans/sheet.xlsx?period=2026-Q3")
        .await;
    let out = ws.path("from-cli.xlsx");
    ws.run(&[
        "plan",
        "export",
        "--period",
        "2026-Q3",
        "--out",
        out.to_str().expect("path"),
    ])
    .success();
    let web = ws.write("from-web.xlsx", sheet);
    let read = |path: &str| {
        run_python(
            "import json, sys, openpyxl\n\
             ws = openpyxl.load_workbook(sys.argv[1]).active\n\
             print(json.dumps([[c.value for c in r] for r in ws.iter_rows()], ensure_ascii=False))",
            &[path],
        )
    };
    assert_eq!(read(&web), read(out.to_str().expect("path")));

    // A second plan for the same days is refused unless replacing.
    let planned = ws.snapshot();
    let (status, page) = post(
        &boss,
        "/admin/plans",
        &[
            ("period", "2026-Q3"),
            ("visits_per_hall", "2"),
            ("lockout_days", "30"),
            ("max_per_day", "4"),
            ("peak_share", "0.3"),
            ("seed", "1"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("已有暗访计划"), "{page}");
    assert_eq!(ws.snapshot(), planned);

    // A re-visit from the page; an unknown hall is refused.
    let (status, page) = post(
        &boss,
        "/admin/plans?period=2026-Q3",
        &[
            ("form", "revisit"),
            ("period", "2026-Q3"),
            ("branch", "XP99"),
            ("inspector", "李强"),
            ("date", "2026-08-12"),
            ("window", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("没有网点编码「XP99」"), "{page}");
    assert_eq!(ws.snapshot(), planned);
    let (status, page) = post(
        &boss,
        "/admin/plans?period=2026-Q3",
        &[
            ("form", "revisit"),
            ("period", "2026-Q3"),
            ("branch", "BY02"),
            ("inspector", "李强"),
            ("date", "2026-08-12"),
            ("window", ""),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("已为营业厅 BY02 加一次复查"), "{page}");
    assert!(page.contains("计划 13 次"), "{page}");
    assert_eq!(
        assignments(&show(&ws))
            .iter()
            .filter(|a| a["kind"] == "revisit")
            .count(),
        1
    );

    // Halls with their own hours in the roster say so on the page.
    let roster = ws.write("roster-hours.csv", ROSTER_WITH_HOURS);
    ws.run(&["import", "roster", &roster]).success();
    let (_, page) = boss.get_text("/admin/plans?period=2026-Q3").await;
    assert!(
        page.contains("营业 10:00-16:00 · 高峰 12:00-13:30"),
        "{page}"
    );
    assert!(page.contains("高峰 15:00-16:00、18:00-19:00"), "{page}");

    // The page is for admins.
    ws.add_user("xp", "manager", Some("district:西平"), PASSWORD);
    let xp = app.sign_in("xp", PASSWORD).await;
    let (status, _) = xp.get_text("/admin/plans?period=2026-Q3").await;
    assert_eq!(status.as_u16(), 403);
    let (status, _) = post(&xp, "/admin/plans", &impossible).await;
    assert_eq!(status, 403);
    assert_eq!(
        xp.get("/admin/plans/sheet.xlsx?period=2026-Q3")
            .await
            .status()
            .as_u16(),
        403
    );
}
