//! Scoring one visit (docs/scoring.md, rules 1–4).

use super::answer::Answer;
use super::checklist::{Checklist, Critical, Item, ItemKind};

/// Earned and maximum points of one metric on one visit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Points {
    pub earned: f64,
    pub max: f64,
}

impl Points {
    pub fn rate(self) -> f64 {
        self.earned / self.max
    }

    pub fn lost(self) -> f64 {
        self.max - self.earned
    }

    fn add(&mut self, other: Points) {
        self.earned += other.earned;
        self.max += other.max;
    }
}

/// A critical item answered fail, and what it zeroed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedLine {
    /// The item's position in checklist order.
    pub item: usize,
    /// The section the item belongs to.
    pub section: usize,
    /// Its own section, or the whole visit.
    pub scope: Critical,
}

impl RedLine {
    /// Whether it zeroes the items of `section` (rule 3).
    pub fn covers(self, section: usize) -> bool {
        self.scope == Critical::Visit || self.section == section
    }
}

/// A visit's points: per item, per section and in all; `None` where nothing
/// applied. What every rate is computed from, and what the store keeps
/// with each visit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VisitPoints {
    /// One entry per item, in checklist order.
    pub items: Vec<Option<Points>>,
    /// One entry per section, in checklist order.
    pub sections: Vec<Option<Points>>,
    pub total: Option<Points>,
}

impl VisitPoints {
    /// Rule 4: the items' points (one per item of `checklist`, in checklist
    /// order) added up by section and in all, item by item in checklist
    /// order, so that the same items always give the same sums to the last
    /// bit.
    pub fn add_up(checklist: &Checklist, items: Vec<Option<Points>>) -> VisitPoints {
        let mut points = VisitPoints {
            items,
            sections: Vec::new(),
            total: None,
        };
        points.sum(checklist);
        points
    }

    /// These points become [`VisitPoints::add_up`] of `items`, in the
    /// buffers they had: a year of visits is added up one after another
    /// without a new allocation for each.
    pub fn add_up_again(&mut self, checklist: &Checklist, items: &[Option<Points>]) {
        self.items.clear();
        self.items.extend_from_slice(items);
        self.sum(checklist);
    }

    /// The sums of the items by section and in all.
    fn sum(&mut self, checklist: &Checklist) {
        let mut total: Option<Points> = None;
        let mut rest = self.items.as_slice();
        self.sections.clear();
        for section in &checklist.sections {
            let (these, after) = rest.split_at(section.items.len().min(rest.len()));
            rest = after;
            let mut sum: Option<Points> = None;
            for points in these.iter().flatten() {
                sum.get_or_insert_default().add(*points);
                total.get_or_insert_default().add(*points);
            }
            self.sections.push(sum);
        }
        self.total = total;
    }

    pub fn rate(&self) -> Option<f64> {
        self.total.map(Points::rate)
    }
}

/// A scored visit: its points and the red lines that zeroed some of them.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitScore {
    pub points: VisitPoints,
    /// The critical items that zeroed a section or the visit, in checklist
    /// order.
    pub red_lines: Vec<RedLine>,
}

impl VisitScore {
    pub fn rate(&self) -> Option<f64> {
        self.points.rate()
    }
}

/// Rule 1: what an answered item earns, before critical items apply.
pub fn item_earned(item: &Item, answer: Answer) -> Option<f64> {
    match (answer, &item.kind) {
        (Answer::NotApplicable, _) => None,
        (Answer::Pass, _) => Some(item.points),
        (Answer::Fail, _) => Some(0.0),
        (Answer::Number(value), ItemKind::Measure { bands, .. }) => bands
            .iter()
            .find(|band| band.max.is_none_or(|max| value <= max))
            .map(|band| band.score),
        (Answer::Number(value), _) => Some(value.clamp(0.0, item.points)),
        (Answer::Choice(index), ItemKind::Choice { choices }) => {
            choices.get(usize::from(index)).map(|c| c.score)
        }
        (Answer::Choice(_), _) => Some(0.0),
    }
}

/// Scores a visit's answers (one per item, in checklist order) under rules
/// 1–4: N/A items count nowhere, a failed critical item zeroes what it
/// covers, and a metric with nothing applicable has no rate.
pub fn score_visit(checklist: &Checklist, answers: &[Answer]) -> VisitScore {
    let mut red_lines = Vec::new();
    for (index, ((section, item), answer)) in checklist.items().zip(answers).enumerate() {
        if let (
            ItemKind::Check {
                critical: Some(scope),
            },
            Answer::Fail,
        ) = (&item.kind, answer)
        {
            red_lines.push(RedLine {
                item: index,
                section,
                scope: *scope,
            });
        }
    }

    let zeroed: Vec<bool> = (0..checklist.sections.len())
        .map(|section| red_lines.iter().any(|r| r.covers(section)))
        .collect();
    let items = checklist
        .items()
        .zip(answers)
        .map(|((section, item), answer)| {
            item_earned(item, *answer).map(|earned| Points {
                earned: if zeroed[section] { 0.0 } else { earned },
                max: item.points,
            })
        })
        .collect();
    VisitScore {
        points: VisitPoints::add_up(checklist, items),
        red_lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::tests::sample;

    /// Answers for the sample checklist:
    /// A01 A02 A03 | B01 B02 B03 | C01 (minutes).
    fn answers(a: [Answer; 7]) -> Vec<Answer> {
        a.to_vec()
    }

    use Answer::{Choice, Fail, NotApplicable as Na, Number, Pass};

    #[test]
    fn full_marks() {
        let score = score_visit(
            &sample(),
            &answers([Pass, Pass, Pass, Choice(0), Number(5.0), Pass, Number(3.0)]),
        );
        assert_eq!(
            score.points.total,
            Some(Points {
                earned: 25.0,
                max: 25.0
            })
        );
        assert_eq!(score.rate(), Some(1.0));
    }

    #[test]
    fn each_kind_earns_by_rule_one() {
        let score = score_visit(
            &sample(),
            &answers([Fail, Pass, Pass, Choice(1), Number(3.5), Pass, Number(12.0)]),
        );
        let earned: Vec<f64> = score
            .points
            .items
            .iter()
            .map(|p| p.expect("applies").earned)
            .collect();
        assert_eq!(earned, vec![0.0, 2.0, 1.0, 2.0, 3.5, 1.0, 5.0]);
        assert_eq!(score.points.total.expect("applies").earned, 14.5);
        assert_eq!(
            score.points.sections[0],
            Some(Points {
                earned: 3.0,
                max: 5.0
            })
        );
    }

    #[test]
    fn band_edges() {
        let c = sample();
        let item = &c.sections[2].items[0];
        assert_eq!(item_earned(item, Number(10.0)), Some(10.0));
        assert_eq!(item_earned(item, Number(10.001)), Some(5.0));
        assert_eq!(item_earned(item, Number(15.0)), Some(5.0));
        assert_eq!(item_earned(item, Number(15.5)), Some(0.0));
        assert_eq!(item_earned(item, Number(0.0)), Some(10.0));
    }

    #[test]
    fn not_applicable_counts_nowhere() {
        let score = score_visit(
            &sample(),
            &answers([Pass, Pass, Na, Choice(0), Number(5.0), Pass, Na]),
        );
        assert_eq!(score.points.items[2], None);
        assert_eq!(
            score.points.sections[0],
            Some(Points {
                earned: 4.0,
                max: 4.0
            })
        );
        assert_eq!(
            score.points.sections[2], None,
            "a section with every item N/A has no rate"
        );
        assert_eq!(
            score.points.total,
            Some(Points {
                earned: 14.0,
                max: 14.0
            })
        );
    }

    #[test]
    fn critical_section_zeroes_its_section_only() {
        let score = score_visit(
            &sample(),
            &answers([Pass, Fail, Pass, Choice(0), Number(5.0), Pass, Number(1.0)]),
        );
        assert_eq!(
            score.points.sections[0],
            Some(Points {
                earned: 0.0,
                max: 5.0
            })
        );
        assert_eq!(
            score.points.sections[1],
            Some(Points {
                earned: 10.0,
                max: 10.0
            })
        );
        assert_eq!(
            score.points.total,
            Some(Points {
                earned: 20.0,
                max: 25.0
            })
        );
        assert_eq!(
            score.points.items[0],
            Some(Points {
                earned: 0.0,
                max: 2.0
            })
        );
        assert_eq!(
            score.red_lines,
            vec![RedLine {
                item: 1,
                section: 0,
                scope: Critical::Section
            }],
            "A02 is the red line that zeroed section A"
        );
    }

    #[test]
    fn critical_visit_zeroes_everything_but_keeps_maxima() {
        let score = score_visit(
            &sample(),
            &answers([Pass, Pass, Na, Choice(0), Number(5.0), Fail, Number(1.0)]),
        );
        assert_eq!(
            score.points.total,
            Some(Points {
                earned: 0.0,
                max: 24.0
            })
        );
        assert!(score.points.items.iter().flatten().all(|p| p.earned == 0.0));
        assert_eq!(
            score.points.items[2], None,
            "N/A stays out even when zeroed"
        );
        assert_eq!(
            score.red_lines,
            vec![RedLine {
                item: 5,
                section: 1,
                scope: Critical::Visit
            }],
            "B03 is the red line that zeroed the visit"
        );
    }

    #[test]
    fn no_red_line_without_a_failed_critical_item() {
        let score = score_visit(
            &sample(),
            &answers([Fail, Pass, Pass, Choice(0), Number(5.0), Pass, Number(1.0)]),
        );
        assert!(score.red_lines.is_empty(), "A01 is not critical");
    }
}
