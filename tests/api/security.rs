//! Regression tests for the outside audit's findings (issue 20): each drives the real app the
//! way the auditor did and asserts the hole is closed.

use sea_orm::{EntityTrait, PaginatorTrait};
use sealdesk::auth::{Role, api_token};
use sealdesk::entities::application;

use crate::applicant::{FORM, apply};
use crate::helpers::spawn_app;
use crate::staff::{add_staff, no_redirects};

fn form_with(key: &str, changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&str, String)> = FORM
        .iter()
        .map(|(k, v)| (*k, changes.iter().find(|(c, _)| c == k).map_or(*v, |(_, n)| *n).to_string()))
        .collect();
    f.push(("key", key.to_string()));
    f
}

#[tokio::test]
async fn replaying_an_applications_key_with_another_form_is_a_conflict_never_a_link() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let first = apply(&app, "victim-key-1").await;
    // The stranger knows the key and fills in their own details.
    let stranger = form_with("victim-key-1", &[("operator_mobile", "13800000000")]);
    let r = no_redirects().post(format!("{}/apply", app.address)).form(&stranger).send().await.unwrap();
    assert_eq!(r.status(), 409, "a conflict, not a redirect to the victim's order");
    assert!(r.headers().get("location").is_none());
    let html = r.text().await.unwrap();
    assert!(html.contains("已经提交过") && !html.contains(&first[3..]), "no link to the first application");
    assert!(!html.contains("victim-key-1"), "the form comes back with a new key");
    assert_eq!(application::Entity::find().count(&conn).await.unwrap(), 1);

    // The intake API's keys live apart from the public form's: the platform's key
    // `victim-key-1` is its own application, and its retry with another body is a conflict.
    let platform = add_staff(&conn, "platform", Role::Integration).await;
    let token = api_token::issue(&conn, platform, "platform").await.unwrap();
    let json: serde_json::Map<String, serde_json::Value> =
        FORM.iter().map(|(k, v)| (k.to_string(), (*v).into())).collect();
    let post = |body: serde_json::Map<String, serde_json::Value>| {
        reqwest::Client::new()
            .post(format!("{}/api/v1/intake/applications", app.address))
            .bearer_auth(&token)
            .header("idempotency-key", "victim-key-1")
            .json(&body)
            .send()
    };
    let made = post(json.clone()).await.unwrap();
    assert_eq!(made.status(), 201, "another creator's key is never the public form's application");
    let mut other = json.clone();
    other.insert("mailing_address".into(), "重庆市江北区观音桥1号".into());
    let conflict = post(other).await.unwrap();
    assert_eq!(conflict.status(), 409);
    let body: serde_json::Value = conflict.json().await.unwrap();
    assert_eq!(body["error"]["code"], "application.key_conflict");
    assert!(body.get("applicant_link").is_none());
    assert_eq!(post(json).await.unwrap().status(), 200, "the same creator's same form is its retry");
    assert_eq!(application::Entity::find().count(&conn).await.unwrap(), 2);
}

#[tokio::test]
async fn an_integration_account_reaches_only_the_applications_it_created() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    apply(&app, "public-key").await;
    let public = application::Entity::find().one(&conn).await.unwrap().unwrap();
    let a = add_staff(&conn, "platform-a", Role::Integration).await;
    let b = add_staff(&conn, "platform-b", Role::Integration).await;
    let token_a = api_token::issue(&conn, a, "a").await.unwrap();
    let token_b = api_token::issue(&conn, b, "b").await.unwrap();
    let c = reqwest::Client::new();
    let json: serde_json::Map<String, serde_json::Value> =
        FORM.iter().map(|(k, v)| (k.to_string(), (*v).into())).collect();
    let made: serde_json::Value = c
        .post(format!("{}/api/v1/intake/applications", app.address))
        .bearer_auth(&token_a)
        .json(&json)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own = made["order_number"].as_str().unwrap().to_string();

    for (token, order, want) in [
        (&token_a, public.order_number.as_str(), 404),
        (&token_b, own.as_str(), 404),
        (&token_a, own.as_str(), 200),
    ] {
        let base = format!("{}/api/v1/intake/applications/{order}", app.address);
        let shown = c.get(&base).bearer_auth(token).send().await.unwrap();
        assert_eq!(shown.status(), want, "GET {order}");
        if want == 404 {
            let put = c
                .put(format!("{base}/documents/business_license"))
                .bearer_auth(token)
                .body(vec![0xffu8, 0xd8, 0xff])
                .send()
                .await
                .unwrap();
            assert_eq!(put.status(), 404, "PUT {order}");
            let submit = c.post(format!("{base}/submit")).bearer_auth(token).send().await.unwrap();
            assert_eq!(submit.status(), 404, "submit {order}");
        }
    }
}

#[tokio::test]
async fn personal_data_is_revealed_only_on_a_held_case_or_with_a_supervisors_reason_and_never_in_bulk() {
    use sea_orm::{ColumnTrait, QueryFilter};
    use sealdesk::domain::OperationType;
    use sealdesk::entities::{audit_event, document};
    use sealdesk::fixtures::case::Problems;

    use crate::staff::{case_in_review, login, new_application};
    let app = crate::helpers::spawn_app_with(|s| s.review.max_reveals_per_hour = 2).await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "sun", Role::Reviewer).await;
    add_staff(&conn, "zhou", Role::Supervisor).await;
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let draft = new_application(&conn, "pin_unlock").await;
    let sun = login(&app, "sun").await;
    let zhou = login(&app, "zhou").await;
    let reveal = |id: i32| format!("/cases/{id}/reveal");

    let unheld = sun.post(&reveal(case.id), &[]).await;
    assert_eq!(unheld.status(), 403, "a reviewer who does not hold the case");
    assert!(!unheld.text().await.unwrap().contains("11010519491231002X"));
    assert_eq!(sun.post(&reveal(draft.id), &[]).await.status(), 403, "never a draft");
    assert_eq!(zhou.post(&reveal(draft.id), &[("reason", "x")]).await.status(), 403, "not even a supervisor");
    assert_eq!(zhou.post(&reveal(case.id), &[]).await.status(), 422, "a supervisor gives a reason");
    let by_reason = zhou.post(&reveal(case.id), &[("reason", "申请人来电核对")]).await;
    assert_eq!(by_reason.status(), 200);
    assert!(by_reason.text().await.unwrap().contains("11010519491231002X"));
    let logged = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("case.pii_revealed"))
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(logged.len(), 1, "refusals reveal and record nothing");
    assert_eq!(logged[0].detail["reason"], "申请人来电核对");

    assert_eq!(sun.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303);
    assert_eq!(sun.post(&reveal(case.id), &[]).await.status(), 200, "the holder may");
    assert_eq!(sun.post(&reveal(case.id), &[]).await.status(), 200);
    let limited = sun.post(&reveal(case.id), &[]).await;
    assert_eq!(limited.status(), 429, "rate-limited per staff member");
    assert!(limited.text().await.unwrap().contains("过于频繁"));

    // A draft's scans and page are not a reviewer's to open.
    let blobs = sealdesk::storage::LocalBlobStore::open(app.test_db.dir.path().join("blobs")).unwrap();
    let upload = sealdesk::intake::documents::NewUpload {
        application_id: draft.id,
        kind: sealdesk::domain::DocumentKind::OperatorIdCard,
        original_name: "id.jpg",
        media_type: "image/jpeg",
        limit_bytes: 1 << 20,
        max_attempts: 1,
    };
    let body: sealdesk::storage::ByteStream<'static> = Box::pin(futures_util::stream::once(async {
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"draft scan bytes"))
    }));
    let doc = sealdesk::intake::documents::store_document(&conn, &blobs, upload, body).await.unwrap();
    assert_eq!(sun.get(&format!("/documents/{}/scan", doc.id)).await.status(), 404);
    assert_eq!(sun.get(&format!("/cases/{}", draft.id)).await.status(), 404);
    let kept = document::Entity::find().filter(document::Column::Id.eq(doc.id)).one(&conn).await.unwrap();
    assert!(kept.is_some());
}

#[tokio::test]
async fn anonymous_use_is_bounded_per_address_per_document_and_per_application() {
    use sealdesk::domain::DocumentKind;
    use sealdesk::fixtures::case::Problems;

    use crate::applicant::{scans_for, upload};
    let app = crate::helpers::spawn_app_with(|s| {
        s.intake.applications_per_hour_per_address = 2;
        s.intake.uploads_per_minute_per_address = 4;
        s.intake.max_attempts_per_document = 2;
    })
    .await;
    let conn = app.test_db.connect().await;
    let order = apply(&app, "first").await;
    apply(&app, "second").await;
    let third =
        no_redirects().post(format!("{}/apply", app.address)).form(&form_with("third", &[])).send().await;
    let third = third.unwrap();
    assert_eq!(third.status(), 429);
    assert!(third.text().await.unwrap().contains("提交过于频繁"));

    let a = application::Entity::find().one(&conn).await.unwrap().unwrap();
    let scans = scans_for(&a, Problems::default(), 3);
    let licence = &scans.iter().find(|(k, _)| *k == DocumentKind::BusinessLicense).unwrap().1;
    let form = &scans.iter().find(|(k, _)| *k == DocumentKind::ApplicationForm).unwrap().1;
    let code = |r: serde_json::Value| r["error"]["code"].as_str().unwrap_or("").to_string();
    for _ in 0..2 {
        assert_eq!(upload(&app, &order, "business_license", "l.jpg", licence, true).await.status(), 201);
    }
    let third = upload(&app, &order, "business_license", "l.jpg", licence, true).await;
    assert_eq!(third.status(), 422);
    assert_eq!(code(third.json().await.unwrap()), "upload.too_many_attempts");
    assert_eq!(upload(&app, &order, "application_form", "f.jpg", form, true).await.status(), 201);
    let flood = upload(&app, &order, "application_form", "f.jpg", form, true).await;
    assert_eq!(flood.status(), 429, "the fifth upload within a minute from one address");
    let body: serde_json::Value = flood.json().await.unwrap();
    assert_eq!(code(body.clone()), "upload.rate_limited");
    assert!(body["error"]["message"].as_str().unwrap().contains("上传过于频繁"));

    // A form field other than the file is not read without end.
    let other = crate::helpers::spawn_app().await;
    let order = apply(&other, "k").await;
    let boundary = "b0undary";
    let mut big =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n").into_bytes();
    big.extend(std::iter::repeat_n(b'x', 200_000));
    big.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = no_redirects()
        .post(format!("{}{order}/documents/business_license", other.address))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("accept", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn the_queues_failing_filter_matches_a_check_name_exactly() {
    use sea_orm::{ActiveModelTrait, Set};

    use crate::staff::{login, new_application};
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "sun", Role::Reviewer).await;
    let a = new_application(&conn, "pin_unlock").await;
    let order = a.order_number.clone();
    let mut am: application::ActiveModel = a.into();
    am.state = Set("in_review".into());
    am.failing_checks = Set(",seal,".into());
    am.queued_at = Set(Some(chrono::Utc::now()));
    am.update(&conn).await.unwrap();
    let s = login(&app, "sun").await;
    let mut listed = Vec::new();
    for q in ["seal", "sea_", "seal_boxes"] {
        listed.push(s.get(&format!("/queue?failing={q}")).await.text().await.unwrap().contains(&order));
    }
    assert_eq!(listed, [true, false, false], "`_` is not a wildcard");
}

/// Issue 20 (reliability): an upload that announces more bytes than the limit is answered 413
/// at once, without the server waiting for (or reading) its 100 MB.
#[tokio::test]
async fn an_upload_announcing_too_many_bytes_is_refused_before_its_body_arrives() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let order = apply(&app, "k").await;
    let addr = app.address.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST {order}/documents/business_license HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 104857600\r\n\r\n--b\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), sock.read(&mut buf))
        .await
        .expect("answered without the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

/// Issue 20 (reliability): a client that asks first (`Expect: 100-continue`, as curl does for
/// bodies over 1 MB) is told 413 instead of `100 Continue` when it announces too much, and told
/// to go on when it does not (its upload then lands as usual).
#[tokio::test]
async fn an_upload_that_asks_first_is_refused_before_continue_or_told_to_go_on() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let order = apply(&app, "k").await;
    let addr = app.address.trim_start_matches("http://").to_string();
    let ask = |len: usize| {
        format!(
            "POST {order}/documents/business_license HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\
             Expect: 100-continue\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {len}\r\n\r\n"
        )
    };
    let read = |mut sock: tokio::net::TcpStream| async move {
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(std::time::Duration::from_secs(20), sock.read(&mut buf))
            .await
            .expect("answered before the body")
            .unwrap();
        (String::from_utf8_lossy(&buf[..n]).to_string(), sock)
    };

    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    sock.write_all(ask(104_857_600).as_bytes()).await.unwrap();
    let (answer, _) = read(sock).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "no 100 Continue first: {answer}");
    assert!(answer.contains("upload.too_large") && answer.contains("文件过大"), "{answer}");

    let scan = crate::intake::licence_jpeg("91500000MA5U6X5K1A", "重庆测试科技有限公司");
    let mut body = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\
                     Content-Type: image/jpeg\r\n\r\n"
        .to_vec();
    body.extend_from_slice(&scan);
    body.extend_from_slice(b"\r\n--b--\r\n");
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    sock.write_all(ask(body.len()).as_bytes()).await.unwrap();
    let (answer, mut sock) = read(sock).await;
    assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
    sock.write_all(&body).await.unwrap();
    let mut rest = String::new();
    while !rest.contains("document_id") {
        let (more, s) = read(sock).await;
        assert!(!more.is_empty(), "connection closed: {rest}");
        rest.push_str(&more);
        sock = s;
    }
    assert!(rest.contains("201 Created"), "{rest}");
}

/// Issue 20 (low): the lookup told a matching order and mobile by its 429 on the second try,
/// and 30 parallel sends issued 2 codes.
#[tokio::test]
async fn the_order_lookup_answers_alike_whether_or_not_the_mobile_matches_and_sends_one_code_at_a_time() {
    use sealdesk::notify::config::SmsProviderKind;
    let (url, seen) = crate::notify::webhook_gateway().await;
    let app = crate::helpers::spawn_app_with(|s| {
        s.notify.sms.provider = SmsProviderKind::Webhook;
        s.notify.sms.webhook_url = Some(url.clone());
        s.intake.lookup_code_resend_secs = 60;
    })
    .await;
    let conn = app.test_db.connect().await;
    apply(&app, "k").await;
    let a = application::Entity::find().one(&conn).await.unwrap().unwrap();
    let send = |mobile: String| {
        let base = app.address.clone();
        let order = a.order_number.clone();
        async move {
            let r = no_redirects()
                .post(format!("{base}/lookup"))
                .form(&[("order_number", order), ("mobile", mobile)])
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    };
    // A stranger's two tries with a wrong mobile look exactly like an owner's two tries.
    let stranger = [send("13800000000".into()).await, send("13800000000".into()).await];
    assert_eq!(stranger, [200, 429]);
    assert!(seen.lock().unwrap().is_empty());

    let other = crate::helpers::spawn_app_with(|s| {
        s.notify.sms.provider = SmsProviderKind::Webhook;
        s.notify.sms.webhook_url = Some(url.clone());
        s.intake.lookup_code_resend_secs = 60;
    })
    .await;
    let conn = other.test_db.connect().await;
    apply(&other, "k").await;
    let b = application::Entity::find().one(&conn).await.unwrap().unwrap();
    let sends = (0..30).map(|_| {
        let base = other.address.clone();
        let fields = [("order_number", b.order_number.clone()), ("mobile", b.operator_mobile.clone())];
        tokio::spawn(async move {
            no_redirects()
                .post(format!("{base}/lookup"))
                .form(&fields)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let mut statuses = Vec::new();
    for s in sends {
        statuses.push(s.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(seen.lock().unwrap().len(), 1, "one code for 30 parallel sends");
}

/// A TIFF scan is shown to staff as PNG, decoded under the upload limits (issue 20: staff TIFF
/// viewing had no limit); a draft's scan is a supervisor's to open, not a reviewer's.
#[tokio::test]
async fn a_tiff_scan_is_shown_as_png_under_the_upload_limits() {
    use sea_orm::EntityTrait;
    use sealdesk::entities::document;

    use crate::applicant::upload;
    use crate::staff::login;
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let order = apply(&app, "k").await;
    let img = image::RgbImage::from_fn(640, 900, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 200]));
    let mut tiff = std::io::Cursor::new(Vec::new());
    img.write_to(&mut tiff, image::ImageFormat::Tiff).unwrap();
    let r = upload(&app, &order, "business_license", "scan.tif", tiff.get_ref(), true).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let doc = document::Entity::find().one(&conn).await.unwrap().unwrap();
    add_staff(&conn, "zhou", Role::Supervisor).await;
    let s = login(&app, "zhou").await;
    let shown = s.get(&format!("/documents/{}/scan", doc.id)).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["content-type"], "image/png");
    let png = image::load_from_memory(&shown.bytes().await.unwrap()).unwrap();
    assert_eq!((png.width(), png.height()), (640, 900));
}
