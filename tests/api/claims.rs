//! Issue 23: a claim does not lapse under a reviewer who is working on the case (the page's
//! heartbeat renews it), and a decision refused because it lapsed keeps what they wrote and
//! can be submitted by claiming the case again, unless someone else has taken it.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sealdesk::auth::Role;
use sealdesk::domain::OperationType;
use sealdesk::entities::{application, document};
use sealdesk::fixtures::case::Problems;

use crate::helpers::spawn_app;
use crate::staff::{Session, add_staff, case_in_review, location, login};

/// Makes the claim on `app_id` look `mins` minutes old, as if its holder had been idle.
async fn idle_for(conn: &DatabaseConnection, app_id: i32, mins: i64) {
    application::Entity::update_many()
        .col_expr(
            application::Column::ClaimedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(mins)),
        )
        .filter(application::Column::Id.eq(app_id))
        .exec(conn)
        .await
        .unwrap();
}

async fn claimed_at(conn: &DatabaseConnection, app_id: i32) -> chrono::DateTime<chrono::Utc> {
    let app = application::Entity::find_by_id(app_id).one(conn).await.unwrap().unwrap();
    app.claimed_at.expect("claimed")
}

async fn beat(s: &Session, app_id: i32) -> serde_json::Value {
    let resp = s.post(&format!("/cases/{app_id}/heartbeat"), &[]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn the_heartbeat_renews_a_live_claim_and_never_revives_a_lapsed_one() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "he", Role::Reviewer).await;
    add_staff(&conn, "lu", Role::Reviewer).await;
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let (he, lu) = (login(&app, "he").await, login(&app, "lu").await);
    assert_eq!(he.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303);
    let page = he.get(&format!("/cases/{}", case.id)).await.text().await.unwrap();
    assert!(page.contains("id=\"claim-clock\""), "the holder sees the claim's clock");
    assert!(page.contains(&format!("data-heartbeat=\"/cases/{}/heartbeat\"", case.id)));
    assert!(page.contains("/static/claim.js"));
    let other = lu.get(&format!("/cases/{}", case.id)).await.text().await.unwrap();
    assert!(!other.contains("id=\"claim-clock\""), "only the holder has a clock");

    // Twenty minutes of reading: the heartbeat renews the claim for the full idle window.
    idle_for(&conn, case.id, 20).await;
    let before = chrono::Utc::now();
    let s = beat(&he, case.id).await;
    assert_eq!(s["held"], true, "{s}");
    assert!(s["holder"].is_null());
    let expires = s["expires_at_ms"].as_i64().unwrap();
    let window = app.test_db.settings().review.claim_idle_mins as i64 * 60_000;
    assert!(expires >= before.timestamp_millis() + window, "{s}");
    assert!(claimed_at(&conn, case.id).await >= before, "renewed in the database");

    // A forged heartbeat (no CSRF token) is refused and renews nothing.
    idle_for(&conn, case.id, 10).await;
    let forged = he.post_raw(&format!("/cases/{}/heartbeat", case.id), &[]).await;
    assert_eq!(forged.status(), 403);
    assert!(claimed_at(&conn, case.id).await < chrono::Utc::now() - chrono::Duration::minutes(9));

    // Lapsed: the heartbeat says so and does not bring it back.
    idle_for(&conn, case.id, app.test_db.settings().review.claim_idle_mins as i64 + 1).await;
    let lapsed_at = claimed_at(&conn, case.id).await;
    let s = beat(&he, case.id).await;
    assert_eq!((s["held"].as_bool(), s["in_review"].as_bool()), (Some(false), Some(true)), "{s}");
    assert!(s["holder"].is_null() && s["expires_at_ms"].is_null(), "{s}");
    assert_eq!(claimed_at(&conn, case.id).await, lapsed_at, "not revived");

    // Someone else took it: the heartbeat names them, and renews nothing of theirs.
    assert_eq!(lu.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303);
    idle_for(&conn, case.id, 5).await;
    let theirs = claimed_at(&conn, case.id).await;
    let s = beat(&he, case.id).await;
    assert_eq!(s["held"], false);
    assert_eq!(s["holder"], "测试lu", "{s}");
    assert_eq!(claimed_at(&conn, case.id).await, theirs);
    app.stop().await;
}

#[tokio::test]
async fn a_decision_refused_by_a_lapsed_claim_keeps_the_form_and_can_claim_again() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "he", Role::Reviewer).await;
    add_staff(&conn, "lu", Role::Reviewer).await;
    let (he, lu) = (login(&app, "he").await, login(&app, "lu").await);
    let mut cases = Vec::new();
    for _ in 0..2 {
        cases.push(case_in_review(&app, OperationType::PinUnlock, Problems::default()).await);
    }
    for (n, case) in cases.iter().enumerate() {
        assert_eq!(he.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303);
        let docs = document::Entity::find()
            .filter(document::Column::ApplicationId.eq(case.id))
            .all(&conn)
            .await
            .unwrap();
        let mut form: Vec<(String, String)> = vec![
            ("outcome".into(), "approve".into()),
            ("key".into(), format!("lapsed-claim-key-{n}")),
            ("comment_applicant".into(), "材料齐全，请留意后续短信".into()),
        ];
        form.extend(docs.iter().map(|d| (format!("doc_{}", d.id), "accept".to_string())));
        let post = |reclaim: bool| {
            let mut pairs = form.clone();
            if reclaim {
                pairs.push(("reclaim".into(), "1".into()));
            }
            let (path, he) = (format!("/cases/{}/decision", case.id), &he);
            async move {
                let pairs: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
                he.post(&path, &pairs).await
            }
        };

        // The reviewer went to lunch with the form filled in.
        idle_for(&conn, case.id, app.test_db.settings().review.claim_idle_mins as i64 + 5).await;
        let refused = post(false).await;
        assert_eq!(refused.status(), 403);
        let body = refused.text().await.unwrap();
        assert!(body.contains("领取已因 30 分钟无操作而失效，结论未提交"), "{body}");
        assert!(body.contains("材料齐全，请留意后续短信"), "what was written is kept");
        assert!(body.contains("value=\"approve\" checked"), "the outcome is kept");

        if n == 0 {
            // Nobody took it meanwhile: one click claims it again and submits.
            assert!(body.contains("重新领取并提交审核结论"), "{body}");
            assert!(body.contains("name=\"reclaim\" value=\"1\""));
            let done = post(true).await;
            assert_eq!(done.status(), 303);
            assert!(location(&done).starts_with("/queue?done="), "{}", location(&done));
            let after = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
            assert_eq!(after.state, "approved");
        } else {
            // Another reviewer took it: no way to submit over them.
            assert_eq!(lu.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303);
            let page = he.get(&format!("/cases/{}", case.id)).await.text().await.unwrap();
            assert!(page.contains("由 测试lu 处理"), "{page}");
            let refused = post(true).await;
            assert_eq!(refused.status(), 409);
            let body = refused.text().await.unwrap();
            assert!(body.contains("该申请已由测试lu领取"), "{body}");
            assert!(!body.contains("重新领取并提交审核结论"));
            let after = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
            assert_eq!((after.state.as_str(), after.assignee_id.is_some()), ("in_review", true));
        }
    }
    app.stop().await;
}
