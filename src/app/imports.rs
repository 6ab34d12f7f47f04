//! The import use cases, shared by the command line and the browser: read a
//! file, check every row, then store all of it or nothing.

use std::collections::{HashMap, HashSet};

use crate::domain::checklist::Checklist;
use crate::domain::{self, visit::Visit};
use crate::formats;
use crate::formats::import::{self, ChecklistMeta, Problem, VisitContext};
use crate::formats::read::{ReadError, read_workbook};
use crate::storage::{self, Disposition, Reader, RosterOutcome, Store};

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Every problem of the file, each with its place.
    #[error("{file}:共 {} 处错误,未写入任何数据", problems.len())]
    Problems {
        file: String,
        problems: Vec<Problem>,
    },
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Storage(#[from] storage::Error),
    #[error(transparent)]
    Domain(#[from] domain::Error),
    #[error("{0}")]
    Message(String),
}

fn problems(file: &str) -> impl FnOnce(Vec<Problem>) -> Failure + '_ {
    move |problems| Failure::Problems {
        file: file.to_string(),
        problems,
    }
}

/// What an imported roster did.
#[derive(Debug, Clone)]
pub struct RosterReport {
    pub sheet: String,
    pub header_row: u32,
    pub branches: usize,
    pub outcome: RosterOutcome,
    pub ignored_columns: Vec<String>,
}

pub fn roster(
    store: &mut Store,
    file: &str,
    bytes: Vec<u8>,
    dry_run: bool,
    actor: &str,
) -> Result<RosterReport, Failure> {
    let sheets = read_workbook(file, bytes)?;
    let parsed = import::parse_roster(file, &sheets).map_err(problems(file))?;
    let roster: Vec<_> = parsed.rows.into_iter().map(|r| r.value).collect();
    let outcome = store.save_roster(&roster, !dry_run, actor)?;
    Ok(RosterReport {
        sheet: parsed.sheet,
        header_row: parsed.header_row,
        branches: roster.len(),
        outcome,
        ignored_columns: parsed.ignored_columns,
    })
}

/// What an imported visits sheet did.
#[derive(Debug, Clone, Default)]
pub struct VisitsReport {
    pub sheet: String,
    pub header_row: u32,
    pub visits: usize,
    pub new: usize,
    pub unchanged: usize,
    pub replaced: usize,
    /// Blank answer cells read as 不适用 (items that allow it).
    pub blanks_as_na: usize,
}

/// The id of the checklist a visit, a form or a template uses: the one
/// named (a blank name names none), else the one loaded last.
pub fn checklist_id(store: &Reader, named: Option<String>) -> storage::Result<String> {
    match named.filter(|id| !id.trim().is_empty()) {
        Some(id) => Ok(id),
        None => store.newest_checklist_id(),
    }
}

/// Imports a visits sheet. `on_row(done, total)` reports progress through
/// the file's rows.
pub fn visits(
    store: &mut Store,
    file: &str,
    bytes: Vec<u8>,
    options: VisitOptions<'_>,
    on_row: &mut dyn FnMut(usize, usize),
) -> Result<VisitsReport, Failure> {
    let read = read_visits(store, file, bytes, on_row)?;
    store_visits(store, read, options)
}

/// A visits sheet read and checked against the roster and the checklists,
/// for [`store_visits`].
pub struct ReadVisits {
    file: String,
    sheet: String,
    header_row: u32,
    blanks_as_na: usize,
    /// The sheet's row of each visit.
    rows: Vec<u32>,
    visits: Vec<Visit>,
}

/// Reads a visits sheet and checks every row; stores nothing, so the
/// server does it off the writer. `on_row(done, total)` reports progress
/// through the file's rows.
pub fn read_visits(
    reader: &Reader,
    file: &str,
    bytes: Vec<u8>,
    on_row: &mut dyn FnMut(usize, usize),
) -> Result<ReadVisits, Failure> {
    let sheets = read_workbook(file, bytes)?;
    let branches: HashSet<String> = reader.branches()?.into_iter().map(|b| b.code).collect();
    let mut checklists: HashMap<String, Vec<Checklist>> = HashMap::new();
    for summary in reader.checklists()? {
        let checklist = reader.checklist_version(&summary.id, summary.version)?;
        checklists.entry(summary.id).or_default().push(checklist);
    }
    let default_checklist = checklist_id(reader, None)?;
    let context = VisitContext {
        branches: &branches,
        checklists: &checklists,
        default_checklist: &default_checklist,
    };
    let total = sheets.iter().map(|s| s.rows.len()).max().unwrap_or(0);
    let mut done = 0;
    let parsed = import::parse_visits(file, sheets, &context, &mut || {
        done += 1;
        on_row(done, total);
    })
    .map_err(problems(file))?;
    let (rows, visits) = parsed.rows.into_iter().map(|r| (r.row, r.value)).unzip();
    Ok(ReadVisits {
        file: file.to_string(),
        sheet: parsed.sheet,
        header_row: parsed.header_row,
        blanks_as_na: parsed.blanks_as_na,
        rows,
        visits,
    })
}

/// Stores the visits of a sheet [`read_visits`] read: all of them, or none
/// when one falls in a published period or conflicts with a stored visit.
pub fn store_visits(
    store: &mut Store,
    read: ReadVisits,
    options: VisitOptions<'_>,
) -> Result<VisitsReport, Failure> {
    let ReadVisits {
        file,
        sheet,
        header_row,
        blanks_as_na,
        rows,
        visits,
    } = read;
    let file = file.as_str();
    let locked = crate::app::publishing::locked_periods(store)?;
    let refused: Vec<Problem> = rows
        .iter()
        .zip(&visits)
        .filter_map(|(row, visit)| {
            locked
                .iter()
                .find(|lock| lock.covers(&visit.checklist_id, visit.visited_at.date()))
                .map(|lock| Problem {
                    sheet: sheet.clone(),
                    row: Some(*row),
                    column: None,
                    value: Some(visit.visited_at.format("%Y-%m-%d").to_string()),
                    reason: lock.message.clone(),
                })
        })
        .collect();
    if !refused.is_empty() {
        return Err(problems(file)(refused));
    }
    let dispositions = store.import_visits(
        &visits,
        storage::ImportOptions {
            replace: options.replace,
            dry_run: options.dry_run,
            ..storage::ImportOptions::by(options.actor)
        },
    )?;
    let conflicts: Vec<Problem> = rows
        .iter()
        .zip(&visits)
        .zip(&dispositions)
        .filter_map(|((row, visit), d)| match d {
            Disposition::Conflict(stored) => Some(Problem {
                sheet: sheet.clone(),
                row: Some(*row),
                column: None,
                value: Some(visit.key()),
                reason: format!(
                    "这次暗访已导入过(网点 {},{},暗访员 {}),但内容不同;如需以本文件为准,请选择替换(--replace)",
                    stored.branch_code,
                    stored.visited_at.format("%Y-%m-%d %H:%M"),
                    stored.inspector.as_deref().unwrap_or("—")
                ),
            }),
            _ => None,
        })
        .collect();
    if !conflicts.is_empty() {
        return Err(problems(file)(conflicts));
    }
    if !options.dry_run {
        crate::app::review::flag_arrivals(store, &visits, &dispositions)?;
    }
    let count = |f: fn(&Disposition) -> bool| dispositions.iter().filter(|d| f(d)).count();
    Ok(VisitsReport {
        sheet,
        header_row,
        visits: visits.len(),
        new: count(|d| matches!(d, Disposition::New)),
        unchanged: count(|d| matches!(d, Disposition::Unchanged)),
        replaced: count(|d| matches!(d, Disposition::Replaced)),
        blanks_as_na,
    })
}

/// How a visits sheet is imported.
#[derive(Debug, Clone, Copy)]
pub struct VisitOptions<'a> {
    pub dry_run: bool,
    pub replace: bool,
    pub actor: &'a str,
}

/// What a loaded checklist did.
#[derive(Debug, Clone)]
pub struct ChecklistReport {
    pub checklist: Checklist,
    pub new: bool,
    /// Where the items were read, for a spreadsheet.
    pub sheet: Option<SheetSource>,
}

/// The sheet a table was read from and the row of its headers.
#[derive(Debug, Clone)]
pub struct SheetSource {
    pub sheet: String,
    pub header_row: u32,
}

/// Loads a checklist from TOML or from a 评分细则 sheet. A sheet needs an
/// id; its version is the next free one.
pub fn checklist(
    store: &mut Store,
    file: &str,
    bytes: Vec<u8>,
    sheet_meta: SheetMeta<'_>,
    actor: &str,
) -> Result<ChecklistReport, Failure> {
    let (checklist, sheet) = if file.to_lowercase().ends_with(".toml") {
        let text = String::from_utf8(bytes)
            .map_err(|_| Failure::Message(format!("{file} 不是 UTF-8 文本")))?;
        (formats::checklist::parse(file, &text)?, None)
    } else {
        let id = sheet_meta.id.ok_or_else(|| {
            Failure::Message("从电子表格载入检查表时需要检查表 id(例如 hall-visit)".into())
        })?;
        let sheets = read_workbook(file, bytes)?;
        let meta = ChecklistMeta {
            id,
            title: sheet_meta.title.unwrap_or(id),
            version: store.next_checklist_version(id)?,
            pass_mark: sheet_meta.pass_mark,
        };
        let parsed = import::parse_checklist(file, &sheets, &meta).map_err(problems(file))?;
        let sheet = SheetSource {
            sheet: parsed.sheet.clone(),
            header_row: parsed.header_row,
        };
        let checklist = parsed
            .rows
            .into_iter()
            .next()
            .map(|r| r.value)
            .ok_or_else(|| Failure::Message(format!("{file} 中没有检查项")))?;
        (checklist, Some(sheet))
    };
    let new = store.save_checklist(&checklist, actor)?;
    Ok(ChecklistReport {
        checklist,
        new,
        sheet,
    })
}

/// What a 评分细则 sheet cannot say about itself.
#[derive(Debug, Clone, Copy)]
pub struct SheetMeta<'a> {
    pub id: Option<&'a str>,
    pub title: Option<&'a str>,
    pub pass_mark: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_checklist_name_means_the_newest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(dir.path().join("t.db")).expect("store");
        assert!(checklist_id(&store, None).is_err(), "no checklist yet");
        let built_in = formats::checklist::load_dir(&dir.path().join("none")).expect("built in");
        for checklist in &built_in {
            store.save_checklist(checklist, "测试").expect("checklist");
        }
        let newest = store.newest_checklist_id().expect("newest");
        assert_eq!(checklist_id(&store, None).expect("none"), newest);
        assert_eq!(
            checklist_id(&store, Some(String::new())).expect("empty"),
            newest
        );
        assert_eq!(
            checklist_id(&store, Some("  ".into())).expect("blank"),
            newest
        );
        assert_eq!(
            checklist_id(&store, Some("other".into())).expect("named"),
            "other"
        );
    }
}
