//! Issue 23: every staff page of the demo speaks Chinese and Beijing time: no English state or
//! event name and no UTC time in what the page shows (its text, not its markup or scripts).

use sea_orm::EntityTrait;
use sealdesk::auth::Role;
use sealdesk::entities::application;

use crate::helpers::spawn_app;
use crate::staff::{add_staff, login};

/// What a reader sees of a page: the text between tags, scripts, styles and comments left out.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tail = &rest[open..];
        let skip_to = ["script", "style"]
            .iter()
            .find(|t| tail[1..].to_ascii_lowercase().starts_with(*t))
            .map(|t| format!("</{t}>"))
            .or_else(|| tail.starts_with("<!--").then(|| "-->".to_string()));
        let end = match skip_to {
            Some(close) => tail.find(&close).map(|i| i + close.len()),
            None => tail.find('>').map(|i| i + 1),
        };
        rest = &tail[end.unwrap_or(tail.len())..];
    }
    out.push_str(rest);
    out
}

/// Words the staff pages must not show: lifecycle states and events, audit actions, UTC.
const FORBIDDEN: &[&str] = &[
    "UTC",
    "in_review",
    "resubmitted",
    "in_production",
    "picked_up",
    "checks_done",
    "start_checks",
    "skip_checks",
    "start_production",
    "application.transition",
    "application.created",
    "case.decided",
    "case.viewed",
    "case.claimed",
    "case.released",
    "case.reassigned",
    "case.pii_revealed",
    "document.viewed",
    "document.checked",
    "document.uploaded",
];

/// Whole words only ("approved" but not "approved_at" in a URL).
const STATE_WORDS: &[&str] =
    &["draft", "submitted", "checking", "approved", "returned", "rejected", "paid", "shipped"];

fn offending(text: &str) -> Vec<String> {
    let mut found: Vec<String> =
        FORBIDDEN.iter().filter(|w| text.contains(*w)).map(|w| w.to_string()).collect();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if STATE_WORDS.contains(&word) && !found.iter().any(|f| f == word) {
            found.push(word.to_string());
        }
    }
    // A raw ISO time ("2026-12-03T10:00:00+00:00") is UTC shown as it is stored.
    let b = text.as_bytes();
    if b.windows(11)
        .any(|w| w[..4].iter().all(u8::is_ascii_digit) && w[4] == b'-' && w[7] == b'-' && w[10] == b'T')
    {
        found.push("ISO time".into());
    }
    found
}

#[test]
fn the_text_walker_sees_text_only() {
    let html = "<p class=\"in_review\">待审核</p><script>var s='UTC';</script><!-- draft --><b>returned</b>";
    assert_eq!(offending(&visible_text(html)), ["returned"]);
    assert_eq!(offending("创建于 2026-12-03T10:00:00Z"), ["ISO time"]);
}

#[tokio::test]
async fn no_staff_page_of_the_demo_shows_an_english_state_or_event_or_a_utc_time() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let blobs = sealdesk::storage::LocalBlobStore::open(app.test_db.dir.path().join("blobs")).unwrap();
    sealdesk::demo::load(&conn, &blobs, &app.test_db.settings(), "demo-password-1").await.unwrap();
    add_staff(&conn, "walker", Role::Admin).await;
    let s = login(&app, "walker").await;

    let mut pages: Vec<String> = [
        "/queue",
        "/supervisor",
        "/supervisor?days=90",
        "/supervisor/notifications",
        "/admin/users",
        "/admin/reasons",
        "/admin/thresholds",
        "/admin/messages",
        "/admin/calendar",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    for a in application::Entity::find().all(&conn).await.unwrap() {
        pages.push(format!("/cases/{}", a.id));
    }
    let mut bad = Vec::new();
    for path in &pages {
        let resp = s.get(path).await;
        assert_eq!(resp.status(), 200, "{path}");
        let found = offending(&visible_text(&resp.text().await.unwrap()));
        if !found.is_empty() {
            bad.push(format!("{path}: {found:?}"));
        }
    }
    assert!(bad.is_empty(), "English states or events, or UTC, on staff pages:\n{}", bad.join("\n"));
    assert!(pages.len() > 15, "every demo case walked ({})", pages.len());
    app.stop().await;
}
