//! Links in messages: `<public_base_url>/o/<token>`, where the token names the application and
//! an expiry and carries a truncated HMAC-SHA256 over both. Short (27 characters) because it
//! goes into an SMS; unforgeable without the key; checked with no lookup but the key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use secrecy::{ExposeSecret, SecretString};

use super::NotifySettings;
use crate::entities::app_secret;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Bytes of the MAC kept: 96 bits, beyond guessing through a web form.
const MAC_LEN: usize = 12;
const SECRET_NAME: &str = "applicant_link";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("malformed or forged link")]
    Invalid,
    #[error("link expired")]
    Expired,
}

impl LinkError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Invalid => "link.invalid",
            Self::Expired => "link.expired",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            Self::Invalid => "链接无效，请检查短信或邮件中的链接是否完整",
            Self::Expired => "链接已过期，请通过“订单查询”使用订单号和手机号查看订单",
        }
    }
}

/// The key: configured, or made once and kept in the database for every node.
pub async fn secret(db: &impl ConnectionTrait, settings: &NotifySettings) -> Result<SecretString, DbErr> {
    if let Some(s) = &settings.link_secret {
        return Ok(s.clone());
    }
    // Read first: only the very first use anywhere writes.
    if let Some(stored) = app_secret::Entity::find_by_id(SECRET_NAME.to_string()).one(db).await? {
        return Ok(SecretString::from(stored.value));
    }
    let row = app_secret::ActiveModel {
        name: Set(SECRET_NAME.into()),
        value: Set(crate::auth::random_token()),
        created_at_ms: Set(chrono::Utc::now().timestamp_millis()),
    };
    // Two nodes racing both insert; the first one's value stands and both read it back.
    app_secret::Entity::insert(row).on_conflict_do_nothing_on([app_secret::Column::Name]).exec(db).await?;
    let stored = app_secret::Entity::find_by_id(SECRET_NAME.to_string())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("app_secrets.applicant_link".into()))?;
    Ok(SecretString::from(stored.value))
}

/// The MAC over `data`, not yet finalised.
fn keyed(key: &SecretString, data: &[u8]) -> HmacSha256 {
    let mut m = super::hmac_sha256(key.expose_secret().as_bytes());
    m.update(b"sealdesk applicant link v1\0");
    m.update(data);
    m
}

/// A token for `application_id` valid until `expires_at` (rounded up to the hour).
pub fn sign(key: &SecretString, application_id: i32, expires_at: chrono::DateTime<chrono::Utc>) -> String {
    let hours = (expires_at.timestamp() + 3599).div_euclid(3600).clamp(0, u32::MAX as i64) as u32;
    let mut data = Vec::with_capacity(8 + MAC_LEN);
    data.extend_from_slice(&(application_id as u32).to_be_bytes());
    data.extend_from_slice(&hours.to_be_bytes());
    let tag = keyed(key, &data).finalize().into_bytes();
    data.extend_from_slice(&tag[..MAC_LEN]);
    URL_SAFE_NO_PAD.encode(data)
}

/// The application a token names, if it is ours and not expired at `now`.
pub fn verify(key: &SecretString, token: &str, now: chrono::DateTime<chrono::Utc>) -> Result<i32, LinkError> {
    let raw = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| LinkError::Invalid)?;
    if raw.len() != 8 + MAC_LEN {
        return Err(LinkError::Invalid);
    }
    let (data, tag) = raw.split_at(8);
    keyed(key, data).verify_truncated_left(tag).map_err(|_| LinkError::Invalid)?;
    let app = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
    let hours = u32::from_be_bytes([data[4], data[5], data[6], data[7]]) as i64;
    if now.timestamp() >= hours * 3600 {
        return Err(LinkError::Expired);
    }
    i32::try_from(app).map_err(|_| LinkError::Invalid)
}

/// As [`verify`], with the current key first and then each previous one (key rotation). A
/// token whose signature one of them accepts but that is past its time is `Expired`.
pub fn verify_any(
    current: &SecretString,
    previous: &[SecretString],
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i32, LinkError> {
    let mut result = verify(current, token, now);
    for key in previous {
        if result != Err(LinkError::Invalid) {
            break;
        }
        result = verify(key, token, now);
    }
    result
}

/// The whole link for a message sent now.
pub fn url(
    settings: &NotifySettings,
    key: &SecretString,
    application_id: i32,
) -> (String, chrono::DateTime<chrono::Utc>) {
    let expires = chrono::Utc::now() + chrono::Duration::days(settings.link_valid_days as i64);
    let base = settings.public_base_url.trim_end_matches('/');
    (format!("{base}/o/{}", sign(key, application_id, expires)), expires)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    fn key(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn a_signed_link_opens_its_application_until_it_expires() {
        let k = key("k1");
        let now = Utc::now();
        let t = sign(&k, 4711, now + Duration::days(14));
        assert_eq!(t.len(), 27, "short enough for an SMS: {t}");
        assert_eq!(verify(&k, &t, now), Ok(4711));
        assert_eq!(verify(&k, &t, now + Duration::days(15)), Err(LinkError::Expired));
    }

    #[test]
    fn after_a_rotation_old_links_still_open_and_new_ones_are_signed_with_the_new_key() {
        let (old, new) = (key("the-old-key-0123456789"), key("the-new-key-9876543210"));
        let until = Utc::now() + Duration::days(3);
        let sent_before = sign(&old, 42, until);
        assert_eq!(verify_any(&new, std::slice::from_ref(&old), &sent_before, Utc::now()), Ok(42));
        assert_eq!(verify_any(&new, &[], &sent_before, Utc::now()), Err(LinkError::Invalid), "once retired");
        let late = Utc::now() + Duration::days(4);
        assert_eq!(verify_any(&new, std::slice::from_ref(&old), &sent_before, late), Err(LinkError::Expired));
        assert_eq!(verify_any(&new, &[old], &sign(&new, 7, until), Utc::now()), Ok(7));
    }

    #[test]
    fn the_key_can_come_from_a_file_and_never_prints() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("link.key");
        std::fs::write(&path, "k3y-from-a-mounted-secret-file\n").unwrap();
        let mut s = NotifySettings { link_secret_file: Some(path), ..NotifySettings::default() };
        s.link_previous_secrets = vec![key("an-older-key-0000000000")];
        s.read_secret_files().unwrap();
        assert_eq!(s.link_secret.as_ref().unwrap().expose_secret(), "k3y-from-a-mounted-secret-file");
        let shown = toml::to_string(&s).unwrap();
        assert!(!shown.contains("k3y-from") && !shown.contains("older-key"), "{shown}");
        let mut short =
            NotifySettings { link_secret_file: Some(dir.path().join("none")), ..NotifySettings::default() };
        assert!(short.read_secret_files().is_err(), "a missing file stops the start");
    }

    #[test]
    fn a_changed_or_foreign_link_is_refused() {
        let now = Utc::now();
        let t = sign(&key("k1"), 7, now + Duration::days(1));
        assert_eq!(verify(&key("k2"), &t, now), Err(LinkError::Invalid), "another key");
        // Another application id with the same tag.
        let mut raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
        raw[3] ^= 1;
        assert_eq!(verify(&key("k1"), &URL_SAFE_NO_PAD.encode(raw), now), Err(LinkError::Invalid));
        assert_eq!(verify(&key("k1"), "not-a-token", now), Err(LinkError::Invalid));
        assert_eq!(verify(&key("k1"), "", now), Err(LinkError::Invalid));
    }
}
