//! Demo data: the county branches of 驻马店 with invented halls, and two
//! quarters of visits against the default checklist. Seeded, so every run
//! makes the same data; halls differ the way real ones do.

use chrono::{NaiveDateTime, NaiveTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::domain::answer::Answer;
use crate::domain::checklist::{Checklist, ItemKind};
use crate::domain::period::Period;
use crate::domain::roster::Branch;
use crate::domain::visit::Visit;

pub const CITY: &str = "驻马店";

/// A demo sign-in: name, display name (when not the name), role, scope
/// and password.
type Account = (
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    &'static str,
);

/// Demo sign-ins. Documented in the README. The inspector's visits are
/// among the demo visits, under their display name.
pub const ACCOUNTS: &[Account] = &[
    ("admin", None, "admin", None, "hallscore-admin"),
    (
        "zhumadian",
        None,
        "manager",
        Some("city:驻马店"),
        "hallscore-demo",
    ),
    (
        "xiping",
        None,
        "manager",
        Some("district:西平"),
        "hallscore-demo",
    ),
    (
        "wangmin",
        Some(INSPECTORS[0].0),
        "inspector",
        None,
        "hallscore-demo",
    ),
];

/// The quarters the demo visits fall in, oldest first.
pub const QUARTERS: [&str; 2] = ["2026-Q2", "2026-Q3"];

/// County branch, code prefix, how well it is run, and its halls.
const COUNTIES: &[(&str, &str, f64, &[&str])] = &[
    (
        "驿城区",
        "YC",
        -0.05,
        &["解放路", "雪松路", "火车站", "开发区", "练江大道", "金雀路"],
    ),
    ("西平", "XP", 0.0, &["城关", "人民路", "出山"]),
    ("上蔡", "SC", -0.03, &["蔡都", "重阳大道", "东岸"]),
    ("平舆", "PY", 0.01, &["清河大道", "建设街", "万冢"]),
    ("正阳", "ZY", 0.045, &["慎水大道", "真阳", "汝南埠"]),
    ("确山", "QS", 0.0, &["盘龙", "朗陵街", "竹沟", "新华路"]),
    ("泌阳", "BY", 0.05, &["花园路", "泌水", "城关", "铜山"]),
    ("汝南", "RN", 0.01, &["天中山大道", "古塔", "梁祝"]),
    ("遂平", "SP", 0.035, &["车站街", "嵖岈山", "灈阳"]),
    (
        "新蔡",
        "XC",
        -0.04,
        &["今是街", "古吕", "月亮湾", "练村", "棠村"],
    ),
];

/// (name, how lenient the inspector scores: + lenient, − strict)
const INSPECTORS: &[(&str, f64)] = &[
    ("王敏", 0.0),
    ("李娜", 0.01),
    ("张伟", -0.05),
    ("刘洋", 0.0),
    ("陈静", -0.01),
    ("杨帆", 0.05),
];

/// What kind of hall a hall is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Profile {
    Ordinary,
    /// Well run on every count.
    Strong,
    /// Polite and tidy, but barely promotes anything.
    WeakPromotion,
    /// Long queues, and the staff under pressure.
    Busy,
    /// Poor in the first quarter, much better in the second.
    Improving,
}

fn profile(code: &str) -> Profile {
    match code {
        "BY001" | "ZY001" => Profile::Strong,
        "YC003" | "XC002" | "SC001" | "PY002" => Profile::WeakPromotion,
        "YC001" | "YC004" | "XC001" | "RN001" => Profile::Busy,
        "QS003" | "SP002" => Profile::Improving,
        _ => Profile::Ordinary,
    }
}

/// The demo roster.
pub fn roster() -> Vec<Branch> {
    let mut out = Vec::new();
    for (county, prefix, _, halls) in COUNTIES {
        for (i, hall) in halls.iter().enumerate() {
            out.push(Branch {
                code: format!("{prefix}{:03}", i + 1),
                name: format!("{county}{hall}营业厅"),
                district: (*county).to_string(),
                city: Some(CITY.to_string()),
                address: Some(format!("{CITY}市{county}{hall}")),
                branch_type: Some(if i == 0 { "旗舰厅" } else { "标准厅" }.to_string()),
                opening_hours: None,
                peak_hours: None,
            });
        }
    }
    out
}

/// How likely a typical hall gets an item right, before the hall's own
/// quality: the promotion steps are where points go, as in real reports.
fn base_chance(code: &str) -> f64 {
    match code {
        "G01" => 0.74,
        "G02" => 0.55,
        "G03" => 0.72,
        "G04" => 0.24,
        "G05" => 0.22,
        "G06" => 0.2,
        "G07" => 0.42,
        "B04" | "B05" => 0.82,
        "D02" | "D03" => 0.7,
        "E03" => 0.6,
        "D11" => 0.995,
        "A08" => 0.97,
        _ => 0.9,
    }
}

/// How often an N/A-able item does not apply.
fn not_applicable_chance(code: &str, busy: bool) -> f64 {
    match code {
        "C04" => 0.5,
        "D07" => 0.7,
        "D10" => 0.6,
        "E03" | "E04" | "E06" if busy => 0.05,
        "E03" | "E04" | "E06" => 0.4,
        "A07" => 0.45,
        "F07" => 0.1,
        _ => 0.2,
    }
}

/// The demo visits, for the roster of [`roster`], against `checklist`.
pub fn visits(checklist: &Checklist) -> Vec<Visit> {
    let mut rng = ChaCha8Rng::seed_from_u64(20_260_701);
    let mut out = Vec::new();
    for (quarter_index, quarter) in QUARTERS.iter().enumerate() {
        let Ok(period) = Period::parse(quarter) else {
            continue;
        };
        for (county, prefix, county_offset, halls) in COUNTIES {
            for (i, _) in halls.iter().enumerate() {
                let code = format!("{prefix}{:03}", i + 1);
                let profile = profile(&code);
                let hall_offset = rng.random_range(-0.04..0.04) + county_offset;
                let count = rng.random_range(3..=6);
                for n in 0..count {
                    let (inspector, bias) = INSPECTORS[rng.random_range(0..INSPECTORS.len())];
                    let quality = hall_offset
                        + bias
                        + match (profile, quarter_index) {
                            (Profile::Strong, _) => 0.08,
                            (Profile::Improving, 0) => -0.18,
                            (Profile::Improving, _) => 0.06,
                            (Profile::Busy, _) => -0.03,
                            _ => 0.0,
                        };
                    let answers = checklist
                        .items()
                        .map(|(_, item)| answer(&mut rng, item, profile, quality))
                        .collect();
                    out.push(Visit {
                        visit_id: Some(format!("DEMO-{quarter}-{code}-{}", n + 1)),
                        branch_code: code.clone(),
                        visited_at: visit_time(&mut rng, period),
                        inspector: Some(inspector.to_string()),
                        checklist_id: checklist.id.clone(),
                        checklist_version: checklist.version,
                        notes: (profile == Profile::Busy && n == 0)
                            .then(|| format!("{county}:等候区客户较多,取号后等候时间长")),
                        item_notes: Default::default(),
                        answers,
                    });
                }
            }
        }
    }
    out
}

fn visit_time(rng: &mut ChaCha8Rng, period: Period) -> NaiveDateTime {
    let day = period.from + chrono::Days::new(rng.random_range(0..period.days()));
    let time = NaiveTime::from_hms_opt(rng.random_range(9..17), rng.random_range(0..60), 0)
        .unwrap_or_default();
    NaiveDateTime::new(day, time)
}

fn answer(
    rng: &mut ChaCha8Rng,
    item: &crate::domain::checklist::Item,
    profile: Profile,
    quality: f64,
) -> Answer {
    let busy = profile == Profile::Busy;
    if item.na && rng.random_bool(not_applicable_chance(&item.code, busy)) {
        return Answer::NotApplicable;
    }
    let promotion = item.code.starts_with('G');
    let mut chance = base_chance(&item.code) + quality;
    if promotion && profile == Profile::WeakPromotion {
        chance -= 0.3;
    }
    if promotion && profile == Profile::Strong {
        chance += 0.25;
    }
    if matches!(item.kind, ItemKind::Check { critical: Some(_) }) {
        // Red lines are rarely crossed, whatever the hall.
        chance = chance.max(0.97);
    }
    let chance = chance.clamp(0.02, 0.995);
    match &item.kind {
        ItemKind::Check { .. } => {
            if rng.random_bool(chance) {
                Answer::Pass
            } else {
                Answer::Fail
            }
        }
        ItemKind::Scale => {
            let raw = item.points * (chance + rng.random_range(-0.25..0.25));
            Answer::Number((raw.clamp(0.0, item.points) * 2.0).round() / 2.0)
        }
        ItemKind::Choice { choices } => {
            // Choices run from best to worst.
            let roll: f64 = rng.random();
            let index = if roll < chance * chance {
                0
            } else if roll < chance {
                1
            } else {
                choices.len() - 1
            };
            Answer::Choice(u16::try_from(index.min(choices.len() - 1)).unwrap_or(0))
        }
        ItemKind::Measure { .. } => {
            let mean = match (item.code.as_str(), busy) {
                ("E01", true) => 17.0,
                ("E01", false) => 7.0 - quality * 20.0,
                (_, true) => 13.0,
                _ => 8.0,
            };
            let minutes: f64 = mean + rng.random_range(-6.0..8.0);
            Answer::Number((minutes.max(0.5) * 2.0).round() / 2.0)
        }
    }
}
