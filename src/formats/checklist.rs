//! Checklist files in TOML (docs/files.md): reading one, and the checklists
//! that ship with the tool.

use std::path::Path;

use include_dir::{Dir, include_dir};

use crate::domain::checklist::{Checklist, ChecklistFile, Place};
use crate::domain::{self, Error};

/// The checklists of the repository's `checklists/` folder, built in so
/// that `init` works wherever the binary runs.
static BUILT_IN: Dir = include_dir!("$CARGO_MANIFEST_DIR/checklists");

/// Parses and validates checklist TOML; `source` names the file in messages.
pub fn parse(source: &str, text: &str) -> Result<Checklist, Error> {
    let file: ChecklistFile = toml::from_str(text).map_err(|e| Error::Checklist {
        file: source.to_string(),
        place: e.span().map_or(Place::File, |span| {
            Place::Line(text[..span.start.min(text.len())].lines().count().max(1))
        }),
        rule: format!("TOML 格式错误:{}", e.message().trim()),
    })?;
    file.into_checklist(source)
}

/// Every `*.toml` checklist of a folder, in file-name order; the built-in
/// ones when the folder does not exist.
pub fn load_dir(dir: &Path) -> Result<Vec<Checklist>, Error> {
    let mut files: Vec<(String, String)> = Vec::new();
    if dir.is_dir() {
        let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))?;
        for entry in entries {
            let path = entry.map_err(|e| io_error(dir, &e))?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, &e))?;
                files.push((path.display().to_string(), text));
            }
        }
    } else {
        for file in BUILT_IN.files() {
            if file.path().extension().is_some_and(|e| e == "toml") {
                let text = file.contents_utf8().unwrap_or_default().to_string();
                files.push((format!("(内置){}", file.path().display()), text));
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|(source, text)| parse(source, text))
        .collect()
}

fn io_error(path: &Path, e: &std::io::Error) -> domain::Error {
    Error::Checklist {
        file: path.display().to_string(),
        place: Place::File,
        rule: format!("无法读取:{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_checklist_is_valid_and_complete() {
        let checklists = load_dir(Path::new("no-such-folder")).expect("built-in checklists parse");
        let hall = checklists
            .iter()
            .find(|c| c.id == "hall-visit")
            .expect("hall-visit ships");
        assert_eq!(hall.total_points(), 100.0);
        assert!((40..=70).contains(&hall.item_count()));
        let titles: Vec<&str> = hall.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "仪容仪表",
                "站姿与举止",
                "微笑与目光",
                "服务用语",
                "排队等候",
                "环境卫生",
                "业务营销"
            ]
        );
    }

    #[test]
    fn toml_syntax_errors_name_the_line() {
        let err = parse("x.toml", "id = \"a\"\nversion = \n").expect_err("broken");
        let text = err.to_string();
        assert!(
            text.contains("x.toml") && text.contains("第 2 行"),
            "{text}"
        );
    }
}
