//! The held evaluation set: pages drawn by a second, independent generator ([`pages`], on its
//! own drawing code in [`draw`]) that follows the seed manual's forms as written and what real
//! ID cards carry. No threshold is chosen on these pages; the figures are reported beside the
//! tuning set's (`cargo test --test accuracy held -- --nocapture`) and in README.

mod draw;
mod pages;

use sealdesk::pipeline::{self, CheckReport, DocKind, PipelineConfig, Status};

use draw::{Sheet, font, scan};
use pages::{Gold, IdStamp, Layout, Stamp};

fn sans() -> ab_glyph::FontVec {
    font("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)
}

/// (dpi, skew°, quarter turns) of the scans each page is made at.
const POSES: [(f64, f64, u8); 5] =
    [(200.0, 0.0, 0), (300.0, -2.5, 0), (200.0, 3.0, 1), (300.0, 1.0, 2), (200.0, -1.0, 3)];

/// Writes the scan to `SEALDESK_HELD_DUMP` when set, to look at the held pages.
fn dump(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("SEALDESK_HELD_DUMP") {
        std::fs::create_dir_all(&dir).ok();
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.jpg")), bytes).ok();
    }
}

fn report_line(r: &CheckReport) -> String {
    serde_json::to_string(&r.checks).unwrap_or_default().chars().take(600).collect()
}

#[test]
fn held_seal_sample_forms_are_found_and_judged_on_every_layout() {
    let font = sans();
    let cfg = PipelineConfig::default();
    let outcomes =
        [[Stamp::Inside, Stamp::Inside], [Stamp::Inside, Stamp::OnLine], [Stamp::Missing, Stamp::Inside]];
    let (mut found, mut judged, mut total) = (0, 0, 0);
    for layout in [Layout::SeedTable, Layout::SideBySide, Layout::PrintView] {
        for (k, stamps) in outcomes.iter().enumerate() {
            for (p, &(dpi, skew, turns)) in POSES.iter().enumerate() {
                let mut sheet = Sheet::a4(dpi);
                let boxes = pages::seal_sample(&mut sheet, &font, layout);
                for (i, (&b, &how)) in boxes.iter().zip(stamps).enumerate() {
                    pages::stamp_box(&mut sheet, &font, b, how, 1 + (k * 10 + p * 2 + i) as u64);
                }
                let bytes = scan(&sheet.img, skew, turns);
                dump(&format!("seal_sample-{layout:?}-{k}-{p}"), &bytes);
                let report = pipeline::run(&bytes, DocKind::SealSample, &cfg);
                let Some(f) = report.checks.seal_boxes.as_ref() else { panic!("seal boxes not checked") };
                let want: Vec<(usize, bool)> = stamps
                    .iter()
                    .map(|s| match s {
                        Stamp::Inside => (1, false),
                        Stamp::OnLine => (1, true),
                        Stamp::Missing => (0, false),
                    })
                    .collect();
                let got: Vec<(usize, bool)> =
                    f.value.boxes.iter().map(|b| (b.seal_count, b.touches_line)).collect();
                let code = match stamps {
                    [Stamp::Inside, Stamp::Inside] => None,
                    [_, Stamp::OnLine] => Some("seal_boxes.touches_line"),
                    _ => Some("seal_boxes.missing"),
                };
                total += 1;
                found += usize::from(f.value.boxes.len() == 2);
                let right = got == want && f.code == code && (f.status == Status::Pass) == code.is_none();
                judged += usize::from(right);
                if !right {
                    println!(
                        "held seal boxes: miss {layout:?} {stamps:?} {dpi} dpi {skew:+}° {turns}×90°: {:?} {got:?}: {}",
                        f.code,
                        report_line(&report)
                    );
                }
            }
        }
    }
    let share = judged as f64 / total as f64;
    println!(
        "held seal boxes: found {found}/{total}, found and judged right {judged}/{total} ({:.1} %)",
        share * 100.0
    );
    assert!(share >= 0.95, "held seal boxes {share}");
}

#[test]
fn held_id_card_copies_count_the_company_seal_and_never_the_emblem() {
    let font = sans();
    let cfg = PipelineConfig::default();
    let (mut right, mut total, mut emblem_counted) = (0, 0, 0);
    let mut seed = 100;
    for gold in [Gold::True, Gold::Ochre, Gold::Orange, Gold::Faded] {
        for stamp in [IdStamp::None, IdStamp::OverEdge, IdStamp::Beside] {
            for &(dpi, skew, turns) in &[(200.0, 0.0, 0u8), (300.0, 1.5, 0), (200.0, -2.0, 2)] {
                seed += 1;
                let mut sheet = Sheet::a4(dpi);
                pages::id_copy(&mut sheet, &font, gold, stamp, seed);
                let bytes = scan(&sheet.img, skew, turns);
                dump(&format!("id_copy-{gold:?}-{stamp:?}-{seed}"), &bytes);
                let report = pipeline::run(&bytes, DocKind::IdCard, &cfg);
                let seal = report.checks.seal.as_ref().expect("seal checked");
                let want = usize::from(stamp != IdStamp::None);
                total += 1;
                if seal.value.count == want {
                    right += 1;
                } else {
                    emblem_counted += usize::from(seal.value.count > want);
                    println!(
                        "held ID copy: miss {gold:?} {stamp:?} {dpi} dpi {skew:+}° {turns}×90°: {} seals: {}",
                        seal.value.count,
                        report_line(&report)
                    );
                }
                if stamp == IdStamp::None {
                    assert_ne!(
                        seal.status,
                        Status::Pass,
                        "an unstamped ID copy must not pass ({gold:?}, {dpi} dpi)"
                    );
                }
            }
        }
    }
    println!(
        "held ID copies: seal count right on {right}/{total} ({:.1} %), the emblem counted as a seal on {emblem_counted}",
        right as f64 / total as f64 * 100.0
    );
    assert_eq!(emblem_counted, 0, "the national emblem counted as a seal");
    assert!(right as f64 / total as f64 >= 0.97);
}
