//! Properties of scoring and ranking that must hold for any input.

use proptest::prelude::*;

use super::analytics::{Catalogue, Tally, TopBottom, competition_ranks, rank_key, top_bottom};
use super::answer::Answer;
use super::checklist::tests::sample;
use super::checklist::{Checklist, ItemKind};
use super::scoring::score_visit;

/// Any valid answer set for the sample checklist.
fn answers() -> impl Strategy<Value = Vec<Answer>> {
    let checklist = sample();
    let per_item: Vec<BoxedStrategy<Answer>> = checklist
        .items()
        .map(|(_, item)| {
            let answer = match &item.kind {
                ItemKind::Check { .. } => {
                    prop_oneof![Just(Answer::Pass), Just(Answer::Fail)].boxed()
                }
                ItemKind::Scale => (0.0..=item.points).prop_map(Answer::Number).boxed(),
                ItemKind::Choice { choices } => {
                    (0..choices.len() as u16).prop_map(Answer::Choice).boxed()
                }
                ItemKind::Measure { .. } => (0.0..40.0f64).prop_map(Answer::Number).boxed(),
            };
            if item.na {
                prop_oneof![1 => Just(Answer::NotApplicable), 3 => answer].boxed()
            } else {
                answer
            }
        })
        .collect();
    per_item
}

fn standings(checklist: &Checklist, visits: &[(usize, Vec<Answer>)]) -> Vec<Vec<Option<f64>>> {
    let catalogue = Catalogue::new(&[checklist]);
    let map = catalogue.map(checklist);
    let mut tally = Tally::new(&catalogue, 4);
    for (branch, answers) in visits {
        tally.add(*branch, &map, &score_visit(checklist, answers).points);
    }
    tally
        .branch_standings()
        .into_iter()
        .map(|s| s.rates)
        .collect()
}

proptest! {
    #[test]
    fn rates_lie_between_zero_and_one(answers in answers()) {
        let score = score_visit(&sample(), &answers);
        let all = score.points.items.iter().chain(&score.points.sections).chain(std::iter::once(&score.points.total));
        for points in all.flatten() {
            prop_assert!((0.0..=1.0).contains(&points.rate()), "{points:?}");
        }
    }

    #[test]
    fn visit_order_never_changes_a_result(
        visits in prop::collection::vec((0..4usize, answers()), 0..24),
        seed in any::<u64>(),
    ) {
        let checklist = sample();
        let mut shuffled = visits.clone();
        // A deterministic shuffle driven by the generated seed.
        let len = shuffled.len();
        for i in (1..len).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        shuffled.reverse();
        let (a, b) = (standings(&checklist, &visits), standings(&checklist, &shuffled));
        for (x, y) in a.iter().flatten().zip(b.iter().flatten()) {
            match (x, y) {
                (Some(x), Some(y)) => prop_assert!((x - y).abs() < 1e-12 && rank_key(*x) == rank_key(*y)),
                (x, y) => prop_assert_eq!(x, y),
            }
        }
        let overall = |s: &Vec<Vec<Option<f64>>>| s.iter().map(|r| r[0]).collect::<Vec<_>>();
        let eligible = [true; 4];
        prop_assert_eq!(
            competition_ranks(&overall(&a), &eligible),
            competition_ranks(&overall(&b), &eligible)
        );
    }

    #[test]
    fn not_applicable_items_change_nothing(mut answers in answers()) {
        // A03 (index 2) may be N/A: scoring with it N/A equals scoring a
        // checklist that never had it.
        let checklist = sample();
        answers[2] = Answer::NotApplicable;
        let with = score_visit(&checklist, &answers);
        let mut without = checklist.clone();
        without.sections[0].items.remove(2);
        let mut rest = answers.clone();
        rest.remove(2);
        let reduced = score_visit(&without, &rest);
        prop_assert_eq!(with.points.total, reduced.points.total);
        prop_assert_eq!(with.points.sections, reduced.points.sections);
    }

    #[test]
    fn ranks_are_standard_competition_ranks(rates in prop::collection::vec(prop::option::of(0.0..=1.0f64), 0..30)) {
        let ranks = competition_ranks(&rates, &vec![true; rates.len()]);
        for (i, rank) in ranks.iter().enumerate() {
            match rates[i] {
                None => prop_assert_eq!(*rank, None),
                Some(rate) => {
                    let above = rates.iter().flatten().filter(|r| rank_key(**r) > rank_key(rate)).count();
                    prop_assert_eq!(*rank, Some(above as u32 + 1));
                }
            }
        }
    }

    #[test]
    fn tied_and_ineligible_units_rank_as_the_rule_says(
        units in prop::collection::vec((prop::option::of(0..6u8), any::<bool>()), 0..40),
    ) {
        let (rates, eligible): (Vec<Option<f64>>, Vec<bool>) = units
            .iter()
            .map(|&(pick, ok)| (pick.map(|p| f64::from(p) / 6.0), ok))
            .unzip();
        let ranks = competition_ranks(&rates, &eligible);
        let ranked = |i: usize| rates[i].filter(|_| eligible[i]).map(rank_key);
        for (i, rank) in ranks.iter().enumerate() {
            let expected = ranked(i).map(|key| {
                (0..rates.len()).filter(|&j| ranked(j).is_some_and(|k| k > key)).count() as u32 + 1
            });
            prop_assert_eq!(*rank, expected);
        }
    }

    #[test]
    fn the_bottom_are_the_units_fewer_than_n_rank_below(
        picks in prop::collection::vec(prop::option::of(0..6u8), 0..40),
        n in 0..5u32,
    ) {
        // Few distinct rates: ties are common.
        let rates: Vec<Option<f64>> = picks.iter().map(|p| p.map(|p| f64::from(p) / 6.0)).collect();
        let ranks = competition_ranks(&rates, &vec![true; rates.len()]);
        let codes: Vec<String> = (0..rates.len()).map(|i| format!("{i:03}")).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let called = top_bottom(&codes, &rates, &ranks, n);
        let keys: Vec<i64> = rates.iter().flatten().map(|&r| rank_key(r)).collect();
        if keys.len() < 2 {
            prop_assert_eq!(called, TopBottom::default());
        } else {
            for (i, rate) in rates.iter().enumerate() {
                let top = ranks[i].is_some_and(|r| r <= n);
                let below = |r: f64| keys.iter().filter(|&&k| k < rank_key(r)).count();
                let bottom = !top && rate.is_some_and(|r| below(r) < n as usize);
                prop_assert_eq!(called.top.contains(&i), top);
                prop_assert_eq!(called.bottom.contains(&i), bottom);
            }
        }
    }
}
