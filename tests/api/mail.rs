//! The real peers that notification tests talk to: an SMTP server (aiosmtpd) that spools what
//! it receives, and a stand-in for Alibaba Cloud SMS that checks request signatures. Both are
//! the Python scripts in tests/support/, run by Debian's python3 (installed by
//! scripts/setup-system.sh test); the processes die with their guards.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::helpers::ChildGuard;

fn python() -> String {
    std::env::var("SEALDESK_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

/// A port nothing listens on now (for a server started later, or for a server that is down).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(script: &str, args: &[String]) -> ChildGuard {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support").join(script);
    let mut child = Command::new(python())
        .arg(&path)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {script} with {}: {e}", python()));
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready", "{script} did not start (is python3-aiosmtpd installed?)");
    ChildGuard(child)
}

pub struct SmtpSink {
    pub spool: PathBuf,
    _child: ChildGuard,
}

impl SmtpSink {
    pub fn start(port: u16, spool: &Path, hold_first_secs: u32) -> Self {
        let args = vec![
            "--port".into(),
            port.to_string(),
            "--spool".into(),
            spool.display().to_string(),
            "--hold-first".into(),
            hold_first_secs.to_string(),
        ];
        Self { spool: spool.to_path_buf(), _child: start("smtp_sink.py", &args) }
    }

    /// Every message received so far, as the server decoded it, in order of arrival.
    pub fn received(&self) -> Vec<serde_json::Value> {
        received(&self.spool)
    }
}

pub fn received(spool: &Path) -> Vec<serde_json::Value> {
    let mut files: Vec<_> = std::fs::read_dir(spool)
        .map(|d| {
            d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
}

pub struct AliyunStandIn {
    pub port: u16,
    pub log: PathBuf,
    _child: ChildGuard,
}

impl AliyunStandIn {
    pub fn start(dir: &Path, key_id: &str, secret: &str) -> Self {
        let port = free_port();
        let log = dir.join("aliyun.jsonl");
        let args = vec![
            "--port".into(),
            port.to_string(),
            "--log".into(),
            log.display().to_string(),
            "--key-id".into(),
            key_id.into(),
            "--secret".into(),
            secret.into(),
        ];
        Self { port, log, _child: start("aliyun_sms.py", &args) }
    }

    pub fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}
