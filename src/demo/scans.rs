//! Scans for the demo cases that wait in the queue: drawn by the fixture generator from each
//! application's typed data, some with defects the checks catch, uploaded and submitted through
//! the same services the applicant pages use.

use sea_orm::DatabaseConnection;

use crate::audit::Actor;
use crate::config::Settings;
use crate::db::begin_write;
use crate::domain::OperationType;
use crate::entities::application;
use crate::fixtures::case::{Problems, scans};
use crate::fixtures::form::FormData;
use crate::intake::{NewUpload, store_document};
use crate::review::checks_done::start_checks;
use crate::review::{Event, apply_event};
use crate::storage::{BlobStore, ByteStream};

/// Defects per queued demo case, in turn: a seal over the box line and a blurred licence; a
/// clean set; an ID copy without the company seal.
pub const PROBLEMS: [Problems; 3] = [
    Problems { seal_touches_line: true, blurred_licence: true, unstamped_operator_id: false },
    Problems { seal_touches_line: false, blurred_licence: false, unstamped_operator_id: false },
    Problems { seal_touches_line: false, blurred_licence: false, unstamped_operator_id: true },
];

/// Uploads the scans of `app` (drawn from its typed data, with `problems`) and submits it;
/// the check jobs take it from there into the queue.
pub async fn upload_and_submit(
    db: &DatabaseConnection,
    blobs: &dyn BlobStore,
    settings: &Settings,
    app: &application::Model,
    problems: Problems,
) -> anyhow::Result<()> {
    let fonts = crate::fixtures::Fonts::system()?;
    let op: OperationType = app.operation_type.parse()?;
    let data = FormData::from(app);
    // A few seconds of drawing, once, before the server starts: not worth a blocking thread.
    let pages = scans(&fonts, &data, op.required_documents(), problems, app.id as u64);
    for (kind, bytes) in pages {
        let name = format!("{}.jpg", kind.label_zh());
        let body: ByteStream<'static> =
            Box::pin(futures_util::stream::iter(vec![Ok(bytes::Bytes::from(bytes))]));
        let upload = NewUpload {
            application_id: app.id,
            kind,
            original_name: &name,
            media_type: "image/jpeg",
            limit_bytes: settings.checks.max_upload_bytes,
            max_attempts: settings.jobs.max_attempts,
        };
        store_document(db, blobs, upload, body).await?;
    }
    apply_event(db, app.id, Event::Submit, Actor::Applicant, &settings.review).await?;
    let txn = begin_write(db).await?;
    start_checks(&txn, app.id, Actor::System, &settings.review).await?;
    txn.commit().await?;
    Ok(())
}
