//! `import`: the roster and visit results from spreadsheets.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use clap::Subcommand;

use super::{CliError, actor, read_file};
use crate::app::imports;
use crate::storage::Store;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// 导入网点名单(区县 / 网点)
    Roster {
        file: PathBuf,
        /// 只检查,不写入
        #[arg(long)]
        dry_run: bool,
    },
    /// 导入暗访结果(每行一次暗访)
    Visits {
        file: PathBuf,
        /// 只检查,不写入
        #[arg(long)]
        dry_run: bool,
        /// 已存在但内容不同的暗访:用文件中的内容替换(旧答案保留在历史中)
        #[arg(long)]
        replace: bool,
    },
}

pub(super) fn run_import(store: &mut Store, command: ImportCommand) -> Result<(), CliError> {
    let started = Instant::now();
    match command {
        ImportCommand::Roster { file, dry_run } => {
            let (name, bytes) = read_file(&file)?;
            let report = imports::roster(store, &name, bytes, dry_run, &actor())?;
            say!(
                "网点名单:读取工作表「{}」(表头在第 {} 行),共 {} 个网点:新增 {},更新 {},未变 {}{}",
                report.sheet,
                report.header_row,
                report.branches,
                report.outcome.new,
                report.outcome.updated,
                report.outcome.unchanged,
                dry_run_note(dry_run)
            );
            if !report.ignored_columns.is_empty() {
                say!("未使用的列:{}", report.ignored_columns.join("、"));
            }
            Ok(())
        }
        ImportCommand::Visits {
            file,
            dry_run,
            replace,
        } => {
            let (name, bytes) = read_file(&file)?;
            let progress = indicatif::ProgressBar::new(0).with_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 行 ({eta})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            progress.set_message("检查中");
            let actor = actor();
            let options = imports::VisitOptions {
                dry_run,
                replace,
                actor: &actor,
            };
            let report = imports::visits(store, &name, bytes, options, &mut |done, total| {
                if done.is_multiple_of(1024) {
                    progress.set_length(total as u64);
                    progress.set_position(done as u64);
                }
            });
            progress.finish_and_clear();
            let report = report?;
            say!(
                "暗访结果:读取工作表「{}」(表头在第 {} 行),{} 次暗访:新增 {},未变 {},替换 {}{},用时 {:.1} 秒{}",
                report.sheet,
                report.header_row,
                report.visits,
                report.new,
                report.unchanged,
                report.replaced,
                crate::web::i18n::Lang::Zh
                    .text()
                    .blanks_as_na(report.blanks_as_na),
                started.elapsed().as_secs_f64(),
                dry_run_note(dry_run)
            );
            Ok(())
        }
    }
}

fn dry_run_note(dry_run: bool) -> &'static str {
    if dry_run {
        "(试运行,未写入数据库)"
    } else {
        ""
    }
}
