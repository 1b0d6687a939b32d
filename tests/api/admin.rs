//! Admins in the browser: the reason catalogue, the working-day calendar and the thresholds,
//! each change audited.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sealdesk::auth::Role;
use sealdesk::domain::OperationType;
use sealdesk::entities::{audit_event, document};
use sealdesk::fixtures::case::Problems;

use crate::helpers::spawn_app;
use crate::staff::{add_staff, case_in_review, location, login};

#[tokio::test]
async fn admins_keep_the_reason_catalogue_and_the_working_day_calendar() {
    use sealdesk::entities::{calendar_day, rejection_reason};
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "adm", Role::Admin).await;
    add_staff(&conn, "rev", Role::Reviewer).await;
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let adm = login(&app, "adm").await;
    let rev = login(&app, "rev").await;

    let bad = adm.post("/admin/reasons", &[("code", "Bad Code"), ("text_zh", "x"), ("kind", "retry")]).await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("代码须为"));
    let made = adm
        .post(
            "/admin/reasons",
            &[
                ("code", "seal.faint"),
                ("text_zh", "印章颜色过浅，请重新盖章"),
                ("kind", "retry"),
                ("applies_to", "seal_sample"),
                ("sort_order", "95"),
            ],
        )
        .await;
    assert_eq!((made.status().as_u16(), location(&made)), (303, "/admin/reasons".to_string()));
    assert!(adm.get("/admin/reasons").await.text().await.unwrap().contains("印章颜色过浅"));
    assert_eq!(
        rev.post("/admin/reasons", &[("code", "x.y"), ("text_zh", "x"), ("kind", "retry")]).await.status(),
        403
    );

    // Retiring a reason keeps its code (decisions refer to it) and stops offering it.
    let claim = rev.post(&format!("/cases/{}/claim", case.id), &[]).await;
    assert_eq!(claim.status(), 303);
    let page = rev.get(&format!("/cases/{}", case.id)).await.text().await.unwrap();
    assert!(page.contains("value=\"other\""));
    let retire = adm
        .post(
            "/admin/reasons/other",
            &[("text_zh", "其他（见审核意见）"), ("kind", "retry"), ("sort_order", "170")],
        )
        .await;
    assert_eq!(retire.status(), 303);
    let other = rejection_reason::Entity::find_by_id("other".to_string()).one(&conn).await.unwrap().unwrap();
    assert!(!other.active);
    let page = rev.get(&format!("/cases/{}", case.id)).await.text().await.unwrap();
    assert!(!page.contains("value=\"other\""), "a retired reason is not offered");

    let set =
        adm.post("/admin/calendar", &[("day", "2027-01-01"), ("kind", "holiday"), ("note", "元旦")]).await;
    assert_eq!(set.status(), 303);
    assert_eq!(
        calendar_day::Entity::find_by_id("2027-01-01".to_string()).one(&conn).await.unwrap().unwrap().kind,
        "holiday"
    );
    assert_eq!(
        adm.post("/admin/calendar", &[("day", "2027-13-01"), ("kind", "holiday")]).await.status(),
        422
    );
    assert_eq!(adm.post("/admin/calendar/2027-01-01/delete", &[]).await.status(), 303);
    assert!(calendar_day::Entity::find_by_id("2027-01-01".to_string()).one(&conn).await.unwrap().is_none());
    let actions: Vec<String> =
        audit_event::Entity::find().all(&conn).await.unwrap().into_iter().map(|e| e.action).collect();
    for a in ["reason.created", "reason.updated", "calendar.set", "calendar.deleted"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_threshold_changed_by_an_admin_applies_to_the_next_page_checked() {
    use sea_orm::QueryOrder;
    use sealdesk::entities::check_report;
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "adm", Role::Admin).await;
    let adm = login(&app, "adm").await;
    let resolution_of = |app_id: i32| {
        let conn = conn.clone();
        async move {
            let doc = document::Entity::find()
                .filter(document::Column::ApplicationId.eq(app_id))
                .order_by_asc(document::Column::Id)
                .one(&conn)
                .await
                .unwrap()
                .unwrap();
            let report = check_report::Entity::find()
                .filter(check_report::Column::DocumentId.eq(doc.id))
                .one(&conn)
                .await
                .unwrap()
                .unwrap();
            report.report["checks"]["resolution"]["status"].as_str().unwrap().to_string()
        }
    };

    let wrong = adm.post("/admin/thresholds", &[("key", "min_dpi_warn"), ("value", "\"high\"")]).await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(adm.post("/admin/thresholds", &[("key", "no_such_key"), ("value", "1")]).await.status(), 422);
    // Scans are drawn at 200 dpi: asking for 300 makes them warn.
    let set = adm.post("/admin/thresholds", &[("key", "min_dpi_warn"), ("value", "300")]).await;
    assert_eq!(set.status(), 303);
    assert!(adm.get("/admin/thresholds").await.text().await.unwrap().contains("已修改"));
    let strict = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    assert_eq!(resolution_of(strict.id).await, "warn");

    assert_eq!(adm.post("/admin/thresholds", &[("key", "min_dpi_warn"), ("value", "")]).await.status(), 303);
    let usual = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    assert_eq!(resolution_of(usual.id).await, "pass", "cleared: back to the configured value");
    let actions: Vec<String> =
        audit_event::Entity::find().all(&conn).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(
        actions.contains(&"threshold.set".to_string()) && actions.contains(&"threshold.cleared".to_string())
    );
    app.stop().await;
}
