//! Check thresholds changed by an admin in the back-office. They are stored in the database and
//! laid over the configured `[checks]` values each time a page is checked, so every node uses
//! a change from its next page on, with no restart. The merge goes through the configuration's
//! own deserialisation: a value of the wrong type or an unknown key never gets in.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::audit;
use crate::entities::threshold_override;
use crate::pipeline::PipelineConfig;

#[derive(Debug, thiserror::Error)]
pub enum ThresholdError {
    #[error("unknown threshold {0}")]
    UnknownKey(String),
    #[error("invalid value for {key}: {reason}")]
    Invalid { key: String, reason: String },
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl ThresholdError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownKey(_) => "threshold.unknown",
            Self::Invalid { .. } => "threshold.invalid",
            Self::Db(_) => "internal",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::UnknownKey(k) => format!("没有名为 {k} 的阈值"),
            Self::Invalid { key, .. } => {
                format!("{key} 的取值无效：须与原值类型相同的非负数值（列表写作 [32, 24]）")
            }
            Self::Db(_) => "系统内部错误，请稍后重试".into(),
        }
    }
}

/// `base` with `overrides` (key, JSON text) laid over it.
pub fn merge(
    base: &PipelineConfig,
    overrides: &[(String, String)],
) -> Result<PipelineConfig, ThresholdError> {
    let mut value = serde_json::to_value(base)
        .map_err(|e| ThresholdError::Invalid { key: "*".into(), reason: e.to_string() })?;
    let map = value
        .as_object_mut()
        .ok_or_else(|| ThresholdError::Invalid { key: "*".into(), reason: "not a map".into() })?;
    for (key, raw) in overrides {
        let Some(slot) = map.get_mut(key) else {
            return Err(ThresholdError::UnknownKey(key.clone()));
        };
        let invalid = |reason: String| ThresholdError::Invalid { key: key.clone(), reason };
        let new: serde_json::Value = serde_json::from_str(raw).map_err(|e| invalid(e.to_string()))?;
        let negative = |v: &serde_json::Value| v.as_f64().is_some_and(|x| x < 0.0 || !x.is_finite());
        if negative(&new) || new.as_array().is_some_and(|a| a.iter().any(negative)) {
            return Err(invalid("negative".into()));
        }
        *slot = new;
    }
    serde_json::from_value(value).map_err(|e| ThresholdError::Invalid {
        key: overrides.last().map(|(k, _)| k.clone()).unwrap_or_default(),
        reason: e.to_string(),
    })
}

pub async fn overrides(db: &impl ConnectionTrait) -> Result<Vec<threshold_override::Model>, DbErr> {
    threshold_override::Entity::find().all(db).await
}

/// The thresholds in force now: the configured ones with the admins' changes over them.
pub async fn effective(
    db: &impl ConnectionTrait,
    base: &PipelineConfig,
) -> Result<PipelineConfig, ThresholdError> {
    let rows = overrides(db).await?;
    merge(base, &current(base, rows.into_iter().map(|r| (r.key, r.value)).collect()))
}

/// The stored overrides whose key the configuration still has. A threshold retired by an
/// upgrade (renamed or replaced by a better measure) keeps its stored row until an admin
/// clears it; it is set aside with a warning so that one stale row cannot stop every check.
fn current(base: &PipelineConfig, stored: Vec<(String, String)>) -> Vec<(String, String)> {
    let known = serde_json::to_value(base).ok();
    let (kept, retired): (Vec<_>, Vec<_>) =
        stored.into_iter().partition(|(key, _)| known.as_ref().and_then(|v| v.get(key)).is_some());
    for (key, _) in &retired {
        tracing::warn!(key = %key, "stored threshold override names a retired threshold; ignored");
    }
    kept
}

/// Sets one threshold after checking that the result is a valid configuration.
pub async fn set(
    db: &impl ConnectionTrait,
    base: &PipelineConfig,
    key: &str,
    raw: &str,
    staff_id: i32,
) -> Result<(), ThresholdError> {
    let stored = overrides(db).await?.into_iter().filter(|r| r.key != key).map(|r| (r.key, r.value));
    let mut all = current(base, stored.collect());
    all.push((key.to_string(), raw.trim().to_string()));
    merge(base, &all)?;
    let row = threshold_override::ActiveModel {
        key: Set(key.into()),
        value: Set(raw.trim().into()),
        updated_at_ms: Set(chrono::Utc::now().timestamp_millis()),
        updated_by: Set(Some(staff_id)),
    };
    threshold_override::Entity::insert(row)
        .on_conflict(
            OnConflict::column(threshold_override::Column::Key)
                .update_columns([
                    threshold_override::Column::Value,
                    threshold_override::Column::UpdatedAtMs,
                    threshold_override::Column::UpdatedBy,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    record(db, staff_id, "threshold.set", serde_json::json!({ "key": key, "value": raw.trim() })).await
}

/// Back to the configured value.
pub async fn clear(db: &impl ConnectionTrait, key: &str, staff_id: i32) -> Result<(), ThresholdError> {
    threshold_override::Entity::delete_by_id(key.to_string()).exec(db).await?;
    record(db, staff_id, "threshold.cleared", serde_json::json!({ "key": key })).await
}

async fn record(
    db: &impl ConnectionTrait,
    staff_id: i32,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), ThresholdError> {
    audit::record(db, audit::Entry::by_staff(staff_id, action, None, detail)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(key: &str, raw: &str) -> Result<PipelineConfig, ThresholdError> {
        merge(&PipelineConfig::default(), &[(key.into(), raw.into())])
    }

    #[test]
    fn an_override_replaces_the_configured_value() {
        assert_eq!(one("max_skew_deg_pass", "1.5").unwrap().max_skew_deg_pass, 1.5);
        assert_eq!(one("number_read_heights_px", "[30, 40]").unwrap().number_read_heights_px, vec![30, 40]);
    }

    #[test]
    fn a_stored_override_of_a_retired_threshold_is_set_aside_not_fatal() {
        let base = PipelineConfig::default();
        let stored = vec![
            ("orientation_min_flush_margin".to_string(), "0.2".to_string()),
            ("max_skew_deg_pass".to_string(), "1.5".to_string()),
        ];
        let kept = current(&base, stored);
        assert_eq!(kept, vec![("max_skew_deg_pass".to_string(), "1.5".to_string())]);
        assert_eq!(merge(&base, &kept).unwrap().max_skew_deg_pass, 1.5);
    }

    #[test]
    fn unknown_keys_wrong_types_and_negative_values_are_refused() {
        assert!(matches!(one("max_skew", "1"), Err(ThresholdError::UnknownKey(_))));
        assert!(matches!(one("max_skew_deg_pass", r#""abc""#), Err(ThresholdError::Invalid { .. })));
        assert!(matches!(one("max_skew_deg_pass", "-1"), Err(ThresholdError::Invalid { .. })));
        assert!(matches!(one("colour_min_chroma", "300"), Err(ThresholdError::Invalid { .. })));
    }
}
