//! Turning read sheets into domain values: rosters, visits and 评分细则
//! checklists. Every problem of a file is collected with its place (sheet,
//! row, column letter and header, value) so that all are reported at once.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};

use super::read::{Cell, Row, Sheet, column_letter};
use crate::domain::answer::{Answer, RawAnswer, normalize_text, parse_number};
use crate::domain::checklist::{Band, Checklist, Choice, Critical, Item, ItemKind, Section};
use crate::domain::roster::Branch;
use crate::domain::visit::Visit;

/// One problem in a file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub sheet: String,
    pub row: Option<u32>,
    /// 0-based column index and the column's header text.
    pub column: Option<(usize, String)>,
    pub value: Option<String>,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "工作表「{}」", self.sheet)?;
        if let Some(row) = self.row {
            write!(f, "第 {row} 行")?;
        }
        if let Some((column, header)) = &self.column {
            write!(f, " {} 列「{}」", column_letter(*column), header)?;
        }
        if let Some(value) = &self.value {
            write!(f, " 值「{value}」")?;
        }
        write!(f, ":{}", self.reason)
    }
}

/// A field the importer looks for, by its accepted header names.
struct Field {
    key: &'static str,
    names: &'static [&'static str],
    required: bool,
}

const fn field(key: &'static str, names: &'static [&'static str], required: bool) -> Field {
    Field {
        key,
        names,
        required,
    }
}

const ROSTER_FIELDS: &[Field] = &[
    field("city", &["地市", "city", "地市公司", "城市"], false),
    field(
        "district",
        &["区县", "district", "区县分公司", "县区"],
        true,
    ),
    field(
        "branch_code",
        &["网点编码", "branch_code", "营业厅编码", "网点代码"],
        true,
    ),
    field(
        "branch_name",
        &["网点名称", "branch_name", "营业厅名称", "营业厅"],
        true,
    ),
    field("address", &["地址", "address", "网点地址"], false),
    field("branch_type", &["网点类型", "branch_type", "类型"], false),
    field("no", &["序号", "no"], false),
];

const VISIT_FIELDS: &[Field] = &[
    field(
        "branch_code",
        &["网点编码", "branch_code", "营业厅编码", "网点代码"],
        true,
    ),
    field(
        "visit_date",
        &["暗访日期", "visit_date", "暗访时间", "visited_at", "日期"],
        true,
    ),
    field("inspector", &["暗访员", "inspector"], false),
    field("visit_id", &["暗访编号", "visit_id"], false),
    field("checklist", &["检查表", "checklist"], false),
    field(
        "checklist_version",
        &["检查表版本", "checklist_version"],
        false,
    ),
    field("notes", &["备注", "notes"], false),
    field("no", &["序号", "no"], false),
    // Shown for people reading the sheet; the branch code decides.
    field("branch_name", &["网点名称", "branch_name"], false),
    field("district", &["区县", "district"], false),
    field("city", &["地市", "city"], false),
];

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
];

/// The roster columns a blank template carries, by their first accepted
/// name, and whether each is required.
pub fn roster_columns() -> Vec<(&'static str, bool)> {
    ROSTER_FIELDS
        .iter()
        .filter(|f| f.key != "no")
        .map(|f| (f.names[0], f.required))
        .collect()
}

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
];

/// Header text folded for matching: full-width to plain, no spaces, lower
/// case, and without the "*" or "(必填)" marks templates add.
fn fold_header(text: &str) -> String {
    normalize_text(text)
        .replace(['*', ' '], "")
        .replace("(必填)", "")
        .replace("(选填)", "")
        .to_lowercase()
}

/// A located table: which sheet, which row holds the headers, and where each
/// field and every other column is. It keeps no borrow of the sheet's rows,
/// so a large import can consume them one by one.
struct Table {
    sheet_index: usize,
    sheet: String,
    header_row: u32,
    header_cells: Vec<Cell>,
    /// Index in the sheet's rows of the first row below the header.
    first_data: usize,
    fields: HashMap<&'static str, usize>,
    /// Columns that are none of the fields: (index, header text).
    others: Vec<(usize, String)>,
}

impl Table {
    /// The rows below the header.
    fn data<'s>(&self, sheets: &'s [Sheet]) -> &'s [Row] {
        &sheets[self.sheet_index].rows[self.first_data..]
    }

    /// A row is blank when nothing stands under any header: a stray value
    /// far right of the table (a note, a cell at XFD1048576) is no data row.
    fn is_blank(&self, row: &Row) -> bool {
        let blank = |column: &usize| row.cells.get(*column).is_none_or(Cell::is_blank);
        self.fields.values().all(blank) && self.others.iter().all(|(column, _)| blank(column))
    }

    fn cell<'c>(&self, row: &'c Row, key: &str) -> Option<&'c Cell> {
        self.fields.get(key).and_then(|&c| row.cells.get(c))
    }

    fn text(&self, row: &Row, key: &str) -> Option<String> {
        self.cell(row, key)
            .filter(|c| !c.is_blank())
            .map(|c| match c {
                Cell::Text(text) => normalize_text(text),
                _ => normalize_text(&c.display()),
            })
    }

    fn header(&self, column: usize) -> String {
        self.header_cells
            .get(column)
            .map(Cell::display)
            .unwrap_or_default()
    }

    fn problem(&self, row: &Row, key: &str, reason: impl Into<String>) -> Problem {
        let column = self.fields.get(key).copied();
        Problem {
            sheet: self.sheet.clone(),
            row: Some(row.number),
            column: column.map(|c| (c, self.header(c))),
            value: column
                .and_then(|c| row.cells.get(c))
                .map(Cell::display)
                .filter(|v| !v.is_empty()),
            reason: reason.into(),
        }
    }
}

/// How far down a sheet the header row may be.
const HEADER_SEARCH_ROWS: usize = 30;

/// Finds the first sheet and row whose cells name every required field.
fn find_table(file: &str, sheets: &[Sheet], fields: &[Field]) -> Result<Table, Vec<Problem>> {
    let mut best: Option<(usize, &Sheet, u32, Vec<&'static str>)> = None;
    for (sheet_index, sheet) in sheets.iter().enumerate() {
        for (index, row) in sheet.rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
            let headers: Vec<(usize, String)> = row
                .cells
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.is_blank())
                .map(|(i, c)| (i, fold_header(&c.display())))
                .collect();
            let mut found = HashMap::new();
            let mut others = Vec::new();
            for (column, header) in &headers {
                let matched = fields
                    .iter()
                    .find(|f| f.names.iter().any(|n| fold_header(n) == *header));
                match matched {
                    Some(f) if !found.contains_key(f.key) => {
                        found.insert(f.key, *column);
                    }
                    _ => others.push((*column, row.cells[*column].display())),
                }
            }
            let missing: Vec<&'static str> = fields
                .iter()
                .filter(|f| f.required && !found.contains_key(f.key))
                .map(|f| f.names[0])
                .collect();
            if missing.is_empty() {
                return Ok(Table {
                    sheet_index,
                    sheet: sheet.name.clone(),
                    header_row: row.number,
                    header_cells: row.cells.clone(),
                    first_data: index + 1,
                    fields: found,
                    others,
                });
            }
            let score = found.len();
            if best.as_ref().is_none_or(|(s, ..)| score > *s) {
                best = Some((score, sheet, row.number, missing));
            }
        }
    }
    let required: Vec<String> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| format!("{}/{}", f.names[0], f.names[1]))
        .collect();
    let (reason, row) = match &best {
        Some((score, _, row, missing)) if *score > 0 => (
            format!("找到了表头,但缺少必需的列:{}", missing.join("、")),
            Some(*row),
        ),
        _ => (
            format!("{file} 中找不到表头行:需要的列为 {}", required.join("、")),
            None,
        ),
    };
    Err(vec![Problem {
        sheet: best.map_or_else(
            || sheets.first().map(|s| s.name.clone()).unwrap_or_default(),
            |(_, s, ..)| s.name.clone(),
        ),
        row,
        column: None,
        value: None,
        reason,
    }])
}

/// What a parse found, with the sheet it used.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub sheet: String,
    pub header_row: u32,
    pub rows: Vec<(u32, T)>,
    /// Columns that were not used, by header (only where they are allowed).
    pub ignored_columns: Vec<String>,
    /// Visits only: blank answer cells read as 不适用, the spreadsheet
    /// convention for items that allow it.
    pub blanks_as_na: usize,
}

// ---- roster ----

pub fn parse_roster(file: &str, sheets: &[Sheet]) -> Result<Parsed<Branch>, Vec<Problem>> {
    let table = find_table(file, sheets, ROSTER_FIELDS)?;
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for row in table.data(sheets) {
        if table.is_blank(row) {
            continue;
        }
        let mut required = |key: &str, what: &str| {
            let value = table.text(row, key);
            if value.is_none() {
                problems.push(table.problem(row, key, format!("{what}不能为空")));
            }
            value
        };
        let (Some(district), Some(code), Some(name)) = (
            required("district", "区县"),
            required("branch_code", "网点编码"),
            required("branch_name", "网点名称"),
        ) else {
            continue;
        };
        if let Some(first) = seen.insert(code.clone(), row.number) {
            problems.push(table.problem(
                row,
                "branch_code",
                format!("网点编码重复:第 {first} 行已有同一编码"),
            ));
            continue;
        }
        rows.push((
            row.number,
            Branch {
                code,
                name,
                district,
                city: table.text(row, "city"),
                address: table.text(row, "address"),
                branch_type: table.text(row, "branch_type"),
            },
        ));
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(no_rows(&table));
    }
    finish(
        &table,
        rows,
        problems,
        table.others.iter().map(|(_, h)| h.clone()).collect(),
    )
}

fn no_rows(table: &Table) -> Problem {
    Problem {
        sheet: table.sheet.clone(),
        row: Some(table.header_row),
        column: None,
        value: None,
        reason: "表头下面没有数据行".into(),
    }
}

fn finish<T>(
    table: &Table,
    rows: Vec<(u32, T)>,
    problems: Vec<Problem>,
    ignored_columns: Vec<String>,
) -> Result<Parsed<T>, Vec<Problem>> {
    if problems.is_empty() {
        Ok(Parsed {
            sheet: table.sheet.clone(),
            header_row: table.header_row,
            rows,
            ignored_columns,
            blanks_as_na: 0,
        })
    } else {
        Err(problems)
    }
}

// ---- visits ----

/// What visit rows are checked against.
pub struct VisitContext<'a> {
    pub branches: &'a HashSet<String>,
    /// Every stored version of every checklist, by id.
    pub checklists: &'a HashMap<String, Vec<Checklist>>,
    /// The checklist for rows that do not name one.
    pub default_checklist: &'a str,
}

impl VisitContext<'_> {
    fn version(&self, id: &str, version: Option<u32>) -> Option<&Checklist> {
        let versions = self.checklists.get(id)?;
        match version {
            Some(v) => versions.iter().find(|c| c.version == v),
            None => versions.iter().max_by_key(|c| c.version),
        }
    }
}

/// Which item a header names: its code alone, its code followed by a space
/// or punctuation and any text, or its title.
fn item_for_header<'c>(header: &str, items: &[&'c Item]) -> Option<&'c Item> {
    let folded = normalize_text(header);
    let upper = folded.to_uppercase();
    items
        .iter()
        .find(|item| {
            let code = item.code.to_uppercase();
            upper == code
                || upper.strip_prefix(&code).is_some_and(|rest| {
                    rest.chars()
                        .next()
                        .is_some_and(|c| !c.is_alphanumeric() || !c.is_ascii())
                })
        })
        .or_else(|| {
            items
                .iter()
                .find(|item| normalize_text(&item.title) == folded)
        })
        .copied()
}

/// Reads visit rows against the roster and the stored checklists.
/// `on_row` is called once per data row, for progress bars. The sheets are
/// consumed: each row is dropped once read, so a year of national visits
/// never holds both its cells and its visits in memory.
pub fn parse_visits(
    file: &str,
    mut sheets: Vec<Sheet>,
    context: &VisitContext<'_>,
    on_row: &mut dyn FnMut(),
) -> Result<Parsed<Visit>, Vec<Problem>> {
    let table = find_table(file, &sheets, VISIT_FIELDS)?;
    let mut problems = Vec::new();

    // Item columns are matched against every item the file's rows may use.
    let mut ids: Vec<String> = table
        .data(&sheets)
        .iter()
        .filter_map(|row| table.text(row, "checklist"))
        .collect();
    ids.push(context.default_checklist.to_string());
    ids.sort();
    ids.dedup();
    let known_items: Vec<&Item> = ids
        .iter()
        .filter_map(|id| context.checklists.get(id))
        .flatten()
        .flat_map(|c| c.items().map(|(_, item)| item))
        .collect();
    let mut item_columns: HashMap<String, usize> = HashMap::new();
    for (column, header) in &table.others {
        match item_for_header(header, &known_items) {
            Some(item) => {
                if item_columns.insert(item.code.clone(), *column).is_some() {
                    problems.push(Problem {
                        sheet: table.sheet.clone(),
                        row: Some(table.header_row),
                        column: Some((*column, header.clone())),
                        value: None,
                        reason: format!("检查项 {} 的列出现了两次", item.code),
                    });
                }
            }
            None => problems.push(Problem {
                sheet: table.sheet.clone(),
                row: Some(table.header_row),
                column: Some((*column, header.clone())),
                value: None,
                reason: "无法识别的列:既不是暗访信息列,也不是检查表中的检查项(编码或名称)".into(),
            }),
        }
    }

    // Missing item columns, reported once per checklist version.
    let mut missing: Vec<(String, u32, Vec<String>)> = Vec::new();
    let mut readers: Vec<AnswerReader<'_>> = Vec::new();
    let data = std::mem::take(&mut sheets[table.sheet_index].rows);
    drop(sheets);
    let mut rows: Vec<(u32, Visit)> = Vec::with_capacity(data.len() - table.first_data);
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut blanks_as_na = 0;
    for row in data.into_iter().skip(table.first_data) {
        let row = &row;
        on_row();
        if table.is_blank(row) {
            continue;
        }
        let before = problems.len();
        let branch_code = table.text(row, "branch_code");
        match &branch_code {
            None => problems.push(table.problem(row, "branch_code", "网点编码不能为空")),
            Some(code) if !context.branches.contains(code) => problems.push(table.problem(
                row,
                "branch_code",
                "网点编码不在网点名单中(请先导入网点名单)",
            )),
            Some(_) => {}
        }
        let visited_at = match table.cell(row, "visit_date") {
            Some(cell) if !cell.is_blank() => parse_date_time(cell),
            _ => None,
        };
        if visited_at.is_none() {
            problems.push(table.problem(
                row,
                "visit_date",
                "暗访日期无法识别:请写成 2024-07-03、2024/7/3 或 2024-07-03 14:20",
            ));
        }
        let checklist_id = table
            .text(row, "checklist")
            .unwrap_or_else(|| context.default_checklist.to_string());
        let version = match table.text(row, "checklist_version") {
            None => None,
            Some(text) => match parse_number(&text).filter(|v| v.fract() == 0.0 && *v >= 1.0) {
                Some(v) => Some(v as u32),
                None => {
                    problems.push(table.problem(row, "checklist_version", "检查表版本应为正整数"));
                    continue;
                }
            },
        };
        let Some(checklist) = context.version(&checklist_id, version) else {
            problems.push(table.problem(
                row,
                "checklist",
                match version {
                    Some(v) => format!("没有检查表「{checklist_id}」的第 {v} 版"),
                    None => format!("没有检查表「{checklist_id}」"),
                },
            ));
            continue;
        };
        let reader = match readers
            .iter()
            .position(|r| std::ptr::eq(r.checklist, checklist))
        {
            Some(index) => index,
            None => {
                readers.push(AnswerReader::new(checklist, &item_columns));
                readers.len() - 1
            }
        };
        let reader = &mut readers[reader];
        let mut answers = Vec::with_capacity(checklist.item_count());
        let mut blanks = 0;
        for (index, (_, item)) in checklist.items().enumerate() {
            let Some(column) = reader.columns[index] else {
                if !missing
                    .iter()
                    .any(|(id, v, _)| *id == checklist.id && *v == checklist.version)
                {
                    let codes = checklist
                        .items()
                        .filter(|(_, i)| !item_columns.contains_key(&i.code))
                        .map(|(_, i)| format!("{} {}", i.code, i.title))
                        .collect();
                    missing.push((checklist.id.clone(), checklist.version, codes));
                }
                continue;
            };
            let cell = row.cells.get(column).unwrap_or(&Cell::Empty);
            let raw = match cell {
                Cell::Number(n) => Ok(RawAnswer::Number(*n)),
                Cell::Bool(b) => Ok(RawAnswer::Bool(*b)),
                // Whole milliseconds: 09:00 is 9 minutes, not 9.000000000000002
                // (which a band "≤ 9" would refuse).
                Cell::Time(days) => Ok(RawAnswer::Number((days * 86_400_000.0).round() / 60_000.0)),
                Cell::Empty => Ok(RawAnswer::Text("")),
                Cell::Text(text) => Ok(RawAnswer::Text(text)),
                Cell::DateTime(_) => Err("单元格是日期,不是答案".to_string()),
                Cell::Error(_) => Err("单元格是公式错误值,不是答案".to_string()),
            };
            let blank = raw.as_ref().is_ok_and(|raw| raw.is_blank());
            match raw.and_then(|raw| reader.answer(index, item, raw)) {
                Ok(answer) => {
                    blanks += usize::from(blank && answer == Answer::NotApplicable);
                    answers.push(answer);
                }
                Err(reason) => problems.push(Problem {
                    sheet: table.sheet.clone(),
                    row: Some(row.number),
                    column: Some((column, table.header(column))),
                    value: Some(cell.display()).filter(|v| !v.is_empty()),
                    reason: format!("检查项 {}:{reason}", item.code),
                }),
            }
        }
        if problems.len() > before {
            continue;
        }
        let (Some(branch_code), Some(visited_at)) = (branch_code, visited_at) else {
            continue;
        };
        let visit = Visit {
            visit_id: table.text(row, "visit_id"),
            branch_code,
            visited_at,
            inspector: table.text(row, "inspector"),
            checklist_id: checklist.id.clone(),
            checklist_version: checklist.version,
            notes: table.text(row, "notes"),
            item_notes: Default::default(),
            answers,
        };
        match by_key.get(&visit.key()) {
            Some(&earlier) if rows[earlier].1 == visit => {}
            Some(&earlier) => problems.push(table.problem(
                row,
                if visit.visit_id.is_some() {
                    "visit_id"
                } else {
                    "branch_code"
                },
                format!(
                    "与第 {} 行是同一次暗访(编号或网点、时间、暗访员相同),但内容不同",
                    rows[earlier].0
                ),
            )),
            None => {
                by_key.insert(visit.key(), rows.len());
                rows.push((row.number, visit));
                blanks_as_na += blanks;
            }
        }
    }
    for (id, version, items) in missing {
        problems.insert(
            0,
            Problem {
                sheet: table.sheet.clone(),
                row: Some(table.header_row),
                column: None,
                value: None,
                reason: format!(
                    "缺少检查表 {id} 第 {version} 版中 {} 个检查项的列:{}",
                    items.len(),
                    items.join("、")
                ),
            },
        );
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(no_rows(&table));
    }
    finish(&table, rows, problems, Vec::new()).map(|parsed| Parsed {
        blanks_as_na,
        ..parsed
    })
}

/// How many distinct texts per item [`AnswerReader`] remembers.
const REMEMBERED_TEXTS: usize = 16;

/// Reads the answers of one checklist version from the file's columns. A
/// year of national visits has millions of answer cells but only a few
/// distinct texts per item (是, 否, 不适用, 优 …): each is parsed once and
/// remembered, and plain numbers skip the text rules.
struct AnswerReader<'c> {
    checklist: &'c Checklist,
    /// Each item's column, in checklist order.
    columns: Vec<Option<usize>>,
    /// Per item: texts already read and their answers.
    seen: Vec<Vec<(String, Answer)>>,
}

impl<'c> AnswerReader<'c> {
    fn new(checklist: &'c Checklist, item_columns: &HashMap<String, usize>) -> Self {
        AnswerReader {
            checklist,
            columns: checklist
                .items()
                .map(|(_, item)| item_columns.get(&item.code).copied())
                .collect(),
            seen: vec![Vec::new(); checklist.item_count()],
        }
    }

    /// The same answer as [`Answer::parse`], or its message.
    fn answer(&mut self, index: usize, item: &Item, raw: RawAnswer<'_>) -> Result<Answer, String> {
        let RawAnswer::Text(text) = raw else {
            return Answer::parse(item, raw).map_err(|e| e.to_string());
        };
        // A plain decimal means the same as the number for scale and
        // measure items (the text rules only matter for messages).
        let plain = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if plain
            && matches!(item.kind, ItemKind::Scale | ItemKind::Measure { .. })
            && let Some(answer) = text
                .parse::<f64>()
                .ok()
                .and_then(|value| Answer::parse(item, RawAnswer::Number(value)).ok())
        {
            return Ok(answer);
        }
        let seen = &mut self.seen[index];
        if let Some((_, answer)) = seen.iter().find(|(t, _)| t == text) {
            return Ok(*answer);
        }
        let answer = Answer::parse(item, raw).map_err(|e| e.to_string())?;
        if seen.len() < REMEMBERED_TEXTS {
            seen.push((text.to_string(), answer));
        }
        Ok(answer)
    }
}

/// A visit date from a date cell, an Excel serial number or text in the
/// common shapes.
fn parse_date_time(cell: &Cell) -> Option<NaiveDateTime> {
    match cell {
        Cell::DateTime(at) => Some(*at),
        Cell::Number(serial) if (1.0..2_958_466.0).contains(serial) => {
            let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
            let seconds = (serial * 86_400.0).round() as i64;
            base.checked_add_signed(chrono::TimeDelta::seconds(seconds))
        }
        Cell::Text(text) => parse_date_text(&normalize_text(text)),
        _ => None,
    }
}

fn parse_date_text(text: &str) -> Option<NaiveDateTime> {
    // 2024-07-03 14:20, as most files write it, has nothing to fold.
    let shaped = |shape: &str| {
        text.len() == shape.len()
            && text.bytes().zip(shape.bytes()).all(|(b, s)| match s {
                b'0' => b.is_ascii_digit(),
                _ => b == s,
            })
    };
    for (shape, format) in [
        ("0000-00-00 00:00", "%Y-%m-%d %H:%M"),
        ("0000-00-00 00:00:00", "%Y-%m-%d %H:%M:%S"),
    ] {
        if shaped(shape) {
            return NaiveDateTime::parse_from_str(text, format).ok();
        }
    }
    let text = text
        .replace(['/', '.', '年', '月'], "-")
        .replace(['日', 'T'], " ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(&text, format) {
            return Some(at);
        }
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

// ---- 评分细则 checklist sheets ----

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
        let kind = required("kind", "类型").and_then(|k| {
            let name = match k.to_lowercase().as_str() {
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
        });
        let points = match table.text(row, "points").as_deref().and_then(parse_number) {
            Some(p) if p > 0.0 => Some(p),
            _ => {
                problems.push(table.problem(row, "points", "分值必须是大于 0 的数"));
                None
            }
        };
        let na = match table.text(row, "na").as_deref() {
            None => false,
            Some(text) => match yes_no(text) {
                Some(v) => v,
                None => {
                    problems.push(table.problem(row, "na", "不适用应填 是 或 否"));
                    false
                }
            },
        };
        let critical = match table
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
        };
        let (Some(section_title), Some(code), Some(title), Some(kind), Some(points)) =
            (section_title, code, title, kind, points)
        else {
            continue;
        };
        let kind = match kind {
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
                    problems.push(table.problem(
                        row,
                        "choices",
                        "选项题的选项应写成 优:4;良:2;差:0",
                    ));
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
        };
        if critical.is_some() && !matches!(kind, Some(ItemKind::Check { .. }) | None) {
            problems.push(table.problem(row, "critical", "只有是否题可以设为红线"));
        }
        let Some(kind) = kind else { continue };
        if problems.len() > before {
            continue;
        }
        item_rows.insert(code.clone(), row.number);
        let section_code = table.text(row, "section_code");
        let index = match sections.iter().position(|s| s.title == section_title) {
            Some(index) => index,
            None => {
                sections.push(Section {
                    code: section_code
                        .clone()
                        .unwrap_or_else(|| section_letter(sections.len())),
                    title: section_title,
                    items: Vec::new(),
                });
                sections.len() - 1
            }
        };
        if let Some(section_code) = section_code.filter(|c| *c != sections[index].code) {
            problems.push(table.problem(
                row,
                "section_code",
                format!(
                    "大项「{}」此前的编码是 {},此处却是 {section_code}",
                    sections[index].title, sections[index].code
                ),
            ));
            continue;
        }
        sections[index].items.push(Item {
            code,
            title,
            points,
            na,
            kind,
        });
    }
    if sections.is_empty() && problems.is_empty() {
        problems.push(no_rows(&table));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let checklist = Checklist {
        id: meta.id.to_string(),
        version: meta.version,
        title: meta.title.to_string(),
        pass_mark: meta.pass_mark,
        min_photos: None,
        comment_min_chars: None,
        sections,
    };
    if let Err(e) = checklist.validate(file) {
        let crate::domain::Error::Checklist { place, rule, .. } = &e else {
            return Err(vec![whole_sheet(&table, e.to_string())]);
        };
        let row = place
            .strip_prefix("检查项 ")
            .and_then(|code| item_rows.get(code))
            .copied();
        return Err(vec![Problem {
            row,
            ..whole_sheet(&table, format!("{place}:{rule}"))
        }]);
    }
    let rows = vec![(table.header_row, checklist)];
    finish(&table, rows, Vec::new(), Vec::new())
}

fn whole_sheet(table: &Table, reason: String) -> Problem {
    Problem {
        sheet: table.sheet.clone(),
        row: None,
        column: None,
        value: None,
        reason,
    }
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
    let number = crate::domain::answer::format_number;
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
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::tests::sample;

    fn sheet(rows: &[&[&str]]) -> Vec<Sheet> {
        vec![Sheet {
            name: "Sheet1".into(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| Row {
                    number: i as u32 + 1,
                    cells: cells
                        .iter()
                        .map(|c| {
                            if c.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text((*c).into())
                            }
                        })
                        .collect(),
                })
                .collect(),
        }]
    }

    #[test]
    fn header_found_below_title_rows() {
        let sheets = sheet(&[
            &["2024年网点名单"],
            &["制表:市公司"],
            &["序号", "区县", "网点编码", "网点名称", "联系人"],
            &["1", "西平", "XP01", "西平中心厅", "张三"],
        ]);
        let parsed = parse_roster("名单.csv", &sheets).expect("parses");
        assert_eq!(parsed.header_row, 3);
        assert_eq!(parsed.rows[0].1.code, "XP01");
        assert_eq!(parsed.ignored_columns, vec!["联系人".to_string()]);
    }

    #[test]
    fn a_row_with_nothing_under_a_header_is_no_data_row() {
        let sheets = sheet(&[
            &["区县", "网点编码", "网点名称"],
            &["西平", "XP01", "西平一厅"],
            &["", "", "", "", "已核对"],
        ]);
        let parsed = parse_roster("名单.csv", &sheets).expect("parses");
        assert_eq!(parsed.rows.len(), 1);
    }

    #[test]
    fn missing_header_names_the_columns() {
        let sheets = sheet(&[&["区县", "名称"], &["西平", "x"]]);
        let problems = parse_roster("名单.csv", &sheets).expect_err("no header");
        assert!(problems[0].reason.contains("网点编码"), "{}", problems[0]);
    }

    #[test]
    fn item_headers_by_code_code_and_text_or_title() {
        let c = sample();
        let items: Vec<&Item> = c.items().map(|(_, i)| i).collect();
        let code = |h: &str| item_for_header(h, &items).map(|i| i.code.as_str());
        assert_eq!(code("A01"), Some("A01"));
        assert_eq!(code("Ａ０１"), Some("A01"));
        assert_eq!(code("A01 着工装"), Some("A01"));
        assert_eq!(code("A01、着工装"), Some("A01"));
        assert_eq!(code("A01着工装"), Some("A01"));
        assert_eq!(code("佩戴工牌"), Some("A02"));
        assert_eq!(code("A011"), None);
        assert_eq!(code("其他"), None);
    }

    #[test]
    fn remembered_answers_follow_the_rules() {
        let c = sample();
        let columns: HashMap<String, usize> = c
            .items()
            .enumerate()
            .map(|(i, (_, item))| (item.code.clone(), i))
            .collect();
        let mut reader = AnswerReader::new(&c, &columns);
        let texts = [
            "是",
            "否",
            " Y ",
            "√",
            "不适用",
            "N/A",
            "",
            "优",
            "良",
            "中",
            "2",
            "2.5",
            "5.5",
            "7",
            "12.5",
            "12:30",
            "１２",
            "12分钟",
            "-1",
            ".",
            "1.2.3",
            "好",
        ];
        // Twice, so that the second round reads remembered texts.
        for _ in 0..2 {
            for (index, (_, item)) in c.items().enumerate() {
                for text in texts {
                    let expected =
                        Answer::parse(item, RawAnswer::Text(text)).map_err(|e| e.to_string());
                    assert_eq!(
                        reader.answer(index, item, RawAnswer::Text(text)),
                        expected,
                        "{} {text:?}",
                        item.code
                    );
                }
            }
        }
    }

    #[test]
    fn dates_in_common_shapes() {
        let at = |s: &str| parse_date_time(&Cell::Text(s.into())).map(|d| d.to_string());
        assert_eq!(at("2024-07-03").as_deref(), Some("2024-07-03 00:00:00"));
        assert_eq!(at("2024/7/3").as_deref(), Some("2024-07-03 00:00:00"));
        assert_eq!(
            at("2024-07-03 14:20").as_deref(),
            Some("2024-07-03 14:20:00")
        );
        assert_eq!(
            at("2024年7月3日 14:20").as_deref(),
            Some("2024-07-03 14:20:00")
        );
        assert_eq!(
            at("２０２４-０７-０３").as_deref(),
            Some("2024-07-03 00:00:00")
        );
        assert_eq!(
            at("2024-07-03 14:20:05").as_deref(),
            Some("2024-07-03 14:20:05")
        );
        assert_eq!(
            at(" 2024-07-03  14:20 ").as_deref(),
            Some("2024-07-03 14:20:00")
        );
        assert_eq!(at("2024-02-30"), None);
        assert_eq!(at("2024-02-30 14:20"), None);
        assert_eq!(at("2024-07-03 25:20"), None);
        assert_eq!(at("2024-07-03 14:20:75"), None);
        assert_eq!(at("昨天"), None);
        assert_eq!(
            parse_date_time(&Cell::Number(45476.5))
                .map(|d| d.to_string())
                .as_deref(),
            Some("2024-07-03 12:00:00")
        );
    }

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
        assert_eq!(parsed.rows[0].1, c);
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
}
