use sea_orm::{EntityTrait, PaginatorTrait};
use sealdesk::entities::{application, audit_event};
use sealdesk::review::ApplicationState;

use crate::helpers::TestDb;

#[tokio::test]
async fn demo_fills_every_state_once_and_a_second_load_changes_nothing() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let msg = sealdesk::demo::load(&conn).await.unwrap();
    assert!(msg.starts_with("demo data loaded"), "{msg}");
    let apps = application::Entity::find().all(&conn).await.unwrap();
    for s in ApplicationState::ALL {
        assert!(apps.iter().any(|a| a.state == s.as_str()), "no demo application in {s}");
    }
    let audits = audit_event::Entity::find().count(&conn).await.unwrap();
    assert!(audits > apps.len() as u64, "states must be reached through audited transitions");

    assert_eq!(sealdesk::demo::load(&conn).await.unwrap(), "demo data already loaded");
    assert_eq!(application::Entity::find().count(&conn).await.unwrap(), apps.len() as u64);
}
