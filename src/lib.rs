//! hallscore scores mystery-shopper visits to a telecom operator's service
//! halls (营业厅), ranks halls, county districts and cities by score rate
//! (得分率), names the top and bottom three of every metric and finds the
//! short boards (短板) where points are lost.
//!
//! # Layout
//! - [`domain`]: the pure core — checklists, answers, scoring, periods,
//!   analytics, how sure a ranking is, and visit plans, as plain data and
//!   functions, with every rule of `docs/scoring.md` once.
//! - [`checklist_file`]: checklist TOML files and the built-in checklists.
//! - [`storage`]: the SQLite store; the only module that speaks SQL.
//! - [`excel`]: spreadsheets in (any of .xlsx/.xls/.ods/.csv, with located
//!   errors) and out (visits and 评分细则 sheets).
//! - [`imports`]: the import use cases the command line and the browser
//!   share: read, check every row, store all or nothing, log who did it.
//! - [`plans`]: visit plans: made from the roster and the inspector
//!   accounts, shown, written as a sheet, and their coverage.
//! - [`publishing`]: published periods, their appeal window and lock, and
//!   the change log of a re-issued version.
//! - [`report`]: a period's figures computed once from the store, with the
//!   JSON objects every renderer shares.
//! - [`lang`]: the two languages of pages and report sentences.
//! - [`demo`]: deterministic demo data.
//! - [`accounts`]: password hashing and random tokens.
//! - [`web`]: the web application and JSON API (axum), with its pages,
//!   scripts and translations.
//! - [`cli`]: the command line.

pub mod accounts;
pub mod checklist_file;
pub mod cli;
pub mod demo;
pub mod domain;
pub mod excel;
pub mod imports;
pub mod lang;
pub mod plans;
pub mod publishing;
pub mod report;
pub mod storage;
pub mod web;
