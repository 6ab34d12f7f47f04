//! End-to-end tests: the real binary, a real database (a SQLite file, or
//! PostgreSQL when `HALLSCORE_TEST_POSTGRES` names a server), real
//! spreadsheets.

mod helpers;

mod cli;

mod workbook;

mod import_files;

mod web;

mod faults;

mod servers;

mod databases;

mod contention;

mod browser;

mod admin;

mod security;

mod openapi;

mod uncertainty;

mod plans;

mod review;

mod rectify;
