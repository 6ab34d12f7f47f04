//! The roster: the halls under inspection and where they belong.

/// A hall of the roster, with the district and city it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    pub code: String,
    pub name: String,
    pub district: String,
    pub city: Option<String>,
    pub address: Option<String>,
    pub branch_type: Option<String>,
}
