//! `export`: the rankings workbook and the visit results sheet.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Subcommand;

use super::CliError;
use super::report::{Adjustment, ReportArgs, analyse};
use crate::app::rectify;
use crate::domain::period::Period;
use crate::formats::workbook::{Provenance, rankings_workbook};
use crate::formats::write::{self, FileKind};
use crate::storage::Reader;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// 导出本期排名工作簿(说明、网点排名、区县排名、前三后三、短板分析、等候时长、整改跟踪、暗访员校准)
    Rankings {
        #[command(flatten)]
        args: ReportArgs,
        /// 输出文件,默认 exports/<检查表>-<期间>.xlsx
        #[arg(long)]
        out: Option<PathBuf>,
        /// 按校准后的得分率排名:inspectors 扣除暗访员宽严的影响
        #[arg(long, value_enum)]
        adjust: Option<Adjustment>,
    },
    /// 导出某期间的暗访结果表(可原样再导入)
    Visits {
        /// 期间:2024、2024-Q3、2024-07 或 2024-07-01..2024-09-30
        #[arg(long)]
        period: String,
        /// 检查表 id(默认:该期间暗访次数最多的检查表)
        #[arg(long)]
        checklist: Option<String>,
        /// 输出文件(.xlsx 或 .csv),默认 exports/<检查表>-<期间>-暗访结果.xlsx
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub(super) fn run_export(store: &Reader, command: ExportCommand) -> Result<(), CliError> {
    match command {
        ExportCommand::Rankings { args, out, adjust } => {
            let options = args.options()?;
            let (current, previous) = analyse(store, &options, adjust)?;
            let out = out.unwrap_or_else(|| {
                PathBuf::from(format!(
                    "exports/{}-{}.xlsx",
                    current.checklist_id, options.period
                ))
            });
            if FileKind::of(&out)? != FileKind::Xlsx {
                return Err(CliError::Message("排名工作簿只能导出为 .xlsx".into()));
            }
            let everything = crate::domain::access::Visibility::Everything;
            let tickets = rectify::visible(
                store,
                &everything,
                (&current.checklist_id, options.period),
                crate::storage::Evidence::Read,
            )?;
            let provenance = Provenance::now(
                std::env::var("USER").unwrap_or_else(|_| "命令行".into()),
                everything,
                true,
                options.top,
                &store.publications(&current.checklist_id, options.period)?,
            )
            .with_tickets(tickets);
            let bytes = rankings_workbook(&current, &previous, &provenance)?;
            write::save(&out, &bytes)?;
            say!(
                "已导出排名工作簿({},{},{} 个营业厅,{} 次暗访)到 {}",
                current.checklist_id,
                options.period,
                current.branches.len(),
                current.region.visits,
                out.display()
            );
            Ok(())
        }
        ExportCommand::Visits {
            period,
            checklist,
            out,
        } => {
            let period = Period::parse(&period)?;
            let id = match checklist {
                Some(id) => id,
                None => store.busiest_checklist(period.from, period.to)?,
            };
            let out = out
                .unwrap_or_else(|| PathBuf::from(format!("exports/{id}-{period}-暗访结果.xlsx")));
            let (bytes, count) = write::visits_sheet(
                store,
                &id,
                period,
                FileKind::of(&out)?,
                &crate::domain::access::Visibility::Everything,
            )?;
            write::save(&out, &bytes)?;
            say!("已导出 {count} 次暗访({id},{period})到 {}", out.display());
            Ok(())
        }
    }
}
