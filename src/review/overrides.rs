//! Accepting a document whose automated checks failed, or approving a case with one, overrides
//! the checks: the reviewer must say why (issue 23). The note is stored with the decision, in
//! its audit event, and listed for supervisors.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::calendar::beijing;
use super::checks_done::check_label;
use crate::domain::DocumentKind;
use crate::entities::{application, audit_event, check_report, document, staff_user};

/// A note shorter than this (in characters, spaces not counted) says nothing: "好", "ok".
pub const MIN_NOTE_CHARS: usize = 4;

/// An accepted document with the checks its report failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overridden {
    pub document_id: i32,
    pub kind: DocumentKind,
    /// Report names of the failed checks (`clarity`, `number` …), in the report's order.
    pub checks: Vec<String>,
}

impl Overridden {
    /// "营业执照（清晰度、印章）".
    pub fn label_zh(&self) -> String {
        let checks: Vec<&str> = self.checks.iter().map(|c| check_label(c)).collect();
        format!("{}（{}）", self.kind.label_zh(), checks.join("、"))
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "document_id": self.document_id, "kind": self.kind.as_str(), "checks": self.checks })
    }
}

/// The failed checks in one stored report.
pub fn failed_checks(report: &serde_json::Value) -> Vec<String> {
    let checks = report.get("checks").and_then(|c| c.as_object());
    checks
        .into_iter()
        .flat_map(|c| c.iter())
        .filter(|(_, f)| f.get("status").and_then(|s| s.as_str()) == Some("fail"))
        .map(|(name, _)| name.clone())
        .collect()
}

/// Of the `accepted` documents, those whose check report has a failed check.
pub async fn overridden(
    db: &impl ConnectionTrait,
    accepted: &[(&document::Model, DocumentKind)],
) -> Result<Vec<Overridden>, DbErr> {
    let ids: Vec<i32> = accepted.iter().map(|(d, _)| d.id).collect();
    let reports: HashMap<i32, serde_json::Value> = check_report::Entity::find()
        .filter(check_report::Column::DocumentId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.document_id, r.report))
        .collect();
    Ok(accepted
        .iter()
        .filter_map(|(d, kind)| {
            let checks = failed_checks(reports.get(&d.id)?);
            (!checks.is_empty()).then_some(Overridden { document_id: d.id, kind: *kind, checks })
        })
        .collect())
}

/// Whether `note` says enough to stand for an override.
pub fn note_suffices(note: &str) -> bool {
    note.chars().filter(|c| !c.is_whitespace()).count() >= MIN_NOTE_CHARS
}

/// One decision that overrode failed checks, as the supervisor page lists it.
#[derive(Debug, Serialize)]
pub struct OverrideRow {
    /// Beijing time, "12-03 18:05".
    pub at: String,
    pub application_id: Option<i32>,
    pub order_number: String,
    pub reviewer: String,
    pub outcome: String,
    /// "营业执照副本复印件（清晰度）", one per document.
    pub documents: Vec<String>,
    pub note: String,
}

/// The newest decisions (at most `limit`) since `since` that accepted documents over failed
/// checks, read from their audit events.
pub async fn recent(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<OverrideRow>, DbErr> {
    let events: Vec<audit_event::Model> = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("case.decided"))
        .filter(audit_event::Column::At.gte(since))
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|e| e.detail.get("override").is_some_and(|o| o.is_object()))
        .take(limit as usize)
        .collect();
    let app_ids: Vec<i32> = events.iter().filter_map(|e| e.application_id).collect();
    let orders: HashMap<i32, String> = application::Entity::find()
        .filter(application::Column::Id.is_in(app_ids))
        .select_only()
        .columns([application::Column::Id, application::Column::OrderNumber])
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let staff_ids: Vec<i32> = events.iter().filter_map(|e| e.actor_id).collect();
    let names: HashMap<i32, String> = staff_user::Entity::find()
        .filter(staff_user::Column::Id.is_in(staff_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(events
        .into_iter()
        .map(|e| {
            let o = &e.detail["override"];
            let documents = o["documents"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| {
                    let kind: DocumentKind = d["kind"].as_str()?.parse().ok()?;
                    let checks = d["checks"]
                        .as_array()?
                        .iter()
                        .filter_map(|c| Some(c.as_str()?.to_string()))
                        .collect();
                    Some(
                        Overridden { document_id: d["document_id"].as_i64()? as i32, kind, checks }
                            .label_zh(),
                    )
                })
                .collect();
            OverrideRow {
                at: e.at.with_timezone(&beijing()).format("%m-%d %H:%M").to_string(),
                application_id: e.application_id,
                order_number: e.application_id.and_then(|id| orders.get(&id).cloned()).unwrap_or_default(),
                reviewer: e.actor_id.and_then(|id| names.get(&id).cloned()).unwrap_or_default(),
                outcome: match e.detail["outcome"].as_str() {
                    Some("approve") => "审核通过",
                    Some("return") => "退回修改",
                    _ => "审核不通过",
                }
                .into(),
                documents,
                note: o["note"].as_str().unwrap_or_default().to_string(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failed_checks_count_and_a_note_needs_four_characters() {
        let report = serde_json::json!({"checks": {
            "clarity": {"status": "fail"}, "skew": {"status": "warn"}, "seal": {"status": "unknown"},
            "number": {"status": "fail"}, "colour": {"status": "pass"}
        }});
        let mut got = failed_checks(&report);
        got.sort();
        assert_eq!(got, ["clarity", "number"]);
        assert!(failed_checks(&serde_json::json!({})).is_empty());
        let o = Overridden { document_id: 1, kind: DocumentKind::BusinessLicense, checks: got };
        assert_eq!(o.label_zh(), "营业执照副本复印件（清晰度、证件号码）");
        assert!(!note_suffices(" 好 的 ") && !note_suffices("") && note_suffices("原件已核对"));
    }
}
