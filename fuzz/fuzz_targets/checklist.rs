//! Arbitrary text as a checklist file: it parses and validates, or it is
//! refused with a message naming the file. It never panics, and whatever
//! is accepted satisfies the rules a checklist must keep.

#![no_main]

use hallscore::formats::checklist::parse;
use hallscore::domain::checklist::ItemKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse("fuzz.toml", text) {
        Ok(checklist) => {
            assert!(checklist.item_count() > 0);
            for (_, item) in checklist.items() {
                assert!(item.points > 0.0 && item.points.is_finite());
                if let ItemKind::Measure { bands, .. } = &item.kind {
                    assert!(bands.last().is_some_and(|b| b.max.is_none()));
                }
            }
        }
        Err(e) => assert!(e.to_string().contains("fuzz.toml")),
    }
});
