//! Visit plans: which inspector visits which hall on which day, in which
//! time window, so that every hall gets its quota inside the period, nobody
//! sees the same hall again too soon, nobody has too many visits on a day,
//! enough visits fall in busy hours, and the work is shared out evenly.
//!
//! The planner is greedy and deterministic for a seed: halls in a shuffled
//! order, each hall's visits spread over equal stretches of the period, and
//! each visit given to the least-loaded inspector who may take it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// A span of the day, such as 11:00-13:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Window {
    fn at(start: (u32, u32), end: (u32, u32)) -> Window {
        let time = |(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        Window {
            start: time(start),
            end: time(end),
        }
    }

    /// Reads `09:00-18:00` (also with `–`, `~` or `至`).
    pub fn parse(text: &str) -> Option<Window> {
        let text = text.trim();
        let (start, end) = ["-", "–", "~", "～", "至"]
            .iter()
            .find_map(|sep| text.split_once(sep))?;
        let time = |s: &str| {
            let s = s.trim().replace('：', ":");
            NaiveTime::parse_from_str(&s, "%H:%M").ok()
        };
        let window = Window {
            start: time(start)?,
            end: time(end)?,
        };
        (window.start < window.end).then_some(window)
    }

    /// Reads one or more windows separated by `;`, `；`, `,`, `，` or `、`.
    pub fn parse_list(text: &str) -> Option<Vec<Window>> {
        let windows: Option<Vec<Window>> = text
            .split([';', '；', ',', '，', '、'])
            .filter(|part| !part.trim().is_empty())
            .map(Window::parse)
            .collect();
        windows.filter(|w| !w.is_empty())
    }

    /// Writes windows as [`Window::parse_list`] reads them back.
    pub fn list_text(windows: &[Window]) -> String {
        let texts: Vec<String> = windows.iter().map(Window::to_string).collect();
        texts.join("、")
    }

    fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }

    fn within(&self, outer: &Window) -> Option<Window> {
        let clipped = Window {
            start: self.start.max(outer.start),
            end: self.end.min(outer.end),
        };
        (clipped.start < clipped.end).then_some(clipped)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

/// A hall's hours: when it is open, and its busy hours on weekdays.
/// Weekends count as busy all day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hours {
    pub open: Window,
    pub weekday_peaks: Vec<Window>,
}

impl Default for Hours {
    /// Open 09:00-19:00; busy at lunch (11:00-13:00) and after work
    /// (17:00-19:00).
    fn default() -> Hours {
        Hours {
            open: Window::at((9, 0), (19, 0)),
            weekday_peaks: vec![Window::at((11, 0), (13, 0)), Window::at((17, 0), (19, 0))],
        }
    }
}

/// How long an assignment's window is, at most.
const WINDOW_MINUTES: i64 = 120;

impl Hours {
    /// The busy windows of a weekday, within opening hours.
    fn peaks(&self) -> Vec<Window> {
        self.weekday_peaks
            .iter()
            .filter_map(|p| p.within(&self.open))
            .collect()
    }

    /// Quiet windows of a weekday: opening hours outside the busy ones, cut
    /// into pieces of at most two hours.
    fn quiet(&self) -> Vec<Window> {
        let mut peaks = self.peaks();
        peaks.sort();
        let mut free = Vec::new();
        let mut cursor = self.open.start;
        for peak in peaks.iter().chain([&Window {
            start: self.open.end,
            end: self.open.end,
        }]) {
            if peak.start > cursor {
                free.push(Window {
                    start: cursor,
                    end: peak.start,
                });
            }
            cursor = cursor.max(peak.end);
        }
        free.into_iter().flat_map(split_window).collect()
    }

    /// Whether a visit in `window` on `date` falls in busy hours: at a
    /// weekend, or inside one busy window of a weekday.
    pub fn is_peak(&self, date: NaiveDate, window: Window) -> bool {
        is_weekend(date)
            || self
                .peaks()
                .iter()
                .any(|p| p.start <= window.start && window.end <= p.end)
    }

    /// Whether the hall is open all through `window`.
    pub fn is_open(&self, window: Window) -> bool {
        self.open.start <= window.start && window.end <= self.open.end
    }

    /// Weekend windows: the opening hours in pieces of at most two hours.
    fn weekend(&self) -> Vec<Window> {
        split_window(self.open)
    }
}

fn split_window(window: Window) -> Vec<Window> {
    let mut pieces = Vec::new();
    let mut start = window.start;
    while start < window.end {
        let end = (start + chrono::Duration::minutes(WINDOW_MINUTES)).min(window.end);
        // A wrap past midnight cannot happen inside one window, but stop
        // rather than loop if it ever did.
        if end <= start {
            break;
        }
        pieces.push(Window { start, end });
        start = end;
    }
    // A short remainder joins the piece before it.
    if pieces.len() > 1 && pieces.last().is_some_and(|w| w.minutes() < 30) {
        pieces.pop();
        if let Some(last) = pieces.last_mut() {
            last.end = window.end;
        }
    }
    pieces
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// What a plan must keep.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub visits_per_hall: u32,
    /// An inspector may not see the same hall again within this many days.
    pub lockout_days: u32,
    pub max_per_day: u32,
    /// At least this share of all visits in busy hours.
    pub peak_share: f64,
    pub seed: u64,
}

/// One planned visit; `hall` and `inspector` index the planner's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub hall: usize,
    pub inspector: usize,
    pub date: NaiveDate,
    pub window: Window,
    pub peak: bool,
}

/// Why no plan keeps the rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("没有可安排的暗访员")]
    NoInspectors,
    #[error("名单中没有营业厅")]
    NoHalls,
    #[error("每个营业厅的暗访次数须至少为 1")]
    NoVisits,
    #[error("每人每天的上限须至少为 1")]
    NoDailyCapacity,
    #[error("高峰占比须在 0 到 1 之间,现为 {0}")]
    PeakShare(String),
    #[error(
        "需要安排 {needed} 次暗访,但 {inspectors} 名暗访员在 {days} 天内每天最多 {per_day} 次,最多只能安排 {capacity} 次"
    )]
    Capacity {
        needed: u64,
        inspectors: usize,
        days: i64,
        per_day: u32,
        capacity: u64,
    },
    #[error(
        "营业厅 {hall} 需要 {needed} 次暗访,但同一暗访员 {lockout} 天内不得重复暗访同一营业厅:{inspectors} 名暗访员在 {days} 天内最多只能暗访它 {possible} 次"
    )]
    Lockout {
        hall: String,
        needed: u32,
        lockout: u32,
        inspectors: usize,
        days: i64,
        possible: u64,
    },
    #[error(
        "营业厅 {hall} 的第 {visit} 次暗访找不到符合规则的暗访员和日期(每天上限、回避期都已用尽)"
    )]
    Stuck { hall: String, visit: u32 },
    #[error(
        "至少 {needed} 次暗访须在高峰时段,但按各营业厅的营业时间和高峰时段最多只能安排 {possible} 次"
    )]
    Peak { needed: u64, possible: u64 },
}

/// Plans `rules.visits_per_hall` visits for every hall. `halls` gives each
/// hall's code (for messages) and hours.
pub fn make_plan(
    halls: &[(&str, &Hours)],
    inspectors: usize,
    rules: &Rules,
) -> Result<Vec<Assignment>, PlanError> {
    check_feasible(halls, inspectors, rules)?;
    let days: Vec<NaiveDate> = rules
        .from
        .iter_days()
        .take_while(|d| *d <= rules.to)
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(rules.seed);
    let mut order: Vec<usize> = (0..halls.len()).collect();
    order.shuffle(&mut rng);
    // Inspectors' tie order, shuffled once so no name always comes first.
    let mut tie: Vec<usize> = (0..inspectors).collect();
    tie.shuffle(&mut rng);

    let mut load = vec![0u32; inspectors];
    let mut per_day: HashMap<(usize, NaiveDate), u32> = HashMap::new();
    let mut day_use = vec![0u32; days.len()];
    // (inspector, hall) → the days already planned.
    let mut seen: HashMap<(usize, usize), Vec<NaiveDate>> = HashMap::new();
    let mut plan: Vec<(usize, usize, usize)> = Vec::new(); // (hall, inspector, day)
    let n = rules.visits_per_hall as usize;
    let lockout = i64::from(rules.lockout_days);

    for &hall in &order {
        for visit in 0..n {
            // The visit's own stretch of the period first, then anywhere.
            let stretch = days.len() * visit / n..days.len() * (visit + 1) / n;
            let mut candidates: Vec<usize> = stretch.clone().collect();
            candidates.sort_by_key(|&d| (day_use[d], d));
            let mut rest: Vec<usize> = (0..days.len()).filter(|d| !stretch.contains(d)).collect();
            rest.sort_by_key(|&d| (day_use[d], d));
            candidates.extend(rest);

            let free = |inspector: usize, day: usize| {
                per_day.get(&(inspector, days[day])).copied().unwrap_or(0) < rules.max_per_day
                    && seen.get(&(inspector, hall)).is_none_or(|dates| {
                        dates
                            .iter()
                            .all(|d| (days[day] - *d).num_days().abs() >= lockout)
                    })
            };
            let mut by_load: Vec<usize> = tie.clone();
            by_load.sort_by_key(|&i| load[i]);
            let choice = by_load
                .iter()
                .find_map(|&i| candidates.iter().find(|&&d| free(i, d)).map(|&d| (i, d)));
            let Some((inspector, day)) = choice else {
                return Err(PlanError::Stuck {
                    hall: halls[hall].0.to_string(),
                    visit: visit as u32 + 1,
                });
            };
            load[inspector] += 1;
            day_use[day] += 1;
            *per_day.entry((inspector, days[day])).or_default() += 1;
            seen.entry((inspector, hall)).or_default().push(days[day]);
            plan.push((hall, inspector, day));
        }
    }
    windows(halls, &days, plan, rules, &mut rng)
}

/// What can be known to be impossible before planning.
fn check_feasible(
    halls: &[(&str, &Hours)],
    inspectors: usize,
    rules: &Rules,
) -> Result<(), PlanError> {
    if inspectors == 0 {
        return Err(PlanError::NoInspectors);
    }
    if halls.is_empty() {
        return Err(PlanError::NoHalls);
    }
    if rules.visits_per_hall == 0 {
        return Err(PlanError::NoVisits);
    }
    if rules.max_per_day == 0 {
        return Err(PlanError::NoDailyCapacity);
    }
    if !(0.0..=1.0).contains(&rules.peak_share) {
        return Err(PlanError::PeakShare(rules.peak_share.to_string()));
    }
    let days = (rules.to - rules.from).num_days() + 1;
    let needed = halls.len() as u64 * u64::from(rules.visits_per_hall);
    let capacity = inspectors as u64 * days as u64 * u64::from(rules.max_per_day);
    if needed > capacity {
        return Err(PlanError::Capacity {
            needed,
            inspectors,
            days,
            per_day: rules.max_per_day,
            capacity,
        });
    }
    // One inspector can see a hall on days 0, D, 2D, … within the period.
    let per_inspector = if rules.lockout_days == 0 {
        days as u64
    } else {
        (days as u64 - 1) / u64::from(rules.lockout_days) + 1
    };
    let possible = per_inspector * inspectors as u64;
    if u64::from(rules.visits_per_hall) > possible {
        return Err(PlanError::Lockout {
            hall: halls[0].0.to_string(),
            needed: rules.visits_per_hall,
            lockout: rules.lockout_days,
            inspectors,
            days,
            possible,
        });
    }
    Ok(())
}

/// Gives each planned visit a window: weekend visits are busy-hour visits
/// anyway; of the weekday ones, enough get a busy window to reach the share,
/// spread over the plan, and the rest a quiet one.
fn windows(
    halls: &[(&str, &Hours)],
    days: &[NaiveDate],
    plan: Vec<(usize, usize, usize)>,
    rules: &Rules,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<Assignment>, PlanError> {
    let needed = (rules.peak_share * plan.len() as f64 - 1e-9)
        .ceil()
        .max(0.0) as u64;
    let weekend = plan.iter().filter(|p| is_weekend(days[p.2])).count() as u64;
    let mut can_peak: Vec<usize> = plan
        .iter()
        .enumerate()
        .filter(|(_, p)| !is_weekend(days[p.2]) && !halls[p.0].1.peaks().is_empty())
        .map(|(i, _)| i)
        .collect();
    let possible = weekend + can_peak.len() as u64;
    if possible < needed {
        return Err(PlanError::Peak { needed, possible });
    }
    can_peak.shuffle(rng);
    let extra = needed.saturating_sub(weekend) as usize;
    let mut peak = vec![false; plan.len()];
    for &i in &can_peak[..extra] {
        peak[i] = true;
    }
    let mut assignments = Vec::with_capacity(plan.len());
    for (i, (hall, inspector, day)) in plan.into_iter().enumerate() {
        let hours = halls[hall].1;
        let date = days[day];
        let (options, is_peak) = if is_weekend(date) {
            (hours.weekend(), true)
        } else if peak[i] {
            (hours.peaks(), true)
        } else {
            let quiet = hours.quiet();
            if quiet.is_empty() {
                (hours.peaks(), true)
            } else {
                (quiet, false)
            }
        };
        let window = options[(hall + i) % options.len().max(1)];
        assignments.push(Assignment {
            hall,
            inspector,
            date,
            window,
            peak: is_peak,
        });
    }
    Ok(assignments)
}

/// A stored assignment, by names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub id: i64,
    pub branch_code: String,
    pub inspector: String,
    pub date: NaiveDate,
    pub window: Window,
    pub peak: bool,
    /// The row of the visit that carried it out, once found.
    pub visit: Option<i64>,
}

impl Planned {
    /// Its day has passed and no visit carried it out.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.visit.is_none() && self.date < today
    }
}

/// What an assignment is for: a visit the plan made, or a re-visit (复查)
/// added for one hall afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Visit,
    Revisit,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Visit => "visit",
            Kind::Revisit => "revisit",
        }
    }

    /// How plans and sheets name it.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Visit => "暗访",
            Kind::Revisit => "复查",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        [Kind::Visit, Kind::Revisit]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A stored visit, as far as matching it to a plan goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    pub row: i64,
    pub branch_code: String,
    pub inspector: Option<String>,
    pub date: NaiveDate,
}

/// Which visits carry out which assignments still open: a visit of the
/// assigned hall, by the assigned inspector, on the assigned day. Each visit
/// carries out one assignment at most; the earliest assignment takes the
/// earliest visit. Returns (assignment id, visit row) pairs.
pub fn match_visits(planned: &[Planned], made: &[Made]) -> Vec<(i64, i64)> {
    let mut held: HashSet<i64> = planned.iter().filter_map(|p| p.visit).collect();
    let mut open: Vec<&Planned> = planned.iter().filter(|p| p.visit.is_none()).collect();
    open.sort_by_key(|p| (p.date, p.id));
    let mut found = Vec::new();
    for p in open {
        let visit = made.iter().find(|m| {
            !held.contains(&m.row)
                && m.branch_code == p.branch_code
                && m.inspector.as_deref() == Some(p.inspector.as_str())
                && m.date == p.date
        });
        if let Some(m) = visit {
            held.insert(m.row);
            found.push((p.id, m.row));
        }
    }
    found
}

/// How far a hall's plan is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    pub planned: u32,
    pub done: u32,
    /// Missing visits whose day has passed.
    pub overdue: u32,
}

impl Coverage {
    /// Planned visits not (yet) carried out.
    pub fn missing(&self) -> u32 {
        self.planned.saturating_sub(self.done)
    }
}

/// Each hall's coverage on `today`, by branch code.
pub fn coverage(planned: &[Planned], today: NaiveDate) -> BTreeMap<&str, Coverage> {
    let mut halls: BTreeMap<&str, Coverage> = BTreeMap::new();
    for p in planned {
        let hall = halls.entry(p.branch_code.as_str()).or_default();
        hall.planned += 1;
        hall.done += u32::from(p.visit.is_some());
        hall.overdue += u32::from(p.is_overdue(today));
    }
    halls
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
    }

    fn quarter(seed: u64) -> Rules {
        Rules {
            from: day("2026-07-01"),
            to: day("2026-09-30"),
            visits_per_hall: 3,
            lockout_days: 30,
            max_per_day: 4,
            peak_share: 0.3,
            seed,
        }
    }

    /// Every rule of a plan, checked from the assignments alone.
    fn check(plan: &[Assignment], halls: &[(&str, &Hours)], inspectors: usize, rules: &Rules) {
        let mut per_hall = vec![0u32; halls.len()];
        let mut per_day: HashMap<(usize, NaiveDate), u32> = HashMap::new();
        let mut load = vec![0usize; inspectors];
        for a in plan {
            per_hall[a.hall] += 1;
            load[a.inspector] += 1;
            *per_day.entry((a.inspector, a.date)).or_default() += 1;
            assert!(rules.from <= a.date && a.date <= rules.to, "{a:?}");
            let hours = halls[a.hall].1;
            assert!(a.window.within(&hours.open) == Some(a.window), "{a:?}");
            if !is_weekend(a.date) {
                let in_peak = hours.peaks().contains(&a.window);
                assert_eq!(in_peak, a.peak, "{a:?}");
            } else {
                assert!(a.peak);
            }
        }
        assert!(per_hall.iter().all(|&n| n == rules.visits_per_hall));
        assert!(per_day.values().all(|&n| n <= rules.max_per_day));
        for a in plan {
            for b in plan {
                if a != b && a.hall == b.hall && a.inspector == b.inspector {
                    let apart = (a.date - b.date).num_days().abs();
                    assert!(apart >= i64::from(rules.lockout_days), "{a:?} {b:?}");
                }
            }
        }
        let peaks = plan.iter().filter(|a| a.peak).count() as f64;
        assert!(peaks >= (rules.peak_share * plan.len() as f64).ceil() - 1e-9);
        let (low, high) = (load.iter().min(), load.iter().max());
        assert!(high.zip(low).is_some_and(|(h, l)| h - l <= 1), "{load:?}");
    }

    #[test]
    fn a_quarter_for_forty_halls_keeps_every_rule() {
        let hours = Hours::default();
        let codes: Vec<String> = (0..40).map(|i| format!("H{i:02}")).collect();
        let halls: Vec<(&str, &Hours)> = codes.iter().map(|c| (c.as_str(), &hours)).collect();
        let rules = quarter(7);
        let plan = make_plan(&halls, 6, &rules).expect("a plan");
        assert_eq!(plan.len(), 120);
        check(&plan, &halls, 6, &rules);
        assert_eq!(plan, make_plan(&halls, 6, &rules).expect("again"));
        assert_ne!(
            plan,
            make_plan(&halls, 6, &quarter(8)).expect("another seed")
        );
    }

    #[test]
    fn impossible_plans_say_why() {
        let hours = Hours::default();
        let halls = [("H1", &hours), ("H2", &hours)];
        let mut rules = quarter(1);
        rules.to = day("2026-07-02");
        rules.max_per_day = 1;
        assert!(matches!(
            make_plan(&halls, 1, &rules),
            Err(PlanError::Capacity {
                needed: 6,
                capacity: 2,
                ..
            })
        ));
        let mut rules = quarter(1);
        rules.visits_per_hall = 5;
        let err = make_plan(&halls, 1, &rules).expect_err("lockout");
        assert!(err.to_string().contains("30 天内不得重复"), "{err}");
        assert_eq!(
            make_plan(&halls, 0, &quarter(1)),
            Err(PlanError::NoInspectors)
        );
        let closed_at_peak = Hours {
            open: Window::at((9, 0), (11, 0)),
            weekday_peaks: vec![Window::at((17, 0), (19, 0))],
        };
        let mut rules = quarter(1);
        rules.from = day("2026-07-06");
        rules.to = day("2026-07-10"); // Monday to Friday
        rules.visits_per_hall = 1;
        rules.peak_share = 0.5;
        assert!(matches!(
            make_plan(&[("H1", &closed_at_peak)], 1, &rules),
            Err(PlanError::Peak {
                needed: 1,
                possible: 0
            })
        ));
    }

    #[test]
    fn hours_are_read_from_roster_text() {
        assert_eq!(
            Window::parse("08:30-17:30"),
            Some(Window::at((8, 30), (17, 30)))
        );
        assert_eq!(
            Window::parse_list("11:00~13:00;17：00-19:00"),
            Some(vec![
                Window::at((11, 0), (13, 0)),
                Window::at((17, 0), (19, 0))
            ])
        );
        assert_eq!(Window::parse("18:00-09:00"), None);
        assert_eq!(Window::parse_list("全天"), None);
        let peaks = Hours::default().weekday_peaks;
        assert_eq!(Window::list_text(&peaks), "11:00-13:00、17:00-19:00");
        assert_eq!(Window::parse_list(&Window::list_text(&peaks)), Some(peaks));
        let monday = day("2026-07-06");
        let at = |t: &str| Window::parse(t).expect("a window");
        let usual = Hours::default();
        assert!(usual.is_peak(monday, at("11:30-12:30")));
        assert!(!usual.is_peak(monday, at("12:30-14:00")));
        assert!(!usual.is_peak(monday, at("09:00-19:00")));
        assert!(usual.is_peak(day("2026-07-04"), at("13:00-17:00")));
        assert!(usual.is_open(at("09:00-19:00")));
        assert!(!usual.is_open(at("08:00-10:00")));
        let hours = Hours::default();
        assert_eq!(
            hours.quiet(),
            vec![
                Window::at((9, 0), (11, 0)),
                Window::at((13, 0), (15, 0)),
                Window::at((15, 0), (17, 0))
            ]
        );
    }

    #[test]
    fn a_visit_carries_out_one_assignment_of_its_hall_inspector_and_day() {
        let planned = |id, inspector: &str, date| Planned {
            id,
            branch_code: "H1".into(),
            inspector: inspector.into(),
            date: day(date),
            window: Window::at((9, 0), (11, 0)),
            peak: false,
            visit: None,
        };
        let made = |row, inspector: &str, date| Made {
            row,
            branch_code: "H1".into(),
            inspector: Some(inspector.into()),
            date: day(date),
        };
        let mut plan = vec![
            planned(1, "王敏", "2026-07-01"),
            planned(2, "王敏", "2026-07-01"),
            planned(3, "李强", "2026-07-02"),
        ];
        let visits = [
            made(10, "李强", "2026-07-01"),
            made(11, "王敏", "2026-07-01"),
            made(12, "李强", "2026-07-03"),
        ];
        assert_eq!(match_visits(&plan, &visits), vec![(1, 11)]);
        plan[0].visit = Some(11);
        assert_eq!(match_visits(&plan, &visits), vec![]);
        // On 2 July the second of 1 July is overdue; the third is not yet.
        let halls = coverage(&plan, day("2026-07-02"));
        assert_eq!(
            halls["H1"],
            Coverage {
                planned: 3,
                done: 1,
                overdue: 1
            }
        );
        assert_eq!(halls["H1"].missing(), 2);
        assert!(!plan[0].is_overdue(day("2026-08-01")));
        assert!(!plan[2].is_overdue(day("2026-07-02")));
        assert!(plan[2].is_overdue(day("2026-07-03")));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_plans_keep_every_rule_or_say_why(
            halls in 1usize..40,
            inspectors in 1usize..8,
            visits in 1u32..5,
            lockout in 0u32..40,
            per_day in 1u32..4,
            share in 0.0..=1.0f64,
            days in 1i64..100,
            seed in any::<u64>(),
        ) {
            let hours = Hours::default();
            let codes: Vec<String> = (0..halls).map(|i| format!("H{i}")).collect();
            let list: Vec<(&str, &Hours)> = codes.iter().map(|c| (c.as_str(), &hours)).collect();
            let from = day("2026-07-01");
            let rules = Rules {
                from,
                to: from + chrono::Duration::days(days - 1),
                visits_per_hall: visits,
                lockout_days: lockout,
                max_per_day: per_day,
                peak_share: share,
                seed,
            };
            match make_plan(&list, inspectors, &rules) {
                Ok(plan) => check(&plan, &list, inspectors, &rules),
                Err(err) => prop_assert!(!err.to_string().is_empty()),
            }
        }
    }
}
