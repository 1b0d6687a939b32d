//! Submitting an application for review: a draft once every required document is uploaded, a
//! returned application once every document sent back has a new upload. Either way it goes to
//! the automated checks and from there into the queue (a resubmission is marked as one). A second
//! submit of an application already on its way (the double click) changes nothing.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::upload::sent_back;
use crate::audit::Actor;
use crate::config::ReviewSettings;
use crate::db::begin_write;
use crate::domain::{DocumentKind, OperationType};
use crate::entities::{application, document};
use crate::review::checks_done::start_checks;
use crate::review::{ApplicationState, Event, ReviewError, apply_event_in};

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("documents missing: {0:?}")]
    Missing(Vec<DocumentKind>),
    #[error("application in state {0} cannot be submitted")]
    NotSubmittable(ApplicationState),
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl SubmitError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "submit.documents_missing",
            Self::NotSubmittable(_) => "submit.not_submittable",
            Self::Review(e) => e.code(),
            Self::Db(_) => "internal",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::Missing(kinds) => {
                let names: Vec<_> = kinds.iter().map(|k| k.label_zh()).collect();
                format!("还需上传：{}", names.join("、"))
            }
            Self::NotSubmittable(s) => format!("申请当前状态为“{}”，不能提交", s.label_zh()),
            Self::Review(e) => e.message_zh(),
            Self::Db(_) => "系统内部错误，请稍后重试".into(),
        }
    }
}

/// What still has to be uploaded before `app` can be submitted.
pub fn missing(
    app: &application::Model,
    docs: &[document::Model],
) -> Result<Vec<DocumentKind>, crate::domain::UnknownValue> {
    let op: OperationType = app.operation_type.parse()?;
    let state: ApplicationState = app.state.parse()?;
    Ok(op
        .required_documents()
        .iter()
        .copied()
        .filter(|k| match state {
            ApplicationState::Returned => {
                // Sent back, and nothing uploaded since.
                sent_back(docs, *k)
                    .is_some_and(|r| !docs.iter().any(|d| d.kind == k.as_str() && d.attempt > r.attempt))
            }
            _ => !docs.iter().any(|d| d.kind == k.as_str()),
        })
        .collect())
}

/// The outcome of a submit.
pub struct Submitted {
    pub application: application::Model,
    /// It had been submitted already (nothing changed).
    pub already: bool,
}

pub async fn submit(
    db: &DatabaseConnection,
    app_id: i32,
    policy: &ReviewSettings,
) -> Result<Submitted, SubmitError> {
    let txn = begin_write(db).await?;
    let app =
        application::Entity::find_by_id(app_id).one(&txn).await?.ok_or(ReviewError::NotFound(app_id))?;
    let state: ApplicationState = app.state.parse().map_err(ReviewError::from)?;
    let event = match state {
        ApplicationState::Draft => Event::Submit,
        ApplicationState::Returned => Event::Resubmit,
        ApplicationState::Submitted
        | ApplicationState::Resubmitted
        | ApplicationState::Checking
        | ApplicationState::InReview => return Ok(Submitted { application: app, already: true }),
        s => return Err(SubmitError::NotSubmittable(s)),
    };
    let docs = document::Entity::find().filter(document::Column::ApplicationId.eq(app_id)).all(&txn).await?;
    let missing = missing(&app, &docs).map_err(ReviewError::from)?;
    if !missing.is_empty() {
        return Err(SubmitError::Missing(missing));
    }
    let op: OperationType = app.operation_type.parse().map_err(ReviewError::from)?;
    apply_event_in(&txn, app_id, event, Actor::Applicant, policy).await?;
    let app = if op.needs_documents() {
        start_checks(&txn, app_id, Actor::System, policy).await?
    } else {
        apply_event_in(&txn, app_id, Event::SkipChecks, Actor::System, policy).await?
    };
    txn.commit().await?;
    Ok(Submitted { application: app, already: false })
}
