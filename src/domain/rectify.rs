//! Rectification (整改): a ticket for every hall and item that lost points
//! in a published period, answered by the district, decided by
//! headquarters, and settled by the next visit that checks the item.

use chrono::{Days, NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::answer::Answer;
use super::checklist::{Checklist, Critical, Item, ItemKind};
use super::scoring::item_earned;

/// Days a hall has to fix an item when its checklist does not say.
pub const DEFAULT_RECTIFY_DAYS: u32 = 15;

/// The longest time a checklist may give to fix an item.
pub const MAX_RECTIFY_DAYS: u32 = 365;

/// Reads a number of days to fix an item, as a checklist gives it.
pub fn read_days(days: i64) -> Result<u32, String> {
    u32::try_from(days)
        .ok()
        .filter(|d| (1..=MAX_RECTIFY_DAYS).contains(d))
        .ok_or_else(|| {
            format!("整改天数「{days}」无效,应为 1 到 {MAX_RECTIFY_DAYS} 之间的整数(天)")
        })
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Opened at publication; nobody has answered yet.
    Open,
    /// The district said what it did; headquarters has not decided.
    Responded,
    /// Headquarters closed it on the district's word.
    Closed,
    /// The next visit found the item in order.
    Verified,
    /// The next visit found the item losing points again (顽固短板). It
    /// stays open until headquarters closes it, and counts as repeated.
    Repeated,
    /// An accepted appeal gave the points back: there was nothing to fix.
    Withdrawn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Responded => "responded",
            Status::Closed => "closed",
            Status::Verified => "verified",
            Status::Repeated => "repeated",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Open,
            Status::Responded,
            Status::Closed,
            Status::Verified,
            Status::Repeated,
            Status::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// The status in words, for the people who read it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Open => "待整改",
            Status::Responded => "已回复",
            Status::Closed => "已关闭",
            Status::Verified => "复查通过",
            Status::Repeated => "顽固短板",
            Status::Withdrawn => "已撤销",
        }
    }

    /// Whether the ticket still asks something of the district or of
    /// headquarters.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Open | Status::Responded | Status::Repeated)
    }
}

/// Something a person does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The district answers with what was done.
    Respond,
    /// Headquarters closes it.
    Close,
    /// Headquarters opens a closed ticket again.
    Reopen,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Respond => "respond",
            Action::Close => "close",
            Action::Reopen => "reopen",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        [Action::Respond, Action::Close, Action::Reopen]
            .into_iter()
            .find(|a| a.as_str() == text.trim())
    }

    /// The status after the action, or why it may not be taken.
    pub fn apply(self, status: Status) -> Result<Status, String> {
        match (self, status) {
            (Action::Respond, Status::Open | Status::Responded | Status::Repeated) => {
                Ok(Status::Responded)
            }
            (Action::Close, Status::Open | Status::Responded | Status::Repeated) => {
                Ok(Status::Closed)
            }
            (Action::Reopen, Status::Closed) => Ok(Status::Open),
            (Action::Reopen, _) => Err(format!(
                "整改单状态为「{}」,只有已关闭的整改单可以重新打开",
                status.label()
            )),
            (_, _) => Err(format!(
                "整改单状态为「{}」,已经办结,不能再{}",
                status.label(),
                match self {
                    Action::Respond => "回复",
                    _ => "关闭",
                }
            )),
        }
    }
}

/// What the first visit after the period found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Verified,
    Repeated,
}

impl Outcome {
    pub fn status(self) -> Status {
        match self {
            Outcome::Verified => Status::Verified,
            Outcome::Repeated => Status::Repeated,
        }
    }
}

/// Whether an answer lost points on its item. The item's own answer
/// decides: an item zeroed only because a critical item elsewhere failed
/// has nothing of its own to fix (the critical item gets the ticket).
pub fn loses_points(item: &Item, answer: Answer) -> bool {
    item_earned(item, answer).is_some_and(|earned| earned < item.points)
}

/// What a visit's answer on the item says about a ticket, or `None` when
/// the item did not apply (answered N/A).
pub fn outcome(item: &Item, answer: Answer) -> Option<Outcome> {
    item_earned(item, answer)?;
    Some(if loses_points(item, answer) {
        Outcome::Repeated
    } else {
        Outcome::Verified
    })
}

/// Days the hall has to fix the item at `index`: the item's, else its
/// section's, else the default.
pub fn rectify_days(checklist: &Checklist, index: usize) -> u32 {
    checklist
        .items()
        .nth(index)
        .and_then(|(section, item)| {
            item.rectify_days
                .or(checklist.sections[section].rectify_days)
        })
        .unwrap_or(DEFAULT_RECTIFY_DAYS)
}

/// Whether a failed answer on the item zeroes more than itself: such a
/// ticket also asks for a re-visit.
pub fn is_critical(item: &Item) -> bool {
    matches!(
        item.kind,
        ItemKind::Check {
            critical: Some(Critical::Section | Critical::Visit)
        }
    )
}

/// The day a ticket opened at `published` is due.
pub fn due(published: NaiveDate, days: u32) -> NaiveDate {
    published
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// A ticket's due date once a visit on `found` finds its item failing
/// again: the hall has its days again from that visit, never less than it
/// had.
pub fn due_again(due: NaiveDate, found: NaiveDate, days: u32) -> NaiveDate {
    due.max(self::due(found, days))
}

/// The first day a re-visit can take place: after `after` (the day the
/// need arose), by `due`, within a plan of the days `plan`.
pub fn revisit_day(
    after: NaiveDate,
    due: NaiveDate,
    (from, to): (NaiveDate, NaiveDate),
) -> Option<NaiveDate> {
    let first = after.succ_opt()?.max(from);
    (first <= due.min(to)).then_some(first)
}

/// An inspector of the plan, with the assignments they have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    pub inspector: String,
    /// On the day of the re-visit.
    pub that_day: u32,
    /// In the whole plan.
    pub total: u32,
}

/// Who makes a re-visit: someone the hall has not just seen when anyone
/// else can go (a known face spoils a mystery visit), then the least busy
/// that day, then in the plan, then by name.
pub fn revisit_inspector<'a>(loads: &'a [Load], seen: &[&str]) -> Option<&'a str> {
    let fresh: Vec<&Load> = loads
        .iter()
        .filter(|l| !seen.contains(&l.inspector.as_str()))
        .collect();
    let pool: Vec<&Load> = if fresh.is_empty() {
        loads.iter().collect()
    } else {
        fresh
    };
    pool.into_iter()
        .min_by(|a, b| {
            (a.that_day, a.total, &a.inspector).cmp(&(b.that_day, b.total, &b.inspector))
        })
        .map(|l| l.inspector.as_str())
}

/// What decides whether a ticket is overdue.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub status: Status,
    pub due: NaiveDate,
    pub responded_at: Option<NaiveDateTime>,
    /// An appeal on one of its visits' answers to the item is still open:
    /// the ticket waits for it.
    pub under_appeal: bool,
}

impl Deadline {
    /// Past due with no response, while the ticket is open and not
    /// waiting for an appeal.
    pub fn is_overdue(self, today: NaiveDate) -> bool {
        matches!(self.status, Status::Open | Status::Repeated)
            && self.responded_at.is_none()
            && !self.under_appeal
            && today > self.due
    }

    /// Whether the district answered by the due date.
    pub fn answered_on_time(self) -> bool {
        self.responded_at.is_some_and(|at| at.date() <= self.due)
    }
}

/// The figures of a group of tickets (a district, a city, everything).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub tickets: u32,
    pub answered_on_time: u32,
    pub verified: u32,
    pub repeated: u32,
    pub overdue: u32,
    /// Still asking something of the district or of headquarters.
    pub open: u32,
}

impl Tally {
    /// Counts one ticket; `repeated` says whether a visit ever found its
    /// item failing again, whatever happened since.
    pub fn add(&mut self, deadline: Deadline, repeated: bool, today: NaiveDate) {
        if deadline.status == Status::Withdrawn {
            return;
        }
        self.tickets += 1;
        self.answered_on_time += u32::from(deadline.answered_on_time());
        self.verified += u32::from(deadline.status == Status::Verified);
        self.repeated += u32::from(repeated);
        self.overdue += u32::from(deadline.is_overdue(today));
        self.open += u32::from(deadline.status.is_open());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::tests::sample;

    fn item(code: &str) -> Item {
        let c = sample();
        let index = c.item_index(code).expect("item exists");
        c.items().nth(index).expect("item exists").1.clone()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn only_the_items_own_answer_loses_points() {
        let check = item("A01");
        assert!(loses_points(&check, Answer::Fail));
        assert!(!loses_points(&check, Answer::Pass));
        assert!(!loses_points(&check, Answer::NotApplicable));
        assert_eq!(outcome(&check, Answer::NotApplicable), None);
        assert_eq!(outcome(&check, Answer::Pass), Some(Outcome::Verified));
        assert_eq!(outcome(&check, Answer::Fail), Some(Outcome::Repeated));
    }

    #[test]
    fn a_partial_score_loses_points() {
        let c = sample();
        let (_, scale) = c
            .items()
            .find(|(_, i)| i.kind == ItemKind::Scale)
            .expect("the sample has a scale item");
        assert!(loses_points(scale, Answer::Number(scale.points - 1.0)));
        assert!(!loses_points(scale, Answer::Number(scale.points)));
    }

    #[test]
    fn the_item_then_the_section_then_the_default_give_the_days() {
        let mut c = sample();
        assert_eq!(rectify_days(&c, 0), DEFAULT_RECTIFY_DAYS);
        c.sections[0].rectify_days = Some(7);
        assert_eq!(rectify_days(&c, 0), 7);
        c.sections[0].items[0].rectify_days = Some(3);
        assert_eq!(rectify_days(&c, 0), 3);
        assert_eq!(rectify_days(&c, 1), 7);
        assert_eq!(due(day("2026-04-02"), 15), day("2026-04-17"));
        assert_eq!(
            due_again(day("2026-04-17"), day("2026-04-10"), 15),
            day("2026-04-25")
        );
        assert_eq!(
            due_again(day("2026-12-15"), day("2026-04-10"), 15),
            day("2026-12-15")
        );
    }

    #[test]
    fn actions_follow_the_tickets_life() {
        assert_eq!(Action::Respond.apply(Status::Open), Ok(Status::Responded));
        assert_eq!(
            Action::Respond.apply(Status::Repeated),
            Ok(Status::Responded)
        );
        assert_eq!(Action::Close.apply(Status::Responded), Ok(Status::Closed));
        assert_eq!(Action::Reopen.apply(Status::Closed), Ok(Status::Open));
        for settled in [Status::Closed, Status::Verified, Status::Withdrawn] {
            let refused = Action::Respond.apply(settled).expect_err("refused");
            assert!(refused.contains(settled.label()), "{refused}");
        }
        assert!(Action::Reopen.apply(Status::Open).is_err());
        assert!(Action::Close.apply(Status::Verified).is_err());
    }

    #[test]
    fn a_revisit_falls_after_the_need_by_the_due_date_within_the_plan() {
        let plan = (day("2026-04-01"), day("2026-04-30"));
        assert_eq!(
            revisit_day(day("2026-03-31"), day("2026-04-15"), plan),
            Some(day("2026-04-01"))
        );
        assert_eq!(
            revisit_day(day("2026-04-10"), day("2026-04-25"), plan),
            Some(day("2026-04-11"))
        );
        assert_eq!(
            revisit_day(day("2026-04-10"), day("2026-04-10"), plan),
            None
        );
        assert_eq!(
            revisit_day(day("2026-02-01"), day("2026-03-15"), plan),
            None
        );
        let load = |name: &str, that_day, total| Load {
            inspector: name.into(),
            that_day,
            total,
        };
        let loads = [load("甲", 0, 5), load("乙", 1, 1), load("丙", 0, 3)];
        assert_eq!(revisit_inspector(&loads, &[]), Some("丙"));
        assert_eq!(revisit_inspector(&loads, &["丙"]), Some("甲"));
        assert_eq!(revisit_inspector(&loads, &["甲", "乙", "丙"]), Some("丙"));
        assert_eq!(revisit_inspector(&[], &[]), None);
    }

    #[test]
    fn overdue_means_past_due_unanswered_and_not_waiting_for_an_appeal() {
        let deadline = Deadline {
            status: Status::Open,
            due: day("2026-04-17"),
            responded_at: None,
            under_appeal: false,
        };
        assert!(!deadline.is_overdue(day("2026-04-17")));
        assert!(deadline.is_overdue(day("2026-04-18")));
        let waiting = Deadline {
            under_appeal: true,
            ..deadline
        };
        assert!(!waiting.is_overdue(day("2026-05-01")));
        let answered = Deadline {
            status: Status::Responded,
            responded_at: Some(day("2026-04-20").and_hms_opt(9, 0, 0).expect("time")),
            ..deadline
        };
        assert!(!answered.is_overdue(day("2026-05-01")));
        assert!(!answered.answered_on_time());
        let mut tally = Tally::default();
        tally.add(deadline, false, day("2026-05-01"));
        tally.add(answered, true, day("2026-05-01"));
        tally.add(
            Deadline {
                status: Status::Withdrawn,
                ..deadline
            },
            false,
            day("2026-05-01"),
        );
        assert_eq!(
            tally,
            Tally {
                tickets: 2,
                answered_on_time: 0,
                verified: 0,
                repeated: 1,
                overdue: 1,
                open: 2,
            }
        );
    }
}
