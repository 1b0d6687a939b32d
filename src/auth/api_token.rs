//! Bearer tokens for the JSON API (`Authorization: Bearer sdk_…`): issued per staff member from
//! the command line, shown once, stored as SHA-256, revocable. A token acts with its owner's
//! role; it carries no cookie, so API calls need no CSRF token.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::session::now_ms;
use super::{Staff, random_token, token_hash};
use crate::entities::{api_token, staff_user};

pub const PREFIX: &str = "sdk_";

/// Issues a token for `staff_id`; the only time its value is known.
pub async fn issue(db: &impl ConnectionTrait, staff_id: i32, name: &str) -> Result<String, DbErr> {
    let token = format!("{PREFIX}{}", random_token());
    api_token::ActiveModel {
        staff_id: Set(staff_id),
        name: Set(name.chars().take(100).collect()),
        token_hash: Set(token_hash(&token)),
        created_at_ms: Set(now_ms()),
        last_used_ms: Set(None),
        revoked: Set(false),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The active staff member a live token belongs to.
pub async fn lookup(db: &impl ConnectionTrait, token: &str) -> Result<Option<Staff>, DbErr> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let hash = token_hash(token);
    let Some(row) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash))
        .filter(api_token::Column::Revoked.eq(false))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(staff) = staff_user::Entity::find_by_id(row.staff_id)
        .one(db)
        .await?
        .and_then(|u| Staff::from_user(u, String::new()))
    else {
        return Ok(None);
    };
    let now = now_ms();
    if row.last_used_ms.is_none_or(|t| now - t > 60_000) {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedMs, Expr::value(now))
            .filter(api_token::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(Some(staff))
}

/// Revokes every token of one account.
pub async fn revoke_all_for(db: &impl ConnectionTrait, staff_id: i32) -> Result<u64, DbErr> {
    let res = api_token::Entity::update_many()
        .col_expr(api_token::Column::Revoked, Expr::value(true))
        .filter(api_token::Column::StaffId.eq(staff_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}
