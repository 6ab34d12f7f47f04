//! Arbitrary text and numbers as answers to every kind of item: each is
//! read or refused, never panics, and an accepted answer scores within
//! the item's points and reads back from its own text.

#![no_main]

use std::sync::OnceLock;

use hallscore::formats::checklist::parse;
use hallscore::domain::answer::{Answer, RawAnswer};
use hallscore::domain::checklist::Checklist;
use hallscore::domain::scoring::item_earned;
use libfuzzer_sys::fuzz_target;

fn checklist() -> &'static Checklist {
    static CHECKLIST: OnceLock<Checklist> = OnceLock::new();
    CHECKLIST.get_or_init(|| {
        parse(
            "hall-visit.toml",
            include_str!("../../checklists/hall-visit.toml"),
        )
        .expect("the shipped checklist parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let items: Vec<_> = checklist().items().map(|(_, item)| item).collect();
    let item = items[usize::from(pick) % items.len()];
    let raw = match rest.split_first() {
        Some((0, bytes)) if bytes.len() >= 8 => {
            let mut number = [0u8; 8];
            number.copy_from_slice(&bytes[..8]);
            RawAnswer::Number(f64::from_le_bytes(number))
        }
        Some((1, bytes)) => RawAnswer::Bool(bytes.first().is_some_and(|b| b & 1 == 1)),
        _ => match std::str::from_utf8(rest) {
            Ok(text) => RawAnswer::Text(text),
            Err(_) => return,
        },
    };
    if let Ok(answer) = Answer::parse(item, raw) {
        if let Some(earned) = item_earned(item, answer) {
            assert!((0.0..=item.points).contains(&earned), "{earned} for {}", item.code);
        }
        // Its own text (as the visits sheet writes it) reads back: the same
        // answer, or for numbers the same value to the 0.001 the sheet keeps.
        let text = answer.to_text(item);
        let again = Answer::parse(item, RawAnswer::Text(&text)).expect("its own text reads");
        match (answer, again) {
            (Answer::Number(a), Answer::Number(b)) => assert!((a - b).abs() <= 0.0005 + a.abs() * 1e-12),
            (a, b) => assert_eq!(a, b),
        }
    }
});
