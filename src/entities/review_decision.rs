//! Entity for `review_decisions` (schema in migrations/). Behaviour lives in the modules that own it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "review_decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    pub document_id: Option<i32>,
    pub reviewer_id: Option<i32>,
    pub outcome: String,
    pub comment_applicant: String,
    pub note_internal: String,
    /// Why a document was accepted, or the case approved, over a failed automated check.
    #[sea_orm(column_type = "Text")]
    pub override_note: String,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
