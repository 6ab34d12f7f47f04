//! hallscore scores mystery-shopper visits to a telecom operator's service
//! halls (营业厅), ranks halls, county districts and cities by score rate
//! (得分率), names the top and bottom three of every metric and finds the
//! short boards (短板) where points are lost.
//!
//! # Layout
//! The folders are the layers; each depends only on those above it in
//! this list.
//! - [`domain`]: the pure core — checklists, answers, scoring, periods,
//!   analytics, how sure a ranking is, visit plans and the roster, appeals
//!   (their status, window and change log), as plain data and functions,
//!   with every rule of `docs/scoring.md` once.
//! - [`storage`]: the SQLite store; the only module that speaks SQL.
//! - [`formats`]: files in and out — checklist TOML files, spreadsheets
//!   read (any of .xlsx/.xls/.ods/.csv) and turned into rosters, visits and
//!   评分细则 with located errors, and written (visits, 评分细则 and the
//!   ranking workbook).
//! - [`app`]: the use cases the command line and the browser share —
//!   reports, imports, plans, publishing, demo data, credentials.
//! - [`web`]: the web application and JSON API (axum), with its pages,
//!   scripts and translations.
//! - [`cli`]: the command line.

// Every function of the library reads in one sitting: clippy.toml sets
// the limit at 100 lines.
#![warn(clippy::too_many_lines)]

pub mod app;
pub mod cli;
pub mod domain;
pub mod formats;
pub mod storage;
pub mod web;
