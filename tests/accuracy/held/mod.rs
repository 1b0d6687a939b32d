//! The held evaluation set: pages drawn by a second, independent generator ([`pages`], on its
//! own drawing code in [`draw`]) that follows the seed manual's forms as written and what real
//! ID cards carry. No threshold is chosen on these pages; the figures are reported beside the
//! tuning set's (`cargo test --test accuracy held -- --nocapture`) and in README.

mod draw;
mod licence;
mod pages;
mod scenes;

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
    // Orientation on the same forms: right, unknown, confidently wrong.
    let mut turned = [0usize; 3];
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
                let o = report.checks.orientation.as_ref().expect("orientation checked");
                // `scan` turns clockwise; the report counts the content's turn counter-clockwise.
                let truth = u16::from((4 - turns) % 4) * 90;
                turned[if o.status == Status::Unknown {
                    1
                } else if o.value.degrees == Some(truth) {
                    0
                } else {
                    2
                }] += 1;
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
    println!(
        "held orientation (image alone) on the forms: {} right, {} unknown, {} confidently wrong of {total}",
        turned[0], turned[1], turned[2]
    );
    let share = judged as f64 / total as f64;
    println!(
        "held seal boxes: found {found}/{total}, found and judged right {judged}/{total} ({:.1} %)",
        share * 100.0
    );
    assert!(share >= 0.95, "held seal boxes {share}");
    assert_eq!(turned[2], 0, "confident wrong turns on held forms");
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

/// Licence copies (issue 21, cause 3): the company's seal counted wherever the applicant
/// stamped it, over the printed authority seal included; the authority's seal never. Without
/// OCR every pose; with OCR (as the job runner checks) the two upright poses.
#[test]
fn held_licence_copies_count_the_company_seal_and_never_the_authority_seal() {
    use licence::{LicenceStamp, licence_copy};
    use sealdesk::ocr::tesseract::TesseractReader;
    use sealdesk::pipeline::number::Expected;
    let font = sans();
    let cfg = PipelineConfig::default();
    let mut reader = TesseractReader::new(None).expect("tesseract-ocr-chi-sim installed");
    let expected = Expected { company_name: Some(pages::COMPANY.into()), ..Expected::default() };
    // [pages, counted right, authority counted] without and with OCR.
    let (mut plain, mut read) = ([0usize; 3], [0usize; 3]);
    let mut passed_unstamped: Vec<String> = Vec::new();
    let mut blurred: Vec<String> = Vec::new();
    let mut seed = 300;
    for stamp in
        [LicenceStamp::None, LicenceStamp::OverAuthority, LicenceStamp::BesideAuthority, LicenceStamp::Middle]
    {
        for (p, &(dpi, skew, turns)) in POSES.iter().enumerate() {
            seed += 1;
            let mut sheet = Sheet::a4(dpi);
            licence_copy(&mut sheet, &font, stamp, seed);
            let bytes = scan(&sheet.img, skew, turns);
            dump(&format!("licence-{stamp:?}-{p}"), &bytes);
            let want = usize::from(stamp != LicenceStamp::None);
            let mut tally = |r: &CheckReport, into: &mut [usize; 3], how: &str| {
                let seal = r.checks.seal.as_ref().expect("seal checked");
                into[0] += 1;
                into[1] += usize::from(seal.value.count == want);
                into[2] += usize::from(seal.value.count > want);
                if seal.value.count != want {
                    println!(
                        "held licence {how}: miss {stamp:?} pose {p}: {} seals, printed {}: {}",
                        seal.value.count,
                        seal.value.printed.len(),
                        report_line(r)
                    );
                }
                if want == 0 && seal.status == Status::Pass {
                    passed_unstamped.push(format!("{how}, pose {p}"));
                }
            };
            let report = pipeline::run(&bytes, DocKind::BusinessLicense, &cfg);
            // Every licence page is legible (a scanner's own blur, some pages deskewed).
            if let Some(c) = report.checks.clarity.as_ref().filter(|c| c.status == Status::Fail) {
                blurred.push(format!("{stamp:?} pose {p}: {:?} mm", c.value.blur_mm));
            }
            tally(&report, &mut plain, "without OCR");
            if turns == 0 {
                let ocr = pipeline::Ocr { expected: &expected, reader: &mut reader };
                let r =
                    pipeline::run_with(&bytes, DocKind::BusinessLicense, Some(ocr), &cfg).expect("OCR runs");
                tally(&r, &mut read, "with OCR");
            }
        }
    }
    println!(
        "held licence copies: company seal counted right on {}/{} without OCR and {}/{} with OCR; \
         the authority seal counted on {} and {}",
        plain[1], plain[0], read[1], read[0], plain[2], read[2]
    );
    println!(
        "held licence copies: legible pages failed as blurred: {} of {} {blurred:?}",
        blurred.len(),
        plain[0]
    );
    assert!(passed_unstamped.is_empty(), "unstamped licence copies passed: {passed_unstamped:?}");
    assert!(blurred.is_empty(), "legible licence copies failed as blurred: {blurred:?}");
    assert_eq!(plain[2] + read[2], 0, "the printed authority seal counted as the company's");
}

/// A text page of the seed's wording: its 附件二 table unstamped.
fn text_page(font: &ab_glyph::FontVec, dpi: f64) -> image::RgbImage {
    let mut sheet = Sheet::a4(dpi);
    pages::seal_sample(&mut sheet, font, Layout::SeedTable);
    sheet.img
}

fn jpeg(img: &image::RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 88).encode_image(img).expect("jpeg");
    bytes
}

#[test]
fn held_legible_pages_pass_clarity_and_blurred_ones_fail() {
    use image::imageops::{FilterType, resize};
    let font = sans();
    let cfg = PipelineConfig::default();
    let mut cases: Vec<(String, Vec<u8>, bool)> = Vec::new();
    for dpi in [200.0, 300.0] {
        cases.push((format!("scan {dpi} dpi"), scan(&text_page(&font, dpi), 0.0, 0), true));
    }
    // Scanned at 150 or 100 dpi and enlarged to 200 by the scanner's software.
    for from in [150.0, 100.0] {
        let low = text_page(&font, from);
        let (w, h) = ((210.0 * 200.0 / 25.4) as u32, (297.0 * 200.0 / 25.4) as u32);
        for (name, filter) in [("bilinear", FilterType::Triangle), ("bicubic", FilterType::CatmullRom)] {
            let up = resize(&low, w, h, filter);
            cases.push((format!("{from} dpi enlarged to 200 ({name})"), jpeg(&up), true));
        }
    }
    // Out of focus: a Gaussian of 0.3 and 0.5 mm on the paper.
    for (dpi, sigma_mm) in [(200.0, 0.3), (300.0, 0.3), (200.0, 0.5)] {
        let page = text_page(&font, dpi);
        let blurred = imageproc::filter::gaussian_blur_f32(&page, (sigma_mm * dpi / 25.4) as f32);
        cases.push((format!("defocused σ {sigma_mm} mm at {dpi} dpi"), jpeg(&blurred), false));
    }
    let (mut right, mut wrong_asserted) = (0, Vec::new());
    for (name, bytes, legible) in &cases {
        dump(&format!("clarity-{}", name.replace([' ', '(', ')', 'σ'], "_")), bytes);
        let report = pipeline::run(bytes, DocKind::ApplicationForm, &cfg);
        let c = report.checks.clarity.as_ref().expect("clarity checked");
        let ok = if *legible { c.status != Status::Fail } else { c.status == Status::Fail };
        right += usize::from(ok);
        if !ok && !name.starts_with("100 dpi") {
            wrong_asserted.push(name.clone());
        }
        println!(
            "held clarity: {name:42} {:?} blur {:?} mm, {}",
            c.status,
            c.value.blur_mm,
            if ok { "right" } else { "WRONG" }
        );
    }
    println!("held clarity: {right}/{} right", cases.len());
    // Pages scanned at 100 dpi and enlarged are below the 150 dpi the checks are held to (the
    // bilinear one measures just over the limit): printed above, not asserted; every other
    // page is.
    assert!(wrong_asserted.is_empty(), "held clarity wrong on {wrong_asserted:?}");
}

/// Held phone photos (issue 22): held pages in scenes drawn by [`scenes`] (grounds, hands,
/// a second sheet, warm light and dark corners the tuning photos never have), the page's
/// corners known.
#[test]
fn held_photos_the_page_is_found_or_the_photo_refused() {
    use scenes::{Extra, Ground, Scene};
    let font = sans();
    let cfg = PipelineConfig::default();
    let mut form = Sheet::a4(250.0);
    let boxes = pages::seal_sample(&mut form, &font, Layout::SeedTable);
    for (i, &b) in boxes.iter().enumerate() {
        pages::stamp_box(&mut form, &font, b, Stamp::Inside, 70 + i as u64);
    }
    let mut id = Sheet::a4(250.0);
    pages::id_copy(&mut id, &font, Gold::Ochre, IdStamp::Beside, 71);
    let whole = [
        [[0.16, 0.12], [0.84, 0.10], [0.88, 0.90], [0.12, 0.88]],
        [[0.22, 0.08], [0.86, 0.16], [0.78, 0.93], [0.12, 0.85]],
        [[0.12, 0.14], [0.80, 0.10], [0.86, 0.86], [0.18, 0.90]],
    ];
    let cut = [[0.25, 0.15], [0.98, 0.20], [1.08, 0.99], [0.30, 0.95]];
    let settings = [
        (Ground::Checks, Extra::Nothing),
        (Ground::Tiles, Extra::Hand),
        (Ground::Newspaper, Extra::Nothing),
        (Ground::Checks, Extra::SecondSheet),
        (Ground::Tiles, Extra::WarmVignette),
    ];
    let (mut n_whole, mut right, mut flagged_whole, mut n_cut, mut cut_flagged, mut seals_right) =
        (0, 0, 0, 0, 0, 0);
    for (name, page, kind, seals) in
        [("form", &form.img, DocKind::SealSample, 2), ("id", &id.img, DocKind::IdCard, 1)]
    {
        for (i, &(ground, extra)) in settings.iter().enumerate() {
            for (is_cut, at) in [(false, whole[i % whole.len()]), (true, cut)] {
                if is_cut && i > 1 {
                    continue;
                }
                let scene = Scene { ground, extra, size: (2400, 3200), at };
                let bytes = jpeg(&scenes::photograph(page, &scene));
                let label = format!("photo-{name}-{ground:?}-{extra:?}{}", if is_cut { "-cut" } else { "" });
                dump(&label, &bytes);
                let report = pipeline::run(&bytes, kind, &cfg);
                let found = report.checks.page.as_ref().expect("page looked for");
                let truth = scenes::corners(&scene);
                let diagonal = (2400.0f64.powi(2) + 3200.0f64.powi(2)).sqrt();
                let err = found.value.corners.map(|c| {
                    (0..4)
                        .map(|k| ((c[k][0] - truth[k][0]).powi(2) + (c[k][1] - truth[k][1]).powi(2)).sqrt())
                        .fold(0.0, f64::max)
                        / diagonal
                });
                let count = report.checks.seal.as_ref().map_or(0, |s| s.value.count);
                println!(
                    "held photo: {label:40} {:?} {:?} corner error {} seals {count}/{seals}",
                    found.status,
                    found.code,
                    err.map_or("-".into(), |e| format!("{:.2} %", e * 100.0)),
                );
                if is_cut {
                    n_cut += 1;
                    cut_flagged += usize::from(found.code == Some("page.cut_off"));
                } else {
                    n_whole += 1;
                    right += usize::from(err.is_some_and(|e| e <= 0.01));
                    flagged_whole += usize::from(found.code == Some("page.cut_off"));
                    seals_right += usize::from(count == seals);
                }
            }
        }
    }
    println!(
        "held photos: corners within 1 % of the diagonal on {right}/{n_whole} whole-page photos, \
         seal count right on {seals_right}/{n_whole}, whole pages flagged cut off {flagged_whole}, \
         cut off flagged {cut_flagged}/{n_cut}"
    );
    assert_eq!(cut_flagged, n_cut, "every cut-off page is flagged");
    // Known and reported, not tuned away: a second, slightly greyer sheet under the page and
    // running out of the frame joins the page (a step of about 12 levels, at the method's
    // limit), so the page is taken as cut off (2 photos of 10). Guarded from getting worse.
    assert!(
        flagged_whole <= 2 && right >= 8,
        "held photos got worse: {right}/{n_whole}, {flagged_whole} flagged"
    );
}
