//! Finding a table in a workbook: the sheet and row whose cells name the
//! fields an importer needs, and where each field's column is.

use std::collections::HashMap;

use super::{Column, Parsed, Problem, Record};
use crate::domain::answer::normalize_text;
use crate::formats::read::{Cell, Row, Sheet};

/// A field the importer looks for, by its accepted header names.
pub(super) struct Field {
    pub key: &'static str,
    pub names: &'static [&'static str],
    pub required: bool,
}

pub(super) const fn field(
    key: &'static str,
    names: &'static [&'static str],
    required: bool,
) -> Field {
    Field {
        key,
        names,
        required,
    }
}

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
pub(super) struct Table {
    pub sheet_index: usize,
    pub sheet: String,
    pub header_row: u32,
    header_cells: Vec<Cell>,
    /// Index in the sheet's rows of the first row below the header.
    pub first_data: usize,
    fields: HashMap<&'static str, usize>,
    /// Columns that are none of the fields.
    pub others: Vec<Column>,
}

impl Table {
    /// The rows below the header.
    pub fn data<'s>(&self, sheets: &'s [Sheet]) -> &'s [Row] {
        &sheets[self.sheet_index].rows[self.first_data..]
    }

    /// A row is blank when nothing stands under any header: a stray value
    /// far right of the table (a note, a cell at XFD1048576) is no data row.
    pub fn is_blank(&self, row: &Row) -> bool {
        let blank = |column: &usize| row.cells.get(*column).is_none_or(Cell::is_blank);
        self.fields.values().all(blank) && self.others.iter().all(|c| blank(&c.index))
    }

    /// The column of a field, if the header names it.
    pub fn column_of(&self, key: &str) -> Option<usize> {
        self.fields.get(key).copied()
    }

    pub fn cell<'c>(&self, row: &'c Row, key: &str) -> Option<&'c Cell> {
        self.column_of(key).and_then(|c| row.cells.get(c))
    }

    pub fn text(&self, row: &Row, key: &str) -> Option<String> {
        self.cell(row, key)
            .filter(|c| !c.is_blank())
            .map(|c| match c {
                Cell::Text(text) => normalize_text(text).into_owned(),
                _ => normalize_text(&c.display()).into_owned(),
            })
    }

    /// The column at an index, with its header text.
    pub fn column(&self, index: usize) -> Column {
        Column {
            index,
            header: self
                .header_cells
                .get(index)
                .map(Cell::display)
                .unwrap_or_default(),
        }
    }

    /// A problem with a field's cell of a data row.
    pub fn problem(&self, row: &Row, key: &str, reason: impl Into<String>) -> Problem {
        let column = self.column_of(key);
        Problem {
            sheet: self.sheet.clone(),
            row: Some(row.number),
            column: column.map(|c| self.column(c)),
            value: column
                .and_then(|c| row.cells.get(c))
                .map(Cell::display)
                .filter(|v| !v.is_empty()),
            reason: reason.into(),
        }
    }

    /// A problem of the whole sheet, at no row.
    pub fn whole_sheet(&self, reason: String) -> Problem {
        Problem {
            sheet: self.sheet.clone(),
            row: None,
            column: None,
            value: None,
            reason,
        }
    }

    /// A problem of the header row, at one of its columns or none.
    pub fn header_problem(&self, column: Option<&Column>, reason: String) -> Problem {
        Problem {
            row: Some(self.header_row),
            column: column.cloned(),
            ..self.whole_sheet(reason)
        }
    }

    /// The problems, or what was read when there are none. Nothing read and
    /// nothing wrong is a problem too: the sheet has no data rows.
    pub fn finish<T>(
        &self,
        rows: Vec<Record<T>>,
        mut problems: Vec<Problem>,
        ignored_columns: Vec<String>,
    ) -> Result<Parsed<T>, Vec<Problem>> {
        if rows.is_empty() && problems.is_empty() {
            problems.push(self.header_problem(None, "表头下面没有数据行".into()));
        }
        if problems.is_empty() {
            Ok(Parsed {
                sheet: self.sheet.clone(),
                header_row: self.header_row,
                rows,
                ignored_columns,
                blanks_as_na: 0,
            })
        } else {
            Err(problems)
        }
    }
}

/// How far down a sheet the header row may be.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// What one row's cells say as headers.
struct Headers {
    /// The column of each field found.
    fields: HashMap<&'static str, usize>,
    /// Columns that name no field, or a field named before.
    others: Vec<Column>,
}

impl Headers {
    fn read(row: &Row, fields: &[Field]) -> Headers {
        let mut headers = Headers {
            fields: HashMap::new(),
            others: Vec::new(),
        };
        for (index, cell) in row.cells.iter().enumerate() {
            if cell.is_blank() {
                continue;
            }
            let folded = fold_header(&cell.display());
            let matched = fields
                .iter()
                .find(|f| f.names.iter().any(|n| fold_header(n) == folded));
            match matched {
                Some(f) if !headers.fields.contains_key(f.key) => {
                    headers.fields.insert(f.key, index);
                }
                _ => headers.others.push(Column {
                    index,
                    header: cell.display(),
                }),
            }
        }
        headers
    }

    /// The first names of the required fields not found.
    fn missing(&self, fields: &[Field]) -> Vec<&'static str> {
        fields
            .iter()
            .filter(|f| f.required && !self.fields.contains_key(f.key))
            .map(|f| f.names[0])
            .collect()
    }
}

/// The row that came nearest to being the header: most fields found.
struct NearMiss<'s> {
    found: usize,
    sheet: &'s Sheet,
    row: u32,
    missing: Vec<&'static str>,
}

/// Finds the first sheet and row whose cells name every required field.
pub(super) fn find_table(
    file: &str,
    sheets: &[Sheet],
    fields: &[Field],
) -> Result<Table, Vec<Problem>> {
    let mut best: Option<NearMiss<'_>> = None;
    for (sheet_index, sheet) in sheets.iter().enumerate() {
        for (index, row) in sheet.rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
            let headers = Headers::read(row, fields);
            let missing = headers.missing(fields);
            if missing.is_empty() {
                return Ok(Table {
                    sheet_index,
                    sheet: sheet.name.clone(),
                    header_row: row.number,
                    header_cells: row.cells.clone(),
                    first_data: index + 1,
                    fields: headers.fields,
                    others: headers.others,
                });
            }
            let found = headers.fields.len();
            if best.as_ref().is_none_or(|b| found > b.found) {
                best = Some(NearMiss {
                    found,
                    sheet,
                    row: row.number,
                    missing,
                });
            }
        }
    }
    Err(vec![no_table(file, sheets, fields, best)])
}

/// Why no header row was found: the columns the nearest row lacks, or,
/// when no row named any field, every column needed.
fn no_table(file: &str, sheets: &[Sheet], fields: &[Field], best: Option<NearMiss<'_>>) -> Problem {
    let required: Vec<String> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| format!("{}/{}", f.names[0], f.names[1]))
        .collect();
    let (reason, row) = match &best {
        Some(near) if near.found > 0 => (
            format!("找到了表头,但缺少必需的列:{}", near.missing.join("、")),
            Some(near.row),
        ),
        _ => (
            format!("{file} 中找不到表头行:需要的列为 {}", required.join("、")),
            None,
        ),
    };
    Problem {
        sheet: best.map_or_else(
            || sheets.first().map(|s| s.name.clone()).unwrap_or_default(),
            |near| near.sheet.name.clone(),
        ),
        row,
        column: None,
        value: None,
        reason,
    }
}
