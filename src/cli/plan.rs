//! `plan`: make, show and export visit plans.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Subcommand;
use comfy_table::Cell as TableCell;

use super::{CliError, OutputFormat, actor, new_table, print_json, right};
use crate::app::plans;
use crate::app::report::percent;
use crate::domain::period::Period;
use crate::formats::write::{self, FileKind};
use crate::storage::{self, Store};

/// What `plan make` is given.
#[derive(Debug, clap::Args)]
pub struct MakeArgs {
    /// 期间:2024、2024-Q3、2024-07 或 2024-07-01..2024-09-30
    #[arg(long)]
    period: String,
    /// 每个营业厅的暗访次数
    #[arg(long)]
    visits_per_hall: u32,
    /// 暗访员(显示名或用户名,可重复);默认所有暗访员账号
    #[arg(long = "inspector")]
    inspectors: Vec<String>,
    /// 同一暗访员两次暗访同一营业厅至少相隔的天数
    #[arg(long, default_value_t = 30)]
    lockout_days: u32,
    /// 每名暗访员每天最多暗访次数
    #[arg(long, default_value_t = 4)]
    max_per_day: u32,
    /// 至少多少比例的暗访在高峰时段(0 到 1)
    #[arg(long, default_value_t = 0.3)]
    peak_share: f64,
    /// 随机种子:同样的输入和种子得到同样的计划
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// 用新计划替换日期与之重叠的已有计划
    #[arg(long)]
    replace: bool,
}

impl MakeArgs {
    fn options(self) -> Result<plans::MakeOptions, CliError> {
        Ok(plans::MakeOptions {
            period: Period::parse(&self.period)?,
            visits_per_hall: self.visits_per_hall,
            inspectors: self.inspectors,
            lockout_days: self.lockout_days,
            max_per_day: self.max_per_day,
            peak_share: self.peak_share,
            seed: self.seed,
            replace: self.replace,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// 为期间安排暗访:每个营业厅 N 次,分给暗访员,定日期和时段
    Make(MakeArgs),
    /// 查看期间的暗访计划
    Show {
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// 把暗访计划写成电子表格(.xlsx 或 .csv),供暗访公司按表执行
    Export {
        #[arg(long)]
        period: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// 为一个营业厅加一次复查,排进期间已有的暗访计划
    Revisit {
        #[arg(long)]
        period: String,
        /// 网点编码
        #[arg(long)]
        branch: String,
        /// 暗访员(显示名或用户名)
        #[arg(long)]
        inspector: String,
        /// 复查日期,如 2026-08-12
        #[arg(long)]
        date: String,
        /// 时段,如 10:00-12:00;默认营业厅的营业时间
        #[arg(long)]
        window: Option<String>,
    },
}

pub(super) fn run_plan(store: &mut Store, command: PlanCommand) -> Result<(), CliError> {
    match command {
        PlanCommand::Make(args) => {
            let options = args.options()?;
            let made = plans::make(store, &options, &actor())?;
            let loads: Vec<String> = made.loads.iter().map(|(n, k)| format!("{n} {k}")).collect();
            say!(
                "已安排 {} 的暗访计划:{} 个营业厅各 {} 次,共 {} 次;{} 名暗访员({});高峰时段 {} 次,占 {}(要求至少 {})",
                options.period,
                made.halls,
                options.visits_per_hall,
                made.assignments,
                made.loads.len(),
                loads.join("、"),
                made.peak,
                percent(Some(made.peak as f64 / made.assignments.max(1) as f64)),
                percent(Some(options.peak_share))
            );
            Ok(())
        }
        PlanCommand::Show { period, format } => {
            let period = Period::parse(&period)?;
            let entries = plans::entries(store, &period)?;
            match format {
                OutputFormat::Json => print_json(&plans::plan_json(period, &entries)),
                OutputFormat::Table => print_plan(period, &entries),
            }
        }
        PlanCommand::Export { period, out } => {
            let period = Period::parse(&period)?;
            let kind = FileKind::of(&out)?;
            let entries = plans::entries(store, &period)?;
            let bytes = plans::plan_sheet(store, &entries, kind)?;
            write::save(&out, &bytes)?;
            say!(
                "已导出 {period} 的暗访计划({} 次)到 {}",
                entries.len(),
                out.display()
            );
            Ok(())
        }
        PlanCommand::Revisit {
            period,
            branch,
            inspector,
            date,
            window,
        } => {
            let revisit =
                plans::Revisit::read(&period, &branch, &inspector, &date, window.as_deref())?;
            let added = plans::revisit(store, &revisit, &actor())?;
            say!(
                "已为营业厅 {} 加一次复查(编号 {}):{} {} {}{}",
                added.branch_code,
                added.id,
                added.inspector,
                added.date,
                added.window,
                if added.peak { ",高峰时段" } else { "" }
            );
            Ok(())
        }
    }
}

fn print_plan(period: Period, entries: &[storage::PlanEntry]) -> Result<(), CliError> {
    say!(
        "暗访计划(期间 {} 至 {},共 {} 次)",
        period.from,
        period.to,
        entries.len()
    );
    let mut table = new_table(&[
        "编号",
        "网点编码",
        "暗访员",
        "日期",
        "时段",
        "高峰",
        "类型",
        "暗访",
    ]);
    for e in entries {
        let p = &e.planned;
        table.add_row(vec![
            right(p.id.to_string()),
            TableCell::new(&p.branch_code),
            TableCell::new(&p.inspector),
            TableCell::new(p.date.to_string()),
            TableCell::new(p.window.to_string()),
            TableCell::new(if p.peak { "是" } else { "" }),
            TableCell::new(e.kind.word()),
            TableCell::new(e.visit_id.as_deref().unwrap_or("")),
        ]);
    }
    say!("{table}");
    Ok(())
}
