//! `copy`: a whole database moved into a new one, of either kind (a SQLite
//! file or PostgreSQL), and checked before it is kept: every table holds as
//! many rows as the source's, and every period's rankings of every
//! checklist, at every level, are the same to the last figure.

use super::report::{self, Level, Options};
use crate::domain::period::Period;
use crate::storage::{self, Location, Reader, Store};

/// What was copied and checked.
#[derive(Debug)]
pub struct Copied {
    /// Rows per table.
    pub tables: Vec<(&'static str, u64)>,
    /// How many (checklist, quarter) rankings were compared.
    pub rankings: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Storage(#[from] storage::Error),
    #[error("源和目标是同一个数据库:{0}")]
    Same(String),
    #[error("目标文件 {0} 已存在:copy 只写入新的数据库,目标未作改动")]
    Exists(String),
    #[error("复制后核对不符,目标未作改动:{0}")]
    Differs(String),
}

/// Copies the database at `from` into the one at `to`.
pub fn copy(from: &Location, to: &Location) -> Result<Copied, CopyError> {
    if from == to {
        return Err(CopyError::Same(from.to_string()));
    }
    if let Some(path) = to.file().filter(|p| p.exists()) {
        return Err(CopyError::Exists(path.display().to_string()));
    }
    let source = Store::open_existing(from)?;
    let out = copy_into(&source, to);
    if let (Err(_), Some(path)) = (&out, to.file()) {
        // The new file holds nothing worth keeping: leave no trace of it.
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
    out
}

fn copy_into(source: &Store, to: &Location) -> Result<Copied, CopyError> {
    let mut target = Store::open(to.clone())?;
    let tables = source.row_counts()?;
    let periods = source.visit_quarters()?;
    let rankings = periods.len();
    target.copy_from(source, |copy| {
        let copied = copy.row_counts()?;
        if copied != tables {
            let (table, rows) = tables
                .iter()
                .zip(&copied)
                .find(|(a, b)| a != b)
                .map_or(("?", 0), |((table, _), (_, rows))| (*table, *rows));
            return Err(CopyError::Differs(format!("表 {table} 复制后有 {rows} 行")));
        }
        for (checklist, quarter) in &periods {
            if rankings_json(source, checklist, quarter)?
                != rankings_json(copy, checklist, quarter)?
            {
                return Err(CopyError::Differs(format!(
                    "检查表 {checklist} {quarter} 的排名与源不同"
                )));
            }
        }
        Ok(())
    })?;
    Ok(Copied { tables, rankings })
}

/// A checklist's rankings of a quarter at every level, as JSON text.
fn rankings_json(store: &Reader, checklist: &str, quarter: &str) -> Result<String, CopyError> {
    let options = Options {
        period: Period::parse(quarter)
            .map_err(|e| CopyError::Differs(format!("期间 {quarter}:{e}")))?,
        checklist: Some(checklist.to_string()),
        min_visits: 1,
        top: 3,
    };
    let (current, previous) = report::analyse(store, &options)?;
    let levels: Vec<_> = [Level::Branch, Level::District, Level::City]
        .into_iter()
        .map(|level| current.rankings(&previous, level, options.top))
        .collect();
    serde_json::to_string(&levels).map_err(|e| CopyError::Differs(e.to_string()))
}
