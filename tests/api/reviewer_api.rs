//! The reviewer JSON API: bearer tokens only, JSON errors with stable codes, the same rules as
//! the pages, and an OpenAPI document that lists what is there.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sealdesk::auth::{Role, api_token};
use sealdesk::domain::OperationType;
use sealdesk::entities::{application, audit_event, document, notification};
use sealdesk::fixtures::case::Problems;

use crate::helpers::{TestApp, spawn_app};
use crate::staff::{add_staff, case_in_review, login};

pub(crate) struct Api<'a> {
    app: &'a TestApp,
    token: String,
}

impl Api<'_> {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .app
            .client
            .request(method, format!("{}/api/v1{path}", self.app.address))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
}

pub(crate) async fn api_for<'a>(app: &'a TestApp, username: &str, role: Role) -> Api<'a> {
    let conn = app.test_db.connect().await;
    let id = add_staff(&conn, username, role).await;
    Api { app, token: api_token::issue(&conn, id, "test").await.unwrap() }
}

#[tokio::test]
async fn the_api_takes_bearer_tokens_only_and_answers_errors_as_json() {
    let app = spawn_app().await;
    let nobody = Api { app: &app, token: "sdk_not-a-token".into() };
    let (status, body) = nobody.get("/queue").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "auth.not_logged_in");
    assert_eq!(body["error"]["message"], "请先登录");

    // A signed-in browser's cookie is not accepted by the API (no ambient credentials).
    let conn = app.test_db.connect().await;
    add_staff(&conn, "web", Role::Reviewer).await;
    let browser = login(&app, "web").await;
    let resp = browser.get("/api/v1/queue").await;
    assert_eq!(resp.status(), 401);

    let api = api_for(&app, "api", Role::Reviewer).await;
    let (status, body) = api.get("/queue").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rows"], serde_json::json!([]));
    assert_eq!(api.get("/no/such/route").await.0, 404);
    let (status, body) = api.post("/cases/999/claim", serde_json::json!({})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("application.not_found")));
    app.stop().await;
}

#[tokio::test]
async fn the_api_decides_under_the_same_rules_as_the_pages() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let a = api_for(&app, "api-a", Role::Reviewer).await;
    let b = api_for(&app, "api-b", Role::Reviewer).await;

    let (status, next) = a.post("/queue/next", serde_json::json!({})).await;
    assert_eq!((status, next["id"].as_i64()), (200, Some(case.id as i64)));
    let (_, view) = a.get(&format!("/cases/{}", case.id)).await;
    assert_eq!(view["operator"]["id_number"], "3604**********0071", "masked in the API too");
    let (status, shown) = a.post(&format!("/cases/{}/reveal", case.id), serde_json::json!({})).await;
    assert_eq!((status, shown["operator_id_number"].as_str()), (200, Some("360426199101010071")));
    let reveals = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("case.pii_revealed"))
        .count(&conn)
        .await
        .unwrap();
    assert_eq!(reveals, 1);

    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    let all_accepted: Vec<_> =
        docs.iter().map(|d| serde_json::json!({ "document_id": d.id, "accept": true })).collect();
    let decision = serde_json::json!({ "outcome": "approve", "documents": all_accepted, "idempotency_key": "api-key-0001" });
    let path = format!("/cases/{}/decision", case.id);
    let (status, body) = b.post(&path, decision.clone()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("case.not_assignee")));
    let (status, body) =
        b.post(&format!("/cases/{}/reassign", case.id), serde_json::json!({ "to": 1 })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("auth.forbidden")));
    let partial = serde_json::json!({ "outcome": "approve", "documents": [all_accepted[0]], "idempotency_key": "api-key-0002" });
    let (status, body) = a.post(&path, partial).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("decision.document_verdict_missing")));

    let (status, body) = a.post(&path, decision.clone()).await;
    assert_eq!(
        (status, body["state"].as_str(), body["already_decided"].as_bool()),
        (200, Some("approved"), Some(false))
    );
    let (status, body) = a.post(&path, decision).await;
    assert_eq!(
        (status, body["already_decided"].as_bool()),
        (200, Some(true)),
        "a repeated call decides once"
    );
    let outbox = notification::Entity::find()
        .filter(notification::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(outbox.len(), 2, "an SMS and an e-mail");
    assert!(outbox.iter().all(|n| n.template == "decision.approve"));
    app.stop().await;
}

#[tokio::test]
async fn every_path_in_the_openapi_document_is_served() {
    let app = spawn_app().await;
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let api = api_for(&app, "doc", Role::Supervisor).await;
    let doc: serde_json::Value = app
        .client
        .get(format!("{}/api/v1/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 10);
    for (path, item) in paths {
        for method in ["get", "post"].into_iter().filter(|m| item.get(*m).is_some()) {
            let concrete = path.replace("{id}", &case.id.to_string());
            let m = if method == "get" { reqwest::Method::GET } else { reqwest::Method::POST };
            let (status, body) = api.call(m, &concrete, Some(serde_json::json!({ "to": 1 }))).await;
            assert_ne!(body["error"]["code"], "not_found", "{method} {path} is documented but not served");
            assert_ne!(status, 405, "{method} {path}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn two_identical_decisions_sent_at_once_decide_once() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let a = api_for(&app, "racer", Role::Reviewer).await;
    assert_eq!(a.post(&format!("/cases/{}/claim", case.id), serde_json::json!({})).await.0, 200);
    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    let verdicts: Vec<_> =
        docs.iter().map(|d| serde_json::json!({ "document_id": d.id, "accept": true })).collect();
    let decision = serde_json::json!({ "outcome": "approve", "documents": verdicts, "idempotency_key": "double-click-1" });
    let path = format!("/cases/{}/decision", case.id);
    let (first, second) = tokio::join!(a.post(&path, decision.clone()), a.post(&path, decision.clone()));
    assert_eq!((first.0, second.0), (200, 200), "{} / {}", first.1, second.1);
    let again: Vec<bool> =
        [&first.1, &second.1].iter().map(|b| b["already_decided"].as_bool().unwrap()).collect();
    assert_eq!(again.iter().filter(|x| !**x).count(), 1, "exactly one of them decided: {again:?}");
    let outbox = notification::Entity::find()
        .filter(notification::Column::ApplicationId.eq(case.id))
        .count(&conn)
        .await
        .unwrap();
    assert_eq!(outbox, 2, "one decision's messages: an SMS and an e-mail");
    app.stop().await;
}

#[tokio::test]
async fn a_decision_key_reused_on_another_case_decides_nothing_and_cases_go_only_to_reviewers() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let x = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let z = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let a = api_for(&app, "reuser", Role::Reviewer).await;
    let boss = api_for(&app, "boss", Role::Supervisor).await;
    let platform = add_staff(&conn, "platform", Role::Integration).await;
    let mut bodies = Vec::new();
    for case in [&x, &z] {
        assert_eq!(a.post(&format!("/cases/{}/claim", case.id), serde_json::json!({})).await.0, 200);
        let docs = document::Entity::find()
            .filter(document::Column::ApplicationId.eq(case.id))
            .all(&conn)
            .await
            .unwrap();
        let verdicts: Vec<_> =
            docs.iter().map(|d| serde_json::json!({ "document_id": d.id, "accept": true })).collect();
        bodies.push(serde_json::json!({ "outcome": "approve", "documents": verdicts, "idempotency_key": "reused-key-1" }));
    }
    assert_eq!(a.post(&format!("/cases/{}/decision", x.id), bodies[0].clone()).await.0, 200);
    let (status, body) = a.post(&format!("/cases/{}/decision", z.id), bodies[1].clone()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("decision.key_used")), "{body}");
    let z_now = application::Entity::find_by_id(z.id).one(&conn).await.unwrap().unwrap();
    assert_eq!(z_now.state, "in_review", "the other case stays undecided");

    let (status, _) =
        boss.post(&format!("/cases/{}/reassign", z.id), serde_json::json!({ "to": platform })).await;
    assert_ne!(status, 204, "never to the integration account");
    let z_now = application::Entity::find_by_id(z.id).one(&conn).await.unwrap().unwrap();
    assert_ne!(z_now.assignee_id, Some(platform));
}
