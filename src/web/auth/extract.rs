//! `Reviewer` (any staff member), `Supervisor` and `Admin`: extractors that look
//! the session cookie up in the database and check the role on the server. A handler that
//! takes one cannot be reached by anyone less.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::super::{AppState, WebError};
use crate::auth::{AuthError, Role, Staff, api_token, same_secret, session};
use crate::web::api::ApiError;

pub use crate::web::client::client_ip;

/// The staff member behind an API request's bearer token (no cookie is looked at: API calls
/// carry no ambient credentials, so they need no CSRF token).
async fn bearer(req: HttpRequest, need: Role) -> Result<Staff, WebError> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| anyhow::anyhow!("no app state"))?;
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let token = header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).unwrap_or_default();
    let staff = api_token::lookup(&state.db, token).await?.ok_or(AuthError::NotLoggedIn)?;
    if !staff.can(need) {
        return Err(AuthError::Forbidden { have: staff.role, need }.into());
    }
    Ok(staff)
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
    ($(#[$meta:meta])* $name:ident, $role:expr, $check:ident, $error:ty) => {
        $(#[$meta])*
        pub struct $name(pub Staff);

        impl FromRequest for $name {
            type Error = $error;
            type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move { $check(req, $role).await.map($name).map_err(Into::into) })
            }
        }
    };
}

role_extractor!(
    /// Any signed-in staff member (every role includes the reviewer's).
    Reviewer,
    Role::Reviewer,
    signed_in,
    WebError
);
role_extractor!(
    /// A supervisor or an admin.
    Supervisor,
    Role::Supervisor,
    signed_in,
    WebError
);
role_extractor!(
    /// An admin.
    Admin,
    Role::Admin,
    signed_in,
    WebError
);
role_extractor!(
    /// Any staff member's API token.
    ApiReviewer,
    Role::Reviewer,
    bearer,
    ApiError
);
role_extractor!(
    /// The CA platform's (or an admin's) API token, for the intake API.
    ApiIntegration,
    Role::Integration,
    bearer,
    ApiError
);
role_extractor!(
    /// A supervisor's or admin's API token.
    ApiSupervisor,
    Role::Supervisor,
    bearer,
    ApiError
);

/// Refuses a form whose `csrf` field is not this session's token.
pub fn check_csrf(staff: &Staff, submitted: Option<&str>) -> Result<(), WebError> {
    match submitted {
        Some(t) if !staff.csrf_token.is_empty() && same_secret(t, &staff.csrf_token) => Ok(()),
        _ => Err(AuthError::Csrf.into()),
    }
}
