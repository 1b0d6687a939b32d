//! `GET /lookup`, `POST /lookup`, `POST /lookup/verify`: find an order again (订单查询) by its
//! order number and the mobile it was made with, confirmed by a one-time code sent by SMS
//! through the configured SMS provider. The answer to the first step is the same whether or not
//! the two matched, so the form tells no one which orders exist.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{see_other, token_for};
use crate::audit::{self, Actor};
use crate::db::rate_limit;
use crate::intake::lookup::{LookupError, find, issue, redeem};
use crate::notify::mask_recipient;
use crate::notify::templates::SmsText;
use crate::notify::transport::{Body, Outgoing};
use crate::web::{AppState, WebError, render_status};

#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct LookupForm {
    pub order_number: String,
    pub mobile: String,
    pub code: String,
}

fn page(
    state: &AppState,
    form: &LookupForm,
    step: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let ctx = minijinja::context! {
        staff => (), applicant => true, form, step, error,
        valid_mins => state.settings.intake.lookup_code_valid_mins,
    };
    render_status(state, status, "lookup.html", ctx)
}

pub async fn form(
    state: web::Data<AppState>,
    query: web::Query<LookupForm>,
) -> Result<HttpResponse, WebError> {
    // The printed forms' QR code opens this page with the order number filled in.
    let form =
        LookupForm { order_number: query.order_number.chars().take(32).collect(), ..Default::default() };
    page(&state, &form, "start", None, StatusCode::OK)
}

pub async fn send_code(
    state: web::Data<AppState>,
    form: web::Form<LookupForm>,
) -> Result<HttpResponse, WebError> {
    let app = match find(&state.db, &form.order_number, &form.mobile).await? {
        Ok(app) => app,
        Err(e) => {
            return page(&state, &form, "start", Some(e.message_zh()), StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    // The send limits are counted per order number typed, matched or not, in one atomic step
    // each: the answer (and its timing) tells no one whether the order and mobile matched, and
    // parallel sends cannot slip two codes past the limit.
    let s = &state.settings.intake;
    let order = form.order_number.trim();
    let resend = u64::from(s.lookup_code_resend_secs);
    let within = (resend == 0 || rate_limit::hit(&state.db, &format!("lookup:{order}"), resend, 1).await?)
        && rate_limit::hit(&state.db, &format!("lookup-hour:{order}"), 3600, s.lookup_codes_per_hour).await?;
    if !within {
        let e = LookupError::TooSoon { wait_secs: resend as i64 };
        return page(&state, &form, "code", Some(e.message_zh()), StatusCode::TOO_MANY_REQUESTS);
    }
    if let Some(app) = app {
        match issue(&state.db, app.id, &state.settings.intake).await? {
            Ok((id, code)) => {
                let sign = &state.settings.notify.sms.sign_name;
                let valid = state.settings.intake.lookup_code_valid_mins;
                let text = SmsText(format!(
                    "【{sign}】您的订单查询验证码为{code}，{valid}分钟内有效。如非本人操作，请忽略本短信。"
                ));
                let key = format!("lookup:{id}");
                let params = serde_json::json!({ "code": code });
                let msg = Outgoing {
                    to: &app.operator_mobile,
                    idempotency_key: &key,
                    template: "lookup.code",
                    body: Body::Sms { text: &text, params: &params },
                };
                // The applicant is waiting on this page: sent now, not through the outbox.
                if let Err(e) = state.sms.send(&msg).await {
                    tracing::warn!(application = app.id, to = %mask_recipient(&app.operator_mobile), error = %e, "lookup code not sent");
                    let m = "验证码短信发送失败，请稍后重试".to_string();
                    return page(&state, &form, "start", Some(m), StatusCode::SERVICE_UNAVAILABLE);
                }
                let detail = serde_json::json!({ "to": mask_recipient(&app.operator_mobile) });
                audit::record(
                    &state.db,
                    audit::Entry {
                        actor: Actor::Applicant,
                        action: "applicant.lookup_code_sent",
                        application_id: Some(app.id),
                        document_id: None,
                        detail,
                    },
                )
                .await?;
            }
            Err(e @ LookupError::TooSoon { .. }) => {
                return page(&state, &form, "code", Some(e.message_zh()), StatusCode::TOO_MANY_REQUESTS);
            }
            Err(e) => {
                return page(&state, &form, "start", Some(e.message_zh()), StatusCode::UNPROCESSABLE_ENTITY);
            }
        }
    }
    page(&state, &form, "code", None, StatusCode::OK)
}

pub async fn verify(
    state: web::Data<AppState>,
    form: web::Form<LookupForm>,
) -> Result<HttpResponse, WebError> {
    let wrong = || LookupError::WrongCode.message_zh();
    let app = match find(&state.db, &form.order_number, &form.mobile).await? {
        Ok(Some(app)) => app,
        Ok(None) => return page(&state, &form, "code", Some(wrong()), StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => {
            return page(&state, &form, "start", Some(e.message_zh()), StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    if let Err(e) = redeem(&state.db, app.id, &form.code, &state.settings.intake).await? {
        return page(&state, &form, "code", Some(e.message_zh()), StatusCode::UNPROCESSABLE_ENTITY);
    }
    audit::record(
        &state.db,
        audit::Entry {
            actor: Actor::Applicant,
            action: "applicant.lookup_verified",
            application_id: Some(app.id),
            document_id: None,
            detail: serde_json::json!({}),
        },
    )
    .await?;
    let token = token_for(&state, app.id).await?;
    Ok(see_other(&format!("/o/{token}")))
}
