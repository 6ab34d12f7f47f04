//! The command line (docs/cli.md): parses arguments, calls the core and the
//! adapters, prints what a person needs. Messages are in Chinese.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use comfy_table::{Cell as TableCell, CellAlignment, ContentArrangement, Table, presets};

use crate::app::report::{self, Analysis, Level, Options, change, percent, round4};
use crate::app::{credentials, demo, imports, plans};
use crate::domain;
use crate::domain::access::{Role, Scope};
use crate::domain::answer::format_number;
use crate::domain::checklist::{Checklist, ItemKind};
use crate::domain::lang::Lang;
use crate::domain::period::Period;
use crate::formats;
use crate::formats::import::{self, Problem};
use crate::formats::read::ReadError;
use crate::formats::workbook::{Provenance, rankings_workbook};
use crate::formats::write::{self, FileKind, WriteError};
use crate::storage::{self, Disposition, Reader, Store};

#[derive(Debug, Parser)]
#[command(
    name = "hallscore",
    version,
    about = "营业厅服务暗访评分:检查表、导入、得分率、排名与短板分析"
)]
pub struct Cli {
    /// 数据库文件
    #[arg(
        long,
        global = true,
        env = "HALLSCORE_DB",
        default_value = "hallscore.db"
    )]
    pub db: PathBuf,
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
    /// 生成演示数据(驻马店各区县营业厅两个季度的暗访)
    Demo,
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
    },
    /// 用户管理
    #[command(subcommand)]
    User(UserCommand),
    /// API 令牌
    #[command(subcommand)]
    Token(TokenCommand),
}

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
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// 为用户生成 API 令牌(只显示这一次,数据库中只保存其散列)
    Create { name: String },
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

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
    fn options(&self) -> Result<Options, CliError> {
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
fn analyse(
    store: &Reader,
    options: &Options,
    adjust: Option<Adjustment>,
) -> Result<(Analysis, Analysis), CliError> {
    let (current, previous) = report::analyse(store, options)?;
    Ok(match adjust {
        None => (current, previous),
        Some(Adjustment::Inspectors) => (
            current.adjusted_for_inspectors(),
            previous.adjusted_for_inspectors(),
        ),
    })
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// 网点、区县或地市的得分率排名
    Rankings {
        #[command(flatten)]
        args: ReportArgs,
        #[arg(long, value_enum, default_value = "branch")]
        level: Level,
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

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// 为期间安排暗访:每个营业厅 N 次,分给暗访员,定日期和时段
    Make {
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
    },
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
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// 导出本期排名工作簿(说明、网点排名、区县排名、前三后三、短板分析、等候时长、暗访员校准)
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

/// Prints a line of a command's output. A reader that stops reading (as
/// `| head` does) ends the command through [`CliError::Output`] instead of
/// a panic.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*).map_err(CliError::Output)?
    };
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
    match cli.command {
        Command::Init { checklists } => {
            let mut store = Store::open(&cli.db)?;
            load_checklists(&mut store, &checklists)?;
            say!("数据库已就绪:{}", cli.db.display());
            Ok(())
        }
        Command::Demo => run_demo(&cli.db),
        Command::Checklist(command) => run_checklist(&mut open_existing(&cli.db)?, command),
        Command::Import(command) => run_import(&mut open_existing(&cli.db)?, command),
        Command::Report(command) => run_report(&mut open_existing(&cli.db)?, command),
        Command::Export(command) => run_export(&*open_existing(&cli.db)?, command),
        Command::Plan(command) => run_plan(&mut open_existing(&cli.db)?, command),
        Command::Serve {
            addr,
            secure_cookies,
        } => serve(&cli.db, &addr, secure_cookies),
        Command::User(UserCommand::Add {
            name,
            role,
            scope,
            display_name,
            password_stdin,
        }) => {
            let mut store = open_existing(&cli.db)?;
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
            say!(
                "已添加用户 {}(角色 {}{}{})",
                user.name,
                role.as_str(),
                scope.map(|s| format!(",范围 {s}")).unwrap_or_default(),
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
        Command::Token(TokenCommand::Create { name }) => {
            let mut store = open_existing(&cli.db)?;
            let user = store.user(&name)?;
            let token = credentials::new_secret();
            store.add_api_token(&credentials::secret_hash(&token), user.id)?;
            say!("{token}");
            eprintln!(
                "这是用户 {name} 的 API 令牌,只显示这一次;请求时使用 Authorization: Bearer <令牌>"
            );
            Ok(())
        }
        Command::Backup { file } => {
            let store = open_existing(&cli.db)?;
            store.backup(&file)?;
            say!("已备份到 {}", file.display());
            Ok(())
        }
    }
}

fn open_existing(db: &Path) -> Result<Store, CliError> {
    if !db.exists() {
        return Err(CliError::Message(format!(
            "数据库 {} 不存在:请先运行 hallscore init(或 hallscore demo 生成演示数据)",
            db.display()
        )));
    }
    Ok(Store::open(db)?)
}

fn load_checklists(store: &mut Store, dir: &Path) -> Result<(), CliError> {
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

fn run_demo(db: &Path) -> Result<(), CliError> {
    let mut store = Store::open(db)?;
    load_checklists(&mut store, Path::new("checklists"))?;
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

fn serve(db: &Path, addr: &str, secure_cookies: bool) -> Result<(), CliError> {
    let store = Store::open(db)?;
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
        say!("hallscore 已启动:http://{local}/ (数据库 {})", db.display());
        if !has_admin {
            say!(
                "还没有管理员账号:运行 hallscore --db {} user add 姓名 --role admin 创建(演示数据自带账号,见 README)",
                db.display()
            );
        }
        let state = crate::web::AppState::new(db.to_path_buf(), secure_cookies);
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

fn run_checklist(store: &mut Store, command: ChecklistCommand) -> Result<(), CliError> {
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
            if let Some((sheet, header)) = &report.sheet {
                say!("读取工作表「{sheet}」,表头在第 {header} 行");
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
    say!(
        "{}({} 第 {} 版,满分 {},达标线 {}%)",
        checklist.title,
        checklist.id,
        checklist.version,
        format_number(checklist.total_points()),
        format_number(checklist.pass_mark * 100.0)
    );
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

fn run_import(store: &mut Store, command: ImportCommand) -> Result<(), CliError> {
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

/// Who the audit log names for changes made from the command line.
fn actor() -> String {
    format!("命令行:{}", std::env::var("USER").unwrap_or_default())
}

fn dry_run_note(dry_run: bool) -> &'static str {
    if dry_run {
        "(试运行,未写入数据库)"
    } else {
        ""
    }
}

fn run_report(store: &mut Store, command: ReportCommand) -> Result<(), CliError> {
    match command {
        ReportCommand::Rankings {
            args,
            level,
            adjust,
            format,
        } => {
            let options = args.options()?;
            let (current, previous) = analyse(store, &options, adjust)?;
            let report = current.rankings(&previous, level, options.top);
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
            let report = plans::coverage(store, Period::parse(&period)?)?;
            match format {
                OutputFormat::Json => print_json(&report),
                OutputFormat::Table => print_coverage(&report),
            }
        }
    }
}

fn print_coverage(report: &plans::CoverageJson) -> Result<(), CliError> {
    say!(
        "暗访计划完成情况(期间 {} 至 {}):计划 {} 次,已完成 {},未完成 {}",
        report.period.from,
        report.period.to,
        report.planned,
        report.done,
        report.missing
    );
    let mut table = new_table(&["网点编码", "网点名称", "区县", "计划", "已完成", "未完成"]);
    for row in &report.rows {
        table.add_row(vec![
            TableCell::new(&row.code),
            TableCell::new(&row.name),
            TableCell::new(&row.district),
            right(row.planned.to_string()),
            right(row.done.to_string()),
            right(row.missing.to_string()),
        ]);
    }
    say!("{table}");
    say!("已完成:该网点在计划日期由计划的暗访员完成的暗访(每次暗访只算一次)。");
    Ok(())
}

fn run_plan(store: &mut Store, command: PlanCommand) -> Result<(), CliError> {
    match command {
        PlanCommand::Make {
            period,
            visits_per_hall,
            inspectors,
            lockout_days,
            max_per_day,
            peak_share,
            seed,
            replace,
        } => {
            let options = plans::MakeOptions {
                period: Period::parse(&period)?,
                visits_per_hall,
                inspectors,
                lockout_days,
                max_per_day,
                peak_share,
                seed,
                replace,
            };
            let made = plans::make(store, &options, &actor())?;
            let loads: Vec<String> = made.loads.iter().map(|(n, k)| format!("{n} {k}")).collect();
            say!(
                "已安排 {} 的暗访计划:{} 个营业厅各 {} 次,共 {} 次;{} 名暗访员({});高峰时段 {} 次,占 {}(要求至少 {})",
                options.period,
                made.halls,
                visits_per_hall,
                made.assignments,
                made.loads.len(),
                loads.join("、"),
                made.peak,
                percent(Some(made.peak as f64 / made.assignments.max(1) as f64)),
                percent(Some(peak_share))
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
    }
}

fn print_plan(period: Period, entries: &[storage::PlanEntry]) -> Result<(), CliError> {
    say!(
        "暗访计划(期间 {} 至 {},共 {} 次)",
        period.from,
        period.to,
        entries.len()
    );
    let mut table = new_table(&["编号", "网点编码", "暗访员", "日期", "时段", "高峰", "暗访"]);
    for e in entries {
        let p = &e.planned;
        table.add_row(vec![
            right(p.id.to_string()),
            TableCell::new(&p.branch_code),
            TableCell::new(&p.inspector),
            TableCell::new(p.date.to_string()),
            TableCell::new(p.window.to_string()),
            TableCell::new(if p.peak { "是" } else { "" }),
            TableCell::new(e.visit_id.as_deref().unwrap_or("")),
        ]);
    }
    say!("{table}");
    Ok(())
}

fn run_export(store: &Reader, command: ExportCommand) -> Result<(), CliError> {
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
            let provenance = Provenance {
                made_at: chrono::Local::now().naive_local(),
                made_by: std::env::var("USER").unwrap_or_else(|_| "命令行".into()),
                top: options.top,
                reader: crate::domain::access::Visibility::Everything,
                calibration: true,
                publication: crate::app::publishing::publication_notes(
                    &store.publications(&current.checklist_id, &options.period.to_string())?,
                ),
            };
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
            cells.push(right(percent(rate.as_f64())));
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
