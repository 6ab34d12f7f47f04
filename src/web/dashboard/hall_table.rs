//! The dashboard's hall ranking a page at a time. A national case has
//! thousands of halls: the table shows 100 rows a page, ordered by any of
//! its columns and narrowed to a county or to what the reader types, all
//! on the server so that every page, sort and search reaches every hall
//! the reader may see, with or without JavaScript. Ranks, marks and the
//! figures around the table stay those of all the halls.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use pinyin::ToPinyin;

use super::{Choice, RowFigures, scale_text};
use crate::app::report::RankingRow;
use crate::web::error::Error;
use crate::web::hall_search::initials;
use crate::web::i18n::Text;
use crate::web::pager::{Pager, Span, asked_page};

/// A column the hall table can be ordered by, as the address names it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Rank,
    District,
    Hall,
    Visits,
    Rate,
    Adjusted,
    Interval,
    /// The checklist's sections, from 0.
    Section(usize),
    Previous,
    Change,
}

impl Column {
    /// `rank`, `rate`, `s2` (the second section)…; the adjusted rate only
    /// where it is shown.
    fn parse(text: &str, sections: usize, adjusted_shown: bool) -> Option<Column> {
        Some(match text {
            "rank" => Column::Rank,
            "district" => Column::District,
            "hall" => Column::Hall,
            "visits" => Column::Visits,
            "rate" => Column::Rate,
            "adjusted" if adjusted_shown => Column::Adjusted,
            "interval" => Column::Interval,
            "previous" => Column::Previous,
            "change" => Column::Change,
            _ => {
                let n: usize = text.strip_prefix('s')?.parse().ok()?;
                if n == 0 || n > sections {
                    return None;
                }
                Column::Section(n - 1)
            }
        })
    }

    fn name(self) -> String {
        match self {
            Column::Rank => "rank".into(),
            Column::District => "district".into(),
            Column::Hall => "hall".into(),
            Column::Visits => "visits".into(),
            Column::Rate => "rate".into(),
            Column::Adjusted => "adjusted".into(),
            Column::Interval => "interval".into(),
            Column::Section(i) => format!("s{}", i + 1),
            Column::Previous => "previous".into(),
            Column::Change => "change".into(),
        }
    }
}

/// How the reader asked to see the hall table: which county, what they
/// searched for, the order and the page.
pub struct HallView {
    district: String,
    search: String,
    column: Column,
    descending: bool,
    page: usize,
}

/// The hall table's part of the address, as it came.
pub struct HallQuery<'a> {
    pub page: Option<&'a str>,
    pub sort: Option<&'a str>,
    pub order: Option<&'a str>,
    pub district: Option<&'a str>,
    pub search: Option<&'a str>,
}

impl HallView {
    /// The view an address asks for; a page, column or order that cannot
    /// be is a mistake in the address, said in the reader's language.
    pub fn parse(
        query: &HallQuery,
        sections: usize,
        adjusted_shown: bool,
        t: &Text,
    ) -> Result<HallView, Error> {
        fn given(value: Option<&str>) -> Option<&str> {
            value.map(str::trim).filter(|v| !v.is_empty())
        }
        let page = asked_page(query.page, t)?;
        let column = match given(query.sort) {
            None => Column::Rank,
            Some(text) => Column::parse(text, sections, adjusted_shown)
                .ok_or_else(|| Error::invalid(t.bad_sort_column(text)))?,
        };
        let descending = match given(query.order) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(text) => return Err(Error::invalid(t.bad_sort_order(text))),
        };
        Ok(HallView {
            district: given(query.district).unwrap_or_default().to_string(),
            search: given(query.search).unwrap_or_default().to_string(),
            column,
            descending,
            page,
        })
    }

    /// Every hall in `column`'s order, from the first page.
    fn everything(column: Column, descending: bool) -> HallView {
        HallView {
            district: String::new(),
            search: String::new(),
            column,
            descending,
            page: 1,
        }
    }

    /// Whether the rows are narrowed to a county or a search.
    fn filtered(&self) -> bool {
        !self.district.is_empty() || !self.search.is_empty()
    }

    /// The address's parameters of this view on `page` (none for page 1),
    /// ordered by `column`: those that differ from the plain view.
    fn params(&self, column: Column, descending: bool, page: usize) -> Vec<(&'static str, String)> {
        let mut params = self.kept_with(column, descending);
        if page > 1 {
            params.push(("page", page.to_string()));
        }
        params
    }

    fn kept_with(&self, column: Column, descending: bool) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        for (name, value) in [("district", &self.district), ("q", &self.search)] {
            if !value.is_empty() {
                params.push((name, value.clone()));
            }
        }
        if column != Column::Rank || descending {
            params.push(("sort", column.name()));
            params.push(("order", if descending { "desc" } else { "asc" }.into()));
        }
        params
    }

    /// What another period or checklist keeps of this view: all but the
    /// page, which starts again at the first.
    pub fn kept(&self) -> Vec<(&'static str, String)> {
        self.kept_with(self.column, self.descending)
    }

    /// Whether `row` is in the county chosen and matches the search: its
    /// code or name holds the text, or the pinyin initials of its name do
    /// (西平城关 for "xpcg").
    fn admits(&self, row: &RankingRow) -> bool {
        if !self.district.is_empty() && row.district.as_deref() != Some(self.district.as_str()) {
            return false;
        }
        if self.search.is_empty() {
            return true;
        }
        let wanted = self.search.to_lowercase();
        row.code.to_lowercase().contains(&wanted)
            || row.name.to_lowercase().contains(&wanted)
            || (wanted.is_ascii() && initials(&row.name).contains(&wanted))
    }
}

/// A value to order rows by. Rows without one go last either way.
#[derive(Debug, PartialEq)]
enum Key {
    Number(f64),
    /// Chinese text orders by its pinyin, then by the text itself.
    Text(String, String),
}

impl Key {
    fn text(text: &str) -> Key {
        let spelled: Vec<String> = text
            .chars()
            .zip(text.to_pinyin())
            .map(|(c, p)| p.map_or_else(|| c.to_string(), |p| p.plain().to_string()))
            .collect();
        Key::Text(spelled.join(" "), text.to_string())
    }

    fn compare(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Number(a), Key::Number(b)) => a.total_cmp(b),
            (Key::Text(a, x), Key::Text(b, y)) => a.cmp(b).then_with(|| x.cmp(y)),
            (Key::Number(_), Key::Text(..)) => Ordering::Less,
            (Key::Text(..), Key::Number(_)) => Ordering::Greater,
        }
    }
}

/// What `row` shows in `column`, as a key to order by.
fn key(row: &RankingRow, column: Column, figures: &RowFigures) -> Option<Key> {
    let number = |n: Option<f64>| n.map(Key::Number);
    let whole = |n: Option<u32>| number(n.map(f64::from));
    match column {
        Column::Rank => whole(row.rank),
        Column::District => row.district.as_deref().map(Key::text),
        Column::Hall => Some(Key::text(&row.name)),
        Column::Visits => whole(Some(row.visits)),
        Column::Rate => number(figures.rate(row)),
        Column::Adjusted => number(figures.adjusted(row)),
        Column::Interval => number(row.interval.map(|[low, _]| low)),
        Column::Section(i) => number(row.sections.values().nth(i).flatten()),
        Column::Previous => whole(row.previous_rank),
        Column::Change => number(row.rank_change.map(|c| c as f64)),
    }
}

/// The rows of `view`'s page, in its order: those admitted, sorted
/// (stably, so ties keep the ranking's order), then cut to the page. The
/// page asked for is kept within the pages there are.
fn page_rows<'a>(
    rows: &'a [RankingRow],
    view: &HallView,
    figures: &RowFigures,
) -> (Vec<&'a RankingRow>, Span) {
    let mut keyed: Vec<(Option<Key>, &RankingRow)> = rows
        .iter()
        .filter(|row| view.admits(row))
        .map(|row| (key(row, view.column, figures), row))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| match (a, b) {
        (Some(a), Some(b)) if view.descending => b.compare(a),
        (Some(a), Some(b)) => a.compare(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    let span = Span::of(keyed.len(), view.page);
    let shown = keyed
        .into_iter()
        .skip(span.first)
        .take(span.last - span.first)
        .map(|(_, row)| row)
        .collect();
    (shown, span)
}

/// A header cell: its label, a link that orders the rows by it, and the
/// order it is in now.
pub struct Header {
    pub label: String,
    /// After the label, muted: the interval bars' scale.
    pub note: String,
    pub class: &'static str,
    pub href: String,
    /// `ascending` or `descending` when the rows are in this column's
    /// order, else empty.
    pub sort: &'static str,
}

/// The hall table as the page shows it.
pub struct HallTable {
    pub headers: Vec<Header>,
    pub pager: Pager,
    /// The counties to narrow to, when there is more than one.
    pub districts: Vec<Choice>,
    pub search: String,
    /// The period, checklist and order a search keeps.
    pub hidden: Vec<(&'static str, String)>,
    /// The table without the county and search, when they narrow it.
    pub clear: Option<String>,
}

/// What the hall table needs besides the rows and their figures: the
/// address's period, checklist and adjusted ranking, the section titles
/// and whether the adjusted column is shown.
pub struct TableFrame<'a> {
    pub base: &'a [(&'static str, String)],
    pub sections: &'a [String],
    pub adjusted_shown: bool,
}

/// The hall table of `rows` (every hall the reader sees, in rank order)
/// as `view` asks for it: the rows of its page, and the headers, pager
/// and search around them.
pub fn hall_table<'a>(
    rows: &'a [RankingRow],
    view: &HallView,
    figures: &RowFigures,
    frame: &TableFrame,
) -> (Vec<&'a RankingRow>, HallTable) {
    let (shown, span) = page_rows(rows, view, figures);
    let to_page = |n: usize| frame.href(view.params(view.column, view.descending, n));
    let mut hidden = frame.base.to_vec();
    if view.column != Column::Rank || view.descending {
        hidden.push(("sort", view.column.name()));
        hidden.push(("order", if view.descending { "desc" } else { "asc" }.into()));
    }
    let table = HallTable {
        headers: headers(view, figures, frame),
        pager: Pager::new(
            &span,
            figures.t.hall_pages,
            figures
                .t
                .hall_rows_shown(span.first + 1, span.last, span.total, rows.len()),
            to_page,
        ),
        districts: district_choices(rows, view),
        search: view.search.clone(),
        hidden,
        clear: view.filtered().then(|| {
            let everything = HallView::everything(view.column, view.descending);
            frame.href(everything.params(view.column, view.descending, 1))
        }),
    };
    (shown, table)
}

impl TableFrame<'_> {
    fn href(&self, params: Vec<(&'static str, String)>) -> String {
        dashboard_href(self.base, &params)
    }
}

/// The dashboard with the hall table's `params` after `base`'s period and
/// checklist, opened at the table.
fn dashboard_href(base: &[(&'static str, String)], params: &[(&'static str, String)]) -> String {
    dashboard_at(base, params, "hall-ranking")
}

/// The dashboard with `base`'s parameters, then `params`, opened at the
/// element `anchor`.
pub fn dashboard_at(
    base: &[(&'static str, String)],
    params: &[(&'static str, String)],
    anchor: &str,
) -> String {
    let mut address = form_urlencoded::Serializer::new(String::new());
    for (name, value) in base.iter().chain(params) {
        address.append_pair(name, value);
    }
    format!("/dashboard?{}#{anchor}", address.finish())
}

/// The hall table in the order of a call-out's metric (0 the overall rate
/// as ranked, then the sections), best first or weakest first.
pub fn metric_href(base: &[(&'static str, String)], metric: usize, best: bool) -> String {
    let (column, descending) = match metric {
        0 => (Column::Rank, !best),
        n => (Column::Section(n - 1), best),
    };
    let view = HallView::everything(column, descending);
    dashboard_href(base, &view.params(column, descending, 1))
}

/// The header cells, each a link to the rows in its order: ascending
/// first, descending when it is already ascending.
fn headers(view: &HallView, figures: &RowFigures, frame: &TableFrame) -> Vec<Header> {
    let t = figures.t;
    let mut columns = vec![
        (Column::Rank, t.rank_with_range.to_string(), ""),
        (Column::District, t.district.to_string(), ""),
        (Column::Hall, t.hall.to_string(), ""),
        (Column::Visits, t.visit_count.to_string(), "num short"),
        (Column::Rate, t.rate.to_string(), "num short"),
    ];
    if frame.adjusted_shown {
        columns.push((
            Column::Adjusted,
            t.adjusted_rate.to_string(),
            "num adjusted short",
        ));
    }
    columns.push((Column::Interval, t.interval_95.to_string(), "interval"));
    for (i, title) in frame.sections.iter().enumerate() {
        columns.push((Column::Section(i), title.clone(), "num"));
    }
    columns.push((Column::Previous, t.previous_rank.to_string(), "num short"));
    columns.push((Column::Change, t.rank_change.to_string(), "num short"));
    columns
        .into_iter()
        .map(|(column, label, class)| {
            let now = column == view.column;
            Header {
                label,
                note: if column == Column::Interval {
                    scale_text(figures.scale)
                } else {
                    String::new()
                },
                class,
                href: frame.href(view.params(column, now && !view.descending, 1)),
                sort: match (now, view.descending) {
                    (false, _) => "",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
            }
        })
        .collect()
}

/// The counties of `rows` to narrow the table to, by pinyin, when there
/// is more than one.
fn district_choices(rows: &[RankingRow], view: &HallView) -> Vec<Choice> {
    let names: BTreeSet<&str> = rows.iter().filter_map(|r| r.district.as_deref()).collect();
    if names.len() < 2 {
        return Vec::new();
    }
    let mut keyed: Vec<(Key, &str)> = names.into_iter().map(|d| (Key::text(d), d)).collect();
    keyed.sort_by(|a, b| a.0.compare(&b.0));
    keyed
        .into_iter()
        .map(|(_, d)| Choice {
            value: d.to_string(),
            label: d.to_string(),
            selected: d == view.district,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn chinese_names_order_by_pinyin() {
        let mut names = vec!["西平", "驿城区", "泌阳", "上蔡"];
        names.sort_by(|a, b| Key::text(a).compare(&Key::text(b)));
        assert_eq!(names, ["泌阳", "上蔡", "西平", "驿城区"]);
    }
}
