//! A returned case comes back: the applicant replaces the returned documents and only those,
//! and the case returns to the reviewer who returned it (when on duty) with the documents they
//! accepted still accepted, due within the resubmission SLA.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sealdesk::auth::Role;
use sealdesk::domain::DocumentKind;
use sealdesk::entities::{audit_event, check_report, document, notification, staff_session};
use sealdesk::fixtures::case::Problems;

use crate::applicant::{apply, scans_for, the_application, upload};
use crate::helpers::{eventually, spawn_app};
use crate::staff::{add_staff, location, login, no_redirects};

/// Waits for the check reports of every document of the application.
async fn all_checked(conn: &sea_orm::DatabaseConnection, app_id: i32) {
    eventually(std::time::Duration::from_secs(120), "every upload checked", || async {
        let docs = document::Entity::find()
            .filter(document::Column::ApplicationId.eq(app_id))
            .all(conn)
            .await
            .unwrap();
        let ids: Vec<i32> = docs.iter().map(|d| d.id).collect();
        let n = check_report::Entity::find()
            .filter(check_report::Column::DocumentId.is_in(ids))
            .count(conn)
            .await
            .unwrap();
        n as usize == docs.len()
    })
    .await;
}

#[tokio::test]
async fn a_resubmission_goes_back_to_the_reviewer_who_returned_it_with_their_verdicts_kept() {
    return_and_resubmit(true).await;
}

#[tokio::test]
async fn a_resubmission_goes_to_the_queue_when_that_reviewer_is_off_duty() {
    return_and_resubmit(false).await;
}

/// The whole round: upload, submit (double click), returned by 测试wang, the link in the SMS,
/// only the returned document replaceable, resubmitted, back in review. `on_duty`: whether
/// 测试wang is still signed in and active when the case comes back.
async fn return_and_resubmit(on_duty: bool) {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let order = apply(&app, "k").await;
    let a = the_application(&conn).await;
    let blurred = scans_for(&a, Problems { blurred_licence: true, ..Default::default() }, 5);
    let good = scans_for(&a, Problems::default(), 5);
    let scan = |set: &[(DocumentKind, Vec<u8>)], k: DocumentKind| {
        set.iter().find(|(x, _)| *x == k).unwrap().1.clone()
    };

    // The blurred licence first: its clarity finding is on the order page once it is checked.
    let resp = upload(
        &app,
        &order,
        "business_license",
        "执照.jpg",
        &scan(&blurred, DocumentKind::BusinessLicense),
        false,
    )
    .await;
    assert_eq!((resp.status().as_u16(), location(&resp)), (303, format!("{order}#doc-business_license")));
    all_checked(&conn, a.id).await;
    let page =
        no_redirects().get(format!("{}{order}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-check=\"clarity\"") && page.contains("clarity.blurred"), "{page}");
    for (kind, bytes) in &good {
        let resp = upload(&app, &order, kind.as_str(), "scan.jpg", bytes, true).await;
        assert_eq!(resp.status(), 201, "{kind}");
    }
    for _ in 0..2 {
        // The second is the double click.
        let resp = no_redirects().post(format!("{}{order}/submit", app.address)).send().await.unwrap();
        assert_eq!(resp.status(), 303);
    }
    let submits = audit_event::Entity::find()
        .filter(audit_event::Column::ApplicationId.eq(a.id))
        .filter(audit_event::Column::Action.eq("application.transition"))
        .all(&conn)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.detail["event"] == "submit")
        .count();
    assert_eq!(submits, 1, "submitted once");
    eventually(std::time::Duration::from_secs(120), "in the queue", || async {
        the_application(&conn).await.state == "in_review"
    })
    .await;

    // A reviewer sends the licence back.
    add_staff(&conn, "wang", Role::Reviewer).await;
    let s = login(&app, "wang").await;
    assert_eq!(s.post("/queue/next", &[]).await.status(), 303);
    let docs = sealdesk::review::decide::current_documents(&conn, a.id).await.unwrap();
    let mut form: Vec<(String, String)> = vec![
        ("outcome".into(), "return".into()),
        ("key".into(), "decision-1".into()),
        ("comment_applicant".into(), "营业执照复印件不清晰".into()),
    ];
    for d in &docs {
        let back = d.kind == "business_license";
        form.push((format!("doc_{}", d.id), if back { "resubmit" } else { "accept" }.into()));
        if back {
            form.push((format!("doc_{}_reason", d.id), "image.blurry".into()));
        }
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(s.post(&format!("/cases/{}/decision", a.id), &pairs).await.status(), 303);
    if !on_duty {
        // 测试wang signs out.
        staff_session::Entity::delete_many().exec(&conn).await.unwrap();
    }

    // The link in the message as delivered (log sink: the text is kept with the message).
    let sent = || notification::Entity::find().filter(notification::Column::Channel.eq("sms")).one(&conn);
    eventually(std::time::Duration::from_secs(60), "the SMS delivered", || async {
        sent().await.unwrap().is_some_and(|n| n.rendered.is_some())
    })
    .await;
    let text = sent().await.unwrap().unwrap().rendered.unwrap();
    let at = text.find("/o/").expect("a link in the SMS");
    let link: String = text[at..].chars().take(3 + 27).collect();
    let page =
        no_redirects().get(format!("{}{link}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("需要重新提交的材料") && page.contains("营业执照复印件不清晰"), "{page}");
    assert_eq!(page.matches("data-upload").count(), 1, "one upload form: the licence's");

    let same = upload(
        &app,
        &link,
        "business_license",
        "again.jpg",
        &scan(&good, DocumentKind::BusinessLicense),
        true,
    )
    .await;
    assert_eq!(same.status(), 422);
    assert_eq!(same.json::<serde_json::Value>().await.unwrap()["error"]["code"], "upload.same_as_rejected");
    let other =
        upload(&app, &link, "seal_sample", "s.jpg", &scan(&blurred, DocumentKind::SealSample), true).await;
    assert_eq!(other.json::<serde_json::Value>().await.unwrap()["error"]["code"], "upload.not_returned");
    let early = no_redirects().post(format!("{}{link}/submit", app.address)).send().await.unwrap();
    assert_eq!(early.status(), 422, "nothing replaced yet");

    let retaken = scans_for(&a, Problems::default(), 99);
    let resp = upload(
        &app,
        &link,
        "business_license",
        "new.jpg",
        &scan(&retaken, DocumentKind::BusinessLicense),
        true,
    )
    .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(
        no_redirects().post(format!("{}{link}/submit", app.address)).send().await.unwrap().status(),
        303
    );
    eventually(std::time::Duration::from_secs(120), "back in the queue", || async {
        the_application(&conn).await.state == "in_review"
    })
    .await;
    let back = the_application(&conn).await;
    assert_eq!(back.resubmissions, 1, "marked as a resubmission");
    let wang = sealdesk::auth::accounts::find(&conn, "wang").await.unwrap().unwrap().id;

    // Due within the resubmission SLA (1 working day), counted from its return to the queue.
    let queued = back.queued_at.expect("queued");
    let calendar = sealdesk::review::calendar::WorkCalendar::load(&conn, queued.date_naive()).await.unwrap();
    let one_day = calendar.add_working_days(queued, 1).timestamp_millis();
    assert!((back.due_at_ms.unwrap() - one_day).abs() < 5_000, "{:?} vs {one_day}", back.due_at_ms);

    if !on_duty {
        assert_eq!(back.assignee_id, None, "nobody on duty: the case waits in the queue");
        let routed = audit_event::Entity::find()
            .filter(audit_event::Column::ApplicationId.eq(a.id))
            .filter(audit_event::Column::Action.eq("case.routed"))
            .count(&conn)
            .await
            .unwrap();
        assert_eq!(routed, 0);
        return;
    }
    assert_eq!(back.assignee_id, Some(wang), "back with the reviewer who returned it");
    let queue = s.get("/queue?resubmitted=1").await.text().await.unwrap();
    assert!(queue.contains(&back.order_number));
    let page = s.get(&format!("/cases/{}", a.id)).await.text().await.unwrap();
    assert!(page.contains("由我处理"), "claimed for them");
    assert!(page.contains("重新提交，交回上次退回的 测试wang 处理"), "the history says why");
    // What they accepted last round is accepted again; only the new licence waits for a verdict.
    let current = sealdesk::review::decide::current_documents(&conn, a.id).await.unwrap();
    for d in &current {
        let accept = format!("name=\"doc_{}\" value=\"accept\" checked", d.id);
        assert_eq!(page.contains(&accept), d.kind != "business_license", "{}: {}", d.kind, d.status);
    }
    assert_eq!(page.matches("上次已通过</span></legend>").count(), current.len() - 1);
    // The new licence beside the one sent back, with that one's reasons; and the seal imprints
    // of the current uploads cropped for comparison.
    assert_eq!(page.matches("<figure class=\"previous\">").count(), 1, "{page}");
    assert!(page.contains("上次上传（第 2 次）") && page.contains("与上次并排"), "{page}");
    assert!(page.contains("<div class=\"pair compare\">"), "side by side from the start");
    assert!(page.contains("印章对照") && page.contains("<image href=\"/documents/"), "{page}");
}
