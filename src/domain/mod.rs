//! The pure core: checklists, answers, scoring and analytics as plain data
//! and functions. Nothing here touches a database, a file or the network.

pub mod access;
pub mod analytics;
pub mod answer;
pub mod appeal;
pub mod calibration;
pub mod checklist;
pub mod evidence;
pub mod lang;
pub mod period;
pub mod plan;
pub mod rectify;
pub mod review;
pub mod roster;
pub mod scoring;
pub mod uncertainty;
pub mod visit;
pub mod waits;

#[cfg(test)]
mod properties;

/// What the core refuses, with a message for the person who wrote it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("检查表 {file}{}:{rule}", if *place == checklist::Place::File { String::new() } else { format!(" 的 {place}") })]
    Checklist {
        file: String,
        place: checklist::Place,
        rule: String,
    },
    #[error("无法识别的期间「{0}」:请写成 2024、2024-Q3、2024-07 或 2024-07-01..2024-09-30")]
    Period(String),
}
