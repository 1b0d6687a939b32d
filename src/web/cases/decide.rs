//! `POST /cases/{id}/decision`: the decision form. Fields: `outcome`, per document
//! `doc_{id}` (`accept` | `resubmit`) with `doc_{id}_reason` codes, application `reason`
//! codes, `comment_applicant`, `note_internal`, `override_note` (required to accept a document
//! over a failed check), `reclaim=1` (claim the case again first: the reviewer's claim lapsed
//! while they filled the form in), the form's idempotency `key` and `csrf`.
//! A refused decision shows the case again with the form as it was and the reason why.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::show::{Page, Submitted, render_case};
use sea_orm::EntityTrait;

use crate::auth::Staff;
use crate::entities::application;
use crate::review::claim;
use crate::review::decide::{self, DecideError, Decided, Decision, DocumentVerdict, Outcome};
use crate::web::auth::{Reviewer, check_csrf};
use crate::web::{AppState, WebError};

fn parse(pairs: &[(String, String)]) -> (Submitted, Option<String>) {
    let mut s = Submitted::default();
    let mut csrf = None;
    for (k, v) in pairs {
        match k.as_str() {
            "csrf" => csrf = Some(v.clone()),
            "key" => s.key = v.clone(),
            "outcome" => s.outcome = v.clone(),
            "reason" => s.reasons.push(v.clone()),
            "comment_applicant" => s.comment_applicant = v.clone(),
            "note_internal" => s.note_internal = v.clone(),
            "override_note" => s.override_note = v.clone(),
            "reclaim" => s.reclaim = v == "1",
            _ => {
                if let Some(rest) = k.strip_prefix("doc_") {
                    match rest.strip_suffix("_reason") {
                        Some(id) => s.document_reasons.entry(id.to_string()).or_default().push(v.clone()),
                        None => {
                            s.documents.insert(rest.to_string(), v.clone());
                        }
                    }
                }
            }
        }
    }
    (s, csrf)
}

fn decision(s: &Submitted) -> Result<Decision, WebError> {
    let outcome = match s.outcome.as_str() {
        "approve" => Outcome::Approve,
        "return" => Outcome::Return,
        "reject" => Outcome::Reject,
        _ => return Err(WebError::BadRequest("outcome".into())),
    };
    let mut documents = Vec::new();
    for (id, verdict) in &s.documents {
        let document_id = id.parse().map_err(|_| WebError::BadRequest("document id".into()))?;
        documents.push(DocumentVerdict {
            document_id,
            accept: verdict == "accept",
            reasons: s.document_reasons.get(id).cloned().unwrap_or_default(),
        });
    }
    Ok(Decision {
        outcome,
        documents,
        reasons: s.reasons.clone(),
        comment_applicant: s.comment_applicant.chars().take(1000).collect(),
        note_internal: s.note_internal.chars().take(2000).collect(),
        override_note: s.override_note.chars().take(1000).collect(),
        idempotency_key: s.key.clone(),
    })
}

/// The reviewer asked to claim the case again before deciding (their claim had lapsed and the
/// case was free when the form came back): claimed now, or refused if someone else took it.
async fn reclaim(state: &AppState, app_id: i32, staff: &Staff, asked: bool) -> Result<(), WebError> {
    if asked {
        claim::claim(&state.db, app_id, staff, &state.settings.review).await?;
    }
    Ok(())
}

pub async fn decide(
    state: web::Data<AppState>,
    Reviewer(staff): Reviewer,
    path: web::Path<i32>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let app_id = path.into_inner();
    let (submitted, csrf) = parse(&form);
    check_csrf(&staff, csrf.as_deref())?;
    let policy = &state.settings.review;
    let outcome = match decision(&submitted) {
        Ok(d) => match reclaim(&state, app_id, &staff, submitted.reclaim).await {
            Ok(()) => decide::decide(&state.db, app_id, &staff, &d, policy).await.map_err(WebError::from),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match outcome {
        Ok(Decided::Done(app) | Decided::AlreadyDone(app)) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/queue?done={}", app.order_number)))
            .finish()),
        Err(e @ (WebError::Decide(_) | WebError::Claim(_) | WebError::BadRequest(_)))
            if e.code() != "internal" =>
        {
            let status = actix_web::ResponseError::status_code(&e);
            let lapsed = matches!(e, WebError::Decide(DecideError::NotAssignee))
                && application::Entity::find_by_id(app_id)
                    .one(&state.db)
                    .await?
                    .is_some_and(|a| a.assignee_id == Some(staff.id));
            let error = Some(if lapsed {
                format!(
                    "您对该申请的领取已因 {} 分钟无操作而失效，结论未提交；填写的内容已保留在下方。",
                    policy.claim_idle_mins
                )
            } else {
                e.message_zh()
            });
            render_case(
                &state,
                Page { staff: &staff, app_id, revealed: false, error, submitted: Some(submitted), status },
            )
            .await
        }
        Err(e) => Err(e),
    }
}
