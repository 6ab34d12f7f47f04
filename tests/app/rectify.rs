//! Rectification (整改) end to end: publishing opens one ticket per hall
//! and item that lost points, managers answer their own, headquarters
//! closes and reopens, the next visit after the period verifies or repeats,
//! an accepted appeal withdraws, a critical item gets a re-visit; every
//! refusal names what is wrong and changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, Local, NaiveDate};
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, Workspace, attribute_after, workspace_with_roster};

const PASSWORD: &str = "correct-horse-1";

/// Checklist `small`: A01 check 4, A02 check 2 (critical: section), B01
/// choice 4 (优 4, 良 2, 差 0), B02 measure 10 (≤10 full, N/A allowed).
/// V1 loses A01; V2 loses A02, B01 and B02 (A01 keeps its own points even
/// though A02 zeroes the section); V3 loses nothing; V4 loses A01; V0 is
/// in the quarter before.
const VISITS: &str = "\
暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02
V0,XP01,2024-06-20 10:00,王,small,否,是,优,8
V1,XP01,2024-07-03 10:00,王,small,否,是,优,8
V2,XP02,2024-07-04 10:00,王,small,是,否,良,12
V3,BY01,2024-07-05 10:00,李,small,是,是,优,8
V4,BY02,2024-08-10 10:00,李,small,否,是,优,8
";

fn today() -> NaiveDate {
    Local::now().date_naive()
}

fn days_from_today(days: u64) -> NaiveDate {
    today().checked_add_days(Days::new(days)).expect("a date")
}

/// The roster, the small checklist, the quarter's visits, headquarters, a
/// manager for each district and an inspector.
fn workspace() -> Workspace {
    let ws = workspace_with_roster();
    let visits = ws.write("visits.csv", VISITS);
    ws.run(&["import", "visits", &visits]).success();
    ws.add_user("boss", "admin", None, PASSWORD);
    ws.add_user("xp", "manager", Some("district:西平"), PASSWORD);
    ws.add_user("by", "manager", Some("district:泌阳"), PASSWORD);
    ws.add_user("wang", "inspector", None, PASSWORD);
    ws
}

fn publish(ws: &Workspace) -> String {
    ws.run(&["publish", "--period", "2024-Q3", "--checklist", "small"])
        .success()
        .stdout
}

fn list(ws: &Workspace, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "rectify",
        "list",
        "--period",
        "2024-Q3",
        "--checklist",
        "small",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    ws.run(&args)
        .success()
        .json()
        .as_array()
        .expect("an array")
        .clone()
}

/// The ticket of a hall and item.
fn ticket<'a>(tickets: &'a [Value], branch: &str, item: &str) -> &'a Value {
    tickets
        .iter()
        .find(|t| t["branch_code"] == branch && t["item"] == item)
        .unwrap_or_else(|| panic!("no ticket {branch} {item} in {tickets:?}"))
}

fn keys(tickets: &[Value]) -> BTreeSet<(String, String)> {
    tickets
        .iter()
        .map(|t| {
            (
                t["branch_code"].as_str().expect("code").to_string(),
                t["item"].as_str().expect("item").to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(b, i)| (b.to_string(), i.to_string()))
        .collect()
}

/// The refusal of a command that must change nothing.
fn refused(ws: &Workspace, args: &[&str]) -> String {
    let before = ws.snapshot();
    let stderr = ws.run(args).failure();
    assert_eq!(ws.snapshot(), before, "{args:?} changed the database");
    stderr
}

#[test]
fn publishing_opens_one_ticket_per_hall_and_item_that_lost_points() {
    let ws = workspace();
    let stderr = refused(
        &ws,
        &[
            "rectify",
            "list",
            "--period",
            "2024-Q3",
            "--checklist",
            "small",
        ],
    );
    assert!(
        stderr.contains("期间 2024-Q3 尚未发布") && stderr.contains("small"),
        "{stderr}"
    );

    assert!(publish(&ws).contains("新开整改单 5 张"));
    let tickets = list(&ws, &[]);
    assert_eq!(
        keys(&tickets),
        pairs(&[
            ("XP01", "A01"),
            ("XP02", "A02"),
            ("XP02", "B01"),
            ("XP02", "B02"),
            ("BY02", "A01"),
        ])
    );
    let a01 = ticket(&tickets, "XP01", "A01");
    assert_eq!(
        a01["visits"],
        json!(["V1"]),
        "the quarter before is not evidence"
    );
    assert_eq!(a01["status"], "open");
    assert_eq!(a01["district"], "西平");
    assert_eq!(a01["due"], days_from_today(15).to_string());
    assert_eq!(a01["overdue"], false);
    assert_eq!(ticket(&tickets, "XP02", "A02")["critical"], true);
    // Publishing again opens nothing new.
    assert!(publish(&ws).contains("新开整改单 0 张"));

    let xp = list(&ws, &["--scope", "district:西平"]);
    assert_eq!(xp.len(), 4);
    assert!(xp.iter().all(|t| t["district"] == "西平"));
    assert_eq!(list(&ws, &["--scope", "city:驻马店"]).len(), 5);
    let stderr = refused(
        &ws,
        &[
            "rectify",
            "list",
            "--period",
            "2024-Q3",
            "--scope",
            "district:西坪",
        ],
    );
    assert!(stderr.contains("找不到范围「district:西坪」"), "{stderr}");

    // An overdue ticket comes first and is marked in the table.
    ws.sql().execute(
        "UPDATE rectifications SET due = '2024-10-15' WHERE branch_code = 'BY02'",
        &[],
    );
    let tickets = list(&ws, &[]);
    assert_eq!(
        (&tickets[0]["branch_code"], &tickets[0]["overdue"]),
        (&json!("BY02"), &json!(true))
    );
    let table = ws
        .run(&[
            "rectify",
            "list",
            "--period",
            "2024-Q3",
            "--checklist",
            "small",
        ])
        .success()
        .stdout;
    assert!(table.contains("共 5 张,未办结 5,逾期 1"), "{table}");
    let by02 = table
        .lines()
        .find(|l| l.contains("BY02"))
        .expect("the BY02 line");
    assert!(
        by02.contains("A01 着工装") && by02.contains("待整改") && by02.contains("逾期"),
        "{by02}"
    );
}

#[tokio::test]
async fn managers_answer_their_own_tickets_and_headquarters_decides() {
    let ws = workspace();
    publish(&ws);
    let [boss, xp, by, wang] = ["boss", "xp", "by", "wang"].map(|name| ws.api_token(name));
    let app = TestApp::spawn(&ws.db()).await;
    let list_path = "/api/v1/rectifications?period=2024-Q3&checklist=small";

    let (status, all) = app.get_json(list_path, &boss).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let all = all.as_array().expect("an array").clone();
    assert_eq!(all.len(), 5);
    let (_, mine) = app.get_json(list_path, &xp).await;
    assert_eq!(
        keys(mine.as_array().expect("an array")),
        pairs(&[
            ("XP01", "A01"),
            ("XP02", "A02"),
            ("XP02", "B01"),
            ("XP02", "B02")
        ])
    );
    let (_, theirs) = app.get_json(list_path, &by).await;
    assert_eq!(
        keys(theirs.as_array().expect("an array")),
        pairs(&[("BY02", "A01")])
    );
    let (status, body) = app.get_json(list_path, &wang).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app
        .get_json(
            "/api/v1/rectifications?period=2024-Q2&checklist=small",
            &boss,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "period");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("2024-Q2 尚未发布"),
        "{body}"
    );

    let id = ticket(&all, "XP02", "B02")["id"].as_i64().expect("id");
    let path = format!("/api/v1/rectifications/{id}");
    let (status, _) = app.get_json(&path, &by).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another district's ticket");
    let (status, one) = app.get_json(&path, &xp).await;
    assert_eq!((status, &one["item"]), (StatusCode::OK, &json!("B02")));

    let before = ws.snapshot();
    let answer = |text: &str| json!({"action": "respond", "text": text});
    for (token, body, expected, field) in [
        (&by, answer("已整改"), StatusCode::NOT_FOUND, None),
        (
            &xp,
            answer("  "),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("text"),
        ),
        (
            &xp,
            json!({"text": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("text"),
        ),
        (
            &xp,
            json!({"action": "close", "text": "好了"}),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            &xp,
            json!({"action": "delete", "text": "好了"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("action"),
        ),
        (&boss, answer("总部代答"), StatusCode::FORBIDDEN, None),
        (&wang, answer("已整改"), StatusCode::FORBIDDEN, None),
    ] {
        let (status, reply) = app.post_json(&path, token, &body).await;
        assert_eq!(status, expected, "{body} → {reply}");
        assert_eq!(reply["error"]["field"], json!(field), "{reply}");
        assert!(!reply["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    let (status, _) = app
        .post_json("/api/v1/rectifications/9999", &xp, &answer("已整改"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(ws.snapshot(), before, "refusals store nothing");

    // Without an action the manager responds.
    let (status, answered) = app
        .post_json(&path, &xp, &json!({"text": "已增开一个窗口,高峰期分流"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["status"], "responded");
    assert_eq!(answered["response"], "已增开一个窗口,高峰期分流");
    assert_eq!(answered["responded_by"], "xp");

    // Headquarters closes from the command line; a closed ticket takes no
    // answer, and is closed only once.
    let id_text = id.to_string();
    let closed = ws
        .run(&["rectify", "close", &id_text, "--comment", "整改到位"])
        .success()
        .stdout;
    assert!(closed.contains(&format!("整改单 #{id} 已关闭")), "{closed}");
    let before = ws.snapshot();
    let (status, reply) = app.post_json(&path, &xp, &answer("再补充一句")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .expect("message")
            .contains("已关闭"),
        "{reply}"
    );
    assert_eq!(ws.snapshot(), before);
    let stderr = refused(
        &ws,
        &["rectify", "close", &id_text, "--comment", "再关一次"],
    );
    assert!(
        stderr.contains(&format!("整改单 #{id}")) && stderr.contains("已关闭"),
        "{stderr}"
    );
    let stderr = refused(&ws, &["rectify", "reopen", &id_text, "--comment", " "]);
    assert!(
        stderr.contains(&format!("整改单 #{id}:请写明重新打开的理由(--comment)")),
        "{stderr}"
    );
    let stderr = refused(&ws, &["rectify", "reopen", "9999", "--comment", "复核"]);
    assert!(stderr.contains("没有整改单 #9999"), "{stderr}");

    // Reopened (over the API this time), it asks the district again.
    let (status, reopened) = app
        .post_json(
            &path,
            &boss,
            &json!({"action": "reopen", "text": "现场仍排长队"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reopened}");
    assert_eq!(
        (
            &reopened["status"],
            &reopened["decision"],
            &reopened["decided_by"]
        ),
        (&json!("open"), &json!("现场仍排长队"), &json!("boss"))
    );
    let audit = ws.snapshot();
    for action in ["rectify.respond", "rectify.close", "rectify.reopen"] {
        assert!(audit.contains(action), "{action} is in the audit log");
    }
}

#[test]
fn the_next_visit_verifies_or_repeats_and_the_report_counts_it() {
    let ws = workspace();
    publish(&ws);
    let id = ticket(&list(&ws, &[]), "XP02", "B02")["id"]
        .as_i64()
        .expect("a ticket id");
    // As if published on 2024-10-05 (due 15 days later), and XP02 answered
    // B02 that day.
    let mut sql = ws.sql();
    sql.execute(
        "UPDATE rectifications SET opened_at = '2024-10-05 09:00:00', due = '2024-10-20'",
        &[],
    );
    sql.execute(
        "UPDATE rectifications SET status = 'responded', response = '已整改',
            responded_by = 'xp', responded_at = opened_at WHERE id = ?1",
        &[id.into()],
    );

    // After the quarter: XP01 fixed A01; XP02 fixed A02, failed B01 again
    // and had no queue to measure (B02 N/A leaves its ticket waiting).
    let later = ws.write(
        "later.csv",
        "暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n\
         V5,XP01,2024-10-08 10:00,李,small,是,是,优,5\n\
         V6,XP02,2024-10-09 10:00,李,small,是,是,差,不适用\n\
         V7,XP02,2024-10-20 10:00,王,small,是,是,优,5\n",
    );
    ws.run(&["import", "visits", &later]).success();
    let tickets = list(&ws, &[]);
    let verified = ticket(&tickets, "XP01", "A01");
    assert_eq!(
        (
            &verified["status"],
            &verified["settled_by"],
            &verified["settled_on"]
        ),
        (&json!("verified"), &json!("V5"), &json!("2024-10-08"))
    );
    assert_eq!(ticket(&tickets, "XP02", "A02")["status"], "verified");
    // The first visit that checks the item settles it, not a better later one.
    let repeated = ticket(&tickets, "XP02", "B01");
    assert_eq!(
        (
            &repeated["status"],
            &repeated["repeated"],
            &repeated["settled_by"]
        ),
        (&json!("repeated"), &json!(true), &json!("V6"))
    );
    assert_eq!(
        repeated["due"], "2024-10-24",
        "15 days from the visit that found it again"
    );
    assert_eq!(repeated["overdue"], true);
    let measured = ticket(&tickets, "XP02", "B02");
    assert_eq!(
        (&measured["status"], &measured["settled_by"]),
        (&json!("verified"), &json!("V7")),
        "V6 did not check B02, V7 did"
    );
    let unanswered = ticket(&tickets, "BY02", "A01");
    assert_eq!(
        (&unanswered["status"], &unanswered["overdue"]),
        (&json!("open"), &json!(true))
    );

    let report = ws
        .run(&[
            "rectify",
            "report",
            "--period",
            "2024-Q3",
            "--checklist",
            "small",
            "--format",
            "json",
        ])
        .success()
        .json();
    let counts = |t: &Value| {
        [
            "tickets",
            "answered_on_time",
            "verified",
            "repeated",
            "overdue",
            "open",
        ]
        .map(|k| t[k].as_u64().expect("a count"))
    };
    assert_eq!(counts(&report["districts"]["西平"]), [4, 1, 3, 1, 1, 1]);
    assert_eq!(counts(&report["districts"]["泌阳"]), [1, 0, 0, 0, 1, 1]);
    assert_eq!(counts(&report["cities"]["驻马店"]), [5, 1, 3, 1, 2, 2]);
    assert_eq!(counts(&report["total"]), [5, 1, 3, 1, 2, 2]);
    let table = ws
        .run(&[
            "rectify",
            "report",
            "--period",
            "2024-Q3",
            "--checklist",
            "small",
        ])
        .success()
        .stdout;
    let line = table
        .lines()
        .find(|l| l.contains("西平"))
        .expect("西平's line");
    let numbers: Vec<&str> = line
        .split_whitespace()
        .filter(|w| w.parse::<u32>().is_ok())
        .collect();
    assert_eq!(numbers, ["4", "1", "3", "1", "1", "1"], "{table}");
    assert!(table.contains("顽固短板"), "{table}");

    let stderr = refused(
        &ws,
        &[
            "rectify",
            "report",
            "--period",
            "2024-Q4",
            "--checklist",
            "small",
        ],
    );
    assert!(stderr.contains("2024-Q4 尚未发布"), "{stderr}");
}

#[test]
fn a_repeat_found_before_publication_keeps_the_publications_due_date() {
    let ws = workspace();
    // XP01 failed A01 again on 2024-10-02, before the quarter was published.
    let early = ws.write(
        "early.csv",
        "暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n\
         V8,XP01,2024-10-02 10:00,李,small,否,是,优,5\n",
    );
    ws.run(&["import", "visits", &early]).success();
    publish(&ws);
    let repeated = ticket(&list(&ws, &[]), "XP01", "A01").clone();
    assert_eq!(
        (&repeated["status"], &repeated["settled_by"]),
        (&json!("repeated"), &json!("V8"))
    );
    assert_eq!(
        (&repeated["due"], &repeated["overdue"]),
        (&json!(days_from_today(15).to_string()), &json!(false)),
        "the hall has its days from the publication"
    );
}

/// One generated visit: its id, hall, day and answers.
struct Generated {
    id: String,
    branch: &'static str,
    answers: [String; 4],
}

#[test]
fn the_tickets_of_generated_visits_match_an_independent_count() {
    let ws = workspace_with_roster();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20_261_130);
    let halls = ["XP01", "XP02", "BY01", "BY02"];
    let mut csv = String::from("暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n");
    let mut quarter = Vec::new();
    for n in 0..30 {
        let branch = halls[rng.random_range(0..halls.len())];
        // A few visits fall in the quarters around, which open nothing.
        let (month, inside) = match n % 10 {
            0 => ("06", false),
            9 => ("10", false),
            _ => (["07", "08", "09"][n % 3], true),
        };
        let check = |rng: &mut rand_chacha::ChaCha8Rng| {
            if rng.random_bool(0.75) { "是" } else { "否" }.to_string()
        };
        let answers = [
            check(&mut rng),
            check(&mut rng),
            ["优", "良", "差"][rng.random_range(0..3)].to_string(),
            match rng.random_range(0..25) {
                0..=3 => "不适用".to_string(),
                minutes => minutes.to_string(),
            },
        ];
        let day = rng.random_range(1..=28);
        let id = format!("G{n:02}");
        csv.push_str(&format!(
            "{id},{branch},2024-{month}-{day:02} 10:00,王,small,{}\n",
            answers.join(",")
        ));
        if inside {
            quarter.push(Generated {
                id,
                branch,
                answers,
            });
        }
    }
    let file = ws.write("generated.csv", &csv);
    ws.run(&["import", "visits", &file]).success();

    // Worked out here from the answers: which items lost points where.
    let mut expected: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for visit in &quarter {
        let [a01, a02, b01, b02] = &visit.answers;
        let lost = [
            ("A01", a01 == "否"),
            ("A02", a02 == "否"),
            ("B01", b01 != "优"),
            ("B02", b02.parse::<u32>().is_ok_and(|m| m > 10)),
        ];
        for (item, _) in lost.iter().filter(|(_, lost)| *lost) {
            expected
                .entry((visit.branch.to_string(), item.to_string()))
                .or_default()
                .insert(visit.id.clone());
        }
    }
    assert!(expected.len() >= 8, "the seed gives a case worth checking");

    let published = publish(&ws);
    assert!(
        published.contains(&format!("新开整改单 {} 张", expected.len())),
        "{published}"
    );
    let found: BTreeMap<(String, String), BTreeSet<String>> = list(&ws, &[])
        .iter()
        .map(|t| {
            let visits = t["visits"]
                .as_array()
                .expect("visits")
                .iter()
                .map(|v| v.as_str().expect("an id").to_string())
                .collect();
            (
                (
                    t["branch_code"].as_str().expect("code").to_string(),
                    t["item"].as_str().expect("item").to_string(),
                ),
                visits,
            )
        })
        .collect();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn an_accepted_appeal_that_gives_the_points_back_withdraws_the_ticket() {
    let ws = workspace();
    publish(&ws);
    let app = TestApp::spawn(&ws.db()).await;
    let boss = app.sign_in("boss", PASSWORD).await;
    let xp = app.sign_in("xp", PASSWORD).await;
    let (status, page) = xp
        .post_multipart(
            "/visits/V1/appeals",
            &[
                ("item", "A01"),
                ("requested", "是"),
                ("reason", "当天已统一着工装,暗访员看错了"),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let waiting = ticket(&list(&ws, &[]), "XP01", "A01").clone();
    assert_eq!(waiting["under_appeal"], true);

    let appeal = attribute_after(&page, "data-appeal=\"");
    let response = boss
        .post_form(
            &format!("/admin/appeals/{appeal}"),
            &[("decision", "accept"), ("reason", "")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let tickets = list(&ws, &[]);
    assert!(
        !keys(&tickets).contains(&("XP01".to_string(), "A01".to_string())),
        "withdrawn tickets are not listed"
    );
    assert_eq!(tickets.len(), 4);
    let token = ws.api_token("xp");
    let (status, _) = app
        .get_json(&format!("/api/v1/rectifications/{}", waiting["id"]), &token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let report = ws
        .run(&[
            "rectify",
            "report",
            "--period",
            "2024-Q3",
            "--checklist",
            "small",
            "--format",
            "json",
        ])
        .success()
        .json();
    assert_eq!(report["districts"]["西平"]["tickets"], 3);
    assert!(ws.snapshot().contains("rectify.withdraw"));
}

#[test]
fn a_critical_item_gets_a_revisit_in_a_plan_that_covers_its_days() {
    let ws = workspace();
    for (name, shown) in [("wangmin", "王敏"), ("liqiang", "李强")] {
        ws.add_inspector(name, shown);
    }
    let plan = format!("{}..{}", today(), days_from_today(30));
    ws.run(&[
        "plan",
        "make",
        "--period",
        &plan,
        "--visits-per-hall",
        "1",
        "--seed=3",
    ])
    .success();
    publish(&ws);
    let shown = ws
        .run(&["plan", "show", "--period", &plan, "--format", "json"])
        .success()
        .json();
    let revisits: Vec<&Value> = shown["assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .filter(|a| a["kind"] == "revisit")
        .collect();
    assert_eq!(
        revisits.len(),
        1,
        "only the critical A02 asks for one: {shown}"
    );
    assert_eq!(revisits[0]["branch_code"], "XP02");
    assert_eq!(revisits[0]["date"], days_from_today(1).to_string());
    let table = ws
        .run(&["plan", "show", "--period", &plan])
        .success()
        .stdout;
    assert!(
        table
            .lines()
            .any(|l| l.contains("XP02") && l.contains("复查")),
        "{table}"
    );

    // Yesterday's visits find both items failing again: XP01's A01 gets a
    // re-visit today, by an inspector other than the one the hall just saw;
    // XP02's A02 keeps the one planned and not made yet.
    let yesterday = today().pred_opt().expect("a date");
    let again = ws.write(
        "again.csv",
        format!(
            "暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n\
             V8,XP01,{yesterday} 10:00,王敏,small,否,是,优,8\n\
             V9,XP02,{yesterday} 10:00,王敏,small,是,否,优,8\n"
        ),
    );
    ws.run(&["import", "visits", &again]).success();
    let tickets = list(&ws, &[]);
    for (hall, item) in [("XP01", "A01"), ("XP02", "A02")] {
        assert_eq!(ticket(&tickets, hall, item)["status"], "repeated");
    }
    let shown = ws
        .run(&["plan", "show", "--period", &plan, "--format", "json"])
        .success()
        .json();
    let revisits: Vec<(&Value, &Value, &Value)> = shown["assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .filter(|a| a["kind"] == "revisit")
        .map(|a| (&a["branch_code"], &a["date"], &a["inspector"]))
        .collect();
    assert_eq!(revisits.len(), 2, "{shown}");
    assert!(revisits.iter().any(|r| r.0 == "XP02"), "{shown}");
    let xp01 = revisits
        .iter()
        .find(|r| r.0 == "XP01")
        .expect("a re-visit of XP01");
    assert_eq!(xp01.1, &json!(today().to_string()), "{shown}");
    assert_ne!(xp01.2, "王敏", "the inspector XP01 just saw: {shown}");
}

/// The 整改跟踪 sheet as openpyxl reads it: the sheet names, its rows, the
/// frozen cell, column widths and the header cells' look.
const READ_SHEET: &str = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames}
if "整改跟踪" in wb.sheetnames:
    ws = wb["整改跟踪"]
    out["rows"] = [[c.value for c in row] for row in ws.iter_rows()]
    out["freeze"] = ws.freeze_panes
    out["title_rows"] = ws.print_title_rows
    out["widths"] = {k: v.width for k, v in ws.column_dimensions.items()}
    out["header_bold"] = [c.font.bold for c in ws[1] if c.value is not None]
    out["overdue_fill"] = [c.fill.fgColor.rgb for c in ws["G"] if c.value == "是"]
print(json.dumps(out, ensure_ascii=False, default=str))
"#;

fn export(ws: &Workspace, name: &str) -> (String, Value) {
    let path = ws.path(name).display().to_string();
    ws.run(&[
        "export",
        "rankings",
        "--period",
        "2024-Q3",
        "--checklist",
        "small",
        "--out",
        &path,
    ])
    .success();
    let read = crate::helpers::run_python(READ_SHEET, &[&path]);
    (path, read)
}

#[test]
fn the_workbook_tracks_rectification_by_district_and_lists_open_tickets() {
    let ws = workspace();
    let (_, unpublished) = export(&ws, "before.xlsx");
    assert!(
        !unpublished["sheets"]
            .as_array()
            .expect("sheets")
            .contains(&json!("整改跟踪")),
        "no tickets, no sheet: {unpublished}"
    );

    publish(&ws);
    ws.sql().execute(
        "UPDATE rectifications SET due = '2024-10-15' WHERE branch_code = 'BY02'",
        &[],
    );
    let later = ws.write(
        "later.csv",
        "暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n\
         V5,XP01,2024-10-08 10:00,李,small,是,是,优,5\n",
    );
    ws.run(&["import", "visits", &later]).success();
    let (path, book) = export(&ws, "rankings.xlsx");
    let sheets = book["sheets"].as_array().expect("sheets");
    let at = sheets
        .iter()
        .position(|s| s == "整改跟踪")
        .unwrap_or_else(|| panic!("a 整改跟踪 sheet: {sheets:?}"));
    assert_eq!(sheets[at - 1], "等候时长");

    let rows = book["rows"].as_array().expect("rows");
    let row = |i: usize| -> Vec<Value> {
        rows[i]
            .as_array()
            .expect("a row")
            .iter()
            .take_while(|c| !c.is_null())
            .cloned()
            .collect()
    };
    assert_eq!(
        row(0),
        [
            "区县",
            "整改单",
            "按期回复",
            "复查通过",
            "顽固短板",
            "逾期",
            "未办结"
        ]
        .map(|h| json!(h))
    );
    assert_eq!(
        row(1),
        [
            json!("泌阳"),
            json!(1),
            json!(0),
            json!(0),
            json!(0),
            json!(1),
            json!(1)
        ]
    );
    assert_eq!(
        row(2),
        [
            json!("西平"),
            json!(4),
            json!(0),
            json!(1),
            json!(0),
            json!(0),
            json!(3)
        ]
    );
    assert_eq!(
        row(3),
        [
            json!("合计"),
            json!(5),
            json!(0),
            json!(1),
            json!(0),
            json!(1),
            json!(4)
        ]
    );
    assert_eq!(row(5), [json!("未办结的整改单")]);
    assert_eq!(row(6)[3], "检查项");
    let open: Vec<Vec<Value>> = (7..11).map(row).collect();
    assert_eq!(
        open[0],
        [
            "BY02",
            "泌阳二厅",
            "泌阳",
            "A01 着工装",
            "待整改",
            "2024-10-15",
            "是",
            "V4"
        ]
        .map(|c| json!(c)),
        "overdue first"
    );
    let listed: BTreeSet<(String, String)> = open
        .iter()
        .map(|r| {
            (
                r[0].as_str().expect("code").into(),
                r[3].as_str().expect("item")[..3].into(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        pairs(&[
            ("BY02", "A01"),
            ("XP02", "A02"),
            ("XP02", "B01"),
            ("XP02", "B02")
        ]),
        "the verified XP01 A01 is not open"
    );
    assert!(open[1..].iter().all(|r| r[6] == "否"));
    assert_eq!(row(11), Vec::<Value>::new(), "four open tickets");
    assert_eq!(book["freeze"], "A2");
    assert_eq!(
        book["title_rows"], "$7:$7",
        "the tickets' header repeats on every printed page"
    );
    assert!(
        book["header_bold"]
            .as_array()
            .expect("bold")
            .iter()
            .all(|b| b == true)
    );
    assert!(
        book["widths"]["D"].as_f64().expect("width") >= 20.0,
        "{book}"
    );
    assert_eq!(book["overdue_fill"], json!(["FFFBE2D5"]));

    // On paper, as LibreOffice prints it.
    let profile = format!("file://{}", ws.path("lo-profile").display());
    let printed = std::process::Command::new("soffice")
        .args([
            &format!("-env:UserInstallation={profile}"),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(ws.dir.path())
        .arg(&path)
        .output()
        .expect("LibreOffice is installed");
    let pdf = ws.path("rankings.pdf");
    assert!(printed.status.success() && pdf.exists());
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed");
    let text = String::from_utf8_lossy(&text.stdout);
    let page = text
        .split('\u{c}')
        .position(|p| p.contains("未办结的整改单"))
        .expect("the sheet is printed")
        + 1;
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/screenshots/the_workbook_tracks_rectification");
    std::fs::create_dir_all(&shots).expect("a folder for the page");
    let page = page.to_string();
    let status = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-singlefile", "-f", &page, "-l", &page])
        .arg(&pdf)
        .arg(shots.join("整改跟踪"))
        .status()
        .expect("pdftoppm is installed");
    assert!(status.success());
}

#[tokio::test]
async fn a_manager_s_workbook_tracks_only_the_tickets_of_their_halls() {
    let ws = workspace();
    publish(&ws);
    let app = TestApp::spawn(&ws.db()).await;
    let bytes = app
        .sign_in("by", PASSWORD)
        .await
        .download("/exports/rankings.xlsx?period=2024-Q3&checklist=small")
        .await;
    let path = ws.write("by.xlsx", bytes);
    let book = crate::helpers::run_python(READ_SHEET, &[&path]);
    let rows = book["rows"].as_array().expect("a 整改跟踪 sheet");
    let cells: Vec<String> = rows
        .iter()
        .flat_map(|r| r.as_array().expect("a row").iter())
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    assert!(cells.contains(&"泌阳".to_string()), "{cells:?}");
    assert!(
        !cells.iter().any(|c| c.starts_with("XP") || c == "西平"),
        "西平's tickets stay out: {cells:?}"
    );
    assert_eq!(rows[2][0], "合计");
    assert_eq!(rows[2][1], 1);
}
