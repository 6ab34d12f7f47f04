//! Small charts drawn on the server as SVG: horizontal bars for rates and
//! short boards, a Pareto of lost points, a trend line with each period's
//! interval, a funnel plot of halls against the region, and the small
//! interval bars of ranking rows. No chart library is needed and the pages
//! work without scripts.

use std::fmt::Write as _;

use crate::domain::analytics::percent;
use crate::domain::uncertainty::{Interval, Limits, Signal};

/// The charts' text size in the SVG's own units: drawn 620 units wide in
/// a half-width card of a laptop page, it stays at least 12 px on screen.
const FONT: u32 = 15;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A label cut to fit its room: at most `chars` characters.
fn fit(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        label.to_string()
    } else {
        label
            .chars()
            .take(chars - 1)
            .chain(std::iter::once('…'))
            .collect()
    }
}

/// One bar: label, rate (0..=1), and whether it is below the pass mark.
pub struct Bar {
    pub label: String,
    pub rate: f64,
    pub short: bool,
}

/// Horizontal bars of rates with a dashed line at the pass mark.
pub fn rate_bars(bars: &[Bar], pass_mark: f64, title: &str) -> String {
    let label_width = 260.0;
    let width = 620.0;
    let row = 26.0;
    let height = 36.0 + row * bars.len() as f64;
    let scale = width - label_width - 60.0;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" font-size="{FONT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 26.0 + row * i as f64;
        let w = (bar.rate.clamp(0.0, 1.0) * scale).max(1.0);
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect class="bar{}" x="{label_width}" y="{}" width="{w:.1}" height="{}"><title>{} {}</title></rect><text x="{:.1}" y="{}">{}</text>"#,
            label_width - 6.0,
            y + 15.0,
            escape(&fit(&bar.label, 16)),
            if bar.short { " short" } else { "" },
            y + 2.0,
            row - 6.0,
            escape(&bar.label),
            percent(Some(bar.rate)),
            label_width + w + 4.0,
            y + 15.0,
            percent(Some(bar.rate)),
        );
    }
    let x = label_width + pass_mark * scale;
    let _ = write!(
        svg,
        r#"<line class="mark" x1="{x:.1}" x2="{x:.1}" y1="20" y2="{:.1}"/><text x="{x:.1}" y="16" text-anchor="middle">{:.0}%</text></svg>"#,
        height - 4.0,
        pass_mark * 100.0
    );
    svg
}

/// A round step for an axis from 0 to `max`: 1, 2 or 5 times a power of
/// ten, giving at most five ticks.
fn tick_step(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf((max / 5.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| max / step <= 5.0)
        .unwrap_or(10.0 * power)
}

/// A Pareto of lost points: a bar of each item's lost points, most first,
/// against a 失分 axis on the left, and the running share of all lost
/// points as a line against a percentage axis on the right.
pub fn pareto(items: &[(String, f64)], title: &str, axis: &str, cumulative_axis: &str) -> String {
    let width = 620.0;
    let height = 250.0;
    let (left, right, bottom, top) = (56.0, 570.0, 210.0, 30.0);
    let step = (right - left) / items.len().max(1) as f64;
    let total: f64 = items.iter().map(|(_, lost)| lost).sum();
    let most = items.iter().map(|(_, lost)| *lost).fold(0.0, f64::max);
    let tick = tick_step(most);
    let axis_max = (most / tick).ceil().max(1.0) * tick;
    let y = |lost: f64| bottom - (lost / axis_max).clamp(0.0, 1.0) * (bottom - top);
    let y_share = |share: f64| bottom - share.clamp(0.0, 1.0) * (bottom - top);
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" font-size="{FONT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    let _ = write!(
        svg,
        r#"<text class="axis-title" x="4" y="16">{}</text><text class="axis-title" x="{width}" y="16" text-anchor="end">{}</text><line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{bottom}"/><line class="axis" x1="{right}" x2="{right}" y1="{top}" y2="{bottom}"/>"#,
        escape(axis),
        escape(cumulative_axis)
    );
    let ticks = (axis_max / tick).round() as usize;
    for i in 0..=ticks {
        let value = tick * i as f64;
        let at = y(value);
        let _ = write!(
            svg,
            r#"<line class="tick" x1="{:.1}" x2="{left}" y1="{at:.1}" y2="{at:.1}"/><text class="lost-tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 4.0,
            left - 6.0,
            at + 5.0,
            crate::domain::answer::format_number(value),
        );
    }
    for share in [0.0, 0.5, 1.0] {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}">{:.0}%</text>"#,
            right + 4.0,
            y_share(share) + 5.0,
            share * 100.0
        );
    }
    let mut running = 0.0;
    let mut line = String::new();
    for (i, (label, lost)) in items.iter().enumerate() {
        let x = left + step * i as f64;
        running += lost;
        let share = if total > 0.0 { running / total } else { 0.0 };
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{} {} ({})</title></rect>"#,
            x + 1.0,
            y(*lost),
            (step - 2.0).max(1.0),
            bottom - y(*lost),
            escape(label),
            crate::domain::answer::format_number(*lost),
            percent(Some(if total > 0.0 { lost / total } else { 0.0 }))
        );
        let _ = write!(line, "{:.1},{:.1} ", x + step / 2.0, y_share(share));
        if items.len() <= 12 || i % 5 == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x + step / 2.0,
                bottom + 18.0,
                escape(label)
            );
        }
    }
    let _ = write!(
        svg,
        r#"<polyline class="line" points="{}"/></svg>"#,
        line.trim_end()
    );
    svg
}

/// One period of a trend: its label, rate and 95% interval.
pub struct TrendPoint {
    pub label: String,
    pub rate: Option<f64>,
    pub interval: Option<Interval>,
}

/// A trend of rates over periods, each with its 95% interval as a whisker;
/// gaps where a period had no rate.
pub fn trend(points: &[TrendPoint], title: &str) -> String {
    let width = 620.0;
    let height = 200.0;
    let (left, bottom, top) = (44.0, 170.0, 34.0);
    let step = (width - left - 50.0) / (points.len().max(2) - 1) as f64;
    let lows = points
        .iter()
        .filter_map(|p| p.interval.map(|i| i.low).or(p.rate));
    let low = lows.fold(1.0_f64, f64::min).min(0.9) - 0.05;
    let low = ((low * 10.0).floor() / 10.0).max(0.0);
    let y = |rate: f64| bottom - (rate - low) / (1.0 - low) * (bottom - top);
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" font-size="{FONT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    let _ = write!(
        svg,
        r#"<text x="4" y="{:.1}">100%</text><text x="4" y="{:.1}">{:.0}%</text>"#,
        top + 4.0,
        bottom,
        low * 100.0
    );
    let mut line = String::new();
    for (i, point) in points.iter().enumerate() {
        let x = left + step * i as f64;
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#,
            bottom + 18.0,
            escape(&point.label)
        );
        if let Some(interval) = point.interval {
            let _ = write!(
                svg,
                r#"<path class="whisker" d="M{:.1} {:.1}H{:.1}M{x:.1} {:.1}V{:.1}M{:.1} {:.1}H{:.1}" data-low="{}" data-high="{}"><title>{} 95%: {}–{}</title></path>"#,
                x - 6.0,
                y(interval.high),
                x + 6.0,
                y(interval.high),
                y(interval.low),
                x - 6.0,
                y(interval.low),
                x + 6.0,
                interval.low,
                interval.high,
                escape(&point.label),
                percent(Some(interval.low)),
                percent(Some(interval.high)),
            );
        }
        if let Some(rate) = point.rate {
            let _ = write!(line, "{x:.1},{:.1} ", y(rate));
            let _ = write!(
                svg,
                r#"<circle cx="{x:.1}" cy="{:.1}" r="4" class="bar"><title>{} {}</title></circle><text class="trend-rate" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                y(rate),
                escape(&point.label),
                percent(Some(rate)),
                y(point.interval.map_or(rate, |i| i.high)) - 8.0,
                percent(Some(rate))
            );
        }
    }
    let _ = write!(
        svg,
        r#"<polyline class="line" points="{}"/></svg>"#,
        line.trim_end()
    );
    svg
}

/// A hall on the funnel plot: its rate over `visits` visit rates, the
/// text its point shows on hover or tap, and its signal.
pub struct FunnelPoint {
    pub title: String,
    pub visits: usize,
    pub rate: f64,
    pub signal: Option<Signal>,
}

/// The words of a funnel plot.
pub struct FunnelWords<'a> {
    pub title: &'a str,
    pub visits_axis: &'a str,
    /// The average line's label, e.g. "全区 75.0%".
    pub average: &'a str,
    pub inner: &'a str,
    pub outer: &'a str,
}

/// A funnel plot: each hall's rate against its number of visits, the
/// region's rate as a line, and the 95% (solid) and 99.8% (dashed) limits
/// as curves narrowing with more visits. `limits` holds the limits for
/// every visit count on the axis, fewest first.
pub fn funnel(points: &[FunnelPoint], limits: &[(usize, Limits)], words: &FunnelWords) -> String {
    let scale = FunnelScale::new(points, limits);
    let mut svg = format!(
        r#"<svg class="chart funnel" viewBox="0 0 {FUNNEL_WIDTH} {FUNNEL_HEIGHT}" font-size="{FONT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(words.title)
    );
    funnel_axes(&mut svg, &scale, limits, words);
    funnel_limits(&mut svg, &scale, limits, words);
    funnel_points(&mut svg, &scale, points);
    let left = scale.left;
    let _ = write!(
        svg,
        r#"<line class="limit inner" x1="{left}" x2="{0:.1}" y1="18" y2="18"/><text x="{1:.1}" y="23">{2}</text><line class="limit outer" x1="{3:.1}" x2="{4:.1}" y1="18" y2="18"/><text x="{5:.1}" y="23">{6}</text></svg>"#,
        left + 28.0,
        left + 34.0,
        escape(words.inner),
        left + 260.0,
        left + 288.0,
        left + 294.0,
        escape(words.outer),
    );
    svg
}

const FUNNEL_WIDTH: f64 = 760.0;
const FUNNEL_HEIGHT: f64 = 360.0;

/// Where a funnel's visit counts and rates fall on the drawing: visit
/// counts across from the first limit's to the last's, rates up between
/// tenths that hold every limit and every point.
struct FunnelScale {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    first: f64,
    span: f64,
    low: f64,
    high: f64,
}

impl FunnelScale {
    fn new(points: &[FunnelPoint], limits: &[(usize, Limits)]) -> FunnelScale {
        let (first, last) = match (limits.first(), limits.last()) {
            (Some(a), Some(b)) => (a.0 as f64, b.0 as f64),
            _ => (1.0, 2.0),
        };
        let lowest = limits
            .iter()
            .map(|(_, l)| l.outer.low)
            .chain(points.iter().map(|p| p.rate))
            .fold(1.0_f64, f64::min);
        let highest = limits
            .iter()
            .map(|(_, l)| l.outer.high)
            .chain(points.iter().map(|p| p.rate))
            .fold(0.0_f64, f64::max);
        let low = ((lowest * 10.0).floor() / 10.0).clamp(0.0, 0.9);
        let high = ((highest * 10.0).ceil() / 10.0).clamp(low + 0.1, 1.0);
        FunnelScale {
            left: 56.0,
            right: 740.0,
            top: 40.0,
            bottom: 312.0,
            first,
            span: (last - first).max(1.0),
            low,
            high,
        }
    }

    fn x(&self, visits: f64) -> f64 {
        self.left + (visits - self.first) / self.span * (self.right - self.left)
    }

    fn y(&self, rate: f64) -> f64 {
        self.bottom - (rate - self.low) / (self.high - self.low) * (self.bottom - self.top)
    }
}

/// The rate grid, the visit counts and the axis title.
fn funnel_axes(
    svg: &mut String,
    scale: &FunnelScale,
    limits: &[(usize, Limits)],
    words: &FunnelWords,
) {
    let (left, right, bottom) = (scale.left, scale.right, scale.bottom);
    let ticks = ((scale.high - scale.low) * 10.0).round() as usize;
    for i in 0..=ticks {
        let rate = scale.low + i as f64 / 10.0;
        let _ = write!(
            svg,
            r#"<line class="grid-line" x1="{left}" x2="{right}" y1="{0:.1}" y2="{0:.1}"/><text x="{1:.1}" y="{2:.1}" text-anchor="end">{3:.0}%</text>"#,
            scale.y(rate),
            left - 6.0,
            scale.y(rate) + 5.0,
            rate * 100.0
        );
    }
    for (n, _) in limits {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{n}</text>"#,
            scale.x(*n as f64),
            bottom + 18.0
        );
    }
    let _ = write!(
        svg,
        r#"<text class="axis-title" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        (left + right) / 2.0,
        FUNNEL_HEIGHT - 8.0,
        escape(words.visits_axis)
    );
}

/// Each band's lower and upper curve, and the average they narrow to.
fn funnel_limits(
    svg: &mut String,
    scale: &FunnelScale,
    limits: &[(usize, Limits)],
    words: &FunnelWords,
) {
    for (class, outer) in [("limit inner", false), ("limit outer", true)] {
        let band = |l: &Limits| if outer { l.outer } else { l.inner };
        for upper in [false, true] {
            let ends: Vec<(usize, f64)> = limits
                .iter()
                .map(|(n, l)| (*n, if upper { band(l).high } else { band(l).low }))
                .collect();
            let curve: Vec<String> = ends
                .iter()
                .map(|&(n, end)| format!("{:.1},{:.1}", scale.x(n as f64), scale.y(end)))
                .collect();
            // The limits themselves, by visit count, for readers of the page.
            let values: Vec<String> = ends
                .iter()
                .map(|(n, end)| format!("{n}:{end:.4}"))
                .collect();
            let _ = write!(
                svg,
                r#"<polyline class="{class}" points="{}" data-limits="{}"/>"#,
                curve.join(" "),
                values.join(" ")
            );
        }
    }
    if let Some((_, l)) = limits.first() {
        let (left, right) = (scale.left, scale.right);
        let _ = write!(
            svg,
            r#"<line class="target" x1="{left}" x2="{right}" y1="{0:.1}" y2="{0:.1}"/><text class="target-label" x="{right}" y="{1:.1}" text-anchor="end">{2}</text>"#,
            scale.y(l.target),
            scale.y(l.target) - 6.0,
            escape(words.average)
        );
    }
}

/// A point per hall. Halls with the same number of visits are spread a
/// little sideways, so that each point can be pointed at; in order of
/// their text, not of their rate, so that the spread draws no slope.
fn funnel_points(svg: &mut String, scale: &FunnelScale, points: &[FunnelPoint]) {
    let step = (scale.right - scale.left) / scale.span;
    // Points of the same visit count spread sideways in the order of their
    // titles: each point's place among them and how many they are.
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        (points[a].visits, &points[a].title).cmp(&(points[b].visits, &points[b].title))
    });
    let mut places = vec![(0, 0); points.len()];
    for same in order.chunk_by(|&a, &b| points[a].visits == points[b].visits) {
        for (k, &i) in same.iter().enumerate() {
            places[i] = (k, same.len());
        }
    }
    for (p, &(k, same)) in points.iter().zip(&places) {
        let (k, same) = (k as f64, same as f64);
        let offset = (k - (same - 1.0) / 2.0) * (step * 0.5 / same).min(9.0);
        let class = match p.signal {
            Some(Signal::Above) => "point above",
            Some(Signal::Below) => "point below",
            None => "point",
        };
        let _ = write!(
            svg,
            r#"<circle class="{class}" cx="{:.1}" cy="{:.1}" r="6" tabindex="0"><title>{}</title></circle>"#,
            scale.x(p.visits as f64) + offset,
            scale.y(p.rate),
            escape(&p.title)
        );
    }
}

/// The scale the interval bars of a table share: from the lowest interval
/// end, rounded down to ten points, to 100%.
pub fn interval_scale(lows: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let lowest = lows.into_iter().fold(1.0_f64, f64::min);
    (((lowest * 10.0).floor() / 10.0).clamp(0.0, 0.9), 1.0)
}

/// The 95% interval of a ranking row as a small bar on the table's
/// `scale`: a line from low to high, a dot at the rate and a tick at the
/// region's rate.
pub fn interval_bar(
    rate: f64,
    interval: Interval,
    region: Option<f64>,
    scale: (f64, f64),
    title: &str,
) -> String {
    let (from, to) = scale;
    let at = |r: f64| (r.clamp(from, to) - from) / (to - from) * 100.0;
    let mut svg = format!(
        r#"<svg class="interval-bar" viewBox="-4 0 108 16" data-low="{low}" data-high="{high}" data-rate="{rate}" data-from="{from}" data-to="{to}" role="img" aria-label="{title}" xmlns="http://www.w3.org/2000/svg"><title>{title}</title><line class="track" x1="0" x2="100" y1="8" y2="8"/>"#,
        low = interval.low,
        high = interval.high,
        title = escape(title),
    );
    if let Some(region) = region {
        let _ = write!(
            svg,
            r#"<line class="region" x1="{0:.1}" x2="{0:.1}" y1="2" y2="14"/>"#,
            at(region)
        );
    }
    let _ = write!(
        svg,
        r#"<line class="span" x1="{:.1}" x2="{:.1}" y1="8" y2="8"/><circle class="rate" cx="{:.1}" cy="8" r="3.5"/></svg>"#,
        at(interval.low),
        at(interval.high),
        at(rate)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        let svg = rate_bars(
            &[Bar {
                label: "<script>".into(),
                rate: 0.5,
                short: true,
            }],
            0.8,
            "t",
        );
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        assert!(svg.contains("bar short"));
    }

    #[test]
    fn pareto_accumulates_to_the_whole() {
        let svg = pareto(&[("A".into(), 6.0), ("B".into(), 4.0)], "p", "失分", "累计");
        // The line ends at 100%: y = top.
        assert!(svg.contains(",30.0\""), "{svg}");
    }

    #[test]
    fn pareto_has_a_lost_points_axis_with_round_ticks() {
        let svg = pareto(
            &[("A".into(), 37.0), ("B".into(), 12.5)],
            "p",
            "失分",
            "累计",
        );
        assert!(svg.contains(">失分</text>"), "{svg}");
        let ticks: Vec<&str> = svg
            .split(r#"class="lost-tick""#)
            .skip(1)
            .filter_map(|t| t.split('>').nth(1)?.split('<').next())
            .collect();
        assert_eq!(ticks, ["0", "10", "20", "30", "40"], "{svg}");
    }

    #[test]
    fn tick_steps_are_round() {
        assert_eq!(tick_step(37.0), 10.0);
        assert_eq!(tick_step(4.0), 1.0);
        assert_eq!(tick_step(9.0), 2.0);
        assert_eq!(tick_step(180.0), 50.0);
        assert_eq!(tick_step(0.0), 1.0);
    }

    fn limits(target: f64, half: f64) -> Limits {
        let around = |h: f64| Interval {
            low: target - h,
            high: target + h,
        };
        Limits {
            target,
            inner: around(half),
            outer: around(half * 1.6),
        }
    }

    /// The words of the funnels drawn here.
    const WORDS: FunnelWords<'static> = FunnelWords {
        title: "f",
        visits_axis: "次数",
        average: "全区 75.0%",
        inner: "95%",
        outer: "99.8%",
    };

    #[test]
    fn funnel_draws_both_limit_pairs_the_average_and_a_point_per_hall() {
        let svg = funnel(
            &[
                FunnelPoint {
                    title: "<甲>".into(),
                    visits: 3,
                    rate: 0.5,
                    signal: Some(Signal::Below),
                },
                FunnelPoint {
                    title: "乙".into(),
                    visits: 3,
                    rate: 0.8,
                    signal: None,
                },
            ],
            &[
                (2, limits(0.75, 0.1)),
                (3, limits(0.75, 0.08)),
                (4, limits(0.75, 0.07)),
            ],
            &WORDS,
        );
        // Two polylines per band in the plot, and one sample each in the key.
        assert_eq!(svg.matches(r#"<polyline class="limit inner""#).count(), 2);
        assert_eq!(svg.matches(r#"<polyline class="limit outer""#).count(), 2);
        assert_eq!(svg.matches(r#"class="target""#).count(), 1);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains(r#"class="point below""#), "{svg}");
        assert!(svg.contains("<title>&lt;甲&gt;</title>"), "{svg}");
    }

    #[test]
    fn halls_of_one_visit_count_spread_sideways_in_the_order_of_their_names() {
        let point = |title: &str, visits| FunnelPoint {
            title: title.into(),
            visits,
            rate: 0.8,
            signal: None,
        };
        let svg = funnel(
            &[point("c", 3), point("a", 3), point("d", 4), point("b", 3)],
            &[(3, limits(0.75, 0.08)), (4, limits(0.75, 0.07))],
            &WORDS,
        );
        let x = |title: &str| -> f64 {
            let end = svg
                .find(&format!("<title>{title}</title>"))
                .unwrap_or_else(|| panic!("no point {title}: {svg}"));
            let start = svg[..end].rfind("cx=\"").expect("a cx") + 4;
            let len = svg[start..].find('"').expect("a closing quote");
            svg[start..start + len].parse().expect("a number")
        };
        assert!(x("a") < x("b") && x("b") < x("c"), "{svg}");
        assert!((x("b") - x("a") - (x("c") - x("b"))).abs() < 0.11, "{svg}");
    }

    #[test]
    fn interval_bars_share_a_scale_that_holds_every_interval() {
        assert_eq!(interval_scale([0.62, 0.35, 0.9]), (0.3, 1.0));
        assert_eq!(interval_scale([0.0]), (0.0, 1.0));
        assert_eq!(interval_scale([0.99]), (0.9, 1.0));
        let svg = interval_bar(
            0.7,
            Interval {
                low: 0.5,
                high: 0.9,
            },
            Some(0.6),
            (0.3, 1.0),
            "t",
        );
        // 0.5 and 0.9 on a 0.3–1.0 scale: 28.6 and 85.7 of 100.
        assert!(svg.contains(r#"x1="28.6" x2="85.7""#), "{svg}");
    }

    #[test]
    fn trend_whiskers_span_each_period_interval() {
        let svg = trend(
            &[
                TrendPoint {
                    label: "Q1".into(),
                    rate: None,
                    interval: None,
                },
                TrendPoint {
                    label: "Q2".into(),
                    rate: Some(0.8),
                    interval: Some(Interval {
                        low: 0.4,
                        high: 1.0,
                    }),
                },
            ],
            "t",
        );
        assert_eq!(svg.matches(r#"class="whisker""#).count(), 1, "{svg}");
        assert!(svg.contains(r#"data-low="0.4" data-high="1""#), "{svg}");
        // The axis reaches down to the whisker's end.
        assert!(svg.contains(">30%</text>"), "{svg}");
    }
}
