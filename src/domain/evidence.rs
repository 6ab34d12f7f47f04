//! Evidence rules: what a visit must carry besides its answers before it
//! may be submitted — overall notes of some length, a number of photos —
//! as its checklist asks.

use super::checklist::Checklist;

/// Where a visit's evidence falls short of its checklist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Shortfall {
    #[error("总体印象至少需要 {min} 个字,现在只有 {chars} 个字")]
    Notes { min: u32, chars: usize },
    #[error("至少需要 {min} 张照片,现在只有 {photos} 张")]
    Photos { min: u32, photos: usize },
}

impl Shortfall {
    /// The part of a visit that falls short, as a request names it.
    pub fn field(&self) -> &'static str {
        match self {
            Shortfall::Notes { .. } => "notes",
            Shortfall::Photos { .. } => "photos",
        }
    }
}

/// What `checklist` finds missing from a visit with overall `notes` and
/// the photos `photos` counts. Photos are counted only when the checklist
/// asks for some: counting them may mean reading storage.
pub fn shortfalls<E>(
    checklist: &Checklist,
    notes: Option<&str>,
    photos: impl FnOnce() -> Result<usize, E>,
) -> Result<Vec<Shortfall>, E> {
    let mut short = Vec::new();
    if let Some(min) = checklist.comment_min_chars {
        let chars = notes.map_or(0, |n| n.trim().chars().count());
        if chars < min as usize {
            short.push(Shortfall::Notes { min, chars });
        }
    }
    if let Some(min) = checklist.min_photos {
        let photos = photos()?;
        if photos < min as usize {
            short.push(Shortfall::Photos { min, photos });
        }
    }
    Ok(short)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::tests::sample;

    fn asking(notes: Option<u32>, photos: Option<u32>) -> Checklist {
        Checklist {
            comment_min_chars: notes,
            review: false,
            min_photos: photos,
            ..sample()
        }
    }

    fn counted(n: usize) -> impl FnOnce() -> Result<usize, ()> {
        move || Ok(n)
    }

    #[test]
    fn a_checklist_without_rules_asks_nothing_and_counts_no_photos() {
        let checklist = asking(None, None);
        let found = shortfalls(&checklist, None, || -> Result<usize, ()> {
            panic!("photos are counted only when asked for")
        });
        assert_eq!(found, Ok(Vec::new()));
    }

    #[test]
    fn notes_count_characters_not_bytes_nor_surrounding_space() {
        let checklist = asking(Some(5), None);
        assert_eq!(
            shortfalls(&checklist, Some("  服务很好  "), counted(0)),
            Ok(vec![Shortfall::Notes { min: 5, chars: 4 }])
        );
        assert_eq!(
            shortfalls(&checklist, Some("服务很周到"), counted(0)),
            Ok(vec![])
        );
        let missing = shortfalls(&checklist, None, counted(0)).expect("checked");
        assert_eq!(missing, vec![Shortfall::Notes { min: 5, chars: 0 }]);
        assert_eq!(missing[0].field(), "notes");
        assert_eq!(
            missing[0].to_string(),
            "总体印象至少需要 5 个字,现在只有 0 个字"
        );
    }

    #[test]
    fn photos_fall_short_below_the_minimum_only() {
        let checklist = asking(None, Some(2));
        let short = shortfalls(&checklist, None, counted(1)).expect("checked");
        assert_eq!(short, vec![Shortfall::Photos { min: 2, photos: 1 }]);
        assert_eq!(short[0].field(), "photos");
        assert_eq!(shortfalls(&checklist, None, counted(2)), Ok(vec![]));
        assert_eq!(
            shortfalls(&checklist, None, || Err("storage")),
            Err("storage")
        );
    }
}
