//! Where the data lives: a SQLite file, or a PostgreSQL database named by
//! a `postgres://` URL.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The embedded database: one file.
    Sqlite(PathBuf),
    /// A PostgreSQL database, as a `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl Location {
    /// A `postgres://` URL's connection settings, checked.
    pub(super) fn postgres_config(url: &str) -> Result<tokio_postgres::Config, Error> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| Error::BadLocation(redacted(url), e.to_string()))?;
        if config.get_dbname().is_none() {
            return Err(Error::BadLocation(
                redacted(url),
                "没有写数据库名(应为 postgres://用户@主机:端口/数据库名)".into(),
            ));
        }
        Ok(config)
    }

    /// The SQLite file, if this is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }
}

impl FromStr for Location {
    type Err = Error;

    /// A path, or a URL starting `postgres://` or `postgresql://`; the URL
    /// is checked here, before anything connects.
    fn from_str(text: &str) -> Result<Location, Error> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::BadLocation(String::new(), "为空".into()));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::postgres_config(text)?;
            return Ok(Location::Postgres(text.to_string()));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(Error::BadLocation(
                redacted(text),
                format!("不支持「{scheme}://」:请给 SQLite 文件的路径,或 postgres:// 开头的地址"),
            ));
        }
        Ok(Location::Sqlite(PathBuf::from(text)))
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Location {
        Location::Sqlite(path)
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Location {
        Location::Sqlite(path.clone())
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Location {
        Location::Sqlite(path.to_path_buf())
    }
}

/// Shown without a password, as messages and logs give it.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&redacted(url)),
        }
    }
}

/// A URL with its password, if any, replaced by `***`.
pub(super) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{scheme}://{name}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_urls_are_told_apart_and_bad_urls_named() {
        assert_eq!(
            "data/hallscore.db".parse::<Location>().expect("a path"),
            Location::Sqlite(PathBuf::from("data/hallscore.db"))
        );
        let url = "postgres://hs:secret@db.example:5432/hallscore";
        let location: Location = url.parse().expect("a URL");
        assert_eq!(location, Location::Postgres(url.into()));
        assert_eq!(
            location.to_string(),
            "postgres://hs:***@db.example:5432/hallscore",
            "the password is never shown"
        );
        for (bad, says) in [
            ("mysql://h/db", "不支持「mysql://」"),
            (
                "postgres://hs@db.example:notaport/x",
                "postgres://hs@db.example:notaport/x",
            ),
            ("postgres://hs@db.example:5432", "没有写数据库名"),
            ("   ", "为空"),
        ] {
            let e = bad.parse::<Location>().expect_err(bad).to_string();
            assert!(e.contains(says), "{bad}: {e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }
}
