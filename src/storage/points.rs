//! Each visit's points, kept beside its answers: written with the answers
//! on every path that writes them, so that a year's reports add points up
//! instead of scoring 72,000 visits' answers again.
//!
//! The points are the domain's scoring of the answers ([`score_visit`]);
//! nothing here scores. A stored checklist version never changes, so the
//! points stay right for as long as the answers do. Should a scoring rule
//! ever change, a new migration must fill the column again.

use std::collections::HashMap;

use rusqlite_migration::{HookError, HookResult};

use super::codec;
use crate::domain::answer::Answer;
use crate::domain::checklist::Checklist;
use crate::domain::scoring::score_visit;

/// A visit's points as stored: the scoring of `answers` under `checklist`,
/// the version they were recorded with.
pub(super) fn stored(checklist: &Checklist, answers: &[Answer]) -> Vec<u8> {
    codec::encode_points(&score_visit(checklist, answers).points.items)
}

/// The hook of the migration that added the column: fills the points of
/// every visit stored before, in the migration's transaction. A visit whose
/// checklist or answers cannot be read keeps NULL; a report on it scores
/// the answers itself, and says what is wrong there.
pub(super) fn fill(tx: &rusqlite::Transaction<'_>) -> HookResult {
    let mut checklists: HashMap<(String, u32), Option<Checklist>> = HashMap::new();
    let mut answers = Vec::new();
    let mut filled = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT id, checklist_id, checklist_version, answers FROM visits WHERE points IS NULL",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let key = (row.get::<_, String>(1)?, row.get::<_, u32>(2)?);
            let checklist = match checklists.get(&key) {
                Some(checklist) => checklist,
                None => {
                    let parsed = definition(tx, &key.0, key.1)?;
                    checklists.entry(key).or_insert(parsed)
                }
            };
            let blob = row.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?;
            if let (Some(checklist), Some(())) = (checklist, codec::decode_into(blob, &mut answers))
            {
                filled.push((row.get::<_, i64>(0)?, stored(checklist, &answers)));
            }
        }
    }
    let mut update = tx.prepare("UPDATE visits SET points = ?2 WHERE id = ?1")?;
    for (id, points) in filled {
        update.execute(rusqlite::params![id, points])?;
    }
    Ok(())
}

/// A stored checklist version, `None` when its definition cannot be read.
fn definition(
    conn: &rusqlite::Connection,
    id: &str,
    version: u32,
) -> Result<Option<Checklist>, HookError> {
    let text: String = conn.query_row(
        "SELECT definition FROM checklists WHERE id = ?1 AND version = ?2",
        rusqlite::params![id, version],
        |r| r.get(0),
    )?;
    Ok(serde_json::from_str(&text).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Role;
    use crate::domain::review::{Decision, Status};
    use crate::domain::scoring::Points;
    use crate::domain::visit::Visit;
    use crate::storage::{Acceptance, Decided, ImportOptions, NewAppeal, Store};

    const ACTOR: &str = "测试";

    /// A store with the built-in checklists, the demo roster and its visits.
    fn demo_store(path: &std::path::Path) -> (Store, Checklist) {
        let mut store = Store::open(path).expect("store");
        let none = path.with_file_name("none");
        for checklist in crate::formats::checklist::load_dir(&none).expect("built in") {
            store.save_checklist(&checklist, ACTOR).expect("checklist");
        }
        store
            .save_roster(&crate::app::demo::roster(), true, ACTOR)
            .expect("roster");
        let checklist = store.checklist("hall-visit").expect("hall-visit");
        store
            .import_visits(
                &crate::app::demo::visits(&checklist),
                ImportOptions::by(ACTOR),
            )
            .expect("visits");
        (store, checklist)
    }

    /// The points stored with the visit under `key`, `None` when NULL.
    fn stored_points(store: &Store, key: &str) -> Option<Vec<Option<Points>>> {
        let blob: Option<Vec<u8>> = store
            .conn
            .query_row("SELECT points FROM visits WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .expect("visit");
        blob.map(|blob| {
            let mut items = Vec::new();
            codec::decode_points_into(&blob, &mut items).expect("points decode");
            items
        })
    }

    /// Checks that every visit's stored points are, to the bit, what
    /// scoring its stored answers gives now; how many visits there are.
    fn assert_every_visit_keeps_its_scoring(store: &Store) -> usize {
        let mut stmt = store
            .conn
            .prepare("SELECT key, checklist_id, checklist_version, answers FROM visits")
            .expect("query");
        let rows: Vec<(String, String, u32, Vec<u8>)> = stmt
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("rows")
            .collect::<crate::storage::Result<_>>()
            .expect("rows");
        let bits = |items: &[Option<Points>]| -> Vec<Option<(u64, u64)>> {
            items
                .iter()
                .map(|p| p.map(|p| (p.earned.to_bits(), p.max.to_bits())))
                .collect()
        };
        for (key, id, version, blob) in &rows {
            let checklist = store.checklist_version(id, *version).expect("checklist");
            let mut answers = Vec::new();
            codec::decode_into(blob, &mut answers).expect("answers");
            let fresh = score_visit(&checklist, &answers).points.items;
            let stored = stored_points(store, key).unwrap_or_else(|| panic!("{key}: no points"));
            assert_eq!(bits(&stored), bits(&fresh), "{key}");
        }
        rows.len()
    }

    /// `visit` with its first passed item failed instead, and that item's
    /// position.
    fn with_a_failed_item(visit: &Visit) -> (Visit, usize) {
        let index = visit
            .answers
            .iter()
            .position(|a| *a == Answer::Pass)
            .expect("a passed item");
        let mut changed = visit.clone();
        changed.answers[index] = Answer::Fail;
        (changed, index)
    }

    #[test]
    fn every_write_keeps_the_points_scoring_gives() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (mut store, checklist) = demo_store(&dir.path().join("points.db"));
        let visits = crate::app::demo::visits(&checklist);
        assert!(assert_every_visit_keeps_its_scoring(&store) > 100);

        // An import replacing a stored visit with other answers.
        let (replaced, _) = with_a_failed_item(&visits[0]);
        let before = stored_points(&store, &visits[0].key());
        store
            .import_visits(
                std::slice::from_ref(&replaced),
                ImportOptions {
                    replace: true,
                    ..ImportOptions::by(ACTOR)
                },
            )
            .expect("replace");
        assert_ne!(stored_points(&store, &replaced.key()), before);
        assert_every_visit_keeps_its_scoring(&store);

        // A visit held for review, returned, and submitted again changed.
        let reviewed = Checklist {
            version: checklist.version + 1,
            review: true,
            ..checklist.clone()
        };
        store.save_checklist(&reviewed, ACTOR).expect("reviewed");
        let held = Visit {
            visit_id: Some("held".into()),
            checklist_version: reviewed.version,
            ..visits[1].clone()
        };
        let inspector = store
            .add_user("insp", "暗访员", Role::Inspector, None, None, ACTOR)
            .expect("inspector");
        store
            .submit_visit(&held, None, inspector.id, ACTOR)
            .expect("submit");
        let row = store
            .visit_row_by_key(&held.key())
            .expect("row")
            .expect("stored");
        store
            .decide(
                &[Decided {
                    row,
                    id: "held".into(),
                    decision: Decision::Return,
                    status: Status::Returned,
                    comment: Some("重拍".into()),
                }],
                ACTOR,
            )
            .expect("return");
        let (resubmitted, _) = with_a_failed_item(&held);
        let before = stored_points(&store, &held.key());
        store.resubmit_visit(&resubmitted, ACTOR).expect("resubmit");
        assert_ne!(stored_points(&store, &held.key()), before);
        assert_every_visit_keeps_its_scoring(&store);

        // An accepted appeal that fails a passed item.
        let appealed = &visits[2];
        let row = store
            .visit_row_by_key(&appealed.key())
            .expect("row")
            .expect("stored");
        let (_, index) = with_a_failed_item(appealed);
        let item = checklist.items().nth(index).expect("item").1;
        let appeal = store
            .file_appeal(
                &NewAppeal {
                    visit_row: row,
                    item_code: &item.code,
                    current: "是",
                    requested: "否",
                    reason: "复核录像",
                    user_id: inspector.id,
                },
                ACTOR,
            )
            .expect("appeal");
        let before = stored_points(&store, &appealed.key());
        let acceptance = Acceptance {
            index,
            answer: Answer::Fail,
            old: "是".into(),
        };
        store
            .decide_appeal(appeal, Some(acceptance), "采纳", inspector.id, ACTOR)
            .expect("accept");
        assert_ne!(stored_points(&store, &appealed.key()), before);
        assert_every_visit_keeps_its_scoring(&store);
    }

    #[test]
    fn opening_an_older_database_fills_every_visits_points() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("older.db");
        let (store, _) = demo_store(&path);
        // The database as it was before the points were kept.
        store
            .conn
            .execute_batch(
                "ALTER TABLE visits DROP COLUMN points; DROP TABLE sign_in_failures;
                 DROP INDEX assignments_by_visit",
            )
            .expect("drop");
        store
            .conn
            .execute_batch(&format!("PRAGMA user_version = {VISIT_POINTS_BEFORE}"))
            .expect("version");
        drop(store);

        let store = Store::open(&path).expect("upgraded");
        assert!(assert_every_visit_keeps_its_scoring(&store) > 100);
    }

    /// The schema version just before the points column.
    const VISIT_POINTS_BEFORE: i64 = crate::storage::VISIT_POINTS as i64 - 1;
}
