//! Entity for `lookup_codes` (schema in migrations/): one-time SMS codes of the order lookup.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lookup_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    pub code_hash: String,
    pub salt: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub failed_attempts: i32,
    pub used_at_ms: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
