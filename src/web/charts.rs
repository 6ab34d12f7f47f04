//! Small charts drawn on the server as SVG: horizontal bars for rates and
//! short boards, a Pareto of lost points, and a trend line. No chart
//! library is needed and the pages work without scripts.

use std::fmt::Write as _;

use crate::domain::analytics::percent;

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

/// A trend of rates over periods; gaps where a period had no rate.
pub fn trend(points: &[(String, Option<f64>)], title: &str) -> String {
    let width = 620.0;
    let height = 200.0;
    let (left, bottom, top) = (44.0, 170.0, 14.0);
    let step = (width - left - 50.0) / (points.len().max(2) - 1) as f64;
    let rates: Vec<f64> = points.iter().filter_map(|(_, r)| *r).collect();
    let low = rates.iter().copied().fold(1.0_f64, f64::min).min(0.9) - 0.05;
    let low = (low * 10.0).floor() / 10.0;
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
    for (i, (label, rate)) in points.iter().enumerate() {
        let x = left + step * i as f64;
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#,
            bottom + 18.0,
            escape(label)
        );
        if let Some(rate) = rate {
            let _ = write!(line, "{x:.1},{:.1} ", y(*rate));
            let _ = write!(
                svg,
                r#"<circle cx="{x:.1}" cy="{:.1}" r="4" class="bar"><title>{} {}</title></circle><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                y(*rate),
                escape(label),
                percent(Some(*rate)),
                y(*rate) - 8.0,
                percent(Some(*rate))
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
}
