//! The ranking workbook, opened by real spreadsheet programs: LibreOffice
//! must convert it without complaint, and openpyxl must read back exactly
//! the figures of the JSON reports.

use std::process::Command;

use serde_json::Value;

use crate::helpers::Workspace;

/// Reads every sheet with openpyxl: names in order, and each sheet's cells
/// as [value, number_format] rows.
const READ_WORKBOOK: &str = r#"
import json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames, "cells": {}}
for ws in wb.worksheets:
    out["cells"][ws.title] = [
        [[c.value if not hasattr(c.value, "isoformat") else c.value.isoformat(), c.number_format] for c in row]
        for row in ws.iter_rows()
    ]
print(json.dumps(out, ensure_ascii=False))
"#;

fn read_with_openpyxl(path: &str) -> Value {
    let output = Command::new("python3")
        .args(["-c", READ_WORKBOOK, path])
        .output()
        .expect("python3 runs (openpyxl is installed by .ci/run)");
    assert!(
        output.status.success(),
        "openpyxl could not read the workbook: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the reader prints JSON")
}

fn demo_workbook() -> (Workspace, String) {
    let ws = Workspace::empty();
    ws.run(&["demo"]).success();
    let out = ws.path("rank.xlsx").display().to_string();
    ws.run(&["export", "rankings", "--period", "2026-Q3", "--out", &out])
        .success();
    (ws, out)
}

fn header_index(rows: &[Value], name: &str) -> usize {
    rows[0]
        .as_array()
        .expect("header row")
        .iter()
        .position(|c| c[0] == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn openpyxl_reads_back_the_json_figures() {
    let (ws, path) = demo_workbook();
    let book = read_with_openpyxl(&path);
    assert_eq!(
        book["sheets"],
        serde_json::json!([
            "说明",
            "网点排名",
            "区县排名",
            "前三后三",
            "短板分析",
            "等候时长",
            "暗访员校准"
        ])
    );
    let report = ws
        .run(&[
            "report", "rankings", "--period", "2026-Q3", "--format", "json",
        ])
        .success()
        .json();
    let rows = book["cells"]["网点排名"].as_array().expect("rows");
    let json_rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), json_rows.len() + 1, "every hall of the roster");
    let code = header_index(rows, "网点编码");
    let rate = header_index(rows, "得分率");
    let rank = header_index(rows, "排名");
    let change = header_index(rows, "名次变化");
    let first_section = header_index(rows, "仪容仪表");
    for (sheet_row, json_row) in rows[1..].iter().zip(json_rows) {
        assert_eq!(sheet_row[code][0], json_row["code"]);
        assert_eq!(sheet_row[rank][0], json_row["rank"]);
        assert_eq!(sheet_row[rate][0].as_f64(), json_row["rate"].as_f64());
        if json_row["rate"].is_number() {
            assert_eq!(
                sheet_row[rate][1], "0.0%",
                "a rate is a number with a percentage format"
            );
        }
        assert_eq!(
            sheet_row[first_section][0].as_f64(),
            json_row["sections"]["A"].as_f64()
        );
        assert_eq!(
            sheet_row[change][0].as_f64(),
            json_row["rank_change"].as_f64()
        );
        if json_row["rank_change"].is_number() {
            assert!(sheet_row[change][1].as_str().expect("format").contains('↑'));
        }
    }

    let districts = ws
        .run(&[
            "report", "rankings", "--period", "2026-Q3", "--level", "district", "--format", "json",
        ])
        .success()
        .json();
    let sheet = book["cells"]["区县排名"].as_array().expect("rows");
    let name = header_index(sheet, "区县");
    let rate = header_index(sheet, "得分率");
    for (sheet_row, json_row) in sheet[1..]
        .iter()
        .zip(districts["rows"].as_array().expect("rows"))
    {
        assert_eq!(sheet_row[name][0], json_row["name"]);
        assert_eq!(sheet_row[rate][0].as_f64(), json_row["rate"].as_f64());
    }

    // The report's own sentences, for every metric.
    let sentences: Vec<String> = book["cells"]["前三后三"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r[0][0].as_str().map(str::to_string))
        .collect();
    let total = &districts["top_bottom"][0];
    let expected = format!(
        "综合得分率:{}分公司位于前三名",
        total["top"]
            .as_array()
            .expect("top")
            .iter()
            .map(|u| u["name"].as_str().expect("name"))
            .collect::<Vec<_>>()
            .join("、")
    );
    assert!(
        sentences.iter().any(|s| s.starts_with(&expected)),
        "{expected} in {sentences:?}"
    );

    // Short boards: the worst item of the JSON is in the sheet with its figures.
    let boards = ws
        .run(&[
            "report",
            "shortboards",
            "--period",
            "2026-Q3",
            "--format",
            "json",
        ])
        .success()
        .json();
    let worst = &boards["items"][0];
    let sheet = book["cells"]["短板分析"].as_array().expect("rows");
    let found = sheet
        .iter()
        .find(|r| r[0][0] == worst["code"] && r[3][0].is_number())
        .expect("the weakest item is listed");
    assert_eq!(found[3][0].as_f64(), worst["rate"].as_f64());
    assert_eq!(found[4][0].as_f64(), worst["lost"].as_f64());

    // Nothing numeric is written as text.
    for (sheet, rows) in book["cells"].as_object().expect("sheets") {
        if sheet == "说明" || sheet == "前三后三" {
            continue;
        }
        for row in rows.as_array().expect("rows").iter().skip(1) {
            for cell in row.as_array().expect("cells") {
                if let Some(text) = cell[0].as_str() {
                    assert!(
                        text.trim().parse::<f64>().is_err() && !text.ends_with('%'),
                        "{sheet}: a number stored as text: {text}"
                    );
                }
            }
        }
    }
}

#[test]
fn libreoffice_converts_the_workbook_cleanly() {
    let (ws, path) = demo_workbook();
    let profile = format!("file://{}", ws.path("lo-profile").display());
    let output = Command::new("soffice")
        .args([
            &format!("-env:UserInstallation={profile}"),
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
        ])
        .arg(ws.dir.path())
        .arg(&path)
        .output()
        .expect("LibreOffice is installed (.ci/run installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let ods = ws.path("rank.ods");
    assert!(
        ods.exists(),
        "LibreOffice wrote no file: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    // The converted file reads back through our own importer's reader too.
    let bytes = std::fs::read(&ods).expect("read the ods");
    let sheets = hallscore::excel::read::read_workbook("rank.ods", bytes).expect("the ods reads");
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names[..3], ["说明", "网点排名", "区县排名"]);
    assert_eq!(sheets[1].rows.len(), 38, "header and 37 halls");
}

#[test]
fn waits_and_calibration_are_in_the_json_and_the_workbook() {
    let (ws, path) = demo_workbook();
    let report = ws
        .run(&[
            "report", "rankings", "--period", "2026-Q3", "--level", "district", "--format", "json",
        ])
        .success()
        .json();
    let waits = report["waits"].as_array().expect("waits");
    assert_eq!(waits.len(), 20, "two measure items × ten districts");
    for wait in waits {
        let (mean, median, p90) = (
            wait["mean"].as_f64().expect("mean"),
            wait["median"].as_f64().expect("median"),
            wait["p90"].as_f64().expect("p90"),
        );
        assert!(median <= p90 && mean > 0.0, "{wait}");
        let share = wait["over_share"].as_f64().expect("a limit");
        assert!((0.0..=1.0).contains(&share));
    }
    let calibration = report["calibration"].as_array().expect("calibration");
    assert_eq!(calibration.len(), 6, "six demo inspectors");
    let offset = |name: &str| {
        calibration
            .iter()
            .find(|c| c["inspector"] == name)
            .and_then(|c| c["offset"].as_f64())
            .expect("an offset")
    };
    // The demo's lenient and strict inspectors show up as such.
    assert!(offset("杨帆") > offset("张伟"), "{calibration:?}");

    let book = read_with_openpyxl(&path);
    let sheet = book["cells"]["暗访员校准"].as_array().expect("rows");
    let row = sheet
        .iter()
        .find(|r| r[0][0] == "杨帆")
        .expect("杨帆 is listed");
    assert_eq!(row[3][0].as_f64(), Some(offset("杨帆")));
    let waits_sheet = book["cells"]["等候时长"].as_array().expect("rows");
    assert_eq!(
        waits_sheet.len(),
        1 + 20 + 2 * 37,
        "districts and halls for both waits"
    );
}
