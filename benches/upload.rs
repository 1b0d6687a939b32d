//! Uploads under load, on loopback: `cargo bench --bench upload`. Starts the release
//! `sealdesk serve` as its own process on a fresh SQLite database, starts 10 applications through
//! `/apply`, then sends 50 uploads of 5 MB at once (every document of every application, each a
//! distinct valid JPEG) while a signed-in reviewer keeps asking for the queue page. Reports the
//! uploads' wall time and latencies, the queue page's latencies meanwhile, and the server's
//! resident memory before and at its peak (VmHWM); then checks that every upload is stored:
//! one document row each, its blob present with the SHA-256 it was sent with.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sea_orm::EntityTrait;
use sealdesk::auth::{Role, accounts, session};
use sealdesk::config::{Overrides, Settings};
use sealdesk::domain::{DocumentKind, OperationType};
use sealdesk::entities::document;
use sealdesk::storage::{BlobKey, BlobStore, LocalBlobStore};
use sha2::{Digest, Sha256};

const APPLICATIONS: usize = 10;
const UPLOAD_BYTES: usize = 5 * 1024 * 1024;

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// A 300-dpi A4 licence scan made exactly `UPLOAD_BYTES` long with comment segments, the first
/// naming `n` so that every upload is its own blob.
fn jpeg(base: &[u8], n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(UPLOAD_BYTES);
    out.extend_from_slice(&base[..2]);
    let segment = |out: &mut Vec<u8>, body: &[u8]| {
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(body);
    };
    segment(&mut out, format!("sealdesk load test upload {n}").as_bytes());
    while out.len() + (base.len() - 2) + 4 < UPLOAD_BYTES {
        let room = UPLOAD_BYTES - out.len() - (base.len() - 2) - 4;
        segment(&mut out, &vec![b'.'; room.min(60_000)]);
    }
    out.extend_from_slice(&base[2..]);
    out
}

fn status_kb(pid: u32, field: &str) -> u64 {
    let mut s = String::new();
    std::fs::File::open(format!("/proc/{pid}/status"))
        .and_then(|mut f| f.read_to_string(&mut s))
        .expect("proc status");
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn multipart(bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "sealdesk-bench-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs bench targets too; the load test is for `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("upload load test: run it with `cargo bench --bench upload`");
        return;
    }
    if std::env::args().any(|a| a == "worst") {
        worst_case_memory().await;
        return;
    }
    let Server { _dir: dir, _process: _server, pid, base, settings, db, cookie, client } =
        Server::start().await;
    let _ = &dir;

    let mut orders = Vec::new();
    for i in 0..APPLICATIONS {
        let key = format!("bench-{i}");
        let form = apply_form(&key);
        let resp = client.post(format!("{base}/apply")).form(&form).send().await.expect("apply");
        assert_eq!(resp.status(), 303);
        orders.push(resp.headers()["location"].to_str().unwrap().to_string());
    }

    let fonts = sealdesk::fixtures::Fonts::system().expect("fonts");
    let (page, _) = sealdesk::fixtures::documents::licence_copy(
        &fonts,
        300,
        ("91110000600037341L", "重庆压测科技有限公司"),
        true,
        1,
    );
    let base_jpeg = sealdesk::fixtures::degrade::jpeg(&page, 92);
    let kinds = OperationType::New.required_documents();
    let mut bodies = Vec::new();
    for (i, order) in orders.iter().enumerate() {
        for (j, kind) in kinds.iter().enumerate() {
            let bytes = jpeg(&base_jpeg, i * kinds.len() + j);
            let sha = hex::encode(Sha256::digest(&bytes));
            bodies.push((
                format!("{base}{order}/documents/{}", kind.as_str()),
                *kind,
                sha,
                multipart(&bytes),
            ));
        }
    }
    let rss_before = status_kb(pid, "VmRSS:");
    println!(
        "server resident before: {:.0} MB; {} uploads of {:.1} MB each",
        rss_before as f64 / 1024.0,
        bodies.len(),
        UPLOAD_BYTES as f64 / 1_048_576.0
    );

    // The reviewer's queue page, asked for every 100 ms while the uploads run.
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (client, base, cookie, done) = (client.clone(), base.clone(), cookie.clone(), done.clone());
        tokio::spawn(async move {
            let mut t = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let s = Instant::now();
                let resp = client
                    .get(format!("{base}/queue"))
                    .header("cookie", &cookie)
                    .send()
                    .await
                    .expect("queue");
                assert_eq!(resp.status(), 200);
                resp.bytes().await.expect("queue body");
                t.push(s.elapsed().as_secs_f64() * 1000.0);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            t
        })
    };
    let started = Instant::now();
    let uploads: Vec<_> = bodies
        .into_iter()
        .map(|(url, kind, sha, (ct, body))| {
            let client = client.clone();
            tokio::spawn(async move {
                let s = Instant::now();
                let resp = client
                    .post(url)
                    .header("content-type", ct)
                    .header("accept", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("upload");
                let status = resp.status();
                let json: serde_json::Value = resp.json().await.expect("json");
                assert_eq!(status, 201, "{kind:?}: {json}");
                (s.elapsed().as_secs_f64() * 1000.0, json["document_id"].as_i64().unwrap() as i32, sha)
            })
        })
        .collect();
    let mut results = Vec::new();
    for u in uploads {
        results.push(u.await.expect("upload task"));
    }
    let wall = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let mut queue_ms = watcher.await.expect("watcher");
    let peak = status_kb(pid, "VmHWM:");

    let mut latencies: Vec<f64> = results.iter().map(|r| r.0).collect();
    println!(
        "50 uploads: wall {wall:.1} s; per upload median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.9),
        percentile(&mut latencies, 1.0)
    );
    println!(
        "queue page meanwhile: {} requests, median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        queue_ms.len(),
        percentile(&mut queue_ms, 0.5),
        percentile(&mut queue_ms, 0.9),
        percentile(&mut queue_ms, 1.0)
    );
    println!("server resident peak (VmHWM): {:.0} MB", peak as f64 / 1024.0);

    // None lost: a row per upload, its blob there with the bytes that were sent.
    let blobs = LocalBlobStore::open(settings.blob_dir()).expect("blobs");
    for (_, id, sha) in &results {
        let doc = document::Entity::find_by_id(*id).one(&db).await.expect("db").expect("document row");
        assert_eq!(&doc.sha256, sha);
        let bytes = blobs.get(&BlobKey::parse(&doc.blob_key).unwrap()).await.expect("blob");
        assert_eq!(&hex::encode(Sha256::digest(&bytes)), sha);
        assert!(doc.kind.parse::<DocumentKind>().is_ok());
    }
    println!("all {} uploads stored and intact", results.len());
}

/// The release `sealdesk serve` on a fresh SQLite database in a temp dir, with a signed-in
/// reviewer's cookie; killed when dropped, a failed assertion included.
struct Server {
    _dir: tempfile::TempDir,
    _process: Killed,
    pid: u32,
    base: String,
    settings: Settings,
    db: sea_orm::DatabaseConnection,
    cookie: String,
    client: reqwest::Client,
}

impl Server {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        let settings = Settings::load(
            Some(std::path::Path::new("/dev/null")),
            &Overrides { bind: Some(format!("127.0.0.1:{port}")), data_dir: Some(dir.path().to_path_buf()) },
        )
        .expect("settings");
        // Schema and a signed-in reviewer first, then the server as its own process.
        let db = sealdesk::db::open(&settings).await.expect("database");
        let reviewer = accounts::add(
            &db,
            accounts::NewStaff {
                username: "bench",
                display_name: "压测审核员",
                role: Role::Reviewer,
                password: "bench-password".into(),
            },
        )
        .await
        .expect("reviewer")
        .id;
        let cookie = format!(
            "{}={}",
            session::COOKIE,
            session::create(&db, reviewer, None, None, &settings.auth).await.expect("session").token
        );

        let server = Command::new(env!("CARGO_BIN_EXE_sealdesk"))
            .args([
                "--data-dir",
                dir.path().to_str().unwrap(),
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .env("SEALDESK__LOG__FILTER", "warn")
            // Every request comes from 127.0.0.1: the per-address limits are not what is measured.
            .env("SEALDESK__INTAKE__UPLOADS_PER_MINUTE_PER_ADDRESS", "100000")
            .env("SEALDESK__INTAKE__APPLICATIONS_PER_HOUR_PER_ADDRESS", "100000")
            .stdout(Stdio::null())
            .spawn()
            .expect("sealdesk serve");
        let pid = server.id();
        // Killed however this ends, a failed assertion included.
        let process = Killed(server);
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(300))
            .build()
            .expect("client");
        let started = Instant::now();
        while client.get(format!("{base}/healthz")).send().await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        Self { _dir: dir, _process: process, pid, base, settings, db, cookie, client }
    }
}

fn apply_form(key: &str) -> Vec<(&'static str, String)> {
    [
        ("operation_type", "new"),
        ("certificate_type", "unit_seal"),
        ("validity_years", "1"),
        ("delivery", "pickup"),
        ("company_name", "重庆压测科技有限公司"),
        ("company_uscc", "91110000600037341L"),
        ("legal_rep_name", "张伟"),
        ("legal_rep_id_number", "11010519491231002X"),
        ("contact_phone", "13912345678"),
        ("operator_name", "李娜"),
        ("operator_id_number", "360426199101010071"),
        ("operator_mobile", "17623094654"),
        ("operator_email", "ln@example.com"),
        ("mailing_address", "重庆市渝中区"),
        ("declaration", "on"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .chain([("key", key.to_string())])
    .collect()
}

/// The audit's worst cases within the limits, eight at once (`cargo bench --bench upload --
/// worst`), two of each: 16-bit RGBA PNGs of 11,999 × 4,990 (refused from their header), the
/// largest progressive JPEG the decode limit takes, a baseline JPEG at the pixel limit, and an
/// uncompressed TIFF near the byte limit, each to its own application.
/// Reports the server's resident memory before and at its peak (VmHWM) once every upload is
/// answered and every accepted one checked.
async fn worst_case_memory() {
    let server = Server::start().await;
    let (client, base) = (&server.client, &server.base);
    let flat = |w: u32, h: u32| {
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([250, (x % 7) as u8 + 240, (y % 5) as u8 + 240]))
    };
    let mut png16 = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(flat(11_999, 4_990))
        .to_rgba16()
        .write_to(&mut png16, image::ImageFormat::Png)
        .expect("png");
    let jpeg = |w: u32, h: u32, progressive: bool| {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 80);
        enc.set_progressive(progressive);
        enc.encode(flat(w, h).as_raw(), w as u16, h as u16, jpeg_encoder::ColorType::Rgb).expect("jpeg");
        out
    };
    let mut tiff = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(flat(2_500, 2_600))
        .write_to(&mut tiff, image::ImageFormat::Tiff)
        .expect("tiff");
    // The largest progressive JPEG `checks.max_decoded_bytes` takes (9 bytes a pixel), and a
    // baseline one at the pixel limit.
    let files = [
        ("16-bit RGBA PNG 11999x4990", png16.into_inner()),
        ("progressive JPEG 6400x4400", jpeg(6_400, 4_400, true)),
        ("baseline JPEG 9000x6600", jpeg(9_000, 6_600, false)),
        ("TIFF 2500x2600", tiff.into_inner()),
    ];
    for (name, bytes) in &files {
        println!("worst case: {name}, {:.1} MB", bytes.len() as f64 / 1_048_576.0);
    }
    let rss_before = status_kb(server.pid, "VmRSS:");
    let mut uploads = Vec::new();
    for i in 0..8 {
        let resp = client
            .post(format!("{base}/apply"))
            .form(&apply_form(&format!("worst-{i}")))
            .send()
            .await
            .expect("apply");
        let order = resp.headers()["location"].to_str().unwrap().to_string();
        let (ct, body) = multipart(&files[i % files.len()].1);
        let (client, url) = (client.clone(), format!("{base}{order}/documents/business_license"));
        uploads.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .header("content-type", ct)
                .header("accept", "application/json")
                .body(body)
                .send()
                .await
                .expect("upload");
            r.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for u in uploads {
        statuses.push(u.await.expect("upload task"));
    }
    // Every accepted upload's check job done.
    let started = Instant::now();
    loop {
        let health: serde_json::Value =
            client.get(format!("{base}/healthz")).send().await.expect("health").json().await.expect("json");
        let busy = ["queued", "running"].iter().any(|k| health["jobs"][k].as_i64().unwrap_or(0) > 0);
        if !busy || started.elapsed() > Duration::from_secs(600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let peak = status_kb(server.pid, "VmHWM:");
    println!(
        "answers: {statuses:?} (201 taken, 422 refused); checks done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "server resident before: {:.0} MB, peak (VmHWM): {:.0} MB",
        rss_before as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}
