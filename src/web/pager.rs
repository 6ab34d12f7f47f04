//! Long lists a page at a time, on the server, with or without
//! JavaScript: which rows a page shows and the links between pages, for
//! the dashboard's hall ranking and the 整改 list alike.

use super::error::Error;
use super::i18n::Text;

/// Rows on one page.
pub const PAGE_ROWS: usize = 100;

/// The page an address asks for (`page`, from 1): the first when it
/// names none; anything but a whole number from 1 is a mistake in the
/// address, said in the reader's language.
pub fn asked_page(text: Option<&str>, t: &Text) -> Result<usize, Error> {
    match text.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(1),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| Error::invalid(t.bad_page(text)).with_field("page")),
    }
}

/// Which rows a page shows: `first..last` of `total`, on page `page` of
/// `pages`.
#[derive(Debug, PartialEq)]
pub struct Span {
    pub first: usize,
    pub last: usize,
    pub total: usize,
    page: usize,
    pages: usize,
}

impl Span {
    /// Page `asked` of `total` rows, kept within the pages there are.
    pub fn of(total: usize, asked: usize) -> Span {
        let pages = total.div_ceil(PAGE_ROWS).max(1);
        let page = asked.clamp(1, pages);
        let first = ((page - 1) * PAGE_ROWS).min(total);
        Span {
            first,
            last: (first + PAGE_ROWS).min(total),
            total,
            page,
            pages,
        }
    }

    /// The pages to link: the first, the last and two on each side of the
    /// current one; `None` where pages are left out.
    fn links(&self) -> Vec<Option<usize>> {
        let mut out = Vec::new();
        for n in 1..=self.pages {
            let near = n + 2 >= self.page && n <= self.page + 2;
            if n == 1 || n == self.pages || near {
                out.push(Some(n));
            } else if out.last() != Some(&None) {
                out.push(None);
            }
        }
        out
    }
}

/// A link of the pager: a page number, or a gap ("…") where `href` is
/// empty.
pub struct PageLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// The pager as a page shows it, above a list and (when there are several
/// pages) below it.
pub struct Pager {
    /// What the pages are of, for screen readers.
    pub label: &'static str,
    /// "第 101–200 行,共 3000 个营业厅".
    pub summary: String,
    /// Whether there is more than one page.
    pub paged: bool,
    pub pages: Vec<PageLink>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// The pager of `span`, each page's address made by `to_page`.
    pub fn new(
        span: &Span,
        label: &'static str,
        summary: String,
        to_page: impl Fn(usize) -> String,
    ) -> Pager {
        Pager {
            label,
            summary,
            paged: span.pages > 1,
            pages: span
                .links()
                .into_iter()
                .map(|n| PageLink {
                    label: n.map_or("…".into(), |n| n.to_string()),
                    href: n.map_or(String::new(), &to_page),
                    current: n == Some(span.page),
                })
                .collect(),
            previous: (span.page > 1).then(|| to_page(span.page - 1)),
            next: (span.page < span.pages).then(|| to_page(span.page + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PAGE_ROWS, Span, asked_page};
    use crate::web::i18n::Lang;

    #[test]
    fn pages_hold_a_hundred_rows_and_stay_within_the_rows() {
        let first = Span::of(250, 1);
        assert_eq!((first.first, first.last, first.pages), (0, PAGE_ROWS, 3));
        let last = Span::of(250, 3);
        assert_eq!(
            (last.first, last.last),
            (200, 250),
            "the last page is short"
        );
        assert_eq!(Span::of(250, 9), last, "past the end is the last page");
        let none = Span::of(0, 2);
        assert_eq!((none.first, none.last, none.page, none.pages), (0, 0, 1, 1));
    }

    #[test]
    fn page_links_keep_both_ends_and_the_neighbours() {
        let links = |page| {
            Span::of(30 * PAGE_ROWS, page)
                .links()
                .into_iter()
                .map(|n| n.map_or("…".to_string(), |n| n.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(links(1), "1 2 3 … 30");
        assert_eq!(links(10), "1 … 8 9 10 11 12 … 30");
        assert_eq!(links(30), "1 … 28 29 30");
        assert_eq!(Span::of(3, 1).links(), vec![Some(1)]);
    }

    #[test]
    fn a_page_is_a_whole_number_from_one() {
        let t = Lang::Zh.text();
        assert_eq!(asked_page(None, t).expect("no page"), 1);
        assert_eq!(asked_page(Some(" "), t).expect("an empty page"), 1);
        assert_eq!(asked_page(Some("7"), t).expect("page 7"), 7);
        for bad in ["0", "-1", "二", "1.5"] {
            let e = asked_page(Some(bad), t).expect_err(bad);
            assert!(e.message.contains(bad), "{bad}: {}", e.message);
        }
    }
}
