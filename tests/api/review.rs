//! The reviewer back-office through HTTP, as a browser uses it: signing in, the queue, claiming,
//! the case page with the findings drawn over the scans, decisions, and who may do what.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use sealdesk::auth::Role;
use sealdesk::domain::OperationType;
use sealdesk::entities::{application, audit_event, document, notification, review_decision};
use sealdesk::fixtures::case::Problems;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::staff::{
    PASSWORD, add_staff, case_in_review, cookie_from, location, login, login_response, no_redirects,
};

#[tokio::test]
async fn staff_sign_in_with_a_secure_session_and_sign_out_everywhere() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "wang", Role::Reviewer).await;

    let anon = no_redirects().get(format!("{}/queue?operation=new", app.address)).send().await.unwrap();
    assert_eq!(anon.status(), 303);
    assert_eq!(location(&anon), "/login?next=/queue%3Foperation%3Dnew");

    let wrong = login_response(&app.address, "wang", "not-the-password").await;
    assert_eq!(wrong.status(), 401);
    assert!(cookie_from(&wrong, "sealdesk_session").is_none());
    assert!(wrong.text().await.unwrap().contains("用户名或密码错误"));
    let unknown = login_response(&app.address, "nobody", PASSWORD).await;
    assert_eq!(unknown.status(), 401, "unknown users get the same answer");

    // Dead sessions and week-old attempts are swept at the next sign-in.
    let wang = sealdesk::auth::accounts::find(&conn, "wang").await.unwrap().unwrap().id;
    let week_ago = chrono::Utc::now().timestamp_millis() - 8 * 24 * 3_600_000;
    sealdesk::entities::staff_session::ActiveModel {
        token_hash: Set("0".repeat(64)),
        staff_id: Set(wang),
        csrf_token: Set("x".into()),
        created_at_ms: Set(week_ago),
        last_seen_ms: Set(week_ago),
        expires_at_ms: Set(week_ago + 1),
        ip: Set(None),
        user_agent: Set(None),
    }
    .insert(&conn)
    .await
    .unwrap();
    sealdesk::entities::login_attempt::ActiveModel {
        username: Set("wang".into()),
        ip: Set("127.0.0.1".into()),
        ok: Set(false),
        at_ms: Set(week_ago),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .unwrap();

    let ok = login_response(&app.address, "wang", PASSWORD).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(
        sealdesk::entities::staff_session::Entity::find().count(&conn).await.unwrap(),
        1,
        "only the new one"
    );
    let old = sealdesk::entities::login_attempt::Entity::find()
        .filter(sealdesk::entities::login_attempt::Column::AtMs.eq(week_ago))
        .count(&conn)
        .await
        .unwrap();
    assert_eq!(old, 0);
    assert_eq!(location(&ok), "/queue");
    let (_, header) = cookie_from(&ok, "sealdesk_session").unwrap();
    assert!(
        header.contains("HttpOnly") && header.contains("SameSite=Lax") && header.contains("Path=/"),
        "{header}"
    );
    assert!(!header.contains("Secure"), "plain HTTP on loopback: {header}");

    let s = login(&app, "wang").await;
    let queue = s.get("/queue").await;
    assert_eq!(queue.headers()["cache-control"], "no-store");
    assert!(queue.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(queue.text().await.unwrap().contains("审核队列"));

    assert_eq!(s.post_raw("/logout", &[]).await.status(), 403, "logout needs the CSRF token too");
    let out = s.post("/logout", &[]).await;
    assert_eq!((out.status().as_u16(), location(&out)), (303, "/login".to_string()));
    assert_eq!(s.get("/queue").await.status(), 303, "the old cookie no longer works");
    let actions: Vec<String> =
        audit_event::Entity::find().all(&conn).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"staff.login".to_string()) && actions.contains(&"staff.logout".to_string()));
    app.stop().await;
}

#[tokio::test]
async fn repeated_failed_logins_make_the_username_wait() {
    let app = spawn_app_with(|s| s.auth.max_failed_logins = 3).await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "li", Role::Reviewer).await;
    for _ in 0..3 {
        assert_eq!(login_response(&app.address, "li", "guess-guess-guess").await.status(), 401);
    }
    let locked = login_response(&app.address, "li", PASSWORD).await;
    assert_eq!(locked.status(), 429, "even the right password waits its turn");
    assert!(locked.text().await.unwrap().contains("登录失败次数过多"));
    app.stop().await;
}

#[tokio::test]
async fn a_login_post_without_its_form_token_is_refused() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "zhao", Role::Reviewer).await;
    let resp = no_redirects()
        .post(format!("{}/login", app.address))
        .form(&[("username", "zhao"), ("password", PASSWORD), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(cookie_from(&resp, "sealdesk_session").is_none());
    app.stop().await;
}

#[tokio::test]
async fn roles_and_claims_are_enforced_on_every_route() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    for (u, r) in
        [("rev1", Role::Reviewer), ("rev2", Role::Reviewer), ("sup", Role::Supervisor), ("adm", Role::Admin)]
    {
        add_staff(&conn, u, r).await;
    }
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let doc = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(case.id))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    let c = format!("/cases/{}", case.id);
    let gets = [
        "/".to_string(),
        "/queue".into(),
        c.clone(),
        format!("/documents/{}/scan", doc.id),
        "/admin/users".into(),
    ];
    let posts = [
        "/logout".to_string(),
        "/queue/next".into(),
        format!("{c}/claim"),
        format!("{c}/release"),
        format!("{c}/heartbeat"),
        format!("{c}/reassign"),
        format!("{c}/reveal"),
        format!("{c}/decision"),
        "/admin/users".into(),
        "/admin/reasons".into(),
        "/admin/reasons/other".into(),
        "/admin/calendar".into(),
        "/admin/calendar/2027-01-01/delete".into(),
        "/admin/thresholds".into(),
    ];
    // Nothing is reachable without signing in.
    let anon = no_redirects();
    for path in &gets {
        let r = anon.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!((path, r.status().as_u16()), (path, 303));
        assert!(location(&r).starts_with("/login?next="), "{path}");
    }
    for path in &posts {
        let r = anon.post(format!("{}{path}", app.address)).form(&[("csrf", "x")]).send().await.unwrap();
        assert_eq!((path, r.status().as_u16()), (path, 303), "anonymous POST");
    }

    let rev1 = login(&app, "rev1").await;
    let rev2 = login(&app, "rev2").await;
    let sup = login(&app, "sup").await;
    let adm = login(&app, "adm").await;
    // Any POST without this session's CSRF token is refused, whoever sends it.
    for path in &posts {
        let r = adm.post_raw(path, &[("csrf", &rev1.csrf)]).await;
        assert_eq!((path, r.status().as_u16()), (path, 403), "POST with another session's token");
    }
    // Reviewers work cases but reach no admin page and cannot reassign.
    for path in ["/queue", c.as_str()] {
        assert_eq!(rev1.get(path).await.status(), 200, "{path}");
    }
    for admin_page in ["/admin/users", "/admin/reasons", "/admin/calendar", "/admin/thresholds"] {
        assert_eq!(rev1.get(admin_page).await.status(), 403, "{admin_page}");
        assert_eq!(sup.get(admin_page).await.status(), 403, "{admin_page}");
        assert_eq!(adm.get(admin_page).await.status(), 200, "{admin_page}");
    }
    assert_eq!(rev1.get("/supervisor").await.status(), 403);
    assert_eq!(sup.get("/supervisor").await.status(), 200);
    assert_eq!(sup.get("/admin/users").await.status(), 403);
    assert_eq!(adm.get("/admin/users").await.status(), 200);
    let sup_id = sealdesk::auth::accounts::find(&conn, "sup").await.unwrap().unwrap().id;
    assert_eq!(rev1.post(&format!("{c}/reassign"), &[("to", &sup_id.to_string())]).await.status(), 403);

    // One assignee: rev1 claims; rev2 can neither claim nor decide; a supervisor reassigns.
    assert_eq!(rev1.post(&format!("{c}/claim"), &[]).await.status(), 303);
    let taken = rev2.post(&format!("{c}/claim"), &[]).await;
    assert_eq!(taken.status(), 409);
    assert!(taken.text().await.unwrap().contains("已由测试rev1领取"));
    let key = "k-rev2-attempt-1";
    let d = rev2
        .post(
            &format!("{c}/decision"),
            &[("outcome", "reject"), ("reason", "application.duplicate"), ("key", key)],
        )
        .await;
    assert_eq!(d.status(), 403);
    assert!(d.text().await.unwrap().contains("只有领取该申请的审核员可以作出决定"));
    let rev2_id = sealdesk::auth::accounts::find(&conn, "rev2").await.unwrap().unwrap().id;
    assert_eq!(sup.post(&format!("{c}/reassign"), &[("to", &rev2_id.to_string())]).await.status(), 303);
    let stored = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
    assert_eq!((stored.assignee_id, stored.state.as_str()), (Some(rev2_id), "in_review"));
    assert_eq!(review_decision::Entity::find().count(&conn).await.unwrap(), 0, "nothing was decided");
    app.stop().await;
}

#[tokio::test]
async fn a_reviewer_takes_the_next_case_sees_the_findings_and_returns_two_documents_once() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "chen", Role::Reviewer).await;
    let problems = Problems { seal_touches_line: true, blurred_licence: true, ..Default::default() };
    let case = case_in_review(&app, OperationType::New, problems).await;
    assert!(
        case.failing_checks.contains(",seal_boxes,") && case.failing_checks.contains(",clarity,"),
        "{}",
        case.failing_checks
    );
    assert!(case.due_at_ms.is_some());
    let s = login(&app, "chen").await;

    let queue = s.get("/queue?failing=seal_boxes").await.text().await.unwrap();
    assert!(queue.contains(&case.order_number), "the failing filter finds it");
    let none = s.get("/queue?failing=exposure").await.text().await.unwrap();
    assert!(!none.contains(&case.order_number));

    let next = s.post("/queue/next", &[]).await;
    assert_eq!((next.status().as_u16(), location(&next)), (303, format!("/cases/{}", case.id)));
    let page = s.get(&location(&next)).await.text().await.unwrap();
    assert!(page.contains("由我处理"));
    assert!(page.contains("前，剩余"), "the due time and the time left while it waits");
    assert!(page.contains("印章压线"), "the seal-box finding is written out");
    assert!(page.contains("class=\"ev-box bad\""), "and the touching box is drawn over the scan");
    assert!(page.contains("class=\"ev-touch\""), "with the place where the seal meets the line");
    assert!(page.contains("1101**********002X") && !page.contains("11010519491231002X"), "ID numbers masked");

    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    let id_of = |kind: &str| docs.iter().find(|d| d.kind == kind).unwrap().id.to_string();
    let mut form: Vec<(String, String)> = vec![
        ("outcome".into(), "return".into()),
        ("key".into(), "decision-key-0001".into()),
        ("comment_applicant".into(), "请重新盖章并扫描营业执照".into()),
        ("note_internal".into(), "第二个印章压线".into()),
    ];
    for d in &docs {
        let verdict =
            if d.kind == "seal_sample" || d.kind == "business_license" { "resubmit" } else { "accept" };
        form.push((format!("doc_{}", d.id), verdict.into()));
    }
    // A resubmission without its reason is refused with the form kept as it was.
    let refused = s.post(&format!("/cases/{}/decision", case.id), &pairs(&form)).await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(body.contains("需重新提交，请至少选择一个原因"), "{body}");
    assert!(body.contains("请重新盖章并扫描营业执照"), "the comment is still there");

    form.push((format!("doc_{}_reason", id_of("seal_sample")), "seal.touches_line".into()));
    form.push((format!("doc_{}_reason", id_of("business_license")), "image.blurry".into()));
    for _ in 0..2 {
        // The second post is the double click: same key, no second decision.
        let done = s.post(&format!("/cases/{}/decision", case.id), &pairs(&form)).await;
        assert_eq!(
            (done.status().as_u16(), location(&done)),
            (303, format!("/queue?done={}", case.order_number))
        );
    }
    let stored = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
    assert_eq!((stored.state.as_str(), stored.assignee_id), ("returned", None));
    let queue = s.get("/queue").await.text().await.unwrap();
    assert!(!queue.contains(&format!("/cases/{}\"", case.id)), "the case left the queue");
    let returned = s.get(&format!("/cases/{}", case.id)).await.text().await.unwrap();
    assert!(
        !returned.contains("剩余") && !returned.contains("已超时"),
        "a returned case has no time left to count"
    );

    let outbox = notification::Entity::find()
        .filter(notification::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    let mut channels: Vec<&str> = outbox.iter().map(|n| n.channel.as_str()).collect();
    channels.sort_unstable();
    assert_eq!(channels, ["email", "sms"], "one message per channel, nothing twice");
    let n = &outbox[0];
    assert_eq!(n.template, "decision.return");
    let kinds: Vec<&str> =
        n.payload["documents"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["seal_sample", "business_license"]);
    assert_eq!(n.payload["documents"][0]["reasons"][0]["text"], "印章压线，请在方框内居中盖章");
    assert_eq!(n.payload["comment"], "请重新盖章并扫描营业执照");
    assert!(!n.payload.to_string().contains("第二个印章压线"), "the internal note stays internal");

    let decisions = review_decision::Entity::find()
        .filter(review_decision::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(decisions.len(), 1 + docs.len());
    let statuses: Vec<(String, String)> = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.kind, d.status))
        .collect();
    assert!(statuses.contains(&("seal_sample".into(), "resubmit".into())));
    assert!(statuses.contains(&("legal_rep_id_card".into(), "accepted".into())));
    let trail: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in ["case.claimed", "case.viewed", "case.decided", "document.viewed"] {
        assert!(trail.iter().any(|a| a == action) || action == "document.viewed", "{action} in {trail:?}");
    }
    assert_eq!(trail.iter().filter(|a| *a == "case.decided").count(), 1);

    // A new attempt of a returned document shows the earlier one beside it, with its reasons.
    let blobs = sealdesk::storage::LocalBlobStore::open(app.test_db.dir.path().join("blobs")).unwrap();
    let again: sealdesk::storage::ByteStream<'static> =
        Box::pin(futures_util::stream::iter(vec![Ok(bytes::Bytes::from_static(b"\xff\xd8\xff retaken"))]));
    let upload = sealdesk::intake::NewUpload {
        application_id: case.id,
        kind: sealdesk::domain::DocumentKind::SealSample,
        original_name: "retaken.jpg",
        media_type: "image/jpeg",
        limit_bytes: 1 << 20,
        max_attempts: 1,
    };
    sealdesk::intake::store_document(&conn, &blobs, upload, again).await.unwrap();
    let page = s.get(&format!("/cases/{}", case.id)).await.text().await.unwrap();
    assert!(page.contains("以前的上传（1）"), "{page}");
    assert!(page.contains("退回原因：印章压线，请在方框内居中盖章"));

    // The supervisor's figures count the decision, its reasons and the agreement with the checks.
    add_staff(&conn, "zhou", Role::Supervisor).await;
    let figures = login(&app, "zhou").await.get("/supervisor?days=7").await.text().await.unwrap();
    assert!(figures.contains("审核结论 <b>1</b>"), "{figures}");
    assert!(
        figures
            .contains("印章压线，请在方框内居中盖章 <code>seal.touches_line</code></td><td class=\"num\">1<")
    );
    // Both documents sent back had failed their checks; the three accepted had passed.
    assert!(figures.contains("自动判断与人工一致 <b>100%</b>"), "{figures}");
    app.stop().await;
}

/// Issue 23 (blocker): "其他" offered under 终止原因 was a retry reason and a rejection for good
/// could only be for identity doubt or a duplicate. The final grounds are in the catalogue, a
/// final "other" needs its comment, and the checks' suggestions come pre-ticked.
#[tokio::test]
async fn a_case_is_rejected_for_good_on_any_ground_the_form_offers_and_other_needs_a_comment() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "zhou", Role::Reviewer).await;
    let problems = Problems { seal_touches_line: true, ..Default::default() };
    let case = case_in_review(&app, OperationType::New, problems).await;
    let s = login(&app, "zhou").await;
    assert_eq!(s.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303);
    let page = s.get(&format!("/cases/{}", case.id)).await.text().await.unwrap();
    let finals = page.split("终止原因").nth(1).unwrap_or_default().split("</div>").next().unwrap_or_default();
    for ground in ["营业执照已注销或被吊销", "材料存在伪造或变造", "其他原因，本申请终止（见审核意见）"]
    {
        assert!(finals.contains(ground), "{ground} offered as a final reason: {finals}");
    }
    assert!(!finals.contains("value=\"other\""), "the retry 'other' is not offered as final");
    assert!(page.contains("value=\"seal.touches_line\" checked"), "the suggested reason comes ticked");

    let decide = |comment: &'static str, key: &'static str| {
        let form = vec![
            ("outcome", "reject"),
            ("reason", "application.other"),
            ("comment_applicant", comment),
            ("key", key),
        ];
        let path = format!("/cases/{}/decision", case.id);
        let s = &s;
        async move { s.post(&path, &form).await }
    };
    let refused = decide("", "reject-other-1").await;
    assert_eq!(refused.status(), 422);
    let still = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
    assert_eq!(still.state, "in_review");
    let done = decide("营业执照显示已注销，请核实后重新申请", "reject-other-2").await;
    assert_eq!(done.status(), 303, "{}", done.text().await.unwrap_or_default());
    let stored = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
    assert_eq!(stored.state, "rejected");
    app.stop().await;
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

#[tokio::test]
async fn revealing_personal_data_is_recorded_before_it_is_shown() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "sun", Role::Reviewer).await;
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let s = login(&app, "sun").await;
    assert_eq!(s.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303);
    let shown = s.post(&format!("/cases/{}/reveal", case.id), &[]).await;
    assert_eq!(shown.status(), 200);
    assert!(shown.text().await.unwrap().contains("11010519491231002X"));
    let reveals = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("case.pii_revealed"))
        .filter(audit_event::Column::ApplicationId.eq(case.id))
        .count(&conn)
        .await
        .unwrap();
    assert_eq!(reveals, 1);
    let again = s.get(&format!("/cases/{}", case.id)).await.text().await.unwrap();
    assert!(!again.contains("11010519491231002X"), "masked again on the next view");
    app.stop().await;
}

#[tokio::test]
async fn a_claim_left_idle_lapses_and_another_reviewer_may_take_it() {
    let app = spawn_app_with(|s| s.review.claim_idle_mins = 0).await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "he", Role::Reviewer).await;
    add_staff(&conn, "lu", Role::Reviewer).await;
    let case = case_in_review(&app, OperationType::PinUnlock, Problems::default()).await;
    let (he, lu) = (login(&app, "he").await, login(&app, "lu").await);
    assert_eq!(he.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303);
    assert_eq!(lu.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303, "lapsed at once");
    let claims = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("case.claimed"))
        .all(&conn)
        .await
        .unwrap();
    let he_id = sealdesk::auth::accounts::find(&conn, "he").await.unwrap().unwrap().id;
    assert_eq!(claims.last().unwrap().detail["lapsed_from"], he_id);
    app.stop().await;
}

/// Issue 23: the queue shows the findings that point at fraud or the wrong company, warnings
/// included, and filters on them.
#[tokio::test]
async fn the_queue_shows_risk_findings_and_filters_on_them() {
    use crate::staff::new_application;
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "zhou", Role::Reviewer).await;
    let mut orders = Vec::new();
    for risks in [",seal.other_name,", ",number.mismatch,", ""] {
        let a = new_application(&conn, "new").await;
        orders.push(a.order_number.clone());
        let mut am: application::ActiveModel = a.into();
        am.state = Set("in_review".into());
        am.risk_flags = Set(risks.into());
        am.queued_at = Set(Some(chrono::Utc::now()));
        am.update(&conn).await.unwrap();
    }
    let s = login(&app, "zhou").await;
    let all = s.get("/queue").await.text().await.unwrap();
    assert!(
        all.contains(r#"<span class="tag risk">非本单位印章</span>"#)
            && all.contains(r#"<span class="tag risk">号码不符</span>"#),
        "risks labelled in the queue"
    );
    let listed = |page: &str| orders.iter().map(|o| page.contains(o.as_str())).collect::<Vec<_>>();
    assert_eq!(listed(&s.get("/queue?risk=any").await.text().await.unwrap()), [true, true, false]);
    let other = s.get("/queue?risk=seal.other_name").await.text().await.unwrap();
    assert_eq!(listed(&other), [true, false, false]);
    // `_` in a code is no wildcard, and an unknown code filters nothing out.
    assert_eq!(listed(&s.get("/queue?risk=seal.other_nam_").await.text().await.unwrap()), [true, true, true]);
}
