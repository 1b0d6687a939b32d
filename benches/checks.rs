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

/// A 12-megapixel phone photo (3000 × 4000) of a stamped 300-dpi application form on a wooden
/// desk, turned 5°, the camera tilted, a shadow across it; JPEG quality 88.
fn phone_photo(fonts: &Fonts) -> Vec<u8> {
    use sealdesk::fixtures::photo::{Desk, Shot, photograph};
    let (img, mut truth) = set::page(fonts, DocKind::ApplicationForm, 300, true, 17);
    let shot = Shot {
        desk: Desk::Wood,
        size: (3000, 4000),
        fill: 0.8,
        turn_deg: 5.0,
        tilt: 0.03,
        cut: 0.0,
        shadow: 0.2,
    };
    sealdesk::fixtures::degrade::jpeg(&photograph(&img, shot, 3, &mut truth), 88)
}

/// The photo's row: decode, page finding, flattening, and the checks after them.
fn photo_row(bytes: &[u8], rounds: usize, cfg: &PipelineConfig) {
    use sealdesk::pipeline::sheet::{Found, find::find, flatten::flatten};
    let (mut dec, mut found_ms, mut flat_ms, mut whole) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let decoded = decode::decode(bytes, cfg).expect("decodes");
        dec.push(ms(t));
        let t = Instant::now();
        let found = find(&decoded.rgb, cfg);
        found_ms.push(ms(t));
        let Found::Sheet(q) = found else { panic!("the page is found in the bench photo: {found:?}") };
        let t = Instant::now();
        let _ = flatten(&decoded.rgb, &q, cfg);
        flat_ms.push(ms(t));
        let t = Instant::now();
        let _ = pipeline::run(bytes, DocKind::ApplicationForm, cfg);
        whole.push(ms(t));
    }
    let (d, f, l, w) = (median(dec), median(found_ms), median(flat_ms), median(whole));
    println!(
        "12-megapixel photo: decode {d:.1} ms, page finding {f:.1} ms, flattening {l:.1} ms \
         ({:.2}× the decode), whole run {w:.1} ms ({:.2}× the decode)",
        (f + l) / d,
        w / d
    );
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
    let photo = phone_photo(&fonts);
    photo_row(&photo, rounds, &cfg);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let exe = std::env::current_exe().expect("the bench binary");
    let pages = KINDS.map(|kind| {
        let (img, _) = set::page(&fonts, kind, 300, true, 17);
        (kind, format!("300-dpi {}", kind.as_str()), sealdesk::fixtures::degrade::jpeg(&img, 85))
    });
    let photo = (DocKind::ApplicationForm, "12-megapixel photo of an application_form".to_string(), photo);
    for (kind, what, bytes) in pages.into_iter().chain([photo]) {
        let path = dir.path().join(format!("{}.jpg", what.replace(' ', "-")));
        std::fs::write(&path, bytes).expect("written");
        let out = std::process::Command::new(&exe)
            .env(CHILD_FILE, &path)
            .env(CHILD_KIND, kind.as_str())
            .output()
            .expect("the child runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let figures: Vec<&str> = text.split_whitespace().collect();
        println!(
            "peak memory checking one {what} in its own process: {} MB (the process before it: {} MB)",
            figures.get(1).unwrap_or(&"?"),
            figures.first().unwrap_or(&"?")
        );
    }
}
