//! Everything the case page shows, gathered in one place: the application with its personal
//! data masked (unless revealed), the required-documents checklist with every attempt of each
//! document and its check report, the reason catalogue, and the case's audit trail.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::claim::live_assignee;
use super::history::{self, DecisionTexts, HistoryEntry, Names};
use super::queue::staff_names;
use super::{ApplicationState, ReviewError};
use crate::config::ReviewSettings;
use crate::domain::{CertificateType, DocumentKind, OperationType, mask, mask_keeping};
use crate::entities::{
    application, audit_event, check_report, decision_reason, document, organisation, rejection_reason,
    review_decision,
};

#[derive(Debug, Serialize)]
pub struct Person {
    pub name: String,
    pub id_number: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub document_id: i32,
    pub attempt: i32,
    pub status: String,
    pub uploaded_at: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub verdict: Option<String>,
    /// The stored check report (the pipeline's JSON contract), numbers masked unless revealed.
    pub report: Option<serde_json::Value>,
    /// Reasons a reviewer gave when this attempt was sent back.
    pub reasons: Vec<String>,
    /// Catalogue reasons the automated findings point to (the reviewer decides).
    pub suggested: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Slot {
    pub kind: &'static str,
    pub label: &'static str,
    /// The pipeline's kind, which decides which reasons apply.
    pub check_kind: &'static str,
    /// Newest first; empty when nothing was uploaded.
    pub attempts: Vec<Attempt>,
}

#[derive(Debug, Serialize)]
pub struct TrailEntry {
    pub at: String,
    pub who: String,
    pub action: String,
    pub detail: serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct CaseView {
    pub id: i32,
    pub order_number: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub operation: &'static str,
    pub certificate_type: &'static str,
    pub validity_years: i32,
    pub company_name: String,
    pub company_uscc: String,
    pub organisation_phone: String,
    pub legal_rep: Person,
    pub operator: Person,
    pub operator_mobile: String,
    pub operator_email: String,
    pub mailing_address: String,
    pub resubmissions: i32,
    pub due_at_ms: Option<i64>,
    pub version: i32,
    pub assignee_id: Option<i32>,
    pub assignee: Option<String>,
    /// When the live claim lapses unless its holder acts (ms since the epoch).
    pub claim_expires_ms: Option<i64>,
    pub revealed: bool,
    pub slots: Vec<Slot>,
    /// The raw audit events (the JSON API's).
    pub trail: Vec<TrailEntry>,
    /// The same in words, Beijing time, views folded (the case page's).
    pub history: Vec<HistoryEntry>,
}

fn id_shown(value: &str, revealed: bool) -> String {
    if revealed { value.to_string() } else { mask(value, 4, 4) }
}

/// At most this many differing characters are shown unmasked: a typo is one or two; a number
/// that differs in more places is another person's, and needs a reveal.
const SHOWN_DIFFERENCES: usize = 4;

/// Masks the ID numbers a stored report carries (read and typed values), except where the
/// two differ (up to [`SHOWN_DIFFERENCES`] places), so a mismatch is judged without a reveal.
/// The credit code is public (the licence prints it) and stays whole.
fn mask_report(mut report: serde_json::Value, revealed: bool) -> serde_json::Value {
    if revealed {
        return report;
    }
    if let Some(fields) = report.pointer_mut("/checks/number/fields").and_then(|f| f.as_array_mut()) {
        for f in fields {
            if f.get("field").and_then(|v| v.as_str()) == Some("uscc") {
                continue;
            }
            let differs: Vec<usize> = f
                .get("differs_at")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|p| p.as_u64()).map(|p| p as usize).collect())
                .unwrap_or_default();
            let keep = if differs.len() <= SHOWN_DIFFERENCES { differs } else { Vec::new() };
            for key in ["read", "expected"] {
                if let Some(v) = f.get(key).and_then(|v| v.as_str()).map(|s| mask_keeping(s, 4, 4, &keep)) {
                    f[key] = serde_json::Value::String(v);
                }
            }
        }
    }
    report
}

pub async fn load(
    db: &impl ConnectionTrait,
    app_id: i32,
    revealed: bool,
    policy: &ReviewSettings,
) -> Result<CaseView, ReviewError> {
    let app = application::Entity::find_by_id(app_id).one(db).await?.ok_or(ReviewError::NotFound(app_id))?;
    let org = organisation::Entity::find_by_id(app.organisation_id).one(db).await?;
    let state: ApplicationState = app.state.parse()?;
    let op: OperationType = app.operation_type.parse()?;
    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(app_id))
        .order_by_desc(document::Column::Attempt)
        .all(db)
        .await?;
    let doc_ids: Vec<i32> = docs.iter().map(|d| d.id).collect();
    let reports: HashMap<i32, check_report::Model> = check_report::Entity::find()
        .filter(check_report::Column::DocumentId.is_in(doc_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.document_id, r))
        .collect();
    let reasons = document_reasons(db, &doc_ids).await?;

    let mut kinds: Vec<DocumentKind> = op.required_documents().to_vec();
    for d in &docs {
        if let Ok(k) = d.kind.parse::<DocumentKind>()
            && !kinds.contains(&k)
        {
            kinds.push(k);
        }
    }
    let slots = kinds
        .into_iter()
        .map(|kind| Slot {
            kind: kind.as_str(),
            label: kind.label_zh(),
            check_kind: crate::pipeline::DocKind::from(kind).as_str(),
            attempts: docs
                .iter()
                .filter(|d| d.kind == kind.as_str())
                .map(|d| {
                    let report = reports.get(&d.id);
                    Attempt {
                        document_id: d.id,
                        attempt: d.attempt,
                        status: d.status.clone(),
                        uploaded_at: d.uploaded_at.to_rfc3339(),
                        width: d.width_px,
                        height: d.height_px,
                        verdict: report.map(|r| r.verdict.clone()),
                        report: report.map(|r| mask_report(r.report.clone(), revealed)),
                        reasons: reasons.get(&d.id).cloned().unwrap_or_default(),
                        suggested: report.map(|r| suggested_reasons(&r.report)).unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();

    let events = audit_event::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(audit_event::Column::ApplicationId.eq(app_id))
                .add(audit_event::Column::DocumentId.is_in(doc_ids)),
        )
        .order_by_asc(audit_event::Column::At)
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await?;
    let live = live_assignee(&app, policy);
    let claim_expires_ms = super::claim::expires_at_ms(&app, policy);
    let reassigned_to = events.iter().filter_map(|e| e.detail["to"].as_i64()).map(|id| id as i32);
    let names =
        staff_names(db, events.iter().filter_map(|e| e.actor_id).chain(live).chain(reassigned_to)).await?;
    let reason_texts: HashMap<String, String> =
        rejection_reason::Entity::find().all(db).await?.into_iter().map(|r| (r.code, r.text_zh)).collect();
    let decisions: DecisionTexts = review_decision::Entity::find()
        .filter(review_decision::Column::ApplicationId.eq(app_id))
        .filter(review_decision::Column::DocumentId.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|d| (i64::from(d.id), (d.comment_applicant, d.note_internal, d.override_note)))
        .collect();
    let history =
        history::history(&events, &Names { staff: &names, reasons: &reason_texts, decisions: &decisions });
    let trail = events
        .into_iter()
        .map(|e| TrailEntry {
            at: e.at.to_rfc3339(),
            who: match (e.actor_type.as_str(), e.actor_id) {
                ("staff", Some(id)) => names.get(&id).cloned().unwrap_or_else(|| format!("staff #{id}")),
                ("applicant", _) => "申请人".into(),
                _ => "系统".into(),
            },
            action: e.action,
            detail: e.detail,
        })
        .collect();

    Ok(CaseView {
        id: app.id,
        order_number: app.order_number,
        state: state.as_str(),
        state_label: state.label_zh(),
        operation: op.label_zh(),
        certificate_type: app.certificate_type.parse::<CertificateType>()?.label_zh(),
        validity_years: app.validity_years,
        company_name: app.company_name,
        company_uscc: app.company_uscc,
        organisation_phone: org.map(|o| mask(&o.contact_phone, 3, 4)).unwrap_or_default(),
        legal_rep: Person {
            name: app.legal_rep_name,
            id_number: id_shown(&app.legal_rep_id_number, revealed),
        },
        operator: Person { name: app.operator_name, id_number: id_shown(&app.operator_id_number, revealed) },
        operator_mobile: if revealed { app.operator_mobile } else { mask(&app.operator_mobile, 3, 4) },
        operator_email: app.operator_email,
        mailing_address: app.mailing_address,
        resubmissions: app.resubmissions,
        due_at_ms: app.due_at_ms,
        version: app.version,
        assignee_id: live,
        assignee: live.and_then(|id| names.get(&id).cloned()),
        claim_expires_ms,
        revealed,
        slots,
        trail,
        history,
    })
}

/// The catalogue reasons that a report's failed findings point to.
pub fn suggested_reasons(report: &serde_json::Value) -> Vec<String> {
    let Some(checks) = report.get("checks").and_then(|c| c.as_object()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, f) in checks {
        let status = f.get("status").and_then(|s| s.as_str()).unwrap_or("");
        let code = match (name.as_str(), status) {
            ("format", "fail") => "document.wrong_type",
            ("resolution", "fail") => "image.low_resolution",
            ("skew", "fail") => "image.skewed",
            ("clarity", "fail") => "image.blurry",
            ("exposure", "fail") => "image.dark",
            ("colour", "fail") => "image.grayscale",
            ("seal", "fail") if f.get("count").and_then(|c| c.as_u64()) == Some(0) => "seal.missing",
            ("seal", "fail") => "seal.unclear",
            // Warnings that point at the wrong seal or company suggest their reasons too.
            ("seal", "warn") if f.get("code").and_then(|c| c.as_str()) == Some("seal.other_name") => {
                "seal.not_company"
            }
            ("seal", "warn") if f.get("code").and_then(|c| c.as_str()) == Some("seal.not_official") => {
                "seal.contract"
            }
            ("company_name", "warn" | "fail") => "application.name_mismatch",
            ("seal_boxes", "fail") => {
                let boxes = f.get("boxes").and_then(|b| b.as_array()).cloned().unwrap_or_default();
                if boxes.iter().any(|b| b.get("touches_line").and_then(|t| t.as_bool()) == Some(true)) {
                    "seal.touches_line"
                } else {
                    "seal.count"
                }
            }
            ("number", _) => {
                let outcomes: Vec<&str> = f
                    .get("fields")
                    .and_then(|x| x.as_array())
                    .map(|a| a.iter().filter_map(|x| x.get("outcome").and_then(|o| o.as_str())).collect())
                    .unwrap_or_default();
                if outcomes.contains(&"mismatch") {
                    "number.mismatch"
                } else if outcomes.contains(&"unreadable") {
                    "number.unreadable"
                } else {
                    continue;
                }
            }
            _ => continue,
        };
        if !out.iter().any(|c| c == code) {
            out.push(code.to_string());
        }
    }
    out
}

/// The reasons of the newest "resubmit" decision on each document.
async fn document_reasons(
    db: &impl ConnectionTrait,
    doc_ids: &[i32],
) -> Result<HashMap<i32, Vec<String>>, DbErr> {
    let decisions = review_decision::Entity::find()
        .filter(review_decision::Column::DocumentId.is_in(doc_ids.to_vec()))
        .filter(review_decision::Column::Outcome.eq("resubmit"))
        .all(db)
        .await?;
    let by_id: HashMap<i32, i32> = decisions.iter().filter_map(|d| Some((d.id, d.document_id?))).collect();
    let rows = decision_reason::Entity::find()
        .filter(decision_reason::Column::DecisionId.is_in(by_id.keys().copied().collect::<Vec<_>>()))
        .all(db)
        .await?;
    let mut out: HashMap<i32, Vec<String>> = HashMap::new();
    for r in rows {
        if let Some(doc) = by_id.get(&r.decision_id) {
            out.entry(*doc).or_default().push(r.reason_code);
        }
    }
    Ok(out)
}

/// The active reasons, catalogue order.
pub async fn catalogue(db: &impl ConnectionTrait) -> Result<Vec<rejection_reason::Model>, DbErr> {
    rejection_reason::Entity::find()
        .filter(rejection_reason::Column::Active.eq(true))
        .order_by_asc(rejection_reason::Column::SortOrder)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_findings_suggest_their_catalogue_reasons() {
        let report = serde_json::json!({ "checks": {
            "clarity": { "status": "fail" },
            "skew": { "status": "warn" },
            "seal_boxes": { "status": "fail", "boxes": [{ "touches_line": true }] },
            "number": { "status": "fail", "fields": [{ "outcome": "mismatch" }] },
        }});
        let mut got = suggested_reasons(&report);
        got.sort();
        assert_eq!(got, ["image.blurry", "number.mismatch", "seal.touches_line"]);
    }

    #[test]
    fn masked_reports_hide_numbers_unless_revealed() {
        let report = serde_json::json!({ "checks": { "number": { "fields": [
            { "read": "11010519491231002X", "expected": "11010519491231003X" }
        ]}}});
        let masked = mask_report(report.clone(), false);
        assert_eq!(masked.pointer("/checks/number/fields/0/read").unwrap(), "1101**********002X");
        assert_eq!(mask_report(report.clone(), true), report);
    }

    #[test]
    fn a_mismatch_shows_the_differing_characters_and_the_credit_code_whole() {
        let report = serde_json::json!({ "checks": { "number": { "fields": [
            { "field": "id_number", "read": "11010519491231002X", "expected": "11010519491831002X",
              "differs_at": [12] },
            { "field": "uscc", "read": "91500000MA5U1234XP", "expected": "91500000MA5U1235XP",
              "differs_at": [16] },
            { "field": "operator_id", "read": "11010519491231002X", "expected": "50010119800101123X",
              "differs_at": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17] }
        ]}}});
        let masked = mask_report(report, false);
        let at =
            |i: usize, k: &str| masked.pointer(&format!("/checks/number/fields/{i}/{k}")).unwrap().clone();
        assert_eq!(at(0, "read"), "1101*******2**002X");
        assert_eq!(at(0, "expected"), "1101*******8**002X");
        assert_eq!(at(1, "read"), "91500000MA5U1234XP");
        // Another person's number entirely: nothing more shown than the usual mask.
        assert_eq!(at(2, "read"), "1101**********002X");
        assert_eq!(at(2, "expected"), "5001**********123X");
    }
}
