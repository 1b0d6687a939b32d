//! Speed and memory of the image checks without OCR, in release on one core:
//! `cargo bench --bench checks`.
//!
//! For each document kind at 200 and 300 dpi (generated A4 pages, stamped, JPEG quality 85)
//! it reports the time to decode the JPEG alone, the time of everything after it (the image
//! checks), their ratio, and where the checks' time goes, stage by stage. Then it checks one
//! 300-dpi page in a fresh child process of its own and reports that process's peak resident
//! memory, so the figure is the page's and not the generator's. Figures go into the README as
//! measured.

mod common;

use common::{median, peak_rss_mb};
use std::time::Instant;

use sealdesk::fixtures::{Fonts, set};
use sealdesk::pipeline::checks::{clarity, colour, exposure, glyphs, orientation, seal, seal_boxes, skew};
use sealdesk::pipeline::page::Page;
use sealdesk::pipeline::{self, DocKind, PipelineConfig, decode};

/// Set in the child process: the JPEG to check and its kind.
const CHILD_FILE: &str = "SEALDESK_BENCH_CHECK_FILE";
const CHILD_KIND: &str = "SEALDESK_BENCH_CHECK_KIND";
const KINDS: [DocKind; 4] =
    [DocKind::IdCard, DocKind::BusinessLicense, DocKind::ApplicationForm, DocKind::SealSample];

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Milliseconds of each stage of the checks on one decoded page, in the pipeline's order.
fn stages(page: &Page, kind: DocKind, cfg: &PipelineConfig) -> Vec<(&'static str, f64)> {
    let mut out = Vec::new();
    let dpi = pipeline::checks::resolution::check(page, cfg).value.dpi;
    let t = Instant::now();
    let ink = skew::coarse_points(page);
    out.push(("ink points", ms(t)));
    let t = Instant::now();
    let glyph_points = glyphs::points(page, dpi, cfg);
    out.push(("glyph ink", ms(t)));
    let t = Instant::now();
    let turned = orientation::check(page, &glyph_points, dpi, cfg);
    out.push(("orientation", ms(t)));
    let t = Instant::now();
    let level = skew::check(page, &ink, turned.value.quarter_turns(), cfg);
    out.push(("skew", ms(t)));
    let t = Instant::now();
    let red = seal::RedMap::new(page, dpi, cfg);
    out.push(("red map", ms(t)));
    let t = Instant::now();
    let seals = seal::find(&red, dpi, cfg);
    out.push(("seal find", ms(t)));
    let t = Instant::now();
    let _ = clarity::check(page, dpi, cfg);
    out.push(("clarity", ms(t)));
    let t = Instant::now();
    let _ = exposure::check(page, cfg);
    let _ = colour::check(page, kind, cfg);
    out.push(("exposure+colour", ms(t)));
    if kind == DocKind::SealSample {
        let t = Instant::now();
        let lie = (level.value.angle_deg.unwrap_or(0.0), turned.value.quarter_turns());
        let _ = seal_boxes::check(page, &seals, lie, dpi, true, cfg);
        out.push(("seal boxes", ms(t)));
    }
    out
}

/// The child: check one file and print the process's peak memory.
fn child(path: &str, kind: &str) {
    let cfg = PipelineConfig::default();
    let kind: DocKind = kind.parse().expect("a document kind");
    let baseline = peak_rss_mb();
    let bytes = std::fs::read(path).expect("the page the parent wrote");
    let report = pipeline::run(&bytes, kind, &cfg);
    assert!(report.checks.clarity.is_some(), "the page decoded and was checked");
    println!("{baseline:.1} {:.1}", peak_rss_mb());
}

fn main() {
    if let (Ok(file), Ok(kind)) = (std::env::var(CHILD_FILE), std::env::var(CHILD_KIND)) {
        return child(&file, &kind);
    }
    // `cargo test --all-targets` runs bench targets too: one round there, as a smoke test.
    let rounds = if std::env::args().any(|a| a == "--bench") { 7 } else { 1 };
    let fonts = Fonts::system().expect("fonts installed");
    let cfg = PipelineConfig::default();
    println!(
        "{:18} {:>4} {:>10} {:>10} {:>10} {:>7}   stages (median ms)",
        "kind", "dpi", "decode ms", "checks ms", "whole ms", "ratio"
    );
    for dpi in [200, 300] {
        for kind in KINDS {
            let (img, _) = set::page(&fonts, kind, dpi, true, 17);
            let bytes = sealdesk::fixtures::degrade::jpeg(&img, 85);
            let (mut dec, mut whole, mut stage_ms) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..rounds {
                let t = Instant::now();
                let decoded = decode::decode(&bytes, &cfg).expect("decodes");
                dec.push(ms(t));
                let t = Instant::now();
                let page = Page::new(decoded.rgb, decoded.grayscale_source, &cfg);
                let page_ms = ms(t);
                stage_ms.push([vec![("page", page_ms)], stages(&page, kind, &cfg)].concat());
                let t = Instant::now();
                let _ = pipeline::run(&bytes, kind, &cfg);
                whole.push(ms(t));
            }
            let (d, w) = (median(dec), median(whole));
            let stage_line: Vec<String> = stage_ms[0]
                .iter()
                .enumerate()
                .map(|(i, (name, _))| {
                    format!("{name} {:.1}", median(stage_ms.iter().map(|s| s[i].1).collect()))
                })
                .collect();
            println!(
                "{:18} {:>4} {:>10.1} {:>10.1} {:>10.1} {:>7.2}   {}",
                kind.as_str(),
                dpi,
                d,
                w - d,
                w,
                (w - d) / d,
                stage_line.join(", ")
            );
        }
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let exe = std::env::current_exe().expect("the bench binary");
    for kind in KINDS {
        let (img, _) = set::page(&fonts, kind, 300, true, 17);
        let path = dir.path().join(format!("{}.jpg", kind.as_str()));
        std::fs::write(&path, sealdesk::fixtures::degrade::jpeg(&img, 85)).expect("written");
        let out = std::process::Command::new(&exe)
            .env(CHILD_FILE, &path)
            .env(CHILD_KIND, kind.as_str())
            .output()
            .expect("the child runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let figures: Vec<&str> = text.split_whitespace().collect();
        println!(
            "peak memory checking one 300-dpi {} page in its own process: {} MB (the process before it: {} MB)",
            kind.as_str(),
            figures.get(1).unwrap_or(&"?"),
            figures.first().unwrap_or(&"?")
        );
    }
}
