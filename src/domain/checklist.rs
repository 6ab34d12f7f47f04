//! The checklist model: sections of scored items, read from TOML and validated.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::Error;

pub use file_form::ChecklistFile;

/// Default pass mark: a rate below it makes an item or section a short board.
pub const DEFAULT_PASS_MARK: f64 = 0.8;

/// A versioned inspection checklist (检查表).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checklist {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub pass_mark: f64,
    /// Evidence rule: photos a visit needs before it may be submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_photos: Option<u32>,
    /// Evidence rule: characters the visit's overall notes need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_min_chars: Option<u32>,
    /// Whether a reviewer decides about each new visit before it counts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub review: bool,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub code: String,
    pub title: String,
    /// Days a hall has to fix an item of this section that lost points,
    /// unless the item says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectify_days: Option<u32>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub code: String,
    pub title: String,
    pub points: f64,
    pub na: bool,
    pub kind: ItemKind,
    /// Days a hall has to fix this item once it lost points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectify_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ItemKind {
    Check {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        critical: Option<Critical>,
    },
    Scale,
    Choice {
        choices: Vec<Choice>,
    },
    Measure {
        unit: String,
        bands: Vec<Band>,
    },
}

impl ItemKind {
    /// The kind's name as written in checklist files.
    pub fn name(&self) -> &'static str {
        match self {
            ItemKind::Check { .. } => "check",
            ItemKind::Scale => "scale",
            ItemKind::Choice { .. } => "choice",
            ItemKind::Measure { .. } => "measure",
        }
    }
}

/// What a failed critical (红线) check item zeroes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Critical {
    Section,
    Visit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub label: String,
    pub score: f64,
}

/// One band of a measure item: values up to `max` (inclusive) earn `score`;
/// the last band has no `max` and takes everything above.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    pub score: f64,
}

impl Checklist {
    /// Items in checklist order, with the index of their section.
    pub fn items(&self) -> impl Iterator<Item = (usize, &Item)> {
        self.sections
            .iter()
            .enumerate()
            .flat_map(|(s, section)| section.items.iter().map(move |item| (s, item)))
    }

    pub fn item_count(&self) -> usize {
        self.sections.iter().map(|s| s.items.len()).sum()
    }

    pub fn item_index(&self, code: &str) -> Option<usize> {
        self.items().position(|(_, item)| item.code == code)
    }

    pub fn total_points(&self) -> f64 {
        self.items().map(|(_, item)| item.points).sum()
    }

    /// Checks every rule of the checklist format; the first broken rule is
    /// returned, naming the file and the item.
    pub fn validate(&self, source: &str) -> Result<(), Error> {
        let fail = |place: Place, rule: String| Error::Checklist {
            file: source.to_string(),
            place,
            rule,
        };
        self.check_header()
            .map_err(|(key, rule)| fail(Place::Key(key), rule))?;
        let mut codes = HashSet::new();
        for section in &self.sections {
            section
                .check(&mut codes)
                .map_err(|rule| fail(Place::Section(section.code.clone()), rule))?;
        }
        for (_, item) in self.items() {
            item.check(&mut codes)
                .map_err(|rule| fail(Place::Item(item.code.clone()), rule))?;
        }
        Ok(())
    }

    /// The rules of the checklist's own fields, by the key they concern.
    fn check_header(&self) -> Result<(), (&'static str, String)> {
        if !is_valid_id(&self.id) {
            return Err((
                "id",
                format!("id「{}」只能由小写字母、数字和 - 组成", self.id),
            ));
        }
        if self.version == 0 {
            return Err(("version", "version 必须是正整数".into()));
        }
        if self.title.trim().is_empty() {
            return Err(("title", "title 不能为空".into()));
        }
        if !(self.pass_mark > 0.0 && self.pass_mark <= 1.0) {
            return Err(("pass_mark", "pass_mark 必须在 0 到 1 之间".into()));
        }
        if self.sections.is_empty() {
            return Err(("section", "检查表至少要有一个大项".into()));
        }
        Ok(())
    }
}

impl Section {
    /// The section's rules; `codes` holds the codes seen so far, which
    /// sections and items share.
    fn check<'c>(&'c self, codes: &mut HashSet<&'c str>) -> Result<(), String> {
        if self.code.trim().is_empty() {
            return Err("大项编码不能为空".into());
        }
        if !codes.insert(self.code.as_str()) {
            return Err(format!("编码「{}」重复", self.code));
        }
        if self.title.trim().is_empty() {
            return Err("大项标题不能为空".into());
        }
        if self.items.is_empty() {
            return Err("大项至少要有一个检查项".into());
        }
        Ok(())
    }
}

impl Item {
    /// The item's rules; `codes` holds the codes seen so far.
    fn check<'c>(&'c self, codes: &mut HashSet<&'c str>) -> Result<(), String> {
        if self.code.trim().is_empty() {
            return Err("检查项编码不能为空".into());
        }
        if !codes.insert(self.code.as_str()) {
            return Err(format!("编码「{}」重复", self.code));
        }
        if self.title.trim().is_empty() {
            return Err("检查项标题不能为空".into());
        }
        if !(self.points.is_finite() && self.points > 0.0) {
            return Err("分值 points 必须大于 0".into());
        }
        match &self.kind {
            ItemKind::Check { .. } | ItemKind::Scale => Ok(()),
            ItemKind::Choice { choices } => self.check_choices(choices),
            ItemKind::Measure { bands, .. } => self.check_bands(bands),
        }
    }

    /// Whether an item's score fits between 0 and its points.
    fn in_range(&self, score: f64) -> bool {
        score.is_finite() && (0.0..=self.points).contains(&score)
    }

    fn check_choices(&self, choices: &[Choice]) -> Result<(), String> {
        if choices.is_empty() {
            return Err("选项题至少要有一个选项".into());
        }
        let mut labels = HashSet::new();
        for choice in choices {
            if choice.label.trim().is_empty() {
                return Err("选项名称不能为空".into());
            }
            if !labels.insert(choice.label.trim().to_lowercase()) {
                return Err(format!("选项「{}」重复", choice.label));
            }
            if !self.in_range(choice.score) {
                return Err(format!(
                    "选项「{}」的得分 {} 不在 0 到 {} 之间",
                    choice.label, choice.score, self.points
                ));
            }
        }
        Ok(())
    }

    fn check_bands(&self, bands: &[Band]) -> Result<(), String> {
        let Some((last, leading)) = bands.split_last() else {
            return Err("测量题至少要有一个分档 bands".into());
        };
        if last.max.is_some() {
            return Err("最后一个分档不能有 max".into());
        }
        let mut previous = f64::NEG_INFINITY;
        for band in leading {
            let Some(max) = band.max else {
                return Err("只有最后一个分档可以没有 max".into());
            };
            if !max.is_finite() || max <= previous {
                return Err("分档的 max 必须依次增大".into());
            }
            previous = max;
        }
        match bands.iter().find(|band| !self.in_range(band.score)) {
            Some(band) => Err(format!(
                "分档得分 {} 不在 0 到 {} 之间",
                band.score, self.points
            )),
            None => Ok(()),
        }
    }
}

/// Where in a checklist a broken rule is, as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole.
    File,
    /// A line of the file's text, from 1.
    Line(usize),
    /// One of the checklist's own keys: id, version, title …
    Key(&'static str),
    /// A section, by its code.
    Section(String),
    /// An item, by its code.
    Item(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::File => Ok(()),
            Place::Line(line) => write!(f, "第 {line} 行"),
            Place::Key(key) => f.write_str(key),
            Place::Section(code) => write!(f, "大项 {code}"),
            Place::Item(code) => write!(f, "检查项 {code}"),
        }
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The checklist file's own shape (docs/files.md), kept apart from the model so
/// that the model's serialised form, stored with every version, can evolve on
/// its own.
mod file_form {
    use serde::Deserialize;

    use super::{
        Band, Checklist, Choice, Critical, DEFAULT_PASS_MARK, Item, ItemKind, Place, Section,
    };
    use crate::domain::Error;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ChecklistFile {
        id: String,
        version: i64,
        title: String,
        pass_mark: Option<f64>,
        min_photos: Option<u32>,
        comment_min_chars: Option<u32>,
        #[serde(default)]
        review: bool,
        #[serde(default)]
        section: Vec<FileSection>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileSection {
        code: String,
        title: String,
        rectify_days: Option<i64>,
        #[serde(default)]
        item: Vec<FileItem>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileItem {
        code: String,
        title: String,
        kind: String,
        points: f64,
        #[serde(default)]
        na: bool,
        critical: Option<String>,
        unit: Option<String>,
        bands: Option<Vec<Band>>,
        choices: Option<Vec<Choice>>,
        rectify_days: Option<i64>,
    }

    /// Reads an optional `rectify_days`.
    fn days(days: Option<i64>) -> Result<Option<u32>, String> {
        days.map(|d| crate::domain::rectify::read_days(d).map_err(|e| format!("rectify_days:{e}")))
            .transpose()
    }

    impl ChecklistFile {
        /// Turns the file into a validated checklist; `source` names the file
        /// in messages.
        pub fn into_checklist(self, source: &str) -> Result<Checklist, Error> {
            let fail = |place: Place, rule: String| Error::Checklist {
                file: source.to_string(),
                place,
                rule,
            };
            let version = u32::try_from(self.version)
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| fail(Place::Key("version"), "version 必须是正整数".into()))?;
            let mut sections = Vec::with_capacity(self.section.len());
            for section in self.section {
                let mut items = Vec::with_capacity(section.item.len());
                for item in section.item {
                    let place = Place::Item(item.code.clone());
                    let misplaced = |field: &str| {
                        fail(
                            place.clone(),
                            format!("{} 类型的检查项不能有 {field}", item.kind),
                        )
                    };
                    if item.critical.is_some() && item.kind != "check" {
                        return Err(misplaced("critical"));
                    }
                    if item.choices.is_some() && item.kind != "choice" {
                        return Err(misplaced("choices"));
                    }
                    if (item.bands.is_some() || item.unit.is_some()) && item.kind != "measure" {
                        return Err(misplaced("bands/unit"));
                    }
                    let kind = match item.kind.as_str() {
                        "check" => ItemKind::Check {
                            critical: match item.critical.as_deref() {
                                None => None,
                                Some("section") => Some(Critical::Section),
                                Some("visit") => Some(Critical::Visit),
                                Some(other) => {
                                    return Err(fail(
                                        place,
                                        format!("critical「{other}」无效,应为 section 或 visit"),
                                    ));
                                }
                            },
                        },
                        "scale" => ItemKind::Scale,
                        "choice" => ItemKind::Choice {
                            choices: item.choices.ok_or_else(|| {
                                fail(place.clone(), "choice 类型的检查项需要 choices".into())
                            })?,
                        },
                        "measure" => ItemKind::Measure {
                            unit: item.unit.unwrap_or_default(),
                            bands: item.bands.ok_or_else(|| {
                                fail(place.clone(), "measure 类型的检查项需要 bands".into())
                            })?,
                        },
                        other => {
                            return Err(fail(
                                place,
                                format!("kind「{other}」无效,应为 check、scale、choice 或 measure"),
                            ));
                        }
                    };
                    items.push(Item {
                        code: item.code,
                        title: item.title,
                        points: item.points,
                        na: item.na,
                        kind,
                        rectify_days: days(item.rectify_days)
                            .map_err(|rule| fail(place.clone(), rule))?,
                    });
                }
                let rectify_days = days(section.rectify_days)
                    .map_err(|rule| fail(Place::Section(section.code.clone()), rule))?;
                sections.push(Section {
                    code: section.code,
                    title: section.title,
                    rectify_days,
                    items,
                });
            }
            let checklist = Checklist {
                id: self.id,
                version,
                title: self.title,
                pass_mark: self.pass_mark.unwrap_or(DEFAULT_PASS_MARK),
                min_photos: self.min_photos,
                comment_min_chars: self.comment_min_chars,
                review: self.review,
                sections,
            };
            checklist.validate(source)?;
            Ok(checklist)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small checklist that exercises every kind, N/A and both critical scopes.
    pub const SAMPLE: &str = r#"
id = "sample"
version = 1
title = "样例"

[[section]]
code = "A"
title = "仪容仪表"

[[section.item]]
code = "A01"
title = "着工装"
kind = "check"
points = 2

[[section.item]]
code = "A02"
title = "佩戴工牌"
kind = "check"
points = 2
critical = "section"

[[section.item]]
code = "A03"
title = "发型"
kind = "check"
points = 1
na = true

[[section]]
code = "B"
title = "服务"

[[section.item]]
code = "B01"
title = "微笑"
kind = "choice"
points = 4
choices = [ { label = "优", score = 4 }, { label = "良", score = 2 }, { label = "差", score = 0 } ]

[[section.item]]
code = "B02"
title = "礼貌"
kind = "scale"
points = 5

[[section.item]]
code = "B03"
title = "未与客户争执"
kind = "check"
points = 1
critical = "visit"

[[section]]
code = "C"
title = "排队"

[[section.item]]
code = "C01"
title = "等候时长"
kind = "measure"
unit = "分钟"
points = 10
na = true
bands = [ { max = 10, score = 10 }, { max = 15, score = 5 }, { score = 0 } ]
"#;

    pub fn sample() -> Checklist {
        crate::formats::checklist::parse("sample.toml", SAMPLE).expect("sample checklist is valid")
    }

    fn broken(replace: &str, with: &str) -> String {
        let text = SAMPLE.replacen(replace, with, 1);
        assert_ne!(text, SAMPLE, "the replacement must change the sample");
        crate::formats::checklist::parse("bad.toml", &text)
            .expect_err("the broken checklist must be refused")
            .to_string()
    }

    #[test]
    fn days_to_fix_come_from_the_item_or_its_section_and_are_checked() {
        let text = SAMPLE
            .replacen(
                "title = \"仪容仪表\"",
                "title = \"仪容仪表\"\nrectify_days = 7",
                1,
            )
            .replacen("points = 2\n", "points = 2\nrectify_days = 3\n", 1);
        let c = crate::formats::checklist::parse("r.toml", &text).expect("valid");
        assert_eq!(c.sections[0].rectify_days, Some(7));
        assert_eq!(c.sections[0].items[0].rectify_days, Some(3));
        let bad = SAMPLE.replacen("points = 2\n", "points = 2\nrectify_days = 0\n", 1);
        let error = crate::formats::checklist::parse("r.toml", &bad)
            .expect_err("zero days")
            .to_string();
        assert!(
            error.contains("检查项 A01") && error.contains("1 到 365"),
            "{error}"
        );
    }

    #[test]
    fn review_is_off_unless_the_file_asks() {
        let plain = sample();
        assert!(!plain.review);
        let stored = serde_json::to_string(&plain).expect("serialises");
        assert!(!stored.contains("review"), "{stored}");
        let text = SAMPLE.replacen("title = \"样例\"", "title = \"样例\"\nreview = true", 1);
        let reviewed = crate::formats::checklist::parse("r.toml", &text).expect("valid");
        assert!(reviewed.review);
        let back: Checklist =
            serde_json::from_str(&serde_json::to_string(&reviewed).expect("serialises"))
                .expect("reads back");
        assert!(back.review);
    }

    #[test]
    fn sample_parses_with_defaults() {
        let c = sample();
        assert_eq!(c.pass_mark, DEFAULT_PASS_MARK);
        assert_eq!(c.item_count(), 7);
        assert_eq!(c.total_points(), 25.0);
        assert_eq!(c.item_index("B02"), Some(4));
        assert!(matches!(
            c.sections[1].items[2].kind,
            ItemKind::Check {
                critical: Some(Critical::Visit)
            }
        ));
    }

    #[test]
    fn serialised_form_round_trips() {
        let c = sample();
        let json = serde_json::to_string(&c).expect("serialises");
        let back: Checklist = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, c);
    }

    #[test]
    fn messages_name_file_item_and_rule() {
        let m = broken("points = 5", "points = 0");
        assert!(
            m.contains("bad.toml") && m.contains("B02") && m.contains("大于 0"),
            "{m}"
        );
        let m = broken(
            "{ label = \"良\", score = 2 }",
            "{ label = \"良\", score = 9 }",
        );
        assert!(m.contains("B01") && m.contains("良"), "{m}");
        let m = broken("{ max = 15, score = 5 }", "{ max = 8, score = 5 }");
        assert!(m.contains("C01") && m.contains("依次增大"), "{m}");
        let m = broken("{ score = 0 } ]", "{ max = 20, score = 0 } ]");
        assert!(m.contains("C01") && m.contains("最后一个分档"), "{m}");
        let m = broken("code = \"B03\"", "code = \"B02\"");
        assert!(m.contains("重复"), "{m}");
        let m = broken("kind = \"scale\"", "kind = \"slider\"");
        assert!(m.contains("slider"), "{m}");
        let m = broken("critical = \"visit\"", "critical = \"branch\"");
        assert!(m.contains("B03") && m.contains("branch"), "{m}");
        let m = broken("id = \"sample\"", "id = \"Sample 1\"");
        assert!(m.contains("id"), "{m}");
        let m = broken("version = 1", "version = 0");
        assert!(m.contains("version"), "{m}");
        let m = broken("kind = \"scale\"", "kind = \"scale\"\ncritical = \"visit\"");
        assert!(m.contains("B02") && m.contains("critical"), "{m}");
        let m = broken("title = \"样例\"", "title = \"样例\"\ncolour = 1");
        assert!(m.contains("TOML") && m.contains("colour"), "{m}");
    }

    #[test]
    fn a_broken_rule_names_its_place_as_a_value() {
        let mut c = sample();
        c.sections[1].items[0].points = 0.0;
        let e = c.validate("细则.xlsx").expect_err("no points");
        let Error::Checklist { place, rule, .. } = &e else {
            panic!("{e}");
        };
        assert_eq!(*place, Place::Item("B01".into()));
        assert_eq!(
            e.to_string(),
            format!("检查表 细则.xlsx 的 检查项 B01:{rule}")
        );
        c = sample();
        c.sections[1].code = "A".into();
        let e = c.validate("细则.xlsx").expect_err("two sections A");
        assert!(
            matches!(&e, Error::Checklist { place: Place::Section(code), .. } if code == "A"),
            "{e}"
        );
        c.version = 0;
        let e = c.validate("细则.xlsx").expect_err("version 0");
        assert_eq!(
            e.to_string(),
            "检查表 细则.xlsx 的 version:version 必须是正整数"
        );
    }
}
