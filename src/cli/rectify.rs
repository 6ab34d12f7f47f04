//! `rectify`: the rectification tickets of a published period, listed as
//! headquarters or a manager sees them, closed and reopened by
//! headquarters, and counted per district and city.

use std::collections::HashMap;
use std::io::Write as _;

use clap::Subcommand;
use comfy_table::Cell as TableCell;

use super::{CliError, OutputFormat, actor, new_table, print_json, right};
use crate::app::rectify::{self, Act, Refusal, Tallies, TicketJson};
use crate::app::report::checklist_for;
use crate::domain::access::{Role, Scope, User};
use crate::domain::period::Period;
use crate::domain::rectify::{Action, Tally};
use crate::storage::{Evidence, Reader, Store, Ticket};

#[derive(Debug, Subcommand)]
pub enum RectifyCommand {
    /// 列出已发布期间的整改单(逾期的在前)
    List {
        /// 期间:2024、2024-Q3、2024-07 或 2024-07-01..2024-09-30
        #[arg(long)]
        period: String,
        /// 检查表 id(默认:该期间暗访次数最多的检查表)
        #[arg(long)]
        checklist: Option<String>,
        /// 只看一个经理的范围:city:地市名称 或 district:区县名称(默认全部)
        #[arg(long)]
        scope: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// 关闭整改单(总部),须写明理由
    Close {
        /// 整改单编号
        id: i64,
        /// 关闭的理由
        #[arg(long)]
        comment: String,
    },
    /// 重新打开已关闭的整改单(总部),须写明理由
    Reopen {
        /// 整改单编号
        id: i64,
        /// 重新打开的理由
        #[arg(long)]
        comment: String,
    },
    /// 各区县、地市的整改情况:整改单、按期回复、复查通过、顽固短板、逾期
    Report {
        /// 期间:2024、2024-Q3、2024-07 或 2024-07-01..2024-09-30
        #[arg(long)]
        period: String,
        /// 检查表 id(默认:该期间暗访次数最多的检查表)
        #[arg(long)]
        checklist: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
}

/// The person the command line speaks as: headquarters, or the manager of
/// `scope`.
fn speaker(scope: Option<Scope>) -> User {
    let name = actor();
    User {
        id: 0,
        display_name: name.clone(),
        name,
        role: if scope.is_some() {
            Role::Manager
        } else {
            Role::Admin
        },
        scope,
        can_review: false,
    }
}

pub(super) fn run_rectify(store: &mut Store, command: RectifyCommand) -> Result<(), CliError> {
    let today = chrono::Local::now().date_naive();
    match command {
        RectifyCommand::List {
            period,
            checklist,
            scope,
            format,
        } => {
            let period = Period::parse(&period)?;
            let scope = scope
                .map(|s| s.parse::<Scope>())
                .transpose()
                .map_err(CliError::Message)?;
            let user = speaker(scope);
            if let Some(scope) = &user.scope {
                let visibility = user.visibility();
                let known = store
                    .branches()?
                    .iter()
                    .any(|b| visibility.sees_branch(&b.district, b.city.as_deref()));
                if !known {
                    return Err(CliError::Message(format!(
                        "找不到范围「{scope}」:网点名单中没有这个地市或区县"
                    )));
                }
            }
            let checklist = checklist_for(store, checklist.as_deref(), period)?;
            let tickets = rectify::list(store, &user, (&checklist, period), Evidence::Read, today)?;
            match format {
                OutputFormat::Json => print_json(
                    &tickets
                        .into_iter()
                        .map(|t| TicketJson::new(t, today))
                        .collect::<Vec<_>>(),
                ),
                OutputFormat::Table => print_tickets(store, &checklist, period, &tickets, today),
            }
        }
        RectifyCommand::Close { id, comment } => act(store, id, Action::Close, &comment, today),
        RectifyCommand::Reopen { id, comment } => act(store, id, Action::Reopen, &comment, today),
        RectifyCommand::Report {
            period,
            checklist,
            format,
        } => {
            let period = Period::parse(&period)?;
            let checklist = checklist_for(store, checklist.as_deref(), period)?;
            let tickets = rectify::list(
                store,
                &speaker(None),
                (&checklist, period),
                Evidence::Left,
                today,
            )?;
            let tallies = rectify::tally(&tickets, today);
            match format {
                OutputFormat::Json => print_json(&serde_json::json!({
                    "checklist": checklist,
                    "period": period.to_string(),
                    "districts": tallies.districts,
                    "cities": tallies.cities,
                    "total": tallies.total,
                })),
                OutputFormat::Table => print_report(&checklist, period, &tallies),
            }
        }
    }
}

fn act(
    store: &mut Store,
    id: i64,
    action: Action,
    comment: &str,
    today: chrono::NaiveDate,
) -> Result<(), CliError> {
    let ticket = rectify::act(
        store,
        &speaker(None),
        Act {
            id,
            action,
            text: comment,
        },
    )
    .map_err(|refusal| match refusal {
        Refusal::Missing(what) => CliError::Message(format!("整改单 #{id}:{what}(--comment)")),
        other => other.into(),
    })?;
    say!(
        "整改单 #{} 已{}:{} {} 检查项 {},现为「{}」{}",
        ticket.id,
        match action {
            Action::Close => "关闭",
            Action::Reopen => "重新打开",
            Action::Respond => "回复",
        },
        ticket.branch_code,
        ticket.branch_name,
        ticket.item_code,
        ticket.status.label(),
        if ticket.is_overdue(today) {
            "(已逾期)"
        } else {
            ""
        }
    );
    Ok(())
}

fn print_tickets(
    store: &Reader,
    checklist: &str,
    period: Period,
    tickets: &[Ticket],
    today: chrono::NaiveDate,
) -> Result<(), CliError> {
    let titles: HashMap<String, String> = store
        .checklist(checklist)?
        .items()
        .map(|(_, item)| (item.code.clone(), item.title.clone()))
        .collect();
    let overdue = tickets.iter().filter(|t| t.is_overdue(today)).count();
    say!(
        "{checklist} {period} 的整改单:共 {} 张,未办结 {},逾期 {overdue}",
        tickets.len(),
        tickets.iter().filter(|t| t.status.is_open()).count(),
    );
    let mut table = new_table(&[
        "编号",
        "网点编码",
        "网点名称",
        "区县",
        "检查项",
        "状态",
        "整改期限",
        "逾期",
        "暗访",
    ]);
    for t in tickets {
        let title = titles.get(&t.item_code).map_or("", String::as_str);
        let mut status = t.status.label().to_string();
        if t.under_appeal {
            status.push_str("(申诉中)");
        }
        table.add_row(vec![
            right(t.id.to_string()),
            TableCell::new(&t.branch_code),
            TableCell::new(&t.branch_name),
            TableCell::new(&t.district),
            TableCell::new(format!("{} {title}", t.item_code)),
            TableCell::new(status),
            TableCell::new(t.due.to_string()),
            TableCell::new(if t.is_overdue(today) { "逾期" } else { "" }),
            TableCell::new(t.visits.join("、")),
        ]);
    }
    say!("{table}");
    say!("逾期:已过整改期限仍未回复(等待申诉结果的除外)。");
    Ok(())
}

fn print_report(checklist: &str, period: Period, tallies: &Tallies) -> Result<(), CliError> {
    say!("{checklist} {period} 各区县、地市的整改情况");
    let mut table = new_table(&[
        "层级",
        "名称",
        "整改单",
        "按期回复",
        "复查通过",
        "顽固短板",
        "逾期",
        "未办结",
    ]);
    let row = |level: &str, name: &str, t: &Tally| {
        vec![
            TableCell::new(level),
            TableCell::new(name),
            right(t.tickets.to_string()),
            right(t.answered_on_time.to_string()),
            right(t.verified.to_string()),
            right(t.repeated.to_string()),
            right(t.overdue.to_string()),
            right(t.open.to_string()),
        ]
    };
    for (name, tally) in &tallies.districts {
        table.add_row(row("区县", name, tally));
    }
    for (name, tally) in &tallies.cities {
        table.add_row(row("地市", name, tally));
    }
    table.add_row(row("合计", "", &tallies.total));
    say!("{table}");
    say!(
        "按期回复:在整改期限内回复;复查通过:期间结束后的首次暗访该项不失分;顽固短板:首次复查该项仍失分;逾期:已过期限仍未回复。"
    );
    Ok(())
}
