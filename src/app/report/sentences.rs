//! Sentences in the style of a real report: the top and bottom call-outs
//! and the summary that follows them, in both languages.

use super::json::{Callout, CalloutUnit, RankingsReport};
use super::{Level, percent};
use crate::domain::lang::Lang;
use crate::domain::uncertainty::Signal;

/// The name of the whole checklist's metric.
pub fn total_title(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "综合得分率",
        Lang::En => "Overall score rate",
    }
}

/// "泌阳、正阳、遂平分公司" or "A厅、B厅"; in English "A, B and C".
fn name_list(names: &[&str], district_style: bool, lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            let suffix = if district_style { "分公司" } else { "" };
            format!("{}{suffix}", names.join("、"))
        }
        Lang::En => match names {
            [] => String::new(),
            [one] => (*one).to_string(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        },
    }
}

/// "is in the top 3" / "位于前三名", for one name or several.
fn placed(lang: Lang, top: bool, n: u32, several: bool) -> String {
    match lang {
        Lang::Zh => format!(
            "位于{}{}名",
            if top { "前" } else { "后" },
            chinese_number(n)
        ),
        Lang::En => format!(
            "{} in the {} {n}",
            if several { "are" } else { "is" },
            if top { "top" } else { "bottom" }
        ),
    }
}

/// A span of places, "4" or "4–6": rank ranges and the places a call-out
/// cannot be told apart from.
pub fn rank_span([first, last]: [u32; 2]) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

/// A 95% interval as people read it: "62.3%–81.0%".
pub fn interval_text([low, high]: [f64; 2]) -> String {
    format!("{}–{}", percent(Some(low)), percent(Some(high)))
}

/// A funnel signal in words, as tables and the workbook print it.
pub fn signal_text(signal: Signal) -> &'static str {
    match signal {
        Signal::Above => "显著偏高",
        Signal::Below => "显著偏低",
    }
}

/// What the call-outs cannot be told apart from, to close their sentence:
/// ";前三名与第 4–6 名差异不显著", or "" when they stand clear.
fn indistinct_clause(callout: &Callout, top: u32, lang: Lang) -> String {
    let spans: Vec<(bool, [u32; 2])> = [
        (true, callout.top_indistinct, callout.top.is_empty()),
        (false, callout.bottom_indistinct, callout.bottom.is_empty()),
    ]
    .into_iter()
    .filter_map(|(is_top, span, empty)| span.filter(|_| !empty).map(|s| (is_top, s)))
    .collect();
    if spans.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = spans
        .iter()
        .map(|&(is_top, span)| match lang {
            Lang::Zh => format!(
                "{}{}名与第 {} 名",
                if is_top { "前" } else { "后" },
                chinese_number(top),
                rank_span(span)
            ),
            Lang::En => format!(
                "the {} {top} are not clearly {} rank{} {}",
                if is_top { "top" } else { "bottom" },
                if is_top { "ahead of" } else { "behind" },
                if span[0] == span[1] { "" } else { "s" },
                rank_span(span)
            ),
        })
        .collect();
    match lang {
        Lang::Zh => format!(";{}差异不显著", parts.join("、")),
        Lang::En => format!("; {}", parts.join(" and ")),
    }
}

/// One sentence per metric in the style of a real report: who is in the top
/// `top`, then who else is in the bottom `top` (left out when nobody is).
/// `None` when the metric calls nobody out, as with a single ranked unit.
pub fn call_out_sentence(
    callout: &Callout,
    top: u32,
    districts: bool,
    lang: Lang,
) -> Option<String> {
    fn names(units: &[CalloutUnit]) -> Vec<&str> {
        units.iter().map(|u| u.name.as_str()).collect()
    }
    let (best, worst) = (names(&callout.top), names(&callout.bottom));
    if best.is_empty() && worst.is_empty() {
        return None;
    }
    let title = callout.title_in(lang);
    let parts: Vec<String> = [(true, best), (false, worst)]
        .into_iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(is_top, names)| {
            let list = name_list(&names, districts, lang);
            let placed = placed(lang, is_top, top, names.len() > 1);
            match lang {
                Lang::Zh => format!("{list}{placed}"),
                Lang::En => format!("{list} {placed}"),
            }
        })
        .collect();
    let caveat = indistinct_clause(callout, top, lang);
    Some(match lang {
        Lang::Zh => format!("{title}:{}{caveat}。", parts.join(",")),
        Lang::En => format!("{title}: {}{caveat}.", parts.join("; ")),
    })
}

pub fn chinese_number(n: u32) -> String {
    const DIGITS: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    DIGITS
        .get(n as usize)
        .map_or_else(|| n.to_string(), |d| d.to_string())
}

/// Units that are in the top (or bottom) on several metrics. They come from
/// the call-outs, which never name a unit in both lists of one metric.
pub fn summary_sentences(report: &RankingsReport, top: u32, lang: Lang) -> Vec<String> {
    let metrics = report.top_bottom.len();
    let districts = report.level == Level::District;
    let mut sentences = Vec::new();
    for is_top in [true, false] {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for callout in &report.top_bottom {
            let units = if is_top {
                &callout.top
            } else {
                &callout.bottom
            };
            for unit in units {
                match counts.iter_mut().find(|(name, _)| *name == unit.name) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((&unit.name, 1)),
                }
            }
        }
        counts.retain(|(_, n)| *n >= 2);
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        for (name, n) in counts {
            let name = name_list(&[name], districts, lang);
            let placed = placed(lang, is_top, top, false);
            sentences.push(match (lang, n == metrics) {
                (Lang::Zh, true) => format!("{name}在全部 {metrics} 项指标中均{placed}。"),
                (Lang::Zh, false) => format!("{name}在 {n} 项指标中{placed}。"),
                (Lang::En, true) => format!("{name} {placed} on all {metrics} metrics."),
                (Lang::En, false) => format!("{name} {placed} on {n} metrics."),
            });
        }
    }
    sentences
}

#[cfg(test)]
mod tests {
    use super::super::analyse;
    use super::super::tests::{demo_store, options};
    use super::*;

    fn callout(metric: &str, title: &str, top: &[&str], bottom: &[&str]) -> Callout {
        let units = |names: &[&str]| {
            names
                .iter()
                .map(|name| CalloutUnit {
                    code: name.to_string(),
                    name: name.to_string(),
                    rate: None,
                    rank: None,
                })
                .collect()
        };
        Callout {
            metric: metric.into(),
            title: title.into(),
            top: units(top),
            bottom: units(bottom),
            top_indistinct: None,
            bottom_indistinct: None,
        }
    }

    #[test]
    fn call_out_sentences_in_both_languages() {
        let both = callout(
            "total",
            "综合得分率",
            &["泌阳", "正阳", "遂平"],
            &["新蔡", "驿城区", "上蔡"],
        );
        assert_eq!(
            call_out_sentence(&both, 3, true, Lang::Zh).as_deref(),
            Some(
                "综合得分率:泌阳、正阳、遂平分公司位于前三名,新蔡、驿城区、上蔡分公司位于后三名。"
            )
        );
        assert_eq!(
            call_out_sentence(&both, 3, true, Lang::En).as_deref(),
            Some(
                "Overall score rate: 泌阳, 正阳 and 遂平 are in the top 3; \
                 新蔡, 驿城区 and 上蔡 are in the bottom 3."
            )
        );
        // Too few units for a bottom call-out: the sentence names only the top.
        let top_only = callout("A", "营业环境", &["甲厅", "乙厅"], &[]);
        assert_eq!(
            call_out_sentence(&top_only, 3, false, Lang::Zh).as_deref(),
            Some("营业环境:甲厅、乙厅位于前三名。")
        );
        assert_eq!(
            call_out_sentence(&top_only, 3, false, Lang::En).as_deref(),
            Some("营业环境: 甲厅 and 乙厅 are in the top 3.")
        );
        let one_each = callout("A", "营业环境", &["甲厅"], &["乙厅"]);
        assert_eq!(
            call_out_sentence(&one_each, 1, false, Lang::En).as_deref(),
            Some("营业环境: 甲厅 is in the top 1; 乙厅 is in the bottom 1.")
        );
        // A single ranked unit: nothing to say, in either language.
        let nobody = callout("total", "综合得分率", &[], &[]);
        assert_eq!(call_out_sentence(&nobody, 3, true, Lang::Zh), None);
        assert_eq!(call_out_sentence(&nobody, 3, true, Lang::En), None);
    }

    #[test]
    fn call_outs_say_when_they_cannot_be_told_apart_from_their_neighbours() {
        let mut unsure = callout(
            "total",
            "综合得分率",
            &["甲", "乙", "丙"],
            &["辛", "壬", "癸"],
        );
        unsure.top_indistinct = Some([4, 6]);
        unsure.bottom_indistinct = Some([7, 7]);
        assert_eq!(
            call_out_sentence(&unsure, 3, true, Lang::Zh).as_deref(),
            Some(
                "综合得分率:甲、乙、丙分公司位于前三名,辛、壬、癸分公司位于后三名;\
                 前三名与第 4–6 名、后三名与第 7 名差异不显著。"
            )
        );
        assert_eq!(
            call_out_sentence(&unsure, 3, true, Lang::En).as_deref(),
            Some(
                "Overall score rate: 甲, 乙 and 丙 are in the top 3; 辛, 壬 and 癸 are in the \
                 bottom 3; the top 3 are not clearly ahead of ranks 4–6 and the bottom 3 are \
                 not clearly behind rank 7."
            )
        );
        unsure.top_indistinct = None;
        assert_eq!(
            call_out_sentence(&unsure, 3, true, Lang::Zh).as_deref(),
            Some(
                "综合得分率:甲、乙、丙分公司位于前三名,辛、壬、癸分公司位于后三名;后三名与第 7 名差异不显著。"
            )
        );
    }

    #[test]
    fn summary_sentences_follow_the_call_outs_in_both_languages() {
        let (_dir, store, _) = demo_store();
        let (current, previous) = analyse(&store, &options()).expect("analyse");
        let mut report = current.rankings(&previous, Level::District, 3);
        report.top_bottom = vec![
            callout("total", "综合得分率", &["西平", "泌阳"], &["新蔡"]),
            callout("A", "营业环境", &["西平"], &["新蔡"]),
            callout("B", "服务规范", &["西平"], &["泌阳"]),
        ];
        assert_eq!(
            summary_sentences(&report, 3, Lang::Zh),
            vec![
                "西平分公司在全部 3 项指标中均位于前三名。",
                "新蔡分公司在 2 项指标中位于后三名。",
            ]
        );
        assert_eq!(
            summary_sentences(&report, 3, Lang::En),
            vec![
                "西平 is in the top 3 on all 3 metrics.",
                "新蔡 is in the bottom 3 on 2 metrics.",
            ]
        );
        report.top_bottom = vec![callout("total", "综合得分率", &[], &[]); 3];
        assert!(summary_sentences(&report, 3, Lang::En).is_empty());
    }
}
