//! Accuracy of the image checks against generated scans with known truth. Prints the figures
//! (run with `--nocapture` to see them) and asserts the targets from the issue tracker.

use sealdesk::fixtures::{Fonts, set};
use sealdesk::pipeline::{self, DocKind, PipelineConfig, Status};

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
