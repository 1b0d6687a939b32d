//! Accuracy of the image checks against generated scans with known truth. Prints the figures
//! (run with `--nocapture` to see them) and asserts the targets from the issue tracker.

mod held;
mod numbers;
mod photos;
mod real;
mod seal_text;

use sealdesk::fixtures::{Fonts, set};
use sealdesk::pipeline::{self, CheckReport, DocKind, PipelineConfig, Status};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn skew_is_measured_within_a_twentieth_of_a_degree() {
    let fonts = Fonts::system().expect("fonts-noto-cjk installed");
    let cfg = PipelineConfig::default();
    let cases = set::skew_set(&fonts, 20, 15.0, 11);
    let mut errors = Vec::new();
    for case in &cases {
        let report = pipeline::run(&case.bytes, DocKind::ApplicationForm, &cfg);
        let skew = report.checks.skew.expect("skew measured");
        let got = skew.value.angle_deg.unwrap_or(f64::NAN);
        let err = (got - case.truth.skew_deg).abs();
        println!(
            "{:32} truth {:+8.3}° measured {:+8.3}° error {:.3}°",
            case.name, case.truth.skew_deg, got, err
        );
        // The status follows the thresholds: never a pass beyond max_skew_deg_pass.
        let a = case.truth.skew_deg.abs();
        if a > cfg.max_skew_deg_warn + 0.1 {
            assert_eq!(skew.status, Status::Fail, "{}", case.name);
        } else if a > cfg.max_skew_deg_pass + 0.1 {
            assert_ne!(skew.status, Status::Pass, "{}", case.name);
        } else if a < cfg.max_skew_deg_pass - 0.1 {
            assert_eq!(skew.status, Status::Pass, "{}", case.name);
        }
        errors.push(if err.is_nan() { f64::INFINITY } else { err });
    }
    errors.sort_by(f64::total_cmp);
    let (median, p90, max) = (percentile(&errors, 0.5), percentile(&errors, 0.9), errors[errors.len() - 1]);
    println!(
        "skew over {} pages within ±15°: median {median:.3}°, p90 {p90:.3}°, max {max:.3}°",
        errors.len()
    );
    assert!(median <= 0.05, "median error {median:.3}°");
    assert!(p90 <= 0.1, "p90 error {p90:.3}°");
    assert!(max <= 0.5, "max error {max:.3}°");
}

#[test]
fn a_blank_page_has_no_skew_to_report() {
    let page = image::RgbImage::from_pixel(1654, 2339, image::Rgb([250, 250, 248]));
    let bytes = sealdesk::fixtures::degrade::jpeg(&page, 90);
    let report = pipeline::run(&bytes, DocKind::Other, &PipelineConfig::default());
    let skew = report.checks.skew.unwrap();
    assert_eq!(skew.status, Status::Unknown);
    assert_eq!(skew.code, Some("skew.unknown"));
}

fn fonts() -> Fonts {
    Fonts::system().expect("fonts-noto-cjk installed")
}

/// Every case with its report: each scan goes through the pipeline once.
fn examined(cases: Vec<set::Case>) -> Vec<(set::Case, CheckReport)> {
    let cfg = PipelineConfig::default();
    cases
        .into_iter()
        .map(|case| {
            let report = pipeline::run(&case.bytes, case.kind, &cfg);
            (case, report)
        })
        .collect()
}

/// Share of cases where `ok` holds, printing every miss.
fn score(
    name: &str,
    results: &[&(set::Case, CheckReport)],
    ok: impl Fn(&set::Case, &CheckReport) -> bool,
) -> f64 {
    let mut good = 0;
    for (case, report) in results {
        if ok(case, report) {
            good += 1;
        } else {
            println!(
                "{name}: miss {}: {}",
                case.name,
                serde_json::to_string(&report.checks).unwrap_or_default()
            );
        }
    }
    let share = f64::from(good) / results.len() as f64;
    println!("{name}: {good}/{} correct ({:.1} %)", results.len(), share * 100.0);
    share
}

/// Orientation told from the image alone: right, or `unknown` when upright cannot be told from
/// upside down with a margin; never a confident wrong turn (issue 21). Prints the shares.
fn orientation_outcomes(name: &str, results: &[&(set::Case, CheckReport)]) -> (f64, usize) {
    let (unknown, wrong) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let share = score(name, results, |case, r| {
        let o = r.checks.orientation.as_ref().expect("orientation checked");
        let right = o.value.degrees == Some(u16::from(case.truth.quarter_turns) * 90);
        if o.status == Status::Unknown {
            unknown.set(unknown.get() + 1);
        } else if !right {
            wrong.set(wrong.get() + 1);
        }
        right && o.status != Status::Unknown
    });
    println!("{name}: {} unknown, {} confidently wrong", unknown.get(), wrong.get());
    (share, wrong.get())
}

#[test]
fn orientation_is_found_on_quarter_turned_pages() {
    let results = examined(set::orientation_set(&fonts(), 5));
    let refs: Vec<_> = results.iter().collect();
    let (share, wrong) = orientation_outcomes("orientation", &refs);
    assert_eq!(wrong, 0, "confident wrong turns");
    assert!(share >= 0.9, "orientation {share}");
    for (case, r) in &results {
        let o = r.checks.orientation.as_ref().expect("orientation checked");
        let skew = r.checks.skew.as_ref().and_then(|s| s.value.angle_deg).unwrap_or(f64::NAN);
        if o.status != Status::Unknown {
            assert!((skew - case.truth.skew_deg).abs() < 0.1, "{}: skew {skew}", case.name);
            assert_eq!(o.status == Status::Pass, case.truth.quarter_turns == 0, "{}", case.name);
        }
    }
}

#[test]
fn orientation_holds_on_every_labelled_page_from_the_image_alone() {
    // Every set's pages, upright or turned: perspective, dark backgrounds, uneven light,
    // grey and 1-bit copies, blur and noise included; no OCR to correct the finding.
    let cases: Vec<set::Case> = set::all(&fonts(), 7).into_iter().flat_map(|(_, cases)| cases).collect();
    let results = examined(cases);
    let refs: Vec<_> = results.iter().collect();
    let (share, wrong) = orientation_outcomes("orientation on every labelled page", &refs);
    assert_eq!(wrong, 0, "confident wrong turns on every labelled page");
    assert!(share >= 0.9, "orientation on every labelled page {share}");
}

#[test]
fn with_the_number_read_every_quarter_turned_page_is_oriented() {
    // As the job runner checks pages: a number that reads only at another quarter turn
    // corrects the orientation finding.
    let cfg = PipelineConfig::default();
    let mut reader =
        sealdesk::ocr::tesseract::TesseractReader::new(None).expect("tesseract-ocr-eng installed");
    let results: Vec<_> = set::orientation_set(&fonts(), 5)
        .into_iter()
        .map(|case| {
            let ocr = pipeline::Ocr { expected: &Default::default(), reader: &mut reader };
            let report = pipeline::run_with(&case.bytes, case.kind, Some(ocr), &cfg).expect("engine works");
            (case, report)
        })
        .collect();
    let share = score("orientation with OCR", &results.iter().collect::<Vec<_>>(), |case, r| {
        let o = r.checks.orientation.as_ref().expect("orientation checked");
        o.value.degrees == Some(u16::from(case.truth.quarter_turns) * 90)
    });
    assert_eq!(share, 1.0, "orientation with OCR {share}");
}

#[test]
fn clarity_tells_sharp_from_blurred_across_kinds_and_resolutions() {
    let results = examined(set::clarity_set(&fonts(), 3));
    let share = score("clarity", &results.iter().collect::<Vec<_>>(), |case, r| {
        let c = r.checks.clarity.as_ref().expect("clarity checked");
        if case.truth.blurred() { c.status == Status::Fail } else { c.status == Status::Pass }
    });
    assert!(share >= 0.98, "clarity {share}");
    // No sharp scan fails, whatever else.
    for (case, r) in results.iter().filter(|(c, _)| !c.truth.blurred()) {
        assert_ne!(r.checks.clarity.as_ref().map(|c| c.status), Some(Status::Fail), "{}", case.name);
    }
}

#[test]
fn seals_are_counted_and_red_marks_that_are_not_seals_are_ignored() {
    let results = examined(set::seal_set(&fonts(), 7));
    let (gray, colour): (Vec<_>, Vec<_>) = results.iter().partition(|(c, _)| c.truth.grayscale);
    let share = score("seal count (colour)", &colour, |case, r| {
        r.checks.seal.as_ref().is_some_and(|s| s.value.count == case.truth.seals.len())
    });
    assert!(share >= 0.97, "seal count {share}");
    // Unstamped pages: nothing reported (the licence's printed authority seal is set aside:
    // here by its place, as no OCR runs; `licence.rs` tells it by its text).
    for (case, r) in colour.iter().filter(|(c, _)| c.truth.seals.is_empty()) {
        let seal = r.checks.seal.as_ref().expect("seal checked");
        assert_eq!(seal.value.count, 0, "{}", case.name);
        assert_ne!(seal.status, Status::Pass, "{}", case.name);
    }
    // Black-and-white scans never pass.
    for (case, r) in gray {
        assert_ne!(r.checks.seal.as_ref().map(|s| s.status), Some(Status::Pass), "{}", case.name);
    }
}

#[test]
fn seal_boxes_catch_every_touching_and_missing_imprint() {
    let results = examined(set::seal_box_set(&fonts(), 13));
    let share = score("seal boxes", &results.iter().collect::<Vec<_>>(), |case, r| {
        let Some(b) = r.checks.seal_boxes.as_ref() else { return false };
        let got: Vec<(usize, bool)> = b.value.boxes.iter().map(|b| (b.seal_count, b.touches_line)).collect();
        let want: Vec<(usize, bool)> =
            case.truth.seal_boxes.iter().map(|b| (b.seal_count as usize, b.touches_line)).collect();
        let correct_form = want.iter().all(|&(n, t)| n == 1 && !t);
        got == want && (b.status == Status::Pass) == correct_form
    });
    assert_eq!(share, 1.0, "seal boxes {share}");
    // Where an imprint touches, the regions marked lie on that box's outline.
    for (case, r) in &results {
        for b in r.checks.seal_boxes.iter().flat_map(|f| &f.value.boxes) {
            assert_eq!(b.touches_line, !b.touching.is_empty(), "{}", case.name);
            let [bx, by, bw, bh] = b.bbox.map(i64::from);
            for t in &b.touching {
                let (cx, cy) = (i64::from(t[0] + t[2] / 2), i64::from(t[1] + t[3] / 2));
                let near = |v: i64, edge: i64| (v - edge).abs() <= 40;
                let on_outline = (near(cx, bx) || near(cx, bx + bw) || near(cy, by) || near(cy, by + bh))
                    && (bx - 40..=bx + bw + 40).contains(&cx)
                    && (by - 40..=by + bh + 40).contains(&cy);
                assert!(on_outline, "{}: touching region {t:?} not on box {:?}", case.name, b.bbox);
            }
        }
    }
}

#[test]
fn seal_boxes_are_numbered_in_the_upright_forms_order_whatever_the_turn() {
    use sealdesk::fixtures::degrade::{jpeg, quarter_turns};
    use sealdesk::fixtures::documents::{Imprint, seal_sample};
    use sealdesk::pipeline::report::SealShape;
    let fonts = fonts();
    let (page, truth) =
        seal_sample(&fonts, 200, SealShape::Round, [Imprint::Centred, Imprint::Offset(14.0, 0.0)], 71);
    for turns in 0..4u8 {
        let mut t = truth.clone();
        let turned = quarter_turns(&page, turns, &mut t);
        let report = pipeline::run(&jpeg(&turned, 85), DocKind::SealSample, &PipelineConfig::default());
        let boxes = report.checks.seal_boxes.expect("seal boxes checked");
        let touching: Vec<bool> = boxes.value.boxes.iter().map(|b| b.touches_line).collect();
        assert_eq!(touching, [false, true], "turned {turns}: the second box on the form touches");
        assert!(
            boxes.message.as_deref().unwrap_or("").contains("印章取样处2"),
            "turned {turns}: {:?}",
            boxes.message
        );
    }
}

#[test]
fn exposure_tells_dim_dark_washed_out_uneven_and_glaring_scans_from_good_ones() {
    use sealdesk::fixtures::degrade::{GLARE_SPOT, Lighting};
    let expected = |lighting| match lighting {
        Lighting::Even => (Status::Pass, None),
        Lighting::Dim => (Status::Warn, Some("exposure.dark")),
        Lighting::Dark => (Status::Fail, Some("exposure.dark")),
        Lighting::WashedOut => (Status::Fail, Some("exposure.washed_out")),
        Lighting::Uneven => (Status::Warn, Some("exposure.uneven")),
        Lighting::Glare => (Status::Warn, Some("exposure.glare")),
    };
    let cases = examined(set::exposure_set(&fonts(), 90));
    let mut right = 0;
    let total = cases.len();
    for (case, report) in &cases {
        let lighting = case.truth.lighting.expect("the exposure set labels its lighting");
        let e = report.checks.exposure.as_ref().expect("exposure checked");
        if lighting == Lighting::Glare {
            // The evidence marks the reflection: every region reported touches the spot.
            let info = &report.checks.format.value;
            let (w, h) = (f64::from(info.width.unwrap_or(0)), f64::from(info.height.unwrap_or(0)));
            let (gx, gy, gr) = GLARE_SPOT;
            let (cx, cy, r) = (gx * w, gy * h, gr * w);
            assert!(!e.value.regions.is_empty(), "{}: glare without regions", case.name);
            for [x, y, rw, rh] in e.value.regions.iter().map(|b| b.map(f64::from)) {
                let (nx, ny) = (cx.clamp(x, x + rw), cy.clamp(y, y + rh));
                assert!(
                    (nx - cx).hypot(ny - cy) <= r,
                    "{}: glare region {x},{y} away from the spot",
                    case.name
                );
            }
        }
        let (status, code) = expected(lighting);
        if (e.status, e.code) == (status, code) {
            right += 1;
        } else {
            println!(
                "exposure {}: got {:?} {:?}, want {status:?} {code:?} ({:?})",
                case.name, e.status, e.code, e.value
            );
        }
    }
    println!("exposure: {right}/{total} right (4 kinds × even, dim, dark, washed out, uneven, glare)");
    assert_eq!(right, total);
}

#[test]
fn resolution_is_measured_from_the_page_and_low_dpi_scans_are_refused() {
    let cfg = PipelineConfig::default();
    for (case, report) in examined(set::resolution_set(&fonts(), 5)) {
        let dpi = f64::from(case.truth.dpi);
        let status = if dpi < cfg.min_dpi_fail {
            Status::Fail
        } else if dpi < cfg.min_dpi_warn {
            Status::Warn
        } else {
            Status::Pass
        };
        let r = report.checks.resolution.expect("resolution checked");
        println!("resolution: drawn at {dpi} dpi, measured {:.1} dpi, {:?}", r.value.dpi, r.status);
        assert!((r.value.dpi - dpi).abs() <= dpi * 0.02, "{dpi}: {}", r.value.dpi);
        assert_eq!(r.status, status, "{dpi} dpi");
    }
}
