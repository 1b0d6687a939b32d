//! Entity for `decision_reasons` (schema in migrations/). Behaviour lives in the modules that own it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "decision_reasons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub decision_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub reason_code: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
