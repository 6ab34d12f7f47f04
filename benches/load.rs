//! Load (issue 7): inspectors submit visits over 32 keep-alive connections
//! while managers read rankings and the dashboard of a national
//! organisation — 3,000 halls in 300 districts with two quarters of visits —
//! all against the real release binary on loopback.
//!
//! ```sh
//! cargo bench --bench load                   # 18,000 + 18,000 stored visits, 20 s of load
//! cargo bench --bench load -- --quick        # 3,000 + 3,000 stored visits, 5 s of load
//! cargo bench --bench load -- --seconds 60   # a longer load phase
//! cargo bench --bench load -- --keep         # keep the database and server log
//! cargo bench --bench load -- --managers 0   # submissions alone (0 to 4 managers)
//! cargo bench --bench load -- --postgres postgres://postgres@127.0.0.1:5432/postgres
//! cargo bench --bench load -- --postgres postgres://… --servers 2
//! ```
//!
//! Without `--postgres` the servers' database is a SQLite file in a
//! temporary folder. With it, the bench creates a fresh database
//! `bench_<pid>_load` on that server (the URL names the server and its
//! maintenance database) and drops it at the end (`--keep` keeps it);
//! `--servers N` (1 to 8, PostgreSQL only) starts N `serve` processes on
//! it, and every worker sends its requests to them in turn.
//!
//! Setup is untimed and goes through the binary only: `init`, `import
//! roster` and `import visits` of generated CSV files, `publish` of the
//! previous quarter (which opens its rectification tickets), `user add`
//! and `token create`. Then `serve --addr 127.0.0.1:0` runs as a child process
//! (one per server) and the load is generated from this process: 32
//! inspector workers (one client and one keep-alive connection each)
//! POST `/api/v1/visits` with a fresh UUID, a random hall and all 53
//! answers; 4 manager workers, signed in through `/login` like a browser,
//! alternate `GET /api/v1/reports/rankings?level=branch` and `GET
//! /dashboard` for the current quarter. The load phase stops by itself after a fixed time or a
//! fixed number of requests, whichever comes first.
//!
//! Then the same 32 inspector workers submit again while the admin uploads a
//! year of national visits (72,000 rows) as one spreadsheet through
//! `/admin/imports/visits`, until the upload is answered: submissions/s,
//! p50/p99 and the 503s (the database busy) during a bulk write.
//!
//! The upload goes to the first server. Afterwards the servers are killed
//! (SIGKILL, no graceful shutdown) and the database is opened directly:
//! every acknowledged (201) visit must be stored exactly once, and on SQLite
//! `PRAGMA integrity_check` must say ok. Server CPU is that of the `serve`
//! processes; PostgreSQL's counts among the other processes.
//!
//! This is a benchmark, not a test: it prints figures and the goals they
//! meet or miss, and fails only when something is wrong (a request other
//! than 201/200 — or 503 during the upload, which is counted and shown — a
//! lost or doubled visit, a damaged database).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{Datelike, Local, NaiveDate, NaiveDateTime, NaiveTime};
use hallscore::domain::checklist::{Checklist, Item, ItemKind};
use hallscore::domain::period::Period;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

#[path = "common/pg_server.rs"]
mod pg_server;
use pg_server::PgServer;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, Error>;

/// Returns early with a formatted error.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err(format!($($arg)*).into())
    };
}

const SEED: u64 = 2026_1125;
const HALLS: usize = 3_000;
const HALLS_PER_DISTRICT: usize = 10;
const SUBMITTERS: usize = 32;
const MANAGERS: usize = 4;
const MAX_SERVERS: usize = 8;
/// Inspector accounts; the submit workers share their tokens round robin.
const INSPECTORS: [&str; 8] = [
    "王敏", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽",
];
/// Other inspectors that appear only in the imported history.
const PAST_INSPECTORS: [&str; 8] = [
    "周强", "吴艳", "徐杰", "孙娟", "胡涛", "朱明", "高超", "林霞",
];
const PASSWORD: &str = "load-bench-password";
const ADMIN: &str = "总部管理员";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Goals of issue 7.
const SUBMIT_RATE_GOAL: f64 = 1_000.0;
const SUBMIT_P99_GOAL_MS: f64 = 50.0;
const DASHBOARD_P99_GOAL_MS: f64 = 100.0;

const CITIES: [&str; 30] = [
    "郑州",
    "洛阳",
    "南阳",
    "石家庄",
    "保定",
    "太原",
    "大同",
    "济南",
    "青岛",
    "潍坊",
    "徐州",
    "苏州",
    "扬州",
    "杭州",
    "温州",
    "合肥",
    "芜湖",
    "南昌",
    "赣州",
    "长沙",
    "岳阳",
    "武汉",
    "宜昌",
    "成都",
    "绵阳",
    "西安",
    "宝鸡",
    "兰州",
    "昆明",
    "南宁",
];
const PLACE_HEADS: [&str; 30] = [
    "东", "西", "南", "北", "中", "新", "古", "金", "银", "青", "长", "安", "平", "高", "宁", "永",
    "兴", "华", "龙", "凤", "桃", "柳", "石", "白", "红", "清", "明", "和", "泰", "康",
];
const PLACE_TAILS: [&str; 24] = [
    "城", "山", "河", "阳", "川", "原", "桥", "湖", "港", "林", "台", "丰", "乐", "源", "田", "泉",
    "岗", "营", "庄", "集", "店", "镇", "口", "关",
];
const STREETS: [&str; 12] = [
    "人民路",
    "建设路",
    "解放路",
    "中山路",
    "文化路",
    "车站",
    "广场",
    "新区",
    "开发区",
    "大学城",
    "花园路",
    "滨河路",
];

fn main() {
    if let Err(e) = run() {
        eprintln!("load benchmark failed: {e}");
        std::process::exit(1);
    }
}

struct Options {
    quick: bool,
    seconds: u64,
    visits_per_quarter: usize,
    /// Caps on the number of requests, so that the phase is bounded even
    /// on a machine much faster than expected.
    max_submissions: u64,
    max_reads: u64,
    keep: bool,
    /// Manager workers, 0 to [`MANAGERS`].
    managers: usize,
    /// A PostgreSQL server (URL of its maintenance database) to run on
    /// instead of a SQLite file.
    postgres: Option<String>,
    /// `serve` processes sharing the database, 1 to [`MAX_SERVERS`].
    servers: usize,
}

impl Options {
    fn parse() -> Result<Options> {
        let mut quick = false;
        let mut seconds = None;
        let mut keep = false;
        let mut managers = MANAGERS;
        let mut postgres = None;
        let mut servers = 1;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => quick = true,
                "--keep" => keep = true,
                "--seconds" => {
                    seconds = Some(
                        args.next()
                            .and_then(|n| n.parse::<u64>().ok())
                            .filter(|&n| (1..=600).contains(&n))
                            .ok_or("--seconds needs a number from 1 to 600")?,
                    );
                }
                "--managers" => {
                    managers = args
                        .next()
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|&n| n <= MANAGERS)
                        .ok_or_else(|| format!("--managers needs a number from 0 to {MANAGERS}"))?;
                }
                "--postgres" => {
                    postgres = Some(
                        args.next()
                            .filter(|url| url.starts_with("postgres"))
                            .ok_or("--postgres needs a postgres:// URL of the server")?,
                    );
                }
                "--servers" => {
                    servers = args
                        .next()
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|n| (1..=MAX_SERVERS).contains(n))
                        .ok_or_else(|| {
                            format!("--servers needs a number from 1 to {MAX_SERVERS}")
                        })?;
                }
                // `cargo bench` passes --bench; filters and the like are not ours.
                _ => {}
            }
        }
        if servers > 1 && postgres.is_none() {
            bail!(
                "--servers {servers} needs --postgres: several servers share a PostgreSQL database, not a SQLite file"
            );
        }
        let seconds = seconds.unwrap_or(if quick { 5 } else { 20 });
        Ok(Options {
            quick,
            seconds,
            visits_per_quarter: if quick { 3_000 } else { 18_000 },
            max_submissions: seconds * 5_000,
            max_reads: seconds * 500,
            keep,
            managers,
            postgres,
            servers,
        })
    }
}

fn run() -> Result<()> {
    let options = Options::parse()?;
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_hallscore"));
    if !binary.exists() {
        bail!(
            "{} is missing: run `cargo build --release --bin hallscore` (cargo bench builds it)",
            binary.display()
        );
    }
    let dir = tempfile::Builder::new()
        .prefix("hallscore-load-")
        .tempdir()?;
    let work = dir.path().to_path_buf();
    let db = match &options.postgres {
        None => Database::Sqlite(work.join("hallscore.db")),
        Some(url) => {
            let server = PgServer::new(url)?;
            let name = PgServer::name("load");
            server.fresh(&name)?;
            Database::Postgres { server, name }
        }
    };
    let checklist = hallscore::formats::checklist::parse(
        "hall-visit.toml",
        include_str!("../checklists/hall-visit.toml"),
    )?;
    let today = Local::now().date_naive();
    let current = quarter_of(today)?;
    let previous = current.previous();

    println!(
        "hallscore load benchmark{} — {} halls, {} inspector connections, {} managers, {} s",
        if options.quick { " (quick)" } else { "" },
        HALLS,
        SUBMITTERS,
        options.managers,
        options.seconds
    );
    println!("binary   {}", binary.display());
    println!("work dir {}", work.display());
    println!(
        "database {}, shared by {} server{}",
        db.describe(),
        options.servers,
        if options.servers == 1 { "" } else { "s" }
    );

    // ---- setup (untimed) ----
    let setup = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let roster = make_roster(&mut rng);
    let roster_csv = work.join("网点名单.csv");
    write_roster(&roster_csv, &roster)?;
    let visits_csv = work.join("暗访结果.csv");
    let last_day = today.pred_opt().unwrap_or(today).max(current.from);
    write_visits(
        &visits_csv,
        &checklist,
        &roster,
        &[(previous, previous.to), (current, last_day)],
        options.visits_per_quarter,
        &mut rng,
    )?;
    let upload_csv = work.join("全国暗访.csv");
    let earlier = previous.previous();
    write_visits(
        &upload_csv,
        &checklist,
        &roster,
        &[(earlier, earlier.to)],
        UPLOADED_VISITS,
        &mut rng,
    )?;
    let cli = Cli {
        binary: binary.clone(),
        db: db.arg(),
        dir: work.clone(),
    };
    cli.run(&["init"], None)?;
    let t = Instant::now();
    cli.run(&["import", "roster", path_str(&roster_csv)?], None)?;
    let roster_time = t.elapsed();
    let t = Instant::now();
    cli.run(&["import", "visits", path_str(&visits_csv)?], None)?;
    let visits_time = t.elapsed();
    // The previous quarter is published, as it is for most of a quarter:
    // each submission then checks the periods locked and settles the
    // rectification tickets of its hall, and the dashboard counts them.
    cli.run(&["publish", "--period", &previous.to_string()], None)?;
    let password_line = format!("{PASSWORD}\n");
    cli.run(
        &["user", "add", ADMIN, "--role", "admin", "--password-stdin"],
        Some(&password_line),
    )?;
    let mut managers = vec![ADMIN.to_string()];
    for city in CITIES.iter().take(MANAGERS - 1) {
        let name = format!("{city}经理");
        let scope = format!("city:{city}");
        cli.run(
            &[
                "user",
                "add",
                &name,
                "--role",
                "manager",
                "--scope",
                &scope,
                "--password-stdin",
            ],
            Some(&password_line),
        )?;
        managers.push(name);
    }
    let mut tokens = Vec::new();
    for name in INSPECTORS {
        cli.run(
            &[
                "user",
                "add",
                name,
                "--role",
                "inspector",
                "--password-stdin",
            ],
            Some(&password_line),
        )?;
        let token = cli
            .run(&["token", "create", name], None)?
            .trim()
            .to_string();
        if token.is_empty() {
            bail!("token create {name} printed no token");
        }
        tokens.push(token);
    }
    let stored_before = db.count_visits()?;
    if stored_before != (2 * options.visits_per_quarter) as u64 {
        bail!(
            "the import stored {stored_before} visits, not {}",
            2 * options.visits_per_quarter
        );
    }
    let districts: HashSet<&str> = roster.iter().map(|h| h.district.as_str()).collect();
    println!(
        "setup    {} halls in {} districts and {} cities (import {:.1} s); {} visits in {} and {} \
         (import {:.1} s), {} published; {} inspectors with API tokens, {} managers; {:.0} s in all",
        roster.len(),
        districts.len(),
        CITIES.len(),
        roster_time.as_secs_f64(),
        stored_before,
        previous,
        current,
        visits_time.as_secs_f64(),
        previous,
        INSPECTORS.len(),
        managers.len(),
        setup.elapsed().as_secs_f64()
    );

    // ---- the servers ----
    let mut servers = Vec::new();
    for n in 1..=options.servers {
        let server = Server::start(&cli, n)?;
        println!("server   {} (pid {})", server.base, server.child.id());
        servers.push(server);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let codes: Arc<Vec<String>> = Arc::new(roster.iter().map(|h| h.code.clone()).collect());
    let load = Load {
        bases: servers.iter().map(|s| s.base.clone()).collect(),
        period: current,
        last_day: today,
        checklist: Arc::new(checklist),
        codes,
        tokens,
        managers: managers.into_iter().take(options.managers).collect(),
        duration: Duration::from_secs(options.seconds),
        max_submissions: options.max_submissions,
        max_reads: options.max_reads,
    };
    let loadavg = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let server_cpu_before = servers_cpu(&servers);
    let own_cpu_before = cpu_seconds("/proc/self/stat");
    let busy_before = busy_seconds();
    let outcome = runtime.block_on(load.run());
    let cpu = Cpu {
        server: servers_cpu(&servers) - server_cpu_before,
        generator: cpu_seconds("/proc/self/stat") - own_cpu_before,
        machine: busy_seconds() - busy_before,
    };
    let outcome = outcome?;
    let mix = runtime.block_on(load.upload_mix(fs::read(&upload_csv)?));
    for server in &mut servers {
        server.kill();
    }
    let mix = mix?;

    // ---- what is stored ----
    let acknowledged: Vec<String> = outcome
        .acknowledged
        .iter()
        .chain(&mix.submissions.acknowledged)
        .cloned()
        .collect();
    let uploaded = if mix.status == 200 {
        UPLOADED_VISITS as u64
    } else {
        0
    };
    let check = check_store(&db, &acknowledged, stored_before + uploaded)?;
    if options.keep
        && let Database::Postgres { server, name } = &db
    {
        server.keep(name);
        println!("kept     database {name}");
    }

    // ---- the report ----
    print_report(&options, &outcome, &check, &cpu, &loadavg);
    print_mix(&mix, UPLOADED_VISITS);

    if options.keep {
        let kept = dir.keep();
        println!("kept     {}", kept.display());
    }
    let mut problems = Vec::new();
    if outcome.errors() > 0 {
        problems.push(format!("{} requests failed (see above)", outcome.errors()));
    }
    if mix.status != 200 || mix.failed() > 0 {
        problems.push(format!(
            "during the upload (answered {}), {} submissions failed other than with 503",
            mix.status,
            mix.failed()
        ));
    }
    if check.missing > 0 || check.duplicated > 0 {
        problems.push(format!(
            "{} acknowledged visits missing, {} stored more than once",
            check.missing, check.duplicated
        ));
    }
    if let Some(integrity) = check.integrity.as_deref()
        && integrity != "ok"
    {
        problems.push(format!("integrity check: {integrity}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .ok_or_else(|| format!("not UTF-8: {}", path.display()).into())
}

fn quarter_of(day: NaiveDate) -> Result<Period> {
    Ok(Period::parse(&format!(
        "{}-Q{}",
        day.year(),
        day.month0() / 3 + 1
    ))?)
}

// ---------------------------------------------------------------- data

struct Hall {
    code: String,
    name: String,
    district: String,
    city: String,
    /// How well the hall is run: added to every item's chance.
    quality: f64,
}

fn make_roster(rng: &mut ChaCha8Rng) -> Vec<Hall> {
    let districts_per_city = HALLS / HALLS_PER_DISTRICT / CITIES.len();
    let mut names: HashSet<String> = HashSet::new();
    let mut halls = Vec::with_capacity(HALLS);
    for (c, city) in CITIES.iter().enumerate() {
        for d in 0..districts_per_city {
            // District names are unique nationwide, as the roster requires.
            let district = loop {
                let suffix = if d == 0 { "区" } else { "县" };
                let name = format!(
                    "{}{}{suffix}",
                    PLACE_HEADS[rng.random_range(0..PLACE_HEADS.len())],
                    PLACE_TAILS[rng.random_range(0..PLACE_TAILS.len())]
                );
                if names.insert(name.clone()) {
                    break name;
                }
            };
            let district_quality = rng.random_range(-0.05..0.05);
            for h in 0..HALLS_PER_DISTRICT {
                let street = STREETS[(h + d) % STREETS.len()];
                halls.push(Hall {
                    code: format!("YT{:02}{:02}{:02}", c + 1, d + 1, h + 1),
                    name: if h == 0 {
                        format!("{district}{street}旗舰营业厅")
                    } else {
                        format!("{district}{street}{h}号营业厅")
                    },
                    district: district.clone(),
                    city: city.to_string(),
                    quality: district_quality + rng.random_range(-0.06..0.06),
                });
            }
        }
    }
    halls
}

fn write_roster(path: &Path, halls: &[Hall]) -> Result<()> {
    let mut out = BufWriter::new(fs::File::create(path)?);
    writeln!(out, "地市,区县,网点编码,网点名称,地址,网点类型")?;
    for (i, h) in halls.iter().enumerate() {
        writeln!(
            out,
            "{},{},{},{},{}市{}{}号,{}",
            h.city,
            h.district,
            h.code,
            h.name,
            h.city,
            h.district,
            100 + i % 400,
            if h.name.contains("旗舰") {
                "旗舰厅"
            } else {
                "标准厅"
            }
        )?;
    }
    out.flush()?;
    Ok(())
}

/// One answer as a spreadsheet cell or a JSON value.
enum Cell {
    Text(&'static str),
    Label(String),
    Number(f64),
}

impl Cell {
    fn csv(&self) -> String {
        match self {
            Cell::Text(t) => (*t).to_string(),
            Cell::Label(t) => t.clone(),
            Cell::Number(n) => n.to_string(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(t) => Value::from(*t),
            Cell::Label(t) => Value::from(t.as_str()),
            Cell::Number(n) => Value::from(*n),
        }
    }
}

/// A plausible answer: promotion items are where points go, as in real
/// reports; red lines are rarely crossed; waits are minutes.
fn answer(rng: &mut impl Rng, item: &Item, quality: f64) -> Cell {
    if item.na && rng.random_bool(0.25) {
        return Cell::Text("不适用");
    }
    let base = if item.code.starts_with('G') {
        0.5
    } else {
        0.88
    };
    let mut chance = base + quality;
    if matches!(item.kind, ItemKind::Check { critical: Some(_) }) {
        chance = chance.max(0.98);
    }
    let chance = chance.clamp(0.02, 0.995);
    match &item.kind {
        ItemKind::Check { .. } => Cell::Text(if rng.random_bool(chance) {
            "是"
        } else {
            "否"
        }),
        ItemKind::Scale => {
            let raw = item.points * (chance + rng.random_range(-0.25..0.25));
            Cell::Number((raw.clamp(0.0, item.points) * 2.0).round() / 2.0)
        }
        ItemKind::Choice { choices } => {
            let roll: f64 = rng.random();
            let index = if roll < chance * chance {
                0
            } else if roll < chance {
                1
            } else {
                choices.len() - 1
            };
            Cell::Label(
                choices
                    .get(index.min(choices.len().saturating_sub(1)))
                    .map(|c| c.label.clone())
                    .unwrap_or_default(),
            )
        }
        ItemKind::Measure { .. } => {
            let minutes = 8.0 - quality * 20.0 + rng.random_range(-6.0..8.0);
            Cell::Number((f64::max(minutes, 0.5) * 2.0).round() / 2.0)
        }
    }
}

fn visit_time(rng: &mut impl Rng, from: NaiveDate, to: NaiveDate) -> NaiveDateTime {
    let days = (to - from).num_days().max(0) as u64;
    let day = from + chrono::Days::new(rng.random_range(0..=days));
    let time = NaiveTime::from_hms_opt(rng.random_range(9..17), rng.random_range(0..60), 0)
        .unwrap_or_default();
    NaiveDateTime::new(day, time)
}

/// The visits of each (period, last day) as one CSV file, `per_period`
/// visits each, spread evenly over the halls.
fn write_visits(
    path: &Path,
    checklist: &Checklist,
    halls: &[Hall],
    periods: &[(Period, NaiveDate)],
    per_period: usize,
    rng: &mut ChaCha8Rng,
) -> Result<()> {
    let mut out = BufWriter::new(fs::File::create(path)?);
    let mut header = String::from("暗访编号,网点编码,暗访日期,暗访员,检查表");
    for (_, item) in checklist.items() {
        let _ = write!(header, ",{}", item.code);
    }
    writeln!(out, "{header}")?;
    let inspectors: Vec<&str> = INSPECTORS.iter().chain(&PAST_INSPECTORS).copied().collect();
    for (period, last) in periods {
        for n in 0..per_period {
            let hall = &halls[n % halls.len()];
            let at = visit_time(rng, period.from, *last);
            let inspector = inspectors[rng.random_range(0..inspectors.len())];
            let mut line = format!(
                "LOAD-{period}-{:06},{},{},{inspector},{}",
                n + 1,
                hall.code,
                at.format("%Y-%m-%d %H:%M"),
                checklist.id
            );
            for (_, item) in checklist.items() {
                let _ = write!(line, ",{}", answer(rng, item, hall.quality).csv());
            }
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    Ok(())
}

// ---------------------------------------------------------------- the binary

struct Cli {
    binary: PathBuf,
    /// What `--db` gets.
    db: String,
    dir: PathBuf,
}

impl Cli {
    /// Runs a command to completion; its standard output, or an error with
    /// what it printed.
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Result<String> {
        let mut child = Command::new(&self.binary)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .current_dir(&self.dir)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes())?;
        }
        let output = child.wait_with_output()?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            bail!(
                "hallscore {} failed ({}):\n{stdout}{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(stdout)
    }
}

/// The release binary serving the database on a loopback port.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// The `n`th server of the database, logging to `server-<n>.log`.
    fn start(cli: &Cli, n: usize) -> Result<Server> {
        // The server logs every request to stdout: into a file, so that
        // nothing here has to keep reading a pipe during the load.
        let log = cli.dir.join(format!("server-{n}.log"));
        let err = cli.dir.join(format!("server-{n}.err"));
        let mut child = Command::new(&cli.binary)
            .arg("--db")
            .arg(&cli.db)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .current_dir(&cli.dir)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&log)?)
            .stderr(fs::File::create(&err)?)
            .spawn()?;
        let started = Instant::now();
        loop {
            let text = fs::read_to_string(&log).unwrap_or_default();
            if let Some(start) = text.find("http://") {
                let base = text[start..]
                    .split('/')
                    .take(3)
                    .collect::<Vec<_>>()
                    .join("/");
                return Ok(Server { child, base });
            }
            if let Some(status) = child.try_wait()? {
                bail!(
                    "the server exited ({status}): {}",
                    fs::read_to_string(&err).unwrap_or_default()
                );
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the server did not announce its address within 20 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: what was acknowledged must be on disk without a shutdown.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// User plus system CPU seconds of all the servers.
fn servers_cpu(servers: &[Server]) -> f64 {
    servers
        .iter()
        .map(|s| cpu_seconds(&format!("/proc/{}/stat", s.child.id())))
        .sum()
}

/// User plus system CPU seconds of a process, from `/proc/<pid>/stat`.
fn cpu_seconds(stat: &str) -> f64 {
    let Ok(text) = fs::read_to_string(stat) else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses.
    let Some(rest) = text.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
        .sum();
    ticks / clock_ticks()
}

/// CPU seconds the whole machine spent busy (not idle, not waiting for
/// I/O), from `/proc/stat`.
fn busy_seconds() -> f64 {
    let text = fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else {
        return 0.0;
    };
    let fields: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let total: f64 = fields.iter().take(8).sum();
    let idle = fields.get(3).copied().unwrap_or(0.0) + fields.get(4).copied().unwrap_or(0.0);
    (total - idle) / clock_ticks()
}

/// CPU seconds used during the load phase.
struct Cpu {
    server: f64,
    generator: f64,
    /// Everything busy on the machine, these two and any other process.
    machine: f64,
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|&t: &f64| t > 0.0)
        .unwrap_or(100.0)
}

// ---------------------------------------------------------------- the load

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Submit,
    Rankings,
    Dashboard,
}

const KINDS: [Kind; 3] = [Kind::Submit, Kind::Rankings, Kind::Dashboard];

impl Kind {
    fn index(self) -> usize {
        self as usize
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Submit => "POST /api/v1/visits",
            Kind::Rankings => "GET rankings (branch)",
            Kind::Dashboard => "GET /dashboard",
        }
    }

    /// The status a request of this kind must get.
    fn expected(self) -> u16 {
        match self {
            Kind::Submit => 201,
            _ => 200,
        }
    }
}

/// What the workers saw.
#[derive(Default)]
struct Outcome {
    /// Latencies in microseconds, per kind.
    latencies: [Vec<u32>; 3],
    statuses: BTreeMap<(Kind, u16), u64>,
    /// Requests that got no answer at all (connection error, timeout).
    transport: [u64; 3],
    /// Response bytes per kind, to show what a response weighs.
    bytes: [u64; 3],
    /// The first few unexpected answers, for the report.
    samples: Vec<String>,
    /// Ids of visits the server answered 201 for.
    acknowledged: Vec<String>,
    /// The managers' first rankings and dashboard, before the load.
    cold: Vec<Duration>,
    elapsed: Duration,
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        for k in 0..3 {
            self.latencies[k].extend(&other.latencies[k]);
            self.transport[k] += other.transport[k];
            self.bytes[k] += other.bytes[k];
        }
        for (key, n) in other.statuses {
            *self.statuses.entry(key).or_default() += n;
        }
        for sample in other.samples {
            if self.samples.len() < 5 {
                self.samples.push(sample);
            }
        }
        self.acknowledged.extend(other.acknowledged);
    }

    fn record(&mut self, kind: Kind, started: Instant, result: reqwest::Result<(u16, usize)>) {
        let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
        match result {
            Ok((status, bytes)) => {
                self.latencies[kind.index()].push(micros);
                self.bytes[kind.index()] += bytes as u64;
                *self.statuses.entry((kind, status)).or_default() += 1;
            }
            Err(e) => {
                self.transport[kind.index()] += 1;
                if self.samples.len() < 5 {
                    self.samples.push(format!("{}: {e}", kind.label()));
                }
            }
        }
    }

    /// Answers other than the expected status, and requests with none.
    fn errors(&self) -> u64 {
        self.transport.iter().sum::<u64>()
            + self
                .statuses
                .iter()
                .filter(|((kind, status), _)| *status != kind.expected())
                .map(|(_, n)| n)
                .sum::<u64>()
    }
}

struct Load {
    /// The servers, taking the requests in turn.
    bases: Vec<String>,
    period: Period,
    last_day: NaiveDate,
    checklist: Arc<Checklist>,
    codes: Arc<Vec<String>>,
    tokens: Vec<String>,
    managers: Vec<String>,
    duration: Duration,
    max_submissions: u64,
    max_reads: u64,
}

impl Load {
    async fn run(&self) -> Result<Outcome> {
        // Sign the managers in first, as a browser would: not part of the load.
        // Signed in on the servers in turn; the session is in the
        // database, so that every server knows it.
        let mut readers = Vec::new();
        for (worker, name) in self.managers.iter().enumerate() {
            let base = &self.bases[worker % self.bases.len()];
            readers.push(sign_in(base, name).await?);
        }
        let rankings = self.urls(&format!(
            "/api/v1/reports/rankings?period={}&level=branch",
            self.period
        ));
        let dashboard = self.urls(&format!("/dashboard?period={}", self.period));
        // Each manager opens both once before the clock starts: the first
        // request of all computes the two quarters' figures from scratch.
        let mut cold = Vec::new();
        for (worker, client) in readers.iter().enumerate() {
            for urls in [&rankings, &dashboard] {
                let url = &urls[worker % urls.len()];
                let started = Instant::now();
                let response = client.get(url.as_str()).send().await?;
                let status = response.status();
                response.bytes().await?;
                if !status.is_success() {
                    bail!("warming up: {url} answered {status}");
                }
                cold.push(started.elapsed());
            }
        }
        let submitted = Arc::new(AtomicU64::new(0));
        let read = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let deadline = start + self.duration;
        let mut tasks = self.submitters(
            SEED + 1,
            deadline,
            &Arc::new(AtomicBool::new(false)),
            &submitted,
        )?;
        for (worker, client) in readers.into_iter().enumerate() {
            let reader = Reader {
                client,
                rankings: Turns::new(rankings.clone(), worker),
                dashboard: Turns::new(dashboard.clone(), worker),
                first: if worker % 2 == 0 {
                    Kind::Rankings
                } else {
                    Kind::Dashboard
                },
            };
            let (budget, cap) = (read.clone(), self.max_reads);
            tasks.push(tokio::spawn(reader.run(deadline, budget, cap)));
        }
        let mut outcome = Outcome {
            cold,
            ..Outcome::default()
        };
        for task in tasks {
            outcome.merge(task.await?);
        }
        outcome.elapsed = start.elapsed();
        Ok(outcome)
    }
}

impl Load {
    /// `path` on each server.
    fn urls(&self, path: &str) -> Vec<String> {
        self.bases
            .iter()
            .map(|base| format!("{base}{path}"))
            .collect()
    }

    /// The inspector workers, submitting until `deadline`, until `stop` is
    /// set or until `budget` reaches the cap, whichever comes first.
    fn submitters(
        &self,
        seed: u64,
        deadline: Instant,
        stop: &Arc<AtomicBool>,
        budget: &Arc<AtomicU64>,
    ) -> Result<Vec<tokio::task::JoinHandle<Outcome>>> {
        let mut tasks = Vec::new();
        for worker in 0..SUBMITTERS {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(REQUEST_TIMEOUT)
                .build()?;
            let submitter = Submitter {
                client,
                urls: Turns::new(self.urls("/api/v1/visits"), worker),
                token: self.tokens[worker % self.tokens.len()].clone(),
                codes: self.codes.clone(),
                checklist: self.checklist.clone(),
                from: self.period.from,
                to: self.last_day,
                rng: ChaCha8Rng::seed_from_u64(seed + worker as u64),
            };
            let until = Until {
                deadline,
                stop: stop.clone(),
                budget: budget.clone(),
                cap: self.max_submissions,
            };
            tasks.push(tokio::spawn(submitter.run(until)));
        }
        Ok(tasks)
    }

    /// The admin uploads `sheet` (a year of visits) while the inspector
    /// workers submit, until the upload is answered (or [`UPLOAD_LIMIT`]).
    async fn upload_mix(&self, sheet: Vec<u8>) -> Result<Mix> {
        // The upload goes to the first server; the submissions to all.
        let base = &self.bases[0];
        let admin = sign_in(base, ADMIN).await?;
        let page = admin
            .get(format!("{base}/admin/imports"))
            .send()
            .await?
            .text()
            .await?;
        let csrf = attribute(&page, "name=\"csrf\" value=\"")
            .ok_or("the imports page has no CSRF token")?
            .to_string();
        let bytes = sheet.len();
        let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(sheet).file_name("全国暗访.csv"),
        );
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let tasks = self.submitters(
            SEED + 1_000,
            start + UPLOAD_LIMIT,
            &stop,
            &Arc::new(AtomicU64::new(0)),
        )?;
        let answer = admin
            .post(format!("{base}/admin/imports/visits"))
            .timeout(UPLOAD_LIMIT)
            .multipart(form)
            .send()
            .await;
        let upload = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut submissions = Outcome::default();
        for task in tasks {
            submissions.merge(task.await?);
        }
        submissions.elapsed = start.elapsed();
        let status = match answer {
            Ok(r) => {
                let status = r.status().as_u16();
                let text = r.text().await.unwrap_or_default();
                if status != 200 {
                    submissions
                        .samples
                        .push(format!("upload {status}: {}", &text[..text.len().min(300)]));
                }
                status
            }
            Err(e) => {
                submissions.samples.push(format!("upload: {e}"));
                0
            }
        };
        Ok(Mix {
            bytes,
            upload,
            status,
            submissions,
        })
    }
}

/// When a submit worker stops.
struct Until {
    deadline: Instant,
    stop: Arc<AtomicBool>,
    budget: Arc<AtomicU64>,
    cap: u64,
}

impl Until {
    /// Whether to send one more request (which counts against the budget).
    fn more(&self) -> bool {
        Instant::now() < self.deadline
            && !self.stop.load(Ordering::Relaxed)
            && self.budget.fetch_add(1, Ordering::Relaxed) < self.cap
    }
}

/// Rows of the uploaded sheet: a year of national visits (24 per hall),
/// whatever the size of the stored history.
const UPLOADED_VISITS: usize = HALLS * 24;

/// The most the upload phase may last.
const UPLOAD_LIMIT: Duration = Duration::from_secs(300);

/// What the submissions met while a spreadsheet was uploaded.
struct Mix {
    /// The sheet's size.
    bytes: usize,
    /// Until the upload was answered.
    upload: Duration,
    /// The upload's status (0 when it got no answer).
    status: u16,
    submissions: Outcome,
}

impl Mix {
    /// Submissions answered neither 201 nor 503, or not at all.
    fn failed(&self) -> u64 {
        self.submissions.errors() - self.busy()
    }

    /// Submissions answered 503.
    fn busy(&self) -> u64 {
        self.submissions
            .statuses
            .get(&(Kind::Submit, 503))
            .copied()
            .unwrap_or(0)
    }
}

/// The text after `marker` up to the next quote.
fn attribute<'a>(page: &'a str, marker: &str) -> Option<&'a str> {
    let start = page.find(marker)? + marker.len();
    page[start..].split('"').next()
}

/// A manager's browser: signed in through the login form, cookies kept,
/// redirects not followed (a redirect to /login would be an error).
async fn sign_in(base: &str, name: &str) -> Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let token =
        attribute(&page, "name=\"csrf\" value=\"").ok_or("the login page has no CSRF token")?;
    let response = client
        .post(format!("{base}/login"))
        .form(&[("name", name), ("password", PASSWORD), ("csrf", token)])
        .send()
        .await?;
    if !response.status().is_redirection() {
        bail!("signing in as {name} answered {}", response.status());
    }
    Ok(client)
}

/// The same request's URL on each server, taken in turn.
struct Turns {
    urls: Vec<String>,
    next: usize,
}

impl Turns {
    /// Starting with the server `first` (modulo their number).
    fn new(urls: Vec<String>, first: usize) -> Turns {
        Turns { urls, next: first }
    }

    fn next(&mut self) -> &str {
        let url = &self.urls[self.next % self.urls.len()];
        self.next = self.next.wrapping_add(1);
        url
    }
}

struct Submitter {
    client: reqwest::Client,
    urls: Turns,
    token: String,
    codes: Arc<Vec<String>>,
    checklist: Arc<Checklist>,
    from: NaiveDate,
    to: NaiveDate,
    rng: ChaCha8Rng,
}

impl Submitter {
    /// A new visit with every item answered, as the tablet sends it.
    fn body(&mut self, id: &str) -> Vec<u8> {
        let code = &self.codes[self.rng.random_range(0..self.codes.len())];
        let quality = self.rng.random_range(-0.08..0.08);
        let mut answers = Map::new();
        for (_, item) in self.checklist.items() {
            answers.insert(
                item.code.clone(),
                answer(&mut self.rng, item, quality).json(),
            );
        }
        let at = visit_time(&mut self.rng, self.from, self.to);
        let body = serde_json::json!({
            "id": id,
            "branch_code": code,
            "checklist": self.checklist.id,
            "visited_at": format!("{}+08:00", at.format("%Y-%m-%dT%H:%M:%S")),
            "answers": answers,
        });
        serde_json::to_vec(&body).unwrap_or_default()
    }

    async fn run(mut self, until: Until) -> Outcome {
        let mut out = Outcome::default();
        while until.more() {
            let id = uuid::Uuid::new_v4().to_string();
            let body = self.body(&id);
            let started = Instant::now();
            let response = self
                .client
                .post(self.urls.next())
                .bearer_auth(&self.token)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await;
            let result = match response {
                Ok(r) => {
                    let status = r.status().as_u16();
                    match r.bytes().await {
                        Ok(bytes) => {
                            if status != Kind::Submit.expected() && out.samples.len() < 5 {
                                out.samples.push(format!(
                                    "{} {status}: {}",
                                    Kind::Submit.label(),
                                    String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
                                ));
                            }
                            Ok((status, bytes.len()))
                        }
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            if matches!(result, Ok((201, _))) {
                out.acknowledged.push(id);
            }
            out.record(Kind::Submit, started, result);
        }
        out
    }
}

struct Reader {
    client: reqwest::Client,
    rankings: Turns,
    dashboard: Turns,
    first: Kind,
}

impl Reader {
    async fn run(mut self, deadline: Instant, budget: Arc<AtomicU64>, cap: u64) -> Outcome {
        let mut out = Outcome::default();
        let mut kind = self.first;
        while Instant::now() < deadline && budget.fetch_add(1, Ordering::Relaxed) < cap {
            let url = if kind == Kind::Rankings {
                self.rankings.next()
            } else {
                self.dashboard.next()
            };
            let started = Instant::now();
            let result = match self.client.get(url).send().await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    match r.bytes().await {
                        Ok(bytes) => {
                            if status != kind.expected() && out.samples.len() < 5 {
                                out.samples.push(format!(
                                    "{} {status}: {}",
                                    kind.label(),
                                    String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
                                ));
                            }
                            Ok((status, bytes.len()))
                        }
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            out.record(kind, started, result);
            kind = if kind == Kind::Rankings {
                Kind::Dashboard
            } else {
                Kind::Rankings
            };
        }
        out
    }
}

// ---------------------------------------------------------------- checks

/// The database the servers share.
enum Database {
    Sqlite(PathBuf),
    Postgres { server: PgServer, name: String },
}

impl Database {
    /// What and where, without a password.
    fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => format!("SQLite {}", path.display()),
            Database::Postgres { server, name } => {
                format!("PostgreSQL {name} on {}", server.address())
            }
        }
    }

    /// What `--db` gets.
    fn arg(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres { server, name } => server.url_of(name),
        }
    }

    fn count_visits(&self) -> Result<u64> {
        Ok(self.visit_ids()?.len() as u64)
    }

    /// The `visit_id` of every stored visit, one per row.
    fn visit_ids(&self) -> Result<Vec<Option<String>>> {
        const QUERY: &str = "SELECT visit_id FROM visits";
        match self {
            Database::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path)?;
                let mut stmt = conn.prepare(QUERY)?;
                let ids = stmt
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(ids)
            }
            Database::Postgres { server, name } => Ok(postgres::Client::connect(
                &server.url_of(name),
                postgres::NoTls,
            )?
            .query(QUERY, &[])?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?),
        }
    }

    /// SQLite's `PRAGMA integrity_check`; PostgreSQL has no such check of
    /// a whole database.
    fn integrity(&self) -> Result<Option<String>> {
        match self {
            Database::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path)?;
                Ok(Some(
                    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?,
                ))
            }
            Database::Postgres { .. } => Ok(None),
        }
    }
}

struct StoreCheck {
    acknowledged: u64,
    /// Acknowledged ids stored exactly once.
    stored_once: u64,
    missing: u64,
    duplicated: u64,
    /// Rows the load added, acknowledged or not (a request that timed out
    /// may still have been stored).
    added: u64,
    /// `None` where the database has no integrity check.
    integrity: Option<String>,
}

fn check_store(db: &Database, acknowledged: &[String], before: u64) -> Result<StoreCheck> {
    let integrity = db.integrity()?;
    let acked: HashSet<&str> = acknowledged.iter().map(String::as_str).collect();
    if acked.len() != acknowledged.len() {
        bail!(
            "the server acknowledged the same id twice ({} ids, {} distinct)",
            acknowledged.len(),
            acked.len()
        );
    }
    let ids = db.visit_ids()?;
    let total = ids.len() as u64;
    let mut stored: HashMap<String, u64> = HashMap::new();
    for id in ids.into_iter().flatten() {
        if acked.contains(id.as_str()) {
            *stored.entry(id).or_default() += 1;
        }
    }
    let once = stored.values().filter(|&&n| n == 1).count() as u64;
    let more = stored.values().filter(|&&n| n > 1).count() as u64;
    let acknowledged = acknowledged.len() as u64;
    Ok(StoreCheck {
        acknowledged,
        stored_once: once,
        missing: acknowledged - once - more,
        duplicated: more,
        added: total.saturating_sub(before),
        integrity,
    })
}

// ---------------------------------------------------------------- report

/// Nearest-rank percentile of sorted values, in milliseconds.
fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

fn print_report(
    options: &Options,
    outcome: &Outcome,
    check: &StoreCheck,
    cpu: &Cpu,
    loadavg: &str,
) {
    let seconds = outcome.elapsed.as_secs_f64();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!();
    let (backend, servers) = match (&options.postgres, options.servers) {
        (None, _) => ("SQLite", "the server".to_string()),
        (Some(_), 1) => ("PostgreSQL", "the server, PostgreSQL".to_string()),
        (Some(_), n) => ("PostgreSQL", format!("the {n} servers, PostgreSQL")),
    };
    println!(
        "load     {seconds:.1} s (limit {} s, at most {} submissions and {} reads) against {}",
        options.seconds,
        options.max_submissions,
        options.max_reads,
        match options.servers {
            1 => format!("one `serve` process on a {backend} database"),
            n => format!("{n} `serve` processes on one {backend} database, requests in turn"),
        }
    );
    println!(
        "machine  {cores} cores ({model}) shared by {servers} and this load generator; \
         load average before: {}",
        loadavg
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "cpu      server{} {:.2} cores, load generator {:.2}, other processes{} {:.2}, idle {:.2} \
         (of {cores}) during the load",
        if options.servers == 1 { "" } else { "s" },
        cpu.server / seconds,
        cpu.generator / seconds,
        if options.postgres.is_some() {
            " (PostgreSQL among them)"
        } else {
            ""
        },
        ((cpu.machine - cpu.server - cpu.generator) / seconds).max(0.0),
        (cores as f64 - cpu.machine / seconds).max(0.0)
    );
    println!();
    println!(
        "{:<22} {:>8} {:>7} {:>10} {:>8} {:>8} {:>8} {:>8} {:>9}  {:<28} ",
        "kind",
        "requests",
        "errors",
        "per s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "KB/resp",
        "goal"
    );
    println!("{}", "-".repeat(122));
    for kind in KINDS {
        let mut sorted = outcome.latencies[kind.index()].clone();
        sorted.sort_unstable();
        let answered = sorted.len() as u64;
        let requests = answered + outcome.transport[kind.index()];
        if requests == 0 {
            println!("{:<22} (none)", kind.label());
            continue;
        }
        let errors = requests
            - outcome
                .statuses
                .get(&(kind, kind.expected()))
                .copied()
                .unwrap_or(0);
        let rate = requests as f64 / seconds;
        let (p50, p90, p99, max) = (
            percentile(&sorted, 0.50),
            percentile(&sorted, 0.90),
            percentile(&sorted, 0.99),
            percentile(&sorted, 1.0),
        );
        let (goal, met) = match kind {
            Kind::Submit => (
                format!("≥ {SUBMIT_RATE_GOAL:.0}/s, p99 < {SUBMIT_P99_GOAL_MS:.0} ms"),
                rate >= SUBMIT_RATE_GOAL && p99 < SUBMIT_P99_GOAL_MS && errors == 0,
            ),
            Kind::Dashboard => (
                format!("p99 < {DASHBOARD_P99_GOAL_MS:.0} ms"),
                p99 < DASHBOARD_P99_GOAL_MS && errors == 0,
            ),
            Kind::Rankings => (
                format!("p99 < {DASHBOARD_P99_GOAL_MS:.0} ms (*)"),
                p99 < DASHBOARD_P99_GOAL_MS && errors == 0,
            ),
        };
        let kb = if answered == 0 {
            0.0
        } else {
            outcome.bytes[kind.index()] as f64 / answered as f64 / 1024.0
        };
        println!(
            "{:<22} {:>8} {:>7} {:>10.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>9.1}  {:<28} {}",
            kind.label(),
            requests,
            errors,
            rate,
            p50,
            p90,
            p99,
            max,
            kb,
            goal,
            if met { "✓" } else { "✗" }
        );
    }
    println!("(*) the issue sets no goal for rankings; the dashboard's is shown");
    if let [rankings, dashboard, ..] = outcome.cold.as_slice() {
        println!(
            "cold     before the load each manager opened both once (not counted above); the \
             very first: rankings {:.0} ms, dashboard {:.0} ms",
            rankings.as_secs_f64() * 1000.0,
            dashboard.as_secs_f64() * 1000.0
        );
    }
    let statuses: Vec<String> = outcome
        .statuses
        .iter()
        .map(|((kind, status), n)| format!("{} {status}×{n}", kind.label()))
        .collect();
    println!("statuses {}", statuses.join(", "));
    if outcome.transport.iter().any(|&n| n > 0) {
        println!(
            "no answer (connection error or {} s timeout): {:?}",
            REQUEST_TIMEOUT.as_secs(),
            outcome.transport
        );
    }
    for sample in &outcome.samples {
        println!("  e.g. {sample}");
    }
    println!();
    println!(
        "acknowledged {}, stored {}, missing {}, duplicates {}, integrity {}",
        check.acknowledged,
        check.stored_once,
        check.missing,
        check.duplicated,
        check
            .integrity
            .as_deref()
            .unwrap_or("— (PostgreSQL: no whole-database check)")
    );
    if check.added != check.acknowledged {
        println!(
            "note: the load added {} rows; {} of them were never acknowledged (no answer in time)",
            check.added,
            check.added.saturating_sub(check.acknowledged)
        );
    }
    println!(
        "note: {SUBMITTERS} inspector connections and {} manager sessions ({}) from this process \
         share the {cores} cores with the serving processes: the figures are a lower bound for \
         servers with the machine to themselves",
        options.managers,
        match options.managers {
            0 => "no reads".to_string(),
            1 => format!("the admin: all {HALLS} halls"),
            n => format!("the admin: all {HALLS} halls; {} city managers", n - 1),
        }
    );
}

fn print_mix(mix: &Mix, rows: usize) {
    let mut sorted = mix.submissions.latencies[Kind::Submit.index()].clone();
    sorted.sort_unstable();
    let requests = sorted.len() as u64 + mix.submissions.transport[Kind::Submit.index()];
    let seconds = mix.submissions.elapsed.as_secs_f64();
    println!();
    println!(
        "upload mix  {rows} visits ({:.1} MB) uploaded to /admin/imports/visits while \
         {SUBMITTERS} inspectors submit: answered {} after {:.1} s",
        mix.bytes as f64 / 1_048_576.0,
        mix.status,
        mix.upload.as_secs_f64()
    );
    println!(
        "            submissions {requests} ({:.1}/s), p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         503 (busy) {}, other errors {}",
        requests as f64 / seconds,
        percentile(&sorted, 0.50),
        percentile(&sorted, 0.99),
        percentile(&sorted, 1.0),
        mix.busy(),
        mix.failed()
    );
    for sample in mix.submissions.samples.iter().take(5) {
        println!("  e.g. {sample}");
    }
}
