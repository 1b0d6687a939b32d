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
