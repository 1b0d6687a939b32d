//! Phone photos (issue 22): the page found in the photo, flattened, and judged alone.

use sealdesk::fixtures::{Fonts, set};
use sealdesk::pipeline::{self, PipelineConfig, Status};

#[test]
fn the_page_is_found_in_photos_and_flattened_before_the_checks() {
    let fonts = Fonts::system().expect("fonts-noto-cjk installed");
    let cfg = PipelineConfig::default();
    let cases = set::photo_set(&fonts, 41);
    let (mut whole, mut corners_right, mut dpi_right, mut seals_right) = (0, 0, 0, 0);
    let (mut cut, mut cut_flagged, mut white, mut white_unknown) = (0, 0, 0, 0);
    let mut wrong = Vec::new();
    for case in &cases {
        if let Some(dir) = std::env::var_os("SEALDESK_PHOTO_DUMP") {
            std::fs::write(std::path::Path::new(&dir).join(format!("{}.jpg", case.name)), &case.bytes).ok();
        }
        let report = pipeline::run(&case.bytes, case.kind, &cfg);
        let truth = case.truth.photo.as_ref().expect("a photo's truth");
        let page = report.checks.page.as_ref().expect("page looked for");
        let seals = report.checks.seal.as_ref().map_or(0, |s| s.value.count);
        let dpi = report.checks.resolution.as_ref().map_or(0.0, |r| r.value.dpi);
        let (w, h) = (3000.0f64, 4000.0f64);
        let diagonal = (w * w + h * h).sqrt();
        let err = page.value.corners.map(|c| {
            (0..4)
                .map(|i| {
                    ((c[i][0] - truth.corners[i][0]).powi(2) + (c[i][1] - truth.corners[i][1]).powi(2)).sqrt()
                })
                .fold(0.0, f64::max)
                / diagonal
        });
        println!(
            "{:34} {:?} {:?} corner error {} dpi {dpi:.0} (true {}) seals {seals} (true {})",
            case.name,
            page.status,
            page.code,
            err.map_or("-".into(), |e| format!("{:.2} %", e * 100.0)),
            case.truth.dpi,
            case.truth.seals.len()
        );
        match truth.desk {
            _ if truth.cut_off => {
                cut += 1;
                if page.code == Some("page.cut_off") {
                    cut_flagged += 1;
                } else {
                    wrong.push(format!("{}: cut off, not flagged", case.name));
                }
            }
            sealdesk::fixtures::photo::Desk::White => {
                white += 1;
                white_unknown += usize::from(page.status == Status::Unknown);
            }
            _ => {
                whole += 1;
                let corners_ok = err.is_some_and(|e| e <= 0.01);
                corners_right += usize::from(corners_ok);
                dpi_right += usize::from((dpi / f64::from(case.truth.dpi) - 1.0).abs() <= 0.1);
                seals_right += usize::from(seals == case.truth.seals.len());
                if page.status == Status::Fail {
                    wrong.push(format!("{}: whole page flagged {:?}", case.name, page.code));
                }
                if err.is_some_and(|e| e > 0.01) {
                    wrong.push(format!("{}: the page found in the wrong place", case.name));
                }
            }
        }
    }
    println!(
        "photos: corners within 1 % of the diagonal on {corners_right}/{whole} whole-page photos, \
         paper resolution within 10 % on {dpi_right}/{whole}, seal count right on {seals_right}/{whole}; \
         cut off flagged {cut_flagged}/{cut}; white table unknown {white_unknown}/{white}"
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The issue asks for 97 %; measured 24/24. (With luminance less 1.5 × chroma alone it was
    // 23/24: on cream linen under a deep shadow the shadowed page scored as low as the lit
    // cloth; the second weighting of chroma tells the neutral page from the cream cloth.)
    assert!(corners_right as f64 >= 0.97 * whole as f64, "corners {corners_right}/{whole}");
    assert!(dpi_right as f64 >= 0.97 * whole as f64, "resolution {dpi_right}/{whole}");
    assert_eq!(white_unknown, white, "a page on a white table is not guessed at");
}

#[test]
fn a_flatbed_scan_is_left_as_it_is() {
    let fonts = Fonts::system().expect("fonts-noto-cjk installed");
    let cfg = PipelineConfig::default();
    let mut cases = set::seal_set(&fonts, 5);
    cases.extend(set::skew_set(&fonts, 6, 4.0, 9));
    let mut cropped = Vec::new();
    for case in &cases {
        let report = pipeline::run(&case.bytes, case.kind, &cfg);
        let page = report.checks.page.as_ref().expect("page looked for");
        // The slanted fixtures are photos with the desk round the page: found, not filling.
        let photo = case.truth.keystone > 0.0;
        if page.value.fills_frame == photo || page.status != Status::Pass {
            cropped.push(format!("{}: {:?} {:?}", case.name, page.code, page.value.corners));
        }
    }
    println!(
        "scans and slanted photos: {} of {} taken as they are",
        cases.len() - cropped.len(),
        cases.len()
    );
    assert!(cropped.is_empty(), "{cropped:#?}");
}

/// The numbers read from phone photos of clean pages, against the same pages scanned flat.
#[test]
fn numbers_read_from_photos_as_from_scans() {
    use sealdesk::fixtures::photo::{Desk, Shot, photograph};
    use sealdesk::ocr::tesseract::TesseractReader;
    use sealdesk::pipeline::Ocr;
    use sealdesk::pipeline::number::Outcome;
    let fonts = Fonts::system().expect("fonts installed");
    let cfg = PipelineConfig::default();
    let mut reader = TesseractReader::new(None).expect("tesseract-ocr-eng installed");
    let cases = sealdesk::fixtures::numbers::number_set(&fonts, 24, 29);
    let desks = [Desk::Wood, Desk::Cloth, Desk::Mat, Desk::Grey];
    let (mut fields, mut on_scan, mut on_photo) = (0, 0, 0);
    for (i, case) in cases.iter().filter(|c| c.name.ends_with("-clean")).enumerate() {
        let expected = case.truth.numbers.clone().expect("numbers on the page");
        let matched = |bytes: &[u8], reader: &mut TesseractReader| {
            let ocr = Ocr { expected: &expected, reader };
            let report = pipeline::run_with(bytes, case.kind, Some(ocr), &cfg).expect("OCR engine works");
            let number = report.checks.number.expect("number checked");
            number.value.fields.iter().filter(|f| f.outcome == Outcome::Match).count()
        };
        let page = image::load_from_memory(&case.bytes).expect("a fixture decodes").into_rgb8();
        let shot = Shot {
            desk: desks[i % desks.len()],
            size: (3000, 4000),
            fill: 0.8,
            turn_deg: [-8.0, 5.0, 10.0, -3.0][i % 4],
            tilt: 0.03,
            cut: 0.0,
            shadow: if i % 2 == 0 { 0.25 } else { 0.0 },
        };
        let mut truth = case.truth.clone();
        let photo = sealdesk::fixtures::degrade::jpeg(&photograph(&page, shot, i as u64, &mut truth), 88);
        let (scan, taken) = (matched(&case.bytes, &mut reader), matched(&photo, &mut reader));
        let count =
            [expected.id_number.is_some(), expected.uscc.is_some()].into_iter().filter(|x| *x).count()
                + [expected.legal_rep_id.is_some(), expected.operator_id.is_some()]
                    .into_iter()
                    .filter(|x| *x)
                    .count();
        println!("{:36} fields {count}: read on the scan {scan}, on the photo {taken}", case.name);
        fields += count;
        on_scan += scan;
        on_photo += taken;
    }
    println!(
        "numbers on clean pages: {on_scan}/{fields} read on the scans, {on_photo}/{fields} on phone photos of them"
    );
    assert!(on_photo >= on_scan, "photos read {on_photo}, scans {on_scan}");
}

/// A phone that stores the sensor's pixels sideways and says so in EXIF (orientation 6): the
/// page is found in the photo as it is meant to be seen, corners in those pixels.
#[test]
fn a_photo_stored_sideways_with_its_exif_orientation_is_read_upright() {
    use image::ImageEncoder;
    use sealdesk::fixtures::photo::{Desk, Shot, photograph};
    let fonts = Fonts::system().expect("fonts installed");
    let cfg = PipelineConfig::default();
    let (page, mut truth) = set::page(&fonts, sealdesk::pipeline::DocKind::ApplicationForm, 300, true, 3);
    let shot = Shot {
        desk: Desk::Wood,
        size: (2400, 3200),
        fill: 0.8,
        turn_deg: 4.0,
        tilt: 0.03,
        cut: 0.0,
        shadow: 0.0,
    };
    let photo = photograph(&page, shot, 9, &mut truth);
    // Stored turned a quarter anticlockwise; orientation 6 turns it back clockwise.
    let stored = image::imageops::rotate270(&photo);
    let mut bytes = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 88);
    enc.set_exif_metadata(sealdesk::fixtures::degrade::exif_orientation(6)).expect("EXIF written");
    enc.write_image(stored.as_raw(), stored.width(), stored.height(), image::ExtendedColorType::Rgb8)
        .expect("encoded");
    let report = pipeline::run(&bytes, sealdesk::pipeline::DocKind::ApplicationForm, &cfg);
    assert_eq!(report.checks.format.value.exif_orientation, Some(6));
    let found = report.checks.page.expect("page looked for");
    let want = truth.photo.expect("a photo's truth").corners;
    let got = found.value.corners.expect("the page found");
    let diagonal = (2400.0f64 * 2400.0 + 3200.0 * 3200.0).sqrt();
    for (g, w) in got.iter().zip(want) {
        assert!(
            ((g[0] - w[0]).powi(2) + (g[1] - w[1]).powi(2)).sqrt() <= 0.01 * diagonal,
            "{got:?} against {want:?}"
        );
    }
    assert_eq!(report.checks.orientation.and_then(|o| o.value.degrees), Some(0), "upright once turned");
}
