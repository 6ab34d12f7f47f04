//! The page of one visit: its answers and points, red lines, photos,
//! history, and the appeal form while the window is open.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::assets::AssetUrls;
use super::error::Error;
use super::extract::Viewer;
use super::i18n::{Lang, Text};
use super::pages::{InLang, PageError};
use crate::app::publishing::publication_for;
use crate::domain::access::{User, Visibility};
use crate::domain::analytics::percent;
use crate::domain::answer::format_number;
use crate::domain::checklist::{Checklist, Item, ItemKind};
use crate::domain::period::Period;
use crate::domain::review::Status;
use crate::domain::scoring::{Points, VisitScore, item_earned, score_visit};
use crate::storage::{Photo, Reader, StoredFlag, VisitRecord};
use chrono::NaiveDateTime;

/// One answered item on the visit page.
pub struct AnswerLine {
    pub note: String,
    pub code: String,
    pub title: String,
    pub answer: String,
    /// The answers an appeal may ask for, separated by `|` (是/否, the
    /// choices, 不适用 where allowed); empty for a number.
    pub valid: String,
    /// The number's bounds (empty when open), for scale and measure items.
    pub min: String,
    pub max: String,
    pub earned: String,
    pub points: String,
    pub lost: bool,
    /// Whether a red line zeroed what the answer would have earned.
    pub zeroed: bool,
}

pub struct SectionLine {
    pub title: String,
    pub rate: String,
    pub lost: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "visit.html")]
struct VisitPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    id: String,
    hall: String,
    district: String,
    visited_at: String,
    inspector: String,
    checklist: String,
    /// The assignment the visit carried out; none marks it unplanned.
    assignment: Option<i64>,
    rate: String,
    lost: String,
    notes: String,
    /// Which critical items zeroed what.
    red_lines: Vec<String>,
    sections: Vec<SectionLine>,
    answers: Vec<AnswerLine>,
    photos: Vec<(String, String)>,
    history: Vec<String>,
    /// Whether the reader may appeal this visit's answers now.
    appealable: bool,
    /// When the appeal window of the visit's period closes.
    appeal_closes: String,
    /// The hall's report page, on the period the reader came from.
    back: Option<String>,
    /// Where the visit stands in review, in a word; the reviewer's
    /// comment and the automatic flags.
    review_status: &'static str,
    review_comment: Option<String>,
    flags: Vec<StoredFlag>,
    /// Whether the visit is held for review and how far it got.
    reviewed: bool,
    /// The queue's period, when the reader may decide about the visit now.
    decide_period: Option<String>,
}

/// The report period a visit page was opened from (its checklist is the
/// visit's own).
#[derive(Deserialize)]
pub struct FromReport {
    period: Option<String>,
}

/// A visit as its page shows it: the record, its checklist version, its
/// photos, and when the appeal window closes if it is open now.
struct Shown {
    record: VisitRecord,
    checklist: Checklist,
    photos: Vec<Photo>,
    appeal_closes: Option<NaiveDateTime>,
}

/// Reads visit `id` if the reader may see it.
fn find_visit(store: &Reader, id: &str, visibility: &Visibility) -> Result<Option<Shown>, Error> {
    let Some(record) = store.visit_record(id, visibility)? else {
        return Ok(None);
    };
    let checklist =
        store.checklist_version(&record.visit.checklist_id, record.visit.checklist_version)?;
    let photos = store.photos(id)?;
    let appeal_closes = publication_for(store, &checklist.id, record.visit.visited_at.date())?
        .and_then(|(_, versions)| versions.first().map(|first| first.appeal_window()))
        .filter(|window| window.is_open(chrono::Local::now().naive_local()))
        .map(|window| window.closes_at());
    Ok(Some(Shown {
        record,
        checklist,
        photos,
        appeal_closes,
    }))
}

pub async fn visit_page(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer,
    Path(id): Path<String>,
    Query(from): Query<FromReport>,
) -> Result<Response, PageError> {
    let visibility = authed.user.visibility();
    let found = state
        .db
        .read(move |store| find_visit(store, &id, &visibility))
        .await
        .page(lang)?;
    let Some(Shown {
        record,
        checklist,
        photos,
        appeal_closes: open,
    }) = found
    else {
        return Err(Error::not_found(lang)).page(lang);
    };
    let score = score_visit(&checklist, &record.visit.answers);
    let review = &record.review;
    let decide_period = (review.status == Status::Pending && authed.user.may_review()).then(|| {
        from.period
            .as_deref()
            .and_then(|p| Period::parse(p).ok())
            .unwrap_or_else(|| Period::quarter_of(record.visit.visited_at.date()))
            .to_string()
    });
    let page = VisitPage {
        review_status: lang.text().review_status(review.status),
        review_comment: review.comment.clone(),
        flags: review.flags.clone(),
        reviewed: checklist.review,
        decide_period,
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        id: record.link(),
        appealable: open.is_some() && authed.user.may_appeal(),
        appeal_closes: open.map_or(String::new(), |c| c.format("%Y-%m-%d %H:%M").to_string()),
        back: authed
            .user
            .reads_reports()
            .then(|| back_to_report(&record, &checklist, from.period.as_deref())),
        hall: format!("{} {}", record.visit.branch_code, record.branch_name),
        district: record.district.clone(),
        visited_at: record.visit.visited_at.format("%Y-%m-%d %H:%M").to_string(),
        inspector: record.visit.inspector.clone().unwrap_or_default(),
        checklist: format!(
            "{}({} 第 {} 版)",
            checklist.title, checklist.id, checklist.version
        ),
        assignment: record.assignment,
        rate: rate_text(score.points.total),
        lost: score
            .points
            .total
            .map_or("—".into(), |p| format_number(p.lost())),
        notes: record.visit.notes.clone().unwrap_or_default(),
        red_lines: score
            .red_lines
            .iter()
            .map(|r| lang.text().red_line(&checklist, *r))
            .collect(),
        sections: checklist
            .sections
            .iter()
            .zip(&score.points.sections)
            .map(|(s, p)| SectionLine {
                title: s.title.clone(),
                rate: rate_text(*p),
                lost: p.map_or("—".into(), |p| format_number(p.lost())),
            })
            .collect(),
        answers: answer_lines(&record, &checklist, &score),
        photos: photos
            .iter()
            .map(|p| {
                (
                    format!("/photos/{}", p.id),
                    p.item_code.clone().unwrap_or_default(),
                )
            })
            .collect(),
        history: record
            .history
            .iter()
            .map(|(at, reason, version, answers)| {
                format!("{at} {reason}(第 {version} 版,{} 项答案)", answers.len())
            })
            .collect(),
        user: Some(authed.user),
    };
    Ok(page.into_response())
}

fn rate_text(points: Option<Points>) -> String {
    percent(points.map(|p| p.rate()))
}

/// The hall's report page, on the period the reader came from, or else the
/// quarter of the visit.
fn back_to_report(record: &VisitRecord, checklist: &Checklist, period: Option<&str>) -> String {
    let period = period
        .and_then(|p| Period::parse(p).ok())
        .unwrap_or_else(|| Period::quarter_of(record.visit.visited_at.date()));
    format!(
        "/halls/{}?{}",
        record.visit.branch_code,
        super::dashboard::report_query(&period, &checklist.id)
    )
}

/// Each answer with its points, and whether a red line zeroed it.
fn answer_lines(
    record: &VisitRecord,
    checklist: &Checklist,
    score: &VisitScore,
) -> Vec<AnswerLine> {
    checklist
        .items()
        .zip(&record.visit.answers)
        .zip(&score.points.items)
        .map(|(((section, item), answer), points)| AnswerLine {
            zeroed: points.is_some_and(|p| p.earned == 0.0)
                && item_earned(item, *answer).is_some_and(|e| e > 0.0)
                && score.red_lines.iter().any(|r| r.covers(section)),
            note: record
                .visit
                .item_notes
                .get(&item.code)
                .cloned()
                .unwrap_or_default(),
            code: item.code.clone(),
            title: item.title.clone(),
            answer: answer.to_text(item),
            valid: appealable_answers(item),
            min: match item.kind {
                ItemKind::Scale | ItemKind::Measure { .. } => "0".into(),
                _ => String::new(),
            },
            max: match item.kind {
                ItemKind::Scale => format_number(item.points),
                _ => String::new(),
            },
            earned: points.map_or("—".into(), |p| format_number(p.earned)),
            points: format_number(item.points),
            lost: points.is_some_and(|p| p.lost() > 0.0),
        })
        .collect()
}

/// The answers an appeal may ask for, separated by `|`: 是/否, the
/// choices, 不适用 where allowed; empty for a number.
fn appealable_answers(item: &Item) -> String {
    let mut valid: Vec<&str> = match &item.kind {
        ItemKind::Check { .. } => vec!["是", "否"],
        ItemKind::Choice { choices } => choices.iter().map(|c| c.label.as_str()).collect(),
        ItemKind::Scale | ItemKind::Measure { .. } => Vec::new(),
    };
    if item.na {
        valid.push("不适用");
    }
    valid.join("|")
}
