//! `GET /admin/users` lists staff accounts; `POST /admin/users` creates one. Admins only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sea_orm::{EntityTrait, QueryOrder};
use serde::Deserialize;

use crate::audit;
use crate::auth::{Role, Staff, accounts};
use crate::entities::staff_user;
use crate::web::auth::{Admin, check_csrf};
use crate::web::{AppState, WebError, render_status};

/// Fields default to empty so that the CSRF check comes before any other complaint.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewUserForm {
    csrf: Option<String>,
    username: String,
    display_name: String,
    role: String,
    password: String,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<String>,
    created: Option<String>,
) -> Result<HttpResponse, WebError> {
    let users = staff_user::Entity::find().order_by_asc(staff_user::Column::Id).all(&state.db).await?;
    let roles: Vec<_> = Role::ALL.iter().map(|r| (r.as_str(), r.label_zh())).collect();
    render_status(
        state,
        status,
        "admin_users.html",
        minijinja::context! { staff, csrf => &staff.csrf_token, users, roles, error, created },
    )
}

pub async fn list(state: web::Data<AppState>, Admin(staff): Admin) -> Result<HttpResponse, WebError> {
    page(&state, &staff, StatusCode::OK, None, None).await
}

pub async fn create(
    state: web::Data<AppState>,
    Admin(staff): Admin,
    form: web::Form<NewUserForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let Ok(role) = form.role.parse::<Role>() else {
        return Err(WebError::BadRequest("role".into()));
    };
    let new = accounts::NewStaff {
        username: form.username.trim(),
        display_name: &form.display_name,
        role,
        password: form.password.clone(),
    };
    match accounts::add(&state.db, new).await {
        Ok(user) => {
            audit::record(
                &state.db,
                audit::Entry::by_staff(
                    staff.id,
                    "staff.created",
                    None,
                    serde_json::json!({ "user_id": user.id, "role": user.role }),
                ),
            )
            .await?;
            page(&state, &staff, StatusCode::OK, None, Some(user.username)).await
        }
        Err(e) if e.code() != "internal" => {
            page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(e.message_zh()), None).await
        }
        Err(e) => Err(anyhow::anyhow!("{e}").into()),
    }
}
