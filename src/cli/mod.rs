//! The command line (docs/cli.md): parses arguments, calls the core and the
//! adapters, prints what a person needs. Messages are in Chinese.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use comfy_table::{Cell as TableCell, CellAlignment, ContentArrangement, Table, presets};

use crate::app::{credentials, demo, imports, plans};
use crate::domain;
use crate::domain::access::{Role, Scope};
use crate::formats::import::Problem;
use crate::formats::read::ReadError;
use crate::formats::write::WriteError;
use crate::storage::{self, Disposition, Location, Store};

/// Prints a line of a command's output. A reader that stops reading (as
/// `| head` does) ends the command through [`CliError::Output`] instead of
/// a panic.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*).map_err(CliError::Output)?
    };
}

mod checklist;
mod export;
mod import;
mod plan;
mod publish;
mod rectify;
mod report;
mod review;
mod user;

pub use checklist::ChecklistCommand;
pub use export::ExportCommand;
pub use import::ImportCommand;
pub use plan::{MakeArgs, PlanCommand};
pub use rectify::RectifyCommand;
pub use report::{Adjustment, LevelArg, ReportArgs, ReportCommand};
pub use review::ReviewCommand;
pub use user::{TokenCommand, UserCommand};

#[derive(Debug, Parser)]
#[command(
    name = "hallscore",
    version,
    about = "营业厅服务暗访评分:检查表、导入、得分率、排名与短板分析"
)]
pub struct Cli {
    /// 数据库:SQLite 文件的路径,或 postgres://用户@主机:端口/数据库名
    #[arg(
        long,
        global = true,
        env = "HALLSCORE_DB",
        default_value = "hallscore.db"
    )]
    pub db: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 创建或升级数据库,并载入 checklists/ 下的检查表
    Init {
        /// 检查表目录(不存在时使用内置检查表)
        #[arg(long, default_value = "checklists")]
        checklists: PathBuf,
    },
    /// 检查表:载入、列出、查看、导出
    #[command(subcommand)]
    Checklist(ChecklistCommand),
    /// 导入网点名单或暗访结果(.xlsx/.xls/.ods/.csv)
    #[command(subcommand)]
    Import(ImportCommand),
    /// 报表:排名、短板、暗访计划完成情况
    #[command(subcommand)]
    Report(ReportCommand),
    /// 导出电子表格
    #[command(subcommand)]
    Export(ExportCommand),
    /// 暗访计划:安排、查看、导出
    #[command(subcommand)]
    Plan(PlanCommand),
    /// 发布期间的排名(与网页「发布」相同),开始申诉期;有待审核的暗访时拒绝
    Publish(publish::PublishArgs),
    /// 审核暗访:列出待审核的暗访,通过、退回或剔除
    #[command(subcommand)]
    Review(ReviewCommand),
    /// 整改单:列出、关闭、重新打开,各区县和地市的整改情况
    #[command(subcommand)]
    Rectify(RectifyCommand),
    /// 生成演示数据(驻马店各区县营业厅两个季度的暗访)
    Demo,
    /// 把整个数据库复制到一个新的数据库(SQLite 与 PostgreSQL 之间均可),核对行数和每个期间的排名后才保留
    Copy {
        /// 源数据库:SQLite 文件的路径,或 postgres:// 地址
        #[arg(long)]
        from: String,
        /// 目标数据库:不存在的 SQLite 文件,或空的 PostgreSQL 数据库
        #[arg(long)]
        to: String,
    },
    /// 数据库的一致性备份(服务运行时也安全)
    Backup {
        /// 备份文件
        file: PathBuf,
    },
    /// 启动网页应用(暗访平板端、看板、API)
    Serve {
        /// 监听地址
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// 经 HTTPS 提供服务时(如在反向代理之后)给 Cookie 加 Secure 标记
        #[arg(long)]
        secure_cookies: bool,
        /// 在反向代理之后:登录限流按代理加在 X-Forwarded-For 末尾的客户端地址计数
        #[arg(long)]
        behind_proxy: bool,
        /// 照片文件夹(默认:SQLite 数据库旁的 photos/;PostgreSQL 时为工作目录下的 photos/)。多台服务器须指向同一个共享文件夹
        #[arg(long, env = "HALLSCORE_PHOTOS")]
        photos: Option<PathBuf>,
    },
    /// 用户管理
    #[command(subcommand)]
    User(UserCommand),
    /// API 令牌
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

/// Why a command failed, as one line for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Domain(#[from] domain::Error),
    #[error(transparent)]
    Storage(#[from] storage::Error),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Plan(#[from] plans::Failure),
    #[error(transparent)]
    Rectify(#[from] crate::app::rectify::Refusal),
    #[error(transparent)]
    Copy(#[from] crate::app::copy::CopyError),
    #[error("{0}")]
    Message(String),
    #[error("无法输出结果:{0}")]
    Output(std::io::Error),
    /// Every problem of a file; nothing was stored.
    #[error("{file}:共 {} 处错误,未写入任何数据", problems.len())]
    Problems {
        file: String,
        problems: Vec<Problem>,
    },
}

impl From<imports::Failure> for CliError {
    fn from(failure: imports::Failure) -> CliError {
        match failure {
            imports::Failure::Problems { file, problems } => CliError::Problems { file, problems },
            other => CliError::Message(other.to_string()),
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    // Read here rather than by the argument parser, so that a bad address
    // is told in one line like every other error.
    let db: Location = cli.db.parse()?;
    match cli.command {
        Command::Init { checklists } => {
            let mut store = Store::open(db.clone())?;
            checklist::load_checklists(&mut store, &checklists)?;
            say!("数据库已就绪:{db}");
            Ok(())
        }
        Command::Demo => run_demo(&db),
        Command::Checklist(command) => checklist::run_checklist(&mut open_existing(&db)?, command),
        Command::Import(command) => import::run_import(&mut open_existing(&db)?, command),
        Command::Report(command) => report::run_report(&mut open_existing(&db)?, command),
        Command::Export(command) => export::run_export(&*open_existing(&db)?, command),
        Command::Plan(command) => plan::run_plan(&mut open_existing(&db)?, command),
        Command::Publish(args) => publish::run_publish(&mut open_existing(&db)?, args),
        Command::Review(command) => review::run_review(&mut open_existing(&db)?, command),
        Command::Rectify(command) => rectify::run_rectify(&mut open_existing(&db)?, command),
        Command::Serve {
            addr,
            secure_cookies,
            behind_proxy,
            photos,
        } => serve(
            &db,
            &addr,
            Served {
                secure_cookies,
                behind_proxy,
                photos,
            },
        ),
        Command::User(command) => user::run_user(&db, command),
        Command::Token(command) => user::run_token(&db, command),
        Command::Copy { from, to } => {
            let (from, to): (Location, Location) = (from.parse()?, to.parse()?);
            let copied = crate::app::copy::copy(&from, &to)?;
            let rows: u64 = copied.tables.iter().map(|(_, n)| n).sum();
            say!(
                "已复制 {} 张表共 {rows} 行,从 {from} 到 {to};核对:每张表行数相同,{} 个期间的排名完全一致",
                copied.tables.len(),
                copied.rankings
            );
            Ok(())
        }
        Command::Backup { file } => {
            let store = open_existing(&db)?;
            store.backup(&file)?;
            say!("已备份到 {}", file.display());
            Ok(())
        }
    }
}

fn open_existing(db: &Location) -> Result<Store, CliError> {
    Ok(Store::open_existing(db)?)
}

fn run_demo(db: &Location) -> Result<(), CliError> {
    let mut store = Store::open(db.clone())?;
    checklist::load_checklists(&mut store, Path::new("checklists"))?;
    let checklist = store.checklist("hall-visit")?;
    let roster = demo::roster();
    let outcome = store.save_roster(&roster, true, "演示数据")?;
    let visits = demo::visits(&checklist);
    let dispositions = store.import_visits(
        &visits,
        storage::ImportOptions {
            replace: true,
            ..storage::ImportOptions::by("演示数据")
        },
    )?;
    let mut accounts_added = Vec::new();
    for (name, display_name, role, scope, password) in demo::ACCOUNTS {
        let display_name = display_name.unwrap_or(name);
        if let Some((user, _)) = store.user_with_password(name)? {
            // Accounts made before they had display names keep their own.
            if user.display_name == user.name {
                store.set_display_name(name, display_name, "演示数据")?;
            }
            continue;
        }
        let role: Role = role.parse().map_err(CliError::Message)?;
        let scope: Option<Scope> = scope
            .map(str::parse)
            .transpose()
            .map_err(CliError::Message)?;
        let hash = credentials::hash_password(password).map_err(CliError::Message)?;
        store.add_user(
            name,
            display_name,
            role,
            scope.as_ref(),
            Some(&hash),
            "演示数据",
        )?;
        accounts_added.push(*name);
    }
    if !accounts_added.is_empty() {
        say!("演示账号(密码见 README):{}", accounts_added.join("、"));
    }
    let new = dispositions
        .iter()
        .filter(|d| matches!(d, Disposition::New | Disposition::Replaced))
        .count();
    say!(
        "演示数据:{} 个区县、{} 个营业厅(新增 {});{} 次暗访(新增或更新 {}),期间 {}",
        roster
            .iter()
            .map(|b| &b.district)
            .collect::<HashSet<_>>()
            .len(),
        roster.len(),
        outcome.new,
        visits.len(),
        new,
        demo::QUARTERS.join("、")
    );
    say!(
        "试试:hallscore report rankings --period {}",
        demo::QUARTERS[demo::QUARTERS.len() - 1]
    );
    Ok(())
}

/// How `serve` serves, beside its database and address.
struct Served {
    secure_cookies: bool,
    behind_proxy: bool,
    photos: Option<PathBuf>,
}

fn serve(db: &Location, addr: &str, served: Served) -> Result<(), CliError> {
    let store = Store::open(db.clone())?;
    let has_admin = store.has_admin()?;
    drop(store);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "hallscore=info".into()),
        )
        .init();
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Message(format!("无法启动运行时:{e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| CliError::Message(format!("无法监听 {addr}:{e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| CliError::Message(e.to_string()))?;
        say!("hallscore 已启动:http://{local}/ (数据库 {db})");
        if !has_admin {
            say!(
                "还没有管理员账号:运行 hallscore --db {db} user add 姓名 --role admin 创建(演示数据自带账号,见 README)"
            );
        }
        let state = crate::web::AppState::new(db.clone(), served.secure_cookies);
        let state = crate::web::AppState {
            behind_proxy: served.behind_proxy,
            photos: served.photos.unwrap_or_else(|| state.photos.clone()),
            ..state
        };
        crate::web::serve(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| CliError::Message(format!("服务出错:{e}")))
    })
}

fn read_file(path: &Path) -> Result<(String, Vec<u8>), CliError> {
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io(path.display().to_string(), e))?;
    Ok((path.display().to_string(), bytes))
}

/// Who the audit log names for changes made from the command line.
fn actor() -> String {
    format!("命令行:{}", std::env::var("USER").unwrap_or_default())
}

fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Message(format!("无法生成 JSON:{e}")))?;
    say!("{text}");
    Ok(())
}

fn new_table(headers: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.to_vec());
    table
}

fn right(text: impl Into<String>) -> TableCell {
    TableCell::new(text.into()).set_alignment(CellAlignment::Right)
}
