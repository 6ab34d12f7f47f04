//! A quarter's visit plan at national scale — 3,000 halls × 3 visits, 60
//! inspectors, 30-day lockout, at most 4 visits a day each, 30% in busy
//! hours — made by hallscore's planner and by a Python peer with the same
//! greedy rules (`benches/peer_plan.py`), side by side.
//!
//! ```sh
//! cargo bench --bench plan
//! cargo bench --bench plan -- --halls 300 --no-peer
//! cargo bench --bench plan -- --halls 3600 --per-day 2   # tight rules
//! ```
//!
//! Then the quarter's visits, one for each assignment and in another order,
//! are matched to the plan as `plan show` does before it lists it.
//!
//! This is a benchmark, not a test: it prints figures and fails only when a
//! plan breaks a rule or a program fails. The goal is under 2 s for the
//! national quarter.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use hallscore::domain::plan::{Assignment, Hours, Made, Planned, Rules, make_plan, match_visits};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const INSPECTORS: usize = 60;
const VISITS: u32 = 3;
const RUNS: usize = 5;

fn main() -> Result<()> {
    let mut halls = 3_000;
    let mut peer = true;
    let mut per_day: u32 = 4;
    let mut lockout: u32 = 30;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--halls" => {
                halls = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--halls N")?
            }
            "--per-day" => {
                per_day = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--per-day K")?
            }
            "--lockout" => {
                lockout = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--lockout D")?
            }
            "--no-peer" => peer = false,
            "--bench" => {}
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let from = NaiveDate::from_ymd_opt(2026, 7, 1).ok_or("date")?;
    let to = NaiveDate::from_ymd_opt(2026, 9, 30).ok_or("date")?;
    let rules = Rules {
        from,
        to,
        visits_per_hall: VISITS,
        lockout_days: lockout,
        max_per_day: per_day,
        peak_share: 0.3,
        seed: 1,
    };
    let hours = Hours::default();
    let codes: Vec<String> = (0..halls).map(|i| format!("H{i:05}")).collect();
    let list: Vec<(&str, &Hours)> = codes.iter().map(|c| (c.as_str(), &hours)).collect();

    let mut times = Vec::new();
    let mut plan = Vec::new();
    for _ in 0..RUNS {
        let began = Instant::now();
        plan = make_plan(&list, INSPECTORS, &rules)?;
        times.push(began.elapsed());
    }
    check(&plan, halls, &rules)?;
    times.sort();
    let ours = times[RUNS / 2];

    let matching = time_matching(&plan, &codes)?;

    let theirs = if peer {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/peer_plan.py");
        let output = Command::new("python3")
            .args([
                script,
                &halls.to_string(),
                &INSPECTORS.to_string(),
                &VISITS.to_string(),
                &from.to_string(),
                &to.to_string(),
                &lockout.to_string(),
                &per_day.to_string(),
            ])
            .output()?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned().into());
        }
        let text = String::from_utf8(output.stdout)?;
        let mut lines = text.lines();
        let count: usize = lines.next().ok_or("peer count")?.trim().parse()?;
        if count != plan.len() {
            return Err(format!("the peer planned {count}, hallscore {}", plan.len()).into());
        }
        let seconds: f64 = lines.next().ok_or("peer time")?.trim().parse()?;
        Some(Duration::from_secs_f64(seconds))
    } else {
        None
    };

    println!(
        "A quarter's plan: {halls} halls × {VISITS} visits, {INSPECTORS} inspectors, lockout {lockout} days, \
         ≤ {per_day} a day, ≥ 30% busy hours ({} assignments)",
        plan.len()
    );
    println!(
        "hallscore: median of {RUNS} runs {:.3} s (goal < 2 s: {})",
        ours.as_secs_f64(),
        if ours < Duration::from_secs(2) {
            "met"
        } else {
            "missed"
        }
    );
    println!(
        "matching its {} visits to the plan: median of {RUNS} runs {:.1} ms",
        plan.len(),
        matching.as_secs_f64() * 1000.0
    );
    if let Some(theirs) = theirs {
        println!(
            "peer (python3 benches/peer_plan.py, same greedy rules, planning only): {:.3} s — {:.1}×",
            theirs.as_secs_f64(),
            theirs.as_secs_f64() / ours.as_secs_f64().max(1e-9)
        );
    }
    Ok(())
}

/// How long matching a visit made for every assignment, in reverse order,
/// takes (median of [`RUNS`]); fails unless each carries out its own.
fn time_matching(plan: &[Assignment], codes: &[String]) -> Result<Duration> {
    let names: Vec<String> = (0..INSPECTORS).map(|i| format!("暗访员{i:02}")).collect();
    let planned: Vec<Planned> = plan
        .iter()
        .zip(1..)
        .map(|(a, id)| Planned {
            id,
            branch_code: codes[a.hall].clone(),
            inspector: names[a.inspector].clone(),
            date: a.date,
            window: a.window,
            peak: a.peak,
            visit: None,
        })
        .collect();
    let made: Vec<Made> = planned
        .iter()
        .rev()
        .map(|p| Made {
            row: p.id + 1_000_000,
            branch_code: p.branch_code.clone(),
            inspector: Some(p.inspector.clone()),
            date: p.date,
        })
        .collect();
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let began = Instant::now();
        let links = match_visits(&planned, &made);
        times.push(began.elapsed());
        if links.len() != planned.len() {
            return Err(format!("{} of {} visits matched", links.len(), planned.len()).into());
        }
    }
    times.sort();
    Ok(times[RUNS / 2])
}

/// The rules the benchmark can check cheaply: every hall its quota, nobody
/// over the daily cap, the busy-hour share.
fn check(plan: &[Assignment], halls: usize, rules: &Rules) -> Result<()> {
    let mut per_hall = vec![0u32; halls];
    let mut per_day: HashMap<(usize, NaiveDate), u32> = HashMap::new();
    for a in plan {
        per_hall[a.hall] += 1;
        *per_day.entry((a.inspector, a.date)).or_default() += 1;
    }
    if per_hall.iter().any(|&n| n != rules.visits_per_hall) {
        return Err("a hall without its quota".into());
    }
    if per_day.values().any(|&n| n > rules.max_per_day) {
        return Err("an inspector over the daily cap".into());
    }
    let peak = plan.iter().filter(|a| a.peak).count() as f64;
    if peak < (rules.peak_share * plan.len() as f64).ceil() {
        return Err("too few busy-hour visits".into());
    }
    Ok(())
}
