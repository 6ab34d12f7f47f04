//! Who may see and do what (docs/api.md): roles and their scope. Every
//! door of the application asks here, so that the pages, the API and the
//! command line answer alike.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    Inspector,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Inspector => "inspector",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(text: &str) -> Result<Role, String> {
        match text {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            "inspector" => Ok(Role::Inspector),
            other => Err(format!(
                "无效的角色「{other}」:应为 admin、manager 或 inspector"
            )),
        }
    }
}

/// The part of the organisation a manager looks after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    City(String),
    District(String),
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(text: &str) -> Result<Scope, String> {
        match text.split_once(':') {
            Some(("city", name)) if !name.trim().is_empty() => Ok(Scope::City(name.trim().into())),
            Some(("district", name)) if !name.trim().is_empty() => {
                Ok(Scope::District(name.trim().into()))
            }
            _ => Err(format!(
                "无效的范围「{text}」:应写成 city:地市名称 或 district:区县名称"
            )),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::City(name) => write!(f, "city:{name}"),
            Scope::District(name) => write!(f, "district:{name}"),
        }
    }
}

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    /// What they sign in with: `wangmin`.
    pub name: String,
    /// The 暗访员 (inspector) their visits carry: `王敏`. One person, one
    /// name: no two accounts share it.
    pub display_name: String,
    pub role: Role,
    pub scope: Option<Scope>,
    /// A manager given the right to review visits in their scope.
    pub can_review: bool,
}

/// Which visits and hall rows a user may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    Everything,
    City(String),
    District(String),
    /// Only an inspector's own visits: those `user` recorded in the app,
    /// and those recorded or imported with `inspector` as 暗访员.
    OwnVisits {
        user: i64,
        inspector: String,
    },
    /// No visit and no report row: a manager whose account names no scope
    /// looks after nothing (the command line refuses to make one, an older
    /// or hand-edited database may still hold one).
    Nothing,
}

impl User {
    /// Whether this user records visits (inspectors, and admins standing in).
    pub fn may_record(&self) -> bool {
        matches!(self.role, Role::Inspector | Role::Admin)
    }

    /// Whether this user works from a plan's tasks (我的任务): inspectors.
    pub fn works_from_tasks(&self) -> bool {
        self.role == Role::Inspector
    }

    /// Whether this user reads the rankings, the hall and district pages,
    /// their downloads and the appeals: admins, and managers who look
    /// after a city or a district.
    pub fn reads_reports(&self) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Manager => self.scope.is_some(),
            Role::Inspector => false,
        }
    }

    /// Whether this user may contest an answer of a visit they can see.
    pub fn may_appeal(&self) -> bool {
        self.reads_reports()
    }

    /// Answers the rectification tickets of the halls in their scope: a
    /// district's or city's manager. Headquarters decides about them.
    pub fn answers_tickets(&self) -> bool {
        self.role == Role::Manager && self.scope.is_some()
    }

    /// Whether this user runs the data: imports and their templates, the
    /// audit log, publishing periods, deciding appeals and rectification.
    pub fn administers(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether this user decides about visits held for review: admins, and
    /// managers given the right, within their scope (see
    /// [`User::visibility`]).
    pub fn may_review(&self) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Manager => self.can_review && self.scope.is_some(),
            Role::Inspector => false,
        }
    }

    /// Whether this user sees figures about the inspectors themselves:
    /// calibration and rates adjusted for who inspected.
    pub fn sees_inspectors(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn visibility(&self) -> Visibility {
        match (&self.role, &self.scope) {
            (Role::Admin, _) => Visibility::Everything,
            (Role::Manager, None) => Visibility::Nothing,
            (Role::Manager, Some(Scope::City(name))) => Visibility::City(name.clone()),
            (Role::Manager, Some(Scope::District(name))) => Visibility::District(name.clone()),
            (Role::Inspector, _) => self.own_visits(),
        }
    }

    /// The visits that are this user's as an inspector.
    pub fn own_visits(&self) -> Visibility {
        Visibility::OwnVisits {
            user: self.id,
            inspector: self.display_name.clone(),
        }
    }

    /// The 暗访员 of a visit this user submits naming `given` (or no one):
    /// their display name unless they name someone. Inspectors record only
    /// their own visits: naming themselves by account or display name is
    /// their display name, naming anyone else gives `None`.
    pub fn inspector_for(&self, given: Option<&str>) -> Option<String> {
        let given = given.map(str::trim).filter(|g| !g.is_empty());
        match given {
            None => Some(self.display_name.clone()),
            Some(own) if own == self.name || own == self.display_name => {
                Some(self.display_name.clone())
            }
            Some(_) if self.role == Role::Inspector => None,
            Some(other) => Some(other.to_string()),
        }
    }
}

impl Visibility {
    /// Whether hall-level figures of a hall in `district` / `city` show.
    pub fn sees_branch(&self, district: &str, city: Option<&str>) -> bool {
        match self {
            Visibility::Everything => true,
            Visibility::City(name) => city == Some(name.as_str()),
            Visibility::District(name) => district == name,
            Visibility::OwnVisits { .. } | Visibility::Nothing => false,
        }
    }

    /// Whether district- and city-level rows show: every manager and admin
    /// compares against the whole region; inspectors see no reports.
    pub fn sees_groups(&self) -> bool {
        !matches!(self, Visibility::OwnVisits { .. } | Visibility::Nothing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, scope: Option<&str>) -> User {
        User {
            id: 7,
            name: "wangmin".into(),
            display_name: "王敏".into(),
            role,
            scope: scope.map(|s| s.parse().expect("a scope")),
            can_review: false,
        }
    }

    #[test]
    fn scopes_decide_what_shows() {
        let district = user(Role::Manager, Some("district:西平")).visibility();
        assert!(district.sees_branch("西平", Some("驻马店")));
        assert!(!district.sees_branch("泌阳", Some("驻马店")));
        assert!(district.sees_groups());
        let city = user(Role::Manager, Some("city:驻马店")).visibility();
        assert!(city.sees_branch("泌阳", Some("驻马店")));
        assert!(!city.sees_branch("泌阳", Some("信阳")));
        let admin = user(Role::Admin, None).visibility();
        assert!(admin.sees_branch("任何", None));
        let inspector = user(Role::Inspector, None).visibility();
        assert_eq!(
            inspector,
            Visibility::OwnVisits {
                user: 7,
                inspector: "王敏".into()
            }
        );
        assert!(!inspector.sees_branch("西平", None) && !inspector.sees_groups());
    }

    #[test]
    fn roles_decide_what_one_may_do() {
        let inspector = user(Role::Inspector, None);
        let manager = user(Role::Manager, Some("district:西平"));
        let admin = user(Role::Admin, None);
        assert!(inspector.may_record() && !inspector.reads_reports());
        assert!(!inspector.may_appeal() && !inspector.administers());
        assert!(!manager.may_record() && manager.reads_reports() && manager.may_appeal());
        assert!(!manager.administers() && !manager.sees_inspectors());
        assert!(admin.may_record() && admin.reads_reports() && admin.may_appeal());
        assert!(admin.administers() && admin.sees_inspectors());
        assert!(inspector.works_from_tasks());
        assert!(!manager.works_from_tasks() && !admin.works_from_tasks());
    }

    #[test]
    fn reviewers_are_admins_and_managers_given_the_right() {
        assert!(user(Role::Admin, None).may_review());
        assert!(!user(Role::Inspector, None).may_review());
        let mut manager = user(Role::Manager, Some("district:西平"));
        assert!(!manager.may_review());
        manager.can_review = true;
        assert!(manager.may_review());
        let mut unscoped = user(Role::Manager, None);
        unscoped.can_review = true;
        assert!(
            !unscoped.may_review(),
            "a manager without a scope looks after nothing"
        );
    }

    #[test]
    fn a_manager_without_a_scope_sees_nothing() {
        let unscoped = user(Role::Manager, None);
        assert!(!unscoped.reads_reports() && !unscoped.may_appeal());
        assert!(!unscoped.may_record() && !unscoped.administers());
        let visibility = unscoped.visibility();
        assert_eq!(visibility, Visibility::Nothing);
        assert!(!visibility.sees_branch("西平", Some("驻马店")) && !visibility.sees_groups());
    }

    #[test]
    fn visits_carry_the_display_name() {
        let inspector = user(Role::Inspector, None);
        for given in [None, Some(""), Some(" 王敏 "), Some("wangmin")] {
            assert_eq!(
                inspector.inspector_for(given).as_deref(),
                Some("王敏"),
                "{given:?}"
            );
        }
        assert_eq!(inspector.inspector_for(Some("李娜")), None);
        let admin = user(Role::Admin, None);
        assert_eq!(admin.inspector_for(None).as_deref(), Some("王敏"));
        assert_eq!(
            admin.inspector_for(Some("李娜")).as_deref(),
            Some("李娜"),
            "an admin enters others' visits"
        );
    }

    #[test]
    fn parsing_names_what_is_wrong() {
        assert!("boss".parse::<Role>().is_err());
        assert!("county:西平".parse::<Scope>().is_err());
        assert!("district:".parse::<Scope>().is_err());
        assert_eq!(
            "district:西平".parse::<Scope>(),
            Ok(Scope::District("西平".into()))
        );
    }
}
