//! Entity for `applications` (schema in migrations/). Behaviour lives in the modules that own it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub order_number: String,
    pub organisation_id: i32,
    pub operation_type: String,
    pub certificate_type: String,
    pub validity_years: i32,
    pub delivery: String,
    pub state: String,
    pub company_name: String,
    pub company_uscc: String,
    pub legal_rep_name: String,
    pub legal_rep_id_number: String,
    pub operator_name: String,
    pub operator_id_number: String,
    pub operator_mobile: String,
    pub operator_email: String,
    pub operator_wechat: Option<String>,
    pub mailing_address: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub form_extra: Json,
    pub assignee_id: Option<i32>,
    pub claimed_at: Option<DateTimeUtc>,
    pub resubmissions: i32,
    pub submitted_at: Option<DateTimeUtc>,
    pub queued_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
    /// When the review is due (epoch ms), set on entering the queue.
    pub due_at_ms: Option<i64>,
    /// Checks that failed on the current documents, `,seal,clarity,` (for the queue filter).
    pub failing_checks: String,
    /// The risk findings of current documents (`,seal.other_name,number.mismatch,`).
    pub risk_flags: String,
    /// The applicant form's one-time key: a double-clicked submit creates one application.
    pub intake_key: Option<String>,
    /// Whose key it is: `public` (the web form) or `staff:<id>` (an API account).
    pub intake_scope: Option<String>,
    /// SHA-256 of the form the key created: a retry must send the same form.
    pub intake_hash: Option<String>,
    /// The integration account that created it through the API (`None`: the public form or a
    /// staff tool); such an account sees only its own applications.
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
