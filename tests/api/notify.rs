//! Telling applicants, against real peers: e-mail to a real SMTP server (aiosmtpd) read back as
//! a mail client reads it, SMS to a stand-in for Alibaba Cloud that checks every signature, and
//! the faults: a server down until the message is dead-lettered, a supervisor's retry, and a
//! sender killed between sending and recording it.

use std::time::Duration;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use sealdesk::auth::Role;
use sealdesk::config::Settings;
use sealdesk::domain::OperationType;
use sealdesk::entities::{application, audit_event, document, job, notification, notification_attempt};
use sealdesk::fixtures::case::Problems;
use sealdesk::notify::config::{EmailTransportKind, SmsProviderKind, SmtpTls};
use sealdesk::notify::{context::sample_payload, outbox};

use crate::helpers::{TestApp, TestDb, eventually, spawn_app_with, spawn_serve};
use crate::mail::{AliyunStandIn, SmtpSink, free_port, received};
use crate::staff::{add_staff, case_in_review, location, login, new_application, no_redirects};

const WAIT: Duration = Duration::from_secs(90);

fn smtp(s: &mut Settings, port: u16) {
    s.notify.email.transport = EmailTransportKind::Smtp;
    s.notify.email.smtp_host = "127.0.0.1".into();
    s.notify.email.smtp_port = port;
    s.notify.email.smtp_tls = SmtpTls::None;
    s.notify.email.from = "重庆CA数字证书 <noreply@ca.example.cn>".into();
    s.notify.email.timeout_secs = 5;
}

async fn message(conn: &DatabaseConnection, app_id: i32, channel: &str) -> notification::Model {
    notification::Entity::find()
        .filter(notification::Column::ApplicationId.eq(app_id))
        .filter(notification::Column::Channel.eq(channel))
        .order_by_desc(notification::Column::Id)
        .one(conn)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {channel} message for application {app_id}"))
}

async fn attempts(conn: &DatabaseConnection, id: i32) -> Vec<String> {
    notification_attempt::Entity::find()
        .filter(notification_attempt::Column::NotificationId.eq(id))
        .order_by_asc(notification_attempt::Column::Id)
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.outcome)
        .collect()
}

/// An application with a return message for it on both channels, queued as a decision would.
async fn returned_message(conn: &DatabaseConnection) -> application::Model {
    let app = new_application(conn, "new").await;
    let mut payload = sample_payload("decision.return", 2);
    payload.order_number = app.order_number.clone();
    let txn = conn.begin().await.unwrap();
    let payload = serde_json::to_value(payload).unwrap();
    outbox::enqueue_for_applicant(&txn, app.id, "decision.return", payload, &format!("test:{}", app.id))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    app
}

async fn wait_state(
    conn: &DatabaseConnection,
    app_id: i32,
    channel: &str,
    state: &str,
) -> notification::Model {
    eventually(WAIT, &format!("{channel} message {state}"), || async {
        message(conn, app_id, channel).await.state == state
    })
    .await;
    message(conn, app_id, channel).await
}

#[tokio::test]
async fn a_returned_case_tells_the_applicant_by_email_and_sms_with_a_link_to_what_to_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = SmtpSink::start(port, tmp.path(), 0);
    let app = spawn_app_with(|s| {
        smtp(s, port);
        s.notify.public_base_url = "http://127.0.0.1:8080".into();
    })
    .await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "qian", Role::Reviewer).await;
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let s = login(&app, "qian").await;
    assert_eq!(s.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303);
    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    let form_doc = docs.iter().find(|d| d.kind == "application_form").unwrap().id.to_string();
    let id_doc = docs.iter().find(|d| d.kind == "operator_id_card").unwrap().id.to_string();
    let fields = [
        ("outcome", "return"),
        ("key", "notify-test-key-01"),
        ("comment_applicant", "请在申请表上加盖公章后重新扫描"),
        ("note_internal", "内部备注不外发"),
        (&format!("doc_{form_doc}"), "resubmit"),
        (&format!("doc_{form_doc}_reason"), "seal.missing"),
        (&format!("doc_{id_doc}"), "accept"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let done = s.post(&format!("/cases/{}/decision", case.id), &pairs).await;
    assert_eq!(done.status(), 303, "{}", location(&done));

    let mail = wait_state(&conn, case.id, "email", "sent").await;
    assert_eq!(mail.provider.as_deref(), Some("smtp"));
    let got = sink.received();
    assert_eq!(got.len(), 1, "one e-mail");
    let m = &got[0];
    assert_eq!(m["rcpt_tos"], serde_json::json!(["ln@example.com"]), "to the operator's address as typed");
    assert_eq!(m["from"], "重庆CA数字证书 <noreply@ca.example.cn>");
    let subject = m["subject"].as_str().unwrap();
    assert!(subject.contains(&case.order_number) && subject.contains("重新提交"), "{subject}");
    let raw = m["raw_headers"].as_str().unwrap();
    assert!(raw.contains("Subject: =?utf-8?"), "the Chinese subject is RFC 2047-encoded: {raw}");
    assert_eq!(m["message_id"].as_str(), mail.provider_ref.as_deref(), "the receipt is the Message-ID");
    assert_eq!(m["content_type"], "multipart/alternative");
    let parts = m["parts"].as_array().unwrap();
    let part = |t: &str| parts.iter().find(|p| p["content_type"] == t).unwrap_or_else(|| panic!("no {t}"));
    let (text, html) = (part("text/plain"), part("text/html"));
    assert_eq!((text["charset"].as_str(), html["charset"].as_str()), (Some("utf-8"), Some("utf-8")));
    let body = text["text"].as_str().unwrap();
    for want in ["数字证书申请表", "未加盖公章", "请在申请表上加盖公章后重新扫描", "重庆测试科技有限公司"]
    {
        assert!(body.contains(want), "text part lacks {want}: {body}");
        assert!(html["text"].as_str().unwrap().contains(want), "html part lacks {want}");
    }
    assert!(!body.contains("经办人身份证复印件"), "the accepted document is not listed");
    assert!(!body.contains("内部备注"), "the internal note stays internal");
    let link = body.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:8080/o/")).expect("a link");
    assert!(html["text"].as_str().unwrap().contains(&format!("href=\"{}\"", link.replace('/', "&#x2f;"))));

    // The link opens the order on this server, with what to fix.
    let path = link.trim_start_matches("http://127.0.0.1:8080");
    let page = reqwest::get(format!("{}{path}", app.address)).await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains(&case.order_number) && page.contains("未加盖公章") && page.contains("退回修改"));
    let viewed = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("applicant.order_viewed"))
        .filter(audit_event::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(viewed.len(), 1, "opening the link is audited");

    // The SMS went to the log sink (the embedded default), kept with its text.
    let sms = wait_state(&conn, case.id, "sms", "sent").await;
    let text = sms.rendered.unwrap();
    assert_eq!(sms.provider.as_deref(), Some("log"));
    assert!(
        text.starts_with("【重庆CA】") && text.contains(&case.order_number) && text.contains(link),
        "{text}"
    );
    assert!(text.chars().count() <= 134, "two segments at most: {text}");
    app.stop().await;
}

#[tokio::test]
async fn an_unreachable_mail_server_dead_letters_the_message_and_a_supervisor_retry_delivers_it() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let app = spawn_app_with(|s| {
        smtp(s, port);
        s.notify.max_attempts = 3;
        s.jobs.backoff_base_secs = 1;
        s.jobs.backoff_max_secs = 1;
    })
    .await;
    let conn = app.test_db.connect().await;
    let case = returned_message(&conn).await;
    let dead = wait_state(&conn, case.id, "email", "dead").await;
    assert_eq!(dead.attempts, 3, "retried up to notify.max_attempts");
    assert_eq!(attempts(&conn, dead.id).await, ["failed", "failed", "failed"], "every attempt recorded");
    assert!(dead.last_error.as_deref().unwrap_or("").contains("SMTP"), "{:?}", dead.last_error);
    assert_eq!(message(&conn, case.id, "sms").await.state, "sent", "the other channel is not held up");

    add_staff(&conn, "zhou", Role::Supervisor).await;
    add_staff(&conn, "wu", Role::Reviewer).await;
    let reviewer = login(&app, "wu").await;
    let refused = reviewer.post(&format!("/supervisor/notifications/{}/retry", dead.id), &[]).await;
    assert_eq!(refused.status(), 403, "reviewers do not retry messages");
    let s = login(&app, "zhou").await;
    let page = s.get("/supervisor/notifications").await.text().await.unwrap();
    assert!(page.contains(&format!("id=\"n{}\"", dead.id)) && page.contains("发送失败"), "listed as failed");

    let sink = SmtpSink::start(port, tmp.path(), 0);
    for _ in 0..2 {
        // The second post is a double click: one retry.
        let r = s.post(&format!("/supervisor/notifications/{}/retry", dead.id), &[]).await;
        assert_eq!((r.status().as_u16(), location(&r)), (303, "/supervisor/notifications".to_string()));
    }
    let sent = wait_state(&conn, case.id, "email", "sent").await;
    assert_eq!(sink.received().len(), 1, "delivered once");
    assert_eq!(attempts(&conn, sent.id).await, ["failed", "failed", "failed", "sent"]);
    let retried = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("notification.retried"))
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn retrying_a_dead_send_job_from_the_command_line_sends_the_message_again() {
    use sealdesk::entities::job;
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let app = spawn_app_with(|s| {
        smtp(s, port);
        s.notify.max_attempts = 1;
    })
    .await;
    let conn = app.test_db.connect().await;
    let case = returned_message(&conn).await;
    let dead = wait_state(&conn, case.id, "email", "dead").await;
    let dead_job = job::Entity::find()
        .filter(job::Column::Kind.eq("notify.send"))
        .filter(job::Column::State.eq("dead"))
        .one(&conn)
        .await
        .unwrap()
        .expect("the message's dead send job");
    let sink = SmtpSink::start(port, tmp.path(), 0);
    let out = app.test_db.command().args(["jobs", "retry", &dead_job.id.to_string()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("message {}", dead.id)));
    let sent = wait_state(&conn, case.id, "email", "sent").await;
    assert_eq!(sink.received().len(), 1, "sent, once");
    assert_eq!(attempts(&conn, sent.id).await, ["failed", "sent"]);
    app.stop().await;
}

#[tokio::test]
async fn a_sender_killed_between_sending_and_recording_sends_at_most_one_extra_copy() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = SmtpSink::start(port, tmp.path(), 60);
    let port_s = port.to_string();
    let env = [
        ("SEALDESK__JOBS__LEASE_SECS", "2"),
        ("SEALDESK__JOBS__HEARTBEAT_SECS", "1"),
        ("SEALDESK__JOBS__POLL_INTERVAL_MS", "100"),
        ("SEALDESK__NOTIFY__EMAIL__TRANSPORT", "smtp"),
        ("SEALDESK__NOTIFY__EMAIL__SMTP_HOST", "127.0.0.1"),
        ("SEALDESK__NOTIFY__EMAIL__SMTP_PORT", port_s.as_str()),
        ("SEALDESK__NOTIFY__EMAIL__SMTP_TLS", "none"),
        ("SEALDESK__NOTIFY__EMAIL__TIMEOUT_SECS", "120"),
    ];
    let mut first = spawn_serve(&db, &env);
    let case = returned_message(&conn).await;
    // The server has the whole message and holds back its "250": the sender cannot know.
    eventually(WAIT, "the mail server receives the message", || async { !received(&sink.spool).is_empty() })
        .await;
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let n = message(&conn, case.id, "email").await;
    assert_eq!((n.state.as_str(), attempts(&conn, n.id).await), ("pending", vec!["sending".to_string()]));

    let _second = spawn_serve(&db, &env);
    let n = wait_state(&conn, case.id, "email", "sent").await;
    let got = sink.received();
    assert_eq!(got.len(), 2, "one extra copy, no more");
    assert_eq!(got[0]["message_id"], got[1]["message_id"], "the copy carries the same Message-ID");
    assert_eq!(attempts(&conn, n.id).await, ["unknown", "sent"], "the possible duplicate is on record");
}

#[tokio::test]
async fn alibaba_cloud_accepts_our_signed_requests_and_a_wrong_secret_is_dead_lettered_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let gateway = AliyunStandIn::start(tmp.path(), "LTAI5tSealdeskTest", "right-secret");
    let endpoint = format!("http://127.0.0.1:{}/", gateway.port);
    let configure = |s: &mut Settings, secret: &str| {
        s.notify.sms.provider = SmsProviderKind::Aliyun;
        s.notify.sms.aliyun_endpoint = endpoint.clone();
        s.notify.sms.aliyun_access_key_id = Some("LTAI5tSealdeskTest".into());
        s.notify.sms.aliyun_access_key_secret = Some(secret.to_string().into());
        s.notify.sms.aliyun_templates.insert("decision.return".into(), "SMS_465000001".into());
    };
    let app = spawn_app_with(|s| configure(s, "right-secret")).await;
    let conn = app.test_db.connect().await;
    let case = returned_message(&conn).await;
    let sms = wait_state(&conn, case.id, "sms", "sent").await;
    let reqs = gateway.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r["verified"], true, "{r}");
    assert_eq!(r["params"]["PhoneNumbers"], "17623094654");
    assert_eq!(r["params"]["SignName"], "重庆CA");
    assert_eq!(r["params"]["TemplateCode"], "SMS_465000001");
    let param: serde_json::Value =
        serde_json::from_str(r["params"]["TemplateParam"].as_str().unwrap()).unwrap();
    assert_eq!(param["order"], case.order_number.as_str());
    assert!(param["link"].as_str().unwrap().contains("/o/"));
    assert_eq!(sms.provider_ref.as_deref(), Some("biz-1"), "Alibaba's BizId is the receipt");
    app.stop().await;

    let app = spawn_app_with(|s| configure(s, "wrong-secret")).await;
    let conn = app.test_db.connect().await;
    let case = returned_message(&conn).await;
    let dead = wait_state(&conn, case.id, "sms", "dead").await;
    assert_eq!(dead.attempts, 1, "a refused signature is not retried");
    assert!(dead.last_error.unwrap().contains("SignatureDoesNotMatch"));
    assert_eq!(gateway.requests().last().unwrap()["code"], "SignatureDoesNotMatch");
    app.stop().await;
}

#[tokio::test]
async fn messages_past_the_hourly_limit_wait_instead_of_going_out() {
    let app = spawn_app_with(|s| s.notify.max_per_application_per_hour = 1).await;
    let conn = app.test_db.connect().await;
    let case = returned_message(&conn).await;
    wait_state(&conn, case.id, "sms", "sent").await;
    let txn = conn.begin().await.unwrap();
    let payload = serde_json::to_value(sample_payload("decision.approve", 0)).unwrap();
    let ids = outbox::enqueue_for_applicant(&txn, case.id, "decision.approve", payload, "test:second")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let key = format!("notify:{}", ids[0]);
    let now = chrono::Utc::now().timestamp_millis();
    eventually(WAIT, "the second SMS is deferred", || async {
        let j = job::Entity::find().filter(job::Column::DedupeKey.eq(key.as_str())).one(&conn).await.unwrap();
        j.is_some_and(|j| j.state == "queued" && j.run_at_ms > now + 30 * 60_000 && j.attempts == 0)
    })
    .await;
    let second = notification::Entity::find_by_id(ids[0]).one(&conn).await.unwrap().unwrap();
    assert_eq!((second.state.as_str(), second.attempts), ("pending", 0), "waiting, not failed");
    app.stop().await;
}

#[tokio::test]
async fn admins_edit_a_message_template_with_a_preview_and_the_next_message_uses_it() {
    let app: TestApp = spawn_app_with(|_| {}).await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "sun", Role::Admin).await;
    add_staff(&conn, "zheng", Role::Reviewer).await;
    let reviewer = login(&app, "zheng").await;
    assert_eq!(reviewer.get("/admin/messages").await.status(), 403);
    let s = login(&app, "sun").await;
    let list = s.get("/admin/messages").await.text().await.unwrap();
    assert!(list.contains("/admin/messages/decision.return.sms"));
    let page = s.get("/admin/messages/decision.return.sms").await.text().await.unwrap();
    assert!(page.contains("条短信") && page.contains("SD20261201482917X"), "a preview over a sample order");

    let key = "/admin/messages/decision.return.sms";
    let broken = s.post(key, &[("action", "save"), ("source", "{{ order_number ")]).await;
    assert_eq!(broken.status(), 422);
    assert!(broken.text().await.unwrap().contains("模板有误"));
    let long = "很长的短信".repeat(30);
    let too_long = s.post(key, &[("action", "save"), ("source", &long)]).await;
    assert_eq!(too_long.status(), 422);
    assert!(too_long.text().await.unwrap().contains("短信过长"));
    let edited = "【{{ sign_name }}】订单{{ order_number }}需补正：{{ docs_short }}。详见 {{ link }}";
    let preview = s.post(key, &[("action", "preview"), ("source", edited)]).await.text().await.unwrap();
    assert!(preview.contains("需补正：数字证书申请表"), "previewed, not saved");
    let saved = s.post(key, &[("action", "save"), ("source", edited)]).await;
    assert_eq!((saved.status().as_u16(), location(&saved)), (303, key.to_string()));

    let case = returned_message(&conn).await;
    let sms = wait_state(&conn, case.id, "sms", "sent").await;
    assert!(sms.rendered.unwrap().contains(&format!("订单{}需补正", case.order_number)));
    let actions: Vec<String> =
        audit_event::Entity::find().all(&conn).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"message_template.saved".to_string()));
    assert_eq!(s.post(key, &[("action", "reset")]).await.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn a_forged_or_expired_link_gets_a_clear_chinese_page() {
    let app = spawn_app_with(|_| {}).await;
    let conn = app.test_db.connect().await;
    let client = no_redirects();
    let forged = client.get(format!("{}/o/AAAAAQAAAAAbbbbbbbbbbbbbbbb", app.address)).send().await.unwrap();
    assert_eq!(forged.status(), 404);
    assert!(forged.text().await.unwrap().contains("链接无效"));
    let settings = app.test_db.settings();
    let key = sealdesk::notify::link::secret(&conn, &settings.notify).await.unwrap();
    let case = new_application(&conn, "new").await;
    let old = sealdesk::notify::link::sign(&key, case.id, chrono::Utc::now() - chrono::Duration::hours(2));
    let expired = client.get(format!("{}/o/{old}", app.address)).send().await.unwrap();
    assert_eq!(expired.status(), 410);
    assert!(expired.text().await.unwrap().contains("链接已过期"));
    let fresh = sealdesk::notify::link::sign(&key, case.id, chrono::Utc::now() + chrono::Duration::days(1));
    let ok = client.get(format!("{}/o/{fresh}", app.address)).send().await.unwrap();
    assert_eq!(ok.status(), 200, "the same key on every node");
    app.stop().await;
}

/// A webhook gateway that keeps what it was sent and, as the provider contract asks, delivers
/// once per `Idempotency-Key`.
pub async fn webhook_gateway() -> (String, std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>) {
    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<serde_json::Value>::new()));
    let state = seen.clone();
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new().route(
            "/sms",
            web::post().to(move |req: HttpRequest, body: web::Json<serde_json::Value>| {
                let state = state.clone();
                async move {
                    let header =
                        |h: &str| req.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_string);
                    let mut record = body.into_inner();
                    record["header_key"] = header("idempotency-key").into();
                    record["authorization"] = header("authorization").into();
                    state.lock().unwrap().push(record);
                    HttpResponse::Accepted().json(serde_json::json!({ "id": "gw-1" }))
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/sms", server.addrs()[0]);
    tokio::spawn(server.run());
    (url, seen)
}

#[tokio::test]
async fn the_sms_webhook_gets_the_text_with_the_messages_own_idempotency_key() {
    let (url, seen) = webhook_gateway().await;
    let app = spawn_app_with(|s| {
        s.notify.sms.provider = SmsProviderKind::Webhook;
        s.notify.sms.webhook_url = Some(url.clone());
        s.notify.sms.webhook_token = Some("gateway-token".to_string().into());
    })
    .await;
    let conn = app.test_db.connect().await;
    let case = returned_message(&conn).await;
    let sms = wait_state(&conn, case.id, "sms", "sent").await;
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r["to"], "17623094654");
    assert_eq!(r["template"], "decision.return");
    assert_eq!(r["idempotency_key"], sms.idempotency_key.as_str());
    assert_eq!(r["header_key"], sms.idempotency_key.as_str(), "the header carries the row's own key");
    assert_eq!(r["authorization"], "Bearer gateway-token");
    assert_eq!(r["text"].as_str(), sms.rendered.as_deref(), "the text as kept");
    assert_eq!(r["params"]["order"], case.order_number.as_str());
    assert_eq!(sms.provider_ref.as_deref(), Some("gw-1"));
    app.stop().await;
}
