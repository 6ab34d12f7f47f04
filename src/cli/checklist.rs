//! `checklist`: load, list, show and export checklists.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use comfy_table::Cell as TableCell;

use super::{CliError, actor, new_table, read_file, right};
use crate::app::imports;
use crate::domain::answer::format_number;
use crate::domain::checklist::{Checklist, ItemKind};
use crate::formats;
use crate::formats::import;
use crate::formats::write::{self, FileKind};
use crate::storage::Store;

#[derive(Debug, Subcommand)]
pub enum ChecklistCommand {
    /// 载入检查表:.toml 文件,或评分细则电子表格
    Load {
        file: PathBuf,
        /// 电子表格的检查表 id(小写字母、数字和 -)
        #[arg(long)]
        id: Option<String>,
        /// 电子表格的检查表标题
        #[arg(long)]
        title: Option<String>,
        /// 电子表格的达标线(0 到 1)
        #[arg(long, default_value_t = crate::domain::checklist::DEFAULT_PASS_MARK)]
        pass_mark: f64,
    },
    /// 列出所有检查表及其版本
    List,
    /// 查看检查表的最新版本
    Show { id: String },
    /// 把检查表写成评分细则电子表格(可再载入)
    Export {
        id: String,
        /// 输出文件(.xlsx 或 .csv),默认 exports/<id>-评分细则.xlsx
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub(super) fn load_checklists(store: &mut Store, dir: &Path) -> Result<(), CliError> {
    for checklist in formats::checklist::load_dir(dir)? {
        let new = store.save_checklist(&checklist, &actor())?;
        say!(
            "检查表 {} 第 {} 版({} 项,满分 {}):{}",
            checklist.id,
            checklist.version,
            checklist.item_count(),
            format_number(checklist.total_points()),
            if new { "已载入" } else { "已存在,未变" }
        );
    }
    Ok(())
}

pub(super) fn run_checklist(store: &mut Store, command: ChecklistCommand) -> Result<(), CliError> {
    match command {
        ChecklistCommand::Load {
            file,
            id,
            title,
            pass_mark,
        } => {
            let (name, bytes) = read_file(&file)?;
            let meta = imports::SheetMeta {
                id: id.as_deref(),
                title: title.as_deref(),
                pass_mark,
            };
            let report = imports::checklist(store, &name, bytes, meta, &actor())?;
            if let Some(source) = &report.sheet {
                say!(
                    "读取工作表「{}」,表头在第 {} 行",
                    source.sheet,
                    source.header_row
                );
            }
            let checklist = &report.checklist;
            say!(
                "检查表 {} 第 {} 版({} 个大项,{} 项,满分 {}):{}",
                checklist.id,
                checklist.version,
                checklist.sections.len(),
                checklist.item_count(),
                format_number(checklist.total_points()),
                if report.new {
                    "已载入"
                } else {
                    "已存在,未变"
                }
            );
            Ok(())
        }
        ChecklistCommand::List => {
            let mut table = new_table(&["检查表", "版本", "标题", "检查项", "暗访次数"]);
            for c in store.checklists()? {
                table.add_row(vec![
                    TableCell::new(c.id),
                    right(c.version.to_string()),
                    TableCell::new(c.title),
                    right(c.items.to_string()),
                    right(c.visits.to_string()),
                ]);
            }
            say!("{table}");
            Ok(())
        }
        ChecklistCommand::Show { id } => {
            let checklist = store.checklist(&id)?;
            print_checklist(&checklist)
        }
        ChecklistCommand::Export { id, out } => {
            let checklist = store.checklist(&id)?;
            let out = out.unwrap_or_else(|| PathBuf::from(format!("exports/{id}-评分细则.xlsx")));
            let bytes = write::checklist_sheet(&checklist, FileKind::of(&out)?)?;
            write::save(&out, &bytes)?;
            say!(
                "已导出检查表 {} 第 {} 版({} 项)到 {}",
                checklist.id,
                checklist.version,
                checklist.item_count(),
                out.display()
            );
            Ok(())
        }
    }
}

fn print_checklist(checklist: &Checklist) -> Result<(), CliError> {
    say!("{}", write::checklist_heading(checklist));
    let mut table = new_table(&["编码", "检查项目", "类型", "分值", "不适用", "规则"]);
    for section in &checklist.sections {
        let points: f64 = section.items.iter().map(|i| i.points).sum();
        table.add_row(vec![
            TableCell::new(&section.code),
            TableCell::new(format!("【{}】", section.title)),
            TableCell::new(""),
            right(format_number(points)),
            TableCell::new(""),
            TableCell::new(""),
        ]);
        for item in &section.items {
            let row = import::checklist_row(section, item);
            // kind, critical, choices, bands (with unit)
            let rule = match &item.kind {
                ItemKind::Check { .. } if !row[7].is_empty() => format!("红线:{}", row[7]),
                ItemKind::Choice { .. } => row[8].clone(),
                ItemKind::Measure { unit, .. } => format!("{}({unit})", row[9]),
                _ => String::new(),
            };
            table.add_row(vec![
                TableCell::new(&item.code),
                TableCell::new(&item.title),
                TableCell::new(&row[4]),
                right(format_number(item.points)),
                TableCell::new(if item.na { "可" } else { "" }),
                TableCell::new(rule),
            ]);
        }
    }
    say!("{table}");
    Ok(())
}
