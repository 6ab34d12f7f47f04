//! `report`: rankings, short boards and plan coverage, as tables or JSON.

use std::io::Write as _;
use std::sync::Arc;

use clap::{Subcommand, ValueEnum};
use comfy_table::Cell as TableCell;

use super::{CliError, OutputFormat, new_table, print_json, right};
use crate::app::plans;
use crate::app::report::{self, Analysis, Level, Options, change, percent, round4};
use crate::domain::answer::format_number;
use crate::domain::lang::Lang;
use crate::domain::period::Period;
use crate::storage::{Reader, Store};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// 期间:2024、2024-Q3、2024-07 或 2024-07-01..2024-09-30
    #[arg(long)]
    pub period: String,
    /// 检查表 id(默认:该期间暗访次数最多的检查表)
    #[arg(long)]
    pub checklist: Option<String>,
    /// 暗访次数少于此数的网点列出但不排名
    #[arg(long, default_value_t = 1)]
    pub min_visits: u32,
    /// 前几名 / 后几名
    #[arg(long, default_value_t = 3)]
    pub top: u32,
}

impl ReportArgs {
    pub(super) fn options(&self) -> Result<Options, CliError> {
        Ok(Options {
            period: Period::parse(&self.period)?,
            checklist: self.checklist.clone(),
            min_visits: self.min_visits,
            top: self.top.max(1),
        })
    }
}

/// What rankings may be adjusted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Adjustment {
    /// 扣除暗访员宽严的影响(暗访员效应)后的得分率
    Inspectors,
}

/// The analyses of the options, adjusted as asked.
pub(super) fn analyse(
    store: &Reader,
    options: &Options,
    adjust: Option<Adjustment>,
) -> Result<(Arc<Analysis>, Arc<Analysis>), CliError> {
    let (current, previous) = report::analyse(store, options)?;
    Ok(match adjust {
        None => (Arc::new(current), Arc::new(previous)),
        Some(Adjustment::Inspectors) => (
            current.adjusted_for_inspectors(),
            previous.adjusted_for_inspectors(),
        ),
    })
}

/// `--level`: the command line's names for [`Level`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Branch,
    District,
    City,
}

impl From<LevelArg> for Level {
    fn from(level: LevelArg) -> Level {
        match level {
            LevelArg::Branch => Level::Branch,
            LevelArg::District => Level::District,
            LevelArg::City => Level::City,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// 网点、区县或地市的得分率排名
    Rankings {
        #[command(flatten)]
        args: ReportArgs,
        #[arg(long, value_enum, default_value = "branch")]
        level: LevelArg,
        /// 按校准后的得分率排名:inspectors 扣除暗访员宽严的影响
        #[arg(long, value_enum)]
        adjust: Option<Adjustment>,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// 短板分析:各检查项与大项的得分率、失分与失分占比
    Shortboards {
        #[command(flatten)]
        args: ReportArgs,
        /// 范围:all、city:名称、district:名称 或 branch:网点编码
        #[arg(long, default_value = "all")]
        scope: String,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// 暗访计划完成情况:各营业厅计划、已完成、未完成的次数
    Coverage {
        /// 期间:2024、2024-Q3、2024-07 或 2024-07-01..2024-09-30
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
}

pub(super) fn run_report(store: &mut Store, command: ReportCommand) -> Result<(), CliError> {
    match command {
        ReportCommand::Rankings {
            args,
            level,
            adjust,
            format,
        } => {
            let options = args.options()?;
            let (current, previous) = analyse(store, &options, adjust)?;
            let report = current.rankings(&previous, level.into(), options.top);
            match format {
                OutputFormat::Json => print_json(&report),
                OutputFormat::Table => print_rankings(&current, &report, options.top),
            }
        }
        ReportCommand::Shortboards {
            args,
            scope,
            format,
        } => {
            let options = args.options()?;
            let analysis = Analysis::for_options(store, &options)?;
            let report = analysis.shortboards(&scope).map_err(CliError::Message)?;
            match format {
                OutputFormat::Json => print_json(&report),
                OutputFormat::Table => print_shortboards(&report),
            }
        }
        ReportCommand::Coverage { period, format } => {
            let today = chrono::Local::now().date_naive();
            let report = plans::coverage(store, Period::parse(&period)?, today)?;
            match format {
                OutputFormat::Json => print_json(&report),
                OutputFormat::Table => print_coverage(&report),
            }
        }
    }
}

fn print_coverage(report: &plans::CoverageJson) -> Result<(), CliError> {
    say!(
        "暗访计划完成情况(期间 {} 至 {}):计划 {} 次,已完成 {},未完成 {}(其中逾期 {})",
        report.period.from,
        report.period.to,
        report.planned,
        report.done,
        report.missing,
        report.overdue
    );
    let mut table = new_table(&[
        "网点编码",
        "网点名称",
        "区县",
        "计划",
        "已完成",
        "未完成",
        "逾期",
    ]);
    for row in &report.rows {
        table.add_row(vec![
            TableCell::new(&row.code),
            TableCell::new(&row.name),
            TableCell::new(&row.district),
            right(row.planned.to_string()),
            right(row.done.to_string()),
            right(row.missing.to_string()),
            right(row.overdue.to_string()),
        ]);
    }
    say!("{table}");
    say!(
        "已完成:该网点在计划日期由计划的暗访员完成的暗访(每次暗访只算一次);逾期:计划日期已过仍未完成。"
    );
    Ok(())
}

fn print_rankings(
    analysis: &Analysis,
    report: &report::RankingsReport,
    top: u32,
) -> Result<(), CliError> {
    say!(
        "{} {}排名({} 第 {} 版,期间 {} 至 {},上期 {} 至 {})",
        match report.level {
            Level::Branch => "营业厅",
            Level::District => "区县",
            Level::City => "地市",
        },
        if report.adjust.is_some() {
            "校准后得分率(已扣除暗访员宽严的影响)"
        } else {
            "得分率"
        },
        report.checklist.id,
        report.checklist.version,
        report.period.from,
        report.period.to,
        report.previous_period.from,
        report.previous_period.to,
    );
    let mut headers: Vec<String> = match report.level {
        Level::Branch => ["排名", "区县", "网点编码", "网点名称", "暗访次数", "得分率"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        Level::District | Level::City => ["排名", "名称", "网点数", "暗访次数", "得分率"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    headers.extend(["95% 区间".to_string(), "可能名次".to_string()]);
    headers.extend(analysis.catalogue.sections.iter().map(|s| s.title.clone()));
    headers.extend(["上期排名".to_string(), "名次变化".to_string()]);
    let hall_level = report.level == Level::Branch;
    if hall_level {
        headers.push("信号".to_string());
    }
    let mut table = new_table(&headers.iter().map(String::as_str).collect::<Vec<_>>());
    for row in &report.rows {
        let mut cells = vec![right(row.rank.map_or("—".into(), |r| r.to_string()))];
        match report.level {
            Level::Branch => {
                cells.push(TableCell::new(row.district.clone().unwrap_or_default()));
                cells.push(TableCell::new(&row.code));
                cells.push(TableCell::new(&row.name));
            }
            Level::District | Level::City => {
                cells.push(TableCell::new(&row.name));
                cells.push(right(row.branches.unwrap_or(0).to_string()));
            }
        }
        cells.push(right(row.visits.to_string()));
        cells.push(right(percent(row.rate)));
        cells.push(right(
            row.interval.map_or("—".into(), report::interval_text),
        ));
        cells.push(right(row.rank_range.map_or("—".into(), report::rank_span)));
        for rate in row.sections.values() {
            cells.push(right(percent(rate)));
        }
        cells.push(right(
            row.previous_rank.map_or("—".into(), |r| r.to_string()),
        ));
        cells.push(right(change(row.rank_change)));
        if hall_level {
            let signal = row.hall.as_ref().and_then(|h| h.signal);
            cells.push(TableCell::new(signal.map_or("", report::signal_text)));
        }
        table.add_row(cells);
    }
    say!("{table}");
    say!("{}", spread_note(&report.spread));
    let districts = report.level == Level::District;
    for callout in &report.top_bottom {
        if let Some(sentence) = report::call_out_sentence(callout, top, districts, Lang::Zh) {
            say!("{sentence}");
        }
    }
    for sentence in report::summary_sentences(report, top, Lang::Zh) {
        say!("{sentence}");
    }
    if let Some(note) = crate::app::review::pending_note(report.pending) {
        say!("{note}(hallscore review list --period 期间 查看)");
    }
    Ok(())
}

/// What the intervals rest on, in a sentence.
fn spread_note(spread: &report::SpreadJson) -> String {
    match spread.sigma {
        Some(sigma) => format!(
            "95% 区间与可能名次按本期同一营业厅各次暗访得分率的离散程度计算(标准差 {} 个百分点,自由度 {});\
             信号:得分率超出漏斗图 99.8% 控制限的营业厅。",
            format_number(round4(sigma * 100.0)),
            spread.df
        ),
        None => "本期重复暗访太少(自由度不足 2),无法给出 95% 区间、可能名次和信号。".into(),
    }
}

fn print_shortboards(report: &report::ShortboardsReport) -> Result<(), CliError> {
    say!(
        "短板分析({},{} 第 {} 版,期间 {} 至 {};{} 次暗访,整体得分率 {},达标线 {}%)",
        report.scope,
        report.checklist.id,
        report.checklist.version,
        report.period.from,
        report.period.to,
        report.visits,
        percent(report.rate),
        format_number(report.pass_mark * 100.0)
    );
    for (title, boards) in [("大项", &report.sections), ("检查项", &report.items)] {
        let mut table = new_table(&["编码", title, "得分率", "失分", "失分占比", "短板"]);
        for b in boards {
            table.add_row(vec![
                TableCell::new(&b.code),
                TableCell::new(&b.title),
                right(percent(b.rate)),
                right(format_number(b.lost)),
                right(percent(Some(b.lost_share))),
                TableCell::new(if b.short { "短板" } else { "" }),
            ]);
        }
        say!("{table}");
    }
    Ok(())
}
