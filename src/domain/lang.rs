//! The two languages people read hallscore in. The web application's
//! translations hang off this type; the report sentences use it too.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}
