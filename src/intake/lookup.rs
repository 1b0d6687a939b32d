//! The order lookup's one-time codes (订单查询): a code goes by SMS to the mobile the
//! application was made with, and opens the order once. Only a salted SHA-256 of the code is
//! kept; a code expires, dies after a few wrong entries, and codes per application are limited
//! per minute and per hour. Whether the order number and mobile matched is not revealed.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};

use super::IntakeSettings;
use crate::domain::{Mobile, OrderNumber};
use crate::entities::{application, lookup_code};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("too many codes")]
    TooSoon { wait_secs: i64 },
    #[error("wrong or expired code")]
    WrongCode,
    #[error("bad input: {0}")]
    BadInput(String),
}

impl LookupError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooSoon { .. } => "lookup.too_soon",
            Self::WrongCode => "lookup.wrong_code",
            Self::BadInput(_) => "lookup.bad_input",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::TooSoon { wait_secs } => format!("验证码发送过于频繁，请{wait_secs}秒后再试"),
            Self::WrongCode => "验证码错误或已过期，请重新获取".into(),
            Self::BadInput(m) => m.clone(),
        }
    }
}

fn hash(salt: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{salt}:{code}").as_bytes()))
}

/// The application an order number and mobile name together, if any.
pub async fn find(
    db: &DatabaseConnection,
    order: &str,
    mobile: &str,
) -> Result<Result<Option<application::Model>, LookupError>, DbErr> {
    let order = match OrderNumber::parse(order.trim()) {
        Ok(o) => o,
        Err(e) => return Ok(Err(LookupError::BadInput(e.message_zh()))),
    };
    let mobile = match Mobile::parse(mobile.trim()) {
        Ok(m) => m,
        Err(e) => return Ok(Err(LookupError::BadInput(e.message_zh()))),
    };
    let app = application::Entity::find()
        .filter(application::Column::OrderNumber.eq(order.as_str()))
        .filter(application::Column::OperatorMobile.eq(mobile.as_str()))
        .one(db)
        .await?;
    Ok(Ok(app))
}

/// A new code for `app_id` (to be sent by SMS), unless one was sent too recently.
pub async fn issue(
    db: &DatabaseConnection,
    app_id: i32,
    s: &IntakeSettings,
) -> Result<Result<(i32, String), LookupError>, DbErr> {
    let now = chrono::Utc::now().timestamp_millis();
    let recent = lookup_code::Entity::find()
        .filter(lookup_code::Column::ApplicationId.eq(app_id))
        .filter(lookup_code::Column::CreatedAtMs.gt(now - 3_600_000))
        .order_by_desc(lookup_code::Column::CreatedAtMs)
        .all(db)
        .await?;
    let resend_ms = i64::from(s.lookup_code_resend_secs) * 1000;
    if let Some(last) = recent.first()
        && now - last.created_at_ms < resend_ms
    {
        return Ok(Err(LookupError::TooSoon {
            wait_secs: (resend_ms - (now - last.created_at_ms)) / 1000 + 1,
        }));
    }
    if recent.len() as u32 >= s.lookup_codes_per_hour {
        let oldest = recent.last().map_or(now, |c| c.created_at_ms);
        return Ok(Err(LookupError::TooSoon { wait_secs: (oldest + 3_600_000 - now) / 1000 + 1 }));
    }
    let mut raw = [0u8; 8];
    getrandom::fill(&mut raw).map_err(|e| DbErr::Custom(format!("no random source: {e}")))?;
    let code = format!("{:06}", u64::from_le_bytes(raw) % 1_000_000);
    let salt = crate::auth::random_token()[..16].to_string();
    let row = lookup_code::ActiveModel {
        application_id: Set(app_id),
        code_hash: Set(hash(&salt, &code)),
        salt: Set(salt),
        created_at_ms: Set(now),
        expires_at_ms: Set(now + i64::from(s.lookup_code_valid_mins) * 60_000),
        failed_attempts: Set(0),
        used_at_ms: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Ok((row.id, code)))
}

/// Checks `code` against the newest live code of `app_id`; right, it is used up.
pub async fn redeem(
    db: &DatabaseConnection,
    app_id: i32,
    code: &str,
    s: &IntakeSettings,
) -> Result<Result<(), LookupError>, DbErr> {
    let now = chrono::Utc::now().timestamp_millis();
    let Some(live) = lookup_code::Entity::find()
        .filter(lookup_code::Column::ApplicationId.eq(app_id))
        .filter(lookup_code::Column::UsedAtMs.is_null())
        .filter(lookup_code::Column::ExpiresAtMs.gt(now))
        .filter(lookup_code::Column::FailedAttempts.lt(s.lookup_code_max_failures))
        .order_by_desc(lookup_code::Column::CreatedAtMs)
        .one(db)
        .await?
    else {
        return Ok(Err(LookupError::WrongCode));
    };
    if hash(&live.salt, code.trim()) != live.code_hash {
        lookup_code::Entity::update_many()
            .col_expr(
                lookup_code::Column::FailedAttempts,
                Expr::col(lookup_code::Column::FailedAttempts).add(1),
            )
            .filter(lookup_code::Column::Id.eq(live.id))
            .exec(db)
            .await?;
        return Ok(Err(LookupError::WrongCode));
    }
    // Used once: a second request with the same code finds it taken.
    let taken = lookup_code::Entity::update_many()
        .col_expr(lookup_code::Column::UsedAtMs, Expr::value(now))
        .filter(lookup_code::Column::Id.eq(live.id))
        .filter(lookup_code::Column::UsedAtMs.is_null())
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(Err(LookupError::WrongCode));
    }
    Ok(Ok(()))
}
