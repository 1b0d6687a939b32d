//! `Reviewer` (any staff member), `Supervisor` and `Admin`: extractors that look
//! the session cookie up in the database and check the role on the server. A handler that
//! takes one cannot be reached by anyone less.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::super::{AppState, WebError};
use crate::auth::{AuthError, Role, Staff, same_secret, session};

/// The address a request came from (the proxy's, when behind one: we do not trust headers
/// that clients can set for throttling).
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

async fn signed_in(req: HttpRequest, need: Role) -> Result<Staff, WebError> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| anyhow::anyhow!("no app state"))?;
    let next = req.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    let token = req.cookie(session::COOKIE).map(|c| c.value().to_string());
    let Some(token) = token else {
        return Err(WebError::LoginRequired { next });
    };
    let Some(staff) = session::lookup(&state.db, &token, &state.settings.auth).await? else {
        return Err(WebError::LoginRequired { next });
    };
    if !staff.can(need) {
        return Err(AuthError::Forbidden { have: staff.role, need }.into());
    }
    Ok(staff)
}

macro_rules! role_extractor {
    ($(#[$meta:meta])* $name:ident, $role:expr) => {
        $(#[$meta])*
        pub struct $name(pub Staff);

        impl FromRequest for $name {
            type Error = WebError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move { signed_in(req, $role).await.map($name) })
            }
        }
    };
}

role_extractor!(
    /// Any signed-in staff member (every role includes the reviewer's).
    Reviewer,
    Role::Reviewer
);
role_extractor!(
    /// A supervisor or an admin.
    Supervisor,
    Role::Supervisor
);
role_extractor!(
    /// An admin.
    Admin,
    Role::Admin
);

/// Refuses a form whose `csrf` field is not this session's token.
pub fn check_csrf(staff: &Staff, submitted: Option<&str>) -> Result<(), WebError> {
    match submitted {
        Some(t) if !staff.csrf_token.is_empty() && same_secret(t, &staff.csrf_token) => Ok(()),
        _ => Err(AuthError::Csrf.into()),
    }
}
