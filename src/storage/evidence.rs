//! Visits as the app records and shows them one at a time: drafts, photos,
//! a single visit with its history, and an inspector's own visits. Every
//! read takes the reader's [`Visibility`], so scope is enforced in the
//! query itself.

use super::sql::{Optional, Row, Value, params};

use chrono::NaiveDateTime;

use super::review::{REVIEW_COLUMNS, Review, review_from_row};
use super::{Error, Reader, Result, Store, TIME_FORMAT, VISIT_COLUMNS, VisitRow, codec, now};
use crate::domain::access::Visibility;
use crate::domain::answer::Answer;
use crate::domain::review::TimeSource;
use crate::domain::visit::Visit;

/// A half-filled visit as the tablet last saved it.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub id: String,
    pub branch_code: Option<String>,
    /// The tablet's own JSON of the form.
    pub body: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Photo {
    pub id: String,
    pub visit_id: String,
    pub item_code: Option<String>,
    pub file: String,
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the file, hex (photos stored before review have none).
    pub sha256: Option<String>,
    /// When it was taken, and where that time came from.
    pub taken_at: Option<(NaiveDateTime, TimeSource)>,
}

/// A stored visit with where it happened and what it was before.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitRecord {
    /// The visit's row: its id for appeals.
    pub row: i64,
    pub visit: Visit,
    pub branch_name: String,
    pub district: String,
    pub city: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// Earlier versions, oldest first: (when replaced, why, version, answers).
    pub history: Vec<(String, String, u32, Vec<Answer>)>,
    /// The assignment the visit carried out; none for an unplanned visit.
    pub assignment: Option<i64>,
    pub review: Review,
}

impl VisitRecord {
    /// The id its page and the API find it by: its own id, or `n` and its
    /// row for a visit recorded without one.
    pub fn link(&self) -> String {
        self.visit
            .visit_id
            .clone()
            .unwrap_or_else(|| format!("n{}", self.row))
    }
}

/// Where a visit was made and when it was recorded, as its row says.
struct Placed {
    branch_name: String,
    district: String,
    city: Option<String>,
    recorded_by: Option<i64>,
    created_at: String,
    updated_at: String,
}

/// The columns [`photo_from_row`] reads, in its order.
const PHOTO_COLUMNS: &str =
    "id, visit_id, item_code, file, content_type, size, sha256, taken_at, taken_from";

/// A photo from a row whose first columns are [`PHOTO_COLUMNS`].
fn photo_from_row(r: &Row<'_>) -> Result<Photo> {
    let taken_at: Option<String> = r.get(7)?;
    let taken_from: Option<String> = r.get(8)?;
    Ok(Photo {
        id: r.get(0)?,
        visit_id: r.get(1)?,
        item_code: r.get(2)?,
        file: r.get(3)?,
        content_type: r.get(4)?,
        size: r.get(5)?,
        sha256: r.get(6)?,
        taken_at: taken_at
            .and_then(|t| NaiveDateTime::parse_from_str(&t, TIME_FORMAT).ok())
            .zip(taken_from.as_deref().and_then(TimeSource::parse)),
    })
}

/// The SQL condition and parameters that limit visits to what a reader may
/// see; `v`, `d` and `c` are the visits, districts and cities tables.
pub(super) fn visibility_filter(visibility: &Visibility) -> (&'static str, Vec<Value>) {
    match visibility {
        Visibility::Everything => ("1 = 1", Vec::new()),
        Visibility::City(name) => ("c.name = ?", vec![Value::Text(name.clone())]),
        Visibility::District(name) => ("d.name = ?", vec![Value::Text(name.clone())]),
        Visibility::OwnVisits { user, inspector } => (
            "(v.recorded_by = ? OR v.inspector = ?)",
            vec![Value::Integer(*user), Value::Text(inspector.clone())],
        ),
        Visibility::Nothing => ("1 = 0", Vec::new()),
    }
}

impl Reader {
    pub fn drafts(&self, user_id: i64) -> Result<Vec<Draft>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, branch_code, body, updated_at FROM drafts WHERE user_id = ?1
             ORDER BY updated_at DESC",
        )?;
        let rows = stmt.query_map([user_id], |r| {
            Ok(Draft {
                id: r.get(0)?,
                branch_code: r.get(1)?,
                body: r.get(2)?,
                updated_at: r.get(3)?,
            })
        })?;
        rows.collect::<Result<_>>()
    }

    pub fn draft(&self, id: &str, user_id: i64) -> Result<Option<Draft>> {
        self
            .conn
            .query_row(
                "SELECT id, branch_code, body, updated_at FROM drafts WHERE id = ?1 AND user_id = ?2",
                params![id, user_id],
                |r| {
                    Ok(Draft {
                        id: r.get(0)?,
                        branch_code: r.get(1)?,
                        body: r.get(2)?,
                        updated_at: r.get(3)?,
                    })
                },
            )
            .optional()
    }

    pub fn photos(&self, visit_id: &str) -> Result<Vec<Photo>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PHOTO_COLUMNS} FROM photos WHERE visit_id = ?1 ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([visit_id], photo_from_row)?;
        rows.collect::<Result<_>>()
    }

    /// A photo, if its visit is one the reader may see, or it is a photo the
    /// reader uploaded for a visit not yet submitted.
    pub fn photo(&self, id: &str, visibility: &Visibility, user_id: i64) -> Result<Option<Photo>> {
        let Some(photo) = self
            .conn
            .query_row(
                &format!("SELECT {PHOTO_COLUMNS}, user_id FROM photos WHERE id = ?1"),
                [id],
                |r| Ok((photo_from_row(r)?, r.get::<i64>(9)?)),
            )
            .optional()?
        else {
            return Ok(None);
        };
        let (photo, owner) = photo;
        // A rectification's photo is seen by whoever may see its ticket,
        // that is whoever looks after the ticket's hall.
        if let Some(ticket) = photo
            .visit_id
            .strip_prefix("rectify-")
            .and_then(|id| id.parse::<i64>().ok())
        {
            let visible = self.ticket(ticket, visibility)?.is_some();
            return Ok((owner == user_id || visible).then_some(photo));
        }
        // An appeal's photo is seen by whoever may see the appealed visit.
        let visit = match photo
            .visit_id
            .strip_prefix("appeal-")
            .and_then(|id| id.parse::<i64>().ok())
        {
            Some(appeal) => self.appeal(appeal)?.map(|(a, _)| a.visit),
            None => Some(photo.visit_id.clone()),
        };
        let visible = match visit {
            Some(visit) => self.visit_record(&visit, visibility)?.is_some(),
            None => false,
        };
        if owner == user_id || visible {
            Ok(Some(photo))
        } else {
            Ok(None)
        }
    }

    /// One visit by its id, if the reader may see it.
    pub fn visit_record(
        &self,
        visit_id: &str,
        visibility: &Visibility,
    ) -> Result<Option<VisitRecord>> {
        let by_key =
            self.visit_record_where("v.key = ?", format!("id:{visit_id}").into(), visibility)?;
        if by_key.is_some() {
            return Ok(by_key);
        }
        // Visits recorded without an id of their own are addressed by row.
        match visit_id
            .strip_prefix('n')
            .and_then(|n| n.parse::<i64>().ok())
        {
            Some(row) => self.visit_record_where("v.id = ?", row.into(), visibility),
            None => Ok(None),
        }
    }

    fn visit_record_where(
        &self,
        by: &str,
        key: Value,
        visibility: &Visibility,
    ) -> Result<Option<VisitRecord>> {
        let (filter, value) = visibility_filter(visibility);
        let sql = format!(
            "SELECT {VISIT_COLUMNS}, b.name, d.name, c.name, v.recorded_by,
                    v.created_at, v.updated_at,
                    (SELECT min(id) FROM assignments WHERE visit_id = v.id),
                    EXISTS (SELECT 1 FROM visit_history h WHERE h.visit_id = v.id),
                    {REVIEW_COLUMNS}
             FROM visits v JOIN branches b ON b.id = v.branch_id
             JOIN districts d ON d.id = b.district_id LEFT JOIN cities c ON c.id = d.city_id
             WHERE {by} AND {filter}"
        );
        let mut params: Vec<Value> = vec![key];
        params.extend(value);
        let row = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params, |r| {
                Ok((
                    VisitRow::read(r)?,
                    Placed {
                        branch_name: r.get(10)?,
                        district: r.get(11)?,
                        city: r.get(12)?,
                        recorded_by: r.get(13)?,
                        created_at: r.get(14)?,
                        updated_at: r.get(15)?,
                    },
                    r.get::<Option<i64>>(16)?,
                    r.get::<bool>(17)?,
                    review_from_row(r, 18)?,
                ))
            })
            .optional()?;
        let Some((row, placed, assignment, replaced, review)) = row else {
            return Ok(None);
        };
        let (row_id, visit) = row.into_visit(&mut Vec::new())?;
        let mut history = Vec::new();
        // Most visits were never replaced: no second query for them.
        if replaced {
            let mut stmt = self.conn.prepare_cached(
                "SELECT replaced_at, reason, checklist_version, answers FROM visit_history
                 WHERE visit_id = ?1 ORDER BY id",
            )?;
            let mut rows = stmt.query([row_id])?;
            while let Some(r) = rows.next()? {
                let mut old = Vec::new();
                codec::decode_into(r.get_ref(3)?.as_blob()?, &mut old)
                    .ok_or_else(|| Error::Corrupt(format!("暗访 {row_id} 的历史答案")))?;
                history.push((r.get(0)?, r.get(1)?, r.get(2)?, old));
            }
        }
        Ok(Some(VisitRecord {
            row: row_id,
            visit,
            branch_name: placed.branch_name,
            district: placed.district,
            city: placed.city,
            recorded_by: placed.recorded_by,
            created_at: placed.created_at,
            updated_at: placed.updated_at,
            history,
            assignment,
            review,
        }))
    }

    /// The day of the newest visit, if any.
    pub fn last_visit_day(&self) -> Result<Option<chrono::NaiveDate>> {
        self.newest_visit_day_before("9999-12-31")
    }

    /// The day of the newest visit before `day`, if any.
    pub fn last_visit_day_before(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<Option<chrono::NaiveDate>> {
        self.newest_visit_day_before(&day.format("%Y-%m-%d").to_string())
    }

    fn newest_visit_day_before(&self, bound: &str) -> Result<Option<chrono::NaiveDate>> {
        // The newest visit of each checklist is one step down the index by
        // checklist and time (every visit's checklist is stored: a foreign
        // key); the newest of all would read every visit.
        let last: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT max((SELECT max(v.visited_at) FROM visits v
                             WHERE v.checklist_id = c.id AND v.visited_at < ?1))
                 FROM (SELECT DISTINCT id FROM checklists) c",
            )?
            .query_row([bound], |r| r.get(0))?;
        Ok(last.and_then(|t| {
            chrono::NaiveDate::parse_from_str(&t[..10.min(t.len())], "%Y-%m-%d").ok()
        }))
    }

    /// A hall's visits in a range of days that the reader may see, with the
    /// id their page is found by, newest first.
    pub fn branch_visits(
        &self,
        code: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        visibility: &Visibility,
    ) -> Result<Vec<(String, Visit)>> {
        let (filter, value) = visibility_filter(visibility);
        let (start, end) = super::day_bounds(from, to);
        let sql = format!(
            "SELECT v.id, v.visit_id FROM visits v JOIN branches b ON b.id = v.branch_id
             JOIN districts d ON d.id = b.district_id LEFT JOIN cities c ON c.id = d.city_id
             WHERE b.code = ? AND v.visited_at >= ? AND v.visited_at < ? AND {filter}
             ORDER BY v.visited_at DESC"
        );
        let mut params: Vec<Value> = vec![code.to_string().into(), start.into(), end.into()];
        params.extend(value);
        let links: Vec<String> = {
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(params, |r| {
                Ok(r.get::<Option<String>>(1)?
                    .unwrap_or_else(|| format!("n{}", r.get::<i64>(0).unwrap_or(0))))
            })?;
            rows.collect::<Result<_>>()?
        };
        let mut out = Vec::with_capacity(links.len());
        for link in links {
            if let Some(record) = self.visit_record(&link, visibility)? {
                out.push((link, record.visit));
            }
        }
        Ok(out)
    }

    /// The newest visits the reader may see (an inspector: their own),
    /// with hall name and visit rate inputs, newest first.
    pub fn recent_visits(&self, visibility: &Visibility, limit: u32) -> Result<Vec<VisitRecord>> {
        let (filter, value) = visibility_filter(visibility);
        let sql = format!(
            "SELECT v.visit_id FROM visits v JOIN branches b ON b.id = v.branch_id
             JOIN districts d ON d.id = b.district_id LEFT JOIN cities c ON c.id = d.city_id
             WHERE v.visit_id IS NOT NULL AND {filter}
             ORDER BY v.visited_at DESC, v.id DESC LIMIT {limit}"
        );
        let ids: Vec<String> = {
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(value, |r| r.get(0))?;
            rows.collect::<Result<_>>()?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(record) = self.visit_record(&id, visibility)? {
                out.push(record);
            }
        }
        Ok(out)
    }
}

impl Store {
    pub fn save_draft(
        &mut self,
        id: &str,
        user_id: i64,
        branch_code: Option<&str>,
        body: &str,
    ) -> Result<()> {
        let changed = self.conn.execute(
            "INSERT INTO drafts (id, user_id, branch_code, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET branch_code = excluded.branch_code,
                body = excluded.body, updated_at = excluded.updated_at
             WHERE drafts.user_id = excluded.user_id",
            params![id, user_id, branch_code, body, now()],
        )?;
        if changed == 0 {
            return Err(Error::NotFound(format!("没有草稿 {id}")));
        }
        Ok(())
    }

    pub fn delete_draft(&mut self, id: &str, user_id: i64) -> Result<()> {
        self.conn.execute_later(
            "DELETE FROM drafts WHERE id = ?1 AND user_id = ?2",
            params![id, user_id],
        )
    }

    pub fn add_photo(&mut self, photo: &Photo, user_id: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO photos (id, visit_id, item_code, user_id, file, content_type, size, created_at,
                sha256, taken_at, taken_from)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                photo.id,
                photo.visit_id,
                photo.item_code,
                user_id,
                photo.file,
                photo.content_type,
                photo.size,
                now(),
                photo.sha256,
                photo
                    .taken_at
                    .map(|(at, _)| at.format(TIME_FORMAT).to_string()),
                photo.taken_at.map(|(_, source)| source.as_str())
            ],
        )?;
        Ok(())
    }
}
