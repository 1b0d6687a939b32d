//! Sign-in under attack (issue 20, findings 4–6): parallel guesses cannot outrun the limit,
//! a stranger slows a username down but cannot lock its owner out, addresses behind a trusted
//! proxy are told apart (and a client's own `X-Forwarded-For` is not believed), and `next`
//! never leads off the site.

use sealdesk::auth::Role;

use crate::helpers::spawn_app_with;
use crate::staff::{PASSWORD, add_staff, cookie_from, csrf_in, location, no_redirects};

/// A browser's login: the form, then the POST with its token, from `forwarded_for` if given.
async fn try_login(
    base: &str,
    username: &str,
    password: &str,
    next: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let client = no_redirects();
    let form = client.get(format!("{base}/login")).send().await.unwrap();
    let (csrf_cookie, _) = cookie_from(&form, "sealdesk_login_csrf").unwrap();
    let csrf = csrf_in(&form.text().await.unwrap());
    let mut req = client.post(format!("{base}/login")).header("cookie", csrf_cookie).form(&[
        ("username", username),
        ("password", password),
        ("csrf", &csrf),
        ("next", next),
    ]);
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn parallel_guesses_are_judged_no_more_often_than_the_limit() {
    let app = spawn_app_with(|s| {
        s.auth.max_failed_logins = 5;
        s.auth.login_delay_base_secs = 30;
    })
    .await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "li", Role::Reviewer).await;
    let base = app.address.clone();
    let tries = (0..40).map(|i| {
        let base = base.clone();
        let password = if i == 39 { PASSWORD.to_string() } else { format!("guess-{i}") };
        tokio::spawn(async move { try_login(&base, "li", &password, "/queue", None).await.status().as_u16() })
    });
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.unwrap());
    }
    let judged = statuses.iter().filter(|s| **s != 429).count();
    assert!(judged <= 5, "{judged} of 40 parallel tries were judged: {statuses:?}");
    assert!(statuses.iter().all(|s| [401, 429, 303].contains(s)), "{statuses:?}");
}

#[tokio::test]
async fn a_stranger_slows_a_username_down_but_its_owner_gets_in_after_the_wait() {
    let app = spawn_app_with(|s| {
        s.auth.max_failed_logins = 2;
        s.auth.login_delay_base_secs = 1;
        s.auth.login_delay_max_secs = 1;
    })
    .await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "li", Role::Reviewer).await;
    for _ in 0..2 {
        assert_eq!(try_login(&app.address, "li", "stranger-guess", "/queue", None).await.status(), 401);
    }
    // The stranger keeps hammering: each try is refused and does not lengthen the wait.
    for _ in 0..5 {
        let r = try_login(&app.address, "li", "stranger-guess", "/queue", None).await;
        assert_eq!(r.status(), 429);
        assert!(r.text().await.unwrap().contains("秒后再试"));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let owner = try_login(&app.address, "li", PASSWORD, "/queue", None).await;
    assert_eq!(owner.status(), 303, "the owner is slowed, never locked out");
}

#[tokio::test]
async fn addresses_behind_a_trusted_proxy_are_told_apart_and_a_clients_own_header_is_not_believed() {
    let app = spawn_app_with(|s| {
        s.auth.max_failed_logins_per_ip = 3;
        s.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "li", Role::Reviewer).await;
    for user in ["a", "b", "c"] {
        let r = try_login(&app.address, user, "x", "/queue", Some("203.0.113.1")).await;
        assert_eq!(r.status(), 401);
    }
    let r = try_login(&app.address, "d", "x", "/queue", Some("203.0.113.1")).await;
    assert_eq!(r.status(), 429, "the attacker's address is limited");
    let colleague = try_login(&app.address, "li", PASSWORD, "/queue", Some("203.0.113.2")).await;
    assert_eq!(colleague.status(), 303, "a colleague behind the same proxy is not");

    let direct = spawn_app_with(|s| s.auth.max_failed_logins_per_ip = 3).await;
    for (user, ip) in [("a", "1.1.1.1"), ("b", "2.2.2.2"), ("c", "3.3.3.3")] {
        assert_eq!(try_login(&direct.address, user, "x", "/queue", Some(ip)).await.status(), 401);
    }
    let dodge = try_login(&direct.address, "e", "x", "/queue", Some("4.4.4.4")).await;
    assert_eq!(dodge.status(), 429, "with no trusted proxy a forged X-Forwarded-For changes nothing");
}

#[tokio::test]
async fn next_after_login_never_leaves_the_site() {
    let app = spawn_app_with(|_| {}).await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "li", Role::Reviewer).await;
    let form =
        no_redirects().get(format!("{}/login?next=/%09/evil.example", app.address)).send().await.unwrap();
    let html = form.text().await.unwrap();
    assert!(!html.contains("evil.example"), "the form does not carry it on");
    for evil in ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example"] {
        let r = try_login(&app.address, "li", PASSWORD, evil, None).await;
        assert_eq!(r.status(), 303, "{evil:?}");
        assert_eq!(location(&r), "/queue", "{evil:?}");
    }
    let r = try_login(&app.address, "li", PASSWORD, "/cases/7?tab=docs", None).await;
    assert_eq!(location(&r), "/cases/7?tab=docs");
}
