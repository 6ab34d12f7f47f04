//! Publishing a period's results and locking it: which publication covers
//! a visit, whether its appeal window has closed, and the change log a
//! re-issued version carries. Shared by the web pages, imports and the
//! command line.

use serde_json::{Value, json};

use crate::domain::period::Period;
use crate::storage::{Publication, Reader, Result, closes_at};

/// The period of a checklist's publications that contains `day`, with its
/// versions, if any.
pub fn publication_for(
    store: &Reader,
    checklist_id: &str,
    day: chrono::NaiveDate,
) -> Result<Option<(Period, Vec<Publication>)>> {
    let mut found: Option<(Period, Vec<Publication>)> = None;
    for publication in store.all_publications()? {
        if publication.checklist_id != checklist_id {
            continue;
        }
        let Ok(period) = Period::parse(&publication.period) else {
            continue;
        };
        if !period.contains(day) {
            continue;
        }
        match &mut found {
            Some((p, versions)) if *p == period => versions.push(publication),
            None => found = Some((period, vec![publication])),
            Some(_) => {}
        }
    }
    if let Some((_, versions)) = &mut found {
        versions.sort_by_key(|p| p.version);
    }
    Ok(found)
}

/// The periods that may no longer change: published, with their appeal
/// window closed. Each with the checklist and the message to show.
pub fn locked_periods(store: &Reader) -> Result<Vec<(String, Period, String)>> {
    let now = chrono::Local::now().naive_local();
    let mut out: Vec<(String, Period, String)> = Vec::new();
    for publication in store.all_publications()? {
        let Ok(period) = Period::parse(&publication.period) else {
            continue;
        };
        if publication.version != 1
            || out
                .iter()
                .any(|(c, p, _)| *c == publication.checklist_id && *p == period)
        {
            continue;
        }
        let closes = closes_at(&publication);
        if now > closes {
            out.push((
                publication.checklist_id.clone(),
                period,
                format!(
                    "期间 {period} 已发布且申诉期已于 {} 结束,该期间的暗访已锁定,不能再修改",
                    closes.format("%Y-%m-%d %H:%M")
                ),
            ));
        }
    }
    Ok(out)
}

/// Why a visit of `checklist_id` on `day` may not change, if it may not.
pub fn locked(
    store: &Reader,
    checklist_id: &str,
    day: chrono::NaiveDate,
) -> Result<Option<String>> {
    Ok(locked_periods(store)?
        .into_iter()
        .find(|(c, p, _)| c == checklist_id && p.contains(day))
        .map(|(_, _, message)| message))
}

/// Which visits and items changed since the last version, and the old and
/// new rank of the halls they belong to.
pub fn change_log(
    store: &Reader,
    checklist: &str,
    period: Period,
    last: &Publication,
    rankings: &Value,
) -> Result<Value> {
    let appeals = store.unissued_appeals(checklist, period.from, period.to)?;
    let rank_of = |report: &Value, code: &str| {
        report["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["code"] == code))
            .map(|r| r["rank"].clone())
            .unwrap_or(Value::Null)
    };
    let mut halls: Vec<String> = appeals.iter().map(|a| a.branch_code.clone()).collect();
    halls.sort();
    halls.dedup();
    Ok(json!({
        "appeals": appeals.iter().map(|a| a.id).collect::<Vec<_>>(),
        "items": appeals.iter().map(|a| json!({
            "appeal": a.id, "visit": a.visit, "branch": a.branch_code, "item": a.item_code,
            "old": a.old_answer, "new": a.requested,
        })).collect::<Vec<_>>(),
        "halls": halls.iter().map(|code| json!({
            "code": code,
            "old_rank": rank_of(&last.rankings, code),
            "new_rank": rank_of(rankings, code),
        })).collect::<Vec<_>>(),
    }))
}

/// Lines for the workbook's 说明 sheet: the version and what it changed.
pub fn publication_notes(versions: &[Publication]) -> Vec<String> {
    let Some(last) = versions.last() else {
        return Vec::new();
    };
    let mut lines = vec![format!(
        "第 {} 版,{} 由 {} 发布;申诉期 {} 天,至 {}",
        last.version,
        last.published_at.format("%Y-%m-%d %H:%M"),
        last.published_by,
        last.appeal_days,
        versions
            .first()
            .map(|f| closes_at(f).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    )];
    for version in versions.iter().skip(1) {
        let Some(changes) = &version.changes else {
            continue;
        };
        lines.push(format!("第 {} 版的变更:", version.version));
        for item in changes["items"].as_array().into_iter().flatten() {
            lines.push(format!(
                "  申诉 #{}:暗访 {}(网点 {})检查项 {} 由「{}」改为「{}」",
                item["appeal"],
                item["visit"].as_str().unwrap_or(""),
                item["branch"].as_str().unwrap_or(""),
                item["item"].as_str().unwrap_or(""),
                item["old"].as_str().unwrap_or("—"),
                item["new"].as_str().unwrap_or("—"),
            ));
        }
        for hall in changes["halls"].as_array().into_iter().flatten() {
            lines.push(format!(
                "  网点 {}:名次 {} → {}",
                hall["code"].as_str().unwrap_or(""),
                hall["old_rank"],
                hall["new_rank"]
            ));
        }
    }
    lines
}
