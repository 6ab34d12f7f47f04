//! The import use cases, shared by the command line and the browser: read a
//! file, check every row, then store all of it or nothing.

use std::collections::{HashMap, HashSet};

use crate::app::publishing::Lock;
use crate::domain::checklist::Checklist;
use crate::domain::{self, visit::Visit};
use crate::formats;
use crate::formats::import::{self, ChecklistMeta, Problem, VisitContext};
use crate::formats::read::{Opened, ReadError, read_workbook};
use crate::storage::{
    self, Counts, Disposition, Prepared, Reader, RosterOutcome, Store, VisitImport,
};

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

/// Imports a visits sheet: one thread reads and checks the rows while
/// this one stores the visits read so far, all in one transaction that is
/// kept only if every row was right. `on_row(done, total)` reports
/// progress through the file's rows.
pub fn visits(
    store: &mut Store,
    file: &str,
    bytes: Vec<u8>,
    options: VisitOptions<'_>,
    on_row: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<VisitsReport, Failure> {
    let known = Known::of(store)?;
    let locked = crate::app::publishing::locked_periods(store)?;
    std::thread::scope(|scope| {
        let (hand_over, handed) = std::sync::mpsc::sync_channel::<Batch>(4);
        let known = &known;
        // The file's cells are made and dropped on the thread that makes the
        // visits, which then reuses their memory.
        let reading = scope.spawn(move || {
            let opened = Opened::open(file, bytes, import::HEADER_SEARCH_ROWS)?;
            let read = known
                .parse(file, opened, on_row, &mut |records| {
                    // The storing side stops taking batches only when it
                    // failed, and then drops the rest.
                    let visits = records.into_iter().map(|r| (r.row, r.value));
                    let _ = hand_over.send(known.batch(visits));
                })
                .map_err(problems(file))?;
            Ok::<_, Failure>(read)
        });
        store.import_in_batches(options.storage(), |import| {
            let mut storing = Storing::new(&locked);
            for batch in handed {
                storing.add(import, &batch)?;
            }
            let read = reading
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            Ok((storing.outcome(file, read, import.counts())?, true))
        })
    })
    .and_then(|stored| stored.flag(store))
}

/// A visits sheet read and checked against the roster and the checklists,
/// for [`store_visits`].
pub struct ReadVisits {
    file: String,
    read: Read,
    visits: Batch,
}

/// What reading a visits sheet found besides its visits.
struct Read {
    sheet: String,
    header_row: u32,
    blanks_as_na: usize,
}

/// Visits with the sheet's row of each, made ready to store.
struct Batch {
    rows: Vec<u32>,
    visits: Vec<Visit>,
    prepared: Vec<Prepared>,
}

/// The roster and the checklists that visit rows are checked against.
struct Known {
    branches: HashSet<String>,
    checklists: HashMap<String, Vec<Checklist>>,
    default_checklist: String,
}

impl Known {
    fn of(reader: &Reader) -> Result<Known, Failure> {
        let branches = reader.branches()?.into_iter().map(|b| b.code).collect();
        let mut checklists: HashMap<String, Vec<Checklist>> = HashMap::new();
        for summary in reader.checklists()? {
            let checklist = reader.checklist_version(&summary.id, summary.version)?;
            checklists.entry(summary.id).or_default().push(checklist);
        }
        Ok(Known {
            branches,
            checklists,
            default_checklist: checklist_id(reader, None)?,
        })
    }

    /// Visits made ready to store, with their rows, by whoever read them:
    /// the writer only stores them.
    fn batch(&self, records: impl Iterator<Item = (u32, Visit)>) -> Batch {
        let (rows, visits): (Vec<u32>, Vec<Visit>) = records.unzip();
        let prepared = visits
            .iter()
            .map(|visit| {
                let checklist = self
                    .checklists
                    .get(&visit.checklist_id)
                    .and_then(|versions| {
                        versions
                            .iter()
                            .find(|c| c.version == visit.checklist_version)
                    });
                Prepared::of(visit, checklist)
            })
            .collect();
        Batch {
            rows,
            visits,
            prepared,
        }
    }

    /// Reads and checks the rows of `opened`, handing out the visits as
    /// [`import::parse_visits`] does.
    fn parse(
        &self,
        file: &str,
        opened: Opened,
        on_row: &mut dyn FnMut(usize, usize),
        on_visits: &mut dyn FnMut(Vec<import::Record<Visit>>),
    ) -> Result<Read, Vec<Problem>> {
        let context = VisitContext {
            branches: &self.branches,
            checklists: &self.checklists,
            default_checklist: &self.default_checklist,
        };
        let parsed = import::parse_visits(file, opened, &context, on_row, on_visits)?;
        Ok(Read {
            sheet: parsed.sheet,
            header_row: parsed.header_row,
            blanks_as_na: parsed.blanks_as_na,
        })
    }
}

/// Reads a visits sheet and checks every row; stores nothing, so the
/// server does it off the writer.
pub fn read_visits(reader: &Reader, file: &str, bytes: Vec<u8>) -> Result<ReadVisits, Failure> {
    let opened = Opened::open(file, bytes, import::HEADER_SEARCH_ROWS)?;
    let known = Known::of(reader)?;
    let mut visits = Vec::new();
    let read = known
        .parse(file, opened, &mut |_, _| {}, &mut |records| {
            visits.extend(records.into_iter().map(|r| (r.row, r.value)));
        })
        .map_err(problems(file))?;
    Ok(ReadVisits {
        file: file.to_string(),
        read,
        visits: known.batch(visits.into_iter()),
    })
}

/// Stores the visits of a sheet [`read_visits`] read: all of them, or none
/// when one falls in a published period or conflicts with a stored visit.
pub fn store_visits(
    store: &mut Store,
    read: ReadVisits,
    options: VisitOptions<'_>,
) -> Result<VisitsReport, Failure> {
    let ReadVisits { file, read, visits } = read;
    let locked = crate::app::publishing::locked_periods(store)?;
    store
        .import_in_batches(options.storage(), |import| {
            let mut storing = Storing::new(&locked);
            storing.add(import, &visits)?;
            Ok((storing.outcome(&file, read, import.counts())?, true))
        })
        .and_then(|stored| stored.flag(store))
}

/// What the batches of one import did: stored until one falls in a
/// published period, after which the others are only checked for that.
struct Storing<'l> {
    locked: &'l [Lock],
    /// The rows in a published period, with the day and why.
    refused: Vec<(u32, String, String)>,
    /// The rows that conflict with a stored visit, with the stored one.
    conflicts: Vec<(u32, String, Box<Visit>)>,
    /// The keys of the visits stored that their checklist holds for
    /// review, to flag once they are in.
    to_flag: Vec<String>,
}

impl<'l> Storing<'l> {
    fn new(locked: &'l [Lock]) -> Storing<'l> {
        Storing {
            locked,
            refused: Vec::new(),
            conflicts: Vec::new(),
            to_flag: Vec::new(),
        }
    }

    fn add(&mut self, import: &mut VisitImport<'_, '_>, batch: &Batch) -> Result<(), Failure> {
        for (row, visit) in batch.rows.iter().zip(&batch.visits) {
            if let Some(lock) = self
                .locked
                .iter()
                .find(|lock| lock.covers(&visit.checklist_id, visit.visited_at.date()))
            {
                let day = visit.visited_at.format("%Y-%m-%d").to_string();
                self.refused.push((*row, day, lock.message.clone()));
            }
        }
        if !self.refused.is_empty() {
            return Ok(());
        }
        let dispositions = import.store_prepared(&batch.visits, &batch.prepared)?;
        let stored = batch.rows.iter().zip(&batch.visits).zip(&batch.prepared);
        for (((row, visit), prepared), disposition) in stored.zip(dispositions) {
            if matches!(disposition, Disposition::New | Disposition::Replaced)
                && prepared.held_for_review()
                && import.keeps()
            {
                self.to_flag.push(visit.key());
            }
            if let Disposition::Conflict(stored) = disposition {
                self.conflicts.push((*row, visit.key(), stored));
            }
        }
        Ok(())
    }

    /// What the import did (`counts`, from its storage), or why it keeps
    /// nothing: the rows in published periods, else the conflicts.
    fn outcome(self, file: &str, read: Read, counts: Counts) -> Result<Stored, Failure> {
        let problem = |row: u32, value: String, reason: String| Problem {
            sheet: read.sheet.clone(),
            row: Some(row),
            column: None,
            value: Some(value),
            reason,
        };
        if !self.refused.is_empty() {
            let refused = self.refused.into_iter();
            return Err(problems(file)(
                refused
                    .map(|(row, day, why)| problem(row, day, why))
                    .collect(),
            ));
        }
        if !self.conflicts.is_empty() {
            let conflicts = self.conflicts.into_iter().map(|(row, key, stored)| {
                let reason = format!(
                    "这次暗访已导入过(网点 {},{},暗访员 {}),但内容不同;如需以本文件为准,请选择替换(--replace)",
                    stored.branch_code,
                    stored.visited_at.format("%Y-%m-%d %H:%M"),
                    stored.inspector.as_deref().unwrap_or("—")
                );
                problem(row, key, reason)
            });
            return Err(problems(file)(conflicts.collect()));
        }
        Ok(Stored {
            report: VisitsReport {
                sheet: read.sheet,
                header_row: read.header_row,
                visits: counts.visits,
                new: counts.new,
                unchanged: counts.unchanged,
                replaced: counts.replaced,
                blanks_as_na: read.blanks_as_na,
            },
            to_flag: self.to_flag,
        })
    }
}

/// An import that stored its visits, with those still to flag for review.
struct Stored {
    report: VisitsReport,
    to_flag: Vec<String>,
}

impl Stored {
    /// Flags the visits held for review (on a dry run, none were stored)
    /// and says what the import did.
    fn flag(self, store: &mut Store) -> Result<VisitsReport, Failure> {
        for key in &self.to_flag {
            crate::app::review::flag_stored(store, key)?;
        }
        Ok(self.report)
    }
}

/// How a visits sheet is imported.
#[derive(Debug, Clone, Copy)]
pub struct VisitOptions<'a> {
    pub dry_run: bool,
    pub replace: bool,
    pub actor: &'a str,
}

impl<'a> VisitOptions<'a> {
    fn storage(self) -> storage::ImportOptions<'a> {
        storage::ImportOptions {
            replace: self.replace,
            dry_run: self.dry_run,
            ..storage::ImportOptions::by(self.actor)
        }
    }
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
