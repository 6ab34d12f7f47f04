//! 评分细则 sheets: one checklist item per row, grouped into sections by
//! the 大项 column; and the same rows written back.

use std::collections::HashMap;

use super::table::{Field, Table, field, find_table};
use super::{Parsed, Problem, Record};
use crate::domain::Error;
use crate::domain::answer::{format_number, normalize_text, parse_number};
use crate::domain::checklist::{Band, Checklist, Choice, Critical, Item, ItemKind, Place, Section};
use crate::formats::read::{Row, Sheet, column_letter};

const CHECKLIST_FIELDS: &[Field] = &[
    field("section", &["大项", "section", "大项名称"], true),
    field("section_code", &["大项编码", "section_code"], false),
    field("code", &["编码", "code", "检查项编码", "项目编码"], true),
    field("title", &["检查项目", "title", "检查内容", "项目"], true),
    field("kind", &["类型", "kind"], true),
    field("points", &["分值", "points", "分数"], true),
    field("na", &["不适用", "na"], false),
    field("critical", &["红线", "critical"], false),
    field("choices", &["选项", "choices"], false),
    field("bands", &["分档", "bands"], false),
    field("unit", &["单位", "unit"], false),
    field("no", &["序号", "no"], false),
    field(
        "rectify_days",
        &["整改天数", "整改期限", "rectify_days"],
        false,
    ),
];

/// The header row names every checklist-sheet column in this order.
pub const CHECKLIST_HEADERS: &[&str] = &[
    "大项编码",
    "大项",
    "编码",
    "检查项目",
    "类型",
    "分值",
    "不适用",
    "红线",
    "选项",
    "分档",
    "单位",
    "整改天数",
];

/// What a checklist sheet cannot carry: the caller supplies it.
pub struct ChecklistMeta<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub version: u32,
    pub pass_mark: f64,
}

pub fn parse_checklist(
    file: &str,
    sheets: &[Sheet],
    meta: &ChecklistMeta<'_>,
) -> Result<Parsed<Checklist>, Vec<Problem>> {
    let table = find_table(file, sheets, CHECKLIST_FIELDS)?;
    let mut problems = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    let mut item_rows: HashMap<String, u32> = HashMap::new();
    for row in table.data(sheets) {
        if table.is_blank(row) {
            continue;
        }
        let Some(read) = read_item(&table, row, &mut problems) else {
            continue;
        };
        item_rows.insert(read.item.code.clone(), row.number);
        if let Err(problem) = add_to_section(&mut sections, read) {
            problems.push(table.problem(row, "section_code", problem));
        }
    }
    if sections.is_empty() || !problems.is_empty() {
        return table.finish(Vec::new(), problems, Vec::new());
    }
    sections.iter_mut().for_each(days_to_section);
    let checklist = Checklist {
        id: meta.id.to_string(),
        version: meta.version,
        title: meta.title.to_string(),
        pass_mark: meta.pass_mark,
        min_photos: None,
        comment_min_chars: None,
        review: false,
        sections,
    };
    if let Err(e) = checklist.validate(file) {
        return Err(vec![broken_rule(&table, &item_rows, e)]);
    }
    let rows = vec![Record {
        row: table.header_row,
        value: checklist,
    }];
    table.finish(rows, Vec::new(), Vec::new())
}

/// A checklist rule the sheet's items break together, at the row of the
/// item it names.
fn broken_rule(table: &Table, item_rows: &HashMap<String, u32>, e: Error) -> Problem {
    let Error::Checklist { place, rule, .. } = &e else {
        return table.whole_sheet(e.to_string());
    };
    let row = match place {
        Place::Item(code) => item_rows.get(code).copied(),
        _ => None,
    };
    Problem {
        row,
        ..table.whole_sheet(format!("{place}:{rule}"))
    }
}

/// One item row as read, with its section.
struct ItemRow {
    section_title: String,
    section_code: Option<String>,
    item: Item,
}

/// Reads one item row, or notes its problems and gives nothing.
fn read_item(table: &Table, row: &Row, problems: &mut Vec<Problem>) -> Option<ItemRow> {
    let before = problems.len();
    let mut required = |key: &str, what: &str| {
        let value = table.text(row, key);
        if value.is_none() {
            problems.push(table.problem(row, key, format!("{what}不能为空")));
        }
        value
    };
    let section_title = required("section", "大项");
    let code = required("code", "编码");
    let title = required("title", "检查项目");
    let kind = required("kind", "类型");
    let kind = kind.and_then(|k| kind_name(table, row, &k, problems));
    let points = points(table, row, problems);
    let na = not_applicable(table, row, problems);
    let critical = critical(table, row, problems);
    let rectify_days = rectify_days(table, row, problems);
    let (Some(section_title), Some(code), Some(title), Some(kind), Some(points)) =
        (section_title, code, title, kind, points)
    else {
        return None;
    };
    let kind = item_kind(table, row, kind, critical, problems);
    if critical.is_some() && !matches!(kind, Some(ItemKind::Check { .. }) | None) {
        problems.push(table.problem(row, "critical", "只有是否题可以设为红线"));
    }
    let kind = kind?;
    if problems.len() > before {
        return None;
    }
    Some(ItemRow {
        section_title,
        section_code: table.text(row, "section_code"),
        item: Item {
            code,
            title,
            points,
            na,
            kind,
            rectify_days,
        },
    })
}

/// A sheet gives the days to fix on every item's row: when all items of a
/// section give the same, they are the section's, as a checklist file
/// would say it.
fn days_to_section(section: &mut Section) {
    let first = section.items.first().and_then(|i| i.rectify_days);
    if first.is_some() && section.items.iter().all(|i| i.rectify_days == first) {
        section.rectify_days = first;
        for item in &mut section.items {
            item.rectify_days = None;
        }
    }
}

/// The 整改天数 cell: days the hall has to fix the item, if given.
fn rectify_days(table: &Table, row: &Row, problems: &mut Vec<Problem>) -> Option<u32> {
    let text = table.text(row, "rectify_days")?;
    let days = parse_number(&text).filter(|d| d.fract() == 0.0).map_or(
        Err(format!("整改天数「{text}」应为整数(天)")),
        |d| crate::domain::rectify::read_days(d as i64),
    );
    days.map_err(|e| problems.push(table.problem(row, "rectify_days", e)))
        .ok()
}

/// The item kind a 类型 cell names, in Chinese or English.
fn kind_name(
    table: &Table,
    row: &Row,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Option<&'static str> {
    let name = match text.to_lowercase().as_str() {
        "check" | "是否" => Some("check"),
        "scale" | "评分" => Some("scale"),
        "choice" | "选项" => Some("choice"),
        "measure" | "测量" => Some("measure"),
        _ => None,
    };
    if name.is_none() {
        problems.push(table.problem(
            row,
            "kind",
            "类型应为 是否、评分、选项、测量(或 check、scale、choice、measure)",
        ));
    }
    name
}

fn points(table: &Table, row: &Row, problems: &mut Vec<Problem>) -> Option<f64> {
    match table.text(row, "points").as_deref().and_then(parse_number) {
        Some(p) if p > 0.0 => Some(p),
        _ => {
            problems.push(table.problem(row, "points", "分值必须是大于 0 的数"));
            None
        }
    }
}

/// Whether the item allows 不适用; a blank cell says no.
fn not_applicable(table: &Table, row: &Row, problems: &mut Vec<Problem>) -> bool {
    let Some(text) = table.text(row, "na") else {
        return false;
    };
    yes_no(&text).unwrap_or_else(|| {
        problems.push(table.problem(row, "na", "不适用应填 是 或 否"));
        false
    })
}

/// The 红线 cell: what a failed check zeroes, if anything.
fn critical(table: &Table, row: &Row, problems: &mut Vec<Problem>) -> Option<Critical> {
    match table
        .text(row, "critical")
        .as_deref()
        .map(str::to_lowercase)
    {
        None => None,
        Some(t) if t == "大项" || t == "section" => Some(Critical::Section),
        Some(t) if t == "整单" || t == "visit" => Some(Critical::Visit),
        Some(t) if yes_no(&t) == Some(false) => None,
        Some(_) => {
            problems.push(table.problem(row, "critical", "红线应填 大项 或 整单"));
            None
        }
    }
}

/// The item's kind with what it needs: a choice item's 选项, a measure
/// item's 分档 and 单位.
fn item_kind(
    table: &Table,
    row: &Row,
    kind: &str,
    critical: Option<Critical>,
    problems: &mut Vec<Problem>,
) -> Option<ItemKind> {
    match kind {
        "check" => Some(ItemKind::Check { critical }),
        "scale" => Some(ItemKind::Scale),
        "choice" => match table.text(row, "choices").map(|t| parse_pairs(&t)) {
            Some(Some(pairs)) => Some(ItemKind::Choice {
                choices: pairs
                    .into_iter()
                    .map(|(label, score)| Choice { label, score })
                    .collect(),
            }),
            _ => {
                problems.push(table.problem(row, "choices", "选项题的选项应写成 优:4;良:2;差:0"));
                None
            }
        },
        _ => match table.text(row, "bands").map(|t| parse_bands(&t)) {
            Some(Some(bands)) => Some(ItemKind::Measure {
                unit: table.text(row, "unit").unwrap_or_default(),
                bands,
            }),
            _ => {
                problems.push(table.problem(
                    row,
                    "bands",
                    "测量题的分档应写成 ≤10:10;≤15:5;其他:0",
                ));
                None
            }
        },
    }
}

/// Puts an item into its section, which the first of its rows makes; a
/// later row that gives the section another code is refused, with why.
fn add_to_section(sections: &mut Vec<Section>, read: ItemRow) -> Result<(), String> {
    let index = match sections.iter().position(|s| s.title == read.section_title) {
        Some(index) => index,
        None => {
            sections.push(Section {
                code: read
                    .section_code
                    .clone()
                    .unwrap_or_else(|| section_letter(sections.len())),
                title: read.section_title,
                rectify_days: None,
                items: Vec::new(),
            });
            sections.len() - 1
        }
    };
    let section = &mut sections[index];
    if let Some(code) = read.section_code.filter(|c| *c != section.code) {
        return Err(format!(
            "大项「{}」此前的编码是 {},此处却是 {code}",
            section.title, section.code
        ));
    }
    section.items.push(read.item);
    Ok(())
}

/// A, B, … Z, AA, AB …
fn section_letter(index: usize) -> String {
    column_letter(index)
}

fn yes_no(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "是" | "y" | "yes" | "1" | "√" | "true" => Some(true),
        "否" | "n" | "no" | "0" | "×" | "false" | "" => Some(false),
        _ => None,
    }
}

/// `优:4;良:2;差:0` (full-width separators too) as (label, score) pairs.
fn parse_pairs(text: &str) -> Option<Vec<(String, f64)>> {
    normalize_text(text)
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (label, score) = pair.rsplit_once(':')?;
            Some((label.trim().to_string(), parse_number(score)?))
        })
        .collect::<Option<Vec<_>>>()
        .filter(|pairs| !pairs.is_empty())
}

/// `≤10:10;≤15:5;其他:0` as bands.
fn parse_bands(text: &str) -> Option<Vec<Band>> {
    parse_pairs(text)?
        .into_iter()
        .map(|(limit, score)| {
            let limit = limit.trim();
            if matches!(limit, "其他" | "其它" | "else" | "*" | "以上") {
                return Some(Band { max: None, score });
            }
            let number = limit
                .trim_start_matches(['≤', '<', '='])
                .trim_end_matches(['分', '钟'])
                .trim();
            Some(Band {
                max: Some(parse_number(number)?),
                score,
            })
        })
        .collect()
}

/// The 评分细则 row of one item, in [`CHECKLIST_HEADERS`] order.
pub fn checklist_row(section: &Section, item: &Item) -> Vec<String> {
    let number = format_number;
    let (kind, critical, choices, bands, unit) = match &item.kind {
        ItemKind::Check { critical } => (
            "是否",
            match critical {
                Some(Critical::Section) => "大项",
                Some(Critical::Visit) => "整单",
                None => "",
            },
            String::new(),
            String::new(),
            String::new(),
        ),
        ItemKind::Scale => ("评分", "", String::new(), String::new(), String::new()),
        ItemKind::Choice { choices } => (
            "选项",
            "",
            choices
                .iter()
                .map(|c| format!("{}:{}", c.label, number(c.score)))
                .collect::<Vec<_>>()
                .join(";"),
            String::new(),
            String::new(),
        ),
        ItemKind::Measure { unit, bands } => (
            "测量",
            "",
            String::new(),
            bands
                .iter()
                .map(|b| match b.max {
                    Some(max) => format!("≤{}:{}", number(max), number(b.score)),
                    None => format!("其他:{}", number(b.score)),
                })
                .collect::<Vec<_>>()
                .join(";"),
            unit.clone(),
        ),
    };
    vec![
        section.code.clone(),
        section.title.clone(),
        item.code.clone(),
        item.title.clone(),
        kind.to_string(),
        number(item.points),
        if item.na { "是" } else { "否" }.to_string(),
        critical.to_string(),
        choices,
        bands,
        unit,
        item.rectify_days
            .or(section.rectify_days)
            .map(|d| d.to_string())
            .unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::sheet;
    use super::*;
    use crate::domain::checklist::tests::sample;

    #[test]
    fn checklist_rows_round_trip() {
        let c = sample();
        let mut rows: Vec<Vec<String>> =
            vec![CHECKLIST_HEADERS.iter().map(|s| s.to_string()).collect()];
        for section in &c.sections {
            for item in &section.items {
                rows.push(checklist_row(section, item));
            }
        }
        let borrowed: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let slices: Vec<&[&str]> = borrowed.iter().map(Vec::as_slice).collect();
        let meta = ChecklistMeta {
            id: &c.id,
            title: &c.title,
            version: c.version,
            pass_mark: c.pass_mark,
        };
        let parsed = parse_checklist("细则.csv", &sheet(&slices), &meta).expect("parses");
        assert_eq!(parsed.rows[0].value, c);
    }

    #[test]
    fn checklist_problems_are_located() {
        let sheets = sheet(&[
            &["大项", "编码", "检查项目", "类型", "分值", "选项"],
            &["仪容", "A01", "着装", "是否", "2", ""],
            &["仪容", "A02", "微笑", "选项", "4", "优4"],
            &["仪容", "A03", "其他", "滑块", "x", ""],
        ]);
        let meta = ChecklistMeta {
            id: "t",
            title: "t",
            version: 1,
            pass_mark: 0.8,
        };
        let problems = parse_checklist("细则.csv", &sheets, &meta).expect_err("bad rows");
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 3, "{text:?}");
        assert!(text[0].contains("第 3 行 F 列「选项」"), "{}", text[0]);
        assert!(
            text.iter().any(|t| t.contains("第 4 行 E 列「分值」")),
            "{text:?}"
        );
    }

    #[test]
    fn a_rule_the_items_break_together_names_the_item_row() {
        let sheets = sheet(&[
            &["大项", "编码", "检查项目", "类型", "分值", "选项"],
            &["仪容", "A01", "着装", "是否", "2", ""],
            &["仪容", "A02", "微笑", "选项", "4", "优:5;差:0"],
        ]);
        let meta = ChecklistMeta {
            id: "t",
            title: "t",
            version: 1,
            pass_mark: 0.8,
        };
        let problems = parse_checklist("细则.csv", &sheets, &meta).expect_err("score above points");
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "工作表「Sheet1」第 3 行:检查项 A02:选项「优」的得分 5 不在 0 到 4 之间"
        );
    }

    #[test]
    fn days_to_fix_an_item_are_read_and_a_bad_one_is_located() {
        let meta = ChecklistMeta {
            id: "t",
            title: "t",
            version: 1,
            pass_mark: 0.8,
        };
        let sheets = sheet(&[
            &["大项", "编码", "检查项目", "类型", "分值", "整改天数"],
            &["环境", "E01", "灯箱完好", "是否", "2", "30"],
            &["环境", "E02", "地面整洁", "是否", "2", ""],
        ]);
        let parsed = parse_checklist("细则.csv", &sheets, &meta).expect("parses");
        let items = &parsed.rows[0].value.sections[0].items;
        assert_eq!(items[0].rectify_days, Some(30));
        assert_eq!(items[1].rectify_days, None);

        // Every item of a section with the same days: the section's.
        let sheets = sheet(&[
            &["大项", "编码", "检查项目", "类型", "分值", "整改天数"],
            &["环境", "E01", "灯箱完好", "是否", "2", "30"],
            &["环境", "E02", "地面整洁", "是否", "2", "30"],
        ]);
        let parsed = parse_checklist("细则.csv", &sheets, &meta).expect("parses");
        let section = &parsed.rows[0].value.sections[0];
        assert_eq!(section.rectify_days, Some(30));
        assert!(section.items.iter().all(|i| i.rectify_days.is_none()));

        let sheets = sheet(&[
            &["大项", "编码", "检查项目", "类型", "分值", "整改天数"],
            &["环境", "E01", "灯箱完好", "是否", "2", "0"],
            &["环境", "E02", "地面整洁", "是否", "2", "两周"],
        ]);
        let problems = parse_checklist("细则.csv", &sheets, &meta).expect_err("bad days");
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 2, "{text:?}");
        assert!(
            text[0].contains("第 2 行 F 列「整改天数」") && text[0].contains("1 到 365"),
            "{}",
            text[0]
        );
        assert!(text[1].contains("「两周」应为整数"), "{}", text[1]);
    }
}
