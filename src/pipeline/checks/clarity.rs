//! Clarity: defocus and motion blur, as the width of the page's strong edges.
//!
//! Every row and every column is walked for monotonic transitions between paper and ink whose
//! height is at least half the page's ink contrast (pale guilloche, JPEG ringing and sensor
//! grain are lower than that). The 10–90 % rise distance of each is an edge width; the upper quartile of them is the page's. A sharp,
//! sampled step is about one pixel wide, so that is taken off in quadrature, and the rest is
//! expressed as the σ of an equivalent Gaussian blur in millimetres on the paper: the same
//! figure at 200 and 300 dpi, for every document kind. Rows and columns are scored apart and
//! the worse wins, so blur in one direction (motion) is not averaged away. A 1-bit scan has
//! edges a pixel wide and is sharp, as it should be.

use image::GrayImage;

use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::Page;
use crate::pipeline::report::{Clarity, Finding, Status};

/// 10–90 % rise of a Gaussian-blurred step, in units of σ.
const RISE_PER_SIGMA: f64 = 2.563;
/// 10–90 % rise of a sharp step sampled on the pixel grid, in pixels.
const SAMPLED_STEP_PX: f64 = 1.0;

/// Widths (pixels) of the strong monotonic transitions along one line of pixels.
fn transitions(line: &[u8], min_delta: i32, widths: &mut Vec<f32>) {
    let n = line.len();
    let mut i = 0;
    while i + 1 < n {
        let d = i32::from(line[i + 1]) - i32::from(line[i]);
        if d.abs() < 2 {
            i += 1;
            continue;
        }
        let sign = d.signum();
        let mut j = i + 1;
        let mut flat = 0;
        while j + 1 < n {
            let step = (i32::from(line[j + 1]) - i32::from(line[j])) * sign;
            if step < 0 || (step == 0 && flat == 1) {
                break;
            }
            flat = i32::from(step == 0);
            j += 1;
        }
        let j_end = j - flat as usize;
        let (lo, hi) = (i32::from(line[i]), i32::from(line[j_end]));
        if (hi - lo).abs() >= min_delta
            && let Some(w) = rise_width(&line[i..=j_end])
        {
            widths.push(w);
        }
        i = j_end.max(i + 1);
    }
}

/// 10–90 % rise distance of a monotonic run, interpolated between samples.
fn rise_width(run: &[u8]) -> Option<f32> {
    let (a, b) = (f32::from(run[0]), f32::from(run[run.len() - 1]));
    let at = |level: f32| -> Option<f32> {
        let target = a + (b - a) * level;
        run.windows(2).enumerate().find_map(|(k, w)| {
            let (p, q) = (f32::from(w[0]), f32::from(w[1]));
            let crossed = (p - target) * (q - target) <= 0.0 && p != q;
            crossed.then(|| k as f32 + (target - p) / (q - p))
        })
    };
    Some((at(0.9)? - at(0.1)?).abs())
}

/// Upper-quartile edge width (pixels) along rows and along columns, with the number of edges each.
fn edge_widths(page: &Page, min_delta: i32) -> [(Option<f64>, usize); 2] {
    let img = &page.luma;
    let (w, h) = img.dimensions();
    let step = if w.max(h) > 3000 { 2 } else { 1 };
    let mut rows = Vec::new();
    for y in (0..h).step_by(step) {
        let start = (y * w) as usize;
        transitions(&img.as_raw()[start..start + w as usize], min_delta, &mut rows);
    }
    let mut cols = Vec::new();
    for line in columns(img, step).chunks_exact(h.max(1) as usize) {
        transitions(line, min_delta, &mut cols);
    }
    [upper_quartile(rows), upper_quartile(cols)]
}

/// Every `step`-th column of the image as a row, copied tile by tile so that reads and writes
/// both stay in cache (a column read straight down touches a new cache line per pixel).
fn columns(img: &GrayImage, step: usize) -> Vec<u8> {
    const TILE: usize = 64;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let n = w.div_ceil(step);
    let mut out = vec![0u8; n * h];
    for y0 in (0..h).step_by(TILE) {
        for c0 in (0..n).step_by(TILE) {
            for y in y0..(y0 + TILE).min(h) {
                let row = &img.as_raw()[y * w..(y + 1) * w];
                for c in c0..(c0 + TILE).min(n) {
                    out[c * h + y] = row[c * step];
                }
            }
        }
    }
    out
}

fn upper_quartile(mut v: Vec<f32>) -> (Option<f64>, usize) {
    let n = v.len();
    if n == 0 {
        return (None, 0);
    }
    let mid = n * 3 / 4;
    let (_, m, _) = v.select_nth_unstable_by(mid, f32::total_cmp);
    (Some(f64::from(*m)), n)
}

/// Equivalent Gaussian σ in millimetres for an edge width in pixels at `dpi`.
fn blur_mm(width_px: f64, dpi: f64) -> f64 {
    let excess = (width_px * width_px - SAMPLED_STEP_PX * SAMPLED_STEP_PX).max(0.0).sqrt();
    excess / RISE_PER_SIGMA * 25.4 / dpi
}

/// `dpi` is the page's effective resolution (from the resolution check).
pub fn check(page: &Page, dpi: f64, cfg: &PipelineConfig) -> Finding<Clarity> {
    let contrast = i32::from(page.paper_luma) - i32::from(page.ink_luma);
    let min_delta = ((f64::from(contrast) * 0.5) as i32).max(cfg.clarity_min_edge_contrast);
    let [(row_w, row_n), (col_w, col_n)] = edge_widths(page, min_delta);
    let edges = row_n + col_n;
    let blur = [(row_w, row_n), (col_w, col_n)]
        .into_iter()
        .filter(|(_, n)| *n >= cfg.clarity_min_edges / 4)
        .filter_map(|(w, _)| w.map(|w| blur_mm(w, dpi)))
        .reduce(f64::max);
    let Some(blur) =
        blur.filter(|_| edges >= cfg.clarity_min_edges && contrast >= cfg.clarity_min_edge_contrast)
    else {
        let value = Clarity { score: None, blur_mm: None, edges };
        return Finding::with(
            Status::Unknown,
            "clarity.unknown",
            "内容过少，无法判断是否清晰，请人工确认",
            value,
        );
    };
    let t = cfg.clarity_max_blur_mm;
    let score = 0.5f64.powf((blur / t).powi(2));
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    let value = Clarity { score: Some(round(score)), blur_mm: Some(round(blur)), edges };
    if blur > t {
        Finding::with(Status::Fail, "clarity.blurred", "图片模糊，文字看不清，请对焦后重新扫描或拍摄", value)
    } else {
        Finding::pass(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sharp_step_is_one_pixel_wide_and_a_ramp_its_length() {
        let mut w = Vec::new();
        transitions(&[250, 250, 250, 130, 10, 10, 10], 100, &mut w);
        assert_eq!(w.len(), 1);
        assert!((w[0] - 1.6).abs() < 0.01, "{w:?}");
        w.clear();
        let ramp: Vec<u8> = (0..=10).map(|i| 250 - i * 24).collect();
        transitions(&ramp, 100, &mut w);
        assert!((w[0] - 8.0).abs() < 0.01, "{w:?}");
    }

    #[test]
    fn low_transitions_are_not_edges() {
        let mut w = Vec::new();
        transitions(&[250, 240, 230, 240, 250], 100, &mut w);
        assert!(w.is_empty());
    }

    #[test]
    fn blur_is_normalised_by_resolution() {
        // The same physical blur spans 1.5× the pixels at 300 dpi as at 200.
        let (a, b) = (blur_mm(4.0, 200.0), blur_mm(6.0 * 1.0, 300.0));
        assert!((a - b).abs() < 0.01, "{a} {b}");
        assert_eq!(blur_mm(0.8, 200.0), 0.0);
    }
}
