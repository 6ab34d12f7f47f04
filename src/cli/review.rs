//! `review`: the visits held for review, and the reviewer's decisions. The
//! command line speaks for whoever runs the server: an admin.

use std::io::Write as _;

use clap::Subcommand;

use super::{CliError, OutputFormat, actor, new_table, print_json};
use crate::app::review::{self, QueueJson};
use crate::domain::access::{Role, User};
use crate::domain::period::Period;
use crate::domain::review::{Decision, Status, status_word};
use crate::storage::Store;

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// 列出期间内待审核(或其他状态)的暗访及其自动标记
    List {
        #[arg(long)]
        period: String,
        /// pending(默认)、accepted、returned 或 excluded
        #[arg(long, default_value = "pending")]
        status: String,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// 审核通过:暗访从此计入各项数字
    Accept {
        #[arg(required_unless_present = "unflagged")]
        ids: Vec<String>,
        #[arg(long)]
        comment: Option<String>,
        /// 通过期间内所有没有自动标记的待审核暗访(与 --period 一起用)
        #[arg(long, requires = "period", conflicts_with = "ids")]
        unflagged: bool,
        #[arg(long)]
        period: Option<String>,
    },
    /// 退回暗访员修改(须用 --comment 写明要改什么)
    Return {
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long)]
        comment: Option<String>,
    },
    /// 剔除:永不计入(须用 --comment 写明原因)
    Exclude {
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long)]
        comment: Option<String>,
    },
}

/// Whoever runs the command line runs the server: an admin.
fn reviewer() -> User {
    let name = actor();
    User {
        id: 0,
        display_name: name.clone(),
        name,
        role: Role::Admin,
        scope: None,
        can_review: false,
    }
}

pub(super) fn run_review(store: &mut Store, command: ReviewCommand) -> Result<(), CliError> {
    let (ids, decision, comment) = match command {
        ReviewCommand::List {
            period,
            status,
            format,
        } => {
            let period = Period::parse(&period)?;
            let status = Status::parse(&status).ok_or_else(|| {
                CliError::Message(format!(
                    "无效的审核状态「{status}」:应为 pending、accepted、returned 或 excluded"
                ))
            })?;
            let queue = review::queue(store, &reviewer(), period, status).map_err(refused)?;
            return match format {
                OutputFormat::Json => print_json(&queue),
                OutputFormat::Table => print_queue(&queue, status),
            };
        }
        ReviewCommand::Accept {
            ids,
            comment,
            unflagged,
            period,
        } => {
            let ids = match period.filter(|_| unflagged) {
                Some(period) => {
                    let period = Period::parse(&period)?;
                    let ids = review::unflagged(store, &reviewer(), period).map_err(refused)?;
                    if ids.is_empty() {
                        say!("期间 {period} 没有未被标记的待审核暗访");
                        return Ok(());
                    }
                    ids
                }
                None => ids,
            };
            (ids, Decision::Accept, comment)
        }
        ReviewCommand::Return { ids, comment } => (ids, Decision::Return, comment),
        ReviewCommand::Exclude { ids, comment } => (ids, Decision::Exclude, comment),
    };
    let decided =
        review::decide(store, &reviewer(), &ids, decision, comment.as_deref()).map_err(refused)?;
    for (id, status) in decided {
        say!("暗访 {id}:{}", status_word(status));
    }
    Ok(())
}

fn refused(refusal: review::Refusal) -> CliError {
    match refusal {
        review::Refusal::Storage(e) => CliError::Storage(e),
        other => CliError::Message(other.to_string()),
    }
}

fn print_queue(queue: &QueueJson, status: Status) -> Result<(), CliError> {
    say!(
        "{}的暗访(期间 {} 至 {},共 {} 次)",
        status_word(status),
        queue.period.from,
        queue.period.to,
        queue.visits.len()
    );
    let mut table = new_table(&[
        "暗访编号",
        "网点编码",
        "网点名称",
        "暗访时间",
        "暗访员",
        "自动标记",
    ]);
    for v in &queue.visits {
        table.add_row(vec![
            v.id.clone(),
            v.branch_code.clone(),
            v.branch_name.clone(),
            v.visited_at.replace('T', " "),
            v.inspector.clone().unwrap_or_default(),
            v.flags
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join(";\n"),
        ]);
    }
    say!("{table}");
    Ok(())
}
