//! Small charts drawn on the server as SVG: horizontal bars for rates and
//! short boards, a Pareto of lost points, and a trend line. No chart
//! library is needed and the pages work without scripts.

use std::fmt::Write as _;

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
    let row = 24.0;
    let height = 30.0 + row * bars.len() as f64;
    let scale = width - label_width - 60.0;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 20.0 + row * i as f64;
        let w = (bar.rate.clamp(0.0, 1.0) * scale).max(1.0);
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect class="bar{}" x="{label_width}" y="{}" width="{w:.1}" height="{}"><title>{} {:.1}%</title></rect><text x="{:.1}" y="{}">{:.1}%</text>"#,
            label_width - 6.0,
            y + 13.0,
            escape(&fit(&bar.label, 19)),
            if bar.short { " short" } else { "" },
            y + 2.0,
            row - 6.0,
            escape(&bar.label),
            bar.rate * 100.0,
            label_width + w + 4.0,
            y + 13.0,
            bar.rate * 100.0,
        );
    }
    let x = label_width + pass_mark * scale;
    let _ = write!(
        svg,
        r#"<line class="mark" x1="{x:.1}" x2="{x:.1}" y1="12" y2="{:.1}"/><text x="{x:.1}" y="10" text-anchor="middle">{:.0}%</text></svg>"#,
        height - 4.0,
        pass_mark * 100.0
    );
    svg
}

/// A Pareto of lost points: bars of each share, most first, and the
/// running total as a line.
pub fn pareto(items: &[(String, f64)], title: &str) -> String {
    let width = 620.0;
    let height = 240.0;
    let (left, bottom, top) = (40.0, 200.0, 12.0);
    let step = (width - left - 10.0) / items.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    let y = |share: f64| bottom - share.clamp(0.0, 1.0) * (bottom - top);
    let mut cumulative = 0.0;
    let mut line = String::new();
    for (i, (label, share)) in items.iter().enumerate() {
        let x = left + step * i as f64;
        cumulative += share;
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{} {:.1}%</title></rect>"#,
            x + 1.0,
            y(*share),
            (step - 2.0).max(1.0),
            bottom - y(*share),
            escape(label),
            share * 100.0
        );
        let _ = write!(line, "{:.1},{:.1} ", x + step / 2.0, y(cumulative));
        if items.len() <= 20 || i % 5 == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x + step / 2.0,
                bottom + 14.0,
                escape(label)
            );
        }
    }
    let _ = write!(
        svg,
        r#"<polyline class="line" points="{}"/><text x="4" y="{}">100%</text><text x="4" y="{}">0%</text></svg>"#,
        line.trim_end(),
        top + 4.0,
        bottom
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
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
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
                r#"<circle cx="{x:.1}" cy="{:.1}" r="4" class="bar"><title>{} {:.1}%</title></circle><text x="{x:.1}" y="{:.1}" text-anchor="middle">{:.1}%</text>"#,
                y(*rate),
                escape(label),
                rate * 100.0,
                y(*rate) - 8.0,
                rate * 100.0
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
        let svg = pareto(&[("A".into(), 0.6), ("B".into(), 0.4)], "p");
        // The line ends at 100%: y = top.
        assert!(svg.contains(",12.0\""), "{svg}");
    }
}
