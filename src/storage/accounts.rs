//! Users, browser sessions and API tokens. Secrets arrive here already
//! hashed; this module only stores and finds them.

use super::sql::{Optional, Row, params};
use chrono::NaiveDateTime;

use super::{Error, Reader, Result, Store, TIME_FORMAT, audit, now};
use crate::domain::access::{Role, Scope, User};

/// A session found by its token: the user, the form token, and when it ends.
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub expires_at: NaiveDateTime,
}

fn user_from_row(r: &Row<'_>) -> Result<User> {
    let role: String = r.get(2)?;
    let kind: Option<String> = r.get(3)?;
    let name: Option<String> = r.get(4)?;
    let scope = match (kind.as_deref(), name) {
        (Some("city"), Some(n)) => Some(Scope::City(n)),
        (Some("district"), Some(n)) => Some(Scope::District(n)),
        _ => None,
    };
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        display_name: r.get(5)?,
        role: role.parse().unwrap_or(Role::Inspector),
        scope,
        can_review: r.get(6)?,
    })
}

const USER_COLUMNS: &str =
    "u.id, u.name, u.role, u.scope_kind, u.scope_name, u.display_name, u.can_review";

impl Reader {
    /// One name, one person: a display name another account has is refused.
    fn refuse_taken_display_name(&self, display_name: &str) -> Result<()> {
        let owner: Option<String> = self
            .conn
            .query_row(
                "SELECT name FROM users WHERE display_name = ?1",
                [display_name],
                |r| r.get(0),
            )
            .optional()?;
        match owner {
            Some(owner) => Err(Error::Duplicate(format!(
                "暗访员姓名「{display_name}」已是用户「{owner}」的显示名"
            ))),
            None => Ok(()),
        }
    }

    /// A user and their password hash, by name.
    pub fn user_with_password(&self, name: &str) -> Result<Option<(User, Option<String>)>> {
        self.conn
            .query_row(
                &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = ?1"),
                [name],
                |r| Ok((user_from_row(r)?, r.get(7)?)),
            )
            .optional()
    }

    /// How many failed sign-ins under `key` there were since `since`, on
    /// any server of the database.
    pub fn sign_in_failures(&self, key: &str, since: NaiveDateTime) -> Result<usize> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM sign_in_failures WHERE key = ?1 AND at >= ?2",
            params![key, since.format(TIME_FORMAT).to_string()],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    pub fn user(&self, name: &str) -> Result<User> {
        self.user_with_password(name)?
            .map(|(user, _)| user)
            .ok_or_else(|| Error::NotFound(format!("没有用户「{name}」")))
    }

    /// Every inspector account, oldest first.
    pub fn inspectors(&self) -> Result<Vec<User>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.role = 'inspector' ORDER BY u.id"
        ))?;
        let users = stmt.query_map((), user_from_row)?;
        users.collect::<Result<_>>()
    }

    pub fn has_admin(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM users WHERE role = 'admin' LIMIT 1",
                (),
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// The live session of a token hash; expired sessions are not found.
    pub fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let found: Option<(User, String, String)> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS}, s.csrf, s.expires_at FROM sessions s
                 JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at >= ?2"
            ))?
            .query_row(params![token_hash, now()], |r| {
                Ok((user_from_row(r)?, r.get(7)?, r.get(8)?))
            })
            .optional()?;
        found
            .map(|(user, csrf, expires)| {
                Ok(Session {
                    user,
                    csrf,
                    expires_at: NaiveDateTime::parse_from_str(&expires, TIME_FORMAT)
                        .map_err(|_| Error::Corrupt(format!("会话到期时间「{expires}」")))?,
                })
            })
            .transpose()
    }

    pub fn token_user(&self, token_hash: &str) -> Result<Option<User>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1"
            ))?
            .query_row([token_hash], user_from_row)
            .optional()
    }
}

impl Store {
    /// Adds a user whose visits carry `display_name` as 暗访员; a taken
    /// name, or a display name that is another account's, is refused.
    pub fn add_user(
        &mut self,
        name: &str,
        display_name: &str,
        role: Role,
        scope: Option<&Scope>,
        password_hash: Option<&str>,
        actor: &str,
    ) -> Result<User> {
        let (kind, scope_name) = match scope {
            Some(Scope::City(n)) => (Some("city"), Some(n.as_str())),
            Some(Scope::District(n)) => (Some("district"), Some(n.as_str())),
            None => (None, None),
        };
        self.refuse_taken_display_name(display_name)?;
        let id: i64 = self
            .conn
            .query_row(
                "INSERT INTO users (name, display_name, role, scope_kind, scope_name, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO NOTHING RETURNING id",
                params![name, display_name, role.as_str(), kind, scope_name, password_hash, now()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::Duplicate(format!("用户「{name}」已存在")))?;
        self.audit(&audit::Entry {
            actor,
            action: "user.add",
            entity: "user",
            id: Some(name),
            before: None,
            after: Some(&serde_json::json!({
                "name": name,
                "display_name": display_name,
                "role": role.as_str(),
                "scope": scope.map(ToString::to_string),
            })),
        })?;
        Ok(User {
            id,
            name: name.to_string(),
            display_name: display_name.to_string(),
            role,
            scope: scope.cloned(),
            can_review: false,
        })
    }

    /// Lets a manager review the visits in their scope, or no longer.
    pub fn set_can_review(&mut self, name: &str, can_review: bool, actor: &str) -> Result<()> {
        let before = self.user(name)?;
        if before.can_review == can_review {
            return Ok(());
        }
        self.conn.execute(
            "UPDATE users SET can_review = ?2 WHERE id = ?1",
            params![before.id, can_review],
        )?;
        self.audit(&audit::Entry {
            actor,
            action: "user.can_review",
            entity: "user",
            id: Some(name),
            before: Some(&serde_json::json!({"can_review": before.can_review})),
            after: Some(&serde_json::json!({"can_review": can_review})),
        })
    }

    /// Gives an account another display name.
    pub fn set_display_name(&mut self, name: &str, display_name: &str, actor: &str) -> Result<()> {
        let before = self.user(name)?;
        if before.display_name == display_name {
            return Ok(());
        }
        self.refuse_taken_display_name(display_name)?;
        self.conn.execute(
            "UPDATE users SET display_name = ?2 WHERE id = ?1",
            params![before.id, display_name],
        )?;
        self.audit(&audit::Entry {
            actor,
            action: "user.display_name",
            entity: "user",
            id: Some(name),
            before: Some(&serde_json::json!({"display_name": before.display_name})),
            after: Some(&serde_json::json!({"display_name": display_name})),
        })
    }

    pub fn create_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: NaiveDateTime,
    ) -> Result<()> {
        // Expired sessions are cleared whenever someone signs in.
        self.conn
            .execute("DELETE FROM sessions WHERE expires_at < ?1", [now()])?;
        self.conn.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                token_hash,
                user_id,
                csrf,
                now(),
                expires_at.format(TIME_FORMAT).to_string()
            ],
        )?;
        Ok(())
    }

    pub fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    /// Records one failed sign-in under each key, and forgets those older
    /// than `since`, which no longer count.
    pub fn record_sign_in_failure(&mut self, keys: &[String], since: NaiveDateTime) -> Result<()> {
        self.conn.execute(
            "DELETE FROM sign_in_failures WHERE at < ?1",
            [since.format(TIME_FORMAT).to_string()],
        )?;
        let at = now();
        for key in keys {
            self.conn.execute(
                "INSERT INTO sign_in_failures (key, at) VALUES (?1, ?2)",
                params![key, at],
            )?;
        }
        Ok(())
    }

    /// Forgets the failed sign-ins under `key`.
    pub fn forget_sign_in_failures(&mut self, key: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sign_in_failures WHERE key = ?1", [key])?;
        Ok(())
    }

    pub fn add_api_token(&mut self, token_hash: &str, user_id: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES (?1, ?2, ?3)",
            params![token_hash, user_id, now()],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_user_comes_back_with_its_own_id() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(dir.path().join("accounts.db")).expect("store");
        // Audit entries before it, so that their ids and the users' differ.
        store
            .save_roster(&crate::app::demo::roster(), true, "测试")
            .expect("roster");
        let added = store
            .add_user("wang", "王敏", Role::Inspector, None, None, "测试")
            .expect("added");
        assert_eq!(added.id, store.user("wang").expect("stored").id);
    }
}
