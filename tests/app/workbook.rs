//! The ranking workbook, opened by real spreadsheet programs: LibreOffice
//! must convert it without complaint, and openpyxl must read back exactly
//! the figures of the JSON reports.

use std::process::Command;

use serde_json::Value;

use crate::helpers::{TestApp, Workspace, run_python};

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

/// Reads what each sheet looks like rather than what it holds: the header
/// row, conditional formats, column widths, page setup, and the vertical
/// alignment of the first two columns (for 说明's numbered rules).
const READ_FORMATS: &str = r#"
import json, sys
import openpyxl
from openpyxl.utils import get_column_letter
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    widths = {}
    for dim in ws.column_dimensions.values():
        if dim.width and dim.min:
            for i in range(dim.min, dim.max + 1):
                widths[get_column_letter(i)] = dim.width
    formats = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            font = rule.dxf.font.color.rgb if rule.dxf and rule.dxf.font and rule.dxf.font.color else None
            formats.append({"range": str(cf.sqref), "type": rule.type, "operator": rule.operator,
                            "formula": list(rule.formula or []), "font": font})
    setup = ws.page_setup
    out[ws.title] = {
        "header": [c.value for c in ws[1]],
        "rows": [[c.value for c in row] for row in ws.iter_rows(max_col=6)],
        "number_formats": [[c.number_format for c in row] for row in ws.iter_rows()],
        "vertical": [[c.alignment.vertical for c in row[:2]] for row in ws.iter_rows(max_col=2)],
        "widths": widths,
        "conditional": formats,
        "page": {"orientation": setup.orientation, "paper": setup.paperSize,
                 "fit_width": setup.fitToWidth, "fit_height": setup.fitToHeight,
                 "fit": ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None,
                 "title_rows": ws.print_title_rows},
    }
print(json.dumps(out, ensure_ascii=False, default=str))
"#;

fn read_with_openpyxl(path: &str) -> Value {
    run_python(READ_WORKBOOK, &[path])
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
            "漏斗图",
            "等候时长",
            "暗访员校准"
        ])
    );
    let report = ws.rankings("2026-Q3", &[]);
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

    let districts = ws.rankings("2026-Q3", &["--level", "district"]);
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
    let sheets = hallscore::formats::read::read_workbook("rank.ods", bytes).expect("the ods reads");
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names[..3], ["说明", "网点排名", "区县排名"]);
    assert_eq!(sheets[1].rows.len(), 38, "header and 37 halls");
}

#[test]
fn waits_and_calibration_are_in_the_json_and_the_workbook() {
    let (ws, path) = demo_workbook();
    let report = ws.rankings("2026-Q3", &["--level", "district"]);
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

    // The fitted inspector effects, beside the offsets, as in the JSON.
    let halls = ws.rankings("2026-Q3", &[]);
    let inspectors = halls["inspectors"].as_array().expect("inspectors");
    assert_eq!(inspectors.len(), 6);
    let effect = header_index(sheet, "暗访员效应");
    for inspector in inspectors {
        let row = sheet
            .iter()
            .find(|r| r[0][0] == inspector["name"])
            .unwrap_or_else(|| panic!("{inspector} is listed"));
        match inspector["effect"].as_f64() {
            Some(value) => {
                assert_eq!(row[effect][0].as_f64(), Some(value), "{inspector}");
                assert_eq!(row[effect][1], "+0.0%;-0.0%;0.0%", "signed points");
            }
            None => assert_eq!(row[effect][0], "样本不足", "{inspector}"),
        }
    }
    assert!(
        sheet.iter().any(|r| r[0][0]
            .as_str()
            .is_some_and(|t| t.starts_with("暗访员效应:"))),
        "a note on what the effect means"
    );
    let waits_sheet = book["cells"]["等候时长"].as_array().expect("rows");
    assert_eq!(
        waits_sheet.len(),
        1 + 20 + 2 * 37,
        "districts and halls for both waits"
    );
}

/// The demo with 西平 moved to a second city, so that the workbook has a
/// 地市排名 sheet too.
fn two_city_workbook() -> (Workspace, String) {
    let (ws, path) = demo_workbook();
    let roster = ws.write(
        "roster.csv",
        "地市,区县,网点编码,网点名称\n漯河,西平,XP001,西平城关营业厅\n漯河,西平,XP002,西平人民路营业厅\n漯河,西平,XP003,西平出山营业厅\n",
    );
    ws.run(&["import", "roster", &roster]).success();
    ws.run(&["export", "rankings", "--period", "2026-Q3", "--out", &path])
        .success();
    (ws, path)
}

/// The spreadsheet letter of a zero-based column.
fn letter(column: usize) -> String {
    let mut n = column + 1;
    let mut letters = String::new();
    while n > 0 {
        letters.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
        n = (n - 1) / 26;
    }
    letters
}

fn column_of(header: &[Value], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[test]
fn colour_scales_cover_exactly_the_rate_columns_of_every_ranking_sheet() {
    let (_ws, path) = two_city_workbook();
    let book = run_python(READ_FORMATS, &[&path]);
    for name in ["网点排名", "区县排名", "地市排名"] {
        let sheet = &book[name];
        let header = sheet["header"].as_array().expect("a header row");
        let rows = sheet["rows"].as_array().expect("rows").len();
        // 得分率, then one rate per section, up to 上期排名.
        let rates = column_of(header, "得分率")..column_of(header, "上期排名");
        assert_eq!(
            rates.len(),
            8,
            "{name}: the overall rate and seven sections"
        );
        let expected: Vec<String> = rates
            .map(|c| format!("{0}2:{0}{rows}", letter(c)))
            .collect();
        let mut scaled: Vec<String> = sheet["conditional"]
            .as_array()
            .expect("formats")
            .iter()
            .filter(|f| f["type"] == "colorScale")
            .map(|f| f["range"].as_str().expect("a range").to_string())
            .collect();
        scaled.sort_by_key(|r| (r.len(), r.clone()));
        assert_eq!(scaled, expected, "{name}: {header:?}");
    }
}

#[test]
fn rank_changes_are_dark_green_and_dark_red_in_every_program() {
    let (_ws, path) = demo_workbook();
    let book = run_python(READ_FORMATS, &[&path]);
    for name in ["网点排名", "区县排名"] {
        let sheet = &book[name];
        let header = sheet["header"].as_array().expect("a header row");
        let change = column_of(header, "名次变化");
        let rows = sheet["rows"].as_array().expect("rows").len();
        // Palette indexes such as [Color10] are green in Excel and pale grey
        // in LibreOffice: the number format carries no colour at all.
        for row in sheet["number_formats"]
            .as_array()
            .expect("formats")
            .iter()
            .skip(1)
        {
            let format = row[change].as_str().expect("a format");
            assert!(!format.contains('['), "{name}: {format}");
        }
        let range = format!("{0}2:{0}{rows}", letter(change));
        let colours: Vec<(String, String, String)> = sheet["conditional"]
            .as_array()
            .expect("formats")
            .iter()
            .filter(|f| f["range"] == range.as_str())
            .map(|f| {
                (
                    f["operator"].as_str().unwrap_or_default().to_string(),
                    f["formula"][0].as_str().unwrap_or_default().to_string(),
                    f["font"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        assert_eq!(
            colours,
            [
                ("greaterThan".into(), "0".into(), "FF006100".into()),
                ("lessThan".into(), "0".into(), "FF9C0006".into()),
            ],
            "{name}"
        );
    }
}

/// Prints a workbook to PDF with LibreOffice.
fn print_to_pdf(ws: &Workspace, path: &str) -> std::path::PathBuf {
    let profile = format!("file://{}", ws.path("lo-profile").display());
    let output = Command::new("soffice")
        .args([
            &format!("-env:UserInstallation={profile}"),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(ws.dir.path())
        .arg(path)
        .output()
        .expect("LibreOffice is installed (.ci/run installs it)");
    let pdf = std::path::Path::new(path).with_extension("pdf");
    assert!(
        output.status.success() && pdf.exists(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    pdf
}

/// What each sheet looks like on paper, from `pdftotext -bbox-layout`: per
/// sheet (named by the page footer), its pages, the page size, and the
/// median height of the word boxes in the page body.
const PRINTED_SIZES: &str = r#"
import json, re, statistics, sys
html = open(sys.argv[1], encoding="utf-8").read()
sheets = {}
for page in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
    width, height, body = float(page[0]), float(page[1]), page[2]
    footer, heights = None, []
    for line in re.findall(r'<line xMin="[\d.]+" yMin="([\d.]+)"[^>]*>(.*?)</line>', body, re.S):
        words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', line[1])
        # The footer sits in the bottom margin (0.6 inch).
        if float(line[0]) > height - 0.6 * 72:
            footer = words[0][2]
        else:
            heights += [float(w[1]) - float(w[0]) for w in words]
    sheet = sheets.setdefault(footer, {"pages": 0, "heights": []})
    sheet["pages"] += 1
    sheet["size"] = [round(width), round(height)]
    sheet["heights"] += heights
for sheet in sheets.values():
    sheet["median"] = statistics.median(sheet.pop("heights"))
print(json.dumps(sheets, ensure_ascii=False))
"#;

#[test]
fn every_sheet_prints_on_a4_landscape_one_page_wide_at_a_readable_size() {
    let (ws, path) = demo_workbook();
    let book = run_python(READ_FORMATS, &[&path]);
    let sheets = book.as_object().expect("sheets");
    assert_eq!(sheets.len(), 8);
    for (name, sheet) in sheets {
        let page = &sheet["page"];
        assert_eq!(page["orientation"], "landscape", "{name}");
        assert_eq!(page["paper"], 9, "{name}: A4");
        assert_eq!(page["fit"], true, "{name}: fitted to pages");
        // An absent fitToWidth is 1 in the file format.
        assert!(
            matches!(page["fit_width"].as_u64(), None | Some(1)),
            "{name}"
        );
        assert_eq!(
            page["fit_height"], 0,
            "{name}: as many pages tall as needed"
        );
        assert_eq!(
            page["title_rows"], "$1:$1",
            "{name}: the first row on every page"
        );
    }

    // 说明: each rule's number sits at the top of its row, beside its text.
    let notes = &book["说明"];
    let mut numbered = 0;
    for (row, vertical) in notes["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .zip(notes["vertical"].as_array().expect("alignment"))
    {
        if row[0].as_str().is_some_and(|a| a.ends_with('.')) {
            numbered += 1;
            assert_eq!(vertical, &serde_json::json!(["top", "top"]), "{row:?}");
        }
    }
    assert_eq!(
        numbered, 17,
        "eleven scoring rules, four on how sure a rank is, the inspector effect, calibration"
    );

    // 短板分析: each district's weakest items get a column wide enough for
    // their titles (a CJK character takes about two width units).
    let boards = &book["短板分析"];
    let rows = boards["rows"].as_array().expect("rows");
    let start = rows
        .iter()
        .position(|r| r[0] == "各区县最弱的三项")
        .expect("the table of weakest items")
        + 1;
    let title = column_of(rows[start].as_array().expect("a header"), "检查项目");
    let width = boards["widths"][letter(title)].as_f64().expect("a width");
    let titles: Vec<&str> = rows[start + 1..]
        .iter()
        .take_while(|r| r[0].is_string())
        .map(|r| r[title].as_str().expect("a title"))
        .collect();
    assert_eq!(titles.len(), 30, "three items for each of ten districts");
    for text in titles {
        let needed: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
        assert!(needed as f64 <= width, "{text} in a column {width} wide");
    }

    // On paper (LibreOffice): A4 landscape, and no sheet shrunk to fit
    // overlong sentences or a chart beside its table. 暗访员校准 is narrow
    // enough to print at full size: its words are the 11 pt reference.
    let pdf = print_to_pdf(&ws, &path);
    let boxes = ws.path("rank.html");
    let status = Command::new("pdftotext")
        .arg("-bbox-layout")
        .arg(&pdf)
        .arg(&boxes)
        .status()
        .expect("pdftotext is installed (poppler-utils)");
    assert!(status.success());
    let printed = run_python(PRINTED_SIZES, &[&boxes.display().to_string()]);
    let full_size = printed["暗访员校准"]["median"]
        .as_f64()
        .expect("the reference");
    for name in sheets.keys() {
        let sheet = &printed[name.as_str()];
        assert_eq!(
            sheet["size"],
            serde_json::json!([842, 595]),
            "{name}: A4 landscape"
        );
        let points = 11.0 * sheet["median"].as_f64().expect("words") / full_size;
        // The ranking sheets have sixteen columns; the others are text.
        let least = if name.ends_with("排名") { 7.0 } else { 9.5 };
        assert!(
            points >= least,
            "{name} prints at {points:.1} pt: {printed}"
        );
    }
}

#[tokio::test]
async fn only_an_admin_s_workbook_has_the_calibration_sheet() {
    let ws = Workspace::empty();
    ws.run(&["demo"]).success();
    let app = TestApp::spawn(&ws.db()).await;
    let download = |name: &'static str, password: &'static str| {
        let (ws, app) = (&ws, &app);
        async move {
            let bytes = app
                .sign_in(name, password)
                .await
                .download("/exports/rankings.xlsx?period=2026-Q3")
                .await;
            ws.write(&format!("{name}.xlsx"), bytes)
        }
    };
    let manager = read_with_openpyxl(&download("xiping", "hallscore-demo").await);
    assert_eq!(
        manager["sheets"],
        serde_json::json!([
            "说明",
            "网点排名",
            "区县排名",
            "前三后三",
            "短板分析",
            "漏斗图",
            "等候时长"
        ]),
        "a district manager gets no empty calibration sheet"
    );
    let notes: Vec<String> = manager["cells"]["说明"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r[1][0].as_str().map(str::to_string))
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("不含「暗访员校准」表")),
        "说明 says why: {notes:?}"
    );
    assert!(
        !notes.iter().any(|n| n.starts_with("暗访员校准:")),
        "nor its rule"
    );

    let admin = read_with_openpyxl(&download("admin", "hallscore-admin").await);
    let sheets = admin["sheets"].as_array().expect("sheets");
    assert_eq!(sheets.last().expect("sheets"), "暗访员校准");
    let inspectors = admin["cells"]["暗访员校准"].as_array().expect("rows");
    assert!(inspectors.len() > 6, "six demo inspectors and a note");
}

/// Twelve halls of four visits each in 2024-Q3, with the small checklist:
/// ten around 70% (75% and 65% visits), 高一厅 at 95% and 低一厅 at 20%,
/// both far beyond the 99.8% limits around the region's 67.9%.
fn two_outliers_workbook() -> (Workspace, String) {
    let ws = Workspace::new();
    let mut roster = String::from("区县,网点编码,网点名称,地市\n");
    let mut visits =
        String::from("暗访编号,网点编码,暗访日期,暗访员,检查表,A01 着工装,A02、戴工牌,微笑,B02\n");
    let halls: Vec<(String, &str, [&str; 2])> = (1..=10)
        .map(|i| (format!("PT{i:02}"), "普通", ["是,是,优,12", "是,是,良,12"]))
        .chain([
            ("GAO1".to_string(), "高一厅", ["是,是,优,5", "是,是,良,5"]),
            ("DI01".to_string(), "低一厅", ["否,是,差,16", "是,是,差,16"]),
        ])
        .collect();
    let mut id = 0;
    for (code, name, answers) in &halls {
        roster.push_str(&format!("西平,{code},{name}{code},驻马店\n"));
        for visit in 0..4 {
            id += 1;
            visits.push_str(&format!(
                "W{id},{code},2024-08-{:02} 10:00,暗访员{visit},small,{}\n",
                visit + 1,
                answers[visit % 2]
            ));
        }
    }
    let roster = ws.write("roster.csv", roster);
    ws.run(&["import", "roster", &roster]).success();
    let checklist = ws.write("small.toml", crate::helpers::SMALL_CHECKLIST);
    ws.run(&["checklist", "load", &checklist]).success();
    let visits = ws.write("visits.csv", visits);
    ws.run(&["import", "visits", &visits]).success();
    let out = ws.path("outliers.xlsx").display().to_string();
    ws.run(&["export", "rankings", "--period", "2024-Q3", "--out", &out])
        .success();
    (ws, out)
}

/// 区间下限, 区间上限, 可能名次 (and 信号 on the hall sheet) of every row
/// of a ranking sheet, against the JSON rows.
fn assert_uncertainty_columns(rows: &[Value], json: &Value, hall_sheet: bool) {
    let json_rows = json["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), json_rows.len() + 1);
    let (low, high, places) = (
        header_index(rows, "区间下限"),
        header_index(rows, "区间上限"),
        header_index(rows, "可能名次"),
    );
    let header = rows[0].as_array().expect("header");
    let signal = hall_sheet.then(|| header_index(rows, "信号"));
    if !hall_sheet {
        assert!(!header.iter().any(|c| c[0] == "信号"), "halls only");
    }
    for (row, json_row) in rows[1..].iter().zip(json_rows) {
        let interval = &json_row["interval"];
        assert_eq!(row[low][0].as_f64(), interval[0].as_f64(), "{json_row}");
        assert_eq!(row[high][0].as_f64(), interval[1].as_f64(), "{json_row}");
        if interval.is_array() {
            assert_eq!(row[low][1], "0.0%", "a percentage");
            assert_eq!(row[high][1], "0.0%", "a percentage");
        }
        let range = &json_row["rank_range"];
        let expected = match (range[0].as_u64(), range[1].as_u64()) {
            (Some(best), Some(worst)) if best == worst => serde_json::json!(best),
            (Some(best), Some(worst)) => serde_json::json!(format!("{best}–{worst}")),
            _ => Value::Null,
        };
        assert_eq!(row[places][0], expected, "{json_row}");
        if let Some(signal) = signal {
            let expected = match json_row["signal"].as_str() {
                Some("above") => Value::from("显著偏高"),
                Some("below") => Value::from("显著偏低"),
                _ => Value::Null,
            };
            assert_eq!(row[signal][0], expected, "{json_row}");
        }
    }
}

#[test]
fn ranking_sheets_give_every_row_its_interval_rank_range_and_signal() {
    let (ws, path) = demo_workbook();
    let book = read_with_openpyxl(&path);
    let halls = ws.rankings("2026-Q3", &[]);
    let districts = ws.rankings("2026-Q3", &["--level", "district"]);
    let cells = &book["cells"];
    assert_uncertainty_columns(cells["网点排名"].as_array().expect("rows"), &halls, true);
    assert_uncertainty_columns(
        cells["区县排名"].as_array().expect("rows"),
        &districts,
        false,
    );
    let ranges = halls["rows"].as_array().expect("rows");
    assert!(
        ranges
            .iter()
            .any(|r| r["rank_range"][0] != r["rank_range"][1]),
        "the demo has ranges to show"
    );

    // Both signals, in a workspace with a clear outlier each way.
    let (ws, path) = two_outliers_workbook();
    let book = read_with_openpyxl(&path);
    let halls = ws.rankings("2024-Q3", &[]);
    let signals: Vec<&str> = halls["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["signal"].as_str())
        .collect();
    assert_eq!(signals, ["above", "below"], "{halls}");
    assert_uncertainty_columns(
        book["cells"]["网点排名"].as_array().expect("rows"),
        &halls,
        true,
    );
}

#[test]
fn an_adjusted_workbook_names_its_rate_the_adjusted_rate() {
    let (ws, plain) = demo_workbook();
    let path = ws.path("adjusted.xlsx").display().to_string();
    ws.run(&[
        "export",
        "rankings",
        "--period",
        "2026-Q3",
        "--adjust",
        "inspectors",
        "--out",
        &path,
    ])
    .success();
    let book = read_with_openpyxl(&path);
    let json = ws.rankings("2026-Q3", &["--adjust", "inspectors"]);
    let rows = book["cells"]["网点排名"].as_array().expect("rows");
    assert!(
        !rows[0]
            .as_array()
            .expect("header")
            .iter()
            .any(|c| c[0] == "得分率")
    );
    let rate = header_index(rows, "校准后得分率");
    for (row, json_row) in rows[1..].iter().zip(json["rows"].as_array().expect("rows")) {
        assert_eq!(row[rate][0].as_f64(), json_row["rate"].as_f64());
    }
    let notes: Vec<String> = book["cells"]["说明"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r[1][0].as_str().map(str::to_string))
        .collect();
    assert!(
        notes.iter().any(|n| n.starts_with("按校准后得分率排名")),
        "{notes:?}"
    );
    // The plain workbook says nothing of the kind.
    let plain = read_with_openpyxl(&plain);
    assert!(
        !plain["cells"]["说明"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|r| r[1][0]
                .as_str()
                .is_some_and(|t| t.starts_with("按校准后得分率排名")))
    );
}

/// The workbook's charts from its zip: per chart file, its kinds and how
/// many series it has.
const READ_CHARTS: &str = r#"
import json, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
charts = {}
for name in sorted(z.namelist()):
    if re.match(r"xl/charts/chart\d+\.xml$", name):
        xml = z.read(name).decode("utf-8")
        charts[name] = {"kinds": re.findall(r"<c:(\w+Chart)>", xml), "series": xml.count("<c:ser>")}
print(json.dumps(charts))
"#;

/// The rows of a 漏斗图 table: those after the row whose first cell is
/// `title` and its header, up to the first empty row.
fn funnel_table<'a>(rows: &'a [Value], title: &str) -> (&'a Value, Vec<&'a Value>) {
    let start = rows
        .iter()
        .position(|r| r[0][0] == title)
        .unwrap_or_else(|| panic!("no table {title}"));
    let header = &rows[start + 1];
    let body = rows[start + 2..]
        .iter()
        .take_while(|r| r[0][0].is_string() || r[0][0].is_number())
        .collect();
    (header, body)
}

fn funnel_column(header: &Value, name: &str) -> usize {
    header
        .as_array()
        .expect("a header")
        .iter()
        .position(|c| c[0] == name)
        .unwrap_or_else(|| panic!("no column {name} in {header}"))
}

/// 漏斗图 of `path`: one scatter chart of six series (the halls, the
/// target and two pairs of limits), the halls beyond the 99.8% limits
/// exactly those the JSON signals, and every hall with a rate in its table.
fn assert_funnel(path: &str, halls: &Value) {
    let book = read_with_openpyxl(path);
    let sheets = book["sheets"].as_array().expect("sheets");
    let at = |name: &str| sheets.iter().position(|s| s == name).expect(name);
    assert_eq!(at("漏斗图"), at("短板分析") + 1);
    assert_eq!(at("等候时长"), at("漏斗图") + 1);
    let charts = run_python(READ_CHARTS, &[path]);
    let scatter: Vec<&Value> = charts
        .as_object()
        .expect("charts")
        .values()
        .filter(|c| c["kinds"] == serde_json::json!(["scatterChart"]))
        .collect();
    assert_eq!(scatter.len(), 1, "{charts}");
    assert_eq!(
        scatter[0]["series"], 6,
        "halls, target, 95% and 99.8% limits"
    );

    let rows = book["cells"]["漏斗图"].as_array().expect("rows");
    let json_rows = halls["rows"].as_array().expect("rows");
    let expected: Vec<(String, String)> = json_rows
        .iter()
        .filter_map(|r| {
            let signal = match r["signal"].as_str()? {
                "above" => "显著偏高",
                _ => "显著偏低",
            };
            Some((r["code"].as_str()?.to_string(), signal.to_string()))
        })
        .collect();
    let listed: Vec<(String, String)> = if expected.is_empty() {
        let start = rows
            .iter()
            .position(|r| r[0][0] == "显著偏高 / 显著偏低的营业厅")
            .expect("the list");
        assert_eq!(rows[start + 1][0][0], "本期没有营业厅超出 99.8% 控制限。");
        Vec::new()
    } else {
        let (header, body) = funnel_table(rows, "显著偏高 / 显著偏低的营业厅");
        let signal = funnel_column(header, "信号");
        body.iter()
            .map(|r| {
                (
                    r[0][0].as_str().expect("a code").to_string(),
                    r[signal][0].as_str().expect("a signal").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(listed, expected);

    let (header, body) = funnel_table(rows, "各营业厅");
    let (rate, target, outer_low, outer_high) = (
        funnel_column(header, "得分率"),
        funnel_column(header, "目标"),
        funnel_column(header, "99.8% 下限"),
        funnel_column(header, "99.8% 上限"),
    );
    let rated: Vec<&Value> = json_rows.iter().filter(|r| r["rate"].is_number()).collect();
    assert_eq!(body.len(), rated.len(), "every hall with a rate");
    for (row, json_row) in body.iter().zip(rated) {
        assert_eq!(row[0][0], json_row["code"]);
        assert_eq!(row[rate][0].as_f64(), json_row["rate"].as_f64());
        assert_eq!(row[target][0].as_f64(), halls["region"]["rate"].as_f64());
        // The signal is the rate against these limits.
        let value = json_row["rate"].as_f64().expect("a rate");
        let (low, high) = (
            row[outer_low][0].as_f64().expect("a limit"),
            row[outer_high][0].as_f64().expect("a limit"),
        );
        let beyond = value < low || value > high;
        assert_eq!(beyond, json_row["signal"].is_string(), "{json_row}");
    }
}

#[test]
fn the_funnel_sheet_charts_every_hall_and_lists_the_signalled_ones() {
    let (ws, path) = two_outliers_workbook();
    let halls = ws.rankings("2024-Q3", &[]);
    assert_funnel(&path, &halls);

    let (ws, path) = demo_workbook();
    let halls = ws.rankings("2026-Q3", &[]);
    assert_funnel(&path, &halls);

    // On paper: the chart and its tables on A4 landscape.
    let pdf = print_to_pdf(&ws, &path);
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "80"])
        .arg(&pdf)
        .arg(ws.path("page"))
        .status()
        .expect("pdftoppm is installed (poppler-utils)");
    assert!(status.success());
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("得分率与暗访次数"),
        "the chart's title is printed"
    );
    let shots =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots/workbook_funnel");
    std::fs::create_dir_all(&shots).expect("a folder for the pages");
    for page in std::fs::read_dir(ws.dir.path()).expect("pages").flatten() {
        let name = page.file_name().to_string_lossy().into_owned();
        if name.starts_with("page") {
            std::fs::copy(page.path(), shots.join(&name)).expect("copy a page");
        }
    }
}

#[test]
fn without_repeat_visits_the_workbook_says_why_there_is_no_funnel() {
    let ws = crate::helpers::workspace_with_roster();
    // Two visits at XP01 and one at XP02: one degree of freedom.
    let visits = ws.write(
        "visits.csv",
        "暗访编号,网点编码,暗访日期,暗访员,检查表,A01 着工装,A02、戴工牌,微笑,B02\n\
         V1,XP01,2024-07-03 10:00,王,small,是,是,优,8\n\
         V2,XP01,2024-07-20 15:00,李,small,否,是,良,12\n\
         V3,XP02,2024-08-01 09:30,王,small,是,否,优,不适用\n",
    );
    ws.run(&["import", "visits", &visits]).success();
    let path = ws.path("few.xlsx").display().to_string();
    ws.run(&["export", "rankings", "--period", "2024-Q3", "--out", &path])
        .success();
    let json = ws.rankings("2024-Q3", &[]);
    assert_eq!(json["spread"], serde_json::json!({"sigma": null, "df": 1}));
    let charts = run_python(READ_CHARTS, &[&path]);
    assert!(
        !charts.to_string().contains("scatterChart"),
        "no funnel: {charts}"
    );
    let book = read_with_openpyxl(&path);
    let funnel = book["cells"]["漏斗图"].as_array().expect("rows");
    assert_eq!(funnel.len(), 2, "a title and a sentence");
    let why = funnel[1][0][0].as_str().expect("a sentence");
    assert!(
        why.contains("自由度为 1") && why.contains("没有漏斗图"),
        "{why}"
    );
    let notes = book["cells"]["说明"].as_array().expect("rows");
    let spread = notes
        .iter()
        .find(|r| r[0][0] == "得分波动")
        .expect("a line on the spread");
    assert!(
        spread[1][0]
            .as_str()
            .expect("text")
            .contains("重复暗访太少"),
        "{spread:?}"
    );
    assert_uncertainty_columns(
        book["cells"]["网点排名"].as_array().expect("rows"),
        &json,
        true,
    );
}

/// The visits a hall needs for a 95% interval of ±5 points, from σ̂ and
/// its degrees of freedom, with scipy's t quantile: both ends of σ̂'s
/// rounding, which agree unless σ̂ lies on an edge.
const VISITS_FOR_FIVE_POINTS: &str = r#"
import json, math, sys
from scipy.stats import t
sigma, df = float(sys.argv[1]), int(sys.argv[2])
q = t.ppf(0.975, df)
print(json.dumps(sorted({math.ceil((q * s / 0.05) ** 2) for s in (sigma - 0.00005, sigma + 0.00005)})))
"#;

#[test]
fn the_notes_explain_the_method_and_the_visits_a_hall_needs() {
    let (ws, path) = demo_workbook();
    let json = ws.rankings("2026-Q3", &[]);
    let sigma = json["spread"]["sigma"].as_f64().expect("a spread");
    let df = json["spread"]["df"].as_u64().expect("freedom");
    let needed = run_python(
        VISITS_FOR_FIVE_POINTS,
        &[&sigma.to_string(), &df.to_string()],
    );
    let book = read_with_openpyxl(&path);
    let notes = book["cells"]["说明"].as_array().expect("rows");
    let spread = notes
        .iter()
        .find(|r| r[0][0] == "得分波动")
        .and_then(|r| r[1][0].as_str())
        .expect("a line on the spread");
    let visits: u64 = spread
        .split("约需暗访 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a number of visits in {spread}"));
    assert!(
        needed
            .as_array()
            .expect("candidates")
            .contains(&visits.into()),
        "{visits} visits, expected {needed}: {spread}"
    );
    assert!(spread.contains(&format!("自由度 {df}")), "{spread}");
    assert!(
        spread.contains(&format!(
            "σ̂ = {}",
            (sigma * 100.0 * 1000.0).round() / 1000.0
        )),
        "{spread}"
    );
    let rules: Vec<&str> = notes
        .iter()
        .filter(|r| r[0][0].as_str().is_some_and(|n| n.ends_with('.')))
        .filter_map(|r| r[1][0].as_str())
        .collect();
    for start in [
        "为什么名次不是绝对的",
        "95% 区间",
        "可能名次",
        "漏斗图与信号",
        "暗访员效应与校准后得分率",
    ] {
        assert!(
            rules.iter().any(|r| r.starts_with(start)),
            "a rule on {start}: {rules:?}"
        );
    }
}
