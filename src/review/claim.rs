//! Who works a case: one assignee at a time. Claiming, "next case", release and reassignment
//! are version-guarded updates (two reviewers clicking at once cannot both win), each audited.
//! A claim whose holder has not acted for `review.claim_idle_mins` lapses.

use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::queue::{claim_active, claim_cutoff};
use super::{ApplicationState, ReviewError};
use crate::audit;
use crate::auth::{Role, Staff};
use crate::config::ReviewSettings;
use crate::db::begin_write;
use crate::entities::application;

#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("case {0} is not waiting for review")]
    NotInReview(i32),
    #[error("case is claimed by {0}")]
    TakenBy(String),
    #[error("only the assignee or a supervisor may do this")]
    NotAssignee,
    #[error("no active staff member {0}")]
    NoSuchReviewer(i32),
    #[error("the queue is empty")]
    QueueEmpty,
    #[error(transparent)]
    Review(#[from] ReviewError),
}

impl From<sea_orm::DbErr> for ClaimError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Review(ReviewError::Db(e))
    }
}

impl ClaimError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotInReview(_) => "case.not_in_review",
            Self::TakenBy(_) => "case.claimed_by_other",
            Self::NotAssignee => "case.not_assignee",
            Self::NoSuchReviewer(_) => "case.no_such_reviewer",
            Self::QueueEmpty => "queue.empty",
            Self::Review(e) => e.code(),
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::NotInReview(_) => "该申请当前不在待审核状态".into(),
            Self::TakenBy(name) => format!("该申请已由{name}领取"),
            Self::NotAssignee => "只有领取人或审核主管可以操作".into(),
            Self::NoSuchReviewer(_) => "改派对象不存在、已停用或不是审核人员".into(),
            Self::QueueEmpty => "队列中暂无待领取的申请".into(),
            Self::Review(e) => e.message_zh(),
        }
    }
}

/// Whether `app` is claimed by someone right now (not lapsed).
pub fn live_assignee(app: &application::Model, policy: &ReviewSettings) -> Option<i32> {
    let cutoff = claim_cutoff(policy.claim_idle_mins);
    app.assignee_id.filter(|_| app.claimed_at.is_some_and(|t| t > cutoff))
}

/// When the live claim on `app` lapses unless its holder acts (ms since the epoch).
pub fn expires_at_ms(app: &application::Model, policy: &ReviewSettings) -> Option<i64> {
    live_assignee(app, policy)
        .and(app.claimed_at)
        .map(|t| t.timestamp_millis() + policy.claim_idle_mins as i64 * 60_000)
}

/// Where a claim stands, for the case page's heartbeat: whether `staff` still holds it, until
/// when, and otherwise who does (`None`: the case is free, or no longer in review).
#[derive(Debug, serde::Serialize)]
pub struct Standing {
    pub held: bool,
    pub expires_at_ms: Option<i64>,
    pub holder: Option<String>,
    pub in_review: bool,
    pub now_ms: i64,
}

/// The holder is still at the case (the page sends this while they use it): renews a live
/// claim, never revives a lapsed one or takes one over, and says where it stands.
pub async fn heartbeat(
    db: &DatabaseConnection,
    app_id: i32,
    staff: &Staff,
    policy: &ReviewSettings,
) -> Result<Standing, ClaimError> {
    touch(db, app_id, staff.id, policy).await?;
    let app = load(db, app_id).await?;
    let in_review = app.state == ApplicationState::InReview.as_str();
    let live = live_assignee(&app, policy).filter(|_| in_review);
    let holder = match live {
        Some(id) if id != staff.id => {
            let names = super::queue::staff_names(db, std::iter::once(id)).await?;
            Some(names.get(&id).cloned().unwrap_or_else(|| "其他审核员".into()))
        }
        _ => None,
    };
    Ok(Standing {
        held: live == Some(staff.id),
        expires_at_ms: expires_at_ms(&app, policy).filter(|_| live == Some(staff.id)),
        holder,
        in_review,
        now_ms: chrono::Utc::now().timestamp_millis(),
    })
}

async fn load(db: &impl ConnectionTrait, id: i32) -> Result<application::Model, ClaimError> {
    application::Entity::find_by_id(id).one(db).await?.ok_or(ClaimError::Review(ReviewError::NotFound(id)))
}

/// Sets the assignee (or clears it) if the row is still at `version`.
async fn set_assignee(
    db: &impl ConnectionTrait,
    app: &application::Model,
    assignee: Option<i32>,
) -> Result<(), ClaimError> {
    let now = chrono::Utc::now();
    let res = application::Entity::update_many()
        .col_expr(application::Column::AssigneeId, Expr::value(assignee))
        .col_expr(application::Column::ClaimedAt, Expr::value(assignee.map(|_| now)))
        .col_expr(application::Column::Version, Expr::value(app.version + 1))
        .col_expr(application::Column::UpdatedAt, Expr::value(now))
        .filter(application::Column::Id.eq(app.id))
        .filter(application::Column::Version.eq(app.version))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(ReviewError::Conflict(app.id).into());
    }
    Ok(())
}

async fn record(
    db: &impl ConnectionTrait,
    staff: &Staff,
    action: &str,
    app_id: i32,
    detail: serde_json::Value,
) -> Result<(), ClaimError> {
    audit::record(db, audit::Entry::by_staff(staff.id, action, Some(app_id), detail)).await?;
    Ok(())
}

/// Takes a case for `staff`: free, lapsed or already theirs.
pub async fn claim(
    db: &DatabaseConnection,
    app_id: i32,
    staff: &Staff,
    policy: &ReviewSettings,
) -> Result<application::Model, ClaimError> {
    let txn = begin_write(db).await?;
    let app = load(&txn, app_id).await?;
    if app.state != ApplicationState::InReview.as_str() {
        return Err(ClaimError::NotInReview(app_id));
    }
    match live_assignee(&app, policy) {
        Some(id) if id == staff.id => {}
        Some(id) => {
            let names = super::queue::staff_names(&txn, std::iter::once(id)).await?;
            return Err(ClaimError::TakenBy(names.get(&id).cloned().unwrap_or_else(|| "其他审核员".into())));
        }
        None => {
            set_assignee(&txn, &app, Some(staff.id)).await?;
            let lapsed_from = app.assignee_id.filter(|id| *id != staff.id);
            record(&txn, staff, "case.claimed", app_id, serde_json::json!({ "lapsed_from": lapsed_from }))
                .await?;
        }
    }
    let app = load(&txn, app_id).await?;
    txn.commit().await?;
    Ok(app)
}

/// The case `staff` should work next: the one they already hold, else the most urgent free
/// one, claimed for them. On PostgreSQL rows another node is claiming are skipped, not waited on.
pub async fn next_case(
    db: &DatabaseConnection,
    staff: &Staff,
    policy: &ReviewSettings,
) -> Result<application::Model, ClaimError> {
    let cutoff = claim_cutoff(policy.claim_idle_mins);
    let in_review = application::Column::State.eq(ApplicationState::InReview.as_str());
    let held = application::Entity::find()
        .filter(in_review.clone())
        .filter(claim_active(cutoff).add(application::Column::AssigneeId.eq(staff.id)))
        .order_by_asc(application::Column::DueAtMs)
        .one(db)
        .await?;
    if let Some(app) = held {
        return Ok(app);
    }
    for _ in 0..5 {
        let txn = begin_write(db).await?;
        let mut q = application::Entity::find()
            .filter(in_review.clone())
            .filter(claim_active(cutoff).not())
            .order_by_asc(application::Column::DueAtMs)
            .order_by_asc(application::Column::Id);
        if db.get_database_backend() == DbBackend::Postgres {
            q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let Some(app) = q.one(&txn).await? else {
            return Err(ClaimError::QueueEmpty);
        };
        match set_assignee(&txn, &app, Some(staff.id)).await {
            Ok(()) => {
                record(&txn, staff, "case.claimed", app.id, serde_json::json!({ "via": "next" })).await?;
                let app = load(&txn, app.id).await?;
                txn.commit().await?;
                return Ok(app);
            }
            Err(ClaimError::Review(ReviewError::Conflict(_))) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ReviewError::Conflict(0).into())
}

/// Gives a case back to the queue: its assignee, or a supervisor.
pub async fn release(
    db: &DatabaseConnection,
    app_id: i32,
    staff: &Staff,
    policy: &ReviewSettings,
) -> Result<(), ClaimError> {
    let txn = begin_write(db).await?;
    let app = load(&txn, app_id).await?;
    let holder = live_assignee(&app, policy);
    if holder != Some(staff.id) && !staff.can(Role::Supervisor) {
        return Err(ClaimError::NotAssignee);
    }
    set_assignee(&txn, &app, None).await?;
    record(&txn, staff, "case.released", app_id, serde_json::json!({ "from": holder })).await?;
    txn.commit().await?;
    Ok(())
}

/// A supervisor hands a case to another reviewer.
pub async fn reassign(
    db: &DatabaseConnection,
    app_id: i32,
    to: i32,
    staff: &Staff,
) -> Result<(), ClaimError> {
    if !staff.can(Role::Supervisor) {
        return Err(ClaimError::NotAssignee);
    }
    let txn = begin_write(db).await?;
    let app = load(&txn, app_id).await?;
    if app.state != ApplicationState::InReview.as_str() {
        return Err(ClaimError::NotInReview(app_id));
    }
    let target = crate::entities::staff_user::Entity::find_by_id(to).one(&txn).await?;
    // Only someone who can review: never the platform's integration account.
    let reviews = |u: &crate::entities::staff_user::Model| {
        u.active && u.role.parse::<Role>().is_ok_and(|r| r.includes(Role::Reviewer))
    };
    if !target.as_ref().is_some_and(reviews) {
        return Err(ClaimError::NoSuchReviewer(to));
    }
    set_assignee(&txn, &app, Some(to)).await?;
    record(&txn, staff, "case.reassigned", app_id, serde_json::json!({ "from": app.assignee_id, "to": to }))
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The assignee is active on the case: keeps the claim from lapsing (no version bump: this is
/// not a change anyone could conflict with).
pub async fn touch(
    db: &impl ConnectionTrait,
    app_id: i32,
    staff_id: i32,
    policy: &ReviewSettings,
) -> Result<(), sea_orm::DbErr> {
    application::Entity::update_many()
        .col_expr(application::Column::ClaimedAt, Expr::value(chrono::Utc::now()))
        .filter(application::Column::Id.eq(app_id))
        .filter(application::Column::AssigneeId.eq(staff_id))
        .filter(application::Column::ClaimedAt.gt(claim_cutoff(policy.claim_idle_mins)))
        .exec(db)
        .await?;
    Ok(())
}
