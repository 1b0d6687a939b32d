//! Speed of the checks, in release on one core: `cargo bench --bench pipeline`.
//!
//! Pages come from the fixture generator (ID-card copy, licence copy, application form at
//! 200 and 300 dpi, clean and skewed). For each kind it reports the image checks alone, the
//! number finding alone (warm engine) and the whole page (with the company name on licences);
//! then the company name alone, the cost of starting each engine, and the process's peak
//! memory. Figures go into the README as measured.

mod common;

use common::{median, peak_rss_mb};
use std::time::Instant;

use sealdesk::fixtures::numbers::number_set;
use sealdesk::fixtures::set::Case;
use sealdesk::ocr::tesseract::TesseractReader;
use sealdesk::ocr::{Charset, LineReader};
use sealdesk::pipeline::number::frame::Frame;
use sealdesk::pipeline::number::lines::runs;
use sealdesk::pipeline::{self, CheckReport, DocKind, Ocr, PipelineConfig};

/// The whole page with the typed values of its case, as the job runner checks it.
fn check(case: &Case, reader: &mut TesseractReader, cfg: &PipelineConfig) -> CheckReport {
    let expected = case.truth.typed.clone().unwrap_or_default();
    pipeline::run_with(&case.bytes, case.kind, Some(Ocr { expected: &expected, reader }), cfg)
        .expect("engine works")
}

fn main() {
    let fonts = sealdesk::fixtures::Fonts::system().expect("fonts installed");
    let cfg = PipelineConfig::default();
    // Clean, skewed, quarter-turned and noisy pages only (every fourth of six variants is blurred).
    let cases: Vec<_> = number_set(&fonts, 12, 5).into_iter().filter(|c| !c.truth.blurred()).collect();

    let started = Instant::now();
    let mut reader = TesseractReader::new(None).expect("tesseract-ocr-eng installed");
    let startup_ms = started.elapsed().as_secs_f64() * 1000.0;
    // Warm the engine once.
    let _ = check(&cases[0], &mut reader, &cfg);
    // The Chinese engine starts on first use.
    let started = Instant::now();
    let blank = image::GrayImage::from_pixel(200, 40, image::Luma([255]));
    let _ = reader.read_line(&blank, 300, Charset::Chinese);
    let chinese_startup_ms = started.elapsed().as_secs_f64() * 1000.0;

    println!(
        "{:18} {:>6} {:>14} {:>16} {:>14} {:>10}",
        "kind", "pages", "checks ms", "number ms", "whole ms", "lines"
    );
    for kind in [DocKind::IdCard, DocKind::BusinessLicense, DocKind::ApplicationForm] {
        let (mut checks, mut number, mut whole, mut lines) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for case in cases.iter().filter(|c| c.kind == kind) {
            let t = Instant::now();
            let _ = pipeline::run(&case.bytes, kind, &cfg);
            checks.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let report = check(case, &mut reader, &cfg);
            whole.push(t.elapsed().as_secs_f64() * 1000.0);
            let n = report.checks.number.expect("number checked");
            number.push(n.value.ocr_ms);
            lines.push(n.value.lines_read as f64);
        }
        let max = |v: &Vec<f64>| v.iter().copied().fold(0.0, f64::max);
        println!(
            "{:18} {:>6} {:>6.0} (max {:>4.0}) {:>7.0} (max {:>4.0}) {:>6.0} (max {:>4.0}) {:>10.1}",
            kind.as_str(),
            checks.len(),
            median(checks.clone()),
            max(&checks),
            median(number.clone()),
            max(&number),
            median(whole.clone()),
            max(&whole),
            lines.iter().sum::<f64>() / lines.len() as f64
        );
    }
    // Where the number finding's time goes, before any line is read.
    let names: Vec<f64> = {
        let mut v = Vec::new();
        for case in cases.iter().filter(|c| c.kind == DocKind::BusinessLicense) {
            let report = check(case, &mut reader, &cfg);
            v.extend(report.checks.company_name.map(|n| n.value.ocr_ms));
        }
        v
    };
    println!(
        "company name on licences (chi_sim, warm): median {:.0} ms, max {:.0} ms",
        median(names.clone()),
        names.iter().copied().fold(0.0, f64::max)
    );
    let (mut render, mut search) = (Vec::new(), Vec::new());
    for case in &cases {
        let decoded = pipeline::decode::decode(&case.bytes, &cfg).expect("decodes");
        let page = pipeline::page::Page::new(decoded.rgb, decoded.grayscale_source, &cfg);
        let frame = Frame::new(page.rgb.width(), page.rgb.height(), 0, 0.0);
        let scale = f64::from(cfg.number_search_dpi) / f64::from(case.truth.dpi);
        let t = Instant::now();
        let small = frame.page(&page.rgb, scale);
        render.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let px_per_mm = f64::from(cfg.number_search_dpi) / 25.4;
        let _ = runs(&small, page.ink_threshold, px_per_mm, &cfg);
        search.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "number finding before OCR: levelled page at {} dpi {:.0} ms, line search {:.0} ms (medians)",
        cfg.number_search_dpi,
        median(render),
        median(search)
    );
    println!(
        "engine start-up: eng {startup_ms:.0} ms, chi_sim {chinese_startup_ms:.0} ms; peak memory {:.0} MB",
        peak_rss_mb()
    );
}
