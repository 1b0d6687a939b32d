//! Uploads are stored blob-first: a broken upload leaves no row and no file.

use bytes::Bytes;
use futures_util::stream;
use sea_orm::{EntityTrait, PaginatorTrait};
use sealdesk::domain::DocumentKind;
use sealdesk::entities::document;
use sealdesk::intake::{IntakeError, NewUpload, store_document};
use sealdesk::storage::{BlobStore, ByteStream, LocalBlobStore};

use crate::helpers::TestDb;
use crate::lifecycle::new_application;

fn upload(app: i32) -> NewUpload<'static> {
    NewUpload {
        application_id: app,
        kind: DocumentKind::BusinessLicense,
        original_name: "营业执照.jpg",
        media_type: "image/jpeg",
        limit_bytes: 1 << 20,
    }
}

fn files(dir: &std::path::Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .flat_map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        vec![e.path()]
                    }
                })
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
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "client went away",
        )),
    ]));
    let err = store_document(&conn, &blobs, upload(app.id), broken)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "upload.interrupted");
    assert_eq!(err.message_zh(), "上传中断，请重新上传");
    assert_eq!(document::Entity::find().count(&conn).await.unwrap(), 0);
    assert_eq!(
        files(&db.dir.path().join("blobs")),
        0,
        "no partial file may remain"
    );

    // The applicant tries again and it works: attempt 1, blob present with the same bytes.
    let body = b"\xff\xd8\xff\xe0 a whole JPEG".to_vec();
    let good: ByteStream<'static> = Box::pin(stream::iter(vec![Ok(Bytes::from(body.clone()))]));
    let doc = store_document(&conn, &blobs, upload(app.id), good)
        .await
        .unwrap();
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
        assert_eq!(
            store_document(&conn, &blobs, upload(app.id), s)
                .await
                .unwrap()
                .attempt,
            i as i32 + 1
        );
    }
    let s: ByteStream<'static> = Box::pin(stream::iter(vec![Ok(Bytes::from_static(b"x"))]));
    let err = store_document(&conn, &blobs, upload(app.id + 999), s)
        .await
        .unwrap_err();
    assert!(matches!(err, IntakeError::ApplicationNotFound(_)));
}
