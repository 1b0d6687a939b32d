//! The applicant pages driven over HTTP as a browser without script would: apply (every field
//! checked, a double click creating one application), upload (bad files refused with a Chinese
//! message and nothing stored), see the findings, submit, be returned, follow the link in the
//! message (the rest of that round in `resubmission.rs`). Also the order lookup with its SMS
//! code and the CA platform's intake API.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sealdesk::auth::Role;
use sealdesk::domain::DocumentKind;
use sealdesk::entities::{application, audit_event, document};
use sealdesk::fixtures::case::{Problems, scans};
use sealdesk::fixtures::form::FormData;

use crate::helpers::{TestApp, eventually, spawn_app, spawn_app_with};
use crate::staff::{add_staff, location, no_redirects};

pub const FORM: &[(&str, &str)] = &[
    ("operation_type", "new"),
    ("certificate_type", "unit_seal"),
    ("validity_years", "2"),
    ("delivery", "courier"),
    ("company_name", "重庆山城建设有限公司"),
    ("company_uscc", "91110000600037341L"),
    ("legal_rep_name", "张伟"),
    ("legal_rep_id_number", "11010519491231002X"),
    ("contact_phone", "13912345678"),
    ("operator_name", "李娜"),
    ("operator_id_number", "360426199101010071"),
    ("operator_mobile", "17623094654"),
    ("operator_email", "ln@example.com"),
    ("mailing_address", "重庆市渝中区解放碑路1号"),
    ("declaration", "on"),
];

/// A `multipart/form-data` body with one file field `file`.
pub fn multipart(filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "sealdesk-test-boundary-7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Starts an application through `/apply`; returns the order page's path (`/o/<token>`).
pub async fn apply(app: &TestApp, key: &str) -> String {
    let mut form: Vec<(&str, &str)> = FORM.to_vec();
    form.push(("key", key));
    let resp = no_redirects().post(format!("{}/apply", app.address)).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    let to = location(&resp);
    assert!(to.starts_with("/o/"), "{to}");
    to
}

pub async fn upload(
    app: &TestApp,
    order: &str,
    kind: &str,
    name: &str,
    bytes: &[u8],
    json: bool,
) -> reqwest::Response {
    let (ct, body) = multipart(name, bytes);
    let mut req =
        no_redirects().post(format!("{}{order}/documents/{kind}", app.address)).header("content-type", ct);
    if json {
        req = req.header("accept", "application/json");
    }
    req.body(body).send().await.unwrap()
}

/// The scans of `app`'s typed data, with `problems`, by kind.
pub fn scans_for(app: &application::Model, problems: Problems, seed: u64) -> Vec<(DocumentKind, Vec<u8>)> {
    let fonts = sealdesk::fixtures::Fonts::system().expect("fonts installed");
    let op: sealdesk::domain::OperationType = app.operation_type.parse().unwrap();
    scans(&fonts, &FormData::from(app), op.required_documents(), problems, seed)
}

fn blob_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum::<usize>()
            })
            .unwrap_or(0)
    }
    walk(&app.test_db.dir.path().join("blobs"))
}

pub async fn the_application(conn: &sea_orm::DatabaseConnection) -> application::Model {
    application::Entity::find().one(conn).await.unwrap().expect("one application")
}

#[tokio::test]
async fn the_form_names_every_wrong_field_and_a_double_click_creates_one_application() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let page = no_redirects().get(format!("{}/apply", app.address)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("营业执照副本复印件") && html.contains("电子印章取样表"),
        "the checklist per operation"
    );

    let mut wrong: Vec<(&str, &str)> = FORM.iter().filter(|(k, _)| *k != "declaration").copied().collect();
    for (k, v) in wrong.iter_mut() {
        match *k {
            "company_uscc" => *v = "91110000600037341M",
            "operator_id_number" => *v = "36042619910101007",
            _ => {}
        }
    }
    let refused = no_redirects().post(format!("{}/apply", app.address)).form(&wrong).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("统一社会信用代码校验"), "{html}");
    assert!(html.contains("身份证号码应为18位，当前为17位"));
    assert!(html.contains("请阅读并勾选承诺"));
    assert!(html.contains("重庆山城建设有限公司"), "what was typed stays");
    assert_eq!(application::Entity::find().count(&conn).await.unwrap(), 0);

    let first = apply(&app, "form-key-1").await;
    let second = apply(&app, "form-key-1").await;
    assert_eq!(application::Entity::find().count(&conn).await.unwrap(), 1, "the double click made one");
    let a = the_application(&conn).await;
    assert_eq!((a.state.as_str(), a.company_uscc.as_str()), ("draft", "91110000600037341L"));
    for to in [first, second] {
        let page =
            no_redirects().get(format!("{}{to}", app.address)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&a.order_number) && page.contains("未上传"), "{page}");
    }
    let print =
        no_redirects().get(format!("{}{}/print/seal_sample", app.address, apply(&app, "form-key-1").await));
    let print = print.send().await.unwrap().text().await.unwrap();
    assert!(print.contains("印章取样处1") && print.contains("<svg") && print.contains(&a.order_number));
    let form = no_redirects().get(format!(
        "{}{}/print/application_form",
        app.address,
        apply(&app, "form-key-1").await
    ));
    let form = form.send().await.unwrap().text().await.unwrap();
    assert!(form.contains("重庆市政府采购电子招投标系统") && form.contains("11010519491231002X"), "{form}");
}

#[tokio::test]
async fn bad_uploads_get_a_chinese_message_and_leave_nothing_stored() {
    let app = spawn_app_with(|s| {
        s.checks.max_upload_bytes = 2 * 1024 * 1024;
        // Refused uploads' blobs are swept once the grace period has passed: at once here.
        s.storage.orphan_grace_mins = 0;
    })
    .await;
    let conn = app.test_db.connect().await;
    let order = apply(&app, "k").await;
    let a = the_application(&conn).await;
    let good = scans_for(&a, Problems::default(), 1)
        .into_iter()
        .find(|(k, _)| *k == DocumentKind::BusinessLicense)
        .unwrap()
        .1;

    let oversize = {
        let mut v = good.clone();
        v.resize(3 * 1024 * 1024, 0);
        v
    };
    let cases: Vec<(&str, Vec<u8>, u16, &str, &str)> = vec![
        ("empty.jpg", Vec::new(), 422, "upload.empty", "文件为空"),
        ("scan.jpg", b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF".to_vec(), 422, "format.pdf", "上传的是PDF文件"),
        ("half.jpg", good[..good.len() / 2].to_vec(), 422, "format.truncated", "图片不完整"),
        (
            "noise.jpg",
            (0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect(),
            422,
            "format.not_image",
            "文件不是图片",
        ),
        ("big.jpg", oversize, 413, "upload.too_large", "文件过大"),
    ];
    for (name, bytes, status, code, message) in &cases {
        let resp = upload(&app, &order, "business_license", name, bytes, true).await;
        assert_eq!(resp.status().as_u16(), *status, "{name}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], *code, "{name}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(message), "{name}: {body}");
        // The page's form without script gets the order page with the message at the document.
        let page = upload(&app, &order, "business_license", name, bytes, false).await;
        assert_eq!(page.status().as_u16(), *status);
        let html = page.text().await.unwrap();
        assert!(html.contains(message) && html.contains(&format!("data-code=\"{code}\"")), "{name}");
    }
    assert_eq!(document::Entity::find().count(&conn).await.unwrap(), 0, "no document row");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let wrong_kind = upload(&app, &order, "change_statement", "x.jpg", &good, true).await;
    assert_eq!(wrong_kind.status(), 422);
    assert_eq!(wrong_kind.json::<serde_json::Value>().await.unwrap()["error"]["code"], "upload.not_required");
    assert_eq!(blob_files(&app), 0, "no blob and no temporary file left once the sweep has run");

    // Submitting with documents missing names them.
    let resp = no_redirects().post(format!("{}{order}/submit", app.address)).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("还需上传：数字证书申请表"));
}

#[tokio::test]
async fn the_order_lookup_sends_a_one_time_code_by_sms_and_opens_the_order_once() {
    use sealdesk::notify::config::SmsProviderKind;
    let (url, seen) = crate::notify::webhook_gateway().await;
    let app = spawn_app_with(|s| {
        s.notify.sms.provider = SmsProviderKind::Webhook;
        s.notify.sms.webhook_url = Some(url.clone());
        s.intake.lookup_code_resend_secs = 0;
        s.intake.lookup_code_max_failures = 2;
    })
    .await;
    let conn = app.test_db.connect().await;
    apply(&app, "k").await;
    let a = the_application(&conn).await;
    let c = no_redirects();
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let c = c.clone();
        let base = app.address.clone();
        async move { c.post(format!("{base}{path}")).form(&fields).send().await.unwrap() }
    };
    let start =
        c.get(format!("{}/lookup?order_number={}", app.address, a.order_number)).send().await.unwrap();
    assert!(start.text().await.unwrap().contains(&a.order_number), "the QR code's link fills in the number");

    // A wrong mobile gets the same answer and no SMS: the form tells no one which orders exist.
    let wrong =
        post("/lookup", vec![("order_number", a.order_number.clone()), ("mobile", "13800000000".into())])
            .await;
    assert_eq!(wrong.status(), 200);
    assert!(wrong.text().await.unwrap().contains("若订单号与手机号匹配，验证码已发送"));
    assert!(seen.lock().unwrap().is_empty());

    let fields = || vec![("order_number", a.order_number.clone()), ("mobile", a.operator_mobile.clone())];
    assert_eq!(post("/lookup", fields()).await.status(), 200);
    let sms = seen.lock().unwrap().last().cloned().expect("a code sent");
    assert_eq!((sms["to"].as_str(), sms["template"].as_str()), (Some("17623094654"), Some("lookup.code")));
    let code = sms["params"]["code"].as_str().unwrap().to_string();
    assert!(
        sms["text"].as_str().unwrap().starts_with("【重庆CA】")
            && sms["text"].as_str().unwrap().contains(&code)
    );

    let with = |code: &str| {
        let mut f = fields();
        f.push(("code", code.to_string()));
        f
    };
    let bad = post("/lookup/verify", with("000000")).await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("验证码错误或已过期"));
    let ok = post("/lookup/verify", with(&code)).await;
    assert_eq!(ok.status(), 303);
    let page = c.get(format!("{}{}", app.address, location(&ok))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&a.order_number) && page.contains("未上传"), "resumes where it was left");
    assert_eq!(post("/lookup/verify", with(&code)).await.status(), 422, "a code opens the order once");

    // Two wrong entries void a code, even the right one after them.
    post("/lookup", fields()).await;
    let code = seen.lock().unwrap().last().unwrap()["params"]["code"].as_str().unwrap().to_string();
    for _ in 0..2 {
        post("/lookup/verify", with("999999")).await;
    }
    assert_eq!(post("/lookup/verify", with(&code)).await.status(), 422);
    let verified = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("applicant.lookup_verified"))
        .count(&conn)
        .await
        .unwrap();
    assert_eq!(verified, 1);
}

#[tokio::test]
async fn the_ca_platform_starts_an_application_pushes_scans_and_submits_through_the_intake_api() {
    use sealdesk::auth::api_token;
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let platform = add_staff(&conn, "platform", Role::Integration).await;
    let token = api_token::issue(&conn, platform, "platform").await.unwrap();
    let reviewer = add_staff(&conn, "li", Role::Reviewer).await;
    let reviewer_token = api_token::issue(&conn, reviewer, "li").await.unwrap();
    let c = reqwest::Client::new();
    let api = |m: reqwest::Method, path: &str, t: &str| {
        c.request(m, format!("{}/api/v1/intake{path}", app.address)).bearer_auth(t.to_string())
    };
    let mut form: serde_json::Map<String, serde_json::Value> =
        FORM.iter().filter(|(k, _)| *k != "declaration").map(|(k, v)| (k.to_string(), (*v).into())).collect();

    let forbidden =
        api(reqwest::Method::POST, "/applications", &reviewer_token).json(&form).send().await.unwrap();
    assert_eq!(forbidden.status(), 403, "a reviewer's token does not start applications");
    // The platform's token opens no staff route either.
    let queue = c.get(format!("{}/api/v1/queue", app.address)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(queue.status(), 403);

    form.insert("operator_mobile".into(), "123".into());
    let bad = api(reqwest::Method::POST, "/applications", &token).json(&form).send().await.unwrap();
    assert_eq!(bad.status(), 422);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "application.invalid");
    assert!(body["error"]["fields"]["operator_mobile"].as_str().unwrap().contains("手机号码"), "{body}");

    form.insert("operator_mobile".into(), "17623094654".into());
    let mut statuses = Vec::new();
    let mut created = serde_json::Value::Null;
    for _ in 0..2 {
        let r = api(reqwest::Method::POST, "/applications", &token)
            .header("idempotency-key", "platform-order-778")
            .json(&form)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        created = r.json().await.unwrap();
    }
    assert_eq!(statuses, [201, 200], "a retry returns the first application");
    assert_eq!(application::Entity::find().count(&conn).await.unwrap(), 1);
    let order = created["order_number"].as_str().unwrap().to_string();
    assert!(created["applicant_link"].as_str().unwrap().contains("/o/"));

    let a = the_application(&conn).await;
    for (kind, bytes) in scans_for(&a, Problems::default(), 11) {
        let r = api(reqwest::Method::PUT, &format!("/applications/{order}/documents/{kind}"), &token)
            .header("content-type", "image/jpeg")
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{kind}");
    }
    let pdf = api(reqwest::Method::PUT, &format!("/applications/{order}/documents/business_license"), &token)
        .body(&b"%PDF-1.4 not an image"[..])
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 422);
    assert_eq!(pdf.json::<serde_json::Value>().await.unwrap()["error"]["code"], "format.pdf");

    let r =
        api(reqwest::Method::POST, &format!("/applications/{order}/submit"), &token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    eventually(std::time::Duration::from_secs(120), "in the queue", || async {
        the_application(&conn).await.state == "in_review"
    })
    .await;
    let shown: serde_json::Value = api(reqwest::Method::GET, &format!("/applications/{order}"), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["state"], "in_review");
    let docs = shown["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 5);
    assert!(docs.iter().all(|d| d["verdict"].is_string() && d["report"]["checks"].is_object()), "{shown}");
}
