//! Staff accounts: created from the command line (`sealdesk user add`) or by an admin, looked
//! up at login.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{AuthError, Role, password};
use crate::entities::staff_user;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("username must be 2–32 letters, digits, '.', '_' or '-'")]
    BadUsername,
    #[error("password must be at least {} characters", password::MIN_LEN)]
    WeakPassword,
    #[error("user {0} already exists")]
    Exists(String),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl AccountError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUsername => "account.bad_username",
            Self::WeakPassword => "account.weak_password",
            Self::Exists(_) => "account.exists",
            Self::Auth(e) => e.code(),
            Self::Db(_) => "internal",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::BadUsername => "用户名须为2至32位字母、数字或 . _ -".into(),
            Self::WeakPassword => format!("密码至少{}位", password::MIN_LEN),
            Self::Exists(u) => format!("用户 {u} 已存在"),
            Self::Auth(e) => e.message_zh(),
            Self::Db(_) => "系统内部错误，请稍后重试".into(),
        }
    }
}

fn valid_username(u: &str) -> bool {
    (2..=32).contains(&u.len())
        && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub struct NewStaff<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password: String,
}

pub async fn add(db: &impl ConnectionTrait, new: NewStaff<'_>) -> Result<staff_user::Model, AccountError> {
    if !valid_username(new.username) {
        return Err(AccountError::BadUsername);
    }
    if new.password.chars().count() < password::MIN_LEN {
        return Err(AccountError::WeakPassword);
    }
    if find(db, new.username).await?.is_some() {
        return Err(AccountError::Exists(new.username.into()));
    }
    let hash = password::hash(new.password).await?;
    let display = if new.display_name.trim().is_empty() { new.username } else { new.display_name.trim() };
    Ok(staff_user::ActiveModel {
        username: Set(new.username.into()),
        display_name: Set(display.into()),
        password_hash: Set(hash),
        role: Set(new.role.as_str().into()),
        active: Set(true),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn find(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<staff_user::Model>, sea_orm::DbErr> {
    staff_user::Entity::find().filter(staff_user::Column::Username.eq(username)).one(db).await
}

#[cfg(test)]
mod tests {
    use super::valid_username;

    #[test]
    fn usernames_are_plain_ascii() {
        assert!(valid_username("li.na_01"));
        assert!(!valid_username("x"));
        assert!(!valid_username("李娜"));
        assert!(!valid_username("a b"));
    }
}
