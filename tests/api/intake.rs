//! Uploads are stored blob-first: a broken upload leaves no row and no file.

use bytes::Bytes;
use futures_util::stream;
use sea_orm::{EntityTrait, PaginatorTrait};
use sealdesk::domain::DocumentKind;
use sealdesk::entities::document;
use sealdesk::intake::{IntakeError, NewUpload, store_document};
use sealdesk::storage::{BlobStore, ByteStream, LocalBlobStore};

use crate::helpers::TestDb;
use crate::staff::new_application;

fn upload(app: i32) -> NewUpload<'static> {
    NewUpload {
        application_id: app,
        kind: DocumentKind::BusinessLicense,
        original_name: "营业执照.jpg",
        media_type: "image/jpeg",
        limit_bytes: 1 << 20,
        max_attempts: 3,
    }
}

fn files(dir: &std::path::Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_interrupted_upload_leaves_no_row_and_no_file() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let blobs = LocalBlobStore::open(db.dir.path().join("blobs")).unwrap();
    let app = new_application(&conn, "new").await;

    let broken: ByteStream<'static> = Box::pin(stream::iter(vec![
        Ok(Bytes::from_static(b"\xff\xd8\xff\xe0 first half of a JPEG")),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "client went away")),
    ]));
    let err = store_document(&conn, &blobs, upload(app.id), broken).await.unwrap_err();
    assert_eq!(err.code(), "upload.interrupted");
    assert_eq!(err.message_zh(), "上传中断，请重新上传");
    assert_eq!(document::Entity::find().count(&conn).await.unwrap(), 0);
    assert_eq!(files(&db.dir.path().join("blobs")), 0, "no partial file may remain");

    // The applicant tries again and it works: attempt 1, blob present with the same bytes.
    let body = b"\xff\xd8\xff\xe0 a whole JPEG".to_vec();
    let good: ByteStream<'static> = Box::pin(stream::iter(vec![Ok(Bytes::from(body.clone()))]));
    let doc = store_document(&conn, &blobs, upload(app.id), good).await.unwrap();
    assert_eq!(doc.attempt, 1);
    let key = sealdesk::storage::BlobKey::parse(&doc.blob_key).unwrap();
    assert_eq!(blobs.get(&key).await.unwrap(), Bytes::from(body));
}

#[tokio::test]
async fn re_uploads_become_numbered_attempts_and_unknown_applications_are_refused() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let blobs = LocalBlobStore::open(db.dir.path().join("blobs")).unwrap();
    let app = new_application(&conn, "new").await;
    for (i, body) in [&b"scan one"[..], &b"scan two"[..]].iter().enumerate() {
        let s: ByteStream<'static> = Box::pin(stream::iter(vec![Ok(Bytes::copy_from_slice(body))]));
        assert_eq!(store_document(&conn, &blobs, upload(app.id), s).await.unwrap().attempt, i as i32 + 1);
    }
    let s: ByteStream<'static> = Box::pin(stream::iter(vec![Ok(Bytes::from_static(b"x"))]));
    let err = store_document(&conn, &blobs, upload(app.id + 999), s).await.unwrap_err();
    assert!(matches!(err, IntakeError::ApplicationNotFound(_)));
}

/// A stamped 200-dpi business-licence copy (1654×2339) carrying the credit code `uscc` and the
/// company name `company`.
pub fn licence_jpeg(uscc: &str, company: &str) -> Vec<u8> {
    let fonts = sealdesk::fixtures::Fonts::system().expect("fonts installed");
    let (page, _) = sealdesk::fixtures::documents::licence_copy(&fonts, 200, (uscc, company), true, 1);
    sealdesk::fixtures::degrade::jpeg(&page, 88)
}

#[tokio::test]
async fn an_uploaded_scan_is_checked_by_a_worker_and_its_report_stored() {
    use sea_orm::{ColumnTrait, QueryFilter};
    use sealdesk::entities::{audit_event, check_report};

    let app = crate::helpers::spawn_app().await;
    let conn = app.test_db.connect().await;
    let blobs = LocalBlobStore::open(app.test_db.dir.path().join("blobs")).unwrap();
    let application = new_application(&conn, "new").await;
    let scan = licence_jpeg(&application.company_uscc, &application.company_name);
    let body: ByteStream<'static> = Box::pin(stream::iter(vec![Ok(Bytes::from(scan))]));
    let doc = store_document(&conn, &blobs, upload(application.id), body).await.unwrap();

    let find = || check_report::Entity::find().filter(check_report::Column::DocumentId.eq(doc.id)).one(&conn);
    crate::helpers::eventually(std::time::Duration::from_secs(60), "check report stored", || async {
        find().await.unwrap().is_some()
    })
    .await;
    let report = find().await.unwrap().unwrap();
    assert_eq!(report.verdict, "pass", "{}", report.report);
    assert_eq!(report.report["checks"]["format"]["media_type"], "image/jpeg");
    assert!((report.report["checks"]["resolution"]["dpi"].as_f64().unwrap() - 200.0).abs() < 1.0);
    assert_eq!(report.report["checks"]["colour"]["is_colour"], true);
    // The credit code was read from the scan and matched against the application's.
    let number = &report.report["checks"]["number"];
    assert_eq!(number["status"], "pass", "{number}");
    assert_eq!(number["fields"][0]["outcome"], "match");
    assert_eq!(number["fields"][0]["read"], application.company_uscc.as_str());
    let name = &report.report["checks"]["company_name"];
    assert_eq!(
        (&name["status"], &name["read"]),
        (&"pass".into(), &application.company_name.as_str().into()),
        "{name}"
    );
    let stored = document::Entity::find_by_id(doc.id).one(&conn).await.unwrap().unwrap();
    assert_eq!((stored.width_px, stored.height_px), (Some(1654), Some(2339)));
    let checked = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("document.checked"))
        .filter(audit_event::Column::DocumentId.eq(doc.id))
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(checked.len(), 1);
    app.stop().await;
}

/// Issue 20, finding 3: a refused upload's cleanup deleted the blob a concurrent upload of the
/// same bytes had stored but not yet recorded. Now only the lease sweep deletes blobs; here it
/// runs with no grace at all, racing each upload of the very bytes it would delete, and no row
/// may ever point at a missing blob (an upload that loses the race is refused, not recorded).
#[tokio::test]
async fn a_sweep_racing_an_upload_of_the_same_bytes_never_leaves_a_row_without_its_blob() {
    use sealdesk::storage::{BlobKey, leases};
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let blobs = LocalBlobStore::open(db.dir.path().join("blobs")).unwrap();
    let app = new_application(&conn, "new").await;
    let mut recorded = 0;
    let mut refused = 0;
    for i in 0..40u32 {
        let bytes = Bytes::from(format!("\u{ff}scan {}", i / 2).into_bytes());
        // The refused twin: stored, leased, never recorded.
        let twin: ByteStream<'static> = Box::pin(stream::iter(vec![Ok(bytes.clone())]));
        let stored = blobs.put(twin, 1 << 20).await.unwrap();
        leases::touch(&conn, &stored.key).await.unwrap();
        let body: ByteStream<'static> = Box::pin(stream::iter(vec![Ok(bytes)]));
        let (taken, swept) = tokio::join!(
            store_document(&conn, &blobs, upload(app.id), body),
            leases::sweep(&conn, &blobs, std::time::Duration::ZERO, 10),
        );
        swept.unwrap();
        match taken {
            Ok(_) => recorded += 1,
            Err(e) => {
                assert_eq!(e.code(), "storage.not_found", "{e}");
                refused += 1;
            }
        }
    }
    for doc in document::Entity::find().all(&conn).await.unwrap() {
        let key = BlobKey::parse(&doc.blob_key).unwrap();
        assert!(blobs.exists(&key).await.unwrap(), "document {} points at a deleted blob", doc.id);
    }
    assert_eq!(recorded + refused, 40);
    assert!(recorded > 0, "uploads still go through");
    eprintln!("lease race: {recorded} recorded, {refused} refused as storage.not_found");

    // Referenced blobs survive any sweep; unreferenced ones go once their lease is old.
    let orphan: ByteStream<'static> = Box::pin(stream::iter(vec![Ok(Bytes::from_static(b"orphan"))]));
    let orphan = blobs.put(orphan, 1 << 20).await.unwrap();
    leases::touch(&conn, &orphan.key).await.unwrap();
    let fresh = leases::sweep(&conn, &blobs, std::time::Duration::from_secs(3600), 100).await.unwrap();
    assert_eq!(fresh.deleted, 0, "within the grace period nothing goes");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    leases::sweep(&conn, &blobs, std::time::Duration::ZERO, 100).await.unwrap();
    assert!(!blobs.exists(&orphan.key).await.unwrap());
    for doc in document::Entity::find().all(&conn).await.unwrap() {
        assert!(blobs.exists(&BlobKey::parse(&doc.blob_key).unwrap()).await.unwrap());
    }
}

/// Two check jobs of one application finishing at once: each writes its report and asks
/// whether the checks are done. On PostgreSQL (read committed) both counted one report short
/// and the case stayed in `checking` for good (seen as an intermittent CI timeout). The second
/// now waits for the first's lock on the application and sees its report.
#[tokio::test]
async fn the_last_two_check_reports_committed_at_once_still_move_the_case_to_the_queue() {
    use sea_orm::{ActiveModelTrait, Set};
    use sealdesk::entities::{application, check_report};
    let test_db = TestDb::new().await;
    let conn = test_db.connect().await;
    let blobs = LocalBlobStore::open(test_db.dir.path().join("blobs")).unwrap();
    let app = new_application(&conn, "new").await;
    let mut docs = Vec::new();
    for (kind, scan) in [(DocumentKind::BusinessLicense, "a"), (DocumentKind::SealSample, "b")] {
        let s: ByteStream<'static> = Box::pin(stream::iter(vec![Ok(Bytes::from(format!("scan {scan}")))]));
        docs.push(store_document(&conn, &blobs, NewUpload { kind, ..upload(app.id) }, s).await.unwrap().id);
    }
    // Keep only these two as the application's documents, submitted and being checked.
    let mut am: application::ActiveModel = app.clone().into();
    am.state = Set("checking".into());
    am.update(&conn).await.unwrap();
    let policy = test_db.settings().review;
    let report = |doc: i32| check_report::ActiveModel {
        document_id: Set(doc),
        verdict: Set("pass".into()),
        report: Set(serde_json::json!({ "checks": {} })),
        pipeline_version: Set("test".into()),
        elapsed_ms: Set(1.0),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    };
    let first = sealdesk::db::begin_write(&conn).await.unwrap();
    report(docs[0]).insert(&first).await.unwrap();
    sealdesk::review::checks_done::after_document_checked(&first, app.id, &policy).await.unwrap();
    let second = {
        let (conn, policy, doc, id) = (conn.clone(), policy.clone(), docs[1], app.id);
        tokio::spawn(async move {
            let txn = sealdesk::db::begin_write(&conn).await.unwrap();
            report(doc).insert(&txn).await.unwrap();
            sealdesk::review::checks_done::after_document_checked(&txn, id, &policy).await.unwrap();
            txn.commit().await.unwrap();
        })
    };
    // The second job has (on PostgreSQL) counted its reports by now unless it waits.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    first.commit().await.unwrap();
    second.await.unwrap();
    let stored = application::Entity::find_by_id(app.id).one(&conn).await.unwrap().unwrap();
    assert_eq!(stored.state, "in_review", "the case reached the queue");
}
