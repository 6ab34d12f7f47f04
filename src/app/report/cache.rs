//! Analyses kept between requests: each brought up to date with the
//! changes the store logged since, instead of computed anew.

use std::sync::{Arc, Mutex, PoisonError};

use super::batch::Batch;
use super::{Analysis, Options, checklist_for};
use crate::domain::period::Period;
use crate::storage::{self, Change, Decoding, Reader};

/// How many analyses a cache keeps (a dashboard uses two); each holds a
/// period's figures and running totals for every hall, about 10 MB for
/// 3,000 halls, and as much again once an admin's page has asked for its
/// inspector-adjusted copy.
const CACHED_ANALYSES: usize = 8;
/// At most this many earlier states of an analysis are kept besides the
/// latest, for requests that still use them: once they are done, one is
/// brought up to date in place of a copy of the latest (about 10 MB made
/// and freed again for 3,000 halls). Four readers at once under a stream of
/// submissions find one free nearly every time.
const SPARES: usize = 3;
/// More changes than this since an analysis was brought up to date: it is
/// computed anew.
const CACHED_CHANGES: usize = 5_000;

type CacheKey = (String, Period, u32);
/// An analysis and the change stamp it is up to date with.
type Stamped = (i64, Arc<Analysis>);
type Slot = Arc<Mutex<Kept>>;

/// What a cache keeps of one analysis.
#[derive(Default)]
struct Kept {
    latest: Option<Stamped>,
    /// Earlier states, oldest first, which requests may still be using
    /// (see [`SPARES`]).
    spares: Vec<Stamped>,
}

/// Analyses kept between requests by the web application. Before one is
/// handed out, the changes the audit log lists since it was brought up to
/// date are applied: new visits of its checklist and period are added to
/// it, every other change to visits, the roster or checklists has it
/// computed anew. Changes made by other processes — an import from the
/// command line while the server runs — are seen the same way.
#[derive(Default)]
pub struct AnalysisCache {
    /// Most recently used last.
    slots: Mutex<Vec<(CacheKey, Slot)>>,
}

impl AnalysisCache {
    /// What [`analyse`] computes, both analyses of one state of the store.
    pub fn analyse(
        &self,
        store: &Reader,
        options: &Options,
    ) -> storage::Result<(Arc<Analysis>, Arc<Analysis>)> {
        store.snapshot(|store| {
            let stamp = store.change_stamp()?;
            let id = checklist_for(store, options.checklist.as_deref(), options.period)?;
            let (period, min_visits) = (options.period, options.min_visits);
            let current = self.analysis(store, stamp, &id, period, min_visits)?;
            let previous = self.analysis(store, stamp, &id, period.previous(), min_visits)?;
            Ok((current, previous))
        })
    }

    /// The analysis as of change `stamp` (or later), `store` being in a
    /// snapshot taken at `stamp`. One request at a time brings a slot up to
    /// date; others asking for the same analysis wait and share it.
    fn analysis(
        &self,
        store: &Reader,
        stamp: i64,
        checklist_id: &str,
        period: Period,
        min_visits: u32,
    ) -> storage::Result<Arc<Analysis>> {
        let slot = self.slot((checklist_id.to_string(), period, min_visits));
        let mut kept = slot.lock().unwrap_or_else(PoisonError::into_inner);
        // Taken out: an error on the way leaves the slot empty, never half
        // updated.
        let Kept { latest, spares } = std::mem::take(&mut *kept);
        if let Some((seen, analysis)) = latest {
            if seen >= stamp {
                *kept = Kept {
                    latest: Some((seen, analysis.clone())),
                    spares,
                };
                return Ok(analysis);
            }
            if let Some(caught_up) = catch_up(store, (seen, analysis), spares)? {
                let analysis = caught_up.latest.clone();
                *kept = Kept {
                    latest: Some((stamp, caught_up.latest)),
                    spares: caught_up.spares,
                };
                return Ok(analysis);
            }
        }
        let analysis = Arc::new(Analysis::compute(store, checklist_id, period, min_visits)?);
        kept.latest = Some((stamp, analysis.clone()));
        Ok(analysis)
    }

    fn slot(&self, key: CacheKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = match slots.iter().position(|(k, _)| *k == key) {
            Some(i) => slots.remove(i).1,
            None => Slot::default(),
        };
        slots.push((key, slot.clone()));
        if slots.len() > CACHED_ANALYSES {
            slots.remove(0);
        }
        slot
    }
}

/// The visits read for [`catch_up`], oldest first, with the stamp of each
/// one's change.
#[derive(Default)]
struct NewVisits {
    stamps: Vec<i64>,
    visits: Batch,
}

/// An analysis brought up to date by [`catch_up`], and the spares to keep.
struct CaughtUp {
    latest: Arc<Analysis>,
    spares: Vec<Stamped>,
}

/// Applies the changes after `latest` was brought up to date: to it in
/// place when no request uses it; else to the newest of `spares` that no
/// request uses any more, from its own stamp; else to a copy. `None` when
/// the analysis must be computed anew instead.
fn catch_up(
    store: &Reader,
    latest: Stamped,
    mut spares: Vec<Stamped>,
) -> storage::Result<Option<CaughtUp>> {
    let (seen, analysis) = latest;
    // Requests using an analysis hold it besides the cache.
    let in_use = Arc::strong_count(&analysis) > 1;
    let reusable = if in_use {
        spares
            .iter()
            .rposition(|(_, spare)| Arc::strong_count(spare) == 1)
    } else {
        None
    };
    let since = reusable.map_or(seen, |i| spares[i].0);
    let Some(visits) = new_visits(store, since, &analysis)? else {
        return Ok(None);
    };
    if visits.stamps.iter().all(|&stamp| stamp <= seen) {
        // Nothing of its checklist and period: as it was.
        return Ok(Some(CaughtUp {
            latest: analysis,
            spares,
        }));
    }
    let (from, mut target) = if in_use {
        let target = match reusable {
            Some(i) => spares.remove(i),
            None => (seen, Arc::new(analysis.successor())),
        };
        spares.push((seen, analysis));
        if spares.len() > SPARES {
            spares.remove(0);
        }
        target
    } else {
        (seen, analysis)
    };
    let Some(writable) = Arc::get_mut(&mut target) else {
        return Ok(None);
    };
    let mut decoding = Decoding::default();
    for (&stamp, visit) in visits.stamps.iter().zip(visits.visits.visits()) {
        if stamp > from && !writable.add(&visit.decode(&mut decoding)?) {
            return Ok(None);
        }
    }
    writable.derive();
    Ok(Some(CaughtUp {
        latest: target,
        spares,
    }))
}

/// The visits of `analysis`'s checklist and period stored after change
/// `since`, oldest first; `None` when there were other changes, or too
/// many.
fn new_visits(
    store: &Reader,
    since: i64,
    analysis: &Analysis,
) -> storage::Result<Option<NewVisits>> {
    let Some(changes) = store.changes_since(since, CACHED_CHANGES)? else {
        return Ok(None);
    };
    if changes.iter().any(|(_, change)| *change == Change::Other) {
        return Ok(None);
    }
    let mut visits = NewVisits::default();
    // Visits of other checklists and periods are not this analysis's.
    store.scan_visits_added_since(since, &analysis.checklist_id, |stamp, visit| {
        if analysis.period.contains(visit.visited_at.date()) {
            visits.stamps.push(stamp);
            visits.visits.push(&visit);
        }
    })?;
    Ok(Some(visits))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ACTOR, demo_store, options};
    use super::super::{Level, analyse};
    use super::*;
    use crate::domain::answer::Answer;
    use crate::domain::visit::Visit;
    /// Everything the reports show of a pair of analyses.
    fn figures(current: &Analysis, previous: &Analysis) -> serde_json::Value {
        serde_json::json!({
            "branches": current.rankings(previous, Level::Branch, 3),
            "districts": current.rankings(previous, Level::District, 3),
            "cities": current.rankings(previous, Level::City, 3),
            "shortboards": current.shortboards("all").expect("all"),
        })
    }

    /// The cache's figures must be those of a computation from scratch.
    #[track_caller]
    fn assert_fresh(cache: &AnalysisCache, store: &Reader) -> (Arc<Analysis>, Arc<Analysis>) {
        let (current, previous) = cache.analyse(store, &options()).expect("cached");
        let (fresh, fresh_previous) = analyse(store, &options()).expect("fresh");
        assert_eq!(
            figures(&current, &previous),
            figures(&fresh, &fresh_previous)
        );
        (current, previous)
    }

    /// The most spares any analysis of `cache` has.
    fn spares(cache: &AnalysisCache) -> Option<usize> {
        let slots = cache.slots.lock().expect("slots");
        slots
            .iter()
            .map(|(_, slot)| slot.lock().expect("slot").spares.len())
            .max()
    }

    /// A new visit of the current quarter: a copy of a demo visit under a
    /// new id, with its first answer turned round.
    fn new_visit(store: &Reader, id: &str) -> Visit {
        let checklist = store.checklist("hall-visit").expect("checklist");
        let quarter = options().period;
        let mut visit = crate::app::demo::visits(&checklist)
            .into_iter()
            .find(|v| quarter.contains(v.visited_at.date()))
            .expect("a visit of the quarter");
        visit.visit_id = Some(id.to_string());
        visit.answers[0] = match visit.answers[0] {
            Answer::Pass => Answer::Fail,
            _ => Answer::Pass,
        };
        visit
    }

    #[test]
    fn states_still_in_use_are_kept_and_brought_up_to_date_once_free() {
        let (_dir, store, mut other) = demo_store();
        let cache = AnalysisCache::default();
        let mut submit = |id: &str| {
            other
                .import_visits(&[new_visit(&store, id)], storage::ImportOptions::by(ACTOR))
                .expect("submit");
        };
        // Every state held by a request when the next visit comes: each
        // next one is a copy, with the figures of a computation from scratch.
        let mut held = Vec::new();
        for n in 0..=SPARES {
            held.push(assert_fresh(&cache, &store).0);
            submit(&format!("HELD-{n}"));
        }
        let (latest, _) = assert_fresh(&cache, &store);
        assert_eq!(spares(&cache), Some(SPARES));

        // A request lets go of one of the kept states: the next state is
        // that one brought up to date, not another copy.
        // (The cache still holds it: no other analysis can take its place
        // in memory.)
        let freed = held.remove(2);
        let freed_at = Arc::as_ptr(&freed);
        drop(freed);
        submit("FREED");
        let (next, _) = assert_fresh(&cache, &store);
        assert_eq!(Arc::as_ptr(&next), freed_at);
        assert_eq!(next.region.visits, latest.region.visits + 1);
        assert_eq!(spares(&cache), Some(SPARES));
    }

    #[test]
    fn tickets_a_new_visit_settles_leave_the_analysis_to_be_brought_up_to_date() {
        let (_dir, store, mut other) = demo_store();
        let previous = options().period.previous();
        let rankings = serde_json::json!({"rows": []});
        let published = crate::app::publishing::publish(
            &mut other,
            "hall-visit",
            previous,
            7,
            &rankings,
            ACTOR,
        )
        .expect("publish");
        assert!(
            published.tickets > 0,
            "the demo's short boards open tickets"
        );
        let cache = AnalysisCache::default();
        let (before, _) = assert_fresh(&cache, &store);

        // A visit of a hall with open tickets settles them (an audit entry
        // each) besides adding itself: the analysis, still in use, is
        // brought up to date in a copy and kept as a spare, where an
        // analysis computed anew would start with none.
        let logged = || {
            store
                .changes_since(0, usize::MAX)
                .expect("log")
                .map(|c| c.len())
        };
        let logged_before = logged();
        // Its hall's first visit since the published quarter: the one that
        // settles the hall's tickets.
        let mut visit = new_visit(&store, "SETTLES");
        visit.visited_at = options().period.from.and_hms_opt(0, 0, 1).expect("a time");
        other
            .import_visits(&[visit], storage::ImportOptions::by(ACTOR))
            .expect("submit");
        let entries = logged()
            .zip(logged_before)
            .map(|(after, before)| after - before);
        assert!(
            entries > Some(1),
            "the visit and its settlements: {entries:?}"
        );
        let (after, _) = assert_fresh(&cache, &store);
        assert_eq!(after.region.visits, before.region.visits + 1);
        assert_eq!(spares(&cache), Some(1));
    }

    #[test]
    fn cached_analyses_follow_every_change() {
        let (_dir, store, mut other) = demo_store();
        let cache = AnalysisCache::default();
        let (current, previous) = assert_fresh(&cache, &store);

        // Nothing changed: the same analyses, not computed again.
        let (again, again_previous) = cache.analyse(&store, &options()).expect("cached");
        assert!(Arc::ptr_eq(&current, &again) && Arc::ptr_eq(&previous, &again_previous));

        // A submission (one new visit) on another connection is added; the
        // previous quarter, which it does not touch, is kept as it was.
        let visit = new_visit(&store, "NEW-1");
        other
            .import_visits(&[visit], storage::ImportOptions::by(ACTOR))
            .expect("submit");
        let (added, added_previous) = assert_fresh(&cache, &store);
        assert_eq!(added.region.visits, current.region.visits + 1);
        assert!(Arc::ptr_eq(&previous, &added_previous));
        let first = Arc::as_ptr(&current);
        drop((current, again));

        // Signing up a user changes nothing reports show.
        other
            .add_user(
                "新用户",
                "新用户",
                crate::domain::access::Role::Inspector,
                None,
                None,
                ACTOR,
            )
            .expect("user");
        let (unchanged, _) = cache.analyse(&store, &options()).expect("cached");
        assert!(Arc::ptr_eq(&added, &unchanged));

        // Another submission while the latest is in use: the analysis before
        // it, which nothing uses any more, is brought up to date from its own
        // stamp instead of a copy of the latest being made.
        let visit = new_visit(&store, "NEW-5");
        other
            .import_visits(&[visit], storage::ImportOptions::by(ACTOR))
            .expect("submit");
        let (reused, _) = assert_fresh(&cache, &store);
        assert_eq!(reused.region.visits, added.region.visits + 1);
        assert_eq!(Arc::as_ptr(&reused), first);

        // A replaced visit, visits imported in bulk, a renamed hall and a
        // district moved to another city: each is seen.
        let mut replaced = new_visit(&store, "NEW-1");
        replaced.answers[1] = Answer::Fail;
        replaced.answers[2] = Answer::Fail;
        other
            .import_visits(
                &[replaced],
                storage::ImportOptions {
                    replace: true,
                    ..storage::ImportOptions::by(ACTOR)
                },
            )
            .expect("replace");
        assert_fresh(&cache, &store);
        let bulk = [new_visit(&store, "NEW-2"), new_visit(&store, "NEW-3")];
        other
            .import_visits(&bulk, storage::ImportOptions::by(ACTOR))
            .expect("bulk");
        assert_fresh(&cache, &store);
        let mut roster = crate::app::demo::roster();
        roster[0].name = "改名后的营业厅".into();
        roster[1].city = Some("新地市".into());
        other.save_roster(&roster, true, ACTOR).expect("roster");
        let (renamed, _) = assert_fresh(&cache, &store);
        let hall = renamed.branches.iter().find(|b| b.code == roster[0].code);
        assert_eq!(hall.map(|b| b.name.as_str()), Some("改名后的营业厅"));

        // A new checklist version, and a visit scored by it.
        let mut checklist = store.checklist("hall-visit").expect("checklist");
        checklist.version += 1;
        checklist.sections[0].title = "仪容仪表(新版)".into();
        other.save_checklist(&checklist, ACTOR).expect("version 2");
        let mut visit = new_visit(&store, "NEW-4");
        visit.checklist_version = checklist.version;
        other
            .import_visits(&[visit], storage::ImportOptions::by(ACTOR))
            .expect("submit under version 2");
        let (newer, _) = assert_fresh(&cache, &store);
        assert_eq!(newer.versions.len(), 2);

        // And the cache keeps a bounded number of analyses.
        for month in 1..=12 {
            let options = Options {
                period: Period::parse(&format!("2025-{month:02}")).expect("month"),
                ..options()
            };
            cache.analyse(&store, &options).expect("month");
        }
        let kept = cache.slots.lock().expect("slots").len();
        assert!(kept <= CACHED_ANALYSES, "{kept} analyses kept");
    }
}
