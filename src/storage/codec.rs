//! The compact form of a visit's answers: one tag byte per item in
//! checklist order, followed by the value where the answer has one.

use crate::domain::answer::Answer;

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
}
