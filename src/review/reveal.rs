//! Who may see an applicant's unmasked ID numbers and mobile, and when. A reviewer only on a
//! case they hold (claimed and in review); a supervisor or admin on any submitted case, with a
//! written reason. Never on a draft, which no reviewer has been asked to look at. Every reveal
//! is counted against `review.max_reveals_per_hour` per staff member, and recorded (with the
//! reason) before anything is shown: a failure to record shows nothing.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::audit;
use crate::auth::{Role, Staff};
use crate::entities::{application, audit_event};
use crate::review::ApplicationState;

pub const ACTION: &str = "case.pii_revealed";

#[derive(Debug, thiserror::Error)]
pub enum RevealError {
    #[error("application {0} not found")]
    NotFound(i32),
    #[error("a draft's personal data is not revealed")]
    Draft,
    #[error("the case is not held by this reviewer")]
    NotHeld,
    #[error("a supervisor's reveal needs a reason")]
    ReasonRequired,
    #[error("reveal limit reached")]
    Limited { per_hour: u32 },
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl RevealError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "case.not_found",
            Self::Draft => "reveal.draft",
            Self::NotHeld => "reveal.not_held",
            Self::ReasonRequired => "reveal.reason_required",
            Self::Limited { .. } => "reveal.limited",
            Self::Db(_) => "internal",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::NotFound(_) => "申请不存在".into(),
            Self::Draft => "申请尚未提交，不能查看完整个人信息".into(),
            Self::NotHeld => "只有领取了此申请并正在审核的审核员才能查看完整个人信息".into(),
            Self::ReasonRequired => "请填写查看完整个人信息的原因".into(),
            Self::Limited { per_hour } => {
                format!("查看完整个人信息过于频繁（每小时最多 {per_hour} 次），请稍后再试")
            }
            Self::Db(_) => "系统内部错误，请稍后重试".into(),
        }
    }
}

/// Whether `staff` may look at an application in `state` at all (its case page, its scans): a
/// draft is the applicant's work in progress, open to supervisors (for support) only.
pub fn may_view(staff: &Staff, state: &str) -> bool {
    state != ApplicationState::Draft.as_str() || staff.can(Role::Supervisor)
}

/// Checks that `staff` may reveal application `app_id` now and records the reveal; returns the
/// application (unmasked) for the caller to show.
pub async fn reveal(
    db: &DatabaseConnection,
    staff: &Staff,
    app_id: i32,
    reason: Option<&str>,
    max_per_hour: u32,
) -> Result<application::Model, RevealError> {
    let app = application::Entity::find_by_id(app_id).one(db).await?.ok_or(RevealError::NotFound(app_id))?;
    if app.state == ApplicationState::Draft.as_str() {
        return Err(RevealError::Draft);
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let holds = app.assignee_id == Some(staff.id) && app.state == ApplicationState::InReview.as_str();
    if !holds {
        if !staff.can(Role::Supervisor) {
            return Err(RevealError::NotHeld);
        }
        if reason.is_none() {
            return Err(RevealError::ReasonRequired);
        }
    }
    let since = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    let recent = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(ACTION))
        .filter(audit_event::Column::ActorType.eq("staff"))
        .filter(audit_event::Column::ActorId.eq(staff.id))
        .filter(audit_event::Column::At.gt(since))
        .count(db)
        .await?;
    if recent >= u64::from(max_per_hour) {
        return Err(RevealError::Limited { per_hour: max_per_hour });
    }
    let detail = match reason {
        Some(r) => serde_json::json!({ "reason": r.chars().take(200).collect::<String>() }),
        None => serde_json::json!({}),
    };
    audit::record(db, audit::Entry::by_staff(staff.id, ACTION, Some(app_id), detail)).await?;
    Ok(app)
}
