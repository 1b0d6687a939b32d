//! `POST /logout`: ends the session in the database (on every node at once) and clears the
//! cookie.

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{Reviewer, check_csrf};
use crate::audit;
use crate::auth::session;
use crate::web::{AppState, WebError};

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    Reviewer(staff): Reviewer,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    if let Some(c) = req.cookie(session::COOKIE) {
        session::destroy(&state.db, c.value()).await?;
    }
    audit::record(&state.db, audit::Entry::by_staff(staff.id, "staff.logout", None, serde_json::json!({})))
        .await?;
    let mut gone = Cookie::build(session::COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).cookie(gone).finish())
}
