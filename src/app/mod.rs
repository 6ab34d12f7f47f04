//! The use cases: what the command line and the browser both do, written
//! once over the domain, the store and the file formats.
//!
//! - [`report`]: a period's figures computed once from the store, with the
//!   JSON objects every renderer shares.
//! - [`imports`]: read a spreadsheet, check every row, store all or
//!   nothing, log who did it.
//! - [`plans`]: visit plans made from the roster and the inspector
//!   accounts, shown, written as a sheet, and their coverage.
//! - [`publishing`]: published periods, their appeal window and lock, and
//!   the change log of a re-issued version.
//! - [`review`]: the flags of visits held for review, the reviewer's queue
//!   and decisions.
//! - [`demo`]: deterministic demo data.
//! - [`credentials`]: password hashing and random tokens.

pub mod copy;
pub mod credentials;
pub mod demo;
pub mod imports;
pub mod plans;
pub mod publishing;
pub mod rectify;
pub mod report;
pub mod review;
