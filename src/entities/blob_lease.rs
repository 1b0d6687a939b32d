//! Entity for `blob_leases` (schema in migrations/). Behaviour lives in `storage::leases`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "blob_leases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub blob_key: String,
    pub touched_at_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
