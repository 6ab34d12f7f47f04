//! The compact forms of a visit's answers and of its items' points: one
//! tag byte per item in checklist order, followed by the value where there
//! is one.

use crate::domain::answer::Answer;
use crate::domain::scoring::Points;

const NOT_APPLICABLE: u8 = 0;
const PASS: u8 = 1;
const FAIL: u8 = 2;
const NUMBER: u8 = 3;
const CHOICE: u8 = 4;

pub fn encode(answers: &[Answer]) -> Vec<u8> {
    let mut out = Vec::with_capacity(answers.len() * 3);
    for answer in answers {
        match answer {
            Answer::NotApplicable => out.push(NOT_APPLICABLE),
            Answer::Pass => out.push(PASS),
            Answer::Fail => out.push(FAIL),
            Answer::Number(value) => {
                out.push(NUMBER);
                out.extend_from_slice(&value.to_le_bytes());
            }
            Answer::Choice(index) => {
                out.push(CHOICE);
                out.extend_from_slice(&index.to_le_bytes());
            }
        }
    }
    out
}

/// Decodes into `out` (cleared first), so one buffer serves a whole scan.
/// `None` if the bytes are not an answer blob.
pub fn decode_into(bytes: &[u8], out: &mut Vec<Answer>) -> Option<()> {
    out.clear();
    let mut rest = bytes;
    while let Some((&tag, tail)) = rest.split_first() {
        let (answer, tail) = match tag {
            NOT_APPLICABLE => (Answer::NotApplicable, tail),
            PASS => (Answer::Pass, tail),
            FAIL => (Answer::Fail, tail),
            NUMBER => {
                let (value, tail) = tail.split_first_chunk::<8>()?;
                (Answer::Number(f64::from_le_bytes(*value)), tail)
            }
            CHOICE => {
                let (index, tail) = tail.split_first_chunk::<2>()?;
                (Answer::Choice(u16::from_le_bytes(*index)), tail)
            }
            _ => return None,
        };
        out.push(answer);
        rest = tail;
    }
    Some(())
}

/// The item did not apply.
const NO_POINTS: u8 = 0;
/// Earned and maximum follow in halves, one byte each.
const HALVES: u8 = 1;
/// Earned and maximum follow as they are, eight bytes each.
const EXACT: u8 = 2;
/// Full points or none: the tag's top two bits say which, its low six bits
/// hold the maximum in halves (1 to 63, up to 31.5 points).
const FULL: u8 = 1;
const NONE_EARNED: u8 = 2;
const SMALL: u8 = 0b0011_1111;

/// Items' points as stored with a visit. Nearly every item earns full
/// points or none, of a few points: one byte each. Other whole or half
/// points below 128 take three bytes, anything else seventeen, so that
/// decoding gives back the very same numbers.
pub fn encode_points(items: &[Option<Points>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len());
    for points in items {
        let Some(Points { earned, max }) = *points else {
            out.push(NO_POINTS);
            continue;
        };
        match (halves(earned), halves(max)) {
            (Some(e), Some(m @ 1..=SMALL)) if e == m => out.push(FULL << 6 | m),
            (Some(0), Some(m @ 1..=SMALL)) => out.push(NONE_EARNED << 6 | m),
            (Some(e), Some(m)) => out.extend_from_slice(&[HALVES, e, m]),
            _ => {
                out.push(EXACT);
                out.extend_from_slice(&earned.to_le_bytes());
                out.extend_from_slice(&max.to_le_bytes());
            }
        }
    }
    out
}

/// Decodes into `out` (cleared first), as [`decode_into`] does answers.
pub fn decode_points_into(bytes: &[u8], out: &mut Vec<Option<Points>>) -> Option<()> {
    out.clear();
    let mut rest = bytes;
    let half = |h: u8| f64::from(h) / 2.0;
    while let Some((&tag, tail)) = rest.split_first() {
        let (points, tail) = match (tag >> 6, tag & SMALL) {
            (0, NO_POINTS) => (None, tail),
            (0, HALVES) => {
                let ([e, m], tail) = tail.split_first_chunk::<2>()?;
                (Some((half(*e), half(*m))), tail)
            }
            (0, EXACT) => {
                let (earned, tail) = tail.split_first_chunk::<8>()?;
                let (max, tail) = tail.split_first_chunk::<8>()?;
                let pair = (f64::from_le_bytes(*earned), f64::from_le_bytes(*max));
                (Some(pair), tail)
            }
            (FULL, m @ 1..) => (Some((half(m), half(m))), tail),
            (NONE_EARNED, m @ 1..) => (Some((0.0, half(m))), tail),
            _ => return None,
        };
        out.push(points.map(|(earned, max)| Points { earned, max }));
        rest = tail;
    }
    Some(())
}

/// `value` in halves when one byte holds it exactly (not -0.0).
fn halves(value: f64) -> Option<u8> {
    let doubled = value * 2.0;
    (doubled.fract() == 0.0 && (0.0..=255.0).contains(&doubled) && value.is_sign_positive())
        .then_some(doubled as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let answers = vec![
            Answer::Pass,
            Answer::Fail,
            Answer::NotApplicable,
            Answer::Number(12.5),
            Answer::Choice(3),
        ];
        let bytes = encode(&answers);
        assert_eq!(bytes.len(), 3 + 9 + 3);
        let mut out = Vec::new();
        assert_eq!(decode_into(&bytes, &mut out), Some(()));
        assert_eq!(out, answers);
    }

    #[test]
    fn refuses_garbage() {
        let mut out = Vec::new();
        assert_eq!(decode_into(&[9], &mut out), None);
        assert_eq!(decode_into(&[NUMBER, 1, 2], &mut out), None);
    }

    #[test]
    fn points_round_trip_to_the_bit() {
        let p = |earned, max| Some(Points { earned, max });
        let items = vec![
            p(2.0, 2.0),
            p(0.0, 2.0),
            None,
            p(31.5, 31.5),
            p(0.0, 0.5),
            p(3.5, 5.0),
            p(32.0, 32.0),
            p(0.0, 40.0),
            p(1.0 / 3.0, 4.0),
            p(-0.0, 2.0),
            p(200.0, 300.0),
            p(127.5, 127.5),
            p(0.0, 0.0),
        ];
        let bytes = encode_points(&items);
        assert_eq!(
            bytes.len(),
            1 + 1 + 1 + 1 + 1 + 3 + 3 + 3 + 17 + 17 + 17 + 3 + 3
        );
        let mut out = Vec::new();
        assert_eq!(decode_points_into(&bytes, &mut out), Some(()));
        let bits = |items: &[Option<Points>]| -> Vec<Option<(u64, u64)>> {
            items
                .iter()
                .map(|p| p.map(|p| (p.earned.to_bits(), p.max.to_bits())))
                .collect()
        };
        assert_eq!(bits(&out), bits(&items));
    }

    #[test]
    fn refuses_garbage_points() {
        let mut out = Vec::new();
        for bad in [3, 0b0011_1111, FULL << 6, NONE_EARNED << 6, 0b1100_0001] {
            assert_eq!(decode_points_into(&[bad], &mut out), None, "{bad:#b}");
        }
        assert_eq!(decode_points_into(&[HALVES, 1], &mut out), None);
        assert_eq!(
            decode_points_into(&[EXACT, 0, 0, 0, 0, 0, 0, 0, 0, 1], &mut out),
            None
        );
    }
}
