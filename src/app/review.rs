//! Review before a visit counts, shared by the command line and the API:
//! the flags found when a visit or a photo arrives, the reviewer's queue
//! and decisions, and the capture time of a photo.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::domain::access::User;
use crate::domain::period::Period;
use crate::domain::review::{
    self, Decision, DecisionError, Other, Photo, Status, Subject, TimeSource, status_word,
};
use crate::domain::visit::Visit;
use crate::storage::{self, Decided, Queued, Reader, Store, StoredFlag};

/// Visits this many days either side of a visit are compared with it: a
/// quarter, and more than any lockout.
const COMPARED_DAYS: i64 = 92;

/// Why a decision was not taken; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// No such visit among those the reviewer looks after.
    #[error("没有暗访 {0}(或不在您的审核范围内),未做任何修改")]
    NotFound(String),
    #[error("暗访 {id}:{error},未做任何修改")]
    Decision { id: String, error: DecisionError },
    #[error("您没有审核暗访的权限:审核员是管理员和获准审核的经理(user add --can-review)")]
    NotReviewer,
    #[error(transparent)]
    Storage(#[from] storage::Error),
}

/// When a photo was taken: its EXIF DateTimeOriginal when the file still
/// has it, else the time the tablet read before resizing it.
pub fn capture_time(
    bytes: &[u8],
    device: Option<NaiveDateTime>,
) -> Option<(NaiveDateTime, TimeSource)> {
    exif_time(bytes)
        .map(|at| (at, TimeSource::Exif))
        .or(device.map(|at| (at, TimeSource::Device)))
}

fn exif_time(bytes: &[u8]) -> Option<NaiveDateTime> {
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .ok()?;
    let field = exif.get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)?;
    let exif::Value::Ascii(text) = &field.value else {
        return None;
    };
    let at = exif::DateTime::from_ascii(text.first()?).ok()?;
    NaiveDate::from_ymd_opt(at.year.into(), at.month.into(), at.day.into())?.and_hms_opt(
        at.hour.into(),
        at.minute.into(),
        at.second.into(),
    )
}

/// Finds and stores the flags of the visit `id` if its checklist asks for
/// review; visits of other checklists are not looked at.
pub fn refresh_flags(store: &mut Store, id: &str) -> storage::Result<()> {
    let everything = crate::domain::access::Visibility::Everything;
    let Some(record) = store.visit_record(id, &everything)? else {
        return Ok(());
    };
    let visit = &record.visit;
    if !store.asks_review(&visit.checklist_id, visit.checklist_version)? {
        return Ok(());
    }
    let checklist = store.checklist_version(&visit.checklist_id, visit.checklist_version)?;
    let photos: Vec<Photo> = match &visit.visit_id {
        Some(own) => store
            .photos(own)?
            .into_iter()
            .filter_map(|p| {
                Some(Photo {
                    sha256: p.sha256?,
                    taken_at: p.taken_at,
                })
            })
            .collect(),
        None => Vec::new(),
    };
    let day = visit.visited_at.date();
    let compared = store.visits_to_compare(
        &visit.checklist_id,
        day - Duration::days(COMPARED_DAYS),
        day + Duration::days(COMPARED_DAYS),
    )?;
    let link = record.link();
    let others: Vec<Other> = compared
        .iter()
        .map(|c| Other {
            visit_id: &c.id,
            inspector: c.inspector.as_deref(),
            branch_code: &c.branch_code,
            checklist: (&visit.checklist_id, c.checklist_version),
            visited_at: c.visited_at,
            photo_hashes: &c.photo_hashes,
            answers: &c.answers,
        })
        .collect();
    // A visit's hall is on the roster; the usual hours stand in should it
    // ever not be.
    let hours = store.branch_hours(&visit.branch_code)?.unwrap_or_default();
    let subject = Subject {
        visit_id: &link,
        inspector: visit.inspector.as_deref(),
        branch_code: &visit.branch_code,
        checklist: (&visit.checklist_id, visit.checklist_version),
        visited_at: visit.visited_at,
        minutes_at_hall: record.review.minutes_at_hall,
        stopwatch_minutes: review::stopwatch_minutes(&checklist, &visit.answers),
        hours: &hours,
        photos: &photos,
        answers: &visit.answers,
    };
    let flags = review::flags(&subject, &others, review::LOCKOUT_DAYS);
    store.set_flags(record.row, &flags)
}

/// Flags a visit that just arrived if its checklist asks for review; the
/// others are not looked at, nor read back to find that out (a national
/// import, or a thousand submissions a second, would pay for it).
pub fn flag_arrival(store: &mut Store, visit: &Visit) -> storage::Result<()> {
    if !store.asks_review(&visit.checklist_id, visit.checklist_version)? {
        return Ok(());
    }
    flag_stored(store, &visit.key())
}

/// Flags the visit stored under `key`, if there is one, as it stands now.
pub fn flag_stored(store: &mut Store, key: &str) -> storage::Result<()> {
    match store.visit_row_by_key(key)? {
        Some(row) => refresh_flags(store, &format!("n{row}")),
        None => Ok(()),
    }
}

/// `review list --format json` and `GET /api/v1/reviews`.
#[derive(Debug, Serialize)]
pub struct QueueJson {
    pub period: crate::app::report::PeriodJson,
    pub status: &'static str,
    pub visits: Vec<QueuedJson>,
}

#[derive(Debug, Serialize)]
pub struct QueuedJson {
    pub id: String,
    pub branch_code: String,
    pub branch_name: String,
    pub district: String,
    pub checklist: String,
    pub visited_at: String,
    pub inspector: Option<String>,
    pub status: &'static str,
    pub comment: Option<String>,
    pub flags: Vec<StoredFlag>,
}

/// The visits of a period in `status` that the reviewer looks after.
pub fn queue(
    store: &Reader,
    reviewer: &User,
    period: Period,
    status: Status,
) -> Result<QueueJson, Refusal> {
    if !reviewer.may_review() {
        return Err(Refusal::NotReviewer);
    }
    let visits = store.review_queue(period.from, period.to, status, &reviewer.visibility())?;
    Ok(QueueJson {
        period: period.into(),
        status: status.as_str(),
        visits: visits.into_iter().map(queued_json).collect(),
    })
}

fn queued_json(q: Queued) -> QueuedJson {
    QueuedJson {
        id: q.id,
        branch_code: q.branch_code,
        branch_name: q.branch_name,
        district: q.district,
        checklist: q.checklist_id,
        visited_at: q.visited_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        inspector: q.inspector,
        status: q.review.status.as_str(),
        comment: q.review.comment,
        flags: q.review.flags,
    }
}

/// The pending visits of a period that raised no flag, which a reviewer
/// may accept at once.
pub fn unflagged(store: &Reader, reviewer: &User, period: Period) -> Result<Vec<String>, Refusal> {
    Ok(queue(store, reviewer, period, Status::Pending)?
        .visits
        .into_iter()
        .filter(|v| v.flags.is_empty())
        .map(|v| v.id)
        .collect())
}

/// Takes one decision about every visit of `ids`, or none: each must be a
/// pending visit the reviewer looks after, and a return or an exclusion
/// needs its comment. The status each visit is left in, in order.
pub fn decide(
    store: &mut Store,
    reviewer: &User,
    ids: &[String],
    decision: Decision,
    comment: Option<&str>,
) -> Result<Vec<(String, Status)>, Refusal> {
    if !reviewer.may_review() {
        return Err(Refusal::NotReviewer);
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    let visibility = reviewer.visibility();
    let mut decided = Vec::with_capacity(ids.len());
    for id in ids {
        let record = store
            .visit_record(id, &visibility)?
            .ok_or_else(|| Refusal::NotFound(id.clone()))?;
        let status = decision
            .apply(record.review.status, comment)
            .map_err(|error| Refusal::Decision {
                id: id.clone(),
                error,
            })?;
        decided.push(Decided {
            row: record.row,
            id: record.link(),
            decision,
            status,
            comment: comment.map(str::to_string),
        });
    }
    store.decide(&decided, &reviewer.name)?;
    Ok(decided.into_iter().map(|d| (d.id, d.status)).collect())
}

/// What a report says of the visits still waiting for review, if any.
pub fn pending_note(pending: usize) -> Option<String> {
    (pending > 0).then(|| format!("另有 {pending} 次暗访待审核,审核通过前不计入任何数字"))
}

/// Why a period may not be published yet: its pending visits, named.
pub fn unreviewed(
    store: &Reader,
    checklist_id: &str,
    period: Period,
) -> storage::Result<Option<String>> {
    let pending = store.pending_visits(checklist_id, period.from, period.to)?;
    Ok((!pending.is_empty()).then(|| {
        format!(
            "期间 {period} 还有 {} 次暗访{}:{};审核完毕后才能发布,本次未发布",
            pending.len(),
            status_word(Status::Pending),
            pending.join("、")
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 JPEG whose EXIF says it was taken 2026-07-03 09:15:00.
    fn jpeg_with_exif() -> Vec<u8> {
        let date = b"2026:07:03 09:15:00\0";
        // TIFF header (big-endian), IFD0 with one entry pointing to the
        // EXIF IFD, which holds DateTimeOriginal.
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08");
        // IFD0: 1 entry, ExifIFDPointer (0x8769) LONG 1 → offset 26.
        tiff.extend_from_slice(&[0, 1, 0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
        // EXIF IFD at 26: 1 entry, DateTimeOriginal (0x9003) ASCII 20 → 44.
        tiff.extend_from_slice(&[0, 1, 0x90, 0x03, 0, 2, 0, 0, 0, 20, 0, 0, 0, 44, 0, 0, 0, 0]);
        tiff.extend_from_slice(date);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let len = u16::try_from(app1.len() + 2).expect("short");
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
        jpeg.extend_from_slice(&len.to_be_bytes());
        jpeg.extend_from_slice(&app1);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        jpeg
    }

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("a time")
    }

    #[test]
    fn exif_wins_over_the_device_time() {
        let device = at("2026-07-03 12:00:00");
        assert_eq!(
            capture_time(&jpeg_with_exif(), Some(device)),
            Some((at("2026-07-03 09:15:00"), TimeSource::Exif))
        );
        let plain = [0xFF, 0xD8, 0xFF, 0xD9];
        assert_eq!(
            capture_time(&plain, Some(device)),
            Some((device, TimeSource::Device))
        );
        assert_eq!(capture_time(&plain, None), None);
    }
}
