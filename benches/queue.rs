//! The reviewer queue at 100,000 applications on SQLite, through HTTP as a browser asks for it:
//! `cargo bench --bench queue`. Seeds a fresh database (40 % of the applications in review,
//! a third of those with failing checks, some claimed, some resubmitted), starts the real server
//! on port 0 with a signed-in reviewer, and times `GET /queue` (first page, filtered, deep pages
//! reached through the cursor) and `POST /queue/next`. Reports medians and 90th percentiles;
//! figures go into the README as measured.

use std::time::{Duration, Instant};

use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use sealdesk::auth::{Role, accounts, session};
use sealdesk::config::{Overrides, Settings};
use sealdesk::db::begin_write;
use sealdesk::entities::{application, organisation};
use sealdesk::startup::Application;

const APPLICATIONS: usize = 100_000;
const RUNS: usize = 60;

fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[v.len() * 9 / 10])
}

async fn seed(db: &sea_orm::DatabaseConnection) -> i32 {
    let now = chrono::Utc::now();
    let org = organisation::ActiveModel {
        name: Set("重庆压测科技有限公司".into()),
        uscc: Set("91500103MA5U7K3PXF".into()),
        legal_rep_name: Set("张伟".into()),
        contact_phone: Set("13983787460".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("organisation");
    let reviewer = accounts::add(
        db,
        accounts::NewStaff {
            username: "bench",
            display_name: "压测",
            role: Role::Reviewer,
            password: "bench-password".into(),
        },
    )
    .await
    .expect("reviewer")
    .id;
    let states = [
        "in_review",
        "in_review",
        "approved",
        "paid",
        "returned",
        "draft",
        "shipped",
        "rejected",
        "in_review",
        "in_review",
    ];
    let failing = ["", "", ",seal,", ",clarity,", "", ",number,seal_boxes,"];
    let txn = begin_write(db).await.expect("transaction");
    for chunk in (0..APPLICATIONS).collect::<Vec<_>>().chunks(500) {
        let rows = chunk.iter().map(|&i| application::ActiveModel {
            order_number: Set(format!("SD{:015}", i)),
            organisation_id: Set(org.id),
            operation_type: Set(["new", "change", "reissue", "pin_unlock"][i % 4].into()),
            certificate_type: Set("unit_seal".into()),
            validity_years: Set(1),
            delivery: Set("courier".into()),
            state: Set(states[i % states.len()].into()),
            company_name: Set(format!("重庆压测第{i}号有限公司")),
            company_uscc: Set("91500103MA5U7K3PXF".into()),
            legal_rep_name: Set("张伟".into()),
            legal_rep_id_number: Set("11010519491231002X".into()),
            operator_name: Set("李娜".into()),
            operator_id_number: Set("360426199101010071".into()),
            operator_mobile: Set("17623094654".into()),
            operator_email: Set("ln@example.com".into()),
            mailing_address: Set("重庆市渝中区解放碑民族路188号".into()),
            form_extra: Set(serde_json::json!({})),
            resubmissions: Set((i % 7 == 0) as i32),
            version: Set(0),
            due_at_ms: Set(Some(now.timestamp_millis() + ((i * 7919) % 200_000) as i64 * 1000)),
            failing_checks: Set(failing[i % failing.len()].into()),
            assignee_id: Set((i % 13 == 0).then_some(reviewer)),
            claimed_at: Set((i % 13 == 0).then_some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        application::Entity::insert_many(rows).exec(&txn).await.expect("insert applications");
    }
    txn.commit().await.expect("commit");
    reviewer
}

async fn time(req: impl Fn() -> reqwest::RequestBuilder) -> (f64, String) {
    let started = Instant::now();
    let resp = req().send().await.expect("request");
    let status = resp.status();
    let body = resp.text().await.expect("body");
    assert!(status.is_success() || status.is_redirection(), "{status}: {body}");
    (started.elapsed().as_secs_f64() * 1000.0, body)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::load(
        Some(std::path::Path::new("/dev/null")),
        &Overrides { bind: Some("127.0.0.1:0".into()), data_dir: Some(dir.path().to_path_buf()) },
    )
    .expect("settings");
    settings.log.filter = "warn".into();
    let db = sealdesk::db::open(&settings).await.expect("database");
    let started = Instant::now();
    let reviewer = seed(&db).await;
    println!("seeded {APPLICATIONS} applications in {:.1} s", started.elapsed().as_secs_f64());
    let new = session::create(&db, reviewer, None, None, &settings.auth).await.expect("session");
    let cookie = format!("{}={}", session::COOKIE, new.token);

    let app = Application::build(settings).await.expect("server");
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let get = |path: String| {
        let (client, cookie, base) = (client.clone(), cookie.clone(), base.clone());
        move || client.get(format!("{base}{path}")).header("cookie", &cookie)
    };

    println!("{:40} {:>10} {:>10}", "request", "median ms", "p90 ms");
    for (name, path) in [
        ("GET /queue (first page)", "/queue".to_string()),
        ("GET /queue?failing=seal", "/queue?failing=seal".into()),
        ("GET /queue?operation=change&assigned=no_one", "/queue?operation=change&assigned=no_one".into()),
        ("GET /queue?resubmitted=1", "/queue?resubmitted=1".into()),
    ] {
        let req = get(path);
        let _ = time(&req).await;
        let mut t = Vec::new();
        for _ in 0..RUNS {
            t.push(time(&req).await.0);
        }
        let (m, p) = percentiles(t);
        println!("{name:40} {m:>10.1} {p:>10.1}");
    }
    // Deep pages: follow the "next" link 200 pages in (10,000 rows), then time that page.
    let mut path = "/queue".to_string();
    for _ in 0..200 {
        let (_, body) = time(get(path.clone())).await;
        let next = body.find("rel=\"next\"").expect("a next page");
        let at = body[..next].rfind("after=").expect("cursor in the next link") + 6;
        path = format!("/queue?after={}", &body[at..].split(['"', '&']).next().unwrap_or_default());
    }
    let deep = get(path);
    let mut t = Vec::new();
    for _ in 0..RUNS {
        t.push(time(&deep).await.0);
    }
    let (m, p) = percentiles(t);
    println!("{:40} {m:>10.1} {p:>10.1}", "GET /queue (page 201, via cursor)");
    handle.stop(true).await;
}
