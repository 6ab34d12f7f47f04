//! Spreadsheets in and out: [`read`] turns files into rows of cells,
//! [`import`] turns those into domain values with located problems, and
//! [`write`] turns tables and results back into files.

pub mod import;
pub mod read;
pub mod write;
