//! Issue 23: accepting a document whose automated checks failed needs the reviewer's reason,
//! through the form and the JSON API alike; the reason is kept with the decision and in the
//! audit, and supervisors see it.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sealdesk::auth::Role;
use sealdesk::domain::OperationType;
use sealdesk::entities::{application, audit_event, document, review_decision};
use sealdesk::fixtures::case::Problems;

use crate::helpers::spawn_app;
use crate::reviewer_api::api_for;
use crate::staff::{add_staff, case_in_review, location, login};

#[tokio::test]
async fn approving_over_a_failed_check_needs_a_reason_that_supervisors_see() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let api = api_for(&app, "liu", Role::Reviewer).await;
    let case =
        case_in_review(&app, OperationType::New, Problems { blurred_licence: true, ..Default::default() })
            .await;
    assert!(case.failing_checks.contains(",clarity,"), "{}", case.failing_checks);
    let s = login(&app, "liu").await;
    assert_eq!(s.post(&format!("/cases/{}/claim", case.id), &[]).await.status(), 303);
    let page = s.get(&format!("/cases/{}", case.id)).await.text().await.unwrap();
    assert!(page.contains("自动检查未通过：通过须在下方填写接受理由"), "the failing document says so");
    assert!(page.contains("name=\"override_note\""));

    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(case.id))
        .all(&conn)
        .await
        .unwrap();
    let mut form: Vec<(String, String)> = vec![
        ("outcome".into(), "approve".into()),
        ("key".into(), "override-key-0001".into()),
        ("note_internal".into(), "复核".into()),
    ];
    form.extend(docs.iter().map(|d| (format!("doc_{}", d.id), "accept".to_string())));
    let post = |form: Vec<(String, String)>| {
        let s = &s;
        let path = format!("/cases/{}/decision", case.id);
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            s.post(&path, &pairs).await
        }
    };

    // Without a reason, and with one that says nothing: refused, naming the document and the
    // check, the form kept.
    for note in ["", " 好 "] {
        let mut f = form.clone();
        f.push(("override_note".into(), note.into()));
        let refused = post(f).await;
        assert_eq!(refused.status(), 422);
        let body = refused.text().await.unwrap();
        assert!(body.contains("以下材料的自动检查未通过：营业执照副本复印件（清晰度）"), "{body}");
        assert!(body.contains("复核"), "the internal note is still there");
    }
    // The JSON API refuses it with a stable code.
    let accepted: Vec<_> =
        docs.iter().map(|d| serde_json::json!({ "document_id": d.id, "accept": true })).collect();
    let path = format!("/cases/{}/decision", case.id);
    let body = serde_json::json!({ "outcome": "approve", "documents": accepted, "idempotency_key": "override-api-01" });
    let (status, answer) = api.post(&path, body).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("decision.override_note_required")));
    let unchanged = application::Entity::find_by_id(case.id).one(&conn).await.unwrap().unwrap();
    assert_eq!(unchanged.state, "in_review");

    let mut f = form.clone();
    f.push(("override_note".into(), "原件已核对，执照号码清楚可辨".into()));
    let done = post(f).await;
    assert_eq!(
        (done.status().as_u16(), location(&done)),
        (303, format!("/queue?done={}", case.order_number))
    );

    let main = review_decision::Entity::find()
        .filter(review_decision::Column::ApplicationId.eq(case.id))
        .filter(review_decision::Column::DocumentId.is_null())
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (main.outcome.as_str(), main.override_note.as_str()),
        ("approve", "原件已核对，执照号码清楚可辨")
    );
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::ApplicationId.eq(case.id))
        .filter(audit_event::Column::Action.eq("case.decided"))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.detail["override"]["note"], "原件已核对，执照号码清楚可辨");
    assert_eq!(event.detail["override"]["documents"][0]["kind"], "business_license");
    assert_eq!(event.detail["override"]["documents"][0]["checks"][0], "clarity");

    add_staff(&conn, "zhou", Role::Supervisor).await;
    let figures = login(&app, "zhou").await.get("/supervisor?days=7").await.text().await.unwrap();
    assert!(figures.contains("越过自动检查的决定"), "{figures}");
    assert!(
        figures.contains(&case.order_number) && figures.contains("原件已核对，执照号码清楚可辨"),
        "{figures}"
    );
    assert!(figures.contains("营业执照副本复印件（清晰度）"));
    app.stop().await;
}
