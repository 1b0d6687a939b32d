//! Issue 23: the reviewer's desk at speed. A clean case approved in three clicks (the time it
//! takes is printed, for the README), a case returned with the keyboard alone, and the summary
//! of what the applicant will be told.

use std::time::Instant;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sealdesk::auth::Role;
use sealdesk::domain::OperationType;
use sealdesk::entities::{application, document, review_decision};
use sealdesk::fixtures::case::Problems;

use crate::helpers::spawn_app;
use crate::review::{sign_in, url_of};
use crate::staff::{add_staff, case_in_review};

/// Presses `keys` one after the other, as a person at the keyboard would, on whatever has focus.
async fn press(c: &Client, keys: &[char]) {
    let mut actions = KeyActions::new("keyboard".into());
    for &k in keys {
        actions = actions.then(KeyAction::Down { value: k }).then(KeyAction::Up { value: k });
    }
    c.perform_actions(actions).await.unwrap();
}

#[tokio::test]
async fn a_clean_case_is_approved_in_three_clicks_and_one_is_returned_by_keyboard_alone() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "reviewer", Role::Reviewer).await;
    let clean = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let browser = crate::driver::start().await;
    let c = &browser.client;
    let next = sign_in(c, &app.address, "reviewer").await;

    // A clean case: 领取下一个, 通过全部自动检查通过的材料, 提交审核结论.
    let started = Instant::now();
    next.click().await.unwrap();
    let all = c.wait().for_element(Locator::Id("accept-passing")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("项通过</span>"), "the passing checks are folded into one line");
    all.click().await.unwrap();
    let summary = c.find(Locator::Id("decision-summary")).await.unwrap().text().await.unwrap();
    assert!(summary.contains("审核通过：申请人将收到短信和电子邮件"), "{summary}");
    assert!(!summary.contains("未作判断"), "{summary}");
    if let Ok(dir) = std::env::var("SEALDESK_SCREENSHOT_DIR") {
        // For the README: the top of a clean case, and its submit button with the summary.
        std::fs::write(format!("{dir}/case-clean.png"), c.screenshot().await.unwrap()).unwrap();
        c.execute("document.getElementById('submit-decision').scrollIntoView({block: 'end'});", vec![])
            .await
            .unwrap();
        std::fs::write(format!("{dir}/case-summary.png"), c.screenshot().await.unwrap()).unwrap();
    }
    c.find(Locator::Id("submit-decision")).await.unwrap().click().await.unwrap();
    c.wait().for_url(&url_of(&app.address, &format!("/queue?done={}", clean.order_number))).await.unwrap();
    let took = started.elapsed();
    let stored = application::Entity::find_by_id(clean.id).one(&conn).await.unwrap().unwrap();
    assert_eq!(stored.state, "approved");
    println!("time to decide a clean case: 3 clicks, 0 keys, {:.1} s of scripted work", took.as_secs_f64());

    // A case with a seal over the line on 附件二 and an ID copy without the company seal,
    // returned with the keyboard alone: n takes it, a accepts a document and moves on, r sends
    // the current one back with the reasons the checks suggest, j moves on, s goes to the
    // submit button and Enter sends the form.
    let problems = Problems { seal_touches_line: true, unstamped_operator_id: true, ..Default::default() };
    let case = case_in_review(&app, OperationType::New, problems).await;
    c.goto(&format!("{}/queue", app.address)).await.unwrap();
    c.wait().for_element(Locator::Id("next-case")).await.unwrap();
    let started = Instant::now();
    press(c, &['n']).await;
    c.wait().for_element(Locator::Id("decision")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), format!("/cases/{}", case.id));
    let kinds: Vec<String> = c
        .execute(
            "return Array.from(document.querySelectorAll('section.doc[data-document-id]')).map(d => d.dataset.kind);",
            vec![],
        )
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    let back = ["seal_sample", "operator_id_card"];
    let mut keys = Vec::new();
    for kind in &kinds {
        keys.extend(if back.contains(&kind.as_str()) { ['r', 'j'] } else { ['a', '\0'] });
    }
    keys.retain(|k| *k != '\0');
    keys.extend(['s', char::from(Key::Enter)]);
    press(c, &keys[..keys.len() - 1]).await;
    let summary = c.find(Locator::Id("decision-summary")).await.unwrap().text().await.unwrap();
    assert!(summary.contains("退回修改：申请人将收到短信和电子邮件，只需重新上传以下材料"), "{summary}");
    assert!(summary.contains("· 电子印章取样表："), "{summary}");
    press(c, &keys[keys.len() - 1..]).await;
    c.wait().for_url(&url_of(&app.address, &format!("/queue?done={}", case.order_number))).await.unwrap();
    println!(
        "time to return a case by keyboard: 0 clicks, {} keys, {:.1} s of scripted work",
        keys.len() + 1,
        started.elapsed().as_secs_f64()
    );

    let stored = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
    assert_eq!(stored.state, "returned");
    let decision = review_decision::Entity::find()
        .filter(review_decision::Column::ApplicationId.eq(case.id))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    let returned: Vec<&str> =
        docs.iter().filter(|d| d.status == "resubmit").map(|d| d.kind.as_str()).collect();
    assert_eq!(returned.len(), 2, "{returned:?} ({decision:?})");
    assert!(returned.iter().all(|k| back.contains(k)), "{returned:?}");

    browser.client.close().await.unwrap();
    app.stop().await;
}
