//! A year of national data — 3,000 halls, 24 visits each, an 80-item
//! checklist: 72,000 rows × 85 columns — imported by hallscore and by a
//! pandas peer (`benches/peer_import.py`), side by side; then the year's
//! ranking workbook (`export rankings`) against a pandas peer that writes
//! the same five main sheets (`benches/peer_workbook.py`): from the .csv
//! through the database to the workbook, and the export alone. With
//! `--postgres URL` hallscore does all of it on PostgreSQL as well as on
//! SQLite, rows labelled by backend, PostgreSQL's time also as a multiple of
//! SQLite's; the two must print identical rankings of the year.
//!
//! ```sh
//! cargo bench --bench national                 # builds the release binary too
//! cargo bench --bench national -- --quick      # one hallscore run per file, not three
//! cargo bench --bench national -- --workbook   # the .csv only: its import, then the workbook
//! cargo bench --bench national -- --no-peer    # hallscore only
//! cargo bench --bench national -- --halls 300  # a smaller country
//! cargo bench --bench national -- --postgres postgres://postgres@127.0.0.1:5432/postgres
//! ```
//!
//! `--postgres` names a server and its maintenance database: the bench
//! creates its own databases there (`bench_<pid>_csv`, `bench_<pid>_xlsx`,
//! fresh for each run) and drops them at the end.
//!
//! The peers need `python3` with pandas and openpyxl; from .xlsx the
//! import takes a minute or two. The machine should be otherwise idle: the table shows
//! CPU time next to wall time so that a busy machine can be recognised.
//!
//! The data is generated deterministically into `target/bench-national/`
//! and reused while its parameters stay the same. Above about 19,600 halls
//! (`--halls 30000` is ten times the country) a year no longer fits
//! hallscore's limit on the cells of one sheet: the visits are then written
//! as several files of whole months, imported one after the other into the
//! same database (times added up, peak the largest), and the peers, which
//! read one file, are left out. Both programs run as
//! child processes on fresh databases; wall time includes starting the
//! process. Peak memory is the most private memory (RssAnon) the child had
//! in `/proc/<pid>/status`, polled every 5 ms until it exits; its VmHWM is
//! printed per run as well, which also counts the pages of the SQLite file
//! mapped into memory to read it (the kernel's page cache, shared and
//! dropped when memory is short). On PostgreSQL it is hallscore's alone,
//! the database server's memory is not counted.
//! This is a benchmark, not a test: it prints figures and never fails on
//! slowness; it fails only when a program fails or the figures disagree
//! (hallscore's with the peer's, or PostgreSQL's with SQLite's).

use std::fmt::Write as _;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use hallscore::formats::read::MAX_CELLS;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{Format, Workbook};

#[path = "common/pg_server.rs"]
mod pg_server;
use pg_server::PgServer;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

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
    /// Only the .csv: the ranking workbook side by side without the long
    /// .xlsx imports.
    workbook: bool,
    peer: bool,
    halls: usize,
    /// A PostgreSQL server (URL of its maintenance database) to run
    /// hallscore on as well, next to SQLite.
    postgres: Option<String>,
}

impl Options {
    fn parse() -> Result<Options> {
        let mut options = Options {
            quick: false,
            workbook: false,
            peer: true,
            halls: 3_000,
            postgres: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--workbook" => options.workbook = true,
                "--no-peer" => options.peer = false,
                "--halls" => {
                    options.halls = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n| n >= DISTRICTS)
                        .ok_or_else(|| format!("--halls needs a number ≥ {DISTRICTS}"))?;
                }
                "--postgres" => {
                    options.postgres = Some(
                        args.next()
                            .filter(|url| url.starts_with("postgres"))
                            .ok_or("--postgres needs a postgres:// URL of the server")?,
                    );
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
    /// The visits, in as many files as hallscore's limit on the cells of
    /// one sheet needs: months `months[i]` in `csv[i]` and `xlsx[i]`.
    csv: Vec<PathBuf>,
    xlsx: Vec<PathBuf>,
    months: Vec<std::ops::RangeInclusive<u32>>,
    runs: PathBuf,
    peer: PathBuf,
    peer_workbook: PathBuf,
}

impl Paths {
    fn new(halls: usize) -> Paths {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        // Cargo builds the binary for benchmarks and says where it is:
        // <target>/release/hallscore.
        let binary = PathBuf::from(env!("CARGO_BIN_EXE_hallscore"));
        let target = binary
            .parent()
            .and_then(Path::parent)
            .map_or_else(|| root.join("target"), Path::to_path_buf);
        let data = target.join("bench-national");
        // Whole months per file, the header row included, then the files
        // evened out.
        let columns = 5 + national_items().len();
        let rows_per_month = halls * VISITS_PER_HALL / 12;
        let fit = (1..=12u32)
            .rev()
            .find(|&m| (rows_per_month * m as usize + 1) * columns <= MAX_CELLS)
            .unwrap_or(1);
        let files = 12_u32.div_ceil(fit);
        let per_file = 12_u32.div_ceil(files);
        let months: Vec<_> = (0..files)
            .map(|f| f * per_file + 1..=((f + 1) * per_file).min(12))
            .collect();
        let name = |ext: &str, range: &std::ops::RangeInclusive<u32>| {
            data.join(if files == 1 {
                format!("暗访结果-{YEAR}.{ext}")
            } else {
                format!(
                    "暗访结果-{YEAR}-{:02}-{:02}.{ext}",
                    range.start(),
                    range.end()
                )
            })
        };
        Paths {
            binary,
            checklists: data.join("checklists"),
            checklist: data.join("checklists").join("national.toml"),
            roster: data.join("网点名单.csv"),
            csv: months.iter().map(|m| name("csv", m)).collect(),
            xlsx: months.iter().map(|m| name("xlsx", m)).collect(),
            months,
            runs: data.join("runs"),
            peer: root.join("benches").join("peer_import.py"),
            peer_workbook: root.join("benches").join("peer_workbook.py"),
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

/// Writes the visits sheets as .csv and .xlsx at once, row by row, file
/// by file.
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
    let date_format = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let mut record: Vec<String> = Vec::with_capacity(headers.len());
    // Visits so far, for their numbers.
    let mut visits = 0u32;
    for ((csv_path, xlsx_path), months) in paths.csv.iter().zip(&paths.xlsx).zip(&paths.months) {
        let mut csv = csv::Writer::from_writer(BufWriter::new(fs::File::create(csv_path)?));
        csv.write_record(&headers)?;
        let mut workbook = Workbook::new();
        workbook.set_tempdir(&paths.data)?;
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name("暗访结果")?;
        for (c, header) in headers.iter().enumerate() {
            sheet.write_string(0, c as u16, header)?;
        }
        let mut row = 0u32;
        for month in months.clone() {
            for hall in halls {
                for _ in 0..VISITS_PER_HALL / 12 {
                    row += 1;
                    visits += 1;
                    let quality = (hall.quality + rng.random_range(-0.05..0.05)).clamp(0.0, 1.0);
                    let at = NaiveDate::from_ymd_opt(YEAR, month, rng.random_range(1..=28))
                        .and_then(|d| {
                            d.and_hms_opt(rng.random_range(9..17), rng.random_range(0..60), 0)
                        })
                        .ok_or("a generated date is invalid")?;
                    let id = format!("AF{YEAR}{visits:07}");
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
        workbook.save(xlsx_path)?;
    }
    Ok(visits as usize)
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
    let present = [&paths.checklist, &paths.roster]
        .into_iter()
        .chain(&paths.csv)
        .chain(&paths.xlsx)
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
    // The visits of another size may have been split differently.
    for entry in fs::read_dir(&paths.data).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with("暗访结果-") {
            fs::remove_file(entry.path())?;
        }
    }
    fs::create_dir_all(&paths.checklists)?;
    fs::write(&paths.checklist, checklist_toml(&items))?;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let halls = write_roster(&mut rng, options.halls, &paths.roster)?;
    let rows = write_visits(&mut rng, &items, &halls, paths)?;
    fs::write(&stamp_path, stamp)?;
    println!(
        "data: {rows} rows in {:.1} s (.csv {:.1} MB, .xlsx {:.1} MB)",
        started.elapsed().as_secs_f64(),
        mb(size(&paths.csv)?),
        mb(size(&paths.xlsx)?)
    );
    Ok(rows)
}

// ---------------------------------------------------------------- measuring

#[derive(Clone, Copy, Default)]
struct Measured {
    wall: Duration,
    /// User and system time, to tell a slow program from a busy machine.
    cpu: Duration,
    /// The most private memory (RssAnon) seen, in kB.
    peak_kb: u64,
    /// VmHWM in kB: also the pages of files mapped into memory, which
    /// hallscore's SQLite reads the database through.
    hwm_kb: u64,
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// The bytes of all `files`.
fn size(files: &[PathBuf]) -> Result<u64> {
    files.iter().map(|f| Ok(fs::metadata(f)?.len())).sum()
}

/// RssAnon and VmHWM from `/proc/<pid>/status`, in kB.
fn memory_kb(pid: u32) -> Option<(u64, u64)> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("RssAnon:")?, field("VmHWM:")?))
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
    let (mut peak_kb, mut hwm_kb, mut ticks) = (0, 0, 0);
    let status = loop {
        if let Some((anon, hwm)) = memory_kb(pid) {
            peak_kb = peak_kb.max(anon);
            hwm_kb = hwm_kb.max(hwm);
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
        hwm_kb,
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

/// Where hallscore keeps the data of one series of runs.
enum Store {
    Sqlite(PathBuf),
    Postgres { server: Rc<PgServer>, name: String },
}

impl Store {
    /// What `--db` gets.
    fn arg(&self) -> std::ffi::OsString {
        match self {
            Store::Sqlite(path) => path.clone().into_os_string(),
            Store::Postgres { server, name } => server.url_of(name).into(),
        }
    }

    /// Empty, before `init`.
    fn fresh(&self) -> Result<()> {
        match self {
            Store::Sqlite(path) => {
                remove_db(path);
                Ok(())
            }
            Store::Postgres { server, name } => server.fresh(name),
        }
    }
}

/// The database hallscore runs on.
struct Backend {
    label: &'static str,
    postgres: Option<Rc<PgServer>>,
}

impl Backend {
    /// The store of this backend for the runs called `what`.
    fn store(&self, paths: &Paths, what: &str) -> Store {
        match &self.postgres {
            None => Store::Sqlite(paths.runs.join(format!("hallscore-{what}.db"))),
            Some(server) => Store::Postgres {
                server: server.clone(),
                name: PgServer::name(what),
            },
        }
    }
}

fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = fs::remove_file(PathBuf::from(name));
    }
}

fn hallscore(paths: &Paths, db: &Store) -> Command {
    let mut command = Command::new(&paths.binary);
    command.arg("--db").arg(db.arg()).current_dir(&paths.runs);
    command
}

/// A fresh database with the checklist and the roster, then the timed
/// import of `files`, one after the other (times summed, peak the
/// largest); the logs of the second file and on end in `.part<n>.log`.
fn hallscore_import(paths: &Paths, db: &Store, files: &[PathBuf], log: &Path) -> Result<Measured> {
    db.fresh()?;
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
    let mut total = Measured::default();
    for (n, file) in files.iter().enumerate() {
        let log = if n == 0 {
            log.to_path_buf()
        } else {
            log.with_extension(format!("part{}.log", n + 1))
        };
        let m = measure(
            hallscore(paths, db).args(["import", "visits"]).arg(file),
            &log,
        )?;
        total = sequence(total, m);
    }
    Ok(total)
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

/// The timed `export rankings` of the year from a database that holds it.
fn hallscore_export(paths: &Paths, db: &Store, out: &Path, log: &Path) -> Result<Measured> {
    let _ = fs::remove_file(out);
    measure(
        hallscore(paths, db)
            .args(["export", "rankings", "--period", &YEAR.to_string()])
            .args(["--checklist", "national", "--out"])
            .arg(out),
        log,
    )
}

fn peer_workbook(paths: &Paths) -> Command {
    let mut command = Command::new("python3");
    command
        .arg(&paths.peer_workbook)
        .arg(YEAR.to_string())
        .arg(&paths.checklist)
        .current_dir(&paths.runs);
    command
}

/// The peer's whole run: `file` into a fresh SQLite `db`, then the workbook.
fn peer_workbook_full(
    paths: &Paths,
    db: &Path,
    file: &Path,
    out: &Path,
    log: &Path,
) -> Result<Measured> {
    remove_db(db);
    let _ = fs::remove_file(out);
    measure(
        peer_workbook(paths)
            .arg(&paths.roster)
            .arg(file)
            .arg(db)
            .arg(out),
        log,
    )
}

/// The peer's workbook alone, from the SQLite file of its whole run.
fn peer_workbook_export(paths: &Paths, db: &Path, out: &Path, log: &Path) -> Result<Measured> {
    let _ = fs::remove_file(out);
    measure(peer_workbook(paths).arg(db).arg(out), log)
}

/// One run after another: times add up, peak memory is the larger.
fn sequence(first: Measured, then: Measured) -> Measured {
    Measured {
        wall: first.wall + then.wall,
        cpu: first.cpu + then.cpu,
        peak_kb: first.peak_kb.max(then.peak_kb),
        hwm_kb: first.hwm_kb.max(then.hwm_kb),
    }
}

/// The lines a child printed about itself (the peers' phase timings).
fn own_report(log: &Path) -> Vec<String> {
    fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("peer"))
        .map(str::to_string)
        .collect()
}

/// The 1-, 5- and 15-minute load averages.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

// ---------------------------------------------------------------- agreement

/// The rows of hallscore's `report rankings --format json` of the year at
/// `level`.
fn rankings_json(paths: &Paths, db: &Store, level: &str) -> Result<Vec<serde_json::Value>> {
    let json = rankings_text(paths, db, level)?;
    let mut report: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| format!("rankings JSON: {e}"))?;
    match report["rows"].take() {
        serde_json::Value::Array(rows) => Ok(rows),
        _ => bail!("rankings JSON has no rows"),
    }
}

/// hallscore's `report rankings --format json` of the year at `level`, as printed.
fn rankings_text(paths: &Paths, db: &Store, level: &str) -> Result<String> {
    run_quietly(hallscore(paths, db).args([
        "report",
        "rankings",
        "--period",
        &YEAR.to_string(),
        "--level",
        level,
        "--format",
        "json",
        "--checklist",
        "national",
    ]))
}

/// Whether two backends print the same rankings of the year at every
/// level: `None` when they do, else where they first differ.
fn compare_backends(paths: &Paths, sqlite: &Store, other: &Store) -> Result<Option<String>> {
    for level in ["branch", "district", "city"] {
        let (a, b) = (
            rankings_text(paths, sqlite, level)?,
            rankings_text(paths, other, level)?,
        );
        if a != b {
            let (n, (x, y)) = a
                .lines()
                .chain(std::iter::repeat(""))
                .zip(b.lines().chain(std::iter::repeat("")))
                .take(a.lines().count().max(b.lines().count()) + 1)
                .enumerate()
                .find(|(_, (x, y))| x != y)
                .unwrap_or((0, ("", "")));
            // Kept for a look at what differs.
            let kept = match other {
                Store::Postgres { server, name } => {
                    server.keep(name);
                    format!(" (database {name} kept)")
                }
                Store::Sqlite(_) => String::new(),
            };
            return Ok(Some(format!(
                "--level {level}, line {}: SQLite `{x}`, PostgreSQL `{y}`{kept}",
                n + 1
            )));
        }
    }
    Ok(None)
}

/// Branch rates from hallscore's rankings against branch means of the
/// peer's per-visit rates. `None` when they agree, else the first mismatch.
fn compare(paths: &Paths, hallscore_db: &Store, peer_db: &Path) -> Result<(usize, Option<String>)> {
    let rows = rankings_json(paths, hallscore_db, "branch")?;
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
    for row in &rows {
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

/// A unit's rank, visits and rate as a ranking sheet of the peer lists them.
type SheetRow = (Option<f64>, Option<f64>, Option<f64>);

/// The rows of a ranking sheet of the peer's workbook by the unit's code.
fn peer_ranking_sheet(
    workbook: &mut calamine::Sheets<std::io::BufReader<fs::File>>,
    sheet: &str,
    key: &str,
) -> Result<std::collections::HashMap<String, SheetRow>> {
    use calamine::{DataType, Reader};
    let range = workbook
        .worksheet_range(sheet)
        .map_err(|e| format!("the peer's sheet {sheet}: {e}"))?;
    let mut rows = range.rows();
    let header = rows.next().ok_or_else(|| format!("{sheet} is empty"))?;
    let column = |name: &str| {
        header
            .iter()
            .position(|c| c.get_string() == Some(name))
            .ok_or_else(|| format!("{sheet} has no column {name}"))
    };
    let (code, rank, visits, rate) = (
        column(key)?,
        column("排名")?,
        column("暗访次数")?,
        column("得分率")?,
    );
    let number = |row: &[calamine::Data], c: usize| row.get(c).and_then(DataType::as_f64);
    Ok(rows
        .map(|row| {
            let name = row
                .get(code)
                .and_then(DataType::as_string)
                .unwrap_or_default();
            (
                name,
                (number(row, rank), number(row, visits), number(row, rate)),
            )
        })
        .collect())
}

/// What the ranking workbooks' agreement check found.
#[derive(Default)]
struct WorkbookAgreement {
    branches: usize,
    districts: usize,
    mismatch: Option<String>,
    /// A few branches side by side: code, hallscore rank and rate, the peer's.
    samples: Vec<[String; 5]>,
}

/// Rank, visits and rate of every branch and district in the peer's 网点排名
/// and 区县排名 sheets against hallscore's `report rankings --format json`.
fn compare_workbook(
    paths: &Paths,
    hallscore_db: &Store,
    peer_xlsx: &Path,
) -> Result<WorkbookAgreement> {
    let mut workbook = calamine::open_workbook_auto(peer_xlsx)
        .map_err(|e| format!("{}: {e}", peer_xlsx.display()))?;
    let mut agreement = WorkbookAgreement::default();
    for (level, sheet, key) in [
        ("branch", "网点排名", "网点编码"),
        ("district", "区县排名", "区县"),
    ] {
        let rows = rankings_json(paths, hallscore_db, level)?;
        let peer = peer_ranking_sheet(&mut workbook, sheet, key)?;
        if peer.len() != rows.len() {
            agreement.mismatch = Some(format!(
                "{sheet}: hallscore lists {} units, the peer {}",
                rows.len(),
                peer.len()
            ));
            return Ok(agreement);
        }
        for (i, row) in rows.iter().enumerate() {
            let code = row["code"].as_str().unwrap_or_default();
            let rank = row["rank"].as_u64();
            let visits = row["visits"].as_u64();
            let rate = row["rate"].as_f64();
            let Some(&(peer_rank, peer_visits, peer_rate)) = peer.get(code) else {
                agreement.mismatch = Some(format!("{sheet}: {code} is not in the peer's sheet"));
                return Ok(agreement);
            };
            let agree = rank == peer_rank.map(|r| r as u64)
                && visits == peer_visits.map(|v| v as u64)
                && match (rate, peer_rate) {
                    // hallscore's JSON has 4 decimals.
                    (Some(a), Some(b)) => (a - b).abs() <= 0.000_05 + 1e-9,
                    (None, None) => true,
                    _ => false,
                };
            if !agree {
                agreement.mismatch = Some(format!(
                    "{sheet}: {code}: hallscore rank {rank:?}, {visits:?} visits, rate {rate:?}; \
                     peer rank {peer_rank:?}, {peer_visits:?} visits, rate {peer_rate:?}"
                ));
                return Ok(agreement);
            }
            let n = rows.len();
            if level == "branch" && (i < 3 || i == n / 2 || i + 1 == n) {
                let show = |r: Option<f64>| r.map_or("—".into(), |r| format!("{r}"));
                agreement.samples.push([
                    code.to_string(),
                    rank.map_or("—".into(), |r| r.to_string()),
                    rate.map_or("—".into(), |r| format!("{:.4}", r)),
                    show(peer_rank),
                    peer_rate.map_or("—".into(), |r| format!("{r:.6}")),
                ]);
            }
        }
        match level {
            "branch" => agreement.branches = rows.len(),
            _ => agreement.districts = rows.len(),
        }
    }
    Ok(agreement)
}

// ---------------------------------------------------------------- the run

struct Task {
    label: &'static str,
    files: Vec<PathBuf>,
    target: f64,
    minimum: f64,
    /// hallscore's runs on each backend, in the order of the backends.
    hallscore: Vec<Vec<Measured>>,
    peer: Option<Measured>,
    agreement: Option<(usize, Option<String>)>,
    /// Whether PostgreSQL's rankings are SQLite's: `None` when they are.
    backends_agree: Option<Option<String>>,
}

/// The run with the median wall time.
fn median(runs: &[Measured]) -> Measured {
    let mut sorted: Vec<&Measured> = runs.iter().collect();
    sorted.sort_by_key(|m| m.wall);
    sorted
        .get(sorted.len() / 2)
        .map_or_else(Measured::default, |m| **m)
}

/// How a row's peak memory is judged against the peer's.
#[derive(Clone, Copy)]
enum MemoryGoal {
    /// Under 500 MB and at most half the peer's.
    Import,
    /// At most `1/most` of the peer's, aiming at `1/aim`.
    Share { most: f64, aim: f64 },
}

/// One line of the table: hallscore's runs (median) against the peer's run.
struct Row<'a> {
    label: &'a str,
    backend: &'a str,
    hallscore: &'a [Measured],
    /// SQLite's runs of the same task, on the rows of another backend.
    sqlite: Option<&'a [Measured]>,
    peer: Option<Measured>,
    target: f64,
    minimum: f64,
    /// A wall time hallscore should stay under as well.
    under: Option<Duration>,
    memory: MemoryGoal,
}

fn mark(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗" }
}

fn share(n: f64) -> String {
    match n as u32 {
        2 => "½".into(),
        3 => "⅓".into(),
        5 => "⅕".into(),
        n => format!("1/{n}"),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

impl Row<'_> {
    fn cells(&self) -> Vec<String> {
        let hs = median(self.hallscore);
        let hs_peak = self.hallscore.iter().map(|m| m.peak_kb).max().unwrap_or(0) as f64 / 1024.0;
        let under = self.under.map_or(String::new(), |limit| {
            format!("  <{} ms {}", limit.as_millis(), mark(hs.wall < limit))
        });
        let mut row = vec![
            self.label.to_string(),
            self.backend.to_string(),
            secs(hs.wall),
            secs(hs.cpu),
        ];
        match &self.peer {
            Some(p) => {
                let speedup = p.wall.as_secs_f64() / hs.wall.as_secs_f64();
                let cpu_speedup = p.cpu.as_secs_f64() / hs.cpu.as_secs_f64().max(0.01);
                let peer_peak = p.peak_kb as f64 / 1024.0;
                row.extend([
                    secs(p.wall),
                    secs(p.cpu),
                    format!("{speedup:.1}× ({cpu_speedup:.1}×)"),
                    format!(
                        "{}× {}  ≥{}× {}{under}",
                        self.target,
                        mark(speedup >= self.target),
                        self.minimum,
                        mark(speedup >= self.minimum)
                    ),
                    format!("{hs_peak:.0}"),
                    format!("{peer_peak:.0}"),
                    match self.memory {
                        MemoryGoal::Import => format!(
                            "< 500, ≤ ½ peer {}",
                            mark(hs_peak < 500.0 && hs_peak * 2.0 <= peer_peak)
                        ),
                        MemoryGoal::Share { most, aim } => format!(
                            "≤ {} peer {}  {} {}",
                            share(most),
                            mark(hs_peak * most <= peer_peak),
                            share(aim),
                            mark(hs_peak * aim <= peer_peak)
                        ),
                    },
                ]);
            }
            None => row.extend([
                "—".into(),
                "—".into(),
                "—".into(),
                format!("{}×, ≥{}×{under}", self.target, self.minimum),
                format!("{hs_peak:.0}"),
                "—".into(),
                match self.memory {
                    MemoryGoal::Import if hs_peak < 500.0 => "✓ (< 500)".into(),
                    MemoryGoal::Import => "✗".into(),
                    MemoryGoal::Share { .. } => "—".into(),
                },
            ]),
        }
        row.push(self.sqlite.map_or(String::new(), |sqlite| {
            versus_sqlite(hs.wall, median(sqlite).wall)
        }));
        row
    }
}

/// Another backend's wall time as a multiple of SQLite's, against the aim
/// of 3×.
fn versus_sqlite(wall: Duration, sqlite: Duration) -> String {
    let times = wall.as_secs_f64() / sqlite.as_secs_f64().max(0.001);
    format!("{times:.1}× {}", mark(times <= 3.0))
}

/// Prints rows as a table, the first `header` rows above a rule; a row of
/// one cell is a section heading across the table.
fn print_table(rows: &[Vec<String>], header: usize) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter(|r| r.len() > 1)
                .filter_map(|r| r.get(c))
                .map(|t| t.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rule = |joint: &str| {
        let parts: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
        parts.join(joint)
    };
    for (i, row) in rows.iter().enumerate() {
        if let [title] = row.as_slice() {
            let line = rule("───");
            let title = format!("── {title} ");
            let rest: String = line.chars().skip(title.chars().count()).collect();
            println!("{title}{rest}");
            continue;
        }
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (text, &width))| {
                let pad = " ".repeat(width - text.chars().count());
                // Text left, figures right.
                if matches!(c, 0 | 1 | 7 | 10 | 11) {
                    format!("{text}{pad}")
                } else {
                    format!("{pad}{text}")
                }
            })
            .collect();
        println!("{}", cells.join(" │ ").trim_end());
        if i + 1 == header {
            println!("{}", rule("─┼─"));
        }
    }
}

fn progress(who: &str, label: &str, run: usize, m: &Measured) {
    println!(
        "  {who:<10} {label:<20} run {run}: {:>7.2} s wall {:>7.2} s cpu {:>6.0} MB (VmHWM {:.0} MB)",
        m.wall.as_secs_f64(),
        m.cpu.as_secs_f64(),
        m.peak_kb as f64 / 1024.0,
        m.hwm_kb as f64 / 1024.0
    );
}

fn main() -> Result<()> {
    let options = Options::parse()?;
    let paths = Paths::new(options.halls);
    if !paths.binary.is_file() {
        bail!("{} is missing", paths.binary.display());
    }
    let visits = ensure_data(&options, &paths)?;
    fs::create_dir_all(&paths.runs)?;
    let python = run_quietly(Command::new("python3").args([
        "-c",
        "import sys, pandas, openpyxl; print(sys.version.split()[0], pandas.__version__, openpyxl.__version__)",
    ]));
    let load_at_start = load_average();
    // The peers read one file.
    let peer = options.peer && paths.csv.len() == 1;
    if options.peer && !peer {
        println!(
            "peer: skipped — the visits are in {} files (hallscore reads at most {MAX_CELLS} cells a sheet), the peers read one",
            paths.csv.len()
        );
    }

    let mut tasks = vec![
        Task {
            label: "import visits .csv",
            files: paths.csv.clone(),
            target: 10.0,
            minimum: 3.0,
            hallscore: Vec::new(),
            peer: None,
            agreement: None,
            backends_agree: None,
        },
        Task {
            label: "import visits .xlsx",
            files: paths.xlsx.clone(),
            target: 20.0,
            minimum: 5.0,
            hallscore: Vec::new(),
            peer: None,
            agreement: None,
            backends_agree: None,
        },
    ];
    if options.workbook {
        tasks.retain(|t| t.files == paths.csv);
    }
    let mut backends = vec![Backend {
        label: "SQLite",
        postgres: None,
    }];
    if let Some(url) = &options.postgres {
        backends.push(Backend {
            label: "PostgreSQL",
            postgres: Some(Rc::new(PgServer::new(url)?)),
        });
    }
    // The year's rankings on each backend, once.
    let mut report_times = Vec::new();
    for task in &mut tasks {
        let ext = task.files[0]
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("file")
            .to_string();
        let stores: Vec<Store> = backends.iter().map(|b| b.store(&paths, &ext)).collect();
        for (backend, db) in backends.iter().zip(&stores) {
            let mut runs = Vec::new();
            for run in 1..=options.runs() {
                let log = paths
                    .runs
                    .join(format!("hallscore-{ext}-{}-{run}.log", backend.label));
                let m = hallscore_import(&paths, db, &task.files, &log)?;
                progress(backend.label, task.label, run, &m);
                runs.push(m);
            }
            task.hallscore.push(runs);
            if report_times.len() < backends.len() {
                let started = Instant::now();
                run_quietly(hallscore(&paths, db).args([
                    "report",
                    "rankings",
                    "--period",
                    &YEAR.to_string(),
                    "--checklist",
                    "national",
                ]))?;
                report_times.push(started.elapsed());
            }
        }
        if let [sqlite, other] = stores.as_slice() {
            task.backends_agree = Some(compare_backends(&paths, sqlite, other)?);
        }
        if peer {
            let peer_db = paths.runs.join(format!("peer-{ext}.db"));
            let log = paths.runs.join(format!("peer-{ext}.log"));
            let m = peer_import(&paths, &peer_db, &task.files[0], &log)?;
            progress("peer", task.label, 1, &m);
            task.peer = Some(m);
            task.agreement = Some(compare(&paths, &stores[0], &peer_db)?);
        }
    }

    // The ranking workbook, from the database of the last .csv import on
    // each backend: the export alone, and added run by run to that import
    // for the way from the agency's file to the workbook.
    let csv_dbs: Vec<Store> = backends.iter().map(|b| b.store(&paths, "csv")).collect();
    let mut exports = Vec::new();
    let mut pipelines = Vec::new();
    for (b, (backend, db)) in backends.iter().zip(&csv_dbs).enumerate() {
        let mut runs = Vec::new();
        for run in 1..=options.runs() {
            let out = paths.runs.join("hallscore-rankings.xlsx");
            let log = paths
                .runs
                .join(format!("hallscore-export-{}-{run}.log", backend.label));
            let m = hallscore_export(&paths, db, &out, &log)?;
            progress(backend.label, "export rankings", run, &m);
            runs.push(m);
        }
        let csv_imports = tasks
            .iter()
            .find(|t| t.files == paths.csv)
            .map_or(&[][..], |t| &t.hallscore[b][..]);
        pipelines.push(
            csv_imports
                .iter()
                .zip(&runs)
                .map(|(import, export)| sequence(*import, *export))
                .collect::<Vec<Measured>>(),
        );
        exports.push(runs);
    }
    let csv_db = &csv_dbs[0];
    let (mut peer_pipeline, mut peer_export, mut workbook_agreement) = (None, None, None);
    let mut peer_phases = Vec::new();
    if peer {
        let db = paths.runs.join("peer-workbook.db");
        let log = paths.runs.join("peer-workbook-full.log");
        let out = paths.runs.join("peer-workbook-full.xlsx");
        let m = peer_workbook_full(&paths, &db, &paths.csv[0], &out, &log)?;
        progress("peer", "import+export .csv", 1, &m);
        peer_pipeline = Some(m);
        peer_phases.extend(
            own_report(&log)
                .into_iter()
                .map(|l| format!("whole run:   {l}")),
        );
        let log = paths.runs.join("peer-workbook-export.log");
        let out = paths.runs.join("peer-workbook.xlsx");
        let m = peer_workbook_export(&paths, &db, &out, &log)?;
        progress("peer", "export rankings", 1, &m);
        peer_export = Some(m);
        peer_phases.extend(
            own_report(&log)
                .into_iter()
                .map(|l| format!("export only: {l}")),
        );
        workbook_agreement = Some(compare_workbook(&paths, csv_db, &out)?);
    }
    let load_at_end = load_average();

    println!();
    println!(
        "A year of national data: {} halls × {VISITS_PER_HALL} visits = {visits} rows × {} columns \
         (.csv {:.1} MB, .xlsx {:.1} MB)",
        options.halls,
        5 + national_items().len(),
        mb(size(&paths.csv)?),
        mb(size(&paths.xlsx)?)
    );
    println!(
        "hallscore: {} (median of {} run{}; fresh database each time: init, import roster, then the timed import)",
        paths.binary.display(),
        options.runs(),
        if options.runs() == 1 { "" } else { "s" }
    );
    if let Some(server) = backends.iter().find_map(|b| b.postgres.as_ref()) {
        println!(
            "backends:  SQLite files in {}; PostgreSQL databases {} on {}, dropped at the end",
            paths.runs.display(),
            PgServer::name("*"),
            server.address()
        );
    }
    match &python {
        Ok(v) => println!(
            "peer:      python3 benches/peer_import.py — read_csv / read_excel(openpyxl), score, to_sql (one run; python, pandas, openpyxl {})",
            v.trim()
        ),
        Err(_) => println!("peer:      python3 with pandas and openpyxl not found"),
    }
    println!(
        "workbook:  hallscore `export rankings --period {YEAR} --checklist national --out …` (9 sheets: also 地市排名, 漏斗图, 等候时长, 暗访员校准; \
         styles, conditional formats, charts); peer python3 benches/peer_workbook.py — peer_import's read and score, then groupby, rank and \
         to_excel(openpyxl) of 说明, 网点排名, 区县排名, 前三后三, 短板分析, unstyled (one run each)"
    );
    println!(
        "wall time includes process start; cpu = user + system time from /proc/<pid>/stat; peak memory = the most private \
         memory (RssAnon) of the child in /proc/<pid>/status, polled every 5 ms until it exits; VmHWM, shown per run, also \
         counts the database file hallscore's SQLite maps into memory to read it, which is the kernel's page cache: \
         shared, and dropped when memory is short"
    );
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let busy = [&load_at_start, &load_at_end].iter().any(|l| {
        l.split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok())
            .is_some_and(|v| v > 0.5 * cpus as f64)
    });
    println!(
        "machine:   {cpus} CPUs; load average {load_at_start} at the start, {load_at_end} at the end{}",
        if busy {
            " — busy: other work shared the CPUs, compare the cpu columns as well as wall"
        } else {
            ""
        }
    );
    println!();
    let mut rows: Vec<Vec<String>> = vec![
        [
            "task",
            "backend",
            "hallscore",
            "",
            "peer",
            "",
            "speed-up",
            "goal (target, minimum)",
            "hallscore",
            "peer",
            "memory goal",
            "÷ SQLite",
        ]
        .map(String::from)
        .to_vec(),
        [
            "",
            "",
            "wall",
            "cpu",
            "wall",
            "cpu",
            "wall (cpu)",
            "",
            "peak MB",
            "peak MB",
            "",
            "wall, ≤ 3×",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for task in &tasks {
        for (b, backend) in backends.iter().enumerate() {
            rows.push(
                Row {
                    label: task.label,
                    backend: backend.label,
                    hallscore: &task.hallscore[b],
                    sqlite: (b > 0).then(|| &task.hallscore[0][..]),
                    peer: task.peer,
                    target: task.target,
                    minimum: task.minimum,
                    under: None,
                    memory: MemoryGoal::Import,
                }
                .cells(),
            );
        }
    }
    for (backend, &t) in backends.iter().zip(&report_times) {
        let mut row = vec![
            format!("report rankings {YEAR}"),
            backend.label.to_string(),
            secs(t),
        ];
        row.extend(std::iter::repeat_n(String::new(), 8));
        row.push(match report_times.first() {
            Some(&sqlite) if backend.postgres.is_some() => versus_sqlite(t, sqlite),
            _ => String::new(),
        });
        rows.push(row);
    }
    rows.push(vec![
        "ranking workbook (export rankings; the peer writes the five main sheets)".into(),
    ]);
    let workbook_memory = MemoryGoal::Share {
        most: 3.0,
        aim: 5.0,
    };
    for (label, runs, peer, target, minimum, under) in [
        (
            "import+export .csv",
            &pipelines,
            peer_pipeline,
            10.0,
            3.0,
            None,
        ),
        (
            "export rankings",
            &exports,
            peer_export,
            50.0,
            10.0,
            Some(Duration::from_millis(150)),
        ),
    ] {
        for (b, backend) in backends.iter().enumerate() {
            rows.push(
                Row {
                    label,
                    backend: backend.label,
                    hallscore: &runs[b],
                    sqlite: (b > 0).then(|| &runs[0][..]),
                    peer,
                    target,
                    minimum,
                    under,
                    memory: workbook_memory,
                }
                .cells(),
            );
        }
    }
    print_table(&rows, 2);
    println!(
        "(report rankings: hallscore only, the {visits} visits of the .csv import, wall time)"
    );
    if backends.len() > 1 {
        println!(
            "(÷ SQLite: PostgreSQL's median wall time as a multiple of SQLite's, aiming at 3× or less; \
             peak memory is hallscore's alone, the PostgreSQL server's is not counted)"
        );
    }
    println!(
        "(import+export .csv: hallscore = import visits, then export rankings, two processes, summed run by run, peak the larger; \
         peer = one process: read, check, score, to_sql, then the workbook from memory)"
    );
    let workbook_size = |name: &str| {
        fs::metadata(paths.runs.join(name))
            .map_or("—".into(), |m| format!("{:.1} MB", mb(m.len())))
    };
    println!(
        "(export rankings: hallscore from the .csv import's database, adding up the points stored with each visit; \
         the peer from the SQLite file of its whole run: read_sql, score the stored answers again with peer_import's parser, then the workbook; \
         workbooks: hallscore {}, the peer {})",
        workbook_size("hallscore-rankings.xlsx"),
        if peer {
            workbook_size("peer-workbook.xlsx")
        } else {
            "—".into()
        }
    );
    for line in &peer_phases {
        println!("  {line}");
    }
    println!();
    let mut disagree = false;
    for task in &tasks {
        match &task.backends_agree {
            Some(None) => println!(
                "{}: SQLite and PostgreSQL agree — `report rankings --period {YEAR} --format json` identical at branch, district and city level",
                task.label
            ),
            Some(Some(difference)) => {
                disagree = true;
                println!(
                    "{}: SQLITE AND POSTGRESQL DISAGREE — {difference}",
                    task.label
                );
            }
            None => {}
        }
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
    match &workbook_agreement {
        Some(WorkbookAgreement {
            mismatch: Some(mismatch),
            ..
        }) => {
            disagree = true;
            println!("ranking workbook: FIGURES DISAGREE — {mismatch}");
        }
        Some(agreement) => {
            println!(
                "ranking workbook: figures agree — rank, visits and rate of all {} branches (网点排名) and {} districts (区县排名) \
                 of the peer's workbook vs hallscore `report rankings --format json --level branch|district`, rates to 4 decimals; for example:",
                agreement.branches, agreement.districts
            );
            let mut sample_rows = vec![
                ["branch", "hallscore rank", "rate", "peer rank", "rate"]
                    .map(String::from)
                    .to_vec(),
            ];
            sample_rows.extend(agreement.samples.iter().map(|s| s.to_vec()));
            for row in sample_rows {
                println!(
                    "  {:<8} {:>14} {:>7} {:>10} {:>9}",
                    row[0], row[1], row[2], row[3], row[4]
                );
            }
        }
        None => {}
    }
    if disagree {
        bail!("the figures disagree (see above)");
    }
    Ok(())
}
