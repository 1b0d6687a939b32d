//! Staff authentication and authorisation: accounts with argon2id password hashes, sessions
//! kept in the database (so any node can serve any request), login throttling, and the roles
//! every route checks on the server.

pub mod accounts;
pub mod api_token;
pub mod password;
pub mod session;
pub mod throttle;

use serde::Serialize;

use crate::domain::application::string_enum;

string_enum! {
    /// What a staff member may do. Each of reviewer, supervisor and admin includes the ones
    /// before it. `integration` is an account of the CA's own platform: it may use the intake
    /// API (as may an admin) and nothing else.
    Role {
        Reviewer => "reviewer", "审核员";
        Supervisor => "supervisor", "审核主管";
        Admin => "admin", "系统管理员";
        Integration => "integration", "平台对接";
    }
}

impl Role {
    fn rank(self) -> u8 {
        match self {
            Self::Reviewer => 1,
            Self::Supervisor => 2,
            Self::Admin => 3,
            Self::Integration => 0,
        }
    }

    /// Whether this role includes `needed`.
    pub fn includes(self, needed: Role) -> bool {
        match (self, needed) {
            (Self::Integration, n) => n == Self::Integration,
            (s, Self::Integration) => s == Self::Admin,
            (s, n) => s.rank() >= n.rank(),
        }
    }
}

/// A logged-in staff member, as every handler sees them.
#[derive(Debug, Clone, Serialize)]
pub struct Staff {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub role_label: &'static str,
    /// The session's CSRF token (empty for API tokens, which need none).
    #[serde(skip)]
    pub csrf_token: String,
}

impl Staff {
    /// The staff member an active account acts as; `None` for a disabled account or an unknown
    /// role.
    pub fn from_user(user: crate::entities::staff_user::Model, csrf_token: String) -> Option<Self> {
        let role = user.role.parse::<Role>().ok().filter(|_| user.active)?;
        Some(Self {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role,
            role_label: role.label_zh(),
            csrf_token,
        })
    }

    pub fn can(&self, needed: Role) -> bool {
        self.role.includes(needed)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("role {have} cannot do what needs {need}")]
    Forbidden { have: Role, need: Role },
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many failed logins")]
    Throttled,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotLoggedIn => "auth.not_logged_in",
            Self::Forbidden { .. } => "auth.forbidden",
            Self::Csrf => "auth.csrf",
            Self::BadCredentials => "auth.bad_credentials",
            Self::Throttled => "auth.throttled",
            Self::Db(_) | Self::Hash(_) => "internal",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::NotLoggedIn => "请先登录".into(),
            Self::Forbidden { need, .. } => format!("无权访问：需要{}权限", need.label_zh()),
            Self::Csrf => "页面已过期或请求来源无效，请刷新页面后重试".into(),
            Self::BadCredentials => "用户名或密码错误".into(),
            Self::Throttled => "登录失败次数过多，请稍后再试".into(),
            Self::Db(_) | Self::Hash(_) => "系统内部错误，请稍后重试".into(),
        }
    }
}

/// 32 random bytes as 64 hex characters, from the operating system's generator.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // getrandom fails only when the OS has no entropy source at all; then nothing is safe.
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("no OS random source: {e}"));
    hex::encode(bytes)
}

/// SHA-256 of a token, as stored: the table alone logs no one in.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_include_the_ones_below_them() {
        assert!(Role::Admin.includes(Role::Reviewer));
        assert!(Role::Supervisor.includes(Role::Reviewer));
        assert!(!Role::Reviewer.includes(Role::Supervisor));
        assert!(!Role::Supervisor.includes(Role::Admin));
        assert!(Role::Integration.includes(Role::Integration) && Role::Admin.includes(Role::Integration));
        assert!(!Role::Integration.includes(Role::Reviewer) && !Role::Supervisor.includes(Role::Integration));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b) && !same_secret(&a, "x"));
    }
}
