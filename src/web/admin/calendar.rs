//! `GET /admin/calendar` lists the working-day exceptions the review SLA counts with (public
//! holidays, make-up working days); `POST /admin/calendar` sets one day; `POST
//! /admin/calendar/{day}/delete` removes one. Admins enter each year's State Council schedule
//! here when it is published. Audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, QueryOrder, Set};
use serde::Deserialize;

use crate::auth::Staff;
use crate::entities::calendar_day;
use crate::web::auth::logout::CsrfForm;
use crate::web::auth::{Admin, check_csrf};
use crate::web::{AppState, WebError, render_status};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DayForm {
    csrf: Option<String>,
    day: String,
    kind: String,
    note: String,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let days = calendar_day::Entity::find().order_by_asc(calendar_day::Column::Day).all(&state.db).await?;
    let today =
        chrono::Utc::now().with_timezone(&crate::review::calendar::beijing()).date_naive().to_string();
    render_status(
        state,
        status,
        "admin_calendar.html",
        minijinja::context! { staff, csrf => &staff.csrf_token, days, today, error },
    )
}

pub async fn list(state: web::Data<AppState>, Admin(staff): Admin) -> Result<HttpResponse, WebError> {
    page(&state, &staff, StatusCode::OK, None).await
}

pub async fn set(
    state: web::Data<AppState>,
    Admin(staff): Admin,
    form: web::Form<DayForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let Ok(day) = NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d") else {
        return page(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("日期格式应为 YYYY-MM-DD".into()),
        )
        .await;
    };
    if !["holiday", "workday"].contains(&form.kind.as_str()) {
        return page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some("请选择放假或调休上班".into()))
            .await;
    }
    let row = calendar_day::ActiveModel {
        day: Set(day.to_string()),
        kind: Set(form.kind.clone()),
        note: Set(form.note.trim().chars().take(50).collect()),
    };
    calendar_day::Entity::insert(row)
        .on_conflict(
            OnConflict::column(calendar_day::Column::Day)
                .update_columns([calendar_day::Column::Kind, calendar_day::Column::Note])
                .to_owned(),
        )
        .exec(&state.db)
        .await?;
    let detail = serde_json::json!({ "day": day.to_string(), "kind": form.kind });
    super::audited(&state, &staff, "calendar.set", detail, "/admin/calendar").await
}

pub async fn delete(
    state: web::Data<AppState>,
    Admin(staff): Admin,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let day = path.into_inner();
    calendar_day::Entity::delete_by_id(day.clone()).exec(&state.db).await?;
    super::audited(&state, &staff, "calendar.deleted", serde_json::json!({ "day": day }), "/admin/calendar")
        .await
}
