//! Entity for `notifications` (schema in migrations/). Behaviour lives in the modules that own it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: Option<i32>,
    pub channel: String,
    pub recipient: String,
    pub template: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// The text as sent (SMS body; e-mail subject and plain part), for staff to see.
    pub rendered: Option<String>,
    /// Which transport delivered it (`log`, `smtp`, `webhook`, `aliyun`).
    pub provider: Option<String>,
    /// The transport's receipt (SMTP Message-ID, the SMS gateway's BizId).
    pub provider_ref: Option<String>,
    pub sent_at_ms: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
