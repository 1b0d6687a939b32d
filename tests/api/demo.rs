use sea_orm::{EntityTrait, PaginatorTrait};
use sealdesk::entities::{application, audit_event, document, job};
use sealdesk::review::ApplicationState;

use crate::helpers::TestDb;

#[tokio::test]
async fn demo_fills_every_state_once_and_a_second_load_changes_nothing() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let blobs = sealdesk::storage::LocalBlobStore::open(db.dir.path().join("blobs")).unwrap();
    let settings = db.settings();
    let msg = sealdesk::demo::load(&conn, &blobs, &settings, "demo-password-1").await.unwrap();
    assert!(msg.starts_with("demo data loaded"), "{msg}");
    let apps = application::Entity::find().all(&conn).await.unwrap();
    for s in ApplicationState::ALL {
        assert!(apps.iter().any(|a| a.state == s.as_str()), "no demo application in {s}");
    }
    let audits = audit_event::Entity::find().count(&conn).await.unwrap();
    assert!(audits > apps.len() as u64, "states must be reached through audited transitions");

    // Queued cases carry generated scans, with their check jobs waiting; staff can sign in.
    let docs = document::Entity::find().count(&conn).await.unwrap();
    assert_eq!(docs, 5 + 5 + 2, "two new-certificate cases and a PIN unlock");
    assert_eq!(job::Entity::find().count(&conn).await.unwrap(), docs);
    let admin = sealdesk::auth::accounts::find(&conn, "admin").await.unwrap().unwrap();
    assert!(sealdesk::auth::password::verify_blocking("demo-password-1", &admin.password_hash));

    let again = sealdesk::demo::load(&conn, &blobs, &settings, "demo-password-1").await.unwrap();
    assert_eq!(again, "demo data already loaded");
    assert_eq!(application::Entity::find().count(&conn).await.unwrap(), apps.len() as u64);
}
