//! Visit sheets: one visit per row, its answers in one column per checklist
//! item, checked against the roster and the stored checklists.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

use chrono::{NaiveDate, NaiveDateTime};

use super::table::{Field, Table, field, find_table};
use super::{Parsed, Problem, Record};
use crate::domain::answer::{Answer, RawAnswer, normalize_text, parse_number};
use crate::domain::checklist::{Checklist, Item, ItemKind};
use crate::domain::visit::Visit;
use crate::formats::read::{Cell, Opened, ReadError, Row};

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

/// What visit rows are checked against.
pub struct VisitContext<'a> {
    pub branches: &'a HashSet<String>,
    /// Every stored version of every checklist, by id.
    pub checklists: &'a HashMap<String, Vec<Checklist>>,
    /// The checklist for rows that do not name one.
    pub default_checklist: &'a str,
}

impl<'a> VisitContext<'a> {
    fn version(&self, id: &str, version: Option<u32>) -> Option<&'a Checklist> {
        let versions = self.checklists.get(id)?;
        match version {
            Some(v) => versions.iter().find(|c| c.version == v),
            None => versions.iter().max_by_key(|c| c.version),
        }
    }
}

/// How many visits [`parse_visits`] hands out at a time.
const HANDED_OUT: usize = 2048;

/// Reads visit rows against the roster and the stored checklists.
/// `on_row(done, total)` is called once per data row, for progress bars.
/// The visits are handed to `on_visits` as they are read, a few thousand
/// at a time, so that they can be stored meanwhile: whether they may be
/// kept is known only at the end, from what this returns (the rows they
/// came from). Each row is dropped once read and each visit once handed
/// out, and a .csv is read as it goes: a year of national visits is never
/// held whole, as cells or as visits.
pub fn parse_visits(
    file: &str,
    opened: Opened,
    context: &VisitContext<'_>,
    on_row: &mut dyn FnMut(usize, usize),
    on_visits: &mut dyn FnMut(Vec<Record<Visit>>),
) -> Result<Parsed<()>, Vec<Problem>> {
    match opened {
        Opened::Sheets(mut sheets) => {
            let table = find_table(file, &sheets, VISIT_FIELDS)?;
            let checklists = table
                .data(&sheets)
                .iter()
                .filter_map(|row| table.text(row, "checklist"))
                .collect();
            let data = std::mem::take(&mut sheets[table.sheet_index].rows);
            drop(sheets);
            let total = data.len() - table.first_data;
            let rows = data.into_iter().skip(table.first_data).map(Ok);
            read_rows(&table, checklists, context, total, rows, on_row, on_visits)
        }
        Opened::Csv { head, mut rest } => {
            let head = [head];
            let table = find_table(file, &head, VISIT_FIELDS)?;
            let [head] = head;
            let mut checklists: HashSet<String> = head.rows[table.first_data..]
                .iter()
                .filter_map(|row| table.text(row, "checklist"))
                .collect();
            let later = rest.look_ahead(table.column_of("checklist"), &mut |field| {
                let id = normalize_text(field);
                if !id.is_empty() && !checklists.contains(&*id) {
                    checklists.insert(id.into_owned());
                }
            });
            let total = head.rows.len() - table.first_data + later;
            // A row the file cannot give (past the most cells a file may
            // have) ends the reading there.
            let unread = |line: u32, unread: ReadError| Problem {
                row: Some(line),
                ..table.whole_sheet(unread.to_string())
            };
            let rest = std::iter::from_fn(move || {
                let row = rest.next()?;
                Some(row.map_err(|e| unread(rest.line(), e)))
            });
            let rows = head
                .rows
                .into_iter()
                .skip(table.first_data)
                .map(Ok)
                .chain(rest);
            read_rows(&table, checklists, context, total, rows, on_row, on_visits)
        }
    }
}

/// Reads the data rows of `table`, whose rows name `checklists`.
fn read_rows(
    table: &Table,
    checklists: HashSet<String>,
    context: &VisitContext<'_>,
    total: usize,
    rows: impl Iterator<Item = Result<Row, Problem>>,
    on_row: &mut dyn FnMut(usize, usize),
    on_visits: &mut dyn FnMut(Vec<Record<Visit>>),
) -> Result<Parsed<()>, Vec<Problem>> {
    let (item_columns, problems) = item_columns(table, checklists, context);
    let mut reader = VisitRows {
        table,
        context,
        item_columns,
        readers: Vec::new(),
        missing: Vec::new(),
        rows: Vec::with_capacity(total),
        visits: Vec::with_capacity(HANDED_OUT),
        by_key: HashMap::new(),
        blanks_as_na: 0,
        problems,
    };
    for (done, row) in rows.enumerate() {
        let row = match row {
            Ok(row) => row,
            Err(unread) => {
                reader.problems.push(unread);
                break;
            }
        };
        on_row(done + 1, total);
        if !table.is_blank(&row) {
            reader.read(&row);
        }
        if reader.visits.len() == HANDED_OUT {
            on_visits(std::mem::replace(
                &mut reader.visits,
                Vec::with_capacity(HANDED_OUT),
            ));
        }
    }
    if !reader.visits.is_empty() {
        on_visits(std::mem::take(&mut reader.visits));
    }
    reader.finish()
}

/// The column of each item that the file's headers name, matched against
/// every item the file's rows may use (those of the `checklists` they name
/// and of the default one), and the problems of the other columns:
/// unknown, or an item's second column.
fn item_columns(
    table: &Table,
    mut checklists: HashSet<String>,
    context: &VisitContext<'_>,
) -> (HashMap<String, usize>, Vec<Problem>) {
    checklists.insert(context.default_checklist.to_string());
    let mut ids: Vec<String> = checklists.into_iter().collect();
    ids.sort();
    let known_items: Vec<&Item> = ids
        .iter()
        .filter_map(|id| context.checklists.get(id))
        .flatten()
        .flat_map(|c| c.items().map(|(_, item)| item))
        .collect();
    let mut columns: HashMap<String, usize> = HashMap::new();
    let mut problems = Vec::new();
    for column in &table.others {
        let reason = match item_for_header(&column.header, &known_items) {
            Some(item) if columns.insert(item.code.clone(), column.index).is_some() => {
                format!("检查项 {} 的列出现了两次", item.code)
            }
            Some(_) => continue,
            None => "无法识别的列:既不是暗访信息列,也不是检查表中的检查项(编码或名称)".into(),
        };
        problems.push(table.header_problem(Some(column), reason));
    }
    (columns, problems)
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

/// A checklist version some rows use whose items lack columns in the file.
struct MissingColumns {
    checklist: String,
    version: u32,
    /// Each item without a column, as code and title.
    items: Vec<String>,
}

/// Where a visit was first read, and its content hashed.
struct Earlier {
    row: u32,
    content: u64,
}

/// The state of reading the data rows one by one.
struct VisitRows<'c> {
    table: &'c Table,
    context: &'c VisitContext<'c>,
    item_columns: HashMap<String, usize>,
    /// One per checklist version the rows used so far.
    readers: Vec<AnswerReader<'c>>,
    /// Reported once per checklist version.
    missing: Vec<MissingColumns>,
    /// The row of each visit read.
    rows: Vec<Record<()>>,
    /// Visits read and not handed out yet.
    visits: Vec<Record<Visit>>,
    /// The row and the content (hashed) of each visit key read, to find
    /// one visit given twice.
    by_key: HashMap<String, Earlier>,
    blanks_as_na: usize,
    problems: Vec<Problem>,
}

impl<'c> VisitRows<'c> {
    /// Reads one data row: a visit, or its problems.
    fn read(&mut self, row: &Row) {
        let before = self.problems.len();
        let branch_code = self.branch_code(row);
        let visited_at = self.visited_at(row);
        let Some(checklist) = self.checklist(row) else {
            return;
        };
        let (answers, blanks) = self.answers(row, checklist);
        if self.problems.len() > before {
            return;
        }
        let (Some(branch_code), Some(visited_at)) = (branch_code, visited_at) else {
            return;
        };
        let table = self.table;
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
        self.add(row, visit, blanks);
    }

    /// The row's branch code, which the roster must know.
    fn branch_code(&mut self, row: &Row) -> Option<String> {
        let code = self.table.text(row, "branch_code");
        let reason = match &code {
            None => "网点编码不能为空",
            Some(code) if !self.context.branches.contains(code) => {
                "网点编码不在网点名单中(请先导入网点名单)"
            }
            Some(_) => return code,
        };
        self.problems
            .push(self.table.problem(row, "branch_code", reason));
        code
    }

    fn visited_at(&mut self, row: &Row) -> Option<NaiveDateTime> {
        let visited_at = match self.table.cell(row, "visit_date") {
            Some(cell) if !cell.is_blank() => parse_date_time(cell),
            _ => None,
        };
        if visited_at.is_none() {
            self.problems.push(self.table.problem(
                row,
                "visit_date",
                "暗访日期无法识别:请写成 2024-07-03、2024/7/3 或 2024-07-03 14:20",
            ));
        }
        visited_at
    }

    /// The checklist version the row names, its newest version, or the
    /// newest version of the default checklist.
    fn checklist(&mut self, row: &Row) -> Option<&'c Checklist> {
        let table = self.table;
        let id = table
            .text(row, "checklist")
            .unwrap_or_else(|| self.context.default_checklist.to_string());
        let version = match table.text(row, "checklist_version") {
            None => None,
            Some(text) => match parse_number(&text).filter(|v| v.fract() == 0.0 && *v >= 1.0) {
                Some(v) => Some(v as u32),
                None => {
                    self.problems.push(table.problem(
                        row,
                        "checklist_version",
                        "检查表版本应为正整数",
                    ));
                    return None;
                }
            },
        };
        let checklist = self.context.version(&id, version);
        if checklist.is_none() {
            self.problems.push(table.problem(
                row,
                "checklist",
                match version {
                    Some(v) => format!("没有检查表「{id}」的第 {v} 版"),
                    None => format!("没有检查表「{id}」"),
                },
            ));
        }
        checklist
    }

    /// The row's answers in checklist order, and how many blank cells read
    /// as 不适用.
    fn answers(&mut self, row: &Row, checklist: &'c Checklist) -> (Vec<Answer>, usize) {
        let reader = match self
            .readers
            .iter()
            .position(|r| std::ptr::eq(r.checklist, checklist))
        {
            Some(index) => index,
            None => {
                self.readers
                    .push(AnswerReader::new(checklist, &self.item_columns));
                self.readers.len() - 1
            }
        };
        let reader = &mut self.readers[reader];
        let mut answers = Vec::with_capacity(checklist.item_count());
        let mut blanks = 0;
        for (index, (_, item)) in checklist.items().enumerate() {
            let Some(column) = reader.columns[index] else {
                note_missing(&mut self.missing, checklist, &self.item_columns);
                continue;
            };
            let cell = row.cells.get(column).unwrap_or(&Cell::Empty);
            let raw = raw_answer(cell);
            let blank = raw.as_ref().is_ok_and(|raw| raw.is_blank());
            match raw.and_then(|raw| reader.answer(index, item, raw)) {
                Ok(answer) => {
                    blanks += usize::from(blank && answer == Answer::NotApplicable);
                    answers.push(answer);
                }
                Err(reason) => self.problems.push(Problem {
                    sheet: self.table.sheet.clone(),
                    row: Some(row.number),
                    column: Some(self.table.column(column)),
                    value: Some(cell.display()).filter(|v| !v.is_empty()),
                    reason: format!("检查项 {}:{reason}", item.code),
                }),
            }
        }
        (answers, blanks)
    }

    /// Keeps a visit, unless an earlier row gave the same visit: the same
    /// content is kept once, different content is a problem. Contents are
    /// compared by a 64-bit hash, which two different visits of one key
    /// share once in 2⁶⁴.
    fn add(&mut self, row: &Row, visit: Visit, blanks: usize) {
        let key = visit.key();
        let content = BuildHasherDefault::<DefaultHasher>::default().hash_one(&visit);
        match self.by_key.get(&key) {
            Some(earlier) if earlier.content == content => {}
            Some(earlier) => self.problems.push(self.table.problem(
                row,
                if visit.visit_id.is_some() {
                    "visit_id"
                } else {
                    "branch_code"
                },
                format!(
                    "与第 {} 行是同一次暗访(编号或网点、时间、暗访员相同),但内容不同",
                    earlier.row
                ),
            )),
            None => {
                let earlier = Earlier {
                    row: row.number,
                    content,
                };
                self.by_key.insert(key, earlier);
                self.rows.push(Record {
                    row: row.number,
                    value: (),
                });
                self.visits.push(Record {
                    row: row.number,
                    value: visit,
                });
                self.blanks_as_na += blanks;
            }
        }
    }

    /// The rows of the visits, or every problem: missing item columns
    /// first.
    fn finish(self) -> Result<Parsed<()>, Vec<Problem>> {
        let table = self.table;
        let mut problems: Vec<Problem> = self
            .missing
            .iter()
            .rev()
            .map(|missing| {
                table.header_problem(
                    None,
                    format!(
                        "缺少检查表 {} 第 {} 版中 {} 个检查项的列:{}",
                        missing.checklist,
                        missing.version,
                        missing.items.len(),
                        missing.items.join("、")
                    ),
                )
            })
            .collect();
        problems.extend(self.problems);
        let blanks_as_na = self.blanks_as_na;
        table
            .finish(self.rows, problems, Vec::new())
            .map(|parsed| Parsed {
                blanks_as_na,
                ..parsed
            })
    }
}

/// Notes, once per checklist version, the items that have no column.
fn note_missing(
    missing: &mut Vec<MissingColumns>,
    checklist: &Checklist,
    item_columns: &HashMap<String, usize>,
) {
    if missing
        .iter()
        .any(|m| m.checklist == checklist.id && m.version == checklist.version)
    {
        return;
    }
    missing.push(MissingColumns {
        checklist: checklist.id.clone(),
        version: checklist.version,
        items: checklist
            .items()
            .filter(|(_, i)| !item_columns.contains_key(&i.code))
            .map(|(_, i)| format!("{} {}", i.code, i.title))
            .collect(),
    });
}

/// An answer cell as the answer rules read it, or why it is no answer.
fn raw_answer(cell: &Cell) -> Result<RawAnswer<'_>, String> {
    match cell {
        Cell::Number(n) => Ok(RawAnswer::Number(*n)),
        Cell::Bool(b) => Ok(RawAnswer::Bool(*b)),
        // Whole milliseconds: 09:00 is 9 minutes, not 9.000000000000002
        // (which a band "≤ 9" would refuse).
        Cell::Time(days) => Ok(RawAnswer::Number((days * 86_400_000.0).round() / 60_000.0)),
        Cell::Empty => Ok(RawAnswer::Text("")),
        Cell::Text(text) => Ok(RawAnswer::Text(text)),
        Cell::DateTime(_) => Err("单元格是日期,不是答案".to_string()),
        Cell::Error(_) => Err("单元格是公式错误值,不是答案".to_string()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::tests::sample;
    use crate::formats::import::HEADER_SEARCH_ROWS;
    use crate::formats::read::read_workbook;

    /// A .csv whose header is on its second line and whose 40th data row
    /// is the first to name the checklist `other`, the only one with item
    /// D01: read as it goes, past the rows the header is looked for in.
    #[test]
    fn a_csv_read_as_it_goes_reads_as_when_read_whole() {
        let other = crate::formats::checklist::parse(
            "other.toml",
            &crate::domain::checklist::tests::SAMPLE
                .replacen("id = \"sample\"", "id = \"other\"", 1)
                .replacen("code = \"A03\"", "code = \"D01\"", 1),
        )
        .expect("a valid checklist");
        let checklists = HashMap::from([
            ("sample".to_string(), vec![sample()]),
            ("other".to_string(), vec![other]),
        ]);
        let branches = HashSet::from(["H01".to_string()]);
        let context = VisitContext {
            branches: &branches,
            checklists: &checklists,
            default_checklist: "sample",
        };
        let mut text = String::from(
            "\u{feff}2025 年暗访结果\r\n网点编码,暗访日期,暗访员,检查表,A01,A02,A03,B01,B02,B03,C01,D01\r\n",
        );
        for day in 1..=45 {
            let (checklist, a03, d01) = if day >= 40 {
                ("other", "", "是")
            } else {
                ("", "否", "")
            };
            let branch = if day == 44 { "H99" } else { "H01" };
            text.push_str(&format!(
                "{branch},2025-{:02}-{:02} 10:00,\"张三\r\n李四\",{checklist},是,是,{a03},优,4,是,8,{d01}\r\n",
                day / 28 + 3,
                day % 28 + 1
            ));
            if day % 10 == 0 {
                text.push_str(",,,\r\n\r\n");
            }
        }
        let bytes = text.into_bytes();
        let parse = |opened| {
            let (mut progress, mut handed) = (Vec::new(), Vec::new());
            let parsed = parse_visits(
                "暗访.csv",
                opened,
                &context,
                &mut |done, total| progress.push((done, total)),
                &mut |visits| handed.extend(visits),
            );
            (parsed, progress.last().copied(), handed)
        };
        let whole = read_workbook("暗访.csv", bytes.clone()).expect("reads");
        let (whole, whole_progress, whole_handed) = parse(Opened::Sheets(whole));
        let opened = Opened::open("暗访.csv", bytes, HEADER_SEARCH_ROWS).expect("opens");
        assert!(matches!(opened, Opened::Csv { .. }));
        let (streamed, streamed_progress, streamed_handed) = parse(opened);
        assert_eq!(streamed, whole);
        assert_eq!(streamed_handed, whole_handed);
        assert_eq!(whole_handed.len(), 44);
        assert_eq!(
            whole_handed
                .iter()
                .filter(|v| v.value.checklist_id == "other")
                .count(),
            5
        );
        assert_eq!(whole_progress, Some((45, 45)));
        assert_eq!(streamed_progress, Some((45, 45)));
        let problems = whole.expect_err("row 44 names a hall not in the roster");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].row, Some(2 + 43 * 2 + 4 * 2 + 1));
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
}
