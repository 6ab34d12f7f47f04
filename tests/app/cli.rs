//! The command line against figures worked out by hand, and every kind of
//! bad input leaving the database exactly as it was.

use serde_json::{Value, json};

use crate::helpers::{Workspace, ranking_row, run_python, workspace_with_roster};

/// Five visits in 2024-Q3 and one in Q2, scored by hand in the comments.
/// Checklist `small`: A01 check 4, A02 check 2 (critical: section),
/// B01 choice 4 (优 4, 良 2, 差 0), B02 measure 10 (≤10: 10, ≤15: 5, else 0; N/A allowed).
const VISITS_CSV: &str = "\
暗访编号,网点编码,暗访日期,暗访员,检查表,A01 着工装,A02、戴工牌,微笑,B02
V0,BY01,2024-06-15 10:00,王,small,是,是,优,5
V1,XP01,2024-07-03 10:00,王,small,是,是,优,8
V2,XP01,2024/7/20 15:00,李,small,否,√,良,12:00
V3,XP02,2024-08-01 09:30,王,small,Y,否,优,不适用
V4,BY01,2024-09-10 11:00,李,small,1,是,差,16
V5,BY01,2024-09-11 11:00,王,small,pass,是,优,10
";
// V1: A 6/6, B 14/14                       → 1.0
// V2: A01 0, A02 2 → A 2/6; B01 2 + B02 5 → B 7/14 → 9/20 = 0.45
// V3: A02 fails its section: A 0/6; B02 N/A → B 4/4 → 4/10 = 0.4
// V4: A 6/6; B01 0, B02 0 → B 0/14         → 6/20 = 0.3
// V5: everything                            → 1.0
// Branches: XP01 (1.0 + 0.45) / 2 = 0.725; XP02 0.4; BY01 (0.3 + 1.0) / 2 = 0.65; BY02 none.

fn loaded() -> Workspace {
    let ws = workspace_with_roster();
    let visits = ws.write("visits.csv", VISITS_CSV);
    let out = ws.run(&["import", "visits", &visits]).success();
    assert!(out.stdout.contains("新增 6"), "{}", out.stdout);
    ws
}

#[test]
fn branch_rankings_match_the_hand_worked_figures() {
    let ws = loaded();
    let report = ws.rankings("2024-Q3", &[]);
    assert_eq!(report["period"]["from"], "2024-07-01");
    assert_eq!(report["period"]["to"], "2024-09-30");
    assert_eq!(report["checklist"]["id"], "small");
    assert_eq!(report["checklist"]["version"], 1);
    let codes: Vec<&str> = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["XP01", "BY01", "XP02", "BY02"]);

    let xp01 = ranking_row(&report, "XP01");
    assert_eq!(xp01["rank"], 1);
    assert_eq!(xp01["visits"], 2);
    assert_eq!(xp01["rate"], 0.725);
    assert_eq!(xp01["sections"], json!({"A": 0.6667, "B": 0.75}));
    assert_eq!(xp01["district"], "西平");
    assert_eq!(xp01["city"], "驻马店");

    let by01 = ranking_row(&report, "BY01");
    assert_eq!(
        (by01["rank"].clone(), by01["rate"].clone()),
        (json!(2), json!(0.65))
    );
    assert_eq!(by01["sections"], json!({"A": 1.0, "B": 0.5}));
    // Q2: BY01 was the only hall visited, so first; now second.
    assert_eq!(by01["previous_rank"], 1);
    assert_eq!(by01["rank_change"], -1);

    let xp02 = ranking_row(&report, "XP02");
    assert_eq!(
        (xp02["rank"].clone(), xp02["rate"].clone()),
        (json!(3), json!(0.4))
    );
    assert_eq!(xp02["sections"], json!({"A": 0.0, "B": 1.0}));
    assert_eq!(xp02["previous_rank"], Value::Null);
    assert_eq!(xp02["rank_change"], Value::Null);

    let by02 = ranking_row(&report, "BY02");
    assert_eq!(by02["rank"], Value::Null);
    assert_eq!(by02["rate"], Value::Null);
    assert_eq!(by02["visits"], 0);
}

#[test]
fn districts_and_cities_weigh_every_branch_the_same() {
    let ws = loaded();
    let districts = ws.rankings("2024-Q3", &["--level", "district"]);
    let xp = ranking_row(&districts, "西平");
    assert_eq!(xp["rate"], 0.5625, "(0.725 + 0.4) / 2");
    assert_eq!(xp["rank"], 2);
    assert_eq!(xp["visits"], 3);
    assert_eq!(xp["branches"], 2);
    let by = ranking_row(&districts, "泌阳");
    assert_eq!(by["rate"], 0.65, "BY02 has no rate and does not count");
    assert_eq!(by["rank"], 1);
    assert_eq!(by["previous_rank"], 1);
    assert_eq!(by["rank_change"], 0);

    let cities = ws.rankings("2024-Q3", &["--level", "city"]);
    let city = ranking_row(&cities, "驻马店");
    assert_eq!(city["rate"], 0.5917, "(0.725 + 0.4 + 0.65) / 3");
    assert_eq!(city["branches"], 4);
}

#[test]
fn min_visits_lists_without_ranking() {
    let ws = loaded();
    let report = ws.rankings("2024-Q3", &["--min-visits", "2"]);
    assert_eq!(ranking_row(&report, "XP01")["rank"], 1);
    assert_eq!(ranking_row(&report, "BY01")["rank"], 2);
    let xp02 = ranking_row(&report, "XP02");
    assert_eq!(xp02["rank"], Value::Null);
    assert_eq!(xp02["rate"], 0.4, "listed with its rate");
}

#[test]
fn top_and_bottom_call_outs_are_in_the_json() {
    let ws = loaded();
    let report = ws.rankings("2024-Q3", &["--top", "1"]);
    let total = &report["top_bottom"][0];
    assert_eq!(total["metric"], "total");
    assert_eq!(total["top"][0]["code"], "XP01");
    assert_eq!(total["bottom"][0]["code"], "XP02");
    let a = &report["top_bottom"][1];
    assert_eq!(a["metric"], "A");
    assert_eq!(a["top"][0]["code"], "BY01");
}

/// A roster of one district with two halls, and their visits V1–V3.
fn one_district() -> Workspace {
    let ws = Workspace::new();
    let roster = ws.write(
        "roster.csv",
        "区县,网点编码,网点名称,地市\n西平,XP01,西平一厅,驻马店\n西平,XP02,西平二厅,驻马店\n",
    );
    ws.run(&["import", "roster", &roster]).success();
    let checklist = ws.write("small.toml", crate::helpers::SMALL_CHECKLIST);
    ws.run(&["checklist", "load", &checklist]).success();
    let visits: String = VISITS_CSV
        .lines()
        .filter(|line| !line.contains(",BY01,"))
        .map(|line| format!("{line}\n"))
        .collect();
    let visits = ws.write("visits.csv", visits);
    ws.run(&["import", "visits", &visits]).success();
    ws
}

#[test]
fn no_unit_is_called_out_as_both_top_and_bottom() {
    let ws = one_district();
    // One district: nothing to call out, in the JSON or the table.
    let districts = ws.rankings("2024-Q3", &["--level", "district"]);
    for callout in districts["top_bottom"].as_array().expect("call-outs") {
        assert_eq!(callout["top"], json!([]), "{callout}");
        assert_eq!(callout["bottom"], json!([]), "{callout}");
    }
    let out = ws
        .run(&[
            "report", "rankings", "--period", "2024-Q3", "--level", "district",
        ])
        .success()
        .stdout;
    assert!(out.contains("西平"), "{out}");
    assert!(!out.contains("前三名") && !out.contains("后三名"), "{out}");

    // Two halls against a top three: both are top, neither is bottom.
    let halls = ws.rankings("2024-Q3", &[]);
    for callout in halls["top_bottom"].as_array().expect("call-outs") {
        assert_eq!(
            callout["top"].as_array().map(Vec::len),
            Some(2),
            "{callout}"
        );
        assert_eq!(callout["bottom"], json!([]), "{callout}");
    }
    let out = ws
        .run(&["report", "rankings", "--period", "2024-Q3"])
        .success()
        .stdout;
    assert!(
        out.contains("综合得分率:西平一厅、西平二厅位于前三名。"),
        "{out}"
    );
    assert!(
        out.contains("西平一厅在全部 3 项指标中均位于前三名。"),
        "{out}"
    );
    assert!(!out.contains("后三名"), "{out}");
}

#[test]
fn an_offset_needs_enough_visits_at_shared_halls() {
    let ws = loaded();
    // 王 and 李 meet at XP01 and BY01: two visits each there, too few.
    let report = ws.rankings("2024-Q3", &[]);
    let calibration = report["calibration"].as_array().expect("calibration");
    let names: Vec<&Value> = calibration.iter().map(|c| &c["inspector"]).collect();
    assert_eq!(names, ["李", "王"]);
    for c in calibration {
        assert_eq!(c["offset"], Value::Null, "{c}");
        assert_eq!(c["halls_compared"], 2, "{c}");
        assert_eq!(c["shared_visits"], 2, "{c}");
    }

    // The workbook, read back by openpyxl, says so instead of a number.
    let out = ws.path("rank.xlsx").display().to_string();
    ws.run(&["export", "rankings", "--period", "2024-Q3", "--out", &out])
        .success();
    let rows = run_python(
        "import json, sys, openpyxl\n\
             ws = openpyxl.load_workbook(sys.argv[1])['暗访员校准']\n\
             print(json.dumps([[c.value for c in r] for r in ws.iter_rows()], ensure_ascii=False))",
        &[&out],
    );
    let column = |header: &str| {
        rows[0]
            .as_array()
            .and_then(|h| h.iter().position(|c| c == header))
            .unwrap_or_else(|| panic!("a {header} column: {}", rows[0]))
    };
    let (offset, shared) = (column("与他人偏差"), column("同厅暗访次数"));
    for row in [&rows[1], &rows[2]] {
        assert_eq!(row[offset], "样本不足", "{row}");
        assert_eq!(row[shared], 2, "{row}");
    }
}

#[test]
fn short_boards_match_the_hand_worked_figures() {
    let ws = loaded();
    let report = ws
        .run(&[
            "report",
            "shortboards",
            "--period",
            "2024-Q3",
            "--format",
            "json",
        ])
        .success()
        .json();
    assert_eq!(report["scope"], "all");
    // Item rates are means of branch rates; lost points are summed over
    // visits: A01 8 (V2 4, V3 zeroed 4), A02 2, B01 6, B02 15 — 31 in all.
    let items: Vec<(String, Value, Value, Value, bool)> = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["code"].as_str().expect("code").to_string(),
                i["rate"].clone(),
                i["lost"].clone(),
                i["lost_share"].clone(),
                i["short"].as_bool().expect("short"),
            )
        })
        .collect();
    assert_eq!(
        items,
        vec![
            ("A01".into(), json!(0.5), json!(8.0), json!(0.2581), true),
            ("B02".into(), json!(0.625), json!(15.0), json!(0.4839), true),
            ("A02".into(), json!(0.6667), json!(2.0), json!(0.0645), true),
            ("B01".into(), json!(0.75), json!(6.0), json!(0.1935), true),
        ]
    );
    let sections = &report["sections"];
    assert_eq!(sections[0]["code"], "A");
    assert_eq!(sections[0]["rate"], 0.5556);
    assert_eq!(sections[0]["lost"], 10.0);
    assert_eq!(sections[1]["code"], "B");
    assert_eq!(sections[1]["lost_share"], 0.6774);

    let branch = ws
        .run(&[
            "report",
            "shortboards",
            "--period",
            "2024-Q3",
            "--scope",
            "branch:BY01",
            "--format",
            "json",
        ])
        .success()
        .json();
    assert_eq!(branch["items"][0]["code"], "B01");
    assert_eq!(branch["items"][0]["rate"], 0.5);
    assert_eq!(branch["visits"], 2);
}

#[test]
fn tables_are_for_people() {
    let ws = loaded();
    let out = ws
        .run(&["report", "rankings", "--period", "2024-Q3"])
        .success()
        .stdout;
    for text in [
        "排名",
        "网点名称",
        "得分率",
        "仪容",
        "上期排名",
        "名次变化",
        "72.5%",
        "↓1",
        "西平一厅",
    ] {
        assert!(out.contains(text), "missing {text} in\n{out}");
    }
    let out = ws
        .run(&[
            "report",
            "shortboards",
            "--period",
            "2024-Q3",
            "--scope",
            "district:西平",
        ])
        .success()
        .stdout;
    assert!(out.contains("短板") && out.contains("失分占比"), "{out}");
}

/// `hallscore report … | head`: the reader leaves early and the command
/// ends quietly, without a panic.
#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    let ws = loaded();
    for format in ["table", "json"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hallscore"))
            .arg("--db")
            .arg(ws.db())
            .args([
                "report", "rankings", "--period", "2024-Q3", "--format", format,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}

#[test]
fn importing_the_same_file_again_changes_nothing() {
    let ws = loaded();
    let before = ws.snapshot();
    let visits = ws.path("visits.csv").display().to_string();
    let out = ws.run(&["import", "visits", &visits]).success().stdout;
    assert!(out.contains("新增 0,未变 6"), "{out}");
    assert_eq!(ws.snapshot(), before);
}

#[test]
fn dry_run_stores_nothing() {
    let ws = workspace_with_roster();
    let before = ws.snapshot();
    let visits = ws.write("visits.csv", VISITS_CSV);
    let out = ws
        .run(&["import", "visits", &visits, "--dry-run"])
        .success()
        .stdout;
    assert!(out.contains("新增 6") && out.contains("试运行"), "{out}");
    assert_eq!(ws.snapshot(), before);
}

/// Runs an import that must fail, and checks the database did not change.
fn refused(ws: &Workspace, args: &[&str]) -> String {
    let before = ws.snapshot();
    let stderr = ws.run(args).failure();
    assert_eq!(ws.snapshot(), before, "the database changed");
    stderr
}

#[test]
fn an_account_has_one_display_name_of_its_own() {
    let ws = Workspace::new();
    let out = ws
        .run(&[
            "user",
            "add",
            "wangmin",
            "--role",
            "inspector",
            "--display-name",
            "王敏",
        ])
        .success()
        .stdout;
    assert!(out.contains("暗访员姓名 王敏"), "{out}");
    ws.run(&["user", "add", "lina", "--role", "inspector"])
        .success();
    let stderr = refused(
        &ws,
        &[
            "user",
            "add",
            "wm2",
            "--role",
            "inspector",
            "--display-name",
            "王敏",
        ],
    );
    assert!(
        stderr.contains("王敏") && stderr.contains("wangmin"),
        "{stderr}"
    );
    // Without --display-name the name is the display name, and taken.
    let stderr = refused(
        &ws,
        &[
            "user",
            "add",
            "lina2",
            "--role",
            "inspector",
            "--display-name",
            "lina",
        ],
    );
    assert!(stderr.contains("lina"), "{stderr}");
    let stderr = refused(
        &ws,
        &[
            "user",
            "add",
            "x",
            "--role",
            "inspector",
            "--display-name",
            " ",
        ],
    );
    assert!(stderr.contains("--display-name"), "{stderr}");
}

#[test]
fn every_bad_row_is_reported_at_once_and_nothing_is_stored() {
    let ws = loaded();
    let bad = ws.write(
        "bad.csv",
        "\
暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02
W1,ZZ99,2024-07-03,王,small,是,是,优,8
W2,XP01,2024-07-04,王,small,是,是,中,8
W3,XP01,2024-07-05,王,small,,是,优,8
W4,XP01,2024-07-06,王,small,是,是,优,-3
W5,XP01,昨天,王,small,是,是,优,8
W6,XP01,2024-07-07,王,small,是,是,优,8
W6,XP01,2024-07-07,王,small,否,是,优,8
W7,XP02,2024-07-08,王,small,是,是,优,8
",
    );
    let stderr = refused(&ws, &["import", "visits", &bad]);
    let expected = [
        "第 2 行 B 列「网点编码」 值「ZZ99」:网点编码不在网点名单中",
        "第 3 行 H 列「B01」 值「中」:检查项 B01:「中」不是该项的选项(可选:优、良、差)",
        "第 4 行 F 列「A01」:检查项 A01:答案为空",
        "第 5 行 I 列「B02」 值「-3」:检查项 B02:「-3」不是有效的测量值",
        "第 6 行 C 列「暗访日期」 值「昨天」:暗访日期无法识别",
        "第 8 行 A 列「暗访编号」 值「W6」:与第 7 行是同一次暗访",
        "共 6 处错误,未写入任何数据",
    ];
    for text in expected {
        assert!(stderr.contains(text), "missing «{text}» in\n{stderr}");
    }
}

/// A long file is stored while it is still being read: a bad row, or a
/// conflict with a stored visit, at its very end still leaves nothing of it.
#[test]
fn a_long_file_with_a_fault_in_its_last_row_stores_nothing() {
    let ws = loaded();
    let file = |from: usize, to: usize, last: &str| {
        let mut csv = String::from("暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n");
        for n in from..to {
            csv.push_str(&format!(
                "L{n},XP0{},2024-07-0{},王,small,是,是,优,8\n",
                1 + n % 2,
                1 + n % 9
            ));
        }
        csv + last
    };
    let bad = ws.write(
        "bad.csv",
        file(0, 5000, "L5000,ZZ99,2024-07-03,王,small,是,是,优,8\n"),
    );
    let stderr = refused(&ws, &["import", "visits", &bad]);
    assert!(
        stderr.contains("第 5002 行 B 列「网点编码」 值「ZZ99」:网点编码不在网点名单中"),
        "{stderr}"
    );
    assert!(stderr.contains("共 1 处错误,未写入任何数据"), "{stderr}");

    let good = ws.write("good.csv", file(0, 5000, ""));
    let out = ws.run(&["import", "visits", &good]).success().stdout;
    assert!(out.contains("新增 5000"), "{out}");
    let conflicting = ws.write(
        "more.csv",
        file(5000, 10000, "L0,XP01,2024-07-01,王,small,否,是,优,8\n"),
    );
    let stderr = refused(&ws, &["import", "visits", &conflicting]);
    assert!(
        stderr.contains("第 5002 行") && stderr.contains("这次暗访已导入过"),
        "{stderr}"
    );
}

#[test]
fn unknown_and_missing_columns_are_named() {
    let ws = loaded();
    let bad = ws.write(
        "columns.csv",
        "网点编码,暗访日期,A01,A02,B01,B9 其他\nXP01,2024-07-03,是,是,优,1\n",
    );
    let stderr = refused(&ws, &["import", "visits", &bad]);
    assert!(
        stderr.contains("F 列「B9 其他」") && stderr.contains("无法识别的列"),
        "{stderr}"
    );
    assert!(
        stderr.contains("缺少检查表 small 第 1 版中 1 个检查项的列:B02 等候时长"),
        "{stderr}"
    );

    let no_header = ws.write("noheader.csv", "编码,时间\nXP01,2024-07-03\n");
    let stderr = refused(&ws, &["import", "visits", &no_header]);
    assert!(
        stderr.contains("找不到表头行")
            && stderr.contains("网点编码")
            && stderr.contains("暗访日期"),
        "{stderr}"
    );
    let half_header = ws.write("half.csv", "网点,日期\nXP01,2024-07-03\n");
    let stderr = refused(&ws, &["import", "visits", &half_header]);
    assert!(
        stderr.contains("第 1 行:找到了表头,但缺少必需的列:网点编码"),
        "{stderr}"
    );
}

#[test]
fn a_changed_visit_is_a_conflict_until_replaced() {
    let ws = loaded();
    let changed = ws.write(
        "changed.csv",
        VISITS_CSV.replace(
            "V1,XP01,2024-07-03 10:00,王,small,是,是,优,8",
            "V1,XP01,2024-07-03 10:00,王,small,否,是,优,8",
        ),
    );
    let stderr = refused(&ws, &["import", "visits", &changed]);
    assert!(
        stderr.contains("第 3 行") && stderr.contains("--replace"),
        "{stderr}"
    );

    let out = ws
        .run(&["import", "visits", &changed, "--replace"])
        .success()
        .stdout;
    assert!(out.contains("未变 5,替换 1"), "{out}");
    let report = ws.rankings("2024-Q3", &[]);
    // V1 now loses A01: A 2/6, B 14/14 → 16/20 = 0.8; XP01 (0.8 + 0.45) / 2.
    assert_eq!(ranking_row(&report, "XP01")["rate"], 0.625);
    let history = ws.snapshot();
    assert!(
        history.contains("## visit_history\n") && history.contains("导入时替换"),
        "{history}"
    );
}

#[test]
fn bad_arguments_and_checklists_get_one_clear_line() {
    let ws = loaded();
    let stderr = refused(&ws, &["report", "rankings", "--period", "2024-Q5"]);
    assert!(stderr.contains("无法识别的期间「2024-Q5」"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let stderr = refused(
        &ws,
        &[
            "report",
            "shortboards",
            "--period",
            "2024",
            "--scope",
            "district:洛阳",
        ],
    );
    assert!(stderr.contains("district:洛阳"), "{stderr}");

    let stderr = refused(
        &ws,
        &[
            "report",
            "rankings",
            "--period",
            "2024",
            "--checklist",
            "nope",
        ],
    );
    assert!(stderr.contains("nope"), "{stderr}");

    let broken = ws.write(
        "broken.toml",
        crate::helpers::SMALL_CHECKLIST
            .replace("version = 1", "version = 2")
            .replace(
                "{ label = \"良\", score = 2 }",
                "{ label = \"良\", score = 7 }",
            ),
    );
    let stderr = refused(&ws, &["checklist", "load", &broken]);
    assert!(
        stderr.contains("broken.toml") && stderr.contains("B01") && stderr.contains("良"),
        "{stderr}"
    );

    let changed = ws.write(
        "changed.toml",
        crate::helpers::SMALL_CHECKLIST.replace(
            "points = 4\n\n[[section.item]]\ncode = \"A02\"",
            "points = 3\n\n[[section.item]]\ncode = \"A02\"",
        ),
    );
    let stderr = refused(&ws, &["checklist", "load", &changed]);
    assert!(stderr.contains("更高的 version"), "{stderr}");

    let missing = Workspace::empty();
    let stderr = missing
        .run(&["report", "rankings", "--period", "2024"])
        .failure();
    assert!(stderr.contains("hallscore init"), "{stderr}");
    assert!(
        !missing.has_database(),
        "a report must not create a database"
    );
}

#[test]
fn roster_reimport_updates_names_and_moves_branches() {
    let ws = loaded();
    let moved = ws.write(
        "roster2.csv",
        "区县,网点编码,网点名称\n泌阳,XP02,泌阳新厅\n西平,XP01,西平一厅\n",
    );
    let out = ws.run(&["import", "roster", &moved]).success().stdout;
    assert!(out.contains("新增 0,更新 1,未变 1"), "{out}");
    let report = ws.rankings("2024-Q3", &["--level", "district"]);
    assert_eq!(ranking_row(&report, "泌阳")["branches"], 3);
    let branches = ws.rankings("2024-Q3", &[]);
    let xp02 = ranking_row(&branches, "XP02");
    assert_eq!(xp02["name"], "泌阳新厅");
    assert_eq!(xp02["rate"], 0.4, "visits stay with their branch code");

    let bad = ws.write(
        "roster3.csv",
        "区县,网点编码,网点名称\n西平,,无编码\n西平,XP09,九厅\n泌阳,XP09,重复\n",
    );
    let stderr = refused(&ws, &["import", "roster", &bad]);
    assert!(
        stderr.contains("第 2 行") && stderr.contains("网点编码不能为空"),
        "{stderr}"
    );
    assert!(
        stderr.contains("第 4 行") && stderr.contains("第 3 行已有同一编码"),
        "{stderr}"
    );
}

#[test]
fn the_demo_shows_a_ranking() {
    let ws = Workspace::empty();
    ws.run(&["demo"]).success();
    let out = ws
        .run(&["report", "rankings", "--period", "2026-Q3"])
        .success()
        .stdout;
    assert!(out.contains("泌阳") && out.contains("业务营销"), "{out}");
    let before = ws.snapshot();
    ws.run(&["demo"]).success();
    assert_eq!(
        ws.snapshot(),
        before,
        "the demo is deterministic and idempotent"
    );
    let report = ws.rankings("2026-Q3", &["--level", "district"]);
    assert_eq!(report["rows"].as_array().map(Vec::len), Some(10));
}

#[test]
fn backup_is_a_sound_copy() {
    let ws = loaded();
    let copy = ws.path("copy.db").display().to_string();
    ws.run(&["backup", &copy]).success();
    let mut copy = crate::helpers::Sql::open(&copy);
    assert_eq!(copy.snapshot(), ws.snapshot());
    assert_eq!(copy.text("PRAGMA integrity_check", &[]), "ok");
}
