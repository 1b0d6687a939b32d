//! A reviewer's decision on a case: a verdict per document (accept, or resubmit with reasons
//! from the catalogue) and an outcome for the application (approve, return for correction,
//! reject for good). One transaction holds all of it: decision rows, document statuses, the
//! state change, the audit event and the notification outbox rows (one per channel). The form's idempotency key
//! makes a double-clicked submit decide once.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};

use super::claim::live_assignee;
use super::overrides::{self, Overridden};
use super::{ApplicationState, Event, ReviewError, apply_event_in};
use crate::audit::{self, Actor};
use crate::auth::Staff;
use crate::config::ReviewSettings;
use crate::db::begin_write;
use crate::domain::{DocumentKind, OperationType};
use crate::entities::{application, decision_reason, document, rejection_reason, review_decision};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approve,
    Return,
    Reject,
}

impl Outcome {
    fn event(self) -> Event {
        match self {
            Self::Approve => Event::Approve,
            Self::Return => Event::Return,
            Self::Reject => Event::Reject,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Return => "return",
            Self::Reject => "reject",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DocumentVerdict {
    pub document_id: i32,
    pub accept: bool,
    #[serde(default)]
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    #[serde(default)]
    pub documents: Vec<DocumentVerdict>,
    /// Reasons for the application as a whole (a rejection needs a final one).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Shown to the applicant.
    #[serde(default)]
    pub comment_applicant: String,
    /// Staff only.
    #[serde(default)]
    pub note_internal: String,
    /// Why documents are accepted over failed automated checks (staff only; required then).
    #[serde(default)]
    pub override_note: String,
    /// The same key from a repeated submit finds the first decision instead of making another.
    pub idempotency_key: String,
}

#[derive(Debug)]
pub enum Decided {
    Done(application::Model),
    /// This key was decided before; nothing changed now.
    AlreadyDone(application::Model),
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error("only the assignee decides")]
    NotAssignee,
    #[error("case is not in review")]
    NotInReview,
    #[error("idempotency key must be 8–64 characters")]
    BadKey,
    #[error("idempotency key already used for another case")]
    KeyUsedElsewhere,
    #[error("no verdict for {0}")]
    MissingVerdict(DocumentKind),
    #[error("document {0} is not a current document of this case")]
    UnknownDocument(i32),
    #[error("{0} needs a reason")]
    ReasonRequired(DocumentKind),
    #[error("unknown reason {0}")]
    UnknownReason(String),
    #[error("reason {0} does not apply to {1}")]
    ReasonNotApplicable(String, DocumentKind),
    #[error("approval with documents to resubmit")]
    ApproveWithRejections,
    #[error("approval with {0} missing")]
    DocumentMissing(DocumentKind),
    #[error("return without a document to resubmit")]
    NothingToReturn,
    #[error("rejection without a final reason")]
    FinalReasonRequired,
    #[error("reason 'other' without a comment")]
    CommentRequired,
    #[error("accepted over failed checks without a note")]
    OverrideNoteRequired(Vec<Overridden>),
    #[error(transparent)]
    Review(#[from] ReviewError),
}

impl From<DbErr> for DecideError {
    fn from(e: DbErr) -> Self {
        Self::Review(ReviewError::Db(e))
    }
}

impl DecideError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAssignee => "case.not_assignee",
            Self::NotInReview => "case.not_in_review",
            Self::BadKey => "decision.bad_key",
            Self::KeyUsedElsewhere => "decision.key_used",
            Self::MissingVerdict(_) => "decision.document_verdict_missing",
            Self::UnknownDocument(_) => "decision.unknown_document",
            Self::ReasonRequired(_) => "decision.reason_required",
            Self::UnknownReason(_) => "decision.unknown_reason",
            Self::ReasonNotApplicable(..) => "decision.reason_not_applicable",
            Self::ApproveWithRejections => "decision.approve_with_rejections",
            Self::DocumentMissing(_) => "decision.documents_missing",
            Self::NothingToReturn => "decision.nothing_to_return",
            Self::FinalReasonRequired => "decision.final_reason_required",
            Self::CommentRequired => "decision.comment_required",
            Self::OverrideNoteRequired(_) => "decision.override_note_required",
            Self::Review(e) => e.code(),
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::NotAssignee => "只有领取该申请的审核员可以作出决定，请先领取".into(),
            Self::NotInReview => "该申请当前不在待审核状态".into(),
            Self::BadKey => "请求无效，请刷新页面后重试".into(),
            Self::KeyUsedElsewhere => "该提交已用于另一个申请，请刷新本页后重新作出决定".into(),
            Self::MissingVerdict(k) => format!("请对“{}”作出判断（通过或需重新提交）", k.label_zh()),
            Self::UnknownDocument(_) => "材料已更新，请刷新页面后重试".into(),
            Self::ReasonRequired(k) => format!("“{}”需重新提交，请至少选择一个原因", k.label_zh()),
            Self::UnknownReason(c) => format!("原因代码 {c} 不存在或已停用"),
            Self::ReasonNotApplicable(c, k) => format!("原因 {c} 不适用于“{}”", k.label_zh()),
            Self::ApproveWithRejections => "仍有材料需要重新提交，不能审核通过".into(),
            Self::DocumentMissing(k) => format!("缺少“{}”，不能审核通过", k.label_zh()),
            Self::NothingToReturn => "退回修改时至少需要一份材料标记为需重新提交".into(),
            Self::FinalReasonRequired => "审核不通过（终止申请）须选择至少一个终止原因".into(),
            Self::CommentRequired => "选择“其他”原因时，请填写给申请人的说明".into(),
            Self::OverrideNoteRequired(docs) => {
                let docs: Vec<String> = docs.iter().map(Overridden::label_zh).collect();
                format!(
                    "以下材料的自动检查未通过：{}。如确认接受，请填写“接受理由”（至少{}个字，仅审核人员可见）",
                    docs.join("；"),
                    overrides::MIN_NOTE_CHARS
                )
            }
            Self::Review(e) => e.message_zh(),
        }
    }
}

/// The newest attempt of each document kind.
pub async fn current_documents(
    db: &impl ConnectionTrait,
    app_id: i32,
) -> Result<Vec<document::Model>, DbErr> {
    let all = document::Entity::find().filter(document::Column::ApplicationId.eq(app_id)).all(db).await?;
    let mut newest: HashMap<String, document::Model> = HashMap::new();
    for d in all {
        if newest.get(&d.kind).is_none_or(|n| n.attempt < d.attempt) {
            newest.insert(d.kind.clone(), d);
        }
    }
    let mut docs: Vec<_> = newest.into_values().collect();
    docs.sort_by_key(|d| DocumentKind::ALL.iter().position(|k| k.as_str() == d.kind));
    Ok(docs)
}

struct Checked {
    /// (document, its kind, accepted, reasons)
    documents: Vec<(document::Model, DocumentKind, bool, Vec<String>)>,
    reasons: Vec<String>,
}

fn validate(
    d: &Decision,
    app: &application::Model,
    docs: Vec<document::Model>,
    catalogue: &HashMap<String, rejection_reason::Model>,
) -> Result<Checked, DecideError> {
    let known: HashSet<i32> = docs.iter().map(|d| d.id).collect();
    if let Some(v) = d.documents.iter().find(|v| !known.contains(&v.document_id)) {
        return Err(DecideError::UnknownDocument(v.document_id));
    }
    let reason = |code: &str, kind: Option<DocumentKind>| -> Result<&rejection_reason::Model, DecideError> {
        let r = catalogue
            .get(code)
            .filter(|r| r.active)
            .ok_or_else(|| DecideError::UnknownReason(code.into()))?;
        if let (Some(applies), Some(kind)) = (r.applies_to.as_deref(), kind)
            && crate::pipeline::DocKind::from(kind).as_str() != applies
            && kind.as_str() != applies
        {
            return Err(DecideError::ReasonNotApplicable(code.into(), kind));
        }
        Ok(r)
    };
    let mut documents = Vec::new();
    for doc in docs {
        let kind: DocumentKind = doc.kind.parse().map_err(ReviewError::from)?;
        let verdict = d.documents.iter().find(|v| v.document_id == doc.id);
        let (accept, reasons) = match verdict {
            Some(v) => (v.accept, if v.accept { Vec::new() } else { dedup(&v.reasons) }),
            None if d.outcome == Outcome::Reject => (false, Vec::new()),
            None => return Err(DecideError::MissingVerdict(kind)),
        };
        for code in &reasons {
            reason(code, Some(kind))?;
        }
        if !accept && reasons.is_empty() && d.outcome != Outcome::Reject {
            return Err(DecideError::ReasonRequired(kind));
        }
        documents.push((doc, kind, accept, reasons));
    }
    let reasons = dedup(&d.reasons);
    for code in &reasons {
        reason(code, None)?;
    }
    match d.outcome {
        Outcome::Approve => {
            if documents.iter().any(|(_, _, accept, _)| !accept) {
                return Err(DecideError::ApproveWithRejections);
            }
            let op: OperationType = app.operation_type.parse().map_err(ReviewError::from)?;
            if let Some(k) =
                op.required_documents().iter().find(|k| !documents.iter().any(|(_, dk, ..)| dk == *k))
            {
                return Err(DecideError::DocumentMissing(*k));
            }
        }
        Outcome::Return => {
            if documents.iter().all(|(_, _, accept, _)| *accept) {
                return Err(DecideError::NothingToReturn);
            }
        }
        Outcome::Reject => {
            if !reasons.iter().any(|c| catalogue.get(c).is_some_and(|r| r.kind == "final")) {
                return Err(DecideError::FinalReasonRequired);
            }
        }
    }
    // "其他" says nothing by itself, whether it returns the case or ends it.
    let uses_other = reasons
        .iter()
        .chain(documents.iter().flat_map(|(.., r)| r.iter()))
        .any(|c| c == "other" || c.ends_with(".other"));
    if uses_other && d.comment_applicant.trim().is_empty() {
        return Err(DecideError::CommentRequired);
    }
    Ok(Checked { documents, reasons })
}

fn dedup(codes: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    codes.iter().filter(|c| !c.is_empty() && seen.insert(c.as_str())).cloned().collect()
}

/// The case a decision with this key was made on, if one was: only a repeat on the same case
/// is that decision's repeat; the key on another case decides nothing and is refused.
async fn already_decided(
    db: &impl ConnectionTrait,
    app_id: i32,
    key: &str,
) -> Result<Option<application::Model>, DecideError> {
    let Some(prior) = review_decision::Entity::find()
        .filter(review_decision::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if prior.application_id != app_id {
        return Err(DecideError::KeyUsedElsewhere);
    }
    Ok(application::Entity::find_by_id(prior.application_id).one(db).await?)
}

pub async fn decide(
    db: &DatabaseConnection,
    app_id: i32,
    staff: &Staff,
    d: &Decision,
    policy: &ReviewSettings,
) -> Result<Decided, DecideError> {
    if !(8..=64).contains(&d.idempotency_key.len()) {
        return Err(DecideError::BadKey);
    }
    if let Some(app) = already_decided(db, app_id, &d.idempotency_key).await? {
        return Ok(Decided::AlreadyDone(app));
    }
    match decide_once(db, app_id, staff, d, policy).await {
        // Whatever stopped this one (the key's unique index, the case no longer in review or no
        // longer claimed), if the same submit has meanwhile been decided, that is the answer.
        Err(e) => match already_decided(db, app_id, &d.idempotency_key).await? {
            Some(app) => Ok(Decided::AlreadyDone(app)),
            None => Err(e),
        },
        ok => ok,
    }
}

async fn decide_once(
    db: &DatabaseConnection,
    app_id: i32,
    staff: &Staff,
    d: &Decision,
    policy: &ReviewSettings,
) -> Result<Decided, DecideError> {
    let txn = begin_write(db).await?;
    // Looked for again inside the transaction: a double submit that waited for the first one's
    // commit finds its decision here, not a case that is no longer in review.
    if let Some(app) = already_decided(&txn, app_id, &d.idempotency_key).await? {
        return Ok(Decided::AlreadyDone(app));
    }
    let app =
        application::Entity::find_by_id(app_id).one(&txn).await?.ok_or(ReviewError::NotFound(app_id))?;
    if app.state != ApplicationState::InReview.as_str() {
        return Err(DecideError::NotInReview);
    }
    if live_assignee(&app, policy) != Some(staff.id) {
        return Err(DecideError::NotAssignee);
    }
    let catalogue: HashMap<String, rejection_reason::Model> =
        rejection_reason::Entity::find().all(&txn).await?.into_iter().map(|r| (r.code.clone(), r)).collect();
    let docs = current_documents(&txn, app_id).await?;
    let checked = validate(d, &app, docs, &catalogue)?;
    let overridden = if d.outcome == Outcome::Reject {
        Vec::new()
    } else {
        let accepted: Vec<_> = checked
            .documents
            .iter()
            .filter(|(.., accept, _)| *accept)
            .map(|(doc, kind, ..)| (doc, *kind))
            .collect();
        overrides::overridden(&txn, &accepted).await?
    };
    if !overridden.is_empty() && !overrides::note_suffices(&d.override_note) {
        return Err(DecideError::OverrideNoteRequired(overridden));
    }
    let main = insert_decision(
        &txn,
        app_id,
        None,
        staff.id,
        d.outcome.as_str(),
        d,
        &d.idempotency_key,
        &checked.reasons,
    )
    .await?;
    for (doc, _, accept, reasons) in &checked.documents {
        let outcome = if *accept { "accepted" } else { "resubmit" };
        let key = format!("{}:{}", d.idempotency_key, doc.id);
        insert_decision(&txn, app_id, Some(doc.id), staff.id, outcome, d, &key, reasons).await?;
        let mut am: document::ActiveModel = doc.clone().into();
        am.status = Set(outcome.into());
        am.update(&txn).await?;
    }
    let decided = apply_event_in(&txn, app_id, d.outcome.event(), Actor::Staff(staff.id), policy).await?;

    let doc_detail: Vec<_> = checked
        .documents
        .iter()
        .map(|(doc, kind, accept, reasons)| {
            serde_json::json!({ "document_id": doc.id, "kind": kind.as_str(), "accepted": accept, "reasons": reasons })
        })
        .collect();
    let mut detail = serde_json::json!({
        "decision_id": main.id, "outcome": d.outcome.as_str(), "reasons": checked.reasons, "documents": doc_detail,
    });
    if !overridden.is_empty() {
        detail["override"] = serde_json::json!({
            "note": d.override_note.trim(),
            "documents": overridden.iter().map(Overridden::to_json).collect::<Vec<_>>(),
        });
    }
    audit::record(&txn, audit::Entry::by_staff(staff.id, "case.decided", Some(app_id), detail)).await?;

    let texts = |codes: &[String]| -> Vec<serde_json::Value> {
        let text = |c: &String| catalogue.get(c).map_or_else(|| c.clone(), |r| r.text_zh.clone());
        codes.iter().map(|c| serde_json::json!({ "code": c, "text": text(c) })).collect()
    };
    let payload = serde_json::json!({
        "order_number": app.order_number,
        "company_name": app.company_name,
        "outcome": d.outcome.as_str(),
        "comment": d.comment_applicant.trim(),
        "reasons": texts(&checked.reasons),
        "documents": checked.documents.iter().filter(|(_, _, accept, _)| !accept).map(|(doc, kind, _, reasons)| serde_json::json!({
            "document_id": doc.id,
            "kind": kind.as_str(),
            "label": kind.label_zh(),
            "reasons": texts(reasons),
        })).collect::<Vec<_>>(),
    });
    crate::notify::outbox::enqueue_for_applicant(
        &txn,
        app_id,
        &format!("decision.{}", d.outcome.as_str()),
        payload,
        &format!("decision:{}", main.id),
    )
    .await?;
    txn.commit().await?;
    Ok(Decided::Done(decided))
}

#[allow(clippy::too_many_arguments)]
async fn insert_decision(
    txn: &impl ConnectionTrait,
    app_id: i32,
    document_id: Option<i32>,
    reviewer: i32,
    outcome: &str,
    d: &Decision,
    key: &str,
    reasons: &[String],
) -> Result<review_decision::Model, DbErr> {
    let row = review_decision::ActiveModel {
        application_id: Set(app_id),
        document_id: Set(document_id),
        reviewer_id: Set(Some(reviewer)),
        outcome: Set(outcome.into()),
        comment_applicant: Set(if document_id.is_none() {
            d.comment_applicant.trim().into()
        } else {
            String::new()
        }),
        note_internal: Set(if document_id.is_none() { d.note_internal.trim().into() } else { String::new() }),
        override_note: Set(if document_id.is_none() { d.override_note.trim().into() } else { String::new() }),
        idempotency_key: Set(key.into()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    for code in reasons {
        decision_reason::ActiveModel { decision_id: Set(row.id), reason_code: Set(code.clone()) }
            .insert(txn)
            .await?;
    }
    Ok(row)
}
