//! `GET /o/{token}/edit`, `POST /o/{token}/edit`: the applicant corrects what was typed, while
//! the application is a draft or has been returned (`intake::edit`). Saved, the order page says
//! what changed and that the uploads are being checked again; a wrong field comes back with its
//! message, as on `/apply`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sea_orm::EntityTrait;

use super::apply::{EditMode, page_in};
use super::{resolve, see_other};
use crate::domain::OperationType;
use crate::entities::{application, organisation};
use crate::intake::apply::{ApplyForm, FieldErrors};
use crate::intake::edit::{self, EditError};
use crate::web::{AppState, WebError};

fn mode(token: &str, app: &application::Model) -> EditMode {
    EditMode {
        action: format!("/o/{token}/edit"),
        back: format!("/o/{token}"),
        order_number: app.order_number.clone(),
        operation_label: app.operation_type.parse::<OperationType>().map_or("", |o| o.label_zh()),
    }
}

pub async fn form(state: web::Data<AppState>, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    let app = match resolve(&state, &token).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    if !edit::editable(&app.state) {
        return Ok(see_other(&format!("/o/{token}")));
    }
    let org = organisation::Entity::find_by_id(app.organisation_id).one(&state.db).await?;
    let (phone, office, web) = org.map_or_else(Default::default, |o| {
        (o.contact_phone, o.office_phone.unwrap_or_default(), o.website.unwrap_or_default())
    });
    let form = edit::form_of(&app, &phone, &office, &web);
    page_in(&state, &form, &FieldErrors::new(), StatusCode::OK, None, Some(mode(&token, &app)))
}

pub async fn save(
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<ApplyForm>,
) -> Result<HttpResponse, WebError> {
    let app = match resolve(&state, &token).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    let max_attempts = state.settings.jobs.max_attempts;
    match edit::update(&state.db, app.id, &form, max_attempts).await {
        Ok(edited) if edited.changed.is_empty() => Ok(see_other(&format!("/o/{token}"))),
        Ok(_) => Ok(see_other(&format!("/o/{token}#edited"))),
        Err(EditError::Invalid(errors)) => {
            page_in(&state, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY, None, Some(mode(&token, &app)))
        }
        Err(EditError::Db(e)) => Err(e.into()),
        Err(e) => {
            // Changed meanwhile or no longer editable: the form again, as it is now, with why.
            let status =
                if matches!(e, EditError::NotEditable) { StatusCode::GONE } else { StatusCode::CONFLICT };
            let fresh =
                application::Entity::find_by_id(app.id).one(&state.db).await?.ok_or(WebError::NotFound)?;
            let mut again = form.into_inner();
            again.key = fresh.version.to_string();
            let msg = e.message_zh();
            page_in(
                &state,
                &again,
                &FieldErrors::new(),
                status,
                Some((e.code(), &msg)),
                Some(mode(&token, &fresh)),
            )
        }
    }
}
