//! Finding a hall in the inspector's picker by the pinyin initials of its
//! name, under every reading of its characters.

use pinyin::ToPinyinMulti;

/// A hall as the picker shows it.
pub struct HallChoice {
    pub code: String,
    pub name: String,
    pub district: String,
    /// Pinyin initials of the name, for searching: 西平中心厅 → xpzxt.
    pub initials: String,
}

/// The name's pinyin initials under every reading of its characters, space
/// separated, for searching: 西平中心厅 → xpzxt; 泌阳城关 (泌 is mì or bì)
/// → mycg bycg. At most 16 spellings, the common readings first.
pub(super) fn initials(name: &str) -> String {
    const MOST: usize = 16;
    let mut spellings = vec![String::new()];
    for c in name.chars() {
        let Some(readings) = c.to_pinyin_multi() else {
            continue;
        };
        let mut letters: Vec<&str> = Vec::new();
        for reading in readings {
            if !letters.contains(&reading.first_letter()) {
                letters.push(reading.first_letter());
            }
        }
        spellings = letters
            .iter()
            .flat_map(|letter| spellings.iter().map(move |s| format!("{s}{letter}")))
            .take(MOST)
            .collect();
    }
    spellings.join(" ")
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_under_every_reading() {
        assert_eq!(
            initials("西平中心厅").split(' ').next(),
            Some("xpzxt"),
            "the common readings come first"
        );
        let biyang = initials("泌阳城关营业厅");
        let spellings: Vec<&str> = biyang.split(' ').collect();
        assert!(
            spellings.contains(&"bycgyyt") && spellings.contains(&"mycgyyt"),
            "泌 reads bì and mì: {biyang}"
        );
        assert!(
            initials("长").split(' ').count() >= 2,
            "长 reads cháng and zhǎng"
        );
        assert!(initials("行行行行行行行行行行").split(' ').count() <= 16);
        assert_eq!(initials("XP-01"), "", "no Chinese, no initials");
    }
}
