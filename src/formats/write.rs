//! Writing tables as .xlsx or .csv: the visits sheet and the 评分细则
//! sheet, both of which the importer reads back unchanged, and the blank
//! templates to fill in for an import.

use std::path::Path;

use chrono::NaiveDateTime;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

use super::import::{CHECKLIST_HEADERS, checklist_row, roster_headers};
use crate::domain::access::Visibility;
use crate::domain::answer::format_number;
use crate::domain::checklist::{Checklist, Item};
use crate::domain::period::Period;
use crate::storage::{self, Reader};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("生成电子表格失败:{0}")]
    Xlsx(#[from] XlsxError),
    #[error("生成 CSV 失败:{0}")]
    Csv(#[from] csv::Error),
    #[error("无法写入文件 {0}:{1}")]
    Io(String, std::io::Error),
    #[error("{0}")]
    Storage(#[from] storage::Error),
    #[error("{0}")]
    Report(String),
    #[error("不支持的导出格式「{0}」:请使用 .xlsx 或 .csv")]
    Extension(String),
}

/// A cell to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Blank,
    Text(String),
    Number(f64),
    DateTime(NaiveDateTime),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Xlsx,
    Csv,
}

impl FileKind {
    pub fn of(path: &Path) -> Result<FileKind, WriteError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("xlsx") => Ok(FileKind::Xlsx),
            Some("csv") => Ok(FileKind::Csv),
            other => Err(WriteError::Extension(other.unwrap_or("").to_string())),
        }
    }
}

/// Writes one table row by row, so a year of visits never sits in memory
/// as cells: .xlsx in rust_xlsxwriter's constant-memory mode, or CSV with
/// a BOM so that Excel opens it as UTF-8.
pub struct TableWriter {
    target: Target,
    row: u32,
}

enum Target {
    Xlsx {
        workbook: Box<Workbook>,
        date: Format,
        bold: Format,
        widths: Vec<f64>,
    },
    Csv(csv::Writer<Vec<u8>>),
}

impl TableWriter {
    pub fn new(kind: FileKind, sheet: &str) -> Result<TableWriter, WriteError> {
        let target = match kind {
            FileKind::Xlsx => {
                let mut workbook = Workbook::new();
                workbook
                    .add_worksheet_with_constant_memory()?
                    .set_name(sheet)?;
                Target::Xlsx {
                    workbook: Box::new(workbook),
                    date: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
                    bold: Format::new().set_bold().set_align(FormatAlign::Center),
                    widths: Vec::new(),
                }
            }
            FileKind::Csv => {
                let mut buffer = Vec::new();
                buffer.extend_from_slice(b"\xEF\xBB\xBF");
                Target::Csv(csv::WriterBuilder::new().flexible(true).from_writer(buffer))
            }
        };
        Ok(TableWriter { target, row: 0 })
    }

    /// Writes a header row (bold, frozen in .xlsx) and sizes the columns.
    pub fn header(&mut self, headers: &[String]) -> Result<(), WriteError> {
        let cells: Vec<Out> = headers.iter().map(|h| Out::Text(h.clone())).collect();
        if let Target::Xlsx { widths, .. } = &mut self.target {
            *widths = headers
                .iter()
                .map(|h| display_width(h).clamp(8.0, 40.0))
                .collect();
        }
        let row = self.row;
        self.write(&cells, true)?;
        if let Target::Xlsx {
            workbook, widths, ..
        } = &mut self.target
        {
            let sheet = workbook.worksheet_from_index(0)?;
            sheet.set_freeze_panes(row + 1, 0)?;
            for (column, width) in widths.iter().enumerate() {
                sheet.set_column_width(column as u16, *width)?;
            }
        }
        Ok(())
    }

    /// Makes columns of .xlsx at least as wide as `samples` need, for
    /// values wider than their header, and prints them one page wide; call
    /// it before the first row.
    pub fn fit(&mut self, samples: &[&str]) -> Result<(), WriteError> {
        if let Target::Xlsx {
            workbook, widths, ..
        } = &mut self.target
        {
            let sheet = workbook.worksheet_from_index(0)?;
            sheet.set_print_fit_to_pages(1, 0);
            for (column, sample) in samples.iter().enumerate() {
                let width = display_width(sample);
                if widths.get(column).is_some_and(|w| *w < width) {
                    widths[column] = width;
                    sheet.set_column_width(column as u16, width)?;
                }
            }
        }
        Ok(())
    }

    pub fn row(&mut self, cells: &[Out]) -> Result<(), WriteError> {
        self.write(cells, false)
    }

    fn write(&mut self, cells: &[Out], bold_row: bool) -> Result<(), WriteError> {
        let row = self.row;
        self.row += 1;
        match &mut self.target {
            Target::Xlsx {
                workbook,
                date,
                bold,
                ..
            } => {
                let sheet = workbook.worksheet_from_index(0)?;
                for (column, cell) in cells.iter().enumerate() {
                    let column = column as u16;
                    match cell {
                        Out::Blank => {}
                        Out::Text(text) if bold_row => {
                            sheet.write_string_with_format(row, column, text, bold)?;
                        }
                        Out::Text(text) => {
                            sheet.write_string(row, column, text)?;
                        }
                        Out::Number(n) => {
                            sheet.write_number(row, column, *n)?;
                        }
                        Out::DateTime(at) => {
                            sheet.write_datetime_with_format(row, column, at, date)?;
                        }
                    }
                }
            }
            Target::Csv(writer) => {
                writer.write_record(cells.iter().map(|cell| match cell {
                    Out::Blank => String::new(),
                    Out::Text(text) => text.clone(),
                    Out::Number(n) => format_number(*n),
                    Out::DateTime(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
                }))?;
            }
        }
        Ok(())
    }

    /// The finished file's bytes.
    pub fn finish(self) -> Result<Vec<u8>, WriteError> {
        match self.target {
            Target::Xlsx { mut workbook, .. } => Ok(workbook.save_to_buffer()?),
            Target::Csv(writer) => writer
                .into_inner()
                .map_err(|e| WriteError::Io("CSV".into(), e.into_error())),
        }
    }
}

/// Roughly how many Excel width units a text needs: CJK characters take two.
pub fn display_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 1.1 } else { 2.1 })
        .sum::<f64>()
        + 2.0
}

/// Saves bytes to `path`, creating its folder.
pub fn save(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| WriteError::Io(dir.display().to_string(), e))?;
    }
    std::fs::write(path, bytes).map_err(|e| WriteError::Io(path.display().to_string(), e))
}

/// A checklist in one line: its title, id, version, full marks and pass
/// mark, as the 评分细则 sheet and the command line head it.
pub fn checklist_heading(checklist: &Checklist) -> String {
    format!(
        "{}({} 第 {} 版,满分 {},达标线 {}%)",
        checklist.title,
        checklist.id,
        checklist.version,
        format_number(checklist.total_points()),
        format_number(checklist.pass_mark * 100.0)
    )
}

/// The 评分细则 sheet of a checklist: a title line, then one row per item.
pub fn checklist_sheet(checklist: &Checklist, kind: FileKind) -> Result<Vec<u8>, WriteError> {
    let mut writer = TableWriter::new(kind, "评分细则")?;
    writer.row(&[Out::Text(checklist_heading(checklist))])?;
    writer.header(
        &CHECKLIST_HEADERS
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>(),
    )?;
    for section in &checklist.sections {
        for item in &section.items {
            let cells: Vec<Out> = checklist_row(section, item)
                .into_iter()
                .enumerate()
                .map(|(column, text)| match column {
                    _ if text.is_empty() => Out::Blank,
                    // 分值 is a number, as a person would type it.
                    5 => Out::Number(item.points),
                    _ => Out::Text(text),
                })
                .collect();
            writer.row(&cells)?;
        }
    }
    writer.finish()
}

/// The columns of a visits sheet before the items: the importer reads the
/// hall code, the date and the rest; name and county are for people.
const VISIT_COLUMNS: [&str; 9] = [
    "暗访编号",
    "网点编码",
    "网点名称",
    "区县",
    "暗访日期",
    "暗访员",
    "检查表",
    "检查表版本",
    "备注",
];

/// An item's column header: its code (which the importer reads) and title.
fn item_header(code: &str, title: &str) -> String {
    format!("{code} {title}")
}

/// A blank roster to fill in: the header row only.
pub fn roster_template(kind: FileKind) -> Result<Vec<u8>, WriteError> {
    let mut writer = TableWriter::new(kind, "网点名单")?;
    let headers: Vec<String> = roster_headers().into_iter().map(String::from).collect();
    writer.header(&headers)?;
    writer.finish()
}

/// A blank visits sheet for `checklist`: the header row of
/// [`visits_sheet`], with a column per item of this version.
pub fn visits_template(checklist: &Checklist, kind: FileKind) -> Result<Vec<u8>, WriteError> {
    let mut writer = TableWriter::new(kind, "暗访结果")?;
    let mut headers: Vec<String> = VISIT_COLUMNS.iter().map(|h| h.to_string()).collect();
    headers.extend(
        checklist
            .items()
            .map(|(_, item)| item_header(&item.code, &item.title)),
    );
    writer.header(&headers)?;
    writer.finish()
}

/// The visits sheet of a period: one row per visit with every answer as the
/// importer reads it, so that importing it again reproduces the visits.
pub fn visits_sheet(
    store: &Reader,
    checklist_id: &str,
    period: Period,
    kind: FileKind,
    reader: &Visibility,
) -> Result<(Vec<u8>, usize), WriteError> {
    let versions = store.versions_in(checklist_id, period.from, period.to)?;
    // Columns follow the newest version; items only older versions had
    // come after.
    let mut items: Vec<&Item> = Vec::new();
    for checklist in &versions {
        for (_, item) in checklist.items() {
            if !items.iter().any(|known| known.code == item.code) {
                items.push(item);
            }
        }
    }
    // Each version's items, by their column.
    let columns: std::collections::HashMap<u32, Vec<usize>> = versions
        .iter()
        .map(|c| {
            let columns = c
                .items()
                .map(|(_, item)| {
                    items
                        .iter()
                        .position(|known| known.code == item.code)
                        .unwrap_or(0)
                })
                .collect();
            (c.version, columns)
        })
        .collect();
    let branches: std::collections::HashMap<String, crate::domain::roster::Branch> = store
        .branches()?
        .into_iter()
        .map(|b| (b.code.clone(), b))
        .collect();
    let mut writer = TableWriter::new(kind, "暗访结果")?;
    let mut headers: Vec<String> = VISIT_COLUMNS.iter().map(|h| h.to_string()).collect();
    headers.extend(
        items
            .iter()
            .map(|item| item_header(&item.code, &item.title)),
    );
    writer.header(&headers)?;
    let mut count = 0;
    let mut failure = None;
    let fixed = VISIT_COLUMNS.len();
    store.scan_visits(checklist_id, period.from, period.to, |visit| {
        if failure.is_some() {
            return;
        }
        let Some(checklist) = versions
            .iter()
            .find(|c| c.version == visit.checklist_version)
        else {
            return;
        };
        let branch = branches.get(visit.branch_code);
        if !branch.is_some_and(|b| reader.sees_branch(&b.district, b.city.as_deref())) {
            return;
        }
        let text = |t: Option<&str>| t.map_or(Out::Blank, |t| Out::Text(t.to_string()));
        let mut cells = vec![
            text(visit.visit_id),
            Out::Text(visit.branch_code.to_string()),
            text(branch.map(|b| b.name.as_str())),
            text(branch.map(|b| b.district.as_str())),
            Out::DateTime(visit.visited_at),
            text(visit.inspector),
            Out::Text(checklist_id.to_string()),
            Out::Number(f64::from(visit.checklist_version)),
            text(visit.notes),
        ];
        cells.resize(fixed + items.len(), Out::Blank);
        let columns = &columns[&checklist.version];
        for (((_, item), answer), column) in checklist.items().zip(visit.answers).zip(columns) {
            cells[fixed + column] = match answer {
                crate::domain::answer::Answer::Number(n) => Out::Number(*n),
                other => Out::Text(other.to_text(item)),
            };
        }
        match writer.row(&cells) {
            Ok(()) => count += 1,
            Err(e) => failure = Some(e),
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok((writer.finish()?, count))
}
