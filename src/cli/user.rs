//! `user` and `token`: accounts and API tokens.

use std::io::Write as _;

use clap::Subcommand;

use super::{CliError, actor, open_existing};
use crate::app::credentials;
use crate::domain::access::{Role, Scope};
use crate::storage::Location;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// 添加用户;不加 --password-stdin 时生成随机密码并显示一次
    Add {
        name: String,
        #[arg(long)]
        role: String,
        /// 经理的范围:city:地市名称 或 district:区县名称
        #[arg(long)]
        scope: Option<String>,
        /// 暗访记录上的暗访员姓名(如 王敏);默认同用户名。按此姓名导入或录入的暗访都算作此账号的
        #[arg(long)]
        display_name: Option<String>,
        /// 从标准输入读取密码(一行)
        #[arg(long)]
        password_stdin: bool,
        /// 允许经理审核其范围内的暗访(管理员总可审核)
        #[arg(long)]
        can_review: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// 为用户生成 API 令牌(只显示这一次,数据库中只保存其散列)
    Create { name: String },
}

/// `user add`.
pub(super) fn run_user(db: &Location, command: UserCommand) -> Result<(), CliError> {
    let UserCommand::Add {
        name,
        role,
        scope,
        display_name,
        password_stdin,
        can_review,
    } = command;
    let mut store = open_existing(db)?;
    let display_name = match display_name.as_deref().map(str::trim) {
        None => name.clone(),
        Some("") => {
            return Err(CliError::Message(
                "--display-name 不能为空:不给时默认与用户名相同".into(),
            ));
        }
        Some(given) => given.to_string(),
    };
    let role: Role = role.parse().map_err(CliError::Message)?;
    let scope: Option<Scope> = scope
        .map(|s| s.parse())
        .transpose()
        .map_err(CliError::Message)?;
    match (role, &scope) {
        (Role::Manager, None) => {
            return Err(CliError::Message(
                "经理需要 --scope city:地市名称 或 --scope district:区县名称".into(),
            ));
        }
        (Role::Admin | Role::Inspector, Some(_)) => {
            return Err(CliError::Message(
                "只有经理(manager)可以指定 --scope".into(),
            ));
        }
        _ => {}
    }
    if can_review && role != Role::Manager {
        return Err(CliError::Message(
            "--can-review 只用于经理(manager):管理员总可审核,暗访员不能审核".into(),
        ));
    }
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| CliError::Message(format!("无法读取密码:{e}")))?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (credentials::new_secret()[..16].to_string(), true)
    };
    let hash = credentials::hash_password(&password).map_err(CliError::Message)?;
    let user = store.add_user(
        &name,
        &display_name,
        role,
        scope.as_ref(),
        Some(&hash),
        &actor(),
    )?;
    if can_review {
        store.set_can_review(&user.name, true, &actor())?;
    }
    say!(
        "已添加用户 {}(角色 {}{}{}{})",
        user.name,
        role.as_str(),
        scope.map(|s| format!(",范围 {s}")).unwrap_or_default(),
        if can_review { ",可审核暗访" } else { "" },
        if user.display_name == user.name {
            String::new()
        } else {
            format!(",暗访员姓名 {}", user.display_name)
        }
    );
    if generated {
        say!("初始密码(只显示这一次):{password}");
    }
    Ok(())
}

/// `token create`.
pub(super) fn run_token(db: &Location, command: TokenCommand) -> Result<(), CliError> {
    let TokenCommand::Create { name } = command;
    let mut store = open_existing(db)?;
    let user = store.user(&name)?;
    let token = credentials::new_secret();
    store.add_api_token(&credentials::secret_hash(&token), user.id)?;
    say!("{token}");
    eprintln!("这是用户 {name} 的 API 令牌,只显示这一次;请求时使用 Authorization: Bearer <令牌>");
    Ok(())
}
