//! `GET /admin/messages` lists the message templates (SMS, e-mail subject, text and HTML of each
//! decision outcome); `GET /admin/messages/{key}` shows one with a preview over a sample
//! order; `POST /admin/messages/{key}` previews an edit (`action=preview`), saves it
//! (`action=save`: it must render for every sample and an SMS must stay within two segments)
//! or returns to the built-in text (`action=reset`). Admins only; saves and resets audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sea_orm::{EntityTrait, Set, sea_query::OnConflict};
use serde::Deserialize;

use crate::auth::Staff;
use crate::entities::notification_template;
use crate::notify::context::{MessageContext, sample_payload};
use crate::notify::templates::{self, PARTS, SMS_MAX_CHARS, TEMPLATES, TemplateSet, sms_segments};
use crate::web::auth::{Admin, check_csrf};
use crate::web::{AppState, WebError, render, render_status};

const SAMPLE_LINK: &str = "https://ca.example.cn/o/AAAAAQAAAAAbbbbbbbbbbbbbbbb";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MessageForm {
    csrf: Option<String>,
    action: String,
    source: String,
}

fn sample(template: &str, documents: usize, state: &AppState) -> MessageContext {
    MessageContext::new(
        &sample_payload(template, documents),
        &state.settings.notify,
        SAMPLE_LINK,
        "2026年12月15日",
    )
}

fn split(key: &str) -> Option<(&'static str, &'static str)> {
    let t = TEMPLATES.iter().find(|(t, _)| key.strip_prefix(t).is_some_and(|r| r.starts_with('.')))?;
    let part = PARTS.iter().find(|(p, _)| key == format!("{}.{p}", t.0))?;
    Some((t.0, part.0))
}

/// Renders `key` from `set` for the preview, and checks it as a save would: against the
/// shortest and the longest sample, and for an SMS its length.
fn check(
    set: &TemplateSet,
    key: &str,
    template: &str,
    part: &str,
    state: &AppState,
) -> Result<String, String> {
    let mut shown = String::new();
    for documents in [1, crate::domain::DocumentKind::ALL.len()] {
        let ctx = sample(template, documents, state);
        let text = if part == "sms" { set.sms(template, &ctx).map(|s| s.0) } else { set.render(key, &ctx) }
            .map_err(|e| e.message_zh())?;
        if part == "sms" && text.chars().count() > SMS_MAX_CHARS {
            return Err(format!(
                "短信过长：退回{documents}份材料时为{}字，超过{SMS_MAX_CHARS}字（两条短信）",
                text.chars().count()
            ));
        }
        if shown.is_empty() {
            shown = text;
        }
    }
    Ok(shown)
}

async fn page(
    state: &AppState,
    staff: &Staff,
    key: &str,
    source: Option<&str>,
    status: StatusCode,
    notice: Option<String>,
) -> Result<HttpResponse, WebError> {
    let (template, part) = split(key).ok_or(WebError::NotFound)?;
    let mut set = TemplateSet::load(&state.db).await?;
    let edited = notification_template::Entity::find_by_id(key.to_string()).one(&state.db).await?.is_some();
    if let Some(s) = source {
        set = set.with(key, s);
    }
    let current = set.source(key).unwrap_or_default().to_string();
    let (preview, error) = match check(&set, key, template, part, state) {
        Ok(p) => (Some(p), None),
        Err(e) => (None, Some(e)),
    };
    let segments = preview.as_deref().filter(|_| part == "sms").map(|p| (p.chars().count(), sms_segments(p)));
    render_status(
        state,
        if error.is_some() && status == StatusCode::OK && source.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            status
        },
        "admin_message.html",
        minijinja::context! {
            staff, csrf => &staff.csrf_token, key, template, part, edited, source => current, preview, error, notice,
            segments, is_html => part == "email_html", default_source => templates::default_source(key),
            part_label => PARTS.iter().find(|(p, _)| *p == part).map(|(_, l)| *l),
            template_label => TEMPLATES.iter().find(|(t, _)| *t == template).map(|(_, l)| *l),
        },
    )
}

pub async fn list(state: web::Data<AppState>, Admin(staff): Admin) -> Result<HttpResponse, WebError> {
    let edited: Vec<String> =
        notification_template::Entity::find().all(&state.db).await?.into_iter().map(|t| t.key).collect();
    let rows: Vec<_> = TEMPLATES
        .iter()
        .map(|(t, label)| {
            let parts: Vec<_> = PARTS
                .iter()
                .map(|(p, pl)| {
                    let key = format!("{t}.{p}");
                    minijinja::context! { edited => edited.contains(&key), key, label => pl }
                })
                .collect();
            minijinja::context! { template => t, label, parts }
        })
        .collect();
    render(
        &state,
        "admin_messages.html",
        minijinja::context! { staff => &staff, csrf => &staff.csrf_token, rows },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    Admin(staff): Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    page(&state, &staff, &path, None, StatusCode::OK, None).await
}

pub async fn update(
    state: web::Data<AppState>,
    Admin(staff): Admin,
    path: web::Path<String>,
    form: web::Form<MessageForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let key = path.into_inner();
    let (template, part) = split(&key).ok_or(WebError::NotFound)?;
    let location = format!("/admin/messages/{key}");
    match form.action.as_str() {
        "preview" => page(&state, &staff, &key, Some(&form.source), StatusCode::OK, None).await,
        "reset" => {
            notification_template::Entity::delete_by_id(key.clone()).exec(&state.db).await?;
            let detail = serde_json::json!({ "key": key });
            super::audited(&state, &staff, "message_template.reset", detail, &location).await
        }
        "save" => {
            let set = TemplateSet::load(&state.db).await?.with(&key, &form.source);
            if let Err(e) = check(&set, &key, template, part, &state) {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return page(&state, &staff, &key, Some(&form.source), status, Some(e)).await;
            }
            let row = notification_template::ActiveModel {
                key: Set(key.clone()),
                source: Set(form.source.clone()),
                updated_at_ms: Set(chrono::Utc::now().timestamp_millis()),
                updated_by: Set(Some(staff.id)),
            };
            use notification_template::Column as C;
            notification_template::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(C::Key)
                        .update_columns([C::Source, C::UpdatedAtMs, C::UpdatedBy])
                        .to_owned(),
                )
                .exec(&state.db)
                .await?;
            let detail = serde_json::json!({ "key": key, "chars": form.source.chars().count() });
            super::audited(&state, &staff, "message_template.saved", detail, &location).await
        }
        _ => Err(WebError::BadRequest(format!("action {:?}", form.action))),
    }
}
