//! The dashboard of a period with visits still waiting for review, at a
//! laptop and a tablet size: the figures leave them out and the page says
//! how many there are.

use std::time::Duration;

use super::driver::{Browser, WAIT, with_browser};
use super::{LAPTOP, TABLET};
use crate::helpers::TestApp;
use crate::review::{PASSWORD, VISITS_CSV, workspace};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_says_how_many_visits_wait_for_review() {
    let ws = workspace();
    let visits = ws.write("visits.csv", VISITS_CSV);
    ws.run(&["import", "visits", &visits]).success();
    ws.run(&["review", "accept", "R1", "R2"]).success();
    let server = TestApp::spawn(&ws.db()).await;
    for (name, viewport) in [
        ("review-dashboard-1366x900", LAPTOP),
        ("review-dashboard-768x1024", TABLET),
    ] {
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(60),
            |b| async move { pending_on_the_dashboard(b).await },
        )
        .await;
    }
}

async fn pending_on_the_dashboard(b: Browser) {
    b.sign_in("boss", PASSWORD).await;
    b.goto("/dashboard?period=2024-Q3&checklist=reviewed").await;
    b.wait_js(
        "document.readyState === 'complete' && document.getElementById('pending-note')",
        WAIT,
        "the dashboard with its pending note",
    )
    .await;
    let note = b.text("#pending-note").await;
    assert!(note.contains("另有 3 次暗访待审核"), "{note}");
    // Only R1 and R2 (both at XP01) count.
    let visits = b.text(".score-line strong:not(#scope-rate)").await;
    assert_eq!(visits.trim(), "2", "the visits counted");
    b.shot("pending-note").await;
    b.assert_no_horizontal_scroll("the dashboard").await;
}
