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
async fn every_response_carries_no_server_error_for_the_front_page() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/", app.address)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("申请概况"));
    assert!(html.contains("共 0 份申请"));
    app.stop().await;
}
