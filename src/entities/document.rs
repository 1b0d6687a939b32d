//! Entity for `documents` (schema in migrations/). Behaviour lives in the modules that own it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    pub kind: String,
    pub attempt: i32,
    pub blob_key: String,
    pub sha256: String,
    pub media_type: String,
    pub bytes: i64,
    pub width_px: Option<i32>,
    pub height_px: Option<i32>,
    pub original_name: String,
    pub status: String,
    pub uploaded_at: DateTimeUtc,
    /// 64-bit difference hash of the upright page (as i64), set when the upload was inspected.
    pub phash: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
