//! What a template sees: the outbox row's payload (written with the decision) plus what is
//! known only at send time, the signed link and the settings.

use serde::{Deserialize, Serialize};

use super::NotifySettings;
use crate::domain::DocumentKind;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Reason {
    #[serde(default)]
    pub code: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReturnedDocument {
    #[serde(default)]
    pub document_id: i32,
    pub kind: String,
    pub label: String,
    #[serde(default)]
    pub reasons: Vec<Reason>,
}

/// The payload `review::decide` writes into the outbox row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionPayload {
    pub order_number: String,
    pub company_name: String,
    pub outcome: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub reasons: Vec<Reason>,
    #[serde(default)]
    pub documents: Vec<ReturnedDocument>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageContext {
    pub order_number: String,
    pub company_name: String,
    pub outcome: String,
    pub comment: String,
    pub reasons: Vec<Reason>,
    pub documents: Vec<ReturnedDocument>,
    /// The returned documents' names, short enough for an SMS (`营业执照副本复印件等3份`).
    pub docs_short: String,
    pub link: String,
    pub link_expires: String,
    pub sign_name: String,
    pub production_working_days: u32,
}

/// Longest list of document names an SMS spells out before it says "…等N份".
const DOCS_SHORT_MAX_CHARS: usize = 24;

fn docs_short(documents: &[ReturnedDocument]) -> String {
    let all = documents.iter().map(|d| d.label.as_str()).collect::<Vec<_>>().join("、");
    if all.chars().count() <= DOCS_SHORT_MAX_CHARS {
        return all;
    }
    format!("{}等{}份", documents.first().map_or("", |d| d.label.as_str()), documents.len())
}

impl MessageContext {
    pub fn new(p: &DecisionPayload, settings: &NotifySettings, link: &str, link_expires: &str) -> Self {
        Self {
            order_number: p.order_number.clone(),
            company_name: p.company_name.clone(),
            outcome: p.outcome.clone(),
            comment: p.comment.clone(),
            reasons: p.reasons.clone(),
            documents: p.documents.clone(),
            docs_short: docs_short(&p.documents),
            link: link.to_string(),
            link_expires: link_expires.to_string(),
            sign_name: settings.sms.sign_name.clone(),
            production_working_days: settings.production_working_days,
        }
    }

    /// The variables an SMS gateway's registered template is filled with.
    pub fn sms_params(&self) -> serde_json::Value {
        serde_json::json!({ "order": self.order_number, "docs": self.docs_short, "link": self.link })
    }
}

/// A payload for previews and tests: the longest kind of message of that template, returning
/// the first `documents` document kinds.
pub fn sample_payload(template: &str, documents: usize) -> DecisionPayload {
    let outcome = template.rsplit('.').next().unwrap_or("return").to_string();
    let reason = |code: &str, text: &str| Reason { code: code.into(), text: text.into() };
    let documents = if outcome == "return" {
        DocumentKind::ALL
            .iter()
            .take(documents)
            .enumerate()
            .map(|(i, k)| ReturnedDocument {
                document_id: i as i32 + 1,
                kind: k.as_str().into(),
                label: k.label_zh().into(),
                reasons: vec![
                    reason("image.blurry", "图片模糊，请重新扫描"),
                    reason("seal.missing", "未加盖公章"),
                ],
            })
            .collect()
    } else {
        Vec::new()
    };
    DecisionPayload {
        order_number: "SD20261201482917X".into(),
        company_name: "重庆示例科技有限公司".into(),
        outcome: outcome.clone(),
        comment: "请在方框内居中盖章，不要压线".into(),
        reasons: if outcome == "reject" {
            vec![reason("document.wrong_type", "上传材料与要求不符")]
        } else {
            Vec::new()
        },
        documents,
    }
}
