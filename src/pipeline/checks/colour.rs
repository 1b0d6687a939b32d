//! Colour or black-and-white. A seal must stay red, so seal-bearing documents must be scanned
//! in colour. Measured as the share of pixels whose channels differ visibly; a file without
//! colour channels is black-and-white whatever it shows.

use crate::pipeline::DocKind;
use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::{Page, mark};
use crate::pipeline::report::{Colour, Finding, Status};
use multiversion::multiversion;

/// Share of pixels (sampled on a 2-pixel grid) marked coloured ([`mark::COLOURED`], at the
/// configured chroma).
pub fn coloured_fraction(page: &Page) -> f64 {
    let (coloured, total) = count_coloured(page.marks.as_raw(), page.marks.width() as usize);
    coloured as f64 / total.max(1) as f64
}

/// (coloured, counted) pixels of every other row and column of the marks of a page `w` wide.
#[multiversion(targets("x86_64+avx2"))]
fn count_coloured(marks: &[u8], w: usize) -> (u64, u64) {
    let (mut coloured, mut total) = (0u64, 0u64);
    for row in marks.chunks_exact(w.max(1)).step_by(2) {
        let pairs = row.chunks_exact(2);
        let odd = pairs.remainder().first().copied().unwrap_or(0);
        let n = pairs.fold(u32::from(odd & mark::COLOURED), |n, m| n + u32::from(m[0] & mark::COLOURED));
        coloured += u64::from(n / u32::from(mark::COLOURED));
        total += row.len().div_ceil(2) as u64;
    }
    (coloured, total)
}

pub fn check(page: &Page, kind: DocKind, cfg: &PipelineConfig) -> Finding<Colour> {
    let fraction = if page.grayscale_source { 0.0 } else { coloured_fraction(page) };
    let is_colour = fraction >= cfg.colour_min_fraction;
    let value = Colour { is_colour, coloured_fraction: (fraction * 1e5).round() / 1e5 };
    match (is_colour, kind.requires_seal()) {
        (true, _) => Finding::pass(value),
        (false, true) => Finding::with(
            Status::Fail,
            "colour.grayscale",
            "黑白扫描无法确认红色印章，请彩色扫描后重新上传",
            value,
        ),
        (false, false) => Finding::with(Status::Warn, "colour.grayscale", "图片为黑白，建议彩色扫描", value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn page_with_red_disc(gray_source: bool, red: bool) -> Page {
        let img = RgbImage::from_fn(400, 400, |x, y| {
            let d = ((x as i32 - 200).pow(2) + (y as i32 - 200).pow(2)) as f64;
            let ring = (d.sqrt() - 80.0).abs() < 4.0;
            match (ring, red) {
                (true, true) => Rgb([200, 40, 40]),
                (true, false) => Rgb([90, 90, 90]),
                _ => Rgb([250, 249, 247]),
            }
        });
        Page::new(img, gray_source, &PipelineConfig::default())
    }

    #[test]
    fn a_red_seal_makes_a_colour_scan() {
        let f = check(&page_with_red_disc(false, true), DocKind::ApplicationForm, &PipelineConfig::default());
        assert_eq!(f.status, Status::Pass);
        assert!(f.value.is_colour);
    }

    #[test]
    fn a_grey_page_fails_for_seal_bearing_documents_and_warns_otherwise() {
        let cfg = PipelineConfig::default();
        let f = check(&page_with_red_disc(false, false), DocKind::SealSample, &cfg);
        assert_eq!((f.status, f.code), (Status::Fail, Some("colour.grayscale")));
        let f = check(&page_with_red_disc(false, false), DocKind::Other, &cfg);
        assert_eq!(f.status, Status::Warn);
    }

    #[test]
    fn a_grayscale_file_is_black_and_white_whatever_its_pixels() {
        let f = check(&page_with_red_disc(true, true), DocKind::IdCard, &PipelineConfig::default());
        assert!(!f.value.is_colour);
    }
}
