//! 整改 in the browser: a published period's tickets for the district
//! managers and headquarters, with the figures per district and city; one
//! ticket's page, where a manager answers with words and photos and
//! headquarters closes or reopens it; and the small views of tickets the
//! dashboard and the hall page show.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;

use super::AppState;
use super::assets::AssetUrls;
use super::error::Error;
use super::extract::{ReportReaders, Sender, Viewer};
use super::i18n::{Lang, Text};
use super::pager::{Pager, Span, asked_page};
use super::pages::{InLang, PageError};
use super::upload::{FormParts, SentFile, new_photo, save_photo};
use crate::app::rectify::{self, Act, Refusal};
use crate::app::report::Level;
use crate::domain::access::{User, Visibility};
use crate::domain::checklist::Checklist;
use crate::domain::period::Period;
use crate::domain::rectify::{Action, Tally};
use crate::storage::{Evidence, Photo, Reader, Store, Ticket, TicketFilter};

/// The 整改 pages: the list, and a ticket's page with its forms (several
/// photos may come with an answer).
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/rectify", get(rectify_page)).route(
        "/rectify/{id}",
        get(ticket)
            .post(act)
            .layer(DefaultBodyLimit::max(super::MAX_UPLOAD)),
    )
}

/// The folder and key of a ticket's photos.
fn photo_key(id: i64) -> String {
    format!("rectify-{id}")
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A ticket as the lists show it.
pub struct TicketLine {
    pub id: i64,
    pub status: &'static str,
    /// The status's code, for the row's class and the tests.
    pub status_code: &'static str,
    pub overdue: bool,
    pub repeated: bool,
    pub under_appeal: bool,
    pub critical: bool,
    pub due: String,
    pub period: String,
    pub hall: String,
    pub hall_link: String,
    pub district: String,
    pub item_code: String,
    pub item_title: String,
    pub visits: Vec<String>,
}

impl TicketLine {
    fn new(ticket: &Ticket, checklist: Option<&Checklist>, t: &Text, today: NaiveDate) -> Self {
        TicketLine {
            id: ticket.id,
            status: t.ticket_status(ticket.status),
            status_code: ticket.status.as_str(),
            overdue: ticket.is_overdue(today),
            repeated: ticket.repeated,
            under_appeal: ticket.under_appeal,
            critical: ticket.critical,
            due: ticket.due.to_string(),
            period: ticket.period.clone(),
            hall: format!("{} {}", ticket.branch_code, ticket.branch_name),
            hall_link: format!(
                "/halls/{}?period={}&checklist={}",
                ticket.branch_code, ticket.period, ticket.checklist_id
            ),
            district: ticket.district.clone(),
            item_code: ticket.item_code.clone(),
            item_title: checklist
                .and_then(|c| c.items().find(|(_, i)| i.code == ticket.item_code))
                .map(|(_, i)| i.title.clone())
                .unwrap_or_default(),
            visits: ticket.visits.clone(),
        }
    }
}

/// One row of the figures: a district, a city or everything.
pub struct TallyLine {
    pub name: String,
    /// A district's tickets alone on the 整改 page, when there are
    /// several districts.
    pub link: Option<String>,
    /// A city's or the total's row, set apart from the districts'.
    pub summary: bool,
    pub tally: Tally,
}

/// The figures of `tickets`: each district, then each city and the total
/// when the reader sees more than one district, a district's row linked
/// to its tickets on the 整改 page of the checklist's period.
fn tally_lines(
    tickets: &[Ticket],
    (checklist, period): (&str, Period),
    t: &Text,
    today: NaiveDate,
) -> Vec<TallyLine> {
    let tallies = rectify::tally(tickets, today);
    let several = tallies.districts.len() > 1;
    let mut lines: Vec<TallyLine> = tallies
        .districts
        .iter()
        .map(|(name, tally)| TallyLine {
            name: t.district_scope(name),
            link: several.then(|| list_link_at(period, checklist, Some(name), 1)),
            summary: false,
            tally: *tally,
        })
        .collect();
    if several {
        lines.extend(tallies.cities.iter().map(|(name, tally)| TallyLine {
            name: t.city_scope(name),
            link: None,
            summary: true,
            tally: *tally,
        }));
        if tallies.cities.len() > 1 || tallies.cities.is_empty() {
            lines.push(TallyLine {
                name: t.total.into(),
                link: None,
                summary: true,
                tally: tallies.total,
            });
        }
    }
    lines
}

/// The published periods, the latest first: (checklist, period).
fn published(store: &Reader) -> Result<Vec<(String, Period)>, Error> {
    let mut out: Vec<(String, Period)> = Vec::new();
    for p in store.published_versions()? {
        if !out
            .iter()
            .any(|(c, q)| *c == p.checklist_id && *q == p.period)
        {
            out.push((p.checklist_id, p.period));
        }
    }
    out.sort_by(|a, b| (b.1.to, b.1.from, &a.0).cmp(&(a.1.to, a.1.from, &b.0)));
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct RectifyQuery {
    period: Option<String>,
    checklist: Option<String>,
    /// Only this district's tickets (the figures stay whole).
    district: Option<String>,
    /// The page of the list, from 1.
    page: Option<String>,
}

/// A published period offered on the page.
pub struct PeriodLink {
    pub label: String,
    pub link: String,
    pub selected: bool,
}

/// Why the list is empty.
enum Empty {
    NothingPublished,
    NotPublished { checklist: String, period: String },
    NoTickets,
}

impl Empty {
    /// Why, in words that say what to do.
    fn words(self, t: &Text, admin: bool) -> String {
        match self {
            Empty::NothingPublished => t.rectify_nothing_published(admin).to_string(),
            Empty::NotPublished { checklist, period } => {
                t.rectify_unpublished(&checklist, &period, admin)
            }
            Empty::NoTickets => t.rectify_no_tickets.to_string(),
        }
    }
}

/// The 整改 page of a period.
fn list_link(period: impl std::fmt::Display, checklist: &str) -> String {
    list_link_at(period, checklist, None, 1)
}

/// The 整改 page of a period with its list narrowed to `district` and
/// opened at `page`, when given.
fn list_link_at(
    period: impl std::fmt::Display,
    checklist: &str,
    district: Option<&str>,
    page: usize,
) -> String {
    let mut address = form_urlencoded::Serializer::new(String::new());
    address
        .append_pair("period", &period.to_string())
        .append_pair("checklist", checklist);
    if let Some(district) = district {
        address.append_pair("district", district);
    }
    if page > 1 {
        address.append_pair("page", &page.to_string());
    }
    format!("/rectify?{}", address.finish())
}

#[derive(Template, WebTemplate)]
#[template(path = "rectify.html")]
struct RectifyPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    /// The period and checklist shown, in words.
    heading: String,
    periods: Vec<PeriodLink>,
    /// Why nothing is listed, if nothing is.
    empty: Option<String>,
    tallies: Vec<TallyLine>,
    /// The one district whose tickets are listed, and the link to all.
    district: Option<(String, String)>,
    /// The tickets of the page shown, and the links to the others.
    tickets: Vec<TicketLine>,
    pager: Pager,
    /// How many are overdue, when any are.
    overdue: Option<String>,
}

/// What the 整改 page reads.
struct Listing {
    published: Vec<(String, Period)>,
    /// The checklist and period shown, if any is published.
    chosen: Option<(String, Period)>,
    /// Its tickets, without their evidence; none when the period asked
    /// for is not published.
    tickets: Option<Vec<Ticket>>,
    /// Those of the district asked for, if one is: their page, with its
    /// evidence, and how many are overdue.
    page: Vec<Ticket>,
    span: Span,
    overdue: usize,
    checklist: Option<Checklist>,
}

fn list_data(
    store: &Reader,
    user: &User,
    (query, district, page): (RectifyQuery, Option<String>, usize),
    today: NaiveDate,
    lang: Lang,
) -> Result<Listing, Error> {
    let published = published(store)?;
    let asked = match query.period.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(text) => Some(
            Period::parse(text).map_err(|e| Error::invalid(e.to_string()).with_field("period"))?,
        ),
        None => None,
    };
    let wanted = query.checklist.filter(|c| !c.trim().is_empty());
    let chosen = match asked {
        Some(period) => {
            let checklist = match wanted {
                Some(c) => c,
                None => published
                    .iter()
                    .find(|(_, p)| *p == period)
                    .map(|(c, _)| c.clone())
                    .map_or_else(|| crate::app::imports::checklist_id(store, None), Ok)?,
            };
            Some((checklist, period))
        }
        None => published
            .iter()
            .find(|(c, _)| wanted.as_ref().is_none_or(|w| w == c))
            .cloned(),
    };
    let Some((id, period)) = chosen.clone() else {
        return Ok(Listing {
            published,
            chosen,
            tickets: None,
            page: Vec::new(),
            span: Span::of(0, 1),
            overdue: 0,
            checklist: None,
        });
    };
    let tickets = match rectify::list(store, user, (&id, period), Evidence::Left, today) {
        Ok(tickets) => Some(tickets),
        Err(Refusal::NotPublished { .. }) => None,
        Err(e) => return Err(refused(e, lang)),
    };
    let listed: Vec<&Ticket> = tickets
        .iter()
        .flatten()
        .filter(|x| district.as_ref().is_none_or(|d| *d == x.district))
        .collect();
    let span = Span::of(listed.len(), page);
    let mut shown: Vec<Ticket> = listed[span.first..span.last]
        .iter()
        .map(|&x| x.clone())
        .collect();
    store.read_evidence(&mut shown)?;
    Ok(Listing {
        overdue: listed.iter().filter(|x| x.is_overdue(today)).count(),
        page: shown,
        span,
        published,
        chosen,
        tickets,
        checklist: store.checklist(&id).ok(),
    })
}

/// `GET /rectify?period=P&checklist=C`: the tickets of a published period
/// the reader answers for, overdue first; the latest published period
/// when none is asked for.
pub async fn rectify_page(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<ReportReaders>,
    Query(query): Query<RectifyQuery>,
) -> Result<Response, PageError> {
    let t = lang.text();
    let user = authed.user.clone();
    let today = today();
    let shown = query.district.clone().filter(|d| !d.trim().is_empty());
    let page = asked_page(query.page.as_deref(), t).page(lang)?;
    let Listing {
        published,
        chosen,
        tickets,
        page,
        span,
        overdue,
        checklist,
    } = state
        .db
        .read({
            let shown = shown.clone();
            move |store| list_data(store, &user, (query, shown, page), today, lang)
        })
        .await
        .page(lang)?;
    let (tickets, empty) = match (&chosen, tickets) {
        (None, _) => (Vec::new(), Some(Empty::NothingPublished)),
        (Some((c, p)), None) => (
            Vec::new(),
            Some(Empty::NotPublished {
                checklist: c.clone(),
                period: p.to_string(),
            }),
        ),
        (Some(_), Some(tickets)) => {
            let empty = tickets.is_empty().then_some(Empty::NoTickets);
            (tickets, empty)
        }
    };
    let admin = authed.user.administers();
    let pager = Pager::new(
        &span,
        t.ticket_pages,
        t.ticket_rows_shown(span.first + 1, span.last, span.total),
        |n| match &chosen {
            Some((c, p)) => list_link_at(p, c, shown.as_deref(), n) + "#ticket-list",
            None => String::new(),
        },
    );
    let page = RectifyPage {
        t,
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        heading: match &chosen {
            Some((c, p)) => t.rectify_period(
                &p.to_string(),
                checklist.as_ref().map_or(c.as_str(), |c| c.title.as_str()),
            ),
            None => String::new(),
        },
        periods: published
            .iter()
            .map(|(c, p)| PeriodLink {
                label: format!("{p} · {c}"),
                link: list_link(p, c),
                selected: chosen.as_ref().is_some_and(|(cc, pp)| cc == c && pp == p),
            })
            .collect(),
        empty: empty.map(|e| e.words(t, admin)),
        tallies: chosen
            .as_ref()
            .map_or_else(Vec::new, |(c, p)| tally_lines(&tickets, (c, *p), t, today)),
        district: shown
            .as_ref()
            .zip(chosen.as_ref())
            .map(|(d, (c, p))| (t.district_scope(d), list_link(p, c))),
        overdue: (overdue > 0).then(|| t.overdue_count(overdue)),
        tickets: page
            .iter()
            .map(|x| TicketLine::new(x, checklist.as_ref(), t, today))
            .collect(),
        pager,
        user: Some(authed.user),
    };
    Ok(page.into_response())
}

/// A refusal of the core as the pages answer it.
fn refused(refusal: Refusal, lang: Lang) -> Error {
    match refusal {
        Refusal::NotFound(_) => Error::not_found(lang),
        Refusal::NotReader | Refusal::NotResponder | Refusal::NotDecider => {
            Error::new(StatusCode::FORBIDDEN, "forbidden", refusal.to_string())
        }
        Refusal::Missing(message) => Error::invalid(message).with_field("text"),
        Refusal::NotPublished { .. } => Error::invalid(refusal.to_string()).with_field("period"),
        Refusal::Storage(e) => Error::from(e).with_field("action"),
    }
}

/// A step of a ticket's history.
pub struct HistoryStep {
    pub what: &'static str,
    pub when: String,
    pub who: String,
    pub text: String,
    pub link: Option<String>,
}

/// A visit of the ticket, linked to its page.
pub struct EvidenceVisit {
    pub link: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "ticket.html")]
struct TicketPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    line: TicketLine,
    /// "整改单 #12".
    heading: String,
    checklist: String,
    city: String,
    evidence: Vec<EvidenceVisit>,
    history: Vec<HistoryStep>,
    photos: Vec<String>,
    /// The forms offered: the manager's answer, headquarters' close and
    /// reopen.
    respond: bool,
    close: bool,
    reopen: bool,
    /// Why nothing more can be done, when nothing can.
    settled: Option<String>,
    back: String,
    /// What was wrong with the form just sent, and the field at fault.
    problem: Option<Error>,
    /// The words sent with it, kept for correcting.
    text: String,
}

impl TicketPage {
    fn problem_in(&self, field: &str) -> bool {
        self.problem
            .as_ref()
            .is_some_and(|p| p.field.as_deref() == Some(field))
    }
}

/// What a ticket's page shows, read in one go.
struct TicketData {
    ticket: Ticket,
    checklist: Option<Checklist>,
    evidence: Vec<EvidenceVisit>,
    photos: Vec<Photo>,
}

fn ticket_data(
    store: &Reader,
    id: i64,
    visibility: &Visibility,
    lang: Lang,
) -> Result<TicketData, Error> {
    let ticket = store
        .ticket(id, visibility)?
        .ok_or_else(|| Error::not_found(lang))?;
    let mut evidence = Vec::new();
    for visit in &ticket.visits {
        let label = match store.visit_record(visit, visibility)? {
            Some(record) => {
                let v = &record.visit;
                let at = v.visited_at.format("%Y-%m-%d %H:%M");
                match &v.inspector {
                    Some(who) => format!("{at} · {who}"),
                    None => at.to_string(),
                }
            }
            None => visit.clone(),
        };
        evidence.push(EvidenceVisit {
            link: format!("/visits/{visit}"),
            label,
        });
    }
    Ok(TicketData {
        checklist: store.checklist(&ticket.checklist_id).ok(),
        photos: store.photos(&photo_key(id))?,
        evidence,
        ticket,
    })
}

fn ticket_page(authed_user: User, csrf: String, lang: Lang, data: TicketData) -> TicketPage {
    let t = lang.text();
    let today = today();
    let TicketData {
        ticket,
        checklist,
        evidence,
        photos,
    } = data;
    let time = |at: Option<chrono::NaiveDateTime>| {
        at.map(|at| at.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let mut history = vec![HistoryStep {
        what: t.ticket_opened,
        when: time(Some(ticket.opened_at)),
        who: String::new(),
        text: String::new(),
        link: None,
    }];
    if let Some(response) = &ticket.response {
        history.push(HistoryStep {
            what: t.ticket_response,
            when: time(ticket.responded_at),
            who: ticket.responded_by.clone().unwrap_or_default(),
            text: response.clone(),
            link: None,
        });
    }
    if let Some(decision) = &ticket.decision {
        history.push(HistoryStep {
            what: t.ticket_decision,
            when: time(ticket.decided_at),
            who: ticket.decided_by.clone().unwrap_or_default(),
            text: decision.clone(),
            link: None,
        });
    }
    if let (Some(visit), Some(day)) = (&ticket.settled_by, ticket.settled_on) {
        history.push(HistoryStep {
            what: t.ticket_recheck,
            when: day.to_string(),
            who: String::new(),
            text: t.recheck_outcome(ticket.status, &ticket.due.to_string()),
            link: Some(format!("/visits/{visit}")),
        });
    }
    let allows = |action: Action| action.apply(ticket.status).is_ok();
    let respond = authed_user.answers_tickets() && allows(Action::Respond);
    let close = authed_user.administers() && allows(Action::Close);
    let reopen = authed_user.administers() && allows(Action::Reopen);
    let settled = (!ticket.status.is_open() && !respond && !close && !reopen)
        .then(|| t.ticket_done(t.ticket_status(ticket.status)));
    let line = TicketLine::new(&ticket, checklist.as_ref(), t, today);
    TicketPage {
        t,
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf,
        back: list_link(&ticket.period, &ticket.checklist_id),
        checklist: checklist.map_or_else(|| ticket.checklist_id.clone(), |c| c.title),
        city: ticket.city.clone().unwrap_or_default(),
        heading: t.ticket_heading(ticket.id),
        line,
        evidence,
        history,
        photos: photos.into_iter().map(|p| p.id).collect(),
        respond,
        close,
        reopen,
        settled,
        problem: None,
        text: String::new(),
        user: Some(authed_user),
    }
}

/// `GET /rectify/{id}`: a ticket the reader answers for, with its history
/// and photos; others' tickets do not exist for them.
pub async fn ticket(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<ReportReaders>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let visibility = authed.user.visibility();
    let data = state
        .db
        .read(move |store| ticket_data(store, id, &visibility, lang))
        .await
        .page(lang)?;
    let csrf = authed.csrf.clone().unwrap_or_default();
    Ok(ticket_page(authed.user, csrf, lang, data).into_response())
}

/// What a form on a ticket's page asks, its photos known to be images.
struct TicketForm {
    action: Action,
    text: String,
    photos: Vec<SentFile>,
}

impl TicketForm {
    fn read(form: &mut FormParts, t: &Text) -> Result<TicketForm, Error> {
        let action = form
            .text("action")
            .and_then(Action::parse)
            .ok_or_else(|| Error::invalid(t.ticket_action_unknown).with_field("action"))?;
        let text = form.text("text").unwrap_or_default().to_string();
        let photos = form.take_files("photos");
        if action != Action::Respond && !photos.is_empty() {
            return Err(Error::invalid(t.ticket_photos_only_with_response).with_field("photos"));
        }
        if let Some(bad) = photos
            .iter()
            .find(|p| super::upload::image_type(&p.bytes).is_none())
        {
            let name = bad.name.clone().unwrap_or_default();
            return Err(Error::invalid(t.ticket_photo_type(&name)).with_field("photos"));
        }
        Ok(TicketForm {
            action,
            text,
            photos,
        })
    }
}

/// Acts on the ticket and files the photos of a response, in the one
/// transaction of `store`: a photo that cannot be kept leaves nothing,
/// neither the response nor the files already written.
fn act_with_photos(
    store: &mut Store,
    dir: &std::path::Path,
    user: &User,
    id: i64,
    form: &TicketForm,
    lang: Lang,
) -> Result<(), Error> {
    rectify::act(
        store,
        user,
        Act {
            id,
            action: form.action,
            text: &form.text,
        },
    )
    .map_err(|e| refused(e, lang))?;
    let mut written: Vec<std::path::PathBuf> = Vec::new();
    for sent in &form.photos {
        let saved = new_photo(&photo_key(id), None, &sent.bytes)
            .ok_or_else(|| {
                Error::invalid(
                    lang.text()
                        .ticket_photo_type(sent.name.as_deref().unwrap_or("")),
                )
                .with_field("photos")
            })
            .and_then(|photo| {
                save_photo(store, dir, &photo, &sent.bytes, user.id)?;
                Ok(dir.join(&photo.file))
            });
        match saved {
            Ok(path) => written.push(path),
            Err(e) => {
                for path in &written {
                    let _ = std::fs::remove_file(path);
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

/// `POST /rectify/{id}` (multipart: csrf, action, text, photos): a manager
/// answers, headquarters closes or reopens. A mistake shows the ticket's
/// page again with what is wrong beside the field, nothing stored.
pub async fn act(
    State(state): State<AppState>,
    lang: Lang,
    Sender(authed, _): Sender<ReportReaders>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let t = lang.text();
    let mut form = FormParts::read(multipart, &["photos"])
        .await
        .map_err(|e| Error::new(e.status(), "bad_upload", e.body_text()))
        .page(lang)?;
    authed.check_csrf(form.text("csrf"), lang).page(lang)?;
    let sent_text = form.text("text").unwrap_or_default().to_string();
    let read = TicketForm::read(&mut form, t);
    let user = authed.user.clone();
    let dir = state.photos.clone();
    let done = match read {
        Ok(request) => {
            state
                .db
                .write(move |store| act_with_photos(store, &dir, &user, id, &request, lang))
                .await
        }
        Err(e) => Err(e),
    };
    let problem = match done {
        Ok(()) => return Ok(Redirect::to(&format!("/rectify/{id}")).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status.is_server_error() => {
            return Err(e).page(lang);
        }
        Err(e) => e,
    };
    let visibility = authed.user.visibility();
    let data = state
        .db
        .read(move |store| ticket_data(store, id, &visibility, lang))
        .await
        .page(lang)?;
    let csrf = authed.csrf.clone().unwrap_or_default();
    let status = problem.status;
    let mut page = ticket_page(authed.user, csrf, lang, data);
    page.problem = Some(problem);
    page.text = sent_text;
    Ok((status, page).into_response())
}

/// The tickets of a hall still open, as its page lists them; none for a
/// district's page.
pub(super) async fn hall_tickets(
    state: &AppState,
    level: Level,
    code: &str,
    visibility: &Visibility,
    lang: Lang,
) -> Result<Vec<TicketLine>, Error> {
    if level != Level::Branch {
        return Ok(Vec::new());
    }
    let filter = TicketFilter {
        branch_code: Some(code.to_string()),
        ..TicketFilter::default()
    };
    let visibility = visibility.clone();
    let today = today();
    state
        .db
        .read(move |store| {
            let mut tickets = store.tickets(&filter, &visibility)?;
            tickets.retain(|x| x.status.is_open());
            tickets.sort_by_key(|x| (!x.is_overdue(today), x.due));
            let mut checklists: Vec<Checklist> = Vec::new();
            let mut out = Vec::new();
            for ticket in &tickets {
                if !checklists.iter().any(|c| c.id == ticket.checklist_id) {
                    checklists.push(store.checklist(&ticket.checklist_id)?);
                }
                let checklist = checklists.iter().find(|c| c.id == ticket.checklist_id);
                out.push(TicketLine::new(ticket, checklist, lang.text(), today));
            }
            Ok(out)
        })
        .await
}

/// The dashboard's view of rectification: the figures of the period's
/// tickets the reader sees, or why there are none.
pub struct Summary {
    pub link: String,
    pub note: Option<String>,
    pub tallies: Vec<TallyLine>,
}

pub(super) fn summary(
    store: &Reader,
    user: &User,
    checklist: &str,
    period: Period,
    lang: Lang,
) -> Result<Summary, Error> {
    let t = lang.text();
    let today = today();
    let link = list_link(period, checklist);
    let (note, tallies) =
        match rectify::list(store, user, (checklist, period), Evidence::Left, today) {
            Ok(tickets) if tickets.is_empty() => {
                (Some(t.rectify_no_tickets.to_string()), Vec::new())
            }
            Ok(tickets) => (None, tally_lines(&tickets, (checklist, period), t, today)),
            Err(Refusal::NotPublished { .. }) => (
                Some(t.rectify_dashboard_unpublished.to_string()),
                Vec::new(),
            ),
            Err(e) => return Err(refused(e, lang)),
        };
    Ok(Summary {
        link,
        note,
        tallies,
    })
}
