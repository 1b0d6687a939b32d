//! `GET /`: the service's front page, applications counted per lifecycle state.

use actix_web::{HttpResponse, web};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{EntityTrait, FromQueryResult, QuerySelect};
use serde::Serialize;

use super::AppState;
use crate::entities::application;
use crate::review::ApplicationState;

#[derive(Debug, FromQueryResult)]
struct StateCount {
    state: String,
    n: i64,
}

#[derive(Serialize)]
struct Row {
    state: &'static str,
    label: &'static str,
    count: i64,
}

pub async fn home(state: web::Data<AppState>) -> actix_web::Result<HttpResponse> {
    let counts = application::Entity::find()
        .select_only()
        .column(application::Column::State)
        .column_as(Expr::col(application::Column::Id).count(), "n")
        .group_by(application::Column::State)
        .into_model::<StateCount>()
        .all(&state.db)
        .await
        .map_err(actix_web::error::ErrorInternalServerError)?;
    let rows: Vec<Row> = ApplicationState::ALL
        .iter()
        .map(|s| Row {
            state: s.as_str(),
            label: s.label_zh(),
            count: counts.iter().find(|c| c.state == s.as_str()).map_or(0, |c| c.n),
        })
        .collect();
    let total: i64 = rows.iter().map(|r| r.count).sum();
    let html = state
        .templates
        .render("home.html", minijinja::context! { rows, total })
        .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}
