//! `GET /login` and `POST /login`. The login form is protected against cross-site posting by a
//! double-submit token (a cookie and a hidden field that must agree), throttled per username
//! and per address, and answers the same way for unknown users and wrong passwords.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;

use super::client_ip;
use crate::audit;
use crate::auth::{AuthError, accounts, password, random_token, same_secret, session, throttle};
use crate::web::{AppState, WebError};

const LOGIN_CSRF_COOKIE: &str = "sealdesk_login_csrf";

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// Only a path on this site: never an open redirect. Browsers drop tabs and newlines from a
/// `Location` and read `\` as `/`, so `/\t/evil.example` would leave the site; any control
/// character, space or backslash, a scheme-relative `//` and an over-long value fall back to
/// the queue.
fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &str| {
        n.len() <= 2000
            && n.starts_with('/')
            && !n.starts_with("//")
            && !n.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    match next {
        Some(n) if ok(n) => n.to_string(),
        _ => "/queue".into(),
    }
}

pub fn secure_cookies(state: &AppState, req: &HttpRequest) -> bool {
    state.settings.auth.cookie_secure.unwrap_or_else(|| req.connection_info().scheme() == "https")
}

fn page(
    state: &AppState,
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    next: &str,
    username: &str,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let csrf = random_token();
    let html = state.templates.render(
        "login.html",
        minijinja::context! { csrf => &csrf, next => next, username => username, error => error, staff => () },
    )?;
    let cookie = Cookie::build(LOGIN_CSRF_COOKIE, csrf)
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure_cookies(state, req))
        .finish();
    Ok(HttpResponse::build(status).cookie(cookie).content_type("text/html; charset=utf-8").body(html))
}

pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, WebError> {
    page(&state, &req, actix_web::http::StatusCode::OK, &safe_next(query.next.as_deref()), "", None)
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let next = safe_next(form.next.as_deref());
    let cookie_token = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if cookie_token.is_empty() || !same_secret(&cookie_token, &form.csrf) {
        let msg = AuthError::Csrf.message_zh();
        return page(&state, &req, actix_web::http::StatusCode::FORBIDDEN, &next, &form.username, Some(msg));
    }
    let username = form.username.trim();
    let ip = client_ip(&req);
    let cfg = &state.settings.auth;
    let attempt = match throttle::enter(&state.db, username, &ip, cfg).await? {
        throttle::Gate::Open(attempt) => attempt,
        refused => {
            tracing::warn!(ip = %ip, ?refused, "login throttled");
            let msg = match refused {
                throttle::Gate::Slowed { retry_after_secs } => {
                    format!("登录失败次数过多，请在 {retry_after_secs} 秒后再试")
                }
                _ => format!(
                    "{}（{} 分钟内）",
                    AuthError::Throttled.message_zh(),
                    cfg.failed_login_window_mins
                ),
            };
            return page(
                &state,
                &req,
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                &next,
                username,
                Some(msg),
            );
        }
    };
    let user = accounts::find(&state.db, username).await?.filter(|u| u.active);
    let ok = password::verify(form.password.clone(), user.as_ref().map(|u| u.password_hash.clone())).await;
    throttle::settle(&state.db, attempt, ok, cfg).await?;
    let Some(user) = user.filter(|_| ok) else {
        let msg = AuthError::BadCredentials.message_zh();
        return page(&state, &req, actix_web::http::StatusCode::UNAUTHORIZED, &next, username, Some(msg));
    };
    if user.role == crate::auth::Role::Integration.as_str() {
        // The platform's account has an API token and no business in the back-office.
        let msg = "该账号仅用于平台对接（API），不能登录审核后台".to_string();
        return page(&state, &req, actix_web::http::StatusCode::FORBIDDEN, &next, username, Some(msg));
    }
    let ua = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(String::from);
    let new = session::create(&state.db, user.id, Some(ip.clone()), ua, cfg).await?;
    audit::record(
        &state.db,
        audit::Entry::by_staff(user.id, "staff.login", None, serde_json::json!({ "ip": ip })),
    )
    .await?;
    let mut am: crate::entities::staff_user::ActiveModel = user.into();
    am.last_login_at = Set(Some(chrono::Utc::now()));
    am.update(&state.db).await?;
    let secure = secure_cookies(&state, &req);
    let cookie = Cookie::build(session::COOKIE, new.token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    let mut gone = Cookie::build(LOGIN_CSRF_COOKIE, "").path("/login").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, next)).cookie(cookie).cookie(gone).finish())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/cases/3")), "/cases/3");
        assert_eq!(safe_next(Some("//evil.example/x")), "/queue");
        assert_eq!(safe_next(Some("https://evil.example")), "/queue");
        assert_eq!(safe_next(Some("/\\evil.example")), "/queue");
        assert_eq!(safe_next(None), "/queue");
        for evil in
            ["/\t/evil.example", "/\n/evil.example", "/\r\nSet-Cookie: x=1", "/ /evil.example", "/\u{7f}/x"]
        {
            assert_eq!(safe_next(Some(evil)), "/queue", "{evil:?}");
        }
        assert_eq!(safe_next(Some("/queue?failing=seal&page=2")), "/queue?failing=seal&page=2");
    }
}
