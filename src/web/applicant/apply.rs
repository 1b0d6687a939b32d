//! `GET /apply`, `POST /apply`: start an application. The form is checked field by field on the
//! server (the page's script checks the same as you type: check digits included); a wrong field
//! comes back with its message beside it, the rest as typed. Success goes to the order page,
//! where the documents are uploaded. The form's one-time key makes a double click create one.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{see_other, token_for};
use crate::domain::{CertificateType, Delivery, OperationType};
use crate::intake::apply::{ApplyError, ApplyForm, Creator, FieldErrors, VALIDITY_YEARS, create};
use crate::web::{AppState, WebError, render_status};

/// The edit mode of the form (`/o/{token}/edit`): where it posts, the order, the fixed operation.
#[derive(serde::Serialize)]
pub struct EditMode {
    pub action: String,
    pub back: String,
    pub order_number: String,
    pub operation_label: &'static str,
}

fn page(
    state: &AppState,
    form: &ApplyForm,
    errors: &FieldErrors,
    status: StatusCode,
    notice: Option<(&str, &str)>,
) -> Result<HttpResponse, WebError> {
    page_in(state, form, errors, status, notice, None)
}

pub fn page_in(
    state: &AppState,
    form: &ApplyForm,
    errors: &FieldErrors,
    status: StatusCode,
    notice: Option<(&str, &str)>,
    edit: Option<EditMode>,
) -> Result<HttpResponse, WebError> {
    let documents: Vec<(&str, Vec<&str>)> = OperationType::ALL
        .iter()
        .map(|o| (o.as_str(), o.required_documents().iter().map(|k| k.label_zh()).collect()))
        .collect();
    render_status(
        state,
        status,
        "apply.html",
        minijinja::context! {
            staff => (), applicant => true, form, errors, notice, edit,
            operations => OperationType::ALL.iter().map(|o| (o.as_str(), o.label_zh())).collect::<Vec<_>>(),
            certificates => CertificateType::ALL.iter().map(|o| (o.as_str(), o.label_zh())).collect::<Vec<_>>(),
            deliveries => Delivery::ALL.iter().map(|o| (o.as_str(), o.label_zh())).collect::<Vec<_>>(),
            years => VALIDITY_YEARS.collect::<Vec<_>>(),
            documents,
        },
    )
}

pub async fn form(
    state: web::Data<AppState>,
    query: web::Query<ApplyForm>,
) -> Result<HttpResponse, WebError> {
    // A link may preselect the operation (e.g. `/apply?operation_type=change`).
    let mut form = query.into_inner();
    form.key = uuid::Uuid::new_v4().simple().to_string();
    if form.validity_years.is_empty() {
        form.validity_years = "1".into();
    }
    page(&state, &form, &FieldErrors::new(), StatusCode::OK, None)
}

pub async fn submit(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    form: web::Form<ApplyForm>,
) -> Result<HttpResponse, WebError> {
    let per_hour = state.settings.intake.applications_per_hour_per_address;
    let bucket = format!("apply:{}", crate::web::client::client_ip(&req));
    if !crate::db::rate_limit::hit(&state.db, &bucket, 3600, per_hour).await? {
        let notice = format!("提交过于频繁（每小时最多{per_hour}份申请），请稍后再试");
        return page(
            &state,
            &form,
            &FieldErrors::new(),
            StatusCode::TOO_MANY_REQUESTS,
            Some(("application.rate_limited", &notice)),
        );
    }
    match create(&state.db, &form, Creator::Public).await {
        Ok(created) => {
            if !created.already {
                tracing::info!(application = created.application.id, order = %created.application.order_number, "application started");
            }
            let token = token_for(&state, created.application.id).await?;
            Ok(see_other(&format!("/o/{token}")))
        }
        Err(ApplyError::Invalid(errors)) => {
            page(&state, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY, None)
        }
        Err(ApplyError::KeyConflict) => {
            // Never a link to the application the key made: the form comes back as typed, with
            // a new key, so a deliberate second application is one more click.
            let mut form = form.into_inner();
            form.key = uuid::Uuid::new_v4().simple().to_string();
            page(
                &state,
                &form,
                &FieldErrors::new(),
                StatusCode::CONFLICT,
                Some((ApplyError::CONFLICT_CODE, ApplyError::CONFLICT_ZH)),
            )
        }
        Err(ApplyError::Db(e)) => Err(e.into()),
    }
}
