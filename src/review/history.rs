//! A case's history as the case page shows it (issue 23): the audit trail in Chinese and
//! Beijing time, each page or scan view folded into one line per person per day, decisions
//! with their reasons, the applicant's comment, the internal note and an override's reason.
//! The raw audit events stay in the JSON API's `trail`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::calendar::beijing;
use super::{ApplicationState, Event};
use crate::domain::DocumentKind;
use crate::entities::audit_event;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Beijing time, "2026-12-03 18:05"; a folded line gives its first and last time.
    pub at: String,
    pub who: String,
    pub what: String,
    /// A decision's texts, one line each ("给申请人的说明：…").
    pub notes: Vec<String>,
}

/// What a decision said in words, by its decision id: (comment to the applicant, internal note,
/// override reason).
pub type DecisionTexts = HashMap<i64, (String, String, String)>;

/// What the history needs besides the events.
pub struct Names<'a> {
    /// Staff display names by id.
    pub staff: &'a HashMap<i32, String>,
    /// Reason texts by catalogue code.
    pub reasons: &'a HashMap<String, String>,
    pub decisions: &'a DecisionTexts,
}

pub fn beijing_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing()).format("%Y-%m-%d %H:%M").to_string()
}

fn beijing_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&beijing()).date_naive()
}

fn who(e: &audit_event::Model, names: &Names) -> String {
    match (e.actor_type.as_str(), e.actor_id) {
        ("staff", Some(id)) => names.staff.get(&id).cloned().unwrap_or_else(|| format!("工作人员 {id}")),
        ("applicant", _) => "申请人".into(),
        _ => "系统".into(),
    }
}

fn state_label(v: &serde_json::Value) -> &'static str {
    v.as_str().and_then(|s| s.parse::<ApplicationState>().ok()).map_or("未知状态", ApplicationState::label_zh)
}

fn kind_label(v: &serde_json::Value) -> &'static str {
    v.as_str().and_then(|s| s.parse::<DocumentKind>().ok()).map_or("材料", DocumentKind::label_zh)
}

fn verdict_label(v: &serde_json::Value) -> &'static str {
    match v.as_str() {
        Some("pass") => "通过",
        Some("warn") => "需人工确认",
        Some("fail") => "不通过",
        _ => "无法判断",
    }
}

fn reason_texts(codes: &serde_json::Value, names: &Names) -> String {
    let texts: Vec<String> = codes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str())
        .map(|c| names.reasons.get(c).cloned().unwrap_or_else(|| "（已停用的原因）".into()))
        .collect();
    texts.join("；")
}

/// One event in words, with the decision's texts for a decision.
fn describe(e: &audit_event::Model, names: &Names) -> (String, Vec<String>) {
    let d = &e.detail;
    let mut notes = Vec::new();
    let what = match e.action.as_str() {
        "application.created" => "创建申请".into(),
        "application.edited" => {
            let fields: Vec<&str> =
                d["fields"].as_array().into_iter().flatten().filter_map(|f| f.as_str()).collect();
            let again = d["rechecked"]
                .as_i64()
                .filter(|n| *n > 0)
                .map_or(String::new(), |n| format!("，{n} 份材料重新检查"));
            format!("申请人修改了：{}{again}", fields.join("、"))
        }
        "application.transition" => {
            let event = d["event"].as_str().and_then(|s| s.parse::<Event>().ok()).map(Event::label_zh);
            let (from, to) = (state_label(&d["from"]), state_label(&d["to"]));
            match event {
                Some(ev) => format!("{ev}：{from} → {to}"),
                None => format!("状态：{from} → {to}"),
            }
        }
        "document.uploaded" => {
            format!("上传{}（第 {} 次）", kind_label(&d["kind"]), d["attempt"].as_i64().unwrap_or(1))
        }
        "document.checked" => format!("自动检查完成：{}", verdict_label(&d["verdict"])),
        "case.claimed" => "领取".into(),
        "case.released" => "放回队列".into(),
        "case.routed" => {
            let to = d["to"].as_i64().and_then(|id| names.staff.get(&(id as i32)).cloned());
            format!("重新提交，交回上次退回的 {} 处理", to.unwrap_or_else(|| "审核员".into()))
        }
        "case.reassigned" => {
            let to = d["to"].as_i64().and_then(|id| names.staff.get(&(id as i32)).cloned());
            format!("改派给 {}", to.unwrap_or_else(|| "其他审核员".into()))
        }
        "case.pii_revealed" => match d["reason"].as_str().filter(|r| !r.is_empty()) {
            Some(r) => format!("查看完整个人信息（原因：{r}）"),
            None => "查看完整个人信息".into(),
        },
        "case.decided" => {
            let outcome = match d["outcome"].as_str() {
                Some("approve") => "审核通过",
                Some("return") => "退回修改",
                _ => "审核不通过（终止申请）",
            };
            let sent_back: Vec<String> = d["documents"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|doc| doc["accepted"] == false)
                .map(|doc| match reason_texts(&doc["reasons"], names) {
                    r if r.is_empty() => kind_label(&doc["kind"]).to_string(),
                    r => format!("{}（{r}）", kind_label(&doc["kind"])),
                })
                .collect();
            if !sent_back.is_empty() {
                notes.push(format!("需重新提交：{}", sent_back.join("；")));
            }
            let reasons = reason_texts(&d["reasons"], names);
            if !reasons.is_empty() {
                notes.push(format!("终止原因：{reasons}"));
            }
            if let Some((comment, note, why)) =
                d["decision_id"].as_i64().and_then(|id| names.decisions.get(&id))
            {
                for (label, text) in
                    [("给申请人的说明", comment), ("内部备注", note), ("接受理由（越过自动检查）", why)]
                {
                    if !text.is_empty() {
                        notes.push(format!("{label}：{text}"));
                    }
                }
            }
            format!("作出审核结论：{outcome}")
        }
        "notification.retried" => "重新发送通知".into(),
        "applicant.lookup_code_sent" => "申请人请求查询验证码".into(),
        "applicant.lookup_verified" => "申请人通过验证码打开申请".into(),
        _ => "其他操作".into(),
    };
    (what, notes)
}

/// What a view event counts as, when it is one.
fn view_kind(action: &str) -> Option<usize> {
    match action {
        "case.viewed" => Some(0),
        "document.viewed" => Some(1),
        "applicant.order_viewed" => Some(2),
        _ => None,
    }
}

/// One person's views on one Beijing day: the index of its line, the views of each kind, the
/// first and the last time.
type Folded = (usize, [usize; 3], DateTime<Utc>, DateTime<Utc>);

/// The history of `events` (oldest first, as stored).
pub fn history(events: &[audit_event::Model], names: &Names) -> Vec<HistoryEntry> {
    let mut folded: HashMap<(String, NaiveDate), Folded> = HashMap::new();
    let mut out: Vec<HistoryEntry> = Vec::new();
    for e in events {
        let person = who(e, names);
        if let Some(k) = view_kind(&e.action) {
            let key = (person.clone(), beijing_day(e.at));
            let idx = out.len();
            let slot = folded.entry(key).or_insert_with(|| {
                out.push(HistoryEntry {
                    at: String::new(),
                    who: person,
                    what: String::new(),
                    notes: Vec::new(),
                });
                (idx, [0; 3], e.at, e.at)
            });
            slot.1[k] += 1;
            slot.3 = e.at;
            continue;
        }
        let (what, notes) = describe(e, names);
        out.push(HistoryEntry { at: beijing_time(e.at), who: person, what, notes });
    }
    for (idx, counts, first, last) in folded.into_values() {
        let parts: Vec<String> = ["查看申请", "查看扫描件", "打开申请页面"]
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(label, n)| if n == 1 { (*label).to_string() } else { format!("{label} {n} 次") })
            .collect();
        let at = if beijing_time(first) == beijing_time(last) {
            beijing_time(first)
        } else {
            format!("{}–{}", beijing_time(first), last.with_timezone(&beijing()).format("%H:%M"))
        };
        out[idx].at = at;
        out[idx].what = parts.join("、");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        id: i32,
        at: &str,
        actor: Option<i32>,
        action: &str,
        detail: serde_json::Value,
    ) -> audit_event::Model {
        audit_event::Model {
            id,
            at: at.parse().unwrap(),
            actor_type: if actor.is_some() { "staff".into() } else { "system".into() },
            actor_id: actor,
            action: action.into(),
            application_id: Some(1),
            document_id: None,
            detail,
        }
    }

    #[test]
    fn events_read_in_chinese_in_beijing_time_and_views_fold_per_person_per_day() {
        let staff = HashMap::from([(7, "陈审核".to_string()), (8, "李审核".to_string())]);
        let reasons = HashMap::from([("image.blurry".to_string(), "图片模糊".to_string())]);
        let decisions =
            HashMap::from([(3i64, ("请重新扫描".to_string(), "第二次退回".to_string(), String::new()))]);
        let names = Names { staff: &staff, reasons: &reasons, decisions: &decisions };
        let events = vec![
            event(
                1,
                "2026-12-03T01:00:00Z",
                None,
                "application.transition",
                serde_json::json!({"event": "checks_done", "from": "checking", "to": "in_review"}),
            ),
            event(2, "2026-12-03T01:05:00Z", Some(7), "case.viewed", serde_json::json!({})),
            event(3, "2026-12-03T01:06:00Z", Some(7), "document.viewed", serde_json::json!({})),
            event(4, "2026-12-03T02:30:00Z", Some(7), "case.viewed", serde_json::json!({})),
            event(
                5,
                "2026-12-03T02:31:00Z",
                Some(7),
                "case.reassigned",
                serde_json::json!({"from": 7, "to": 8}),
            ),
            event(
                6,
                "2026-12-03T03:00:00Z",
                Some(8),
                "case.decided",
                serde_json::json!({"decision_id": 3, "outcome": "return", "reasons": [],
                "documents": [{"kind": "business_license", "accepted": false, "reasons": ["image.blurry"]}, {"kind": "seal_sample", "accepted": true, "reasons": []}]}),
            ),
            // The next Beijing day (16:00 UTC is midnight in Beijing): a new line.
            event(7, "2026-12-03T16:10:00Z", Some(7), "case.viewed", serde_json::json!({})),
            event(8, "2026-12-03T16:20:00Z", Some(7), "some.future_action", serde_json::json!({})),
        ];
        let h = history(&events, &names);
        let lines: Vec<(&str, &str, &str)> =
            h.iter().map(|e| (e.at.as_str(), e.who.as_str(), e.what.as_str())).collect();
        assert_eq!(
            lines,
            [
                ("2026-12-03 09:00", "系统", "自动检查完成：自动检查中 → 待审核"),
                ("2026-12-03 09:05–10:30", "陈审核", "查看申请 2 次、查看扫描件"),
                ("2026-12-03 10:31", "陈审核", "改派给 李审核"),
                ("2026-12-03 11:00", "李审核", "作出审核结论：退回修改"),
                ("2026-12-04 00:10", "陈审核", "查看申请"),
                ("2026-12-04 00:20", "陈审核", "其他操作"),
            ]
        );
        assert_eq!(
            h[3].notes,
            [
                "需重新提交：营业执照副本复印件（图片模糊）",
                "给申请人的说明：请重新扫描",
                "内部备注：第二次退回"
            ]
        );
        let text = serde_json::to_string(&h).unwrap();
        assert!(!text.contains("UTC") && !text.contains("in_review") && !text.contains("return"), "{text}");
    }
}
