//! The binary's own behaviour: bad configuration is one clear line and a non-zero exit, never a
//! panic; `migrate status` and `config` tell the truth.

use std::process::Output;

use crate::helpers::TestDb;

fn assert_one_line_failure(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "must exit non-zero: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line, got: {stderr}");
    assert!(stderr.starts_with("sealdesk: error: "), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn an_unknown_key_in_the_config_file_is_one_clear_line() {
    let db = TestDb::new().await;
    let file = db.dir.path().join("sealdesk.toml");
    std::fs::write(&file, "[server]\nbind = \"127.0.0.1:0\"\nbnid = \"oops\"\n").unwrap();
    let out = db.command().arg("--config").arg(&file).arg("config").output().unwrap();
    assert_one_line_failure(&out, "bnid");
}

#[tokio::test]
async fn an_unknown_environment_key_is_refused() {
    let db = TestDb::new().await;
    let out = db.command().env("SEALDESK__JOBS__WORKERZ", "4").arg("config").output().unwrap();
    assert_one_line_failure(&out, "workerz");
}

#[tokio::test]
async fn a_bad_database_url_is_refused_without_printing_its_password() {
    let db = TestDb::new().await;
    let out =
        db.command().env("DATABASE_URL", "mysql://ca:s3cret@db/sealdesk").arg("migrate").output().unwrap();
    assert_one_line_failure(&out, "not a sqlite: or postgres:// URL");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cret"));

    let out = db
        .command()
        .env("DATABASE_URL", "postgres://ca:s3cret@127.0.0.1:1/sealdesk")
        .env("SEALDESK__DATABASE__CONNECT_TIMEOUT_SECS", "3")
        .arg("migrate")
        .output()
        .unwrap();
    assert_one_line_failure(&out, "cannot open database postgres://ca:[redacted]@127.0.0.1:1/sealdesk");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cret"));
}

#[tokio::test]
async fn an_unusable_data_dir_is_one_clear_line() {
    let db = TestDb::new().await;
    let file = db.dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let out = db.command_in(&file.join("data")).arg("demo").output().unwrap();
    // With PostgreSQL configured the data dir still holds the blobs, so both backends fail here.
    let needle = if db.is_postgres() { "cannot open blob store" } else { "cannot create data directory" };
    assert_one_line_failure(&out, needle);
}

#[tokio::test]
async fn a_bad_bind_address_is_one_clear_line() {
    let db = TestDb::new().await;
    let out = db.command().args(["serve", "--bind", "localhost:http"]).output().unwrap();
    assert_one_line_failure(&out, "server.bind");
}

#[tokio::test]
async fn migrate_status_lists_pending_then_applied_migrations() {
    let db = TestDb::new().await;
    let out = db.command().args(["migrate", "status"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.lines().count() >= 2 && stdout.lines().all(|l| l.starts_with("pending ")), "{stdout}");
    let out = db.command().args(["migrate", "up"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().all(|l| l.starts_with("applied ")), "{stdout}");
}

#[tokio::test]
async fn config_prints_the_effective_settings_with_the_password_redacted() {
    let db = TestDb::new().await;
    let out = db
        .command()
        .env("DATABASE_URL", "postgres://ca:s3cret@db.internal:5432/sealdesk")
        .env("SEALDESK__JOBS__WORKERS", "7")
        .arg("config")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("workers = 7"), "{stdout}");
    assert!(stdout.contains("postgres://ca:[redacted]@db.internal:5432/sealdesk"), "{stdout}");
    assert!(!stdout.contains("s3cret"));
}

const USCC: &str = "91500103MA5U7K3PXF";
const COMPANY: &str = "重庆山城建设工程有限公司";

#[tokio::test]
async fn check_prints_one_json_line_per_file_even_for_files_it_cannot_read() {
    let db = TestDb::new().await;
    let dir = db.dir.path();
    std::fs::write(dir.join("scan.jpg"), crate::intake::licence_jpeg(USCC, COMPANY)).unwrap();
    std::fs::write(dir.join("renamed.jpg"), b"%PDF-1.7\n1 0 obj\n").unwrap();
    std::fs::write(dir.join("empty.png"), b"").unwrap();
    let out = db
        .command()
        .args(["check", "--kind", "business_license", "--expect-number", USCC, "--expect-company", COMPANY])
        .args(["scan.jpg", "renamed.jpg", "empty.png", "missing.jpg"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    let codes: Vec<&str> =
        lines.iter().map(|l| l["checks"]["format"]["code"].as_str().unwrap_or("ok")).collect();
    assert_eq!(codes, ["ok", "format.pdf", "format.empty", "format.unreadable"]);
    assert_eq!(lines[0]["file"], "scan.jpg");
    assert_eq!(lines[0]["kind"], "business_license");
    assert_eq!(lines[0]["verdict"], "pass");
    assert!(lines[0]["elapsed_ms"].as_f64().unwrap() > 0.0);
    assert!(lines.iter().skip(1).all(|l| l["verdict"] == "fail"));
    assert_eq!(lines[0]["checks"]["number"]["fields"][0]["outcome"], "match", "{}", lines[0]);
    assert_eq!(lines[0]["checks"]["company_name"]["similarity"], 1.0, "{}", lines[0]);

    // A mistyped code (two characters swapped, check characters recomputed) is a mismatch
    // with the differing positions; without OCR there is no number finding at all.
    let typo = "91500103MA5U7K3PXF".replace("K3", "3K");
    let typo = sealdesk::domain::Uscc::from_parts("500103", &typo[8..16]).unwrap();
    let out = db
        .command()
        .args(["check", "--kind", "business_license", "--expect-number"])
        .arg(typo.as_str())
        .arg("scan.jpg")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let number = &report["checks"]["number"];
    assert_eq!(
        (&report["verdict"], &number["code"]),
        (&"fail".into(), &"number.mismatch".into()),
        "{number}"
    );
    assert_eq!(number["fields"][0]["differs_at"], serde_json::json!([14, 15, 17, 18]));
    let out = db
        .command()
        .args(["check", "--kind", "business_license", "--skip-ocr", "scan.jpg"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["checks"].get("number").is_none(), "{report}");

    let out = db.command().args(["check", "--kind", "passport", "scan.jpg"]).output().unwrap();
    assert!(!out.status.success(), "an unknown kind is a usage error");
}

#[tokio::test]
async fn serve_and_check_refuse_to_start_without_the_ocr_language_data() {
    let db = TestDb::new().await;
    std::fs::write(db.dir.path().join("scan.jpg"), b"").unwrap();
    for args in [&["serve", "--bind", "127.0.0.1:0"][..], &["check", "--kind", "id_card", "scan.jpg"]] {
        let out =
            db.command().args(args).env("SEALDESK__OCR__TESSDATA_DIR", "/nonexistent").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} must fail: {stderr}");
        assert!(stderr.contains("tesseract-ocr-eng"), "{args:?} says what to install: {stderr}");
    }
}

#[tokio::test]
async fn the_binary_runs_tesseract_with_openmp_held_to_one_thread() {
    // Started without the limit, the process re-executes itself with it (same pid); its
    // environment is visible through /proc.
    let db = TestDb::new().await;
    let mut cmd = db.command();
    cmd.args(["serve", "--bind", "127.0.0.1:0"]).env_remove("OMP_THREAD_LIMIT");
    let child = cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let guard = crate::helpers::ChildGuard(child);
    let environ = format!("/proc/{}/environ", guard.0.id());
    crate::helpers::eventually(std::time::Duration::from_secs(20), "re-executed with the limit", || {
        let environ = environ.clone();
        async move {
            let env = std::fs::read(&environ).unwrap_or_default();
            env.split(|b| *b == 0).any(|kv| kv == b"OMP_THREAD_LIMIT=1")
        }
    })
    .await;
}

#[tokio::test]
async fn staff_accounts_are_made_from_the_command_line_with_the_password_on_stdin() {
    use std::io::Write;
    let db = TestDb::new().await;
    let add = |role: &str, user: &str, password: &str| {
        let mut child = db
            .command()
            .args(["user", "add", "--role", role, "--name", "王审核", user])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = add("reviewer", "wang", "a-long-enough-password");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("created wang (reviewer)"));
    assert_one_line_failure(&add("reviewer", "li", "short"), "at least 10 characters");
    assert_one_line_failure(&add("boss", "li", "a-long-enough-password"), "--role must be");
    assert_one_line_failure(&add("reviewer", "wang", "a-long-enough-password"), "already exists");

    let conn = db.connect().await;
    let user = sealdesk::auth::accounts::find(&conn, "wang").await.unwrap().unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert!(sealdesk::auth::password::verify_blocking("a-long-enough-password", &user.password_hash));

    let token = db.command().args(["user", "token", "wang"]).output().unwrap();
    let token = String::from_utf8_lossy(&token.stdout).trim().to_string();
    assert!(token.starts_with("sdk_") && token.len() == 68, "{token}");
    assert!(sealdesk::auth::api_token::lookup(&conn, &token).await.unwrap().is_some());
    let off = db.command().args(["user", "disable", "wang"]).output().unwrap();
    assert!(String::from_utf8_lossy(&off.stdout).contains("1 API token(s) revoked"));
    assert!(sealdesk::auth::api_token::lookup(&conn, &token).await.unwrap().is_none());
}
