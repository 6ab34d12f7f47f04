//! How sure a ranking is, checked against an independent computation:
//! `uncertainty_check.py` works the spread, intervals, funnel signals and
//! inspector effects out with numpy, scipy and statsmodels from the same
//! spreadsheet the tool imports. The case plants a lenient inspector (+10
//! points) and two outlier halls, so the fit and the funnel have something
//! to find.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::helpers::{Workspace, run_python};

/// One 0–100 scale item: a visit's rate is its score / 100.
const SCORE_CHECKLIST: &str = r#"
id = "score"
version = 1
title = "单项评分"

[[section]]
code = "A"
title = "综合"

[[section.item]]
code = "S01"
title = "综合评分"
kind = "scale"
points = 100
"#;

const DISTRICTS: [&str; 5] = ["驿城区", "西平", "上蔡", "泌阳", "正阳"];
const INSPECTORS: [&str; 5] = ["宽松", "甲", "乙", "丙", "丁"];
const LENIENT: f64 = 10.0;
const HALLS: usize = 40;
/// Halls far from the rest: one well below, one well above.
const LOW_HALL: usize = 7;
const HIGH_HALL: usize = 21;

/// The roster and visits of the planted case, as CSV text.
fn planted_case() -> (String, String) {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let mut roster = String::from("区县,网点编码,网点名称\n");
    let mut visits = String::from("暗访编号,网点编码,暗访日期,暗访员,检查表,S01\n");
    let mut id = 0;
    for hall in 0..HALLS {
        let code = format!("H{hall:02}");
        roster.push_str(&format!(
            "{},{code},{}号厅\n",
            DISTRICTS[hall % DISTRICTS.len()],
            hall + 1
        ));
        let level = match hall {
            LOW_HALL => 45.0,
            HIGH_HALL => 92.0,
            _ => 70.0 + (hall % 7) as f64,
        };
        for visit in 0..6 {
            // Inspectors rotate through the halls; a newcomer takes a few.
            let inspector = if hall % 13 == 0 && visit == 0 {
                "新人"
            } else {
                INSPECTORS[(hall + visit) % INSPECTORS.len()]
            };
            let bias = if inspector == "宽松" { LENIENT } else { 0.0 };
            let noise: f64 = rng.random_range(-4.0..4.0);
            let score = (level + bias + noise).clamp(0.0, 100.0);
            id += 1;
            visits.push_str(&format!(
                "V{id:04},{code},2026-08-{:02} 10:00,{inspector},score,{score:.1}\n",
                1 + visit * 4
            ));
        }
    }
    (roster, visits)
}

fn by_code(report: &Value) -> BTreeMap<String, Value> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["code"].as_str().expect("code").to_string(), r.clone()))
        .collect()
}

/// The tool publishes 4 decimals: agree to within that rounding.
fn assert_close(tool: &Value, reference: &Value, what: &str) {
    let (a, b) = (
        tool.as_f64()
            .unwrap_or_else(|| panic!("{what}: tool gave {tool}")),
        reference
            .as_f64()
            .unwrap_or_else(|| panic!("{what}: reference gave {reference}")),
    );
    assert!((a - b).abs() <= 6e-5, "{what}: tool {a}, reference {b}");
}

#[test]
fn intervals_signals_and_inspector_effects_match_an_independent_computation() {
    let ws = Workspace::new();
    let (roster, visits) = planted_case();
    let roster_path = ws.write("roster.csv", &roster);
    let visits_path = ws.write("visits.csv", &visits);
    let checklist = ws.write("score.toml", SCORE_CHECKLIST);
    ws.run(&["checklist", "load", &checklist]).success();
    ws.run(&["import", "roster", &roster_path]).success();
    ws.run(&["import", "visits", &visits_path]).success();

    let reference = run_python(
        include_str!("uncertainty_check.py"),
        &[&roster_path, &visits_path, "S01"],
    );

    let halls = ws.rankings("2026-Q3", &["--level", "branch"]);
    assert_close(&halls["spread"]["sigma"], &reference["sigma"], "σ̂");
    assert_eq!(halls["spread"]["df"], reference["df"], "degrees of freedom");
    assert_close(
        &halls["region"]["rate"],
        &reference["region"],
        "region rate",
    );
    assert_halls_agree(&halls, &reference);
    let districts = by_code(&ws.rankings("2026-Q3", &["--level", "district"]));
    for (name, expected) in reference["districts"].as_object().expect("districts") {
        for end in 0..2 {
            assert_close(
                &districts[name]["interval"][end],
                &expected["interval"][end],
                &format!("{name} interval end {end}"),
            );
        }
    }

    assert_inspector_effects_agree(&halls, &reference);

    // Ranked by adjusted rates, the lenient inspector's halls lose their
    // lift: the ranking is the JSON's adjusted rates in order.
    let adjusted = ws.rankings("2026-Q3", &["--adjust", "inspectors"]);
    assert_eq!(adjusted["adjust"], "inspectors");
    assert_eq!(
        adjusted["inspectors"], halls["inspectors"],
        "the effects taken out are reported, not fitted again to nothing"
    );
    let rows = by_code(&halls);
    for (code, row) in by_code(&adjusted) {
        assert_eq!(
            row["rate"], rows[&code]["adjusted_rate"],
            "{code}: ranked by its adjusted rate"
        );
    }
}

/// Every hall's rate, interval, funnel signal and adjusted rate agree with
/// the reference, its rank lies in its rank range, and the funnel flags the
/// two planted outliers and nothing else.
fn assert_halls_agree(halls: &Value, reference: &Value) {
    let rows = by_code(halls);
    let mut flagged = Vec::new();
    for (code, expected) in reference["halls"].as_object().expect("halls") {
        let row = &rows[code];
        assert_close(&row["rate"], &expected["rate"], &format!("{code} rate"));
        for end in 0..2 {
            assert_close(
                &row["interval"][end],
                &expected["interval"][end],
                &format!("{code} interval end {end}"),
            );
        }
        assert_eq!(row["signal"], expected["signal"], "{code} signal");
        assert_close(
            &row["adjusted_rate"],
            &expected["adjusted_rate"],
            &format!("{code} adjusted rate"),
        );
        // The rank range holds the rank.
        let (rank, range) = (&row["rank"], &row["rank_range"]);
        assert!(
            range[0].as_u64() <= rank.as_u64() && rank.as_u64() <= range[1].as_u64(),
            "{code}: rank {rank} within {range}"
        );
        if !row["signal"].is_null() {
            flagged.push((code.clone(), row["signal"].clone()));
        }
    }
    assert_eq!(
        flagged,
        vec![
            (format!("H{LOW_HALL:02}"), Value::from("below")),
            (format!("H{HIGH_HALL:02}"), Value::from("above")),
        ],
        "the funnel finds the two planted outliers and nothing else"
    );
}

/// Inspector effects: the same as statsmodels' least squares, the newcomer
/// unfitted, and the planted leniency recovered within a point.
fn assert_inspector_effects_agree(halls: &Value, reference: &Value) {
    let effects: BTreeMap<String, Value> = halls["inspectors"]
        .as_array()
        .expect("inspectors")
        .iter()
        .map(|i| (i["name"].as_str().expect("name").to_string(), i.clone()))
        .collect();
    for (name, expected) in reference["inspectors"].as_object().expect("inspectors") {
        assert_eq!(effects[name]["visits"], expected["visits"], "{name} visits");
        if expected["effect"].is_null() {
            assert!(effects[name]["effect"].is_null(), "{name} is not fitted");
        } else {
            assert_close(
                &effects[name]["effect"],
                &expected["effect"],
                &format!("{name} effect"),
            );
        }
    }
    let effect = |name: &str| effects[name]["effect"].as_f64().expect("fitted");
    let others = ["甲", "乙", "丙", "丁"].map(effect).iter().sum::<f64>() / 4.0;
    let recovered = (effect("宽松") - others) * 100.0;
    assert!(
        (recovered - LENIENT).abs() < 1.0,
        "the lenient inspector is {recovered:.2} points above the others, planted {LENIENT}"
    );
}
