//! Where a resubmitted case goes when its checks are done: back to the reviewer who returned
//! it, if they are on duty (active, and seen in the back-office within the claim window), as
//! a claim that lapses like any other if they do not take it up; else to the queue. The
//! documents they accepted last round stay accepted (`document.status`), so the case page shows
//! them as 上次已通过 and the reviewer judges only what is new.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::config::ReviewSettings;
use crate::entities::{review_decision, staff_session, staff_user};

/// The reviewer who returned `app_id` last, if they are on duty now.
pub async fn returning_reviewer_on_duty(
    db: &impl ConnectionTrait,
    app_id: i32,
    now: chrono::DateTime<chrono::Utc>,
    policy: &ReviewSettings,
) -> Result<Option<i32>, DbErr> {
    let last = review_decision::Entity::find()
        .filter(review_decision::Column::ApplicationId.eq(app_id))
        .filter(review_decision::Column::DocumentId.is_null())
        .order_by_desc(review_decision::Column::Id)
        .one(db)
        .await?;
    let Some(reviewer) = last.filter(|d| d.outcome == "return").and_then(|d| d.reviewer_id) else {
        return Ok(None);
    };
    let active = staff_user::Entity::find_by_id(reviewer).one(db).await?.is_some_and(|u| u.active);
    if !active {
        return Ok(None);
    }
    let seen_since = super::queue::claim_cutoff(policy.claim_idle_mins).timestamp_millis();
    let on_duty = staff_session::Entity::find()
        .filter(staff_session::Column::StaffId.eq(reviewer))
        .filter(staff_session::Column::ExpiresAtMs.gt(now.timestamp_millis()))
        .filter(staff_session::Column::LastSeenMs.gte(seen_since))
        .one(db)
        .await?
        .is_some();
    Ok(on_duty.then_some(reviewer))
}
