//! The roster of halls (网点名单): one branch per row.

use std::collections::HashMap;

use super::table::{Field, field, find_table};
use super::{Parsed, Problem, Record};
use crate::domain::roster::Branch;
use crate::formats::read::Sheet;

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
            },
        });
    }
    let ignored = table.others.iter().map(|c| c.header.clone()).collect();
    table.finish(rows, problems, ignored)
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
            ["地市", "区县", "网点编码", "网点名称", "地址", "网点类型"]
        );
        let problems = parse_roster("名单.csv", &sheet(&[&roster_headers()])).expect_err("no rows");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].reason, "表头下面没有数据行");
    }
}
