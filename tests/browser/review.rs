//! A reviewer's day in the browser: sign in, take the next case, see the failing seal finding
//! drawn over the scan, send two documents back with reasons, and watch the case leave the queue
//! with one message per channel waiting for the applicant.

use fantoccini::Locator;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sealdesk::auth::Role;
use sealdesk::domain::OperationType;
use sealdesk::entities::{application, document, notification, review_decision};
use sealdesk::fixtures::case::Problems;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::staff::{PASSWORD, add_staff, case_in_review};

#[tokio::test]
async fn a_reviewer_returns_two_documents_of_the_next_case_from_the_browser() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "reviewer", Role::Reviewer).await;
    let problems = Problems { seal_touches_line: true, unstamped_operator_id: true, ..Default::default() };
    let case = case_in_review(&app, OperationType::New, problems).await;
    let browser = crate::driver::start().await;
    let c = &browser.client;

    let next = sign_in(c, &app.address, "reviewer").await;
    assert!(c.source().await.unwrap().contains(&case.order_number), "the case waits in the queue");

    next.click().await.unwrap();
    c.wait().for_element(Locator::Id("decision")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), format!("/cases/{}", case.id));

    // The seal-sample form's finding fails, and the touching box is drawn over the scan.
    let finding = c.find(Locator::Css("#doc-seal_sample tr.finding[data-check=seal_boxes]")).await.unwrap();
    assert_eq!(finding.attr("class").await.unwrap().as_deref(), Some("finding status-fail"));
    assert!(finding.text().await.unwrap().contains("压线"));
    let drawn = c
        .execute(
            "const r = document.querySelector('#doc-seal_sample svg rect.ev-box.bad');\
             const img = document.querySelector('#doc-seal_sample img');\
             return r && img.complete && img.naturalWidth > 0 ? r.getBoundingClientRect().width : 0;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        drawn.as_f64().unwrap_or(0.0) > 20.0,
        "the touching box is visible over the loaded scan: {drawn}"
    );

    if let Ok(dir) = std::env::var("SEALDESK_SCREENSHOT_DIR") {
        // For the README: the case page as the reviewer sees it, scrolled to the seal-sample form.
        c.execute("document.querySelector('#doc-seal_sample').scrollIntoView();", vec![]).await.unwrap();
        std::fs::write(format!("{dir}/case-page.png"), c.screenshot().await.unwrap()).unwrap();
    }

    // Two documents back with reasons, the rest accepted.
    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    for d in &docs {
        let back = match d.kind.as_str() {
            "seal_sample" => Some("seal.touches_line"),
            "operator_id_card" => Some("seal.missing"),
            _ => None,
        };
        let verdict = if back.is_some() { "resubmit" } else { "accept" };
        c.find(Locator::Css(&format!("input[name=doc_{}][value={verdict}]", d.id)))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        if let Some(reason) = back {
            // A reason the checks suggest comes ticked; the others the reviewer ticks.
            let css = format!("input[name=doc_{}_reason][value='{reason}']", d.id);
            let checkbox = c.find(Locator::Css(&css)).await.unwrap();
            if checkbox.prop("checked").await.unwrap().as_deref() != Some("true") {
                checkbox.click().await.unwrap();
            }
        }
    }
    c.find(Locator::Css("input[name=outcome][value=return]")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("textarea[name=comment_applicant]"))
        .await
        .unwrap()
        .send_keys("请在框内居中盖章，并在身份证复印件上加盖公章")
        .await
        .unwrap();
    c.find(Locator::Id("submit-decision")).await.unwrap().click().await.unwrap();

    // Back on the queue, the case gone from it.
    c.wait().for_url(&url_of(&app.address, &format!("/queue?done={}", case.order_number))).await.unwrap();
    let queue = c.source().await.unwrap();
    assert!(queue.contains("已处理订单"));
    assert!(!queue.contains(&format!("href=\"/cases/{}\"", case.id)), "the case left the queue");

    let stored = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
    assert_eq!(stored.state, "returned");
    let outbox = notification::Entity::find()
        .filter(notification::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(outbox.len(), 2, "one message per channel waits in the outbox");
    let kinds: Vec<&str> = outbox[0].payload["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["seal_sample", "operator_id_card"]);

    browser.client.close().await.unwrap();
    app.stop().await;
}

/// Signs in through the login page (the queue sends an anonymous visitor there and back) and
/// answers the queue's 下一个 button.
pub(crate) async fn sign_in(
    c: &fantoccini::Client,
    base: &str,
    username: &str,
) -> fantoccini::elements::Element {
    c.goto(&format!("{base}/queue")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("next-case")).await.unwrap()
}

/// Issue 23: a reviewer at work keeps the claim (the page's heartbeat renews it while they type),
/// sees when it has lapsed, and submits what they wrote by claiming again, losing nothing.
/// The idle window is one minute here, so the page beats every 15 s.
#[tokio::test]
async fn a_reviewer_at_work_keeps_the_claim_and_a_lapsed_one_loses_nothing() {
    let app = spawn_app_with(|s| s.review.claim_idle_mins = 1).await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "reviewer", Role::Reviewer).await;
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let browser = crate::driver::start().await;
    let c = &browser.client;
    sign_in(c, &app.address, "reviewer").await.click().await.unwrap();
    c.wait().for_element(Locator::Id("decision")).await.unwrap();
    let clock = c.wait().for_element(Locator::Id("claim-clock")).await.unwrap();
    assert!(clock.text().await.unwrap().contains("领取保留至"), "{}", clock.text().await.unwrap());
    let claimed_at = || async {
        let a = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
        a.claimed_at.unwrap()
    };

    // Typing for 20 s: at least one heartbeat renews the claim.
    let opened = claimed_at().await;
    let comment = c.find(Locator::Css("textarea[name=comment_applicant]")).await.unwrap();
    comment.send_keys("材料").await.unwrap();
    let start = std::time::Instant::now();
    while claimed_at().await == opened {
        assert!(start.elapsed() < std::time::Duration::from_secs(40), "no heartbeat renewed the claim");
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        comment.send_keys("齐").await.unwrap();
    }

    // The reviewer leaves the desk: the claim lapses (made so in the database), the next
    // heartbeat after any input says so on the page.
    application::Entity::update_many()
        .col_expr(
            application::Column::ClaimedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(5)),
        )
        .filter(application::Column::Id.eq(case.id))
        .exec(&conn)
        .await
        .unwrap();
    comment.send_keys("全").await.unwrap();
    let start = std::time::Instant::now();
    loop {
        let text = clock.text().await.unwrap();
        if text.contains("领取已失效") {
            break;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(40), "the page never said: {text}");
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        comment.send_keys(" ").await.unwrap();
    }

    // Submitting anyway: refused, everything kept, one click claims again and submits.
    for d in
        document::Entity::find().filter(document::Column::ApplicationId.eq(case.id)).all(&conn).await.unwrap()
    {
        let css = format!("input[name=doc_{}][value=accept]", d.id);
        c.find(Locator::Css(&css)).await.unwrap().click().await.unwrap();
    }
    c.find(Locator::Css("input[name=outcome][value=approve]")).await.unwrap().click().await.unwrap();
    c.find(Locator::Id("submit-decision")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("reclaim-note")).await.unwrap();
    let kept = c.find(Locator::Css("textarea[name=comment_applicant]")).await.unwrap();
    assert!(
        kept.prop("value").await.unwrap().unwrap_or_default().starts_with("材料齐"),
        "the comment is kept"
    );
    c.find(Locator::Id("submit-decision")).await.unwrap().click().await.unwrap();
    c.wait().for_url(&url_of(&app.address, &format!("/queue?done={}", case.order_number))).await.unwrap();
    let stored = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
    assert_eq!(stored.state, "approved");
    let decided = review_decision::Entity::find()
        .filter(review_decision::Column::ApplicationId.eq(case.id))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert!(decided.comment_applicant.starts_with("材料齐"), "{}", decided.comment_applicant);

    browser.client.close().await.unwrap();
    app.stop().await;
}

pub(crate) fn url_of(base: &str, path: &str) -> url::Url {
    url::Url::parse(&format!("{base}{path}")).unwrap()
}
