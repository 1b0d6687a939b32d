//! Entity for `notification_templates` (schema in migrations/): admins' edits of the message
//! templates compiled into the binary. Behaviour lives in `notify/templates.rs`.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "notification_templates")]
pub struct Model {
    /// `decision.return.sms`, `decision.return.email_subject`, …
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub source: String,
    pub updated_at_ms: i64,
    pub updated_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
