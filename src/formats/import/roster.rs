//! The roster of halls (网点名单): one branch per row.

use std::collections::HashMap;

use super::table::{Field, Table, field, find_table};
use super::{Parsed, Problem, Record};
use crate::domain::plan::Window;
use crate::domain::roster::Branch;
use crate::formats::read::{Row, Sheet};

const ROSTER_FIELDS: &[Field] = &[
    field("city", &["地市", "city", "地市公司", "城市"], false),
    field(
        "district",
        &["区县", "district", "区县分公司", "县区"],
        true,
    ),
    field(
        "branch_code",
        &["网点编码", "branch_code", "营业厅编码", "网点代码"],
        true,
    ),
    field(
        "branch_name",
        &["网点名称", "branch_name", "营业厅名称", "营业厅"],
        true,
    ),
    field("address", &["地址", "address", "网点地址"], false),
    field("branch_type", &["网点类型", "branch_type", "类型"], false),
    field(
        "opening_hours",
        &["营业时间", "opening_hours", "营业时段"],
        false,
    ),
    field("peak_hours", &["高峰时段", "peak_hours", "高峰时间"], false),
    field("no", &["序号", "no"], false),
];

/// The roster columns a blank template carries, by their first accepted
/// name.
pub fn roster_headers() -> Vec<&'static str> {
    ROSTER_FIELDS
        .iter()
        .filter(|f| f.key != "no")
        .map(|f| f.names[0])
        .collect()
}

pub fn parse_roster(file: &str, sheets: &[Sheet]) -> Result<Parsed<Branch>, Vec<Problem>> {
    let table = find_table(file, sheets, ROSTER_FIELDS)?;
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for row in table.data(sheets) {
        if table.is_blank(row) {
            continue;
        }
        let mut required = |key: &str, what: &str| {
            let value = table.text(row, key);
            if value.is_none() {
                problems.push(table.problem(row, key, format!("{what}不能为空")));
            }
            value
        };
        let (Some(district), Some(code), Some(name)) = (
            required("district", "区县"),
            required("branch_code", "网点编码"),
            required("branch_name", "网点名称"),
        ) else {
            continue;
        };
        let opening_hours = hours(&table, row, "opening_hours", &mut problems, Window::parse);
        let peak_hours = hours(&table, row, "peak_hours", &mut problems, Window::parse_list);
        if let Some(first) = seen.insert(code.clone(), row.number) {
            problems.push(table.problem(
                row,
                "branch_code",
                format!("网点编码重复:第 {first} 行已有同一编码"),
            ));
            continue;
        }
        rows.push(Record {
            row: row.number,
            value: Branch {
                code,
                name,
                district,
                city: table.text(row, "city"),
                address: table.text(row, "address"),
                branch_type: table.text(row, "branch_type"),
                opening_hours,
                peak_hours,
            },
        });
    }
    let ignored = table.others.iter().map(|c| c.header.clone()).collect();
    table.finish(rows, problems, ignored)
}

/// A row's opening hours or busy hours, if given; unreadable text is a
/// problem that names the cell and shows how to write it.
fn hours<T>(
    table: &Table,
    row: &Row,
    key: &str,
    problems: &mut Vec<Problem>,
    read: fn(&str) -> Option<T>,
) -> Option<T> {
    let text = table.text(row, key)?;
    let value = read(&text);
    if value.is_none() {
        let (what, example) = match key {
            "opening_hours" => ("营业时间", "09:00-18:00"),
            _ => ("高峰时段", "11:00-13:00、17:00-19:00"),
        };
        problems.push(table.problem(
            row,
            key,
            format!("{what}应写成 {example} 这样的时段(开始早于结束)"),
        ));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::super::tests::sheet;
    use super::*;

    #[test]
    fn header_found_below_title_rows() {
        let sheets = sheet(&[
            &["2024年网点名单"],
            &["制表:市公司"],
            &["序号", "区县", "网点编码", "网点名称", "联系人"],
            &["1", "西平", "XP01", "西平中心厅", "张三"],
        ]);
        let parsed = parse_roster("名单.csv", &sheets).expect("parses");
        assert_eq!(parsed.header_row, 3);
        assert_eq!(parsed.rows[0].value.code, "XP01");
        assert_eq!(parsed.ignored_columns, vec!["联系人".to_string()]);
    }

    #[test]
    fn a_row_with_nothing_under_a_header_is_no_data_row() {
        let sheets = sheet(&[
            &["区县", "网点编码", "网点名称"],
            &["西平", "XP01", "西平一厅"],
            &["", "", "", "", "已核对"],
        ]);
        let parsed = parse_roster("名单.csv", &sheets).expect("parses");
        assert_eq!(parsed.rows.len(), 1);
    }

    #[test]
    fn missing_header_names_the_columns() {
        let sheets = sheet(&[&["区县", "名称"], &["西平", "x"]]);
        let problems = parse_roster("名单.csv", &sheets).expect_err("no header");
        assert!(problems[0].reason.contains("网点编码"), "{}", problems[0]);
    }

    #[test]
    fn the_template_names_every_column_the_importer_finds() {
        assert_eq!(
            roster_headers(),
            [
                "地市",
                "区县",
                "网点编码",
                "网点名称",
                "地址",
                "网点类型",
                "营业时间",
                "高峰时段"
            ]
        );
        let problems = parse_roster("名单.csv", &sheet(&[&roster_headers()])).expect_err("no rows");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].reason, "表头下面没有数据行");
    }

    #[test]
    fn hours_are_read_when_given_and_left_to_the_usual_when_blank() {
        let sheets = sheet(&[
            &["区县", "网点编码", "网点名称", "营业时间", "高峰时段"],
            &[
                "西平",
                "XP01",
                "西平一厅",
                "08:30-17:30",
                "10:00-11:30、16:00-17:30",
            ],
            &["西平", "XP02", "西平二厅", "", ""],
        ]);
        let parsed = parse_roster("名单.csv", &sheets).expect("parses");
        let first = &parsed.rows[0].value;
        assert_eq!(first.opening_hours, Window::parse("08:30-17:30"));
        assert_eq!(
            first.peak_hours,
            Window::parse_list("10:00-11:30;16:00-17:30")
        );
        assert_eq!(parsed.rows[1].value.opening_hours, None);
        assert_eq!(parsed.rows[1].value.peak_hours, None);
    }

    #[test]
    fn unreadable_hours_name_row_column_and_value() {
        let sheets = sheet(&[
            &["区县", "网点编码", "网点名称", "营业时间", "高峰时段"],
            &["西平", "XP01", "西平一厅", "18:00-09:00", "11:00-13:00"],
            &["西平", "XP02", "西平二厅", "09:00-18:00", "中午"],
        ]);
        let problems = parse_roster("名单.csv", &sheets).expect_err("bad hours");
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].row, Some(2));
        assert_eq!(
            problems[0].column.as_ref().map(|c| c.header.as_str()),
            Some("营业时间")
        );
        assert_eq!(problems[0].value.as_deref(), Some("18:00-09:00"));
        assert!(
            problems[0].reason.contains("09:00-18:00"),
            "{}",
            problems[0]
        );
        assert_eq!(problems[1].row, Some(3));
        assert_eq!(
            problems[1].column.as_ref().map(|c| c.header.as_str()),
            Some("高峰时段")
        );
        assert_eq!(problems[1].value.as_deref(), Some("中午"));
    }
}
