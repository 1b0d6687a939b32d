//! Stored applications moving through the lifecycle: audited, refused when not allowed,
//! and never decided twice by two people at once.

use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sealdesk::audit::Actor;
use sealdesk::domain::OrderNumber;
use sealdesk::entities::{application, audit_event, organisation};
use sealdesk::review::{Event, ReviewError, apply_event};

use crate::helpers::TestDb;

pub async fn new_application(db: &DatabaseConnection, operation: &str) -> application::Model {
    let now = chrono::Utc::now();
    let org = organisation::ActiveModel {
        name: Set("重庆测试科技有限公司".into()),
        uscc: Set(format!("T{}", &uuid::Uuid::new_v4().simple().to_string()[..17])),
        legal_rep_name: Set("张伟".into()),
        contact_phone: Set("13983787460".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    application::ActiveModel {
        order_number: Set(OrderNumber::generate(now.date_naive()).as_str().into()),
        organisation_id: Set(org.id),
        operation_type: Set(operation.into()),
        certificate_type: Set("unit_seal".into()),
        validity_years: Set(1),
        delivery: Set("courier".into()),
        state: Set("draft".into()),
        company_name: Set(org.name.clone()),
        company_uscc: Set("91110000600037341L".into()),
        legal_rep_name: Set("张伟".into()),
        legal_rep_id_number: Set("11010519491231002X".into()),
        operator_name: Set("李娜".into()),
        operator_id_number: Set("360426199101010071".into()),
        operator_mobile: Set("17623094654".into()),
        operator_email: Set("ln@example.com".into()),
        mailing_address: Set("重庆市南岸区弹子石复兴街9号".into()),
        form_extra: Set(serde_json::json!({})),
        resubmissions: Set(0),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

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
        apply_event(&conn, app.id, e, Actor::System).await.unwrap();
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
    let err = apply_event(&conn, app.id, Event::Approve, Actor::Staff(1)).await.unwrap_err();
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
    apply_event(&conn, app.id, Event::Submit, Actor::Applicant).await.unwrap();
    assert!(apply_event(&conn, app.id, Event::StartChecks, Actor::System).await.is_err());
    let app = apply_event(&conn, app.id, Event::SkipChecks, Actor::System).await.unwrap();
    assert_eq!(app.state, "in_review");
}

#[tokio::test]
async fn two_reviewers_deciding_at_once_cannot_both_win() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let app = new_application(&conn, "new").await;
    for e in [Event::Submit, Event::StartChecks, Event::ChecksDone] {
        apply_event(&conn, app.id, e, Actor::System).await.unwrap();
    }
    let other = db.connect().await;
    let (a, b) = tokio::join!(
        apply_event(&conn, app.id, Event::Approve, Actor::Staff(1)),
        apply_event(&other, app.id, Event::Reject, Actor::Staff(2)),
    );
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} / {b:?}");
    let decisions: Vec<String> =
        transitions(&conn, app.id).await.into_iter().filter(|e| e == "approve" || e == "reject").collect();
    assert_eq!(decisions.len(), 1);
}
