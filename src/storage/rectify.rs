//! Rectification tickets: opened at publication, answered and decided by
//! people, settled by the first accepted visit after the period, withdrawn
//! when an appeal gives the points back.

use std::collections::{BTreeMap, HashMap};

use super::sql::{Optional, Row, Value, batches, params};
use chrono::{Local, NaiveDate, NaiveDateTime};
use serde_json::json;

use super::evidence::visibility_filter;
use super::{Error, Reader, Result, Store, audit, codec, now, parse_time};
use crate::domain::access::Visibility;
use crate::domain::answer::Answer;
use crate::domain::period::Period;
use crate::domain::plan::{Kind, Planned};
use crate::domain::rectify::{self, Action, Deadline, Load, Outcome, Status};

/// A ticket to open: a hall and item that lost points in the period, with
/// the rows of the visits where it did.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    pub branch_code: String,
    pub item_code: String,
    pub critical: bool,
    /// Days the hall has to fix it.
    pub days: u32,
    pub visits: Vec<i64>,
}

/// A ticket as people see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: i64,
    pub checklist_id: String,
    pub period: String,
    pub branch_code: String,
    pub branch_name: String,
    pub district: String,
    pub city: Option<String>,
    pub item_code: String,
    pub critical: bool,
    pub opened_at: NaiveDateTime,
    pub due: NaiveDate,
    pub status: Status,
    /// A visit after the period found the item failing again.
    pub repeated: bool,
    pub response: Option<String>,
    pub responded_by: Option<String>,
    pub responded_at: Option<NaiveDateTime>,
    /// Headquarters' last decision: who, when, and the comment.
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision: Option<String>,
    /// The id of the visit that settled it, and its day.
    pub settled_by: Option<String>,
    pub settled_on: Option<NaiveDate>,
    /// The ids of the period's visits that lost points on the item.
    pub visits: Vec<String>,
    /// An appeal on one of those answers is still open.
    pub under_appeal: bool,
    /// The re-visit planned for it.
    pub revisit: Option<i64>,
}

impl Ticket {
    pub fn deadline(&self) -> Deadline {
        Deadline {
            status: self.status,
            due: self.due,
            responded_at: self.responded_at,
            under_appeal: self.under_appeal,
        }
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.deadline().is_overdue(today)
    }
}

/// Which tickets to read.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub checklist_id: Option<String>,
    pub period: Option<Period>,
    pub branch_code: Option<String>,
    pub id: Option<i64>,
    /// Withdrawn tickets too.
    pub withdrawn: bool,
    pub evidence: Evidence,
}

/// Whether tickets are read with their evidence: the visits that found the
/// item failing and the visit that settled it, the part of a ticket read
/// per ticket. Figures and a page of a long list do without (a national
/// quarter has about 95,000 tickets) and read it for the tickets they show
/// with [`Reader::read_evidence`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Evidence {
    #[default]
    Read,
    Left,
}

/// A ticket's columns, as [`ticket_from_row`] reads them, its evidence
/// left out when `evidence` says so. Whether it is under appeal is looked
/// up in the set of tickets with an open appeal, found once from those
/// appeals (a few), not per ticket (95,000 of a national quarter).
fn ticket_columns(evidence: Evidence) -> String {
    let (settled_by, visits) = match evidence {
        Evidence::Read => (SETTLED_BY, VISITS),
        Evidence::Left => ("NULL", "NULL"),
    };
    format!(
        "r.id, r.checklist_id, r.period, r.branch_code, b.name, d.name, c.name,
        r.item_code, r.critical, r.opened_at, r.due, r.status, r.repeated, r.response,
        r.responded_by, r.responded_at, r.decided_by, r.decided_at, r.decision,
        {settled_by}, r.settled_on, {visits},
        r.id IN (SELECT rv.rectification_id
                 FROM appeals a CROSS JOIN rectification_visits rv CROSS JOIN rectifications t
                 WHERE a.status = 'open' AND rv.visit_row = a.visit_row
                   AND t.id = rv.rectification_id AND t.item_code = a.item_code),
        r.revisit"
    )
}

/// The public id of the visit that settled ticket `r`.
const SETTLED_BY: &str =
    "(SELECT coalesce(v.visit_id, 'n' || v.id) FROM visits v WHERE v.id = r.settled_by)";

/// The public ids of ticket `r`'s visits, oldest first, as one text (see
/// [`visit_list`]).
const VISITS: &str =
    "(SELECT string_agg(coalesce(v.visit_id, 'n' || v.id), '\u{1f}' ORDER BY v.visited_at, v.id)
    FROM rectification_visits rv JOIN visits v ON v.id = rv.visit_row
    WHERE rv.rectification_id = r.id)";

/// The visits [`VISITS`] joined into one text.
fn visit_list(joined: Option<String>) -> Vec<String> {
    joined
        .map(|v| v.split('\u{1f}').map(str::to_string).collect())
        .unwrap_or_default()
}

/// The SQL condition of a ticket whose item the next visit checks: not
/// settled yet, or found failing again.
const TO_RECHECK: &str = "((settled_by IS NULL AND status IN ('open', 'responded', 'closed'))
    OR status = 'repeated')";

/// How many halls one query for their tickets names.
const HALLS_A_QUERY: usize = 512;

/// How many tickets one statement opens or settles.
const TICKETS_A_STATEMENT: usize = 512;

/// How many pairs of a ticket and one of its visits one statement stores.
const LINKS_A_STATEMENT: usize = 2048;

/// A ticket as it is opened: its due date, from the day it is opened or
/// later when a visit already found the item failing again; its status;
/// the visit that settled it, if one did.
fn opened_as<'a>(opening: &Opening<'a>) -> (NaiveDate, Status, Option<&'a Later>) {
    let days = opening.ticket.days;
    let due = rectify::due(opening.opened_at.date(), days);
    match opening.check {
        Some((visit, outcome)) => {
            let due = match outcome {
                Outcome::Repeated => rectify::due_again(due, visit.day, days),
                Outcome::Verified => due,
            };
            (due, outcome.status(), Some(visit))
        }
        None => (due, Status::Open, None),
    }
}

/// The values of a ticket's row as [`Store::store_openings`] inserts it.
fn opening_values(opening: &Opening<'_>) -> [Value; 13] {
    let Opening {
        checklist_id,
        period,
        ticket,
        opened_at,
        ..
    } = *opening;
    let (due, status, settled) = opened_as(opening);
    let text = |t: Option<String>| t.map_or(Value::Null, Value::Text);
    [
        Value::Text(checklist_id.to_string()),
        Value::Text(period.to_string()),
        Value::Text(period.to.to_string()),
        Value::Text(ticket.branch_code.clone()),
        Value::Text(ticket.item_code.clone()),
        Value::Integer(i64::from(ticket.critical)),
        Value::Text(opened_at.format(super::TIME_FORMAT).to_string()),
        Value::Integer(i64::from(ticket.days)),
        Value::Text(due.to_string()),
        Value::Text(status.as_str().to_string()),
        Value::Integer(i64::from(status == Status::Repeated)),
        settled.map_or(Value::Null, |v| Value::Integer(v.row)),
        text(settled.map(|v| v.day.to_string())),
    ]
}

fn day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Error::Corrupt(format!("整改单的日期「{text}」")))
}

fn ticket_from_row(r: &Row<'_>) -> Result<Ticket> {
    let time = |index: usize| -> Result<Option<NaiveDateTime>> {
        r.get::<Option<String>>(index)?
            .as_deref()
            .map(parse_time)
            .transpose()
    };
    let id: i64 = r.get(0)?;
    let status: String = r.get(11)?;
    let visits: Option<String> = r.get(21)?;
    Ok(Ticket {
        id,
        checklist_id: r.get(1)?,
        period: r.get(2)?,
        branch_code: r.get(3)?,
        branch_name: r.get(4)?,
        district: r.get(5)?,
        city: r.get(6)?,
        item_code: r.get(7)?,
        critical: r.get(8)?,
        opened_at: parse_time(&r.get::<String>(9)?)?,
        due: day(&r.get::<String>(10)?)?,
        status: Status::parse(&status)
            .ok_or_else(|| Error::Corrupt(format!("整改单 {id} 的状态「{status}」")))?,
        repeated: r.get(12)?,
        response: r.get(13)?,
        responded_by: r.get(14)?,
        responded_at: time(15)?,
        decided_by: r.get(16)?,
        decided_at: time(17)?,
        decision: r.get(18)?,
        settled_by: r.get(19)?,
        settled_on: r
            .get::<Option<String>>(20)?
            .as_deref()
            .map(day)
            .transpose()?,
        visits: visit_list(visits),
        under_appeal: r.get(22)?,
        revisit: r.get(23)?,
    })
}

/// The SQL condition and parameters that limit tickets to a reader's
/// halls; `d` and `c` are the districts and cities tables. Inspectors
/// answer for no hall, so they see no ticket.
fn scope_filter(visibility: &Visibility) -> (&'static str, Vec<Value>) {
    match visibility {
        Visibility::OwnVisits { .. } => ("1 = 0", Vec::new()),
        scope => visibility_filter(scope),
    }
}

impl Reader {
    /// The tickets a reader may see, by due date, hall and item.
    pub fn tickets(&self, filter: &TicketFilter, visibility: &Visibility) -> Result<Vec<Ticket>> {
        let (scope, mut values) = scope_filter(visibility);
        let mut sql = format!(
            "SELECT {} FROM rectifications r
             JOIN branches b ON b.code = r.branch_code JOIN districts d ON d.id = b.district_id
             LEFT JOIN cities c ON c.id = d.city_id WHERE {scope}",
            ticket_columns(filter.evidence)
        );
        if let Some(id) = &filter.checklist_id {
            sql.push_str(" AND r.checklist_id = ?");
            values.push(Value::Text(id.clone()));
        }
        if let Some(period) = &filter.period {
            sql.push_str(" AND r.period = ?");
            values.push(Value::Text(period.to_string()));
        }
        if let Some(code) = &filter.branch_code {
            sql.push_str(" AND r.branch_code = ?");
            values.push(Value::Text(code.clone()));
        }
        if let Some(id) = filter.id {
            sql.push_str(" AND r.id = ?");
            values.push(Value::Integer(id));
        }
        if !filter.withdrawn {
            sql.push_str(" AND r.status <> 'withdrawn'");
        }
        sql.push_str(" ORDER BY r.due, r.branch_code, r.item_code, r.id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(values)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(ticket_from_row(&r)?);
        }
        Ok(out)
    }

    /// Reads the evidence of `tickets` read without it (see [`Evidence`]).
    pub fn read_evidence(&self, tickets: &mut [Ticket]) -> Result<()> {
        if tickets.is_empty() {
            return Ok(());
        }
        let marks = vec!["?"; tickets.len()].join(", ");
        let mut stmt = self.conn.prepare(&format!(
            "SELECT r.id, {SETTLED_BY}, {VISITS} FROM rectifications r WHERE r.id IN ({marks})"
        ))?;
        let ids: Vec<Value> = tickets.iter().map(|t| Value::Integer(t.id)).collect();
        let mut found: HashMap<i64, (Option<String>, Vec<String>)> = HashMap::new();
        let mut rows = stmt.query(ids)?;
        while let Some(r) = rows.next()? {
            found.insert(r.get(0)?, (r.get(1)?, visit_list(r.get(2)?)));
        }
        for ticket in tickets {
            if let Some((settled_by, visits)) = found.remove(&ticket.id) {
                ticket.settled_by = settled_by;
                ticket.visits = visits;
            }
        }
        Ok(())
    }

    /// One ticket, if the reader may see it.
    pub fn ticket(&self, id: i64, visibility: &Visibility) -> Result<Option<Ticket>> {
        let filter = TicketFilter {
            id: Some(id),
            ..TicketFilter::default()
        };
        Ok(self.tickets(&filter, visibility)?.into_iter().next())
    }

    /// The codes of the items of a hall whose tickets wait for the next
    /// visit to check them: not settled yet, or found failing again.
    pub fn items_to_recheck(&self, branch_code: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT DISTINCT item_code FROM rectifications
             WHERE branch_code = ?1 AND {TO_RECHECK} ORDER BY item_code"
        ))?;
        let rows = stmt.query_map([branch_code], |r| r.get(0))?;
        rows.collect::<Result<_>>()
    }

    /// [`Reader::items_to_recheck`] of every hall that has any, by hall
    /// code: what the tablet keeps for the halls it may visit offline.
    pub fn items_to_recheck_by_hall(&self) -> Result<BTreeMap<String, Vec<String>>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT DISTINCT branch_code, item_code FROM rectifications
             WHERE {TO_RECHECK} ORDER BY branch_code, item_code"
        ))?;
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut rows = stmt.query(())?;
        while let Some(r) = rows.next()? {
            out.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
        Ok(out)
    }

    /// The tickets a period's accepted visits call for: one per hall and
    /// item that lost points on any of them, with those visits, in hall and
    /// checklist order.
    pub fn tickets_to_open(&self, checklist_id: &str, period: Period) -> Result<Vec<NewTicket>> {
        let (start, end) = super::day_bounds(period.from, period.to);
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.id, b.code, v.checklist_version, v.answers
             FROM visits v JOIN branches b ON b.id = v.branch_id
             WHERE v.checklist_id = ?1 AND v.visited_at >= ?2 AND v.visited_at < ?3
               AND v.status = 'accepted'
             ORDER BY b.code, v.visited_at, v.id",
        )?;
        let mut rows = stmt.query(params![checklist_id, start, end])?;
        let mut tickets: Vec<NewTicket> = Vec::new();
        let mut at: HashMap<(String, String), usize> = HashMap::new();
        let mut answers = Vec::new();
        while let Some(r) = rows.next()? {
            let row: i64 = r.get(0)?;
            let branch_code: String = r.get(1)?;
            let checklist = self.shared_checklist(checklist_id, r.get(2)?)?;
            codec::decode_into(r.get_ref(3)?.as_blob()?, &mut answers)
                .ok_or_else(|| Error::Corrupt(format!("暗访 {row} 的答案")))?;
            for (index, ((_, item), answer)) in checklist.items().zip(&answers).enumerate() {
                if !rectify::loses_points(item, *answer) {
                    continue;
                }
                let key = (branch_code.clone(), item.code.clone());
                let slot = *at.entry(key).or_insert_with(|| {
                    tickets.push(NewTicket {
                        branch_code: branch_code.clone(),
                        item_code: item.code.clone(),
                        critical: rectify::is_critical(item),
                        days: rectify::rectify_days(&checklist, index),
                        visits: Vec::new(),
                    });
                    tickets.len() - 1
                });
                tickets[slot].visits.push(row);
            }
        }
        Ok(tickets)
    }

    /// Whether a checklist's period has tickets at all.
    pub fn has_tickets(&self, checklist_id: &str, period: Period) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT 1 FROM rectifications WHERE checklist_id = ?1 AND period = ?2")?
            .exists(params![checklist_id, period.to_string()])
    }
}

/// A ticket as settlement needs it.
struct Unsettled {
    id: i64,
    checklist_id: String,
    period_end: NaiveDate,
    branch_code: String,
    item_code: String,
    days: u32,
    due: NaiveDate,
    settled_by: Option<i64>,
    /// What the settling visit found, as last recorded.
    repeated: bool,
    /// Whether a re-visit is planned and not made yet.
    revisit_planned: bool,
}

/// A ticket a visit settles: the visit, what it found, and the due date
/// that follows.
struct Settlement<'t> {
    ticket: &'t Unsettled,
    row: i64,
    day: NaiveDate,
    outcome: Outcome,
    due: NaiveDate,
}

/// The ticket a re-visit is planned for, as planning needs it.
struct RevisitFor {
    id: i64,
    branch_code: String,
    due: NaiveDate,
}

/// A visit that may settle tickets.
struct Later {
    row: i64,
    day: NaiveDate,
    version: u32,
    answers: Vec<Answer>,
}

/// A ticket being opened, and what the first visit after its period found.
#[derive(Clone, Copy)]
struct Opening<'a> {
    checklist_id: &'a str,
    period: Period,
    ticket: &'a NewTicket,
    opened_at: NaiveDateTime,
    check: Option<(&'a Later, Outcome)>,
}

impl Store {
    /// Opens the tickets of a published period that are not open yet,
    /// settled at once by visits already made after the period, and plans
    /// re-visits for critical items and repeated ones. A ticket already
    /// open gains the visits it lacks. The ids of the tickets opened.
    pub fn open_tickets(
        &mut self,
        checklist_id: &str,
        period: Period,
        tickets: &[NewTicket],
        actor: &str,
    ) -> Result<Vec<i64>> {
        self.atomically(|store| {
            let opened_at = Local::now().naive_local();
            let mut later: HashMap<&str, Vec<Later>> = HashMap::new();
            for ticket in tickets {
                let code = ticket.branch_code.as_str();
                if !later.contains_key(code) {
                    let visits = store.visits_after(code, checklist_id, period.to)?;
                    later.insert(code, visits);
                }
            }
            let openings = tickets
                .iter()
                .map(|ticket| {
                    let visits = &later[ticket.branch_code.as_str()];
                    Ok(Opening {
                        checklist_id,
                        period,
                        ticket,
                        opened_at,
                        check: store.first_check(checklist_id, &ticket.item_code, visits)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let ids = store.store_openings(&openings)?;
            let mut revisits = Vec::new();
            let mut opened = Vec::new();
            for (opening, id) in openings.iter().zip(ids) {
                let Some(id) = id else {
                    continue;
                };
                opened.push(id);
                let after = match opening.check {
                    Some((visit, Outcome::Repeated)) => visit.day,
                    None if opening.ticket.critical => opened_at.date(),
                    _ => continue,
                };
                let ticket = RevisitFor {
                    id,
                    branch_code: opening.ticket.branch_code.clone(),
                    due: opened_as(opening).0,
                };
                revisits.push((ticket, after));
            }
            let mut plans = None;
            for (ticket, after) in revisits {
                store.plan_revisit(ticket, after, &mut plans, actor)?;
            }
            if !opened.is_empty() {
                // One entry for the publication's tickets: thousands of
                // entries would bury everything else in the log.
                audit::record(
                    &store.conn,
                    &audit::Entry {
                        actor,
                        action: "rectify.open",
                        entity: "rectification",
                        id: None,
                        before: None,
                        after: Some(&json!({
                            "checklist": checklist_id,
                            "period": period.to_string(),
                            "tickets": opened.len(),
                            "first": opened.first(),
                            "last": opened.last(),
                        })),
                    },
                )?;
            }
            Ok(opened)
        })
    }

    /// Stores the tickets of `openings`, each settled already when its
    /// check says so, unless the period has it; either way each gains the
    /// visits it lacks. For each, its id when it is new. A few hundred
    /// tickets to a statement: a national quarter opens about 100,000.
    fn store_openings(&mut self, openings: &[Opening<'_>]) -> Result<Vec<Option<i64>>> {
        let mut inserted: HashMap<(String, String), i64> = HashMap::new();
        for some in batches(openings, TICKETS_A_STATEMENT) {
            let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; some.len()].join(", ");
            let mut values: Vec<Value> = Vec::with_capacity(some.len() * 13);
            for opening in some {
                values.extend(opening_values(opening));
            }
            let mut stmt = self.conn.prepare_cached(&format!(
                "INSERT INTO rectifications (checklist_id, period, period_end, branch_code,
                    item_code, critical, opened_at, days, due, status, repeated, settled_by,
                    settled_on)
                 VALUES {rows}
                 ON CONFLICT (checklist_id, period, branch_code, item_code) DO NOTHING
                 RETURNING branch_code, item_code, id"
            ))?;
            let new = stmt.query_map(values.as_slice(), |r| {
                Ok(((r.get(0)?, r.get(1)?), r.get(2)?))
            })?;
            for ticket in new {
                let (key, id) = ticket?;
                inserted.insert(key, id);
            }
        }
        let key = |o: &Opening<'_>| (o.ticket.branch_code.clone(), o.ticket.item_code.clone());
        // Tickets the period had already: a publication of a new version.
        let known = match openings.first() {
            Some(first) if inserted.len() < openings.len() => {
                self.ticket_ids(first.checklist_id, first.period)?
            }
            _ => HashMap::new(),
        };
        let mut links = Vec::new();
        for opening in openings {
            let key = key(opening);
            let id = inserted
                .get(&key)
                .or_else(|| known.get(&key))
                .ok_or_else(|| {
                    Error::Corrupt(format!("网点 {} 检查项 {} 的整改单", key.0, key.1))
                })?;
            links.extend(opening.ticket.visits.iter().map(|&visit| (*id, visit)));
        }
        for some in batches(&links, LINKS_A_STATEMENT) {
            let rows = vec!["(?, ?)"; some.len()].join(", ");
            let values: Vec<i64> = some.iter().flat_map(|&(id, visit)| [id, visit]).collect();
            self.conn.execute(
                &format!(
                    "INSERT INTO rectification_visits (rectification_id, visit_row)
                     VALUES {rows} ON CONFLICT DO NOTHING"
                ),
                values.as_slice(),
            )?;
        }
        Ok(openings
            .iter()
            .map(|o| inserted.get(&key(o)).copied())
            .collect())
    }

    /// The ids of a period's tickets, by hall and item.
    fn ticket_ids(
        &self,
        checklist_id: &str,
        period: Period,
    ) -> Result<HashMap<(String, String), i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT branch_code, item_code, id FROM rectifications
             WHERE checklist_id = ?1 AND period = ?2",
        )?;
        let rows = stmt.query_map(params![checklist_id, period.to_string()], |r| {
            Ok(((r.get(0)?, r.get(1)?), r.get(2)?))
        })?;
        rows.collect()
    }

    /// A person acts on a ticket: the district responds, headquarters
    /// closes or reopens. The ticket's new status.
    pub fn act_on_ticket(
        &mut self,
        id: i64,
        action: Action,
        text: &str,
        actor: &str,
    ) -> Result<Status> {
        self.atomically(|store| {
            let status: String = store
                .conn
                .query_row(
                    "SELECT status FROM rectifications WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| Error::NotFound(format!("没有整改单 #{id}")))?;
            let before = Status::parse(&status)
                .ok_or_else(|| Error::Corrupt(format!("整改单 {id} 的状态「{status}」")))?;
            let after = action
                .apply(before)
                .map_err(|refused| Error::Duplicate(format!("整改单 #{id}:{refused}")))?;
            let sql = match action {
                Action::Respond => {
                    "UPDATE rectifications SET status = ?2, response = ?3, responded_by = ?4,
                        responded_at = ?5 WHERE id = ?1"
                }
                Action::Close | Action::Reopen => {
                    "UPDATE rectifications SET status = ?2, decision = ?3, decided_by = ?4,
                        decided_at = ?5 WHERE id = ?1"
                }
            };
            store
                .conn
                .execute(sql, params![id, after.as_str(), text, actor, now()])?;
            audit::record(
                &store.conn,
                &audit::Entry {
                    actor,
                    action: &format!("rectify.{}", action.as_str()),
                    entity: "rectification",
                    id: Some(&id.to_string()),
                    before: Some(&json!({"status": before.as_str()})),
                    after: Some(&json!({"status": after.as_str(), "text": text})),
                },
            )?;
            Ok(after)
        })
    }

    /// Settles the tickets of the halls `branches` by the first accepted
    /// visit after each ticket's period where its item applies, however
    /// late that visit was recorded. A ticket is settled again only when
    /// that visit changes; one found failing again gets a new due date and,
    /// when a plan allows, a re-visit.
    pub(super) fn settle(&mut self, branches: &[&str], actor: &str) -> Result<()> {
        let tickets = self.unsettled(branches)?;
        if tickets.is_empty() {
            return Ok(());
        }
        let mut later: HashMap<(String, String, NaiveDate), Vec<Later>> = HashMap::new();
        for ticket in &tickets {
            let key = (
                ticket.branch_code.clone(),
                ticket.checklist_id.clone(),
                ticket.period_end,
            );
            if let std::collections::hash_map::Entry::Vacant(slot) = later.entry(key) {
                let (branch, checklist, end) = slot.key();
                let visits = self.visits_after(branch, checklist, *end)?;
                slot.insert(visits);
            }
        }
        let mut settlements = Vec::new();
        for ticket in &tickets {
            let visits = &later[&(
                ticket.branch_code.clone(),
                ticket.checklist_id.clone(),
                ticket.period_end,
            )];
            let Some((visit, outcome)) =
                self.first_check(&ticket.checklist_id, &ticket.item_code, visits)?
            else {
                continue;
            };
            // The same visit finding the same (an appeal may change what it
            // found) leaves the ticket as people have taken it since.
            if ticket.settled_by == Some(visit.row)
                && ticket.repeated == (outcome == Outcome::Repeated)
            {
                continue;
            }
            let due = match outcome {
                Outcome::Repeated => rectify::due_again(ticket.due, visit.day, ticket.days),
                Outcome::Verified => ticket.due,
            };
            settlements.push(Settlement {
                ticket,
                row: visit.row,
                day: visit.day,
                outcome,
                due,
            });
        }
        self.record_settlements(&settlements, actor)?;
        let mut plans = None;
        for s in &settlements {
            if s.outcome == Outcome::Repeated && !s.ticket.revisit_planned {
                let ticket = RevisitFor {
                    id: s.ticket.id,
                    branch_code: s.ticket.branch_code.clone(),
                    due: s.due,
                };
                self.plan_revisit(ticket, s.day, &mut plans, actor)?;
            }
        }
        Ok(())
    }

    /// The tickets of `branches` a visit may still settle: all but the
    /// withdrawn ones, in the order of the index that finds them. Many
    /// halls to a query: an import of a year names every hall, and a query
    /// each would wait on a database server 30,000 times.
    fn unsettled(&self, branches: &[&str]) -> Result<Vec<Unsettled>> {
        let mut out = Vec::new();
        for some in batches(branches, HALLS_A_QUERY) {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT r.id, r.checklist_id, r.period_end, r.branch_code, r.item_code, r.days,
                        r.settled_by, r.repeated, r.due, a.id
                 FROM rectifications r
                 LEFT JOIN assignments a ON a.id = r.revisit AND a.visit_id IS NULL
                 WHERE r.branch_code IN ({}) AND r.status <> 'withdrawn'
                 ORDER BY r.branch_code, r.status, r.id",
                vec!["?"; some.len()].join(", ")
            ))?;
            let mut rows = stmt.query(some)?;
            while let Some(r) = rows.next()? {
                let end: String = r.get(2)?;
                out.push(Unsettled {
                    id: r.get(0)?,
                    checklist_id: r.get(1)?,
                    period_end: day(&end)?,
                    branch_code: r.get(3)?,
                    item_code: r.get(4)?,
                    days: r.get(5)?,
                    settled_by: r.get(6)?,
                    repeated: r.get(7)?,
                    due: day(&r.get::<String>(8)?)?,
                    revisit_planned: r.get::<Option<i64>>(9)?.is_some(),
                });
            }
        }
        Ok(out)
    }

    /// The accepted visits of a hall on a checklist after `end`, in the
    /// order they took place.
    fn visits_after(
        &self,
        branch_code: &str,
        checklist_id: &str,
        end: NaiveDate,
    ) -> Result<Vec<Later>> {
        let after = format!("{} 00:00:00", end.succ_opt().unwrap_or(end));
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.id, v.visited_at, v.checklist_version, v.answers
             FROM visits v JOIN branches b ON b.id = v.branch_id
             WHERE b.code = ?1 AND v.checklist_id = ?2 AND v.visited_at >= ?3
               AND v.status = 'accepted'
             ORDER BY v.visited_at, v.id",
        )?;
        let mut rows = stmt.query(params![branch_code, checklist_id, after])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let row: i64 = r.get(0)?;
            let mut answers = Vec::new();
            codec::decode_into(r.get_ref(3)?.as_blob()?, &mut answers)
                .ok_or_else(|| Error::Corrupt(format!("暗访 {row} 的答案")))?;
            let at: String = r.get(1)?;
            out.push(Later {
                row,
                day: parse_time(&at)?.date(),
                version: r.get(2)?,
                answers,
            });
        }
        Ok(out)
    }

    /// The first of `visits` where the ticket's item applies, and what it
    /// found.
    fn first_check<'v>(
        &self,
        checklist_id: &str,
        item_code: &str,
        visits: &'v [Later],
    ) -> Result<Option<(&'v Later, Outcome)>> {
        for visit in visits {
            let checklist = self.shared_checklist(checklist_id, visit.version)?;
            let Some(index) = checklist.item_index(item_code) else {
                continue;
            };
            let Some((_, item)) = checklist.items().nth(index) else {
                continue;
            };
            let answer = visit
                .answers
                .get(index)
                .copied()
                .unwrap_or(Answer::NotApplicable);
            if let Some(outcome) = rectify::outcome(item, answer) {
                return Ok(Some((visit, outcome)));
            }
        }
        Ok(None)
    }

    /// Records what the visits found of the tickets `settlements` names,
    /// each with its entry in the audit log: a statement for a few hundred
    /// tickets, not two for each.
    fn record_settlements(&mut self, settlements: &[Settlement<'_>], actor: &str) -> Result<()> {
        for some in batches(settlements, TICKETS_A_STATEMENT) {
            let rows = vec![
                "(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT),
                  CAST(? AS TEXT), CAST(? AS TEXT))";
                some.len()
            ]
            .join(", ");
            let mut values: Vec<Value> = Vec::with_capacity(some.len() * 6);
            for s in some {
                values.extend([
                    Value::Integer(s.ticket.id),
                    Value::Text(s.outcome.status().as_str().to_string()),
                    Value::Integer(i64::from(s.outcome == Outcome::Repeated)),
                    Value::Integer(s.row),
                    Value::Text(s.day.to_string()),
                    Value::Text(s.due.to_string()),
                ]);
            }
            self.conn.execute_later(
                &format!(
                    "UPDATE rectifications SET status = s.column2, repeated = s.column3,
                        settled_by = s.column4, settled_on = s.column5, due = s.column6
                     FROM (VALUES {rows}) AS s
                     WHERE rectifications.id = s.column1"
                ),
                values.as_slice(),
            )?;
        }
        let actions: Vec<String> = settlements
            .iter()
            .map(|s| format!("rectify.{}", s.outcome.status().as_str()))
            .collect();
        let ids: Vec<String> = settlements
            .iter()
            .map(|s| s.ticket.id.to_string())
            .collect();
        let afters: Vec<serde_json::Value> = settlements
            .iter()
            .map(|s| {
                json!({
                    "status": s.outcome.status().as_str(),
                    "visit_row": s.row,
                    "visited_on": s.day.to_string(),
                    "due": s.due.to_string(),
                })
            })
            .collect();
        let entries: Vec<audit::Entry<'_>> = actions
            .iter()
            .zip(&ids)
            .zip(&afters)
            .map(|((action, id), after)| audit::Entry {
                actor,
                action,
                entity: "rectification",
                id: Some(id),
                before: None,
                after: Some(after),
            })
            .collect();
        audit::record_all(&self.conn, &entries)
    }

    /// Plans a re-visit of a ticket's hall after `after` and by its due
    /// date, in a stored plan whose days allow it, by an inspector of that
    /// plan the hall has not seen on the ticket's visits when anyone else
    /// can go. Nothing when no plan covers those days. `plans` keeps the
    /// stored plans' days once read, for the next ticket.
    fn plan_revisit(
        &mut self,
        ticket: RevisitFor,
        after: NaiveDate,
        plans: &mut Option<Vec<(NaiveDate, NaiveDate)>>,
        actor: &str,
    ) -> Result<()> {
        let plans = match plans {
            Some(plans) => plans,
            None => plans.insert(self.plans()?),
        };
        let Some((plan, date)) = plans.iter().find_map(|&plan| {
            rectify::revisit_day(after, ticket.due, plan).map(|date| (plan, date))
        }) else {
            return Ok(());
        };
        let loads = self.loads(plan, date)?;
        let seen = self.inspectors_seen(ticket.id)?;
        let seen: Vec<&str> = seen.iter().map(String::as_str).collect();
        let Some(inspector) = rectify::revisit_inspector(&loads, &seen) else {
            return Ok(());
        };
        let Some(hours) = self.branch_hours(&ticket.branch_code)? else {
            return Ok(());
        };
        let planned = Planned {
            id: 0,
            branch_code: ticket.branch_code,
            inspector: inspector.to_string(),
            date,
            window: hours.open,
            peak: hours.is_peak(date, hours.open),
            visit: None,
        };
        let assignment = self.add_revisit(plan, &planned, actor)?;
        self.conn.execute(
            "UPDATE rectifications SET revisit = ?2 WHERE id = ?1",
            params![ticket.id, assignment],
        )?;
        Ok(())
    }

    /// The days of the stored plans, in order.
    fn plans(&self) -> Result<Vec<(NaiveDate, NaiveDate)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT period FROM assignments ORDER BY period")?;
        let periods: Vec<String> = stmt.query_map((), |r| r.get(0))?.collect::<Result<_>>()?;
        periods
            .iter()
            .filter_map(|key| key.split_once(".."))
            .map(|(from, to)| Ok((day(from)?, day(to)?)))
            .collect()
    }

    /// The inspectors of a plan with their assignments that day and in all.
    fn loads(&self, (from, to): (NaiveDate, NaiveDate), date: NaiveDate) -> Result<Vec<Load>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT inspector, sum(CASE WHEN date = ?2 THEN 1 ELSE 0 END), count(*) FROM assignments
             WHERE period = ?1 AND kind <> ?3 GROUP BY inspector",
        )?;
        let rows = stmt.query_map(
            params![
                format!("{from}..{to}"),
                date.to_string(),
                Kind::Revisit.as_str()
            ],
            |r| {
                Ok(Load {
                    inspector: r.get(0)?,
                    that_day: r.get(1)?,
                    total: r.get(2)?,
                })
            },
        )?;
        rows.collect::<Result<_>>()
    }

    /// The inspectors of a ticket's visits and of the visit that settled it.
    fn inspectors_seen(&self, id: i64) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.inspector FROM visits v
             WHERE v.inspector IS NOT NULL
               AND (v.id IN (SELECT visit_row FROM rectification_visits WHERE rectification_id = ?1)
                    OR v.id = (SELECT settled_by FROM rectifications WHERE id = ?1))",
        )?;
        let rows = stmt.query_map([id], |r| r.get(0))?;
        rows.collect::<Result<_>>()
    }

    /// After an appeal changed the answer at `index` of visit `visit_row`:
    /// a ticket whose visits no longer lose points on the item is withdrawn;
    /// the hall's tickets are settled again, as the visit may settle some.
    pub(super) fn after_appeal(
        &mut self,
        visit_row: i64,
        item_code: &str,
        actor: &str,
    ) -> Result<()> {
        let (branch_code, checklist_id): (String, String) = self.conn.query_row(
            "SELECT b.code, v.checklist_id FROM visits v JOIN branches b ON b.id = v.branch_id
             WHERE v.id = ?1",
            [visit_row],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let ids: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT r.id FROM rectifications r
                 JOIN rectification_visits rv ON rv.rectification_id = r.id
                 WHERE rv.visit_row = ?1 AND r.item_code = ?2 AND r.status <> 'withdrawn'",
            )?
            .query_map(params![visit_row, item_code], |r| r.get(0))?
            .collect::<Result<_>>()?;
        for id in ids {
            if !self.still_loses(visit_row, &checklist_id, item_code)? {
                self.conn.execute(
                    "DELETE FROM rectification_visits WHERE rectification_id = ?1 AND visit_row = ?2",
                    params![id, visit_row],
                )?;
            }
            let left: i64 = self.conn.query_row(
                "SELECT count(*) FROM rectification_visits WHERE rectification_id = ?1",
                [id],
                |r| r.get(0),
            )?;
            if left == 0 {
                self.withdraw(id, actor)?;
            }
        }
        self.settle(&[branch_code.as_str()], actor)
    }

    /// Whether a visit's answer still loses points on the item.
    fn still_loses(&self, visit_row: i64, checklist_id: &str, item_code: &str) -> Result<bool> {
        let (version, blob): (u32, Vec<u8>) = self.conn.query_row(
            "SELECT checklist_version, answers FROM visits WHERE id = ?1",
            [visit_row],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut answers = Vec::new();
        codec::decode_into(&blob, &mut answers)
            .ok_or_else(|| Error::Corrupt(format!("暗访 {visit_row} 的答案")))?;
        let checklist = self.shared_checklist(checklist_id, version)?;
        Ok(checklist
            .item_index(item_code)
            .and_then(|index| Some((checklist.items().nth(index)?.1, *answers.get(index)?)))
            .is_some_and(|(item, answer)| rectify::loses_points(item, answer)))
    }

    fn withdraw(&mut self, id: i64, actor: &str) -> Result<()> {
        let before: String = self.conn.query_row(
            "SELECT status FROM rectifications WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        self.conn.execute(
            "UPDATE rectifications SET status = 'withdrawn' WHERE id = ?1",
            [id],
        )?;
        audit::record(
            &self.conn,
            &audit::Entry {
                actor,
                action: "rectify.withdraw",
                entity: "rectification",
                id: Some(&id.to_string()),
                before: Some(&json!({"status": before})),
                after: Some(
                    &json!({"status": Status::Withdrawn.as_str(), "reason": "申诉采纳后不再失分"}),
                ),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Role;
    use crate::domain::checklist::tests::sample;
    use crate::domain::roster::Branch;
    use crate::domain::visit::Visit;
    use crate::storage::{Acceptance, ImportOptions, NewAppeal};

    const ACTOR: &str = "测试";

    /// A visit to hall B1 passing everything but what `answers` says.
    fn visit(id: &str, at: &str, answers: &[(usize, Answer)]) -> Visit {
        visit_to("B1", id, at, answers)
    }

    fn visit_to(hall: &str, id: &str, at: &str, answers: &[(usize, Answer)]) -> Visit {
        let mut all = vec![Answer::Pass; sample().item_count()];
        for (index, answer) in answers {
            all[*index] = *answer;
        }
        Visit {
            visit_id: Some(id.into()),
            branch_code: hall.into(),
            visited_at: NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").expect("time"),
            inspector: Some("甲".into()),
            checklist_id: "sample".into(),
            checklist_version: 1,
            notes: None,
            item_notes: std::collections::BTreeMap::new(),
            answers: all,
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        store_of(&["B1"])
    }

    /// A store with the sample checklist and a hall of each code.
    fn store_of(codes: &[&str]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(dir.path().join("t.db")).expect("opens");
        store.save_checklist(&sample(), ACTOR).expect("checklist");
        let halls: Vec<Branch> = codes
            .iter()
            .map(|code| Branch {
                code: (*code).into(),
                name: format!("{code}厅"),
                district: "西平".into(),
                city: Some("驻马店".into()),
                address: None,
                branch_type: None,
                opening_hours: None,
                peak_hours: None,
            })
            .collect();
        store.save_roster(&halls, true, ACTOR).expect("roster");
        (dir, store)
    }

    fn import(store: &mut Store, visits: &[Visit]) {
        store
            .import_visits(visits, ImportOptions::by(ACTOR))
            .expect("imports");
    }

    /// Status and whether it was found failing again, by item code.
    fn states(store: &Store) -> Vec<(String, &'static str, bool)> {
        let filter = TicketFilter {
            withdrawn: true,
            ..TicketFilter::default()
        };
        store
            .tickets(&filter, &Visibility::Everything)
            .expect("tickets")
            .into_iter()
            .map(|t| (t.item_code, t.status.as_str(), t.repeated))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    fn accept_appeal(store: &mut Store, visit_id: &str, index: usize, item: &str) {
        let row = store
            .visit_row(visit_id, &Visibility::Everything)
            .expect("reads")
            .expect("visit exists");
        if store.user_with_password("hq").expect("reads").is_none() {
            store
                .add_user("hq", "总部", Role::Admin, None, None, ACTOR)
                .expect("user");
        }
        let (user, _) = store
            .user_with_password("hq")
            .expect("reads")
            .expect("user");
        let appeal = store
            .file_appeal(
                &NewAppeal {
                    visit_row: row,
                    item_code: item,
                    current: "否",
                    requested: "是",
                    reason: "照片可证",
                    user_id: user.id,
                },
                ACTOR,
            )
            .expect("filed");
        let acceptance = Acceptance {
            index,
            answer: Answer::Pass,
            old: "否".into(),
        };
        store
            .decide_appeal(appeal, Some(acceptance), "采纳", user.id, ACTOR)
            .expect("decided");
    }

    #[test]
    fn the_first_visit_after_the_period_settles_and_appeals_undo_what_they_disprove() {
        let (_dir, mut store) = store();
        let period = Period::parse("2024-Q1").expect("period");
        import(
            &mut store,
            &[
                visit(
                    "V1",
                    "2024-03-10 10:00",
                    &[(0, Answer::Fail), (1, Answer::Fail)],
                ),
                visit("V2", "2024-04-20 10:00", &[(0, Answer::Fail)]),
            ],
        );
        let tickets = store.tickets_to_open("sample", period).expect("reads");
        // A02 failed and zeroed its section: only the items' own answers
        // open tickets, so A03 (passed, zeroed) has none.
        let items: Vec<&str> = tickets.iter().map(|t| t.item_code.as_str()).collect();
        assert_eq!(items, ["A01", "A02"]);
        assert!(tickets[1].critical && !tickets[0].critical);
        store
            .open_tickets("sample", period, &tickets, ACTOR)
            .expect("opens");
        assert_eq!(
            states(&store),
            [
                ("A01".to_string(), "repeated", true),
                ("A02".to_string(), "verified", false)
            ]
        );

        // The appeal shows V2 passed A01 after all: the ticket is verified.
        accept_appeal(&mut store, "V2", 0, "A01");
        assert_eq!(states(&store)[0], ("A01".to_string(), "verified", false));

        // An earlier visit recorded later settles in its place.
        import(
            &mut store,
            &[visit("V3", "2024-04-05 10:00", &[(1, Answer::Fail)])],
        );
        assert_eq!(states(&store)[1], ("A02".to_string(), "repeated", true));

        // The period's only lost point on A02 is given back: withdrawn.
        accept_appeal(&mut store, "V1", 1, "A02");
        assert_eq!(states(&store)[1], ("A02".to_string(), "withdrawn", true));
        assert_eq!(
            store
                .tickets(&TicketFilter::default(), &Visibility::Everything)
                .expect("tickets")
                .len(),
            1,
            "withdrawn tickets are not listed"
        );
    }

    #[test]
    fn tickets_read_without_evidence_get_the_same_evidence_later() {
        let (_dir, mut store) = store();
        let period = Period::parse("2024-Q1").expect("period");
        import(
            &mut store,
            &[
                visit("V1", "2024-03-10 10:00", &[(0, Answer::Fail)]),
                visit(
                    "V0",
                    "2024-02-10 10:00",
                    &[(0, Answer::Fail), (1, Answer::Fail)],
                ),
                visit("V2", "2024-04-20 10:00", &[]),
            ],
        );
        let tickets = store.tickets_to_open("sample", period).expect("reads");
        store
            .open_tickets("sample", period, &tickets, ACTOR)
            .expect("opens");
        let read = |evidence| {
            let filter = TicketFilter {
                evidence,
                ..TicketFilter::default()
            };
            store
                .tickets(&filter, &Visibility::Everything)
                .expect("tickets")
        };
        let whole = read(Evidence::Read);
        assert_eq!(whole[0].visits, ["V0", "V1"], "oldest first");
        assert_eq!(whole[0].settled_by.as_deref(), Some("V2"));
        let mut lean = read(Evidence::Left);
        assert!(
            lean.iter()
                .all(|t| t.visits.is_empty() && t.settled_by.is_none())
        );
        store.read_evidence(&mut lean[1..]).expect("evidence");
        assert!(lean[0].visits.is_empty(), "only the tickets asked for");
        store.read_evidence(&mut lean[..1]).expect("evidence");
        let evidence = |tickets: &[Ticket]| -> Vec<(Vec<String>, Option<String>)> {
            tickets
                .iter()
                .map(|t| (t.visits.clone(), t.settled_by.clone()))
                .collect()
        };
        assert_eq!(evidence(&lean), evidence(&whole));
        assert_eq!(
            lean.iter().map(|t| t.under_appeal).collect::<Vec<_>>(),
            whole.iter().map(|t| t.under_appeal).collect::<Vec<_>>()
        );
    }

    #[test]
    fn one_import_settles_the_tickets_of_more_halls_than_one_query_names() {
        let codes: Vec<String> = (0..=HALLS_A_QUERY).map(|i| format!("H{i:04}")).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let (_dir, mut store) = store_of(&codes);
        let visits = |day: &str, answer: Answer| -> Vec<Visit> {
            codes
                .iter()
                .map(|code| visit_to(code, &format!("{code}-{day}"), day, &[(0, answer)]))
                .collect()
        };
        import(&mut store, &visits("2024-03-10 10:00", Answer::Fail));
        let period = Period::parse("2024-Q1").expect("period");
        let tickets = store.tickets_to_open("sample", period).expect("reads");
        assert_eq!(tickets.len(), codes.len(), "a ticket for each hall");
        store
            .open_tickets("sample", period, &tickets, ACTOR)
            .expect("opens");

        import(&mut store, &visits("2024-04-20 10:00", Answer::Pass));
        let settled: Vec<(String, &str)> = store
            .tickets(&TicketFilter::default(), &Visibility::Everything)
            .expect("tickets")
            .into_iter()
            .map(|t| (t.branch_code, t.status.as_str()))
            .collect();
        let expected: Vec<(String, &str)> = codes
            .iter()
            .map(|code| (code.to_string(), "verified"))
            .collect();
        assert_eq!(settled.len(), expected.len());
        for hall in &expected {
            assert!(settled.contains(hall), "{hall:?} settled by its next visit");
        }
        let logged = store
            .audit_entries(&crate::storage::AuditFilter {
                action: Some("rectify.verified".into()),
                limit: 5000,
                ..crate::storage::AuditFilter::default()
            })
            .expect("log");
        let mut ids: Vec<i64> = logged
            .iter()
            .map(|e| {
                e.entity_id
                    .as_deref()
                    .expect("a ticket")
                    .parse()
                    .expect("an id")
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), codes.len(), "one entry for each ticket settled");
    }
}
