//! The `sealdesk` command line: one binary for the server, migrations, configuration, demo
//! data and job administration.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::config::{Overrides, Settings};
use crate::entities::job;
use crate::jobs::{NewJob, probe, queue};
use crate::ocr::tesseract::TesseractReader;
use crate::pipeline::number::Expected;
use crate::startup::{Application, shutdown_signal};
use crate::{db, demo, pipeline, startup, telemetry};

#[derive(Debug, Parser)]
#[command(name = "sealdesk", version, about = "Document review for certificate applications")]
pub struct Cli {
    /// Configuration file (default: ./sealdesk.toml when present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Data directory: SQLite database and blobs (overrides storage.data_dir).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server and the background job runners.
    Serve {
        /// Address to listen on (overrides server.bind).
        #[arg(long)]
        bind: Option<String>,
        /// Load demo data first (as `sealdesk demo`).
        #[arg(long)]
        demo: bool,
    },
    /// Apply or show database migrations.
    Migrate {
        #[arg(value_enum, default_value = "up")]
        action: MigrateAction,
    },
    /// Print the effective configuration, secrets redacted.
    Config,
    /// Load demo organisations and applications into the database.
    Demo,
    /// Run the automated checks on image files; prints one JSON object per file (JSON Lines).
    Check {
        /// Document kind: id_card, business_license, application_form, seal_sample,
        /// change_statement or other.
        #[arg(long, default_value = "other")]
        kind: String,
        /// The number the applicant typed, to compare with the one read from the page. On the
        /// application form give the credit code and the two ID numbers (legal representative
        /// first, then operator).
        #[arg(long = "expect-number", value_name = "N")]
        expect: Vec<String>,
        /// The company name the applicant typed, compared with a licence copy's.
        #[arg(long = "expect-company", value_name = "NAME")]
        company: Option<String>,
        /// Do not read numbers (no Tesseract needed).
        #[arg(long)]
        skip_ocr: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Render the labelled synthetic scans (images + labels.jsonl) into a folder.
    Fixtures {
        #[arg(long, default_value = "fixtures/generated")]
        out: PathBuf,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Inspect and administer background jobs.
    Jobs {
        #[command(subcommand)]
        action: JobsAction,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a staff account; the password is read from standard input (one line).
    Add {
        /// reviewer, supervisor, admin, or integration (the CA platform's account: intake API only).
        #[arg(long)]
        role: String,
        /// The name shown to colleagues (default: the username).
        #[arg(long, default_value = "")]
        name: String,
        username: String,
    },
    /// List staff accounts.
    List,
    /// Disable an account, end its sessions and revoke its API tokens.
    Disable { username: String },
    /// Issue a JSON API token for an account; printed once, only its hash is kept.
    Token {
        username: String,
        /// What the token is for (shown in listings).
        #[arg(long, default_value = "api")]
        name: String,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MigrateAction {
    Up,
    Status,
}

#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// Count jobs per state and list dead ones.
    List {
        /// Only jobs in this state (queued, running, done, dead).
        #[arg(long)]
        state: Option<String>,
    },
    /// Put a dead job back on the queue.
    Retry { id: i32 },
    /// Enqueue a probe job; a running `serve` records `job.probe` in the audit trail.
    Probe {
        #[arg(long, default_value_t = 0)]
        work_ms: u64,
        #[arg(long, default_value = "cli")]
        tag: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let bind = match &cli.command {
        Command::Serve { bind, .. } => bind.clone(),
        _ => None,
    };
    let settings =
        Settings::load(cli.config.as_deref(), &Overrides { bind, data_dir: cli.data_dir.clone() })?;
    match cli.command {
        Command::Config => {
            print!("{}", settings.to_redacted_toml());
            Ok(())
        }
        Command::Serve { demo: with_demo, .. } => {
            telemetry::init(&settings.log);
            if with_demo {
                let (db, blobs) = startup::open(&settings).await?;
                println!("{}", demo::load(&db, blobs.as_ref(), &settings, &demo_password()).await?);
            }
            let app = Application::build(settings).await?;
            let handle = app.handle();
            tokio::spawn(async move {
                shutdown_signal().await;
                tracing::info!("shutdown requested");
                handle.stop(true).await;
            });
            app.run_until_stopped().await
        }
        Command::Migrate { action } => {
            let db = db::connect(&settings).await?;
            if let MigrateAction::Up = action {
                db::migrate(&db).await?;
            }
            for (name, applied) in db::migration_status(&db).await? {
                println!("{} {name}", if applied { "applied" } else { "pending" });
            }
            Ok(())
        }
        Command::Demo => {
            let (db, blobs) = startup::open(&settings).await?;
            println!("{}", demo::load(&db, blobs.as_ref(), &settings, &demo_password()).await?);
            Ok(())
        }
        Command::Jobs { action } => jobs(&settings, action).await,
        Command::Check { kind, expect, company, skip_ocr, files } => {
            let kind: pipeline::DocKind = kind.parse().map_err(|e| anyhow::anyhow!("--kind: {e}"))?;
            let ocr = if skip_ocr { None } else { Some(ocr_reader(&settings)?) };
            let expected = Expected { company_name: company, ..expected_numbers(kind, &expect) };
            check_files(&settings, kind, &expected, ocr, &files)
        }
        Command::Fixtures { out, seed } => write_fixtures(&out, seed),
        Command::User { action } => user(&settings, action).await,
    }
}

/// The demo staff accounts' password: `SEALDESK_DEMO_PASSWORD`, else a fixed demo value
/// (demo data is for trying sealdesk, never for production).
fn demo_password() -> String {
    std::env::var("SEALDESK_DEMO_PASSWORD")
        .ok()
        .filter(|p| p.len() >= 10)
        .unwrap_or_else(|| "sealdesk-demo".into())
}

async fn user(settings: &Settings, action: UserAction) -> anyhow::Result<()> {
    use crate::auth::{Role, accounts, session};
    let (db, _) = startup::open(settings).await?;
    match action {
        UserAction::Add { role, name, username } => {
            let role: Role = role
                .parse()
                .map_err(|_| anyhow::anyhow!("--role must be reviewer, supervisor, admin or integration"))?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let new = accounts::NewStaff { username: &username, display_name: &name, role, password };
            let user = accounts::add(&db, new).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created {} ({}) id {}", user.username, user.role, user.id);
        }
        UserAction::List => {
            for u in crate::entities::staff_user::Entity::find()
                .order_by_asc(crate::entities::staff_user::Column::Id)
                .all(&db)
                .await?
            {
                let last = u.last_login_at.map_or_else(|| "never".into(), |t| t.to_rfc3339());
                println!(
                    "{}\t{}\t{}\t{}\tactive={}\tlast_login={last}",
                    u.id, u.username, u.display_name, u.role, u.active
                );
            }
        }
        UserAction::Disable { username } => {
            let Some(u) = accounts::find(&db, &username).await? else {
                anyhow::bail!("no user {username}");
            };
            let txn = db::begin_write(&db).await?;
            let ended = session::destroy_all_for(&txn, u.id).await?;
            let revoked = crate::auth::api_token::revoke_all_for(&txn, u.id).await?;
            let mut am: crate::entities::staff_user::ActiveModel = u.into();
            am.active = sea_orm::Set(false);
            sea_orm::ActiveModelTrait::update(am, &txn).await?;
            txn.commit().await?;
            println!("disabled {username}; {ended} session(s) ended, {revoked} API token(s) revoked");
        }
        UserAction::Token { username, name } => {
            let Some(u) = accounts::find(&db, &username).await?.filter(|u| u.active) else {
                anyhow::bail!("no active user {username}");
            };
            println!("{}", crate::auth::api_token::issue(&db, u.id, &name).await?);
        }
    }
    Ok(())
}

/// Every file gets its JSON line, even one that cannot be read; the exit code says only whether
/// the command itself worked.
fn check_files(
    settings: &Settings,
    kind: pipeline::DocKind,
    expected: &Expected,
    mut reader: Option<TesseractReader>,
    files: &[PathBuf],
) -> anyhow::Result<()> {
    use std::io::Write as _;
    let cfg = &settings.checks;
    let mut out = std::io::stdout().lock();
    for path in files {
        let size = std::fs::metadata(path).map(|m| m.len());
        let mut report = match size {
            Ok(bytes) if bytes > cfg.max_upload_bytes => {
                pipeline::unreadable(kind, pipeline::decode::DecodeError::TooLarge { bytes }, bytes)
            }
            _ => match std::fs::read(path) {
                Ok(bytes) => {
                    let ocr = reader.as_mut().map(|r| pipeline::Ocr { expected, reader: r });
                    pipeline::run_with(&bytes, kind, ocr, cfg).context("OCR engine")?
                }
                Err(e) => {
                    pipeline::unreadable(kind, pipeline::decode::DecodeError::Unreadable(e.to_string()), 0)
                }
            },
        };
        report.file = Some(path.display().to_string());
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    }
    Ok(())
}

fn ocr_reader(settings: &Settings) -> anyhow::Result<TesseractReader> {
    TesseractReader::new(settings.ocr.tessdata_dir.as_deref())
        .context("cannot start OCR (or pass --skip-ocr)")
}

/// `--expect-number` values by what they are: a credit code, or ID numbers in the order the
/// page shows them.
fn expected_numbers(kind: pipeline::DocKind, numbers: &[String]) -> Expected {
    let mut e = Expected::default();
    let mut ids = Vec::new();
    for n in numbers {
        let is_uscc = kind == pipeline::DocKind::BusinessLicense
            || crate::domain::Uscc::parse(n).is_ok()
            || n.chars().any(|c| c.is_ascii_alphabetic() && c != 'X' && c != 'x');
        if is_uscc && e.uscc.is_none() {
            e.uscc = Some(n.clone());
        } else {
            ids.push(n.clone());
        }
    }
    let mut ids = ids.into_iter();
    if kind == pipeline::DocKind::IdCard {
        e.id_number = ids.next();
    } else {
        (e.legal_rep_id, e.operator_id) = (ids.next(), ids.next());
    }
    e
}

fn write_fixtures(out: &std::path::Path, seed: u64) -> anyhow::Result<()> {
    use std::io::Write as _;
    let fonts = crate::fixtures::Fonts::system()?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut labels = std::fs::File::create(out.join("labels.jsonl"))?;
    let mut count = 0;
    for (set, cases) in crate::fixtures::set::all(&fonts, seed) {
        std::fs::create_dir_all(out.join(set))?;
        for case in &cases {
            let file = format!("{set}/{}.jpg", case.name);
            std::fs::write(out.join(&file), &case.bytes)?;
            let label = serde_json::json!({ "file": file, "kind": case.kind, "truth": case.truth });
            writeln!(labels, "{label}")?;
        }
        count += cases.len();
    }
    println!("{count} fixtures written to {}", out.display());
    Ok(())
}

async fn jobs(settings: &Settings, action: JobsAction) -> anyhow::Result<()> {
    let (db, _) = startup::open(settings).await?;
    match action {
        JobsAction::List { state } => {
            for (state, n) in queue::counts(&db).await? {
                println!("{state}\t{n}");
            }
            let state = state.unwrap_or_else(|| "dead".into());
            let rows = job::Entity::find()
                .filter(job::Column::State.eq(state.as_str()))
                .order_by_desc(job::Column::Id)
                .limit(50)
                .all(&db)
                .await?;
            for j in rows {
                let err = j.last_error.unwrap_or_default();
                println!("#{} {} {} attempts={}/{} {err}", j.id, j.kind, j.state, j.attempts, j.max_attempts);
            }
        }
        JobsAction::Retry { id } => {
            let found = job::Entity::find_by_id(id).one(&db).await?;
            let send = found.as_ref().filter(|j| j.kind == crate::notify::outbox::JOB_KIND);
            if let Some(j) = send {
                // A message's send job is retried through its message, as the supervisor's
                // button does: the message goes back to pending and a fresh send job is queued.
                let payload: crate::notify::outbox::SendJob = serde_json::from_value(j.payload.clone())
                    .with_context(|| format!("job {id}: unreadable payload"))?;
                let nid = payload.notification_id;
                let txn = crate::db::begin_write(&db).await?;
                let n = crate::notify::outbox::retry(&txn, nid)
                    .await
                    .map_err(|e| anyhow::anyhow!("job {id} (message {nid}): {e}"))?;
                let detail = serde_json::json!({ "notification_id": nid, "channel": n.channel, "job": id, "via": "cli" });
                crate::audit::record(
                    &txn,
                    crate::audit::Entry {
                        actor: crate::audit::Actor::System,
                        action: "notification.retried",
                        application_id: n.application_id,
                        document_id: None,
                        detail,
                    },
                )
                .await?;
                txn.commit().await?;
                println!("message {nid} of job {id} will be sent again");
            } else {
                let ok = queue::retry_dead(&db, id).await?;
                anyhow::ensure!(ok, "job {id} is not dead (or does not exist)");
                println!("job {id} queued again");
            }
        }
        JobsAction::Probe { work_ms, tag } => {
            let job = NewJob::new(probe::KIND, probe::Probe { tag, work_ms }, settings.jobs.max_attempts);
            let id = queue::enqueue(&db, job).await?.context("probe not enqueued")?;
            println!("probe job {id} queued");
        }
    }
    Ok(())
}
