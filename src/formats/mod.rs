//! Files in and out: [`checklist`] reads checklist TOML files and the built-in
//! checklists. Spreadsheets: [`read`] turns files into rows of cells,
//! [`import`] turns those into domain values with located problems (one
//! file each for finding the table, rosters, visits and 评分细则), and
//! [`write`](mod@write) turns tables back into files and [`workbook`] lays out the
//! period's ranking workbook.

pub mod checklist;
pub mod import;
pub mod read;
pub mod workbook;
pub mod write;
