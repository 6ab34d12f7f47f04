//! A year of national data — 3,000 halls, 24 visits each, an 80-item
//! checklist: 72,000 rows × 85 columns — imported by hallscore and by a
//! pandas peer (`benches/peer_import.py`), side by side.
//!
//! ```sh
//! cargo bench --bench national                 # builds the release binary too
//! cargo bench --bench national -- --quick      # one hallscore run per file, not three
//! cargo bench --bench national -- --no-peer    # hallscore only
//! cargo bench --bench national -- --halls 300  # a smaller country
//! ```
//!
//! The peer needs `python3` with pandas and openpyxl; from .xlsx it takes
//! a minute or two. The machine should be otherwise idle: the table shows
//! CPU time next to wall time so that a busy machine can be recognised.
//!
//! The data is generated deterministically into `target/bench-national/`
//! and reused while its parameters stay the same. Both programs run as
//! child processes on fresh databases; wall time includes starting the
//! process. Peak memory is the child's VmHWM from `/proc/<pid>/status`,
//! polled every 5 ms until it exits (the last value read).
//! This is a benchmark, not a test: it prints figures and never fails on
//! slowness; it fails only when a program fails or the figures disagree.

use std::fmt::Write as _;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{Format, Workbook};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Returns early with a formatted error.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err(format!($($arg)*).into())
    };
}

/// Bump when the generator changes what it writes.
const GENERATOR: u32 = 1;
const SEED: u64 = 2025_0701;
const YEAR: i32 = 2025;
const VISITS_PER_HALL: usize = 24;
const DISTRICTS: usize = 300;
const POLL: Duration = Duration::from_millis(5);

const CITIES: [&str; 18] = [
    "郑州市",
    "开封市",
    "洛阳市",
    "平顶山市",
    "安阳市",
    "鹤壁市",
    "新乡市",
    "焦作市",
    "濮阳市",
    "许昌市",
    "漯河市",
    "三门峡市",
    "南阳市",
    "商丘市",
    "信阳市",
    "周口市",
    "驻马店市",
    "济源市",
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
const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗",
];
const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平",
];
const SECTIONS: [&str; 8] = [
    "仪容仪表",
    "站姿举止",
    "微笑与目光",
    "服务用语",
    "排队等候",
    "环境卫生",
    "业务办理",
    "营销推荐",
];
const WAITS: [&str; 8] = [
    "取号到叫号等候时长",
    "叫号到办结时长",
    "咨询台等候时长",
    "自助区等候时长",
    "缴费业务办理时长",
    "开户业务办理时长",
    "投诉受理等候时长",
    "终端体验区等候时长",
];

// ---------------------------------------------------------------- options

struct Options {
    quick: bool,
    peer: bool,
    halls: usize,
}

impl Options {
    fn parse() -> Result<Options> {
        let mut options = Options {
            quick: false,
            peer: true,
            halls: 3_000,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--no-peer" => options.peer = false,
                "--halls" => {
                    options.halls = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n| n >= DISTRICTS)
                        .ok_or_else(|| format!("--halls needs a number ≥ {DISTRICTS}"))?;
                }
                // `cargo bench` passes --bench; filters and the like are not ours.
                _ => {}
            }
        }
        Ok(options)
    }

    fn runs(&self) -> usize {
        if self.quick { 1 } else { 3 }
    }
}

struct Paths {
    binary: PathBuf,
    data: PathBuf,
    checklists: PathBuf,
    checklist: PathBuf,
    roster: PathBuf,
    csv: PathBuf,
    xlsx: PathBuf,
    runs: PathBuf,
    peer: PathBuf,
}

impl Paths {
    fn new() -> Paths {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        // Cargo builds the binary for benchmarks and says where it is:
        // <target>/release/hallscore.
        let binary = PathBuf::from(env!("CARGO_BIN_EXE_hallscore"));
        let target = binary
            .parent()
            .and_then(Path::parent)
            .map_or_else(|| root.join("target"), Path::to_path_buf);
        let data = target.join("bench-national");
        Paths {
            binary,
            checklists: data.join("checklists"),
            checklist: data.join("checklists").join("national.toml"),
            roster: data.join("网点名单.csv"),
            csv: data.join("暗访结果-2025.csv"),
            xlsx: data.join("暗访结果-2025.xlsx"),
            runs: data.join("runs"),
            peer: root.join("benches").join("peer_import.py"),
            data,
        }
    }
}

// ---------------------------------------------------------------- the checklist

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Check,
    Scale,
    Choice,
    Measure,
}

struct Item {
    code: String,
    title: String,
    section: usize,
    kind: Kind,
    points: f64,
    na: bool,
    critical: Option<&'static str>,
}

/// 8 sections of 10 items, 100 points: in each section four 1-point
/// checks, a 1-point check that may be N/A, a 1-point check (critical for
/// its section in A, for the whole visit in G), a 2-point check, a 1-point
/// scale, a 2-point choice (N/A allowed in E–H) and a 1.5-point wait in
/// minutes (N/A allowed in B, D, F, H).
fn national_items() -> Vec<Item> {
    let mut items = Vec::new();
    for (s, section) in SECTIONS.iter().enumerate() {
        let letter = char::from(b'A' + s as u8);
        for i in 0..10 {
            let (kind, points, na, critical, title) = match i {
                0..=3 => (
                    Kind::Check,
                    1.0,
                    false,
                    None,
                    format!("{section}规范第{}条", i + 1),
                ),
                4 => (
                    Kind::Check,
                    1.0,
                    true,
                    None,
                    format!("{section}特殊情形处理"),
                ),
                5 => (
                    Kind::Check,
                    1.0,
                    false,
                    match s {
                        0 => Some("section"),
                        6 => Some("visit"),
                        _ => None,
                    },
                    format!("{section}红线要求"),
                ),
                6 => (Kind::Check, 2.0, false, None, format!("{section}重点要求")),
                7 => (Kind::Scale, 1.0, false, None, format!("{section}整体表现")),
                8 => (
                    Kind::Choice,
                    2.0,
                    s >= 4,
                    None,
                    format!("{section}服务评价"),
                ),
                _ => (Kind::Measure, 1.5, s % 2 == 1, None, WAITS[s].to_string()),
            };
            items.push(Item {
                code: format!("{letter}{:02}", i + 1),
                title,
                section: s,
                kind,
                points,
                na,
                critical,
            });
        }
    }
    items
}

fn checklist_toml(items: &[Item]) -> String {
    let mut out = String::from(
        "# 全国营业厅暗访检查表(性能测试用,由 benches/national.rs 生成)\n\
         id = \"national\"\nversion = 1\ntitle = \"全国营业厅服务暗访检查表\"\npass_mark = 0.8\n",
    );
    for (s, section) in SECTIONS.iter().enumerate() {
        let letter = char::from(b'A' + s as u8);
        let _ = write!(
            out,
            "\n[[section]]\ncode = \"{letter}\"\ntitle = \"{section}\"\n"
        );
        for item in items.iter().filter(|i| i.section == s) {
            let _ = write!(
                out,
                "\n[[section.item]]\ncode = \"{}\"\ntitle = \"{}\"\nkind = \"{}\"\npoints = {}\n",
                item.code,
                item.title,
                match item.kind {
                    Kind::Check => "check",
                    Kind::Scale => "scale",
                    Kind::Choice => "choice",
                    Kind::Measure => "measure",
                },
                item.points
            );
            if item.na {
                out.push_str("na = true\n");
            }
            if let Some(critical) = item.critical {
                let _ = writeln!(out, "critical = \"{critical}\"");
            }
            match item.kind {
                Kind::Choice => out.push_str(
                    "choices = [ { label = \"优\", score = 2 }, { label = \"良\", score = 1 }, { label = \"差\", score = 0 } ]\n",
                ),
                Kind::Measure => out.push_str(
                    "unit = \"分钟\"\nbands = [ { max = 5, score = 1.5 }, { max = 10, score = 1 }, { max = 15, score = 0.5 }, { score = 0 } ]\n",
                ),
                _ => {}
            }
        }
    }
    out
}

// ---------------------------------------------------------------- the data

struct Hall {
    code: String,
    quality: f64,
}

/// A generated answer as both files hold it.
enum Value {
    Text(&'static str),
    Owned(String),
    Number(f64),
}

fn place(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{}{}",
        PLACE_HEADS[rng.random_range(0..PLACE_HEADS.len())],
        PLACE_TAILS[rng.random_range(0..PLACE_TAILS.len())]
    )
}

/// Writes the roster CSV and returns the halls.
fn write_roster(rng: &mut ChaCha8Rng, halls: usize, path: &Path) -> Result<Vec<Hall>> {
    let mut districts: Vec<(String, &str)> = Vec::with_capacity(DISTRICTS);
    let mut names = std::collections::HashSet::new();
    while districts.len() < DISTRICTS {
        let city = CITIES[districts.len() * CITIES.len() / DISTRICTS];
        let suffix = if rng.random_bool(0.4) { "区" } else { "县" };
        let name = format!("{}{suffix}", place(rng));
        if names.insert(name.clone()) {
            districts.push((name, city));
        }
    }
    let mut writer = csv::Writer::from_path(path)?;
    writer.write_record(["地市", "区县", "网点编码", "网点名称"])?;
    let mut out = Vec::with_capacity(halls);
    let mut hall_names = std::collections::HashSet::new();
    for h in 0..halls {
        // Every district gets one hall, the rest are spread at random.
        let d = if h < DISTRICTS {
            h
        } else {
            rng.random_range(0..DISTRICTS)
        };
        let (district, city) = &districts[d];
        let code = format!("HN{:05}", h + 1);
        let stem = district.trim_end_matches(['区', '县']);
        let mut name = format!(
            "{stem}{}营业厅",
            STREETS[rng.random_range(0..STREETS.len())]
        );
        if !hall_names.insert(name.clone()) {
            name = format!("{stem}{}营业厅", place(rng));
            if !hall_names.insert(name.clone()) {
                name = format!("{stem}第{}营业厅", h + 1);
            }
        }
        writer.write_record([*city, district.as_str(), code.as_str(), name.as_str()])?;
        out.push(Hall {
            code,
            quality: rng.random_range(0.72..0.97),
        });
    }
    writer.flush()?;
    Ok(out)
}

fn check(rng: &mut ChaCha8Rng, pass: bool) -> Value {
    let spellings: [(&str, &str); 4] = [("是", "否"), ("√", "×"), ("Y", "N"), ("合格", "不合格")];
    let r: f64 = rng.random();
    let (yes, no) = spellings[match r {
        r if r < 0.96 => 0,
        r if r < 0.98 => 1,
        r if r < 0.99 => 2,
        _ => 3,
    }];
    Value::Text(if pass { yes } else { no })
}

fn not_applicable(rng: &mut ChaCha8Rng) -> Value {
    let r: f64 = rng.random();
    Value::Text(match r {
        r if r < 0.8 => "不适用",
        r if r < 0.9 => "N/A",
        _ => "",
    })
}

fn answer(rng: &mut ChaCha8Rng, item: &Item, quality: f64) -> Value {
    let r: f64 = rng.random();
    match item.kind {
        Kind::Check if item.na && rng.random_bool(0.1) => not_applicable(rng),
        Kind::Check => {
            let pass = match item.critical {
                Some("section") => r < 1.0 - (1.0 - quality) * 0.3,
                Some(_) => r < 0.995,
                None => r < quality,
            };
            check(rng, pass)
        }
        Kind::Scale => Value::Number(if r < quality {
            1.0
        } else if r < quality + (1.0 - quality) / 2.0 {
            0.5
        } else {
            0.0
        }),
        Kind::Choice if item.na && r < 0.06 => not_applicable(rng),
        Kind::Choice => {
            let r: f64 = rng.random();
            Value::Text(if r < quality - 0.1 {
                "优"
            } else if r < quality + 0.05 {
                "良"
            } else {
                "差"
            })
        }
        Kind::Measure if item.na && r < 0.05 => not_applicable(rng),
        Kind::Measure => {
            let mean = 2.0 + 16.0 * (1.0 - quality);
            let u: f64 = rng.random_range(1e-9..1.0);
            let seconds = (-u.ln() * mean * 60.0).round().min(5_999.0) as u32;
            if rng.random_bool(0.35) {
                Value::Owned(format!("{:02}:{:02}", seconds / 60, seconds % 60))
            } else {
                Value::Number((f64::from(seconds) / 6.0).round() / 10.0)
            }
        }
    }
}

fn inspectors(rng: &mut ChaCha8Rng) -> Vec<String> {
    (0..240)
        .map(|_| {
            format!(
                "{}{}",
                SURNAMES[rng.random_range(0..SURNAMES.len())],
                GIVEN[rng.random_range(0..GIVEN.len())]
            )
        })
        .collect()
}

/// Writes the visits sheet as .csv and .xlsx at once, row by row.
fn write_visits(
    rng: &mut ChaCha8Rng,
    items: &[Item],
    halls: &[Hall],
    paths: &Paths,
) -> Result<usize> {
    let inspectors = inspectors(rng);
    let mut headers: Vec<String> = ["暗访编号", "网点编码", "暗访日期", "暗访员", "检查表"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    headers.extend(items.iter().map(|i| format!("{} {}", i.code, i.title)));

    let mut csv = csv::Writer::from_writer(BufWriter::new(fs::File::create(&paths.csv)?));
    csv.write_record(&headers)?;

    let mut workbook = Workbook::new();
    workbook.set_tempdir(&paths.data)?;
    let date_format = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("暗访结果")?;
    for (c, header) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, header)?;
    }

    let mut record: Vec<String> = Vec::with_capacity(headers.len());
    let mut row = 0u32;
    for month in 1..=12u32 {
        for hall in halls {
            for _ in 0..VISITS_PER_HALL / 12 {
                row += 1;
                let quality = (hall.quality + rng.random_range(-0.05..0.05)).clamp(0.0, 1.0);
                let at = NaiveDate::from_ymd_opt(YEAR, month, rng.random_range(1..=28))
                    .and_then(|d| {
                        d.and_hms_opt(rng.random_range(9..17), rng.random_range(0..60), 0)
                    })
                    .ok_or("a generated date is invalid")?;
                let id = format!("AF{YEAR}{row:07}");
                let inspector = &inspectors[rng.random_range(0..inspectors.len())];
                record.clear();
                record.push(id.clone());
                record.push(hall.code.clone());
                record.push(at.format("%Y-%m-%d %H:%M").to_string());
                record.push(inspector.clone());
                record.push("national".into());
                sheet.write_string(row, 0, &id)?;
                sheet.write_string(row, 1, &hall.code)?;
                sheet.write_datetime_with_format(row, 2, at, &date_format)?;
                sheet.write_string(row, 3, inspector)?;
                sheet.write_string(row, 4, "national")?;
                for (i, item) in items.iter().enumerate() {
                    let column = 5 + i as u16;
                    match answer(rng, item, quality) {
                        Value::Text("") => record.push(String::new()),
                        Value::Text(text) => {
                            record.push(text.to_string());
                            sheet.write_string(row, column, text)?;
                        }
                        Value::Owned(text) => {
                            sheet.write_string(row, column, &text)?;
                            record.push(text);
                        }
                        Value::Number(n) => {
                            record.push(n.to_string());
                            sheet.write_number(row, column, n)?;
                        }
                    }
                }
                csv.write_record(&record)?;
            }
        }
    }
    csv.flush()?;
    workbook.save(&paths.xlsx)?;
    Ok(row as usize)
}

/// Generates the files unless the stamp says they are there already.
fn ensure_data(options: &Options, paths: &Paths) -> Result<usize> {
    let items = national_items();
    let visits = options.halls * VISITS_PER_HALL;
    let stamp = format!(
        "generator={GENERATOR} seed={SEED} halls={} visits={visits} items={}\n",
        options.halls,
        items.len()
    );
    let stamp_path = paths.data.join("stamp");
    let present = [&paths.checklist, &paths.roster, &paths.csv, &paths.xlsx]
        .iter()
        .all(|p| p.is_file());
    if present && fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        println!("data: reusing {} ({visits} visits)", paths.data.display());
        return Ok(visits);
    }
    let started = Instant::now();
    println!(
        "data: generating {} halls × {VISITS_PER_HALL} visits × {} items into {} …",
        options.halls,
        items.len(),
        paths.data.display()
    );
    let _ = fs::remove_file(&stamp_path);
    fs::create_dir_all(&paths.checklists)?;
    fs::write(&paths.checklist, checklist_toml(&items))?;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let halls = write_roster(&mut rng, options.halls, &paths.roster)?;
    let rows = write_visits(&mut rng, &items, &halls, paths)?;
    fs::write(&stamp_path, stamp)?;
    println!(
        "data: {rows} rows in {:.1} s (.csv {:.1} MB, .xlsx {:.1} MB)",
        started.elapsed().as_secs_f64(),
        mb(fs::metadata(&paths.csv)?.len()),
        mb(fs::metadata(&paths.xlsx)?.len())
    );
    Ok(rows)
}

// ---------------------------------------------------------------- measuring

#[derive(Clone, Copy, Default)]
struct Measured {
    wall: Duration,
    /// User and system time, to tell a slow program from a busy machine.
    cpu: Duration,
    /// VmHWM in kB.
    peak_kb: u64,
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// User plus system time from `/proc/<pid>/stat`, in clock ticks of 1/100 s
/// (Linux's USER_HZ).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Runs a command to the end, its output going to `log`, polling its peak
/// resident memory and CPU time.
fn measure(command: &mut Command, log: &Path) -> Result<Measured> {
    let out = fs::File::create(log)?;
    let err = out.try_clone()?;
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let pid = child.id();
    let (mut peak_kb, mut ticks) = (0, 0);
    let status = loop {
        if let Some(kb) = vm_hwm_kb(pid) {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(t) = cpu_ticks(pid) {
            ticks = ticks.max(t);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(POLL);
    };
    let wall = started.elapsed();
    if !status.success() {
        let text = fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        bail!(
            "{command:?} failed ({status}); last lines of {}:\n{}",
            log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    Ok(Measured {
        wall,
        cpu: Duration::from_millis(ticks * 10),
        peak_kb,
    })
}

fn run_quietly(command: &mut Command) -> Result<String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = fs::remove_file(PathBuf::from(name));
    }
}

fn hallscore(paths: &Paths, db: &Path) -> Command {
    let mut command = Command::new(&paths.binary);
    command.arg("--db").arg(db).current_dir(&paths.runs);
    command
}

/// A fresh database with the checklist and the roster, then the timed
/// import of `file`.
fn hallscore_import(paths: &Paths, db: &Path, file: &Path, log: &Path) -> Result<Measured> {
    remove_db(db);
    run_quietly(
        hallscore(paths, db)
            .arg("init")
            .arg("--checklists")
            .arg(&paths.checklists),
    )?;
    run_quietly(
        hallscore(paths, db)
            .args(["import", "roster"])
            .arg(&paths.roster),
    )?;
    measure(
        hallscore(paths, db).args(["import", "visits"]).arg(file),
        log,
    )
}

fn peer_import(paths: &Paths, db: &Path, file: &Path, log: &Path) -> Result<Measured> {
    remove_db(db);
    measure(
        Command::new("python3")
            .arg(&paths.peer)
            .arg(&paths.checklist)
            .arg(&paths.roster)
            .arg(file)
            .arg(db)
            .current_dir(&paths.runs),
        log,
    )
}

// ---------------------------------------------------------------- agreement

/// Branch rates from hallscore's rankings against branch means of the
/// peer's per-visit rates. `None` when they agree, else the first mismatch.
fn compare(paths: &Paths, hallscore_db: &Path, peer_db: &Path) -> Result<(usize, Option<String>)> {
    let json = run_quietly(hallscore(paths, hallscore_db).args([
        "report",
        "rankings",
        "--period",
        &YEAR.to_string(),
        "--format",
        "json",
        "--checklist",
        "national",
    ]))?;
    let report: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| format!("rankings JSON: {e}"))?;
    let rows = report["rows"]
        .as_array()
        .ok_or("rankings JSON has no rows")?;
    let conn = rusqlite::Connection::open(peer_db)?;
    let mut stmt = conn.prepare(
        "SELECT branch_code, count(*), avg(rate) FROM visits GROUP BY branch_code ORDER BY branch_code",
    )?;
    let peer: std::collections::HashMap<String, (i64, Option<f64>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<rusqlite::Result<_>>()?;
    if peer.len() != rows.len() {
        return Ok((
            0,
            Some(format!(
                "hallscore ranks {} branches, the peer has visits for {}",
                rows.len(),
                peer.len()
            )),
        ));
    }
    for row in rows {
        let code = row["code"].as_str().unwrap_or_default();
        let visits = row["visits"].as_i64();
        let rate = row["rate"].as_f64();
        let Some(&(peer_visits, peer_rate)) = peer.get(code) else {
            return Ok((
                0,
                Some(format!("branch {code}: not in the peer's database")),
            ));
        };
        let agree = visits == Some(peer_visits)
            && match (rate, peer_rate) {
                // hallscore shows 4 decimals.
                (Some(a), Some(b)) => (a - b).abs() <= 0.000_05 + 1e-9,
                (None, None) => true,
                _ => false,
            };
        if !agree {
            return Ok((
                0,
                Some(format!(
                    "branch {code}: hallscore {visits:?} visits, rate {rate:?}; \
                     peer {peer_visits} visits, rate {peer_rate:?}"
                )),
            ));
        }
    }
    Ok((rows.len(), None))
}

// ---------------------------------------------------------------- the run

struct Task {
    label: &'static str,
    file: PathBuf,
    target: f64,
    minimum: f64,
    hallscore: Vec<Measured>,
    peer: Option<Measured>,
    agreement: Option<(usize, Option<String>)>,
}

/// The run with the median wall time.
fn median(runs: &[Measured]) -> Measured {
    let mut sorted: Vec<&Measured> = runs.iter().collect();
    sorted.sort_by_key(|m| m.wall);
    sorted
        .get(sorted.len() / 2)
        .map_or_else(Measured::default, |m| **m)
}

/// Prints rows as a table, the first `header` rows above a rule.
fn print_table(rows: &[Vec<String>], header: usize) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|t| t.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (text, &width))| {
                let pad = " ".repeat(width - text.chars().count());
                // Text left, figures right.
                if c == 0 || c == 6 || c == 9 {
                    format!("{text}{pad}")
                } else {
                    format!("{pad}{text}")
                }
            })
            .collect();
        println!("{}", cells.join(" │ ").trim_end());
        if i + 1 == header {
            let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
            println!("{}", rule.join("─┼─"));
        }
    }
}

fn main() -> Result<()> {
    let options = Options::parse()?;
    let paths = Paths::new();
    if !paths.binary.is_file() {
        bail!("{} is missing", paths.binary.display());
    }
    let visits = ensure_data(&options, &paths)?;
    fs::create_dir_all(&paths.runs)?;
    let python = run_quietly(Command::new("python3").args([
        "-c",
        "import sys, pandas, openpyxl; print(sys.version.split()[0], pandas.__version__, openpyxl.__version__)",
    ]));

    let mut tasks = vec![
        Task {
            label: "import visits .csv",
            file: paths.csv.clone(),
            target: 10.0,
            minimum: 3.0,
            hallscore: Vec::new(),
            peer: None,
            agreement: None,
        },
        Task {
            label: "import visits .xlsx",
            file: paths.xlsx.clone(),
            target: 20.0,
            minimum: 5.0,
            hallscore: Vec::new(),
            peer: None,
            agreement: None,
        },
    ];
    let mut report_time = None;
    for task in &mut tasks {
        let ext = task
            .file
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("file")
            .to_string();
        let db = paths.runs.join(format!("hallscore-{ext}.db"));
        for run in 1..=options.runs() {
            let log = paths.runs.join(format!("hallscore-{ext}-{run}.log"));
            let m = hallscore_import(&paths, &db, &task.file, &log)?;
            println!(
                "  hallscore {:<20} run {run}: {:>7.2} s wall {:>7.2} s cpu {:>6.0} MB",
                task.label,
                m.wall.as_secs_f64(),
                m.cpu.as_secs_f64(),
                m.peak_kb as f64 / 1024.0
            );
            task.hallscore.push(m);
        }
        if report_time.is_none() {
            let started = Instant::now();
            run_quietly(hallscore(&paths, &db).args([
                "report",
                "rankings",
                "--period",
                &YEAR.to_string(),
                "--checklist",
                "national",
            ]))?;
            report_time = Some(started.elapsed());
        }
        if options.peer {
            let peer_db = paths.runs.join(format!("peer-{ext}.db"));
            let log = paths.runs.join(format!("peer-{ext}.log"));
            let m = peer_import(&paths, &peer_db, &task.file, &log)?;
            println!(
                "  peer      {:<20} run 1: {:>7.2} s wall {:>7.2} s cpu {:>6.0} MB",
                task.label,
                m.wall.as_secs_f64(),
                m.cpu.as_secs_f64(),
                m.peak_kb as f64 / 1024.0
            );
            task.peer = Some(m);
            task.agreement = Some(compare(&paths, &db, &peer_db)?);
        }
    }

    println!();
    println!(
        "A year of national data: {} halls × {VISITS_PER_HALL} visits = {visits} rows × {} columns \
         (.csv {:.1} MB, .xlsx {:.1} MB)",
        options.halls,
        5 + national_items().len(),
        mb(fs::metadata(&paths.csv)?.len()),
        mb(fs::metadata(&paths.xlsx)?.len())
    );
    println!(
        "hallscore: {} (median of {} run{}; fresh database each time: init, import roster, then the timed import)",
        paths.binary.display(),
        options.runs(),
        if options.runs() == 1 { "" } else { "s" }
    );
    match &python {
        Ok(v) => println!(
            "peer:      python3 benches/peer_import.py — read_csv / read_excel(openpyxl), score, to_sql (one run; python, pandas, openpyxl {})",
            v.trim()
        ),
        Err(_) => println!("peer:      python3 with pandas and openpyxl not found"),
    }
    println!(
        "wall time includes process start; cpu = user + system time from /proc/<pid>/stat; peak memory = VmHWM of \
         the child from /proc/<pid>/status, polled every 5 ms until it exits (the last value read)"
    );
    println!();
    let secs = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    let mut rows: Vec<Vec<String>> = vec![
        [
            "task",
            "hallscore",
            "",
            "peer",
            "",
            "speed-up",
            "goal (target, minimum)",
            "hallscore",
            "peer",
            "memory goal",
        ]
        .map(String::from)
        .to_vec(),
        [
            "",
            "wall",
            "cpu",
            "wall",
            "cpu",
            "wall (cpu)",
            "",
            "peak MB",
            "peak MB",
            "< 500 MB, ≤ ½ peer",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for task in &tasks {
        let hs = median(&task.hallscore);
        let hs_peak = task.hallscore.iter().map(|m| m.peak_kb).max().unwrap_or(0) as f64 / 1024.0;
        let mut row = vec![task.label.to_string(), secs(hs.wall), secs(hs.cpu)];
        match &task.peer {
            Some(p) => {
                let speedup = p.wall.as_secs_f64() / hs.wall.as_secs_f64();
                let cpu_speedup = p.cpu.as_secs_f64() / hs.cpu.as_secs_f64().max(0.01);
                let mark = |ok: bool| if ok { "✓" } else { "✗" };
                let peer_peak = p.peak_kb as f64 / 1024.0;
                row.extend([
                    secs(p.wall),
                    secs(p.cpu),
                    format!("{speedup:.1}× ({cpu_speedup:.1}×)"),
                    format!(
                        "{}× {}  ≥{}× {}",
                        task.target,
                        mark(speedup >= task.target),
                        task.minimum,
                        mark(speedup >= task.minimum)
                    ),
                    format!("{hs_peak:.0}"),
                    format!("{peer_peak:.0}"),
                    mark(hs_peak < 500.0 && hs_peak * 2.0 <= peer_peak).to_string(),
                ]);
            }
            None => row.extend([
                "—".into(),
                "—".into(),
                "—".into(),
                format!("{}×, ≥{}×", task.target, task.minimum),
                format!("{hs_peak:.0}"),
                "—".into(),
                if hs_peak < 500.0 {
                    "✓ (< 500)"
                } else {
                    "✗"
                }
                .to_string(),
            ]),
        }
        rows.push(row);
    }
    if let Some(t) = report_time {
        let mut row = vec!["report rankings 2025".to_string(), secs(t)];
        row.extend(std::iter::repeat_n(String::new(), 8));
        rows.push(row);
    }
    print_table(&rows, 2);
    if report_time.is_some() {
        println!(
            "(report rankings: hallscore only, the {visits} visits of the .csv import, wall time)"
        );
    }
    println!();
    let mut disagree = false;
    for task in &tasks {
        match &task.agreement {
            Some((n, None)) => println!(
                "{}: figures agree — visits and rates of all {n} branches (hallscore `report rankings --format json` vs the mean of the peer's per-visit rates, to 4 decimals)",
                task.label
            ),
            Some((_, Some(mismatch))) => {
                disagree = true;
                println!("{}: FIGURES DISAGREE — {mismatch}", task.label);
            }
            None => {}
        }
    }
    if disagree {
        bail!("hallscore and the peer disagree");
    }
    Ok(())
}
