//! Real scans and photos from public packages, fetched by `scripts/fetch-real-images.sh` into the
//! folder `SEALDESK_REAL_IMAGES` names (scripts/test.sh fetches them and sets it): a real
//! 300-dpi scan, the same page skewed by a known angle and at the four quarter turns, and real
//! out-of-focus and motion-blurred photos of text. Scored against the labels that come with
//! them; `cargo test --test accuracy real -- --nocapture` prints the table.

use std::path::PathBuf;

use sealdesk::pipeline::{self, DocKind, PipelineConfig, Status};

#[test]
fn real_scans_are_upright_level_and_sharp_and_real_blur_fails() {
    let Ok(dir) = std::env::var("SEALDESK_REAL_IMAGES") else {
        eprintln!(
            "SEALDESK_REAL_IMAGES is not set: real images not scored (scripts/test.sh fetches and sets them)"
        );
        return;
    };
    let dir = PathBuf::from(dir);
    let labels: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("labels.json"))
            .expect("labels.json in SEALDESK_REAL_IMAGES (run scripts/fetch-real-images.sh)"),
    )
    .expect("labels.json is JSON");
    let cfg = PipelineConfig::default();
    println!(
        "{:26} {:>11} {:>9} {:>16} {:>10}",
        "real image", "orientation", "skew °", "clarity (mm)", "expected"
    );
    let images = labels["images"].as_array().expect("images");
    assert!(images.len() >= 10);
    for label in images {
        let file = label["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let report = pipeline::run(&bytes, DocKind::Other, &cfg);
        let c = &report.checks;
        let orientation = c.orientation.as_ref().and_then(|o| o.value.degrees);
        let skew = c.skew.as_ref().and_then(|s| s.value.angle_deg);
        let clarity = c.clarity.as_ref().expect("clarity checked");
        println!(
            "{file:26} {:>11} {:>9} {:>16} {:>10}",
            orientation.map_or("-".into(), |d| d.to_string()),
            skew.map_or("-".into(), |s| format!("{s:.3}")),
            format!("{:?} {:.3}", clarity.status, clarity.value.blur_mm.unwrap_or(f64::NAN)),
            if label["sharp"] == true { "sharp" } else { "blurred" },
        );
        if let Some(want) = label["orientation"].as_u64() {
            assert_eq!(orientation, Some(want as u16), "{file}: orientation");
        }
        if let Some(want) = label["skew_deg"].as_f64() {
            let got = skew.unwrap_or_else(|| panic!("{file}: no skew measured"));
            assert!((got - want).abs() <= 0.1, "{file}: skew {got:.3}° against {want}°");
        }
        if label["sharp"] == true {
            assert_ne!(clarity.status, Status::Fail, "{file}: a sharp real scan must not fail clarity");
        } else {
            assert_eq!(clarity.status, Status::Fail, "{file}: a blurred real photo must fail clarity");
        }
    }
}
