//! Answers to checklist items: what people write, and what it means.

use std::borrow::Cow;

use super::checklist::{Item, ItemKind};

/// One item's answer, already checked against the item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    Pass,
    Fail,
    /// A scale value, or a measure in the item's unit.
    Number(f64),
    /// The index of one of the item's choices.
    Choice(u16),
    NotApplicable,
}

/// Hashes as answers compare: a number by its value (0 and -0 alike).
impl std::hash::Hash for Answer {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match *self {
            Answer::Number(value) => (if value == 0.0 { 0.0 } else { value })
                .to_bits()
                .hash(state),
            Answer::Choice(index) => index.hash(state),
            Answer::Pass | Answer::Fail | Answer::NotApplicable => {}
        }
    }
}

/// A raw answer as it arrives from a spreadsheet cell, a form or JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawAnswer<'a> {
    Text(&'a str),
    Number(f64),
    Bool(bool),
}

impl RawAnswer<'_> {
    /// Whether nothing was written: empty text, or only spaces.
    pub fn is_blank(self) -> bool {
        matches!(self, RawAnswer::Text(text) if normalize_text(text).is_empty())
    }
}

/// Why a raw answer was refused; the caller adds where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("答案为空(该项不允许不适用,必须作答)")]
    Blank,
    #[error("未作答(每一项都要明确作答,不适用的项请选「不适用」)")]
    Unanswered,
    #[error("该项不允许答「不适用」")]
    NotApplicableRefused,
    #[error("「{0}」不是是/否答案(可用 是、否、Y、N、√、×、合格、不合格 等)")]
    NotCheck(String),
    #[error("「{value}」不是 0 到 {max} 之间的数")]
    OutOfScale { value: String, max: String },
    #[error("「{value}」不是该项的选项(可选:{labels})")]
    NotChoice { value: String, labels: String },
    #[error("「{0}」不是有效的测量值(应为不小于 0 的数,分钟也可写成 分:秒)")]
    NotMeasure(String),
}

const PASS: &[&str] = &["是", "y", "yes", "1", "√", "✓", "✔", "pass", "合格", "true"];
const FAIL: &[&str] = &[
    "否",
    "n",
    "no",
    "0",
    "×",
    "✗",
    "✘",
    "fail",
    "不合格",
    "false",
];
const NOT_APPLICABLE: &[&str] = &["不适用", "n/a", "na", "—", "–", "-", "——"];

/// Folds what people type on Chinese keyboards and what spreadsheets leave
/// behind (full-width letters and digits, ideographic and non-breaking
/// spaces) to plain text, trimmed. Text with nothing to fold, nearly every
/// cell of a large sheet, is borrowed rather than copied.
pub fn normalize_text(text: &str) -> Cow<'_, str> {
    let fold = |c: char| match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFF01 + 0x21),
        '\u{3000}' | '\u{00A0}' | '\u{2007}' | '\u{202F}' | '\u{200B}' | '\u{FEFF}' => Some(' '),
        _ => None,
    };
    if !text.chars().any(|c| fold(c).is_some()) {
        return Cow::Borrowed(text.trim());
    }
    let folded: String = text.chars().map(|c| fold(c).unwrap_or(c)).collect();
    Cow::Owned(folded.trim().to_string())
}

/// Parses a number the way people write one: full-width digits, stray
/// spaces and thousands separators are fine; NaN and infinity are not.
pub fn parse_number(text: &str) -> Option<f64> {
    let cleaned: String = normalize_text(text)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    if cleaned.is_empty()
        || !cleaned
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `mm:ss` (or `h:mm:ss`) as minutes.
fn parse_minutes_seconds(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.split([':', ':']).map(str::trim).collect();
    let whole = |s: &str| {
        (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match parts.as_slice() {
        [m, s] => {
            let (m, s) = (whole(m)?, whole(s)?);
            (s < 60).then(|| f64::from(m) + f64::from(s) / 60.0)
        }
        [h, m, s] => {
            let (h, m, s) = (whole(h)?, whole(m)?, whole(s)?);
            (m < 60 && s < 60).then(|| f64::from(h) * 60.0 + f64::from(m) + f64::from(s) / 60.0)
        }
        _ => None,
    }
}

/// Whether a measure item's unit is minutes.
pub fn is_minutes(unit: &str) -> bool {
    matches!(
        unit.trim().to_lowercase().as_str(),
        "分钟" | "分" | "min" | "mins" | "minute" | "minutes"
    )
}

/// Formats a number without float noise or needless decimals: 12, 12.5, 0.333.
pub fn format_number(value: f64) -> String {
    // Beyond this, multiplying by 1000 would overflow; such numbers have no
    // float noise worth hiding and print exactly.
    if value.abs() >= 1e12 {
        return format!("{value}");
    }
    let rounded = (value * 1000.0).round() / 1000.0;
    let text = format!("{rounded:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

impl Answer {
    /// Reads a raw answer for `item` following the accepted spellings.
    pub fn parse(item: &Item, raw: RawAnswer<'_>) -> Result<Answer, AnswerError> {
        let text = match raw {
            RawAnswer::Text(text) => normalize_text(text).into_owned(),
            RawAnswer::Number(value) => return Answer::from_number(item, value, None),
            RawAnswer::Bool(value) => {
                return match item.kind {
                    ItemKind::Check { .. } => Ok(if value { Answer::Pass } else { Answer::Fail }),
                    _ => Err(AnswerError::NotMeasure(value.to_string())),
                };
            }
        };
        let lower = text.to_lowercase();
        if text.is_empty() {
            return if item.na {
                Ok(Answer::NotApplicable)
            } else {
                Err(AnswerError::Blank)
            };
        }
        if NOT_APPLICABLE.contains(&lower.as_str()) {
            return if item.na {
                Ok(Answer::NotApplicable)
            } else {
                Err(AnswerError::NotApplicableRefused)
            };
        }
        match &item.kind {
            ItemKind::Check { .. } => {
                if PASS.contains(&lower.as_str()) {
                    Ok(Answer::Pass)
                } else if FAIL.contains(&lower.as_str()) {
                    Ok(Answer::Fail)
                } else {
                    Err(AnswerError::NotCheck(text))
                }
            }
            ItemKind::Choice { choices } => choices
                .iter()
                .position(|c| normalize_text(&c.label).to_lowercase() == lower)
                .and_then(|i| u16::try_from(i).ok())
                .map(Answer::Choice)
                .ok_or_else(|| AnswerError::NotChoice {
                    value: text.clone(),
                    labels: choices
                        .iter()
                        .map(|c| c.label.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                }),
            ItemKind::Scale => match parse_number(&text) {
                Some(value) => Answer::from_number(item, value, Some(&text)),
                None => Err(AnswerError::OutOfScale {
                    value: text,
                    max: format_number(item.points),
                }),
            },
            ItemKind::Measure { unit, .. } => {
                let without_unit = lower
                    .strip_suffix(&unit.to_lowercase())
                    .filter(|_| !unit.is_empty())
                    .unwrap_or(&lower)
                    .trim();
                let value = parse_number(without_unit).or_else(|| {
                    is_minutes(unit)
                        .then(|| parse_minutes_seconds(without_unit))
                        .flatten()
                });
                match value {
                    Some(value) => Answer::from_number(item, value, Some(&text)),
                    None => Err(AnswerError::NotMeasure(text)),
                }
            }
        }
    }

    /// Reads an answer given one item at a time (on the tablet, through
    /// the API), where every item needs an explicit answer: an item left
    /// out or left blank is refused, even where 不适用 is allowed. Only a
    /// spreadsheet's blank cell means 不适用 (see [`Answer::parse`]).
    pub fn parse_given(item: &Item, raw: Option<RawAnswer<'_>>) -> Result<Answer, AnswerError> {
        match raw {
            Some(raw) if !raw.is_blank() => Answer::parse(item, raw),
            _ => Err(AnswerError::Unanswered),
        }
    }

    fn from_number(item: &Item, value: f64, text: Option<&str>) -> Result<Answer, AnswerError> {
        let shown = || text.map_or_else(|| format_number(value), str::to_string);
        match &item.kind {
            ItemKind::Check { .. } | ItemKind::Choice { .. } => {
                Answer::parse(item, RawAnswer::Text(&format_number(value)))
            }
            ItemKind::Scale if value.is_finite() && (0.0..=item.points).contains(&value) => {
                Ok(Answer::Number(value))
            }
            ItemKind::Scale => Err(AnswerError::OutOfScale {
                value: shown(),
                max: format_number(item.points),
            }),
            ItemKind::Measure { .. } if value.is_finite() && value >= 0.0 => {
                Ok(Answer::Number(value))
            }
            ItemKind::Measure { .. } => Err(AnswerError::NotMeasure(shown())),
        }
    }

    /// The answer as the visits sheet writes it; reading it back gives the
    /// same answer.
    pub fn to_text(self, item: &Item) -> String {
        match (self, &item.kind) {
            (Answer::Pass, _) => "是".into(),
            (Answer::Fail, _) => "否".into(),
            (Answer::NotApplicable, _) => "不适用".into(),
            (Answer::Number(value), _) => format_number(value),
            (Answer::Choice(index), ItemKind::Choice { choices }) => choices
                .get(usize::from(index))
                .map(|c| c.label.clone())
                .unwrap_or_default(),
            (Answer::Choice(index), _) => index.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::tests::sample;

    #[test]
    fn text_is_folded_and_trimmed_and_copied_only_when_folded() {
        assert!(matches!(normalize_text("  是 "), Cow::Borrowed("是")));
        assert!(matches!(normalize_text("A01\t"), Cow::Borrowed("A01")));
        for (typed, plain) in [
            ("Ａ０１", "A01"),
            ("\u{3000}不适用\u{00A0}", "不适用"),
            ("１２：３０", "12:30"),
            ("\u{FEFF}是", "是"),
            ("优\u{200B}", "优"),
        ] {
            let folded = normalize_text(typed);
            assert!(matches!(folded, Cow::Owned(_)), "{typed:?}");
            assert_eq!(folded, plain, "{typed:?}");
        }
    }

    fn item(code: &str) -> Item {
        let c = sample();
        let index = c.item_index(code).expect("item exists");
        c.items().nth(index).expect("item exists").1.clone()
    }

    fn text(code: &str, value: &str) -> Result<Answer, AnswerError> {
        Answer::parse(&item(code), RawAnswer::Text(value))
    }

    #[test]
    fn check_spellings() {
        for yes in ["是", "Y", " yes ", "1", "√", "✓", "PASS", "合格", "１"] {
            assert_eq!(text("A01", yes), Ok(Answer::Pass), "{yes}");
        }
        for no in ["否", "n", "No", "0", "×", "✗", "fail", "不合格"] {
            assert_eq!(text("A01", no), Ok(Answer::Fail), "{no}");
        }
        assert_eq!(
            Answer::parse(&item("A01"), RawAnswer::Bool(true)),
            Ok(Answer::Pass)
        );
        assert_eq!(
            Answer::parse(&item("A01"), RawAnswer::Number(0.0)),
            Ok(Answer::Fail)
        );
        assert_eq!(text("A01", "好"), Err(AnswerError::NotCheck("好".into())));
    }

    #[test]
    fn blank_and_not_applicable() {
        assert_eq!(text("A01", "  "), Err(AnswerError::Blank));
        assert_eq!(
            text("A01", "不适用"),
            Err(AnswerError::NotApplicableRefused)
        );
        for na in ["不适用", "N/A", "na", "—", "\u{3000}"] {
            assert_eq!(text("A03", na), Ok(Answer::NotApplicable), "{na:?}");
        }
    }

    #[test]
    fn given_answers_must_be_explicit() {
        for raw in [
            None,
            Some(RawAnswer::Text("")),
            Some(RawAnswer::Text("\u{3000}")),
        ] {
            assert_eq!(
                Answer::parse_given(&item("A03"), raw),
                Err(AnswerError::Unanswered),
                "{raw:?} on an item that allows 不适用"
            );
            assert_eq!(
                Answer::parse_given(&item("A01"), raw),
                Err(AnswerError::Unanswered),
                "{raw:?} on a required item"
            );
        }
        assert_eq!(
            Answer::parse_given(&item("A03"), Some(RawAnswer::Text("不适用"))),
            Ok(Answer::NotApplicable)
        );
        assert_eq!(
            Answer::parse_given(&item("B02"), Some(RawAnswer::Number(2.5))),
            Ok(Answer::Number(2.5))
        );
        assert!(RawAnswer::Text(" ").is_blank());
        assert!(!RawAnswer::Number(0.0).is_blank());
    }

    #[test]
    fn scale_range() {
        assert_eq!(text("B02", "5"), Ok(Answer::Number(5.0)));
        assert_eq!(text("B02", "２.５"), Ok(Answer::Number(2.5)));
        assert!(matches!(
            text("B02", "5.5"),
            Err(AnswerError::OutOfScale { .. })
        ));
        assert!(matches!(
            text("B02", "-1"),
            Err(AnswerError::OutOfScale { .. })
        ));
        assert!(matches!(
            text("B02", "NaN"),
            Err(AnswerError::OutOfScale { .. })
        ));
    }

    #[test]
    fn choice_labels() {
        assert_eq!(text("B01", "良"), Ok(Answer::Choice(1)));
        let err = text("B01", "中").expect_err("not a label");
        assert!(err.to_string().contains("优、良、差"), "{err}");
    }

    #[test]
    fn measures_in_minutes() {
        assert_eq!(text("C01", "12.5"), Ok(Answer::Number(12.5)));
        assert_eq!(text("C01", "12:30"), Ok(Answer::Number(12.5)));
        assert_eq!(text("C01", "１２分钟"), Ok(Answer::Number(12.0)));
        assert_eq!(text("C01", "1:02:30"), Ok(Answer::Number(62.5)));
        assert!(matches!(
            text("C01", "12:75"),
            Err(AnswerError::NotMeasure(_))
        ));
        assert!(matches!(text("C01", "-3"), Err(AnswerError::NotMeasure(_))));
    }

    #[test]
    fn text_round_trips() {
        for (code, answer) in [
            ("A01", Answer::Pass),
            ("A01", Answer::Fail),
            ("A03", Answer::NotApplicable),
            ("B01", Answer::Choice(2)),
            ("B02", Answer::Number(3.5)),
            ("C01", Answer::Number(12.25)),
        ] {
            let item = item(code);
            let written = answer.to_text(&item);
            assert_eq!(
                Answer::parse(&item, RawAnswer::Text(&written)),
                Ok(answer),
                "{code} {written}"
            );
        }
    }

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(format_number(12.0), "12");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(-0.0001), "0");
        // Found by fuzzing: huge values printed as "inf" and did not read back.
        assert_eq!(format_number(1e306).parse::<f64>(), Ok(1e306));
        let measure = item("C01");
        let huge = Answer::parse(&measure, RawAnswer::Number(1e306)).expect("a measure");
        assert_eq!(
            Answer::parse(&measure, RawAnswer::Text(&huge.to_text(&measure))),
            Ok(huge)
        );
    }
}
