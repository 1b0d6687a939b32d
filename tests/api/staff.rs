//! Staff members for the back-office tests: accounts made through the real account service,
//! browser-like sessions (cookies carried by hand, redirects not followed, so every 303 can be
//! asserted), and cases brought into the queue through the real upload, check and lifecycle
//! path.

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use sealdesk::auth::{Role, accounts};
use sealdesk::domain::{OperationType, OrderNumber};
use sealdesk::entities::{application, organisation};
use sealdesk::fixtures::case::Problems;
use sealdesk::storage::LocalBlobStore;

use crate::helpers::{TestApp, eventually};

/// A draft application with valid typed numbers, for a fresh organisation.
pub async fn new_application(db: &DatabaseConnection, operation: &str) -> application::Model {
    let now = chrono::Utc::now();
    let org = organisation::ActiveModel {
        name: Set("重庆测试科技有限公司".into()),
        uscc: Set(format!("T{}", &uuid::Uuid::new_v4().simple().to_string()[..17])),
        legal_rep_name: Set("张伟".into()),
        contact_phone: Set("13983787460".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    application::ActiveModel {
        order_number: Set(OrderNumber::generate(now.date_naive()).as_str().into()),
        organisation_id: Set(org.id),
        operation_type: Set(operation.into()),
        certificate_type: Set("unit_seal".into()),
        validity_years: Set(1),
        delivery: Set("courier".into()),
        state: Set("draft".into()),
        company_name: Set(org.name.clone()),
        company_uscc: Set("91110000600037341L".into()),
        legal_rep_name: Set("张伟".into()),
        legal_rep_id_number: Set("11010519491231002X".into()),
        operator_name: Set("李娜".into()),
        operator_id_number: Set("360426199101010071".into()),
        operator_mobile: Set("17623094654".into()),
        operator_email: Set("ln@example.com".into()),
        mailing_address: Set("重庆市南岸区弹子石复兴街9号".into()),
        form_extra: Set(serde_json::json!({})),
        resubmissions: Set(0),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

pub const PASSWORD: &str = "correct-horse-42";

pub async fn add_staff(conn: &DatabaseConnection, username: &str, role: Role) -> i32 {
    let name = format!("测试{username}");
    let new = accounts::NewStaff { username, display_name: &name, role, password: PASSWORD.into() };
    accounts::add(conn, new).await.expect("add staff").id
}

/// A signed-in browser: its session cookie and the page's CSRF token.
pub struct Session {
    pub base: String,
    pub client: reqwest::Client,
    pub cookie: String,
    pub csrf: String,
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The value of `name="csrf" value="…"` in a page.
pub fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("page has a CSRF field") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

/// `name=value` of a Set-Cookie header named `name`.
pub fn cookie_from(resp: &reqwest::Response, name: &str) -> Option<(String, String)> {
    resp.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let pair = v.split(';').next()?;
        let (n, val) = pair.split_once('=')?;
        (n == name).then(|| (format!("{n}={val}"), v.to_string()))
    })
}

/// Posts the login form as a browser would (GET the form, then POST it with its token).
pub async fn login_response(base: &str, username: &str, password: &str) -> reqwest::Response {
    let client = no_redirects();
    let form = client.get(format!("{base}/login")).send().await.unwrap();
    let (csrf_cookie, _) = cookie_from(&form, "sealdesk_login_csrf").expect("login CSRF cookie");
    let csrf = csrf_in(&form.text().await.unwrap());
    client
        .post(format!("{base}/login"))
        .header("cookie", csrf_cookie)
        .form(&[("username", username), ("password", password), ("csrf", &csrf), ("next", "/queue")])
        .send()
        .await
        .unwrap()
}

pub async fn login(app: &TestApp, username: &str) -> Session {
    let resp = login_response(&app.address, username, PASSWORD).await;
    assert_eq!(resp.status(), 303, "login as {username}");
    let (cookie, _) = cookie_from(&resp, "sealdesk_session").expect("session cookie");
    let client = no_redirects();
    let page = client.get(format!("{}/queue", app.address)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = csrf_in(&page.text().await.unwrap());
    Session { base: app.address.clone(), client, cookie, csrf }
}

impl Session {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).header("cookie", &self.cookie).send().await.unwrap()
    }

    /// Posts `fields` plus this session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &self.csrf));
        self.post_raw(path, &all).await
    }

    /// Posts exactly `fields` (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap()
    }
}

pub fn location(resp: &reqwest::Response) -> String {
    resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// An application of `operation` whose scans (drawn from its typed data, with `problems`) were
/// uploaded, checked by the app's real workers, and which is now waiting in the queue.
pub async fn case_in_review(
    app: &TestApp,
    operation: OperationType,
    problems: Problems,
) -> application::Model {
    let conn = app.test_db.connect().await;
    let blobs = LocalBlobStore::open(app.test_db.dir.path().join("blobs")).unwrap();
    let a = new_application(&conn, operation.as_str()).await;
    sealdesk::demo::scans::upload_and_submit(&conn, &blobs, &app.test_db.settings(), &a, problems)
        .await
        .expect("upload and submit");
    let find = || application::Entity::find_by_id(a.id).one(&conn);
    eventually(std::time::Duration::from_secs(120), "case reaches the queue", || async {
        find().await.unwrap().unwrap().state == "in_review"
    })
    .await;
    find().await.unwrap().unwrap()
}
