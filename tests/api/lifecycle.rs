//! Stored applications moving through the lifecycle: audited, refused when not allowed,
//! and never decided twice by two people at once.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sealdesk::audit::Actor;
use sealdesk::entities::{application, audit_event};
use sealdesk::review::{Event, ReviewError, apply_event};

use crate::helpers::TestDb;
use crate::staff::new_application;

async fn transitions(db: &DatabaseConnection, app_id: i32) -> Vec<String> {
    audit_event::Entity::find()
        .filter(audit_event::Column::ApplicationId.eq(app_id))
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.detail["event"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn each_transition_is_stored_with_its_audit_event_and_timestamps() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let app = new_application(&conn, "new").await;
    for e in [Event::Submit, Event::StartChecks, Event::ChecksDone, Event::Return, Event::Resubmit] {
        apply_event(&conn, app.id, e, Actor::System, &Default::default()).await.unwrap();
    }
    let stored = application::Entity::find_by_id(app.id).one(&conn).await.unwrap().unwrap();
    assert_eq!(stored.state, "resubmitted");
    assert_eq!(stored.resubmissions, 1);
    assert_eq!(stored.version, 5);
    assert!(stored.submitted_at.is_some() && stored.queued_at.is_some() && stored.decided_at.is_some());
    assert_eq!(
        transitions(&conn, app.id).await,
        ["submit", "start_checks", "checks_done", "return", "resubmit"]
    );
}

#[tokio::test]
async fn a_refused_transition_changes_nothing_and_records_nothing() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let app = new_application(&conn, "new").await;
    let err =
        apply_event(&conn, app.id, Event::Approve, Actor::Staff(1), &Default::default()).await.unwrap_err();
    assert!(matches!(err, ReviewError::Transition(_)));
    assert_eq!(err.code(), "application.invalid_transition");
    assert_eq!(err.message_zh(), "申请当前状态为“草稿”，不能执行“审核通过”");
    let stored = application::Entity::find_by_id(app.id).one(&conn).await.unwrap().unwrap();
    assert_eq!((stored.state.as_str(), stored.version), ("draft", 0));
    assert!(transitions(&conn, app.id).await.is_empty());
}

#[tokio::test]
async fn a_still_valid_renewal_goes_to_review_without_checks() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let app = new_application(&conn, "renewal_valid").await;
    apply_event(&conn, app.id, Event::Submit, Actor::Applicant, &Default::default()).await.unwrap();
    assert!(
        apply_event(&conn, app.id, Event::StartChecks, Actor::System, &Default::default()).await.is_err()
    );
    let app =
        apply_event(&conn, app.id, Event::SkipChecks, Actor::System, &Default::default()).await.unwrap();
    assert_eq!(app.state, "in_review");
}

#[tokio::test]
async fn two_reviewers_deciding_at_once_cannot_both_win() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let app = new_application(&conn, "new").await;
    for e in [Event::Submit, Event::StartChecks, Event::ChecksDone] {
        apply_event(&conn, app.id, e, Actor::System, &Default::default()).await.unwrap();
    }
    let other = db.connect().await;
    let policy = sealdesk::config::ReviewSettings::default();
    let (a, b) = tokio::join!(
        apply_event(&conn, app.id, Event::Approve, Actor::Staff(1), &policy),
        apply_event(&other, app.id, Event::Reject, Actor::Staff(2), &policy),
    );
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} / {b:?}");
    let decisions: Vec<String> =
        transitions(&conn, app.id).await.into_iter().filter(|e| e == "approve" || e == "reject").collect();
    assert_eq!(decisions.len(), 1);
}
