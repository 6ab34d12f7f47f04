//! Turning read sheets into domain values: rosters, visits and 评分细则
//! checklists. Every problem of a file is collected with its place (sheet,
//! row, column letter and header, value) so that all are reported at once.
//!
//! `table` finds the header row and the columns; `roster`, `visits`
//! and `checklist` read the rows below it.

mod checklist;
mod roster;
mod table;
mod visits;

use std::fmt;

pub use checklist::{CHECKLIST_HEADERS, ChecklistMeta, checklist_row, parse_checklist};
pub use roster::{parse_roster, roster_headers};
pub use table::HEADER_SEARCH_ROWS;
pub use visits::{VisitContext, parse_visits};

use super::read::column_letter;

/// One problem in a file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub sheet: String,
    pub row: Option<u32>,
    pub column: Option<Column>,
    pub value: Option<String>,
    pub reason: String,
}

/// A column of a sheet: its 0-based index and its header text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub index: usize,
    pub header: String,
}

impl Column {
    /// The column's letter as spreadsheets show it: A, B, … AA.
    pub fn letter(&self) -> String {
        column_letter(self.index)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "工作表「{}」", self.sheet)?;
        if let Some(row) = self.row {
            write!(f, "第 {row} 行")?;
        }
        if let Some(column) = &self.column {
            write!(f, " {} 列「{}」", column.letter(), column.header)?;
        }
        if let Some(value) = &self.value {
            write!(f, " 值「{value}」")?;
        }
        write!(f, ":{}", self.reason)
    }
}

/// One value read from a data row, with the row's number.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<T> {
    pub row: u32,
    pub value: T,
}

/// What a parse found, with the sheet it used.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub sheet: String,
    pub header_row: u32,
    pub rows: Vec<Record<T>>,
    /// Columns that were not used, by header (only where they are allowed).
    pub ignored_columns: Vec<String>,
    /// Visits only: blank answer cells read as 不适用, the spreadsheet
    /// convention for items that allow it.
    pub blanks_as_na: usize,
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::read::{Cell, Row, Sheet};

    /// One sheet named Sheet1 of text cells; "" is an empty cell.
    pub fn sheet(rows: &[&[&str]]) -> Vec<Sheet> {
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
}
