//! When the last current document of an application has its check report, the automated
//! checks are done: the failing checks are summarised for the queue filter and an application
//! that was `checking` moves into the queue. Runs inside the check job's transaction.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::decide::current_documents;
use super::{ApplicationState, Event, ReviewError, apply_event_in};
use crate::audit::Actor;
use crate::config::ReviewSettings;
use crate::entities::{application, check_report};

/// The checks that failed in any of `reports`, as `,seal,clarity,` (empty when none).
pub fn failing_checks<'a>(reports: impl Iterator<Item = &'a serde_json::Value>) -> String {
    let mut names: Vec<String> = Vec::new();
    for report in reports {
        if let Some(checks) = report.get("checks").and_then(|c| c.as_object()) {
            for (name, finding) in checks {
                if finding.get("status").and_then(|s| s.as_str()) == Some("fail") && !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
    }
    names.sort();
    summary(&names)
}

/// Every check by its report name, with its Chinese label (the queue's filter, the case page,
/// the supervisor's figures, an override's refusal).
pub const CHECK_LABELS: &[(&str, &str)] = &[
    ("format", "文件格式"),
    ("page", "整页拍全"),
    ("resolution", "分辨率"),
    ("orientation", "方向"),
    ("skew", "倾斜"),
    ("clarity", "清晰度"),
    ("exposure", "曝光"),
    ("colour", "彩色扫描"),
    ("seal", "印章"),
    ("seal_boxes", "印章取样框"),
    ("number", "证件号码"),
    ("company_name", "单位名称"),
];

/// The Chinese label of a check (its report name when there is none).
pub fn check_label(name: &str) -> &str {
    CHECK_LABELS.iter().find(|(k, _)| *k == name).map_or(name, |(_, l)| l)
}

/// Findings that point at fraud or the wrong company, warnings included, with the queue's
/// label for each.
pub const RISKS: &[(&str, &str)] = &[
    ("seal.other_name", "非本单位印章"),
    ("seal.not_official", "专用章"),
    ("company_name.differs", "单位名称不符"),
    ("number.mismatch", "号码不符"),
];

/// The risk findings (see [`RISKS`]) in any of `reports`, as `,number.mismatch,` (empty when
/// none).
pub fn risk_flags<'a>(reports: impl Iterator<Item = &'a serde_json::Value>) -> String {
    let mut codes: Vec<&str> = Vec::new();
    for report in reports {
        for finding in report.get("checks").and_then(|c| c.as_object()).into_iter().flat_map(|c| c.values()) {
            let code = finding.get("code").and_then(|c| c.as_str());
            if let Some((risk, _)) = RISKS.iter().find(|(r, _)| Some(*r) == code)
                && !codes.contains(risk)
            {
                codes.push(risk);
            }
        }
    }
    codes.sort_unstable();
    summary(&codes)
}

/// A summary column's value: `,a,b,` (so `LIKE '%,a,%'` finds an item), empty when none.
fn summary(items: &[impl AsRef<str>]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let joined: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!(",{},", joined.join(","))
}

pub async fn after_document_checked(
    txn: &impl ConnectionTrait,
    application_id: i32,
    policy: &ReviewSettings,
) -> Result<(), ReviewError> {
    // The application's row is locked first: two check jobs of one application finishing at
    // once must not each count the reports before the other's is committed (on PostgreSQL's
    // read committed both saw one short and the case stayed in `checking` for good). After the
    // lock, every read below sees the other job's committed report. SQLite's writers are
    // already one at a time (BEGIN IMMEDIATE) and its SQL has no FOR UPDATE.
    let Some(app) = application::Entity::find_by_id(application_id).lock_exclusive().one(txn).await? else {
        return Err(ReviewError::NotFound(application_id));
    };
    let docs = current_documents(txn, application_id).await?;
    let reports = check_report::Entity::find()
        .filter(check_report::Column::DocumentId.is_in(docs.iter().map(|d| d.id).collect::<Vec<_>>()))
        .all(txn)
        .await?;
    let summary = failing_checks(reports.iter().map(|r| &r.report));
    let risks = risk_flags(reports.iter().map(|r| &r.report));
    application::Entity::update_many()
        .col_expr(application::Column::FailingChecks, Expr::value(summary))
        .col_expr(application::Column::RiskFlags, Expr::value(risks))
        .filter(application::Column::Id.eq(application_id))
        .exec(txn)
        .await?;
    if app.state == ApplicationState::Checking.as_str() && reports.len() == docs.len() {
        apply_event_in(txn, application_id, Event::ChecksDone, Actor::System, policy).await?;
    }
    Ok(())
}

/// Sends a submitted (or resubmitted) application to the automated checks; when every current
/// document already has its report (checked while the applicant was still uploading), it goes
/// straight on to the queue.
pub async fn start_checks(
    txn: &impl ConnectionTrait,
    application_id: i32,
    actor: Actor,
    policy: &ReviewSettings,
) -> Result<application::Model, ReviewError> {
    apply_event_in(txn, application_id, Event::StartChecks, actor, policy).await?;
    after_document_checked(txn, application_id, policy).await?;
    application::Entity::find_by_id(application_id)
        .one(txn)
        .await?
        .ok_or(ReviewError::NotFound(application_id))
}

#[cfg(test)]
mod tests {
    use super::{failing_checks, risk_flags};

    #[test]
    fn risk_flags_name_the_warnings_that_point_at_the_wrong_company() {
        let a = serde_json::json!({ "checks": {
            "seal": { "status": "warn", "code": "seal.other_name" },
            "clarity": { "status": "fail", "code": "clarity.blurred" } } });
        let b = serde_json::json!({ "checks": {
            "number": { "status": "fail", "code": "number.mismatch" },
            "seal": { "status": "warn", "code": "seal.other_name" } } });
        assert_eq!(risk_flags([&a, &b].into_iter()), ",number.mismatch,seal.other_name,");
        let clean = serde_json::json!({ "checks": { "seal": { "status": "pass" } } });
        assert_eq!(risk_flags(std::iter::once(&clean)), "");
    }

    #[test]
    fn failing_checks_are_named_once_in_order() {
        let a =
            serde_json::json!({ "checks": { "seal": { "status": "fail" }, "skew": { "status": "warn" } } });
        let b = serde_json::json!({ "checks": { "clarity": { "status": "fail" }, "seal": { "status": "fail" } } });
        assert_eq!(failing_checks([&a, &b].into_iter()), ",clarity,seal,");
        assert_eq!(failing_checks(std::iter::empty()), "");
    }
}
