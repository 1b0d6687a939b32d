//! Entity for `threshold_overrides` (schema in migrations/). Behaviour lives in the modules that own it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "threshold_overrides")]
pub struct Model {
    /// A `checks.*` key without the prefix, e.g. `max_skew_deg_pass`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The value as JSON (a number, a boolean or a list).
    pub value: String,
    pub updated_at_ms: i64,
    pub updated_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
