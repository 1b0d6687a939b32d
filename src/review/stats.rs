//! Figures for the supervisor page, over a period of days: decisions per day, time from queue
//! to decision, how often each automated check passes or fails, the reasons reviewers give most,
//! and how often the automated verdict and the reviewer agree on a document.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::calendar::beijing;
use crate::entities::{audit_event, check_report, decision_reason, rejection_reason, review_decision};

#[derive(Debug, Serialize)]
pub struct DayCount {
    pub day: String,
    pub decisions: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct CheckRate {
    pub check: String,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub unknown: usize,
}

#[derive(Debug, Serialize)]
pub struct ReasonCount {
    pub code: String,
    pub text: String,
    pub count: usize,
}

/// Documents decided by a reviewer, by the automated verdict they had.
#[derive(Debug, Default, Serialize)]
pub struct Agreement {
    pub pass_accepted: usize,
    pub pass_resubmit: usize,
    pub warn_accepted: usize,
    pub warn_resubmit: usize,
    pub fail_accepted: usize,
    pub fail_resubmit: usize,
    /// Of the documents the checks passed or failed, the share the reviewer judged the same way.
    pub rate: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub days: i64,
    pub per_day: Vec<DayCount>,
    pub decisions: usize,
    pub median_hours_to_decision: Option<f64>,
    pub checks: Vec<CheckRate>,
    pub reasons: Vec<ReasonCount>,
    pub agreement: Agreement,
}

fn beijing_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&beijing()).date_naive()
}

pub async fn figures(db: &impl ConnectionTrait, days: i64, now: DateTime<Utc>) -> Result<Figures, DbErr> {
    let since = now - Duration::days(days);
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::At.gte(since - Duration::days(30)))
        .filter(audit_event::Column::Action.is_in(["case.decided", "application.transition"]))
        .order_by_asc(audit_event::Column::At)
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await?;
    let mut queued_at: HashMap<i32, DateTime<Utc>> = HashMap::new();
    let mut hours = Vec::new();
    let mut per_day: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for e in &events {
        let Some(app) = e.application_id else { continue };
        if e.action == "application.transition" {
            if e.detail["to"] == "in_review" {
                queued_at.insert(app, e.at);
            }
            continue;
        }
        if e.at < since {
            continue;
        }
        *per_day.entry(beijing_day(e.at)).or_default() += 1;
        if let Some(q) = queued_at.get(&app) {
            hours.push((e.at - *q).num_seconds() as f64 / 3600.0);
        }
    }
    let decisions = per_day.values().sum();
    let first = beijing_day(since) + Duration::days(1);
    let per_day = (0..days)
        .map(|i| first + Duration::days(i))
        .map(|d| DayCount {
            day: d.format("%m-%d").to_string(),
            decisions: per_day.get(&d).copied().unwrap_or(0),
        })
        .collect();
    hours.sort_by(f64::total_cmp);
    let median_hours_to_decision = (!hours.is_empty()).then(|| hours[hours.len() / 2]);

    let reports =
        check_report::Entity::find().filter(check_report::Column::CreatedAt.gte(since)).all(db).await?;
    let mut rates: BTreeMap<String, CheckRate> = BTreeMap::new();
    for r in &reports {
        if let Some(checks) = r.report.get("checks").and_then(|c| c.as_object()) {
            for (name, f) in checks {
                let rate = rates
                    .entry(name.clone())
                    .or_insert_with(|| CheckRate { check: name.clone(), ..Default::default() });
                match f.get("status").and_then(|s| s.as_str()) {
                    Some("pass") => rate.pass += 1,
                    Some("warn") => rate.warn += 1,
                    Some("fail") => rate.fail += 1,
                    _ => rate.unknown += 1,
                }
            }
        }
    }

    let decided =
        review_decision::Entity::find().filter(review_decision::Column::CreatedAt.gte(since)).all(db).await?;
    let ids: Vec<i32> = decided.iter().map(|d| d.id).collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for r in
        decision_reason::Entity::find().filter(decision_reason::Column::DecisionId.is_in(ids)).all(db).await?
    {
        *counts.entry(r.reason_code).or_default() += 1;
    }
    let texts: HashMap<String, String> =
        rejection_reason::Entity::find().all(db).await?.into_iter().map(|r| (r.code, r.text_zh)).collect();
    let mut reasons: Vec<ReasonCount> = counts
        .into_iter()
        .map(|(code, count)| ReasonCount {
            text: texts.get(&code).cloned().unwrap_or_else(|| code.clone()),
            code,
            count,
        })
        .collect();
    reasons.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    reasons.truncate(10);

    let verdicts: HashMap<i32, String> = check_report::Entity::find()
        .filter(
            check_report::Column::DocumentId
                .is_in(decided.iter().filter_map(|d| d.document_id).collect::<Vec<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.document_id, r.verdict))
        .collect();
    let mut a = Agreement::default();
    for d in decided.iter().filter(|d| d.document_id.is_some()) {
        let accepted = d.outcome == "accepted";
        let slot = match (d.document_id.and_then(|id| verdicts.get(&id)).map(String::as_str), accepted) {
            (Some("pass"), true) => &mut a.pass_accepted,
            (Some("pass"), false) => &mut a.pass_resubmit,
            (Some("warn"), true) => &mut a.warn_accepted,
            (Some("warn"), false) => &mut a.warn_resubmit,
            (Some("fail"), true) => &mut a.fail_accepted,
            (Some("fail"), false) => &mut a.fail_resubmit,
            _ => continue,
        };
        *slot += 1;
    }
    let judged = a.pass_accepted + a.pass_resubmit + a.fail_accepted + a.fail_resubmit;
    a.rate = (judged > 0).then(|| (a.pass_accepted + a.fail_resubmit) as f64 / judged as f64);

    Ok(Figures {
        days,
        per_day,
        decisions,
        median_hours_to_decision,
        checks: rates.into_values().collect(),
        reasons,
        agreement: a,
    })
}
