//! `publish`: a period's results published from the command line, as the
//! browser's 发布 does.

use std::io::Write as _;

use super::{CliError, actor};
use crate::app::publishing::{self, PublishError};
use crate::app::report::{self, Options};
use crate::domain::appeal::appeal_days;
use crate::domain::period::Period;
use crate::storage::Store;

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// 期间:2024、2024-Q3、2024-07 或 2024-07-01..2024-09-30
    #[arg(long)]
    pub period: String,
    /// 检查表 id(默认:该期间暗访次数最多的检查表)
    #[arg(long)]
    pub checklist: Option<String>,
    /// 申诉期天数(默认 7,最长 90),从第 1 版发布时算起
    #[arg(long)]
    pub appeal_days: Option<u32>,
}

pub(super) fn run_publish(store: &mut Store, args: PublishArgs) -> Result<(), CliError> {
    let period = Period::parse(&args.period)?;
    let days = appeal_days(args.appeal_days).map_err(CliError::Message)?;
    let options = Options {
        period,
        checklist: args.checklist,
        min_visits: 1,
        top: 3,
    };
    let (current, previous) = report::analyse(store, &options)?;
    let rankings = publishing::rankings_to_publish(&current, &previous)
        .map_err(|e| CliError::Message(format!("排名无法保存:{e}")))?;
    let published = publishing::publish(
        store,
        &current.checklist_id,
        period,
        days,
        &rankings,
        &actor(),
    )
    .map_err(|e| match e {
        PublishError::Pending(message) => CliError::Message(message),
        PublishError::Storage(e) => e.into(),
    })?;
    let window = store
        .publications(&current.checklist_id, period)?
        .first()
        .map(|first| first.appeal_window());
    say!(
        "已发布 {} {period} 第 {} 版{};新开整改单 {} 张",
        current.checklist_id,
        published.version,
        window.map_or(String::new(), |w| format!(
            ",申诉截止 {}",
            w.closes_at().format("%Y-%m-%d %H:%M")
        )),
        published.tickets
    );
    Ok(())
}
