//! The audit trail: who did what to which application, and when. Written in the same
//! transaction as the change it records, so the trail and the data never disagree.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::entities::audit_event;

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Staff(i32),
    Applicant,
    System,
}

impl Actor {
    fn parts(self) -> (&'static str, Option<i32>) {
        match self {
            Self::Staff(id) => ("staff", Some(id)),
            Self::Applicant => ("applicant", None),
            Self::System => ("system", None),
        }
    }
}

/// One event to record; `detail` must never carry a full ID number, phone or name.
pub struct Entry<'a> {
    pub actor: Actor,
    pub action: &'a str,
    pub application_id: Option<i32>,
    pub document_id: Option<i32>,
    pub detail: serde_json::Value,
}

impl<'a> Entry<'a> {
    /// A staff member's action, on an application or on the back-office itself.
    pub fn by_staff(
        staff_id: i32,
        action: &'a str,
        application_id: Option<i32>,
        detail: serde_json::Value,
    ) -> Self {
        Self { actor: Actor::Staff(staff_id), action, application_id, document_id: None, detail }
    }
}

pub async fn record(db: &impl ConnectionTrait, entry: Entry<'_>) -> Result<audit_event::Model, DbErr> {
    let (actor_type, actor_id) = entry.actor.parts();
    audit_event::ActiveModel {
        at: Set(chrono::Utc::now()),
        actor_type: Set(actor_type.into()),
        actor_id: Set(actor_id),
        action: Set(entry.action.into()),
        application_id: Set(entry.application_id),
        document_id: Set(entry.document_id),
        detail: Set(entry.detail),
        ..Default::default()
    }
    .insert(db)
    .await
}
