//! Visits read to be added to an analysis later: handed from the thread
//! that reads a period's rows to the thread that adds them up, and the new
//! visits a kept analysis is brought up to date with. They are kept as
//! stored, answers and points undecoded: the thread that adds them up
//! decodes each as it goes.

use std::ops::Range;

use chrono::NaiveDateTime;

use crate::storage::StoredVisit;

/// How many visits the reading thread hands over at a time.
pub(super) const BATCH: usize = 1024;

/// What an analysis reads of some visits, their texts and stored answers
/// and points each laid end to end: a few allocations for a thousand
/// visits.
#[derive(Default)]
pub(super) struct Batch {
    texts: String,
    bytes: Vec<u8>,
    visits: Vec<Placed>,
}

/// Where a visit's parts sit in its batch.
struct Placed {
    branch_code: Range<usize>,
    inspector: Option<Range<usize>>,
    visited_at: NaiveDateTime,
    checklist_version: u32,
    answers: Range<usize>,
    points: Option<Range<usize>>,
}

impl Batch {
    /// Copies in what an analysis reads of `visit`: not its id or notes.
    pub(super) fn push(&mut self, visit: &StoredVisit<'_>) {
        let branch_code = place_text(&mut self.texts, visit.branch_code);
        let inspector = visit
            .inspector
            .map(|name| place_text(&mut self.texts, name));
        let answers = place(&mut self.bytes, visit.answers);
        let points = visit.points.map(|points| place(&mut self.bytes, points));
        self.visits.push(Placed {
            branch_code,
            inspector,
            visited_at: visit.visited_at,
            checklist_version: visit.checklist_version,
            answers,
            points,
        });
    }

    pub(super) fn len(&self) -> usize {
        self.visits.len()
    }

    /// The visits in the order they were pushed.
    pub(super) fn visits(&self) -> impl Iterator<Item = StoredVisit<'_>> {
        self.visits.iter().map(|v| StoredVisit {
            visit_id: None,
            branch_code: &self.texts[v.branch_code.clone()],
            visited_at: v.visited_at,
            inspector: v.inspector.clone().map(|name| &self.texts[name]),
            notes: None,
            checklist_version: v.checklist_version,
            answers: &self.bytes[v.answers.clone()],
            points: v.points.clone().map(|points| &self.bytes[points]),
        })
    }
}

fn place_text(texts: &mut String, text: &str) -> Range<usize> {
    let start = texts.len();
    texts.push_str(text);
    start..texts.len()
}

fn place(all: &mut Vec<u8>, some: &[u8]) -> Range<usize> {
    let start = all.len();
    all.extend_from_slice(some);
    start..all.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_gives_back_what_an_analysis_reads_of_each_visit_in_order() {
        let at = |day| {
            chrono::NaiveDate::from_ymd_opt(2025, 3, day)
                .and_then(|d| d.and_hms_opt(10, 0, 0))
                .expect("a date")
        };
        let visits = [
            StoredVisit {
                visit_id: Some("v1"),
                branch_code: "H01",
                visited_at: at(1),
                inspector: Some("张三"),
                notes: Some("备注"),
                checklist_version: 2,
                answers: &[1, 3, 0, 0, 0, 0, 0, 0, 12, 64],
                points: Some(&[0x42, 0]),
            },
            StoredVisit {
                visit_id: None,
                branch_code: "营业厅H02",
                visited_at: at(2),
                inspector: None,
                notes: None,
                checklist_version: 1,
                answers: &[],
                points: None,
            },
        ];
        let mut batch = Batch::default();
        for visit in &visits {
            batch.push(visit);
        }
        assert_eq!(batch.len(), 2);
        let back: Vec<StoredVisit<'_>> = batch.visits().collect();
        for (back, sent) in back.iter().zip(&visits) {
            assert_eq!(back.branch_code, sent.branch_code);
            assert_eq!(back.inspector, sent.inspector);
            assert_eq!(back.visited_at, sent.visited_at);
            assert_eq!(back.checklist_version, sent.checklist_version);
            assert_eq!(back.answers, sent.answers);
            assert_eq!(back.points, sent.points);
            assert_eq!((back.visit_id, back.notes), (None, None));
        }
    }
}
