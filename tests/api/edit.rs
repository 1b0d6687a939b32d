//! Issue 24: the applicant corrects what was typed. A credit code mistyped (a valid one, of
//! another company) makes a correct licence fail; corrected on the edit page, the licence is
//! checked again and passes without a re-upload. The edit is audited (field names, never
//! values), shown to the reviewer, refused on a stale page and once the application is
//! submitted.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sealdesk::domain::{DocumentKind, Uscc};
use sealdesk::entities::{audit_event, check_report, document};
use sealdesk::fixtures::case::Problems;

use crate::applicant::{FORM, apply, scans_for, the_application, upload};
use crate::helpers::{eventually, spawn_app};
use crate::staff::{location, no_redirects};

async fn licence_number_status(conn: &sea_orm::DatabaseConnection, app_id: i32) -> Option<String> {
    let doc = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(app_id))
        .filter(document::Column::Kind.eq("business_license"))
        .one(conn)
        .await
        .unwrap()?;
    let report = check_report::Entity::find()
        .filter(check_report::Column::DocumentId.eq(doc.id))
        .one(conn)
        .await
        .unwrap()?;
    report.report["checks"]["number"]["status"].as_str().map(str::to_string)
}

fn form_with(overrides: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = FORM.iter().map(|(k, v)| (*k, v.to_string())).collect();
    for (k, v) in overrides {
        f.retain(|(x, _)| x != k);
        f.push((k, v.clone()));
    }
    f
}

#[tokio::test]
async fn a_mistyped_credit_code_is_corrected_and_the_licence_passes_without_a_reupload() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let order = apply(&app, "edit-1").await;
    let typed = the_application(&conn).await;
    // The licence shows the company's real code; the applicant typed another valid one.
    let real = Uscc::from_parts("500103", "MA60TQ3R").unwrap().as_str().to_string();
    assert_ne!(real, typed.company_uscc);
    let mut truth = typed.clone();
    truth.company_uscc = real.clone();
    let licence = scans_for(&truth, Problems::default(), 3)
        .into_iter()
        .find(|(k, _)| *k == DocumentKind::BusinessLicense)
        .unwrap()
        .1;
    assert_eq!(upload(&app, &order, "business_license", "执照.jpg", &licence, true).await.status(), 201);
    eventually(std::time::Duration::from_secs(120), "licence checked", || async {
        licence_number_status(&conn, typed.id).await.is_some()
    })
    .await;
    assert_eq!(licence_number_status(&conn, typed.id).await.as_deref(), Some("fail"), "the typo fails it");

    let page =
        no_redirects().get(format!("{}{order}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("href=\"{order}/edit\"")), "the order page offers the correction");
    let edit = no_redirects().get(format!("{}{order}/edit", app.address)).send().await.unwrap();
    assert_eq!(edit.status(), 200);
    let edit = edit.text().await.unwrap();
    assert!(edit.contains("修改申请信息") && edit.contains(&typed.company_uscc), "prefilled");
    let version = typed.version.to_string();
    let post = |fields: Vec<(&'static str, String)>| {
        let url = format!("{}{order}/edit", app.address);
        async move { no_redirects().post(url).form(&fields).send().await.unwrap() }
    };

    // A wrong field comes back with its message; nothing is stored.
    let wrong =
        post(form_with(&[("company_uscc", "91500103MA60TQ3R0".into()), ("key", version.clone())])).await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("有 1 项需要修改"));
    assert_eq!(the_application(&conn).await.company_uscc, typed.company_uscc);

    let saved = post(form_with(&[("company_uscc", real.clone()), ("key", version.clone())])).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), format!("{order}#edited"));
    let after = the_application(&conn).await;
    assert_eq!(after.company_uscc, real);
    eventually(std::time::Duration::from_secs(120), "licence checked again", || async {
        licence_number_status(&conn, typed.id).await.as_deref() == Some("pass")
    })
    .await;
    let uploads = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(typed.id))
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(uploads.len(), 1, "no re-upload");

    let edited = audit_event::Entity::find()
        .filter(audit_event::Column::ApplicationId.eq(typed.id))
        .filter(audit_event::Column::Action.eq("application.edited"))
        .one(&conn)
        .await
        .unwrap()
        .expect("audited");
    assert_eq!(edited.detail["fields"], serde_json::json!(["统一社会信用代码"]));
    assert!(!edited.detail.to_string().contains(&real), "no values in the audit");
    let page =
        no_redirects().get(format!("{}{order}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已保存修改") && page.contains("统一社会信用代码"), "{page}");

    // A page drawn before the save is stale: refused, with the form redrawn at the new version.
    let stale = post(form_with(&[
        ("company_uscc", real.clone()),
        ("mailing_address", "重庆市江北区1号".into()),
        ("key", version),
    ]))
    .await;
    assert_eq!(stale.status(), 409);
    assert!(stale.text().await.unwrap().contains("请刷新页面后重新修改"));
    assert_eq!(the_application(&conn).await.mailing_address, typed.mailing_address);
    app.stop().await;
}
