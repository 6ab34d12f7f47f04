//! Visit plans: which inspector visits which hall on which day, in which
//! time window, so that every hall gets its quota inside the period, nobody
//! sees the same hall again too soon, nobody has too many visits on a day,
//! enough visits fall in busy hours, and the work is shared out evenly.
//!
//! Planning goes in two steps, both deterministic for a seed:
//!
//! 1. A greedy pass, fast enough for a national quarter: halls in a shuffled
//!    order, each hall's visits spread over equal stretches of the period,
//!    each visit given to the least-loaded inspector who may take it. When
//!    halls closed in busy hours need weekend visits to reach the share, they
//!    try weekends first. Its loads differ by one at most.
//! 2. When the greedy pass gets stuck or falls short of the busy-hour share,
//!    an exact search takes over: it walks the period day by day, trying
//!    every set of visits each inspector could make that day, and remembers
//!    the states (visits still owed per hall, days since each inspector last
//!    saw each hall, busy-hour visits so far) from which nothing works. It
//!    either finds a plan or proves there is none, and then says which rules
//!    clash; on inputs too large to settle within its step budget it says so
//!    rather than guess.
//!
//! Up front, plain counts (capacity, lockout, busy hours) refuse what is
//! impossible on its face with the rule that makes it so.

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
        "在 {days} 天内、每人每天最多 {per_day} 次、同一暗访员 {lockout} 天内不得重复暗访同一营业厅,排不出每个营业厅 {visits} 次暗访(已试遍所有安排)"
    )]
    Clash {
        days: i64,
        per_day: u32,
        lockout: u32,
        visits: u32,
    },
    #[error(
        "至少 {needed} 次暗访须在高峰时段,但在每天上限和回避期之内,不在高峰营业的营业厅排不出足够的周末暗访(已试遍所有安排)"
    )]
    PeakClash { needed: u64 },
    #[error(
        "规则过紧:在限定的计算量内既没找到满足全部规则的计划,也没能证明不存在;请放宽每天上限、回避期或高峰占比,或增加暗访员后重试"
    )]
    TooTight,
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
    let needed = needed_peaks(halls.len() as u64 * u64::from(rules.visits_per_hall), rules);
    let peaky: Vec<bool> = halls.iter().map(|h| !h.1.peaks().is_empty()).collect();
    let weekend: Vec<bool> = days.iter().map(|d| is_weekend(*d)).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(rules.seed);
    let greedy = greedy(&peaky, inspectors, &weekend, rules, needed, &mut rng)
        .filter(|plan| peak_visits(plan, &peaky, &weekend) >= needed);
    let plan = match greedy {
        Some(plan) => plan,
        None => settle(&peaky, inspectors, &weekend, rules, needed)?,
    };
    Ok(windows(halls, &days, plan, needed, &mut rng))
}

/// How many visits must fall in busy hours.
fn needed_peaks(total: u64, rules: &Rules) -> u64 {
    (rules.peak_share * total as f64 - 1e-9).ceil().max(0.0) as u64
}

/// How many planned (hall, inspector, day) visits can be busy-hour visits:
/// those on a weekend, and those at a hall with busy hours.
fn peak_visits(plan: &[(usize, usize, usize)], peaky: &[bool], weekend: &[bool]) -> u64 {
    plan.iter().filter(|p| weekend[p.2] || peaky[p.0]).count() as u64
}

/// The fast pass: (hall, inspector, day) for every visit, or `None` when it
/// gets stuck.
fn greedy(
    peaky: &[bool],
    inspectors: usize,
    weekend: &[bool],
    rules: &Rules,
    needed: u64,
    rng: &mut ChaCha8Rng,
) -> Option<Vec<(usize, usize, usize)>> {
    let n = rules.visits_per_hall as usize;
    let days = weekend.len();
    let mut order: Vec<usize> = (0..peaky.len()).collect();
    order.shuffle(rng);
    // Inspectors' tie order, shuffled once so no name always comes first.
    let mut tie: Vec<usize> = (0..inspectors).collect();
    tie.shuffle(rng);
    // Halls closed in busy hours try weekends first while the share needs it.
    let mut short = needed.saturating_sub(peaky.iter().filter(|&&p| p).count() as u64 * n as u64);

    let mut load = vec![0u32; inspectors];
    let mut per_day = vec![0u32; inspectors * days];
    let mut day_use = vec![0u32; days];
    // (inspector, hall) → the days already planned.
    let mut seen: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    let mut plan: Vec<(usize, usize, usize)> = Vec::with_capacity(peaky.len() * n);
    let lockout = rules.lockout_days as usize;

    for &hall in &order {
        let weekends_first = !peaky[hall] && short > 0;
        for visit in 0..n {
            // The visit's own stretch of the period first, then anywhere.
            let stretch = days * visit / n..days * (visit + 1) / n;
            let mut candidates: Vec<usize> = (0..days).collect();
            candidates.sort_by_key(|&d| {
                let wanted = weekends_first && weekend[d];
                (!wanted, !stretch.contains(&d), day_use[d], d)
            });
            let free = |inspector: usize, day: usize| {
                per_day[inspector * days + day] < rules.max_per_day
                    && seen
                        .get(&(inspector, hall))
                        .is_none_or(|dates| dates.iter().all(|&d| d.abs_diff(day) >= lockout))
            };
            let mut by_load: Vec<usize> = tie.clone();
            by_load.sort_by_key(|&i| load[i]);
            let (inspector, day) = by_load
                .iter()
                .find_map(|&i| candidates.iter().find(|&&d| free(i, d)).map(|&d| (i, d)))?;
            load[inspector] += 1;
            day_use[day] += 1;
            per_day[inspector * days + day] += 1;
            seen.entry((inspector, hall)).or_default().push(day);
            plan.push((hall, inspector, day));
            if !peaky[hall] && weekend[day] {
                short = short.saturating_sub(1);
            }
        }
    }
    Some(plan)
}

/// The exact search, and the reason when it proves there is no plan.
fn settle(
    peaky: &[bool],
    inspectors: usize,
    weekend: &[bool],
    rules: &Rules,
    needed: u64,
) -> Result<Vec<(usize, usize, usize)>, PlanError> {
    let clash = PlanError::Clash {
        days: weekend.len() as i64,
        per_day: rules.max_per_day,
        lockout: rules.lockout_days,
        visits: rules.visits_per_hall,
    };
    // Loads within one of each other first, then any loads.
    let total = peaky.len() as u32 * rules.visits_per_hall;
    let even = (total / inspectors as u32, total.div_ceil(inspectors as u32));
    for loads in [even, (0, u32::MAX)] {
        let mut search = Search::new(peaky, inspectors, weekend, rules, (needed, loads));
        // Only the search with any loads may settle that there is no plan.
        match (search.day(0), loads == even) {
            (Outcome::Found, _) => return Ok(search.plan),
            (Outcome::GaveUp, false) => return Err(PlanError::TooTight),
            _ => {}
        }
    }
    let any = (0, u32::MAX);
    match needed {
        0 => Err(clash),
        _ => match Search::new(peaky, inspectors, weekend, rules, (0, any)).day(0) {
            Outcome::Found => Err(PlanError::PeakClash { needed }),
            Outcome::Nothing => Err(clash),
            Outcome::GaveUp => Err(PlanError::TooTight),
        },
    }
}

/// How many steps the exact search may take before it gives up.
const SEARCH_STEPS: u64 = 400_000;

enum Outcome {
    Found,
    Nothing,
    GaveUp,
}

/// The exact search's state: the period walked day by day, each inspector's
/// visits of the day chosen as a set of halls.
struct Search<'a> {
    peaky: &'a [bool],
    weekend: &'a [bool],
    /// Weekend days from each day to the end.
    weekends_left: Vec<u64>,
    inspectors: usize,
    per_day: u32,
    lockout: usize,
    needed: u64,
    /// Fewest and most visits an inspector may get.
    loads: (u32, u32),
    /// Visits each hall still needs.
    owed: Vec<u32>,
    /// The last day each inspector saw each hall (inspector × halls + hall).
    last: Vec<Option<usize>>,
    load: Vec<u32>,
    peaks: u64,
    plan: Vec<(usize, usize, usize)>,
    /// States known to lead nowhere.
    dead: HashSet<Vec<u32>>,
    steps: u64,
}

impl<'a> Search<'a> {
    fn new(
        peaky: &'a [bool],
        inspectors: usize,
        weekend: &'a [bool],
        rules: &Rules,
        (needed, loads): (u64, (u32, u32)),
    ) -> Search<'a> {
        let mut weekends_left = vec![0u64; weekend.len() + 1];
        for d in (0..weekend.len()).rev() {
            weekends_left[d] = weekends_left[d + 1] + u64::from(weekend[d]);
        }
        Search {
            peaky,
            weekend,
            weekends_left,
            inspectors,
            per_day: rules.max_per_day,
            lockout: rules.lockout_days as usize,
            needed,
            loads,
            owed: vec![rules.visits_per_hall; peaky.len()],
            last: vec![None; inspectors * peaky.len()],
            load: vec![0; inspectors],
            peaks: 0,
            plan: Vec::new(),
            dead: HashSet::new(),
            steps: 0,
        }
    }

    /// Plans day `t` and the days after it.
    fn day(&mut self, t: usize) -> Outcome {
        if self.owed.iter().all(|&n| n == 0) {
            let even = self.load.iter().all(|&n| n >= self.loads.0);
            return if self.peaks >= self.needed && even {
                Outcome::Found
            } else {
                Outcome::Nothing
            };
        }
        if t == self.weekend.len() || !self.hopeful(t) {
            return Outcome::Nothing;
        }
        let key = self.key(t);
        if self.dead.contains(&key) {
            return Outcome::Nothing;
        }
        let mut order: Vec<usize> = (0..self.inspectors).collect();
        order.sort_by_key(|&i| (self.load[i], i));
        let outcome = self.slot(t, &order, 0, 0);
        if matches!(outcome, Outcome::Nothing) {
            self.dead.insert(key);
        }
        outcome
    }

    /// Gives `order[0]` another visit on day `t` (halls from `from` on, so
    /// each set of halls is tried once), or moves on to the next inspector.
    fn slot(&mut self, t: usize, order: &[usize], taken: u32, from: usize) -> Outcome {
        self.steps += 1;
        if self.steps > SEARCH_STEPS {
            return Outcome::GaveUp;
        }
        let Some(&i) = order.first() else {
            return self.day(t + 1);
        };
        if taken < self.per_day && self.load[i] < self.loads.1 {
            let halls = self.owed.len();
            let mut open: Vec<usize> = (from..halls)
                .filter(|&h| {
                    self.owed[h] > 0
                        && self.last[i * halls + h].is_none_or(|l| t - l >= self.lockout)
                })
                .collect();
            open.sort_by_key(|&h| std::cmp::Reverse(self.owed[h]));
            for h in open {
                let before = self.last[i * halls + h];
                self.mark(i, h, t, Some(t), true);
                let next = if self.lockout == 0 { h } else { h + 1 };
                let outcome = self.slot(t, order, taken + 1, next);
                if !matches!(outcome, Outcome::Nothing) {
                    return outcome;
                }
                self.mark(i, h, t, before, false);
            }
        }
        self.slot(t, &order[1..], 0, 0)
    }

    /// Plans (`on`) or takes back a visit of hall `h` by inspector `i` on
    /// day `t`; `last` is the inspector's last day at the hall afterwards.
    fn mark(&mut self, i: usize, h: usize, t: usize, last: Option<usize>, on: bool) {
        let peak = u64::from(self.weekend[t] || self.peaky[h]);
        self.last[i * self.owed.len() + h] = last;
        if on {
            self.owed[h] -= 1;
            self.load[i] += 1;
            self.peaks += peak;
            self.plan.push((h, i, t));
        } else {
            self.owed[h] += 1;
            self.load[i] -= 1;
            self.peaks -= peak;
            self.plan.pop();
        }
    }

    /// Whether the days from `t` could still hold what is owed: enough
    /// capacity, each hall enough inspector-days outside the lockout, and
    /// enough chances of busy-hour visits.
    fn hopeful(&self, t: usize) -> bool {
        let days = self.weekend.len();
        let each = (days - t) as u64 * u64::from(self.per_day);
        let (low, high) = (u64::from(self.loads.0), u64::from(self.loads.1));
        let slots: u64 = self
            .load
            .iter()
            .map(|&n| each.min(high.saturating_sub(u64::from(n))))
            .sum();
        let owed: u64 = self.owed.iter().map(|&n| u64::from(n)).sum();
        if owed > slots || self.load.iter().any(|&n| u64::from(n) + each < low) {
            return false;
        }
        let halls = self.owed.len();
        let reach = |h: usize| -> u64 {
            (0..self.inspectors)
                .map(|i| {
                    let first = self.last[i * halls + h].map_or(t, |l| t.max(l + self.lockout));
                    match (first < days, self.lockout) {
                        (false, _) => 0,
                        (true, 0) => (days - t) as u64 * u64::from(self.per_day),
                        (true, gap) => ((days - 1 - first) / gap + 1) as u64,
                    }
                })
                .sum()
        };
        if (0..halls).any(|h| u64::from(self.owed[h]) > reach(h)) {
            return false;
        }
        let weekend_slots =
            self.weekends_left[t] * self.inspectors as u64 * u64::from(self.per_day);
        let chances: u64 = (0..halls)
            .map(|h| match self.peaky[h] {
                true => u64::from(self.owed[h]),
                false => u64::from(self.owed[h]).min(weekend_slots),
            })
            .sum();
        self.peaks + chances >= self.needed
    }

    /// What decides the rest of the plan from the start of day `t`.
    fn key(&self, t: usize) -> Vec<u32> {
        let halls = self.owed.len();
        let mut key = Vec::with_capacity(2 + halls * (self.inspectors + 1));
        key.push(t as u32);
        key.push(self.peaks.min(self.needed) as u32);
        key.extend_from_slice(&self.owed);
        if self.loads != (0, u32::MAX) {
            key.extend_from_slice(&self.load);
        }
        key.extend(
            self.last
                .iter()
                .map(|l| l.map_or(self.lockout, |l| (t - l).min(self.lockout)) as u32),
        );
        key
    }
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
    // One inspector can see a hall on days 0, D, 2D, … within the period;
    // without a lockout, up to the daily cap every day.
    let per_inspector = if rules.lockout_days == 0 {
        days as u64 * u64::from(rules.max_per_day)
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
    check_peaks(halls, inspectors, rules)
}

/// Busy-hour visits: every visit of a hall with busy hours can be one; a
/// hall closed in busy hours only has weekends.
fn check_peaks(
    halls: &[(&str, &Hours)],
    inspectors: usize,
    rules: &Rules,
) -> Result<(), PlanError> {
    let weekends = rules
        .from
        .iter_days()
        .take_while(|d| *d <= rules.to)
        .filter(|d| is_weekend(*d))
        .count() as u64;
    let per_weekend_day = if rules.lockout_days == 0 {
        u64::from(rules.max_per_day)
    } else {
        1
    };
    let n = u64::from(rules.visits_per_hall);
    let possible: u64 = halls
        .iter()
        .map(|(_, hours)| match hours.peaks().is_empty() {
            false => n,
            true => n.min(weekends * inspectors as u64 * per_weekend_day),
        })
        .sum();
    let needed = needed_peaks(halls.len() as u64 * n, rules);
    if needed > possible {
        return Err(PlanError::Peak { needed, possible });
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
    needed: u64,
    rng: &mut ChaCha8Rng,
) -> Vec<Assignment> {
    let weekend = plan.iter().filter(|p| is_weekend(days[p.2])).count() as u64;
    let mut can_peak: Vec<usize> = plan
        .iter()
        .enumerate()
        .filter(|(_, p)| !is_weekend(days[p.2]) && !halls[p.0].1.peaks().is_empty())
        .map(|(i, _)| i)
        .collect();
    can_peak.shuffle(rng);
    let extra = (needed.saturating_sub(weekend) as usize).min(can_peak.len());
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
    assignments
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
    // The visits of each hall, inspector and day, in the order given: a
    // year's plan of the whole country meets tens of thousands of visits.
    let mut by_slot: HashMap<(&str, &str, NaiveDate), Vec<i64>> = HashMap::new();
    for m in made {
        if let Some(inspector) = &m.inspector {
            by_slot
                .entry((&m.branch_code, inspector, m.date))
                .or_default()
                .push(m.row);
        }
    }
    let mut found = Vec::new();
    for p in open {
        let slot = (p.branch_code.as_str(), p.inspector.as_str(), p.date);
        let visit = by_slot
            .get(&slot)
            .and_then(|rows| rows.iter().find(|row| !held.contains(row)));
        if let Some(&row) = visit {
            held.insert(row);
            found.push((p.id, row));
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

/// Where an assignment stands on its inspector's list on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Today,
    Coming,
    /// Its day has passed and no visit carried it out.
    Overdue,
    /// Its day has passed and a visit carried it out: off the list.
    Past,
}

/// Why a visit cannot carry out an assignment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CarryError {
    #[error("任务 {id} 不是分派给 {inspector} 的任务")]
    NotTheirs { id: i64, inspector: String },
    #[error("任务 {id} 是网点 {planned} 的任务,不能用于网点 {given} 的暗访")]
    OtherHall {
        id: i64,
        planned: String,
        given: String,
    },
    #[error("任务 {id} 已由另一次暗访({visit})完成")]
    Done { id: i64, visit: String },
}

impl Planned {
    pub fn due(&self, today: NaiveDate) -> Due {
        match self.date.cmp(&today) {
            std::cmp::Ordering::Equal => Due::Today,
            std::cmp::Ordering::Greater => Due::Coming,
            std::cmp::Ordering::Less if self.visit.is_none() => Due::Overdue,
            std::cmp::Ordering::Less => Due::Past,
        }
    }

    /// Whether the visit `visit_id` of `branch_code` by `inspector` may
    /// carry out this assignment, which the visit `done_by` may already
    /// have carried out (the same visit sent again is welcome).
    pub fn carried_by(
        &self,
        inspector: &str,
        branch_code: &str,
        visit_id: &str,
        done_by: Option<&str>,
    ) -> Result<(), CarryError> {
        if self.inspector != inspector {
            return Err(CarryError::NotTheirs {
                id: self.id,
                inspector: inspector.to_string(),
            });
        }
        if self.branch_code != branch_code {
            return Err(CarryError::OtherHall {
                id: self.id,
                planned: self.branch_code.clone(),
                given: branch_code.to_string(),
            });
        }
        match done_by {
            Some(done) if done != visit_id => Err(CarryError::Done {
                id: self.id,
                visit: done.to_string(),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn task(date: &str, visit: Option<i64>) -> Planned {
        Planned {
            id: 7,
            branch_code: "XP001".into(),
            inspector: "王敏".into(),
            date: day(date),
            window: Window::parse("11:00-13:00").expect("a window"),
            peak: true,
            visit,
        }
    }

    #[test]
    fn a_task_is_due_today_coming_overdue_or_past() {
        let today = day("2026-07-10");
        assert_eq!(task("2026-07-10", None).due(today), Due::Today);
        assert_eq!(task("2026-07-10", Some(3)).due(today), Due::Today);
        assert_eq!(task("2026-07-11", None).due(today), Due::Coming);
        assert_eq!(task("2026-07-12", Some(3)).due(today), Due::Coming);
        assert_eq!(task("2026-07-09", None).due(today), Due::Overdue);
        assert_eq!(task("2026-07-09", Some(3)).due(today), Due::Past);
    }

    #[test]
    fn only_its_inspector_at_its_hall_carries_out_a_task_once() {
        let open = task("2026-07-10", None);
        assert_eq!(open.carried_by("王敏", "XP001", "v1", None), Ok(()));
        assert_eq!(
            open.carried_by("李强", "XP001", "v1", None)
                .map_err(|e| e.to_string()),
            Err("任务 7 不是分派给 李强 的任务".to_string())
        );
        assert_eq!(
            open.carried_by("王敏", "BY003", "v1", None)
                .map_err(|e| e.to_string()),
            Err("任务 7 是网点 XP001 的任务,不能用于网点 BY003 的暗访".to_string())
        );
        let done = task("2026-07-10", Some(3));
        assert_eq!(done.carried_by("王敏", "XP001", "v1", Some("v1")), Ok(()));
        assert_eq!(
            done.carried_by("王敏", "XP001", "v2", Some("v1")),
            Err(CarryError::Done {
                id: 7,
                visit: "v1".into()
            })
        );
    }

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

    /// Every rule of a plan, and loads within one of each other.
    fn check(plan: &[Assignment], halls: &[(&str, &Hours)], inspectors: usize, rules: &Rules) {
        check_rules(plan, halls, rules);
        let mut load = vec![0usize; inspectors];
        plan.iter().for_each(|a| load[a.inspector] += 1);
        let (low, high) = (load.iter().min(), load.iter().max());
        assert!(high.zip(low).is_some_and(|(h, l)| h - l <= 1), "{load:?}");
    }

    /// Every rule of a plan, checked from the assignments alone.
    fn check_rules(plan: &[Assignment], halls: &[(&str, &Hours)], rules: &Rules) {
        let mut per_hall = vec![0u32; halls.len()];
        let mut per_day: HashMap<(usize, NaiveDate), u32> = HashMap::new();
        for a in plan {
            per_hall[a.hall] += 1;
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
        for (x, a) in plan.iter().enumerate() {
            for b in &plan[x + 1..] {
                if a.hall == b.hall && a.inspector == b.inspector {
                    let apart = (a.date - b.date).num_days().abs();
                    assert!(apart >= i64::from(rules.lockout_days), "{a:?} {b:?}");
                }
            }
        }
        let peaks = plan.iter().filter(|a| a.peak).count() as f64;
        assert!(peaks >= (rules.peak_share * plan.len() as f64).ceil() - 1e-9);
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
    fn tight_plans_are_made_and_clashing_rules_are_named() {
        // Wednesday to Saturday; a hall closed in busy hours must be seen on
        // the Saturday by both inspectors to reach the share.
        let closed_at_peak = Hours {
            open: Window::at((9, 0), (11, 0)),
            weekday_peaks: vec![Window::at((17, 0), (19, 0))],
        };
        let rules = Rules {
            from: day("2026-07-08"),
            to: day("2026-07-11"),
            visits_per_hall: 2,
            lockout_days: 0,
            max_per_day: 1,
            peak_share: 0.75,
            seed: 0,
        };
        let halls = [("H1", &closed_at_peak)];
        let plan = make_plan(&halls, 2, &rules).expect("both on Saturday");
        check(&plan, &halls, 2, &rules);
        assert!(plan.iter().all(|a| a.date == day("2026-07-11")));

        // A lockout of three days in four forces days 1 and 4 on each hall.
        let hours = Hours::default();
        let mut rules = quarter(1);
        rules.to = day("2026-07-04");
        rules.visits_per_hall = 2;
        rules.lockout_days = 3;
        rules.max_per_day = 1;
        rules.peak_share = 0.0;
        let err = make_plan(&[("H1", &hours), ("H2", &hours)], 1, &rules).expect_err("clash");
        assert!(matches!(err, PlanError::Clash { lockout: 3, .. }), "{err}");

        // Two closed halls need both Saturday visits, but one inspector with
        // one visit a day has only one.
        let mut rules = quarter(1);
        rules.from = day("2026-07-10");
        rules.to = day("2026-07-11"); // Friday, Saturday
        rules.visits_per_hall = 1;
        rules.max_per_day = 1;
        rules.peak_share = 1.0;
        let halls = [("H1", &closed_at_peak), ("H2", &closed_at_peak)];
        let err = make_plan(&halls, 1, &rules).expect_err("peak clash");
        assert_eq!(err, PlanError::PeakClash { needed: 2 }, "{err}");
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

    /// Whether any plan keeps the rules, by trying every way: each hall
    /// picks a set of (inspector, day) pairs that keeps the lockout, halls
    /// with the same hours in a fixed order, and the busy-hour share is
    /// counted at the end. Only for tiny inputs.
    fn reference(halls: &[&Hours], inspectors: usize, rules: &Rules) -> bool {
        let days: Vec<NaiveDate> = rules
            .from
            .iter_days()
            .take_while(|d| *d <= rules.to)
            .collect();
        let cells: Vec<(usize, usize)> = (0..inspectors)
            .flat_map(|i| (0..days.len()).map(move |d| (i, d)))
            .collect();
        let lockout = i64::from(rules.lockout_days);
        let mut patterns: Vec<Vec<usize>> = vec![vec![]];
        for _ in 0..rules.visits_per_hall {
            let mut longer = Vec::new();
            for p in &patterns {
                for c in p.last().copied().unwrap_or(0)..cells.len() {
                    let (i, d) = cells[c];
                    let apart = |&o: &usize| {
                        let (oi, od) = cells[o];
                        oi != i || (days[d] - days[od]).num_days().abs() >= lockout
                    };
                    if p.iter().all(apart) {
                        let mut q = p.clone();
                        q.push(c);
                        longer.push(q);
                    }
                }
            }
            patterns = longer;
        }
        let total = halls.len() as f64 * f64::from(rules.visits_per_hall);
        let needed = (rules.peak_share * total - 1e-9).ceil().max(0.0) as usize;
        // Busy-hour chances of each pattern at each hall.
        let peaks: Vec<Vec<usize>> = halls
            .iter()
            .map(|hours| {
                let peaky = !hours.peaks().is_empty();
                let chance = |&c: &usize| peaky || is_weekend(days[cells[c].1]);
                patterns
                    .iter()
                    .map(|p| p.iter().filter(|c| chance(c)).count())
                    .collect()
            })
            .collect();
        let same: Vec<bool> = (0..halls.len())
            .map(|h| h > 0 && halls[h] == halls[h - 1])
            .collect();
        let mut used = vec![0u32; cells.len()];
        let mut stack = vec![(0usize, 0usize, 0usize)]; // (hall, next pattern, busy so far)
        let mut chosen: Vec<usize> = Vec::new();
        while let Some((h, from, got)) = stack.pop() {
            while chosen.len() > h {
                let k = chosen.pop().unwrap_or_default();
                patterns[k].iter().for_each(|&c| used[c] -= 1);
            }
            if h == halls.len() {
                if got >= needed {
                    return true;
                }
                continue;
            }
            let fits = |p: &Vec<usize>| {
                p.iter().all(|&c| {
                    let twice = p.iter().filter(|&&o| o == c).count() as u32;
                    used[c] + twice <= rules.max_per_day
                })
            };
            let Some(k) = (from..patterns.len()).find(|&k| fits(&patterns[k])) else {
                continue;
            };
            patterns[k].iter().for_each(|&c| used[c] += 1);
            chosen.push(k);
            stack.push((h, k + 1, got));
            let start = if h + 1 < halls.len() && same[h + 1] {
                k
            } else {
                0
            };
            stack.push((h + 1, start, got + peaks[h][k]));
        }
        false
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn a_plan_is_made_exactly_when_one_exists(
            closed in proptest::collection::vec(any::<bool>(), 1..=3),
            inspectors in 1usize..=2,
            visits in 1u32..=3,
            lockout in 0u32..=8,
            per_day in 1u32..=2,
            share in 0.0..=1.0f64,
            days in 1i64..=7,
            start in 0i64..7,
            seed in any::<u64>(),
        ) {
            let open = Hours::default();
            let closed_at_peak = Hours {
                open: Window::at((9, 0), (11, 0)),
                weekday_peaks: vec![Window::at((17, 0), (19, 0))],
            };
            let hours: Vec<&Hours> = closed.iter().map(|&c| if c { &closed_at_peak } else { &open }).collect();
            let codes: Vec<String> = (0..hours.len()).map(|i| format!("H{i}")).collect();
            let list: Vec<(&str, &Hours)> = codes.iter().map(String::as_str).zip(hours.iter().copied()).collect();
            let from = day("2026-07-06") + chrono::Duration::days(start);
            let rules = Rules {
                from,
                to: from + chrono::Duration::days(days - 1),
                visits_per_hall: visits,
                lockout_days: lockout,
                max_per_day: per_day,
                peak_share: share,
                seed,
            };
            let exists = reference(&hours, inspectors, &rules);
            match make_plan(&list, inspectors, &rules) {
                Ok(plan) => {
                    prop_assert!(exists, "a plan the reference says cannot exist");
                    check_rules(&plan, &list, &rules);
                }
                Err(err) => prop_assert!(!exists, "refused a plan that exists: {err}"),
            }
        }
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
                // Loads within one are sought but not always found once the
                // exact search takes over, so only the rules are checked here.
                Ok(plan) => check_rules(&plan, &list, &rules),
                Err(err) => prop_assert!(!err.to_string().is_empty()),
            }
        }
    }
}
