//! Rectification (整改) as the command line, the API and the pages use it:
//! opening a published period's tickets, listing them for the people who
//! answer for them, acting on one, and the figures per district and city.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::access::{User, Visibility};
use crate::domain::period::Period;
use crate::domain::rectify::{Action, Status, Tally};
use crate::storage::{self, Evidence, Reader, Store, Ticket, TicketFilter};

/// Why a ticket could not be listed or acted on; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// No such ticket among those the person answers for.
    #[error("没有整改单 #{0}(或不在您的管辖范围内),未做任何修改")]
    NotFound(i64),
    #[error("检查表 {checklist} 的期间 {period} 尚未发布,还没有整改单(先用 publish 发布该期间)")]
    NotPublished { checklist: String, period: String },
    #[error("只有负责该网点的区县或城市经理可以回复整改单")]
    NotResponder,
    #[error("只有管理员(总部)可以关闭或重新打开整改单")]
    NotDecider,
    #[error("您没有查看整改单的权限")]
    NotReader,
    #[error("{0}")]
    Missing(&'static str),
    #[error(transparent)]
    Storage(#[from] storage::Error),
}

/// A ticket as the command line and the API give it.
#[derive(Debug, Clone, Serialize)]
pub struct TicketJson {
    pub id: i64,
    pub branch_code: String,
    pub branch_name: String,
    pub district: String,
    pub city: Option<String>,
    pub checklist: String,
    pub period: String,
    pub item: String,
    pub critical: bool,
    pub status: &'static str,
    pub due: String,
    pub overdue: bool,
    /// A visit after the period found the item failing again.
    pub repeated: bool,
    /// Waiting for an appeal on one of its answers.
    pub under_appeal: bool,
    /// The ids of the period's visits that lost points on the item.
    pub visits: Vec<String>,
    pub response: Option<String>,
    pub responded_by: Option<String>,
    pub responded_at: Option<String>,
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// The visit that settled it, and that visit's day.
    pub settled_by: Option<String>,
    pub settled_on: Option<String>,
}

impl TicketJson {
    pub fn new(ticket: Ticket, today: NaiveDate) -> TicketJson {
        let time = |at: Option<chrono::NaiveDateTime>| {
            at.map(|at| at.format("%Y-%m-%dT%H:%M:%S").to_string())
        };
        TicketJson {
            id: ticket.id,
            overdue: ticket.is_overdue(today),
            branch_code: ticket.branch_code,
            branch_name: ticket.branch_name,
            district: ticket.district,
            city: ticket.city,
            checklist: ticket.checklist_id,
            period: ticket.period,
            item: ticket.item_code,
            critical: ticket.critical,
            status: ticket.status.as_str(),
            due: ticket.due.to_string(),
            repeated: ticket.repeated,
            under_appeal: ticket.under_appeal,
            visits: ticket.visits,
            response: ticket.response,
            responded_by: ticket.responded_by,
            responded_at: time(ticket.responded_at),
            decision: ticket.decision,
            decided_by: ticket.decided_by,
            decided_at: time(ticket.decided_at),
            settled_by: ticket.settled_by,
            settled_on: ticket.settled_on.map(|d| d.to_string()),
        }
    }
}

/// Opens the tickets a period's accepted visits call for (those not open
/// yet) and settles them against visits already made after the period.
/// How many were opened.
pub fn open(
    store: &mut Store,
    checklist: &str,
    period: Period,
    actor: &str,
) -> storage::Result<usize> {
    let tickets = store.tickets_to_open(checklist, period)?;
    Ok(store
        .open_tickets(checklist, period, &tickets, actor)?
        .len())
}

/// The tickets of a published period that `user` may see: overdue first,
/// then those still open, then the rest, each by due date.
pub fn list(
    store: &Reader,
    user: &User,
    (checklist, period): (&str, Period),
    evidence: Evidence,
    today: NaiveDate,
) -> Result<Vec<Ticket>, Refusal> {
    if !user.reads_reports() {
        return Err(Refusal::NotReader);
    }
    if !store
        .published_versions()?
        .iter()
        .any(|p| p.checklist_id == checklist && p.period == period)
    {
        return Err(Refusal::NotPublished {
            checklist: checklist.to_string(),
            period: period.to_string(),
        });
    }
    let mut tickets = visible(store, &user.visibility(), (checklist, period), evidence)?;
    tickets.sort_by_key(|t| (!t.is_overdue(today), !t.status.is_open(), t.due));
    Ok(tickets)
}

/// The tickets of a checklist's period in what `visibility` covers, by
/// due date, hall and item; none when the period was never published.
pub fn visible(
    store: &Reader,
    visibility: &Visibility,
    (checklist, period): (&str, Period),
    evidence: Evidence,
) -> storage::Result<Vec<Ticket>> {
    let filter = TicketFilter {
        checklist_id: Some(checklist.to_string()),
        period: Some(period),
        evidence,
        ..TicketFilter::default()
    };
    store.tickets(&filter, visibility)
}

/// What a person does to a ticket, in their words.
#[derive(Debug, Clone, Copy)]
pub struct Act<'a> {
    pub id: i64,
    pub action: Action,
    /// What was done (a response) or why (a decision).
    pub text: &'a str,
}

/// Acts on a ticket `user` answers for: a manager responds, headquarters
/// closes or reopens, each with words. The ticket as it is left.
pub fn act(store: &mut Store, user: &User, act: Act<'_>) -> Result<Ticket, Refusal> {
    let allowed = match act.action {
        Action::Respond => user.answers_tickets(),
        Action::Close | Action::Reopen => user.administers(),
    };
    let visibility = user.visibility();
    if store.ticket(act.id, &visibility)?.is_none() {
        return Err(Refusal::NotFound(act.id));
    }
    if !allowed {
        return Err(match act.action {
            Action::Respond => Refusal::NotResponder,
            Action::Close | Action::Reopen => Refusal::NotDecider,
        });
    }
    let text = act.text.trim();
    if text.is_empty() {
        return Err(Refusal::Missing(match act.action {
            Action::Respond => "请写明做了哪些整改(回复内容不能为空)",
            Action::Close => "请写明关闭的理由",
            Action::Reopen => "请写明重新打开的理由",
        }));
    }
    store.act_on_ticket(act.id, act.action, text, &user.name)?;
    store
        .ticket(act.id, &visibility)?
        .ok_or(Refusal::NotFound(act.id))
}

/// The figures of every district and city, and of all tickets together.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tallies {
    pub districts: BTreeMap<String, Tally>,
    pub cities: BTreeMap<String, Tally>,
    pub total: Tally,
}

/// Counts tickets per district, per city and in all.
pub fn tally(tickets: &[Ticket], today: NaiveDate) -> Tallies {
    let mut out = Tallies::default();
    for ticket in tickets.iter().filter(|t| t.status != Status::Withdrawn) {
        let deadline = ticket.deadline();
        out.districts
            .entry(ticket.district.clone())
            .or_default()
            .add(deadline, ticket.repeated, today);
        if let Some(city) = &ticket.city {
            out.cities
                .entry(city.clone())
                .or_default()
                .add(deadline, ticket.repeated, today);
        }
        out.total.add(deadline, ticket.repeated, today);
    }
    out
}
