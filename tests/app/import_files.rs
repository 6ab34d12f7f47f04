//! Headquarters spreadsheets in: real files made by real spreadsheet programs
//! (openpyxl writes the .xlsx, LibreOffice converts them to .xls, .ods and
//! CSV; see tests/fixtures/make_fixtures.py) read by `import roster`,
//! `import visits` and `checklist load`, with exact results; bad and hostile
//! files refused with located messages and the database unchanged; and our
//! own exports read back by us and by other programs.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{
    ROSTER_CSV, SMALL_CHECKLIST, Workspace, ranking_row, run_python, workspace_with_roster,
};

/// The spreadsheet formats every fixture comes in; `csv` is LibreOffice's
/// CSV export of the sheet that holds the table.
const FORMATS: [&str; 4] = ["xlsx", "xls", "ods", "csv"];

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// The sheet name the importer reports: a CSV file has one sheet, named
/// after the file.
fn sheet_name<'a>(stem: &'a str, sheet: &'a str, format: &str) -> &'a str {
    if format == "csv" { stem } else { sheet }
}

/// The six visits of tests/app/cli.rs (V1 at midnight, as a date cell has
/// it), as plain CSV: what every visits fixture must import to.
/// XP01 (V1 1.0 + V2 0.45) / 2 = 0.725; XP02 0.4; BY01 (V4 0.3 + V5 1.0) / 2
/// = 0.65; BY02 no visit; V0 is in Q2.
const REFERENCE_VISITS: &str = "\
暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02
V0,BY01,2024-06-15 10:00,王,small,是,是,优,5
V1,XP01,2024-07-03,王,small,是,是,优,8
V2,XP01,2024-07-20 15:00,李,small,否,是,良,12
V3,XP02,2024-08-01 09:30,王,small,是,否,优,不适用
V4,BY01,2024-09-10 11:00,李,small,是,是,差,16
V5,BY01,2024-09-11 11:00,王,small,是,是,优,10
";

/// The figures worked out by hand in tests/app/cli.rs.
fn assert_hand_worked(report: &Value, what: &str) {
    let figures: Vec<(Value, Value, Value, Value)> = ["XP01", "BY01", "XP02", "BY02"]
        .iter()
        .map(|code| {
            let r = ranking_row(report, code);
            (
                r["rank"].clone(),
                r["visits"].clone(),
                r["rate"].clone(),
                r["sections"].clone(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        vec![
            (
                json!(1),
                json!(2),
                json!(0.725),
                json!({"A": 0.6667, "B": 0.75})
            ),
            (json!(2), json!(2), json!(0.65), json!({"A": 1.0, "B": 0.5})),
            (json!(3), json!(1), json!(0.4), json!({"A": 0.0, "B": 1.0})),
            (
                Value::Null,
                json!(0),
                Value::Null,
                json!({"A": null, "B": null})
            ),
        ],
        "{what}"
    );
    assert_eq!(
        ranking_row(report, "BY01")["previous_rank"],
        1,
        "{what}: V0 in Q2"
    );
}

/// The visits of a database as `export visits` writes them (CSV text).
fn exported_visits(ws: &Workspace, period: &str) -> String {
    let out = ws.path("exported-for-comparison.csv");
    let out_text = out.display().to_string();
    ws.run(&["export", "visits", "--period", period, "--out", &out_text])
        .success();
    let text = std::fs::read_to_string(&out).expect("read the export");
    std::fs::remove_file(&out).expect("remove the export");
    text
}

/// A workspace with the roster, the small checklist and the reference visits.
fn reference() -> Workspace {
    let ws = workspace_with_roster();
    let visits = ws.write("reference.csv", REFERENCE_VISITS);
    let out = ws.run(&["import", "visits", &visits]).success().stdout;
    assert!(out.contains("新增 6,未变 0"), "{out}");
    ws
}

/// Every branch as (code, name, district, city, address, type).
fn branches(ws: &Workspace) -> Vec<String> {
    ws.sql()
        .rows(
            "SELECT b.code, b.name, d.name, coalesce(c.name, ''), coalesce(b.address, ''),
                    coalesce(b.branch_type, '')
             FROM branches b JOIN districts d ON d.id = b.district_id
             LEFT JOIN cities c ON c.id = d.city_id ORDER BY b.code",
            &[],
        )
        .into_iter()
        .map(|row| row.join("|"))
        .collect()
}

/// The stored definition (JSON) of a checklist version.
fn definition(ws: &Workspace, id: &str, version: u32) -> Value {
    let text = ws.sql().text(
        "SELECT definition FROM checklists WHERE id = ?1 AND version = ?2",
        &[id.into(), version.into()],
    );
    serde_json::from_str(&text).expect("a JSON definition")
}

/// Runs a command that must fail, checks the database did not change and
/// returns what it printed on standard error.
fn refused(ws: &Workspace, args: &[&str]) -> String {
    let before = ws.snapshot();
    let stderr = ws.run(args).failure();
    assert_eq!(ws.snapshot(), before, "the database changed: {args:?}");
    stderr
}

// ---------------------------------------------------------------- rosters

const ROSTER_ROWS: [&str; 4] = [
    "BY01|泌阳一厅|泌阳|驻马店||",
    "BY02|泌阳二厅|泌阳|驻马店||",
    "XP01|西平一厅|西平|驻马店||",
    "XP02|西平二厅|西平|驻马店||",
];

#[test]
fn rosters_from_every_program_and_format() {
    // roster: an extra first sheet, a merged title, a 制表 line and blank
    // rows above the header (row 5), 序号, Chinese aliases (地市公司,
    // 区县分公司, 营业厅编码, 营业厅名称), a blank data row, stray,
    // non-breaking and ideographic spaces, full-width ＢＹ０１, an unused
    // 联系人 column. roster_en: English headers in another order, one of
    // them full-width (ｂｒａｎｃｈ＿ｎａｍｅ), with address and type.
    let roster_en_rows = [
        "BY01|泌阳一厅|泌阳|驻马店||",
        "BY02|泌阳二厅|泌阳|驻马店|泌阳县花园路 8 号|社区厅",
        "XP01|西平一厅|西平|驻马店|西平县人民路 1 号|旗舰厅",
        "XP02|西平二厅|西平|驻马店||标准厅",
    ];
    let cases: [(&str, &str, u32, &[&str], &str); 2] = [
        ("roster", "网点名单", 5, &ROSTER_ROWS, "\n未使用的列:联系人"),
        ("roster_en", "Branches", 1, &roster_en_rows, ""),
    ];
    for (stem, sheet, header, rows, unused) in cases {
        for format in FORMATS {
            let what = format!("{stem}.{format}");
            let ws = Workspace::new();
            let file = fixture(&what);
            let sheet = sheet_name(stem, sheet, format);
            let out = ws.run(&["import", "roster", &file]).success().stdout;
            assert_eq!(
                out,
                format!(
                    "网点名单:读取工作表「{sheet}」(表头在第 {header} 行),共 4 个网点:新增 4,更新 0,未变 0{unused}\n"
                ),
                "{what}"
            );
            assert_eq!(branches(&ws), rows, "{what}");

            let before = ws.snapshot();
            let out = ws.run(&["import", "roster", &file]).success().stdout;
            assert!(
                out.contains("共 4 个网点:新增 0,更新 0,未变 4"),
                "{what}: {out}"
            );
            assert_eq!(
                ws.snapshot(),
                before,
                "{what}: importing again changed data"
            );
        }
    }
}

// ---------------------------------------------------------------- visits

#[test]
fn visits_from_every_program_and_format() {
    let reference = reference();
    let expected_export = exported_visits(&reference, "2024");
    let expected_q3 = reference.rankings("2024-Q3", &[]);
    assert_hand_worked(&expected_q3, "the reference CSV");
    let expected_districts = reference.rankings("2024-Q3", &["--level", "district"]);

    // visits_cn: an extra first sheet, title rows above the header (row 5),
    // 序号, items by Ａ０１ 着工装 / A02、戴工牌 / 微笑 / B02 等候时长(分钟),
    // date-time and date cells and text dates, numbers as text, 12:00 as
    // text, full-width digits, odd spaces, blank rows between the data.
    // visits_en_1904: the 1904 date system, English headers in row 1, plain
    // item codes, booleans, ✓ ✗ √ ×, a [mm]:ss duration cell, 10 分钟.
    let cases = [
        ("visits_cn", "暗访结果", 5),
        ("visits_en_1904", "Visits", 1),
    ];
    for (stem, sheet, header) in cases {
        for format in FORMATS {
            let what = format!("{stem}.{format}");
            let ws = workspace_with_roster();
            let file = fixture(&what);
            let sheet = sheet_name(stem, sheet, format);
            let out = ws.run(&["import", "visits", &file]).success().stdout;
            let expected = format!(
                "暗访结果:读取工作表「{sheet}」(表头在第 {header} 行),6 次暗访:新增 6,未变 0,替换 0,用时"
            );
            assert!(out.starts_with(&expected), "{what}: {out}");

            let q3 = ws.rankings("2024-Q3", &[]);
            assert_hand_worked(&q3, &what);
            assert_eq!(q3, expected_q3, "{what}");
            assert_eq!(
                ws.rankings("2024-Q3", &["--level", "district"]),
                expected_districts,
                "{what}"
            );
            // Every visit, date, time, inspector and answer as the reference.
            assert_eq!(exported_visits(&ws, "2024"), expected_export, "{what}");

            let before = ws.snapshot();
            let out = ws.run(&["import", "visits", &file]).success().stdout;
            assert!(
                out.contains("6 次暗访:新增 0,未变 6,替换 0"),
                "{what}: {out}"
            );
            assert_eq!(
                ws.snapshot(),
                before,
                "{what}: importing again changed data"
            );
        }
    }
}

#[test]
fn every_spelling_of_not_applicable() {
    // visits_na: B02 answered 不适用, N/A, NA, —, blank and " n/a " on six
    // visits of XP02 in October 2024; no 暗访编号 column, so each visit is
    // known by branch, time and inspector.
    let reference = workspace_with_roster();
    let mut csv = String::from("网点编码,暗访时间,暗访员,A01,A02,B01,B02\n");
    for day in 1..=6 {
        csv.push_str(&format!("XP02,2024-10-0{day} 09:00,赵,是,是,优,不适用\n"));
    }
    let file = reference.write("na.csv", csv);
    reference.run(&["import", "visits", &file]).success();
    let expected_export = exported_visits(&reference, "2024-10");
    assert_eq!(
        expected_export
            .lines()
            .filter(|l| l.ends_with(",不适用"))
            .count(),
        6,
        "{expected_export}"
    );

    for format in FORMATS {
        let what = format!("visits_na.{format}");
        let ws = workspace_with_roster();
        let file = fixture(&what);
        let sheet = sheet_name("visits_na", "十月", format);
        let out = ws.run(&["import", "visits", &file]).success().stdout;
        assert!(
            out.starts_with(&format!(
                "暗访结果:读取工作表「{sheet}」(表头在第 1 行),6 次暗访:新增 6,未变 0"
            )),
            "{what}: {out}"
        );
        assert!(
            out.contains(";1 个空白答案按表格约定记为「不适用」"),
            "{what}: the blank B02 is counted: {out}"
        );
        // A 6/6, B01 4/4, B02 counts nowhere: every visit 10/10.
        let report = ws.rankings("2024-10", &[]);
        let xp02 = ranking_row(&report, "XP02");
        assert_eq!(
            (
                xp02["visits"].clone(),
                xp02["rate"].clone(),
                xp02["sections"].clone()
            ),
            (json!(6), json!(1.0), json!({"A": 1.0, "B": 1.0})),
            "{what}"
        );
        assert_eq!(exported_visits(&ws, "2024-10"), expected_export, "{what}");
        let before = ws.snapshot();
        let out = ws.run(&["import", "visits", &file]).success().stdout;
        assert!(out.contains("新增 0,未变 6"), "{what}: {out}");
        assert_eq!(ws.snapshot(), before, "{what}");
    }
}

/// One measure item with bands on 9 and 18 minutes.
const WAIT_CHECKLIST: &str = r#"
id = "wait"
version = 1
title = "等候"

[[section]]
code = "W"
title = "等候"

[[section.item]]
code = "W01"
title = "等候时长"
kind = "measure"
unit = "分钟"
points = 10
bands = [ { max = 9, score = 10 }, { max = 18, score = 5 }, { score = 0 } ]
"#;

#[test]
fn duration_cells_on_a_band_boundary_score_as_written() {
    // durations: [mm]:ss cells 09:00, 18:00 and 18:01, and the text 9:00.
    for format in FORMATS {
        let what = format!("durations.{format}");
        let ws = Workspace::new();
        let roster = ws.write("roster.csv", ROSTER_CSV);
        ws.run(&["import", "roster", &roster]).success();
        let checklist = ws.write("wait.toml", WAIT_CHECKLIST);
        ws.run(&["checklist", "load", &checklist]).success();
        let out = ws
            .run(&["import", "visits", &fixture(&what)])
            .success()
            .stdout;
        assert!(out.contains("4 次暗访:新增 4"), "{what}: {out}");
        let report = ws.rankings("2024-Q3", &["--checklist", "wait"]);
        let rates: Vec<Value> = ["XP01", "XP02", "BY01", "BY02"]
            .iter()
            .map(|code| ranking_row(&report, code)["rate"].clone())
            .collect();
        assert_eq!(
            rates,
            [json!(1.0), json!(0.5), json!(1.0), json!(0.0)],
            "{what}: 9:00 ≤ 9, 18:00 ≤ 18, 18:01 > 18"
        );
    }
}

// ---------------------------------------------------------------- 评分细则

#[test]
fn checklists_from_every_program_and_format() {
    let reference = Workspace::new();
    let toml = reference.write("small.toml", SMALL_CHECKLIST);
    reference.run(&["checklist", "load", &toml]).success();
    let expected = definition(&reference, "small", 1);
    let expected_show = reference
        .run(&["checklist", "show", "small"])
        .success()
        .stdout;

    // checklist_small: Chinese headers and kinds below title rows (row 5),
    // 序号, a blank row, points as numbers and text, choices and bands as
    // text, default section codes. checklist_en: an extra first sheet,
    // English headers and kinds, explicit section codes, full-width : and ;.
    let cases = [
        ("checklist_small", "评分细则", 5),
        ("checklist_en", "Items", 1),
    ];
    for (stem, sheet, header) in cases {
        for format in FORMATS {
            let what = format!("{stem}.{format}");
            let ws = Workspace::new();
            let file = fixture(&what);
            let sheet = sheet_name(stem, sheet, format);
            let out = ws
                .run(&[
                    "checklist",
                    "load",
                    &file,
                    "--id",
                    "small",
                    "--title",
                    "小检查表",
                ])
                .success()
                .stdout;
            assert_eq!(
                out,
                format!(
                    "读取工作表「{sheet}」,表头在第 {header} 行\n检查表 small 第 1 版(2 个大项,4 项,满分 20):已载入\n"
                ),
                "{what}"
            );
            assert_eq!(definition(&ws, "small", 1), expected, "{what}");
            assert_eq!(
                ws.run(&["checklist", "show", "small"]).success().stdout,
                expected_show,
                "{what}"
            );
            // And it scores the same: the reference visits give the
            // hand-worked figures.
            let roster = ws.write("roster.csv", ROSTER_CSV);
            ws.run(&["import", "roster", &roster]).success();
            let visits = ws.write("visits.csv", REFERENCE_VISITS);
            ws.run(&["import", "visits", &visits]).success();
            assert_hand_worked(&ws.rankings("2024-Q3", &[]), &what);
        }
    }
}

// ---------------------------------------------------------------- bad files

/// The lines a refused file prints: its problems, then the summary.
fn problems(file: &str, lines: &[String]) -> String {
    let mut text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    text.push_str(&format!(
        "错误:{file}:共 {} 处错误,未写入任何数据\n",
        lines.len()
    ));
    text
}

#[test]
fn bad_visit_rows_are_all_located_and_nothing_is_stored() {
    for format in FORMATS {
        let what = format!("visits_errors.{format}");
        let ws = workspace_with_roster();
        let file = fixture(&what);
        let sheet = sheet_name("visits_errors", "暗访结果", format);
        let stderr = refused(&ws, &["import", "visits", &file]);
        let lines: Vec<String> = [
            "第 3 行 J 列「C09 备用」:无法识别的列:既不是暗访信息列,也不是检查表中的检查项(编码或名称)",
            "第 4 行 C 列「网点编码」 值「ZZ99」:网点编码不在网点名单中(请先导入网点名单)",
            "第 5 行 H 列「B01」 值「中」:检查项 B01:「中」不是该项的选项(可选:优、良、差)",
            "第 7 行 F 列「A01 着工装」:检查项 A01:答案为空(该项不允许不适用,必须作答)",
            "第 8 行 I 列「B02」 值「-3」:检查项 B02:「-3」不是有效的测量值(应为不小于 0 的数,分钟也可写成 分:秒)",
            "第 10 行 B 列「暗访编号」 值「W5」:与第 9 行是同一次暗访(编号或网点、时间、暗访员相同),但内容不同",
            "第 11 行 D 列「暗访日期」 值「昨天」:暗访日期无法识别:请写成 2024-07-03、2024/7/3 或 2024-07-03 14:20",
        ]
        .iter()
        .map(|l| format!("工作表「{sheet}」{l}"))
        .collect();
        assert_eq!(stderr, problems(&file, &lines), "{what}");
        // --dry-run reports the same.
        let stderr = refused(&ws, &["import", "visits", &file, "--dry-run"]);
        assert_eq!(stderr, problems(&file, &lines), "{what} --dry-run");
    }
}

#[test]
fn a_missing_required_column_is_named() {
    for format in FORMATS {
        let what = format!("visits_missing_column.{format}");
        let ws = workspace_with_roster();
        let file = fixture(&what);
        let sheet = sheet_name("visits_missing_column", "暗访结果", format);
        let stderr = refused(&ws, &["import", "visits", &file]);
        let line = format!("工作表「{sheet}」第 3 行:找到了表头,但缺少必需的列:暗访日期");
        assert_eq!(stderr, problems(&file, &[line]), "{what}");
    }
}

#[test]
fn bad_roster_and_checklist_rows_are_located() {
    for format in FORMATS {
        let what = format!("roster_errors.{format}");
        let ws = workspace_with_roster();
        let file = fixture(&what);
        let sheet = sheet_name("roster_errors", "网点名单", format);
        let stderr = refused(&ws, &["import", "roster", &file]);
        let lines = [
            format!("工作表「{sheet}」第 3 行 B 列「网点编码」:网点编码不能为空"),
            format!(
                "工作表「{sheet}」第 6 行 B 列「网点编码」 值「XP09」:网点编码重复:第 5 行已有同一编码"
            ),
        ];
        assert_eq!(stderr, problems(&file, &lines), "{what}");

        let what = format!("checklist_errors.{format}");
        let file = fixture(&what);
        let sheet = sheet_name("checklist_errors", "评分细则", format);
        let stderr = refused(&ws, &["checklist", "load", &file, "--id", "bad"]);
        let lines = [
            format!(
                "工作表「{sheet}」第 4 行 F 列「选项」 值「优4」:选项题的选项应写成 优:4;良:2;差:0"
            ),
            format!(
                "工作表「{sheet}」第 6 行 D 列「类型」 值「滑块」:类型应为 是否、评分、选项、测量(或 check、scale、choice、measure)"
            ),
            format!("工作表「{sheet}」第 6 行 E 列「分值」 值「x」:分值必须是大于 0 的数"),
        ];
        assert_eq!(stderr, problems(&file, &lines), "{what}");
    }
}

/// Runs every import command on a file that none can read, and returns the
/// one line they all print.
fn unreadable(ws: &Workspace, file: &str) -> String {
    let commands: [&[&str]; 3] = [
        &["import", "roster", file],
        &["import", "visits", file],
        &["checklist", "load", file, "--id", "x"],
    ];
    let mut lines: Vec<String> = commands.iter().map(|args| refused(ws, args)).collect();
    lines.dedup();
    assert_eq!(lines.len(), 1, "{file}: the commands disagree: {lines:?}");
    let line = lines.remove(0);
    assert_eq!(line.lines().count(), 1, "{line}");
    line
}

#[test]
fn hostile_files_get_one_clear_line_and_change_nothing() {
    let ws = workspace_with_roster();
    let formats = [
        ("xlsx", "Excel (.xlsx)"),
        ("xls", "Excel 97-2003 (.xls)"),
        ("ods", "OpenDocument (.ods)"),
    ];
    for (ext, format) in formats {
        // The first half of roster.<ext>.
        let file = fixture(&format!("truncated.{ext}"));
        let line = unreadable(&ws, &file);
        assert!(
            line.starts_with(&format!("错误:{file} 已损坏或不是有效的 {format} 文件:")),
            "{line}"
        );
        // 4 KB of random bytes.
        let file = fixture(&format!("random.{ext}"));
        assert_eq!(
            unreadable(&ws, &file),
            format!("错误:{file} 已损坏或不是有效的 {format} 文件:文件内容与扩展名不符\n")
        );
        // A workbook with one empty sheet.
        let file = fixture(&format!("empty.{ext}"));
        assert_eq!(
            unreadable(&ws, &file),
            format!("错误:{file} 中没有任何内容\n")
        );
        // Password "secret": the .xlsx encrypted as Excel does (agile
        // encryption), the .xls and .ods saved with a password by LibreOffice.
        let file = fixture(&format!("encrypted.{ext}"));
        assert_eq!(
            unreadable(&ws, &file),
            format!("错误:{file} 受密码保护或已加密:请去掉密码后另存一份再导入\n")
        );
    }
    let file = fixture("roster_gbk.csv");
    assert_eq!(
        unreadable(&ws, &file),
        format!(
            "错误:{file} 不是 UTF-8 编码的 CSV(可能是 GBK):请在 Excel 中另存为「CSV UTF-8(逗号分隔)」后再导入\n"
        )
    );
}

#[test]
fn fuzz_findings_are_clean_errors() {
    // Every input cargo fuzz found to crash or hang (fuzz/fuzz_targets/
    // import.rs), saved under the file name it was read as: no command may
    // panic, and a refused file leaves the database as it was.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/fuzz")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fuzz findings in {}", dir.display());
    let ws = workspace_with_roster();
    for path in &files {
        let file = path.display().to_string();
        for args in [
            vec!["import", "roster", file.as_str(), "--dry-run"],
            vec!["import", "visits", file.as_str(), "--dry-run"],
            vec!["checklist", "load", file.as_str(), "--id", "fuzz"],
        ] {
            let before = ws.snapshot();
            let run = ws.run(&args);
            assert!(
                !run.stderr.contains("panicked"),
                "{args:?} panicked:\n{}",
                run.stderr
            );
            if !run.ok {
                assert_eq!(ws.snapshot(), before, "{args:?} changed the database");
                let last = run.stderr.lines().last().unwrap_or_default();
                assert!(last.starts_with("错误:"), "{args:?}: {}", run.stderr);
            }
        }
    }

    // calamine 0.38 would reserve 51 GB for this 7 KB .xls (its DIMENSIONS
    // record claims 4 billion rows) and abort the process.
    let file = fixture("fuzz/dimensions-reserve.xls");
    assert_eq!(
        unreadable(&ws, &file),
        format!(
            "错误:{file} 已损坏或不是有效的 Excel 97-2003 (.xls) 文件:工作表的范围超出 .xls 格式的上限(65536 行、256 列)\n"
        )
    );

    // calamine 0.38 indexes past the end of this broken .xls (cfb.rs:320).
    let file = fixture("fuzz/cfb-slice-index.xls");
    assert_eq!(
        unreadable(&ws, &file),
        format!("错误:{file} 已损坏或不是有效的 Excel 97-2003 (.xls) 文件:文件结构异常,无法解析\n")
    );
}

#[test]
fn an_xlsx_claiming_billions_of_shared_strings_is_refused() {
    // roster.xlsx as LibreOffice saves it, with <sst uniqueCount=
    // "99999999999">: calamine reserves 2.4 TB before reading a string, and
    // an allocation failure aborts (the web application too). No panic to
    // catch: only a look into the zip before calamine can refuse it.
    let ws = workspace_with_roster();
    let file = fixture("sst-count-bomb.xlsx");
    let line = unreadable(&ws, &file);
    assert!(
        line.starts_with(&format!(
            "错误:{file} 已损坏或不是有效的 Excel (.xlsx) 文件:"
        )),
        "{line}"
    );
}

#[test]
fn a_stray_cell_far_away_is_ignored_or_refused_at_once() {
    // The roster with one "x" at XFD1048576 (the last cell of .xlsx),
    // AMJ1048576 (LibreOffice's last cell before 7.4) or IV65536 (the last
    // cell of .xls). .xlsx is read cell by cell: the stray cell costs nothing
    // and the row with nothing under a header is no data row. Converting to
    // .xls drops cells beyond IV65536. .xls and .ods are read as a whole
    // rectangle by calamine: IV65536 imports (about 1 GB for a moment);
    // beyond that calamine's own limit refuses the .ods before allocating.
    let cases = [
        ("stray_xfd.xlsx", true),
        ("stray_xfd.xls", true),
        ("stray_xfd.ods", false),
        ("stray_amj.xlsx", true),
        ("stray_amj.xls", true),
        ("stray_amj.ods", false),
        ("stray_iv.xlsx", true),
        ("stray_iv.xls", true),
        ("stray_iv.ods", true),
    ];
    for (name, imports) in cases {
        let ws = Workspace::new();
        let file = fixture(name);
        if imports {
            let out = ws.run(&["import", "roster", &file]).success().stdout;
            assert_eq!(
                out,
                "网点名单:读取工作表「网点名单」(表头在第 1 行),共 4 个网点:新增 4,更新 0,未变 0\n",
                "{name}"
            );
            assert_eq!(branches(&ws), ROSTER_ROWS, "{name}");
        } else {
            let stderr = refused(&ws, &["import", "roster", &file]);
            assert_eq!(
                stderr,
                format!(
                    "错误:{file} 过大:有工作表占用超过 40000000 个单元格(可能在远处有零散内容),请删除多余的行列后再导入\n"
                ),
                "{name}"
            );
        }
    }
}

// ---------------------------------------------------------------- round trips

#[test]
fn exported_visits_import_again_unchanged() {
    let reference = reference();
    let expected_q3 = reference.rankings("2024-Q3", &[]);
    let expected_export = exported_visits(&reference, "2024");
    for name in ["visits.xlsx", "visits.csv"] {
        let out = reference.path(name).display().to_string();
        reference
            .run(&["export", "visits", "--period", "2024", "--out", &out])
            .success();
        // Into the same database: nothing new.
        let before = reference.snapshot();
        let stdout = reference.run(&["import", "visits", &out]).success().stdout;
        assert!(
            stdout.contains("读取工作表「") && stdout.contains("6 次暗访:新增 0,未变 6,替换 0"),
            "{name}: {stdout}"
        );
        assert_eq!(reference.snapshot(), before, "{name}");

        // Into a fresh database with the same roster and checklist.
        let fresh = workspace_with_roster();
        let stdout = fresh.run(&["import", "visits", &out]).success().stdout;
        assert!(stdout.contains("6 次暗访:新增 6"), "{name}: {stdout}");
        assert_eq!(fresh.rankings("2024-Q3", &[]), expected_q3, "{name}");
        assert_eq!(exported_visits(&fresh, "2024"), expected_export, "{name}");
    }
}

#[test]
fn an_exported_checklist_loads_back_the_same() {
    let ws = workspace_with_roster();
    let expected = definition(&ws, "small", 1);
    let show = ws.run(&["checklist", "show", "small"]).success().stdout;
    for (name, id) in [("细则.xlsx", "small-x"), ("细则.csv", "small-c")] {
        let out = ws.path(name).display().to_string();
        ws.run(&["checklist", "export", "small", "--out", &out])
            .success();
        let stdout = ws
            .run(&["checklist", "load", &out, "--id", id, "--title", "小检查表"])
            .success()
            .stdout;
        assert!(
            stdout.contains("表头在第 2 行")
                && stdout.contains(&format!(
                    "检查表 {id} 第 1 版(2 个大项,4 项,满分 20):已载入"
                )),
            "{name}: {stdout}"
        );
        let mut loaded = definition(&ws, id, 1);
        loaded["id"] = expected["id"].clone();
        assert_eq!(loaded, expected, "{name}");
        let shown = ws.run(&["checklist", "show", id]).success().stdout;
        assert_eq!(shown.replace(id, "small"), show, "{name}");
    }
}

/// What openpyxl finds in a workbook: every sheet's rows, each cell as
/// [type, value].
fn openpyxl_cells(path: &Path) -> Value {
    let script = r#"
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    rows = []
    for row in ws.iter_rows():
        cells = []
        for c in row:
            v = c.value
            if isinstance(v, (datetime.datetime, datetime.date)):
                cells.append(["date", v.isoformat()])
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(["number", v])
            elif v is None:
                cells.append(["blank", None])
            else:
                cells.append([type(v).__name__, v])
        rows.append(cells)
    out[ws.title] = rows
print(json.dumps(out, ensure_ascii=False))
"#;
    run_python(script, &[&path.display().to_string()])
}

#[test]
fn other_programs_open_our_exports() {
    let ws = reference();
    let visits = ws.path("visits.xlsx");
    let visits_text = visits.display().to_string();
    ws.run(&[
        "export",
        "visits",
        "--period",
        "2024-Q3",
        "--out",
        &visits_text,
    ])
    .success();
    let book = openpyxl_cells(&visits);
    let sheet = book["暗访结果"].as_array().expect("the 暗访结果 sheet");
    let header: Vec<&str> = sheet[0]
        .as_array()
        .expect("a header row")
        .iter()
        .filter_map(|c| c[1].as_str())
        .collect();
    assert_eq!(
        header[..9],
        [
            "暗访编号",
            "网点编码",
            "网点名称",
            "区县",
            "暗访日期",
            "暗访员",
            "检查表",
            "检查表版本",
            "备注"
        ]
    );
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let v2 = sheet
        .iter()
        .find(|r| r[0][1] == "V2")
        .expect("the row of V2");
    assert_eq!(
        v2[column("暗访日期")],
        json!(["date", "2024-07-20T15:00:00"])
    );
    assert_eq!(v2[column("检查表版本")], json!(["number", 1]));
    assert_eq!(v2[column("A01 着工装")], json!(["str", "否"]));
    assert_eq!(v2[column("B01 微笑")], json!(["str", "良"]));
    assert_eq!(v2[column("B02 等候时长")], json!(["number", 12]));
    assert_eq!(sheet.len(), 6, "a header and five Q3 visits");

    let checklist = ws.path("细则.xlsx");
    let checklist_text = checklist.display().to_string();
    ws.run(&["checklist", "export", "small", "--out", &checklist_text])
        .success();
    let book = openpyxl_cells(&checklist);
    let rows = book["评分细则"].as_array().expect("the 评分细则 sheet");
    let b02: Vec<Value> = rows[5]
        .as_array()
        .expect("B02")
        .iter()
        .map(|c| c[1].clone())
        .collect();
    assert_eq!(
        b02,
        [
            json!("B"),
            json!("服务"),
            json!("B02"),
            json!("等候时长"),
            json!("测量"),
            json!(10),
            json!("是"),
            Value::Null,
            Value::Null,
            json!("≤10:10;≤15:5;其他:0"),
            json!("分钟"),
            Value::Null
        ]
    );

    // LibreOffice opens the visits workbook too: its CSV of it imports to
    // the same figures.
    let converted = soffice_to_csv(&visits, ws.dir.path());
    let fresh = workspace_with_roster();
    let converted_text = converted.display().to_string();
    let out = fresh
        .run(&["import", "visits", &converted_text])
        .success()
        .stdout;
    assert!(out.contains("5 次暗访:新增 5"), "{out}");
    let report = fresh.rankings("2024-Q3", &[]);
    let xp01 = ranking_row(&report, "XP01");
    assert_eq!(
        (xp01["rank"].clone(), xp01["rate"].clone()),
        (json!(1), json!(0.725))
    );
    assert_eq!(ranking_row(&report, "BY01")["rate"], 0.65);
    assert_eq!(ranking_row(&report, "XP02")["rate"], 0.4);
}

/// Converts a workbook's first sheet to UTF-8 CSV with LibreOffice.
fn soffice_to_csv(path: &Path, dir: &Path) -> PathBuf {
    let profile = dir.join("lo-profile");
    let out_dir = dir.join("converted");
    let status = Command::new("soffice")
        .arg("--headless")
        .arg("--norestore")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .arg("--convert-to")
        .arg("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true")
        .arg("--outdir")
        .arg(&out_dir)
        .arg(path)
        .output()
        .expect("LibreOffice (soffice) must be installed");
    assert!(
        status.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let stem = path.file_stem().expect("a file name");
    let converted = out_dir.join(stem).with_extension("csv");
    assert!(
        converted.exists(),
        "soffice wrote no {}",
        converted.display()
    );
    converted
}
