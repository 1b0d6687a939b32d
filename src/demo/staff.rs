//! Demo staff: two reviewers, a supervisor and an admin, so every role can be tried at once.

use sea_orm::ConnectionTrait;

use crate::auth::{Role, accounts};

const STAFF: &[(&str, &str, Role)] = &[
    ("reviewer", "王审核", Role::Reviewer),
    ("reviewer2", "刘审核", Role::Reviewer),
    ("supervisor", "陈主管", Role::Supervisor),
    ("admin", "系统管理员", Role::Admin),
];

/// Creates the accounts that do not exist yet; returns their usernames.
pub async fn add(db: &impl ConnectionTrait, password: &str) -> anyhow::Result<Vec<&'static str>> {
    let mut made = Vec::new();
    for (username, name, role) in STAFF {
        if accounts::find(db, username).await?.is_some() {
            continue;
        }
        let new = accounts::NewStaff { username, display_name: name, role: *role, password: password.into() };
        accounts::add(db, new).await.map_err(|e| anyhow::anyhow!("demo account {username}: {e}"))?;
        made.push(*username);
    }
    Ok(made)
}
