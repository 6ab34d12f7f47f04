//! An import of visits in progress, inside the transaction of
//! [`Store::import_in_batches`]: the visits come batch by batch (a file
//! being read, or a single submission) and are kept all together or not
//! at all.

use std::collections::{BTreeSet, HashMap};

use chrono::Local;

use super::sql::Conn;
use super::{
    Disposition, ImportOptions, Prepared, Result, Store, TIME_FORMAT, VisitRowToStore,
    VisitStatements, audit, visit_json,
};
use crate::domain::review::Status;
use crate::domain::visit::Visit;
use crate::storage::Error;

/// From how many new visits on an import renews PostgreSQL's statistics of
/// the visits (about 0.3 s for ten times the country).
const FRESH_STATISTICS: usize = 10_000;

/// What the batches of an import stored so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub visits: usize,
    pub new: usize,
    pub replaced: usize,
    pub unchanged: usize,
    pub conflicts: usize,
}

/// Stores the batches of one import and remembers what they did, for the
/// audit log and the tickets it settles when it is kept.
pub struct VisitImport<'s, 'o> {
    store: &'s mut Store,
    options: ImportOptions<'o>,
    /// When the import began: the creation time of every visit it stores.
    now: String,
    /// The halls' ids, by code, as far as the batches needed them.
    branch_ids: HashMap<String, i64>,
    /// The halls of the visits stored, whose open tickets a kept import
    /// settles.
    branches: BTreeSet<String>,
    counts: Counts,
    /// The first visit stored anew, with its status: the audit log names
    /// it when it is the import's only visit.
    first: Option<(String, serde_json::Value, Status)>,
}

impl<'s, 'o> VisitImport<'s, 'o> {
    pub(super) fn new(store: &'s mut Store, options: ImportOptions<'o>) -> VisitImport<'s, 'o> {
        VisitImport {
            store,
            options,
            now: Local::now().naive_local().format(TIME_FORMAT).to_string(),
            branch_ids: HashMap::new(),
            branches: BTreeSet::new(),
            counts: Counts::default(),
            first: None,
        }
    }

    /// Stores a batch: each visit's disposition, in order.
    pub fn store(&mut self, visits: &[Visit]) -> Result<Vec<Disposition>> {
        let prepared = self.store.prepare(visits)?;
        self.store_prepared(visits, &prepared)
    }

    /// Stores a batch made ready by [`Prepared::of`], one for each visit:
    /// each visit's disposition, in order.
    pub fn store_prepared(
        &mut self,
        visits: &[Visit],
        prepared: &[Prepared],
    ) -> Result<Vec<Disposition>> {
        let store = &*self.store;
        store.look_up_branches(visits, &mut self.branch_ids)?;
        let options = &self.options;
        let mut statements = VisitStatements::prepare(&store.conn, &self.now)?;
        let rows = visits
            .iter()
            .zip(prepared)
            .map(|(visit, prepared)| {
                let branch_id = *self.branch_ids.get(&visit.branch_code).ok_or_else(|| {
                    Error::NotFound(format!("网点编码「{}」不在网点名单中", visit.branch_code))
                })?;
                Ok(VisitRowToStore::of(visit, branch_id, prepared))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut inserted = statements.insert_new(&rows, options)?;
        let mut dispositions = Vec::with_capacity(rows.len());
        for row in &rows {
            // The first of the batch with its key is the one inserted.
            dispositions.push(if inserted.remove(&row.prepared.key) {
                Disposition::New
            } else {
                statements.store_taken(row, options)?
            });
        }
        for ((visit, prepared), disposition) in visits.iter().zip(prepared).zip(&dispositions) {
            match disposition {
                Disposition::New => {
                    self.counts.new += 1;
                    if self.first.is_none() {
                        self.first =
                            Some((prepared.key.clone(), visit_json(visit), prepared.status));
                    }
                }
                Disposition::Replaced => self.counts.replaced += 1,
                Disposition::Unchanged => self.counts.unchanged += 1,
                Disposition::Conflict(_) => self.counts.conflicts += 1,
            }
            if !self.branches.contains(&visit.branch_code) {
                self.branches.insert(visit.branch_code.clone());
            }
        }
        self.counts.visits += visits.len();
        Ok(dispositions)
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Whether what was stored so far may be kept: not on a dry run, nor
    /// after a conflict.
    pub fn keeps(&self) -> bool {
        !self.options.dry_run && self.counts.conflicts == 0
    }

    /// The transaction's connection, for work done in it alongside.
    pub(super) fn conn(&self) -> &Conn {
        &self.store.conn
    }

    /// Writes the audit entry for the visits stored anew, if there are any
    /// (the visit itself for one, the counts for several), and settles the
    /// tickets of their halls.
    pub(super) fn finish(self) -> Result<()> {
        let counts = self.counts;
        if counts.new > 0 {
            let (id, after, status) = match self.first {
                Some((key, json, status)) if counts.visits == 1 => (Some(key), json, status),
                _ => (
                    None,
                    serde_json::json!({
                        "new": counts.new,
                        "replaced": counts.replaced,
                        "unchanged": counts.unchanged,
                    }),
                    Status::Accepted,
                ),
            };
            // A single visit held for review is logged apart: it changes no
            // figure but the count of pending visits.
            let action = match status {
                Status::Pending => "visit.hold",
                _ => "visit.add",
            };
            audit::record(
                &self.store.conn,
                &audit::Entry {
                    actor: self.options.actor,
                    action,
                    entity: "visit",
                    id: id.as_deref(),
                    before: None,
                    after: Some(&after),
                },
            )?;
        }
        // PostgreSQL plans the next reads of the visits by statistics that
        // its autovacuum renews only a while later: after a large import, a
        // year's rankings would wait on an external sort.
        if counts.new >= FRESH_STATISTICS && matches!(self.store.conn, Conn::Postgres(_)) {
            self.store.conn.execute_batch("ANALYZE visits")?;
        }
        let branches: Vec<&str> = self.branches.iter().map(String::as_str).collect();
        self.store.settle(&branches, self.options.actor)
    }
}
