//! Publishing a period's results and locking it: which publication covers
//! a visit, whether its appeal window has closed, and the change log a
//! re-issued version carries. Shared by the web pages, imports and the
//! command line.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::app::report::{Analysis, Level};
use crate::domain::appeal::{ChangeLog, ChangedHall, ChangedItem};
use crate::domain::period::Period;
use crate::storage::{self, Error, Publication, Reader, Result, Store};

/// Why a period was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Visits of the period still wait for review; the message names them.
    #[error("{0}")]
    Pending(String),
    #[error(transparent)]
    Storage(#[from] storage::Error),
}

/// The hall rankings a publication keeps: those of `current`, with the
/// ranks of `previous` beside them, top and bottom three.
pub fn rankings_to_publish(current: &Analysis, previous: &Analysis) -> serde_json::Result<Value> {
    serde_json::to_value(current.rankings(previous, Level::Branch, 3))
}

/// What a publication did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub version: u32,
    /// Rectification tickets opened by it.
    pub tickets: usize,
}

/// Publishes a checklist's period as its next version, with `rankings`
/// (see [`rankings_to_publish`]) and an appeal window of `appeal_days`;
/// a re-issued version carries what changed since the last. Every hall and
/// item that lost points and has no rectification ticket yet gets one.
/// Refused while visits of the period wait for review.
pub fn publish(
    store: &mut Store,
    checklist: &str,
    period: Period,
    appeal_days: u32,
    rankings: &Value,
    actor: &str,
) -> std::result::Result<Published, PublishError> {
    store.atomically(|store| publish_now(store, checklist, period, appeal_days, rankings, actor))
}

fn publish_now(
    store: &mut Store,
    checklist: &str,
    period: Period,
    appeal_days: u32,
    rankings: &Value,
    actor: &str,
) -> std::result::Result<Published, PublishError> {
    if let Some(message) = crate::app::review::unreviewed(store, checklist, period)? {
        return Err(PublishError::Pending(message));
    }
    let versions = store.publications(checklist, period)?;
    let changes = match versions.last() {
        None => None,
        Some(last) => Some(change_log(store, checklist, period, last, rankings)?),
    };
    let version = store.publish(
        checklist,
        period,
        appeal_days,
        rankings,
        changes.as_ref(),
        actor,
    )?;
    let tickets = crate::app::rectify::open(store, checklist, period, actor)?;
    Ok(Published { version, tickets })
}

/// The period of a checklist's publications that contains `day`, with its
/// versions, if any.
pub fn publication_for(
    store: &Reader,
    checklist_id: &str,
    day: chrono::NaiveDate,
) -> Result<Option<(Period, Vec<Publication>)>> {
    let mut found: Option<(Period, Vec<Publication>)> = None;
    for publication in store.all_publications()? {
        let period = publication.period;
        if publication.checklist_id != checklist_id || !period.contains(day) {
            continue;
        }
        match &mut found {
            Some((p, versions)) if *p == period => versions.push(publication),
            None => found = Some((period, vec![publication])),
            Some(_) => {}
        }
    }
    if let Some((_, versions)) = &mut found {
        versions.sort_by_key(|p| p.version);
    }
    Ok(found)
}

/// A published period whose appeal window has closed: its visits may no
/// longer change.
#[derive(Debug, Clone, PartialEq)]
pub struct Lock {
    pub checklist_id: String,
    pub period: Period,
    /// Why, for the person who tried.
    pub message: String,
}

impl Lock {
    /// Whether it holds a visit of `checklist_id` on `day`.
    pub fn covers(&self, checklist_id: &str, day: chrono::NaiveDate) -> bool {
        self.checklist_id == checklist_id && self.period.contains(day)
    }
}

/// The periods that may no longer change: published, with their appeal
/// window closed.
pub fn locked_periods(store: &Reader) -> Result<Vec<Lock>> {
    let now = chrono::Local::now().naive_local();
    let mut out: Vec<Lock> = Vec::new();
    for publication in store.published_versions()? {
        let period = publication.period;
        if publication.version != 1
            || out
                .iter()
                .any(|l| l.checklist_id == publication.checklist_id && l.period == period)
        {
            continue;
        }
        let window = publication.window;
        if !window.is_open(now) {
            let closes = window.closes_at();
            out.push(Lock {
                checklist_id: publication.checklist_id,
                period,
                message: format!(
                    "期间 {period} 已发布且申诉期已于 {} 结束,该期间的暗访已锁定,不能再修改",
                    closes.format("%Y-%m-%d %H:%M")
                ),
            });
        }
    }
    Ok(out)
}

/// Why a visit of `checklist_id` on `day` may not change, if it may not.
pub fn locked(
    store: &Reader,
    checklist_id: &str,
    day: chrono::NaiveDate,
) -> Result<Option<String>> {
    Ok(locked_periods(store)?
        .into_iter()
        .find(|lock| lock.covers(checklist_id, day))
        .map(|lock| lock.message))
}

/// Which visits and items changed since the last version, and the old and
/// new rank of the halls they belong to. `rankings` is the new version's
/// branch rankings object.
pub fn change_log(
    store: &Reader,
    checklist: &str,
    period: Period,
    last: &Publication,
    rankings: &Value,
) -> Result<ChangeLog> {
    let appeals = store.unissued_appeals(checklist, period.from, period.to)?;
    let (old_ranks, new_ranks) = (ranks(&last.rankings)?, ranks(rankings)?);
    let mut halls: Vec<&str> = appeals.iter().map(|a| a.branch_code.as_str()).collect();
    halls.sort_unstable();
    halls.dedup();
    Ok(ChangeLog {
        appeals: appeals.iter().map(|a| a.id).collect(),
        items: appeals
            .iter()
            .map(|a| ChangedItem {
                appeal: a.id,
                visit: a.visit.clone(),
                branch: a.branch_code.clone(),
                item: a.item_code.clone(),
                old: a.old_answer.clone(),
                new: a.requested.clone(),
            })
            .collect(),
        halls: halls
            .into_iter()
            .map(|code| ChangedHall {
                code: code.to_string(),
                old_rank: old_ranks.get(code).copied().flatten(),
                new_rank: new_ranks.get(code).copied().flatten(),
            })
            .collect(),
    })
}

/// A row of a published rankings object, as far as ranks go.
#[derive(Deserialize)]
struct RankedRow {
    code: String,
    rank: Option<u32>,
}

/// The rank of every hall of a published rankings object.
fn ranks(rankings: &Value) -> Result<HashMap<String, Option<u32>>> {
    #[derive(Deserialize)]
    struct Rows {
        rows: Vec<RankedRow>,
    }
    let rows = Rows::deserialize(rankings)
        .map_err(|e| Error::Corrupt(format!("发布的排名:{e}")))?
        .rows;
    Ok(rows.into_iter().map(|r| (r.code, r.rank)).collect())
}

/// Lines for the workbook's 说明 sheet: the version and what it changed.
pub fn publication_notes(versions: &[Publication]) -> Vec<String> {
    let Some(last) = versions.last() else {
        return Vec::new();
    };
    let mut lines = vec![format!(
        "第 {} 版,{} 由 {} 发布;申诉期 {} 天,至 {}",
        last.version,
        last.published_at.format("%Y-%m-%d %H:%M"),
        last.published_by,
        last.appeal_days,
        versions
            .first()
            .map(|f| {
                f.appeal_window()
                    .closes_at()
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    )];
    for version in versions.iter().skip(1) {
        let Some(changes) = &version.changes else {
            continue;
        };
        lines.push(format!("第 {} 版的变更:", version.version));
        for item in &changes.items {
            lines.push(format!(
                "  申诉 #{}:暗访 {}(网点 {})检查项 {} 由「{}」改为「{}」",
                item.appeal,
                item.visit,
                item.branch,
                item.item,
                item.old.as_deref().unwrap_or("—"),
                item.new,
            ));
        }
        for hall in &changes.halls {
            lines.push(format!(
                "  网点 {}:名次 {} → {}",
                hall.code,
                rank_text(hall.old_rank),
                rank_text(hall.new_rank)
            ));
        }
    }
    lines
}

/// A rank in the change log's lines as JSON wrote it: the number, or
/// `null` for a hall without one.
fn rank_text(rank: Option<u32>) -> String {
    rank.map_or_else(|| "null".to_string(), |r| r.to_string())
}
