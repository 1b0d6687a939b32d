use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_reports_a_reachable_database_with_current_migrations() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["migrations"], "current");
    let expected = if app.test_db.is_postgres() { "postgres" } else { "sqlite" };
    assert_eq!(body["backend"], expected);
    app.stop().await;
}

#[tokio::test]
async fn the_front_page_leads_anonymous_visitors_to_the_login_page() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/", app.address)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.url().path(), "/login");
    let html = res.text().await.unwrap();
    assert!(html.contains("审核人员登录"));
    let css = app.client.get(format!("{}/static/app.css", app.address)).send().await.unwrap();
    assert_eq!(css.status(), 200, "assets are served by sealdesk itself");
    app.stop().await;
}

/// Issue 20 (low): under a store that takes no writes (a full disk, a lost mount), `/healthz`
/// says `degraded` and the upload script gets JSON with a Chinese message, not an HTML 500.
#[tokio::test]
async fn a_store_that_takes_no_writes_makes_health_degraded_and_uploads_answer_json() {
    let app = spawn_app().await;
    let order = crate::applicant::apply(&app, "k").await;
    // The store writes through its tmp/ folder: without it nothing can be written.
    std::fs::remove_dir_all(app.test_db.dir.path().join("blobs").join("tmp")).unwrap();
    let res = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert!(body["storage"].as_str().unwrap().starts_with("not writable"), "{body}");

    let r =
        crate::applicant::upload(&app, &order, "business_license", "l.jpg", b"\xff\xd8\xff\xe0 jpeg", true)
            .await;
    assert_eq!(r.status(), 503);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("json"));
    let err: serde_json::Value = r.json().await.unwrap();
    assert_eq!(err["error"]["code"], "storage.io");
    assert_eq!(err["error"]["message"], "存储服务暂时不可用，请稍后重试");
    app.stop().await;
}
