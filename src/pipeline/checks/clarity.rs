//! Clarity: defocus and motion blur, as the width of the page's strong edges.
//!
//! Rows and columns are walked for monotonic transitions between paper and ink whose height is
//! at least half the page's ink contrast (pale guilloche, JPEG ringing and sensor grain are
//! lower than that): every one of them on a small image, every other one from 2000 pixels on
//! (a 200-dpi A4 page still gives tens of thousands of edges). The 10–90 % rise distance of
//! each, times the cosine of the angle between the walked line and the edge's normal (from the
//! lines either side), is an edge width across the edge; edges more than 40° off are left to
//! the other direction. Along a row, a stroke at 45° would measure 1.4× its true width: on a
//! 200-dpi page that slant alone read as 0.1 mm of blur. The upper quartile of the widths is
//! the page's. A sharp, sampled step is about one pixel wide, and every scan has about half a
//! pixel of blur of its own (optics, or one interpolation by the scanner's software) that does
//! not depend on the page: both are taken off in quadrature, and the rest is
//! expressed as the σ of an equivalent Gaussian blur in millimetres on the paper: the same
//! figure at 200 and 300 dpi, for every document kind. Rows and columns are scored apart and
//! the worse wins, so blur in one direction (motion) is not averaged away. A 1-bit scan has
//! edges a pixel wide and is sharp, as it should be.

use image::GrayImage;

use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::Page;
use crate::pipeline::report::{Clarity, Finding, Status};
use multiversion::multiversion;

/// 10–90 % rise of a Gaussian-blurred step, in units of σ.
const RISE_PER_SIGMA: f64 = 2.563;
/// 10–90 % rise of a sharp step sampled on the pixel grid, in pixels.
const SAMPLED_STEP_PX: f64 = 1.0;
/// The blur (σ, pixels) every scan has at its own pitch and that is no fault of the page: a
/// flatbed's optics (MTF50 near 0.3 cycles per pixel is σ ≈ 0.6 px) or one interpolation by
/// the scanner's software (deskewed, enlarged). Taken off in quadrature, a little less than
/// the optics alone, so that blur the applicant can fix is never excused.
const SCAN_SIGMA_PX: f64 = 0.5;
/// Variance (pixels²) bilinear interpolation adds at a uniformly random sub-pixel offset t:
/// the mean of t(1 − t), 1/6. A flattened photo has been through it once.
const BILINEAR_VAR_PX2: f64 = 1.0 / 6.0;

/// The lines on either side of the one walked (`spacing` pixels away), to tell each edge's
/// direction: a rise along the line is wider than the edge by 1 / cos of the angle between the
/// line and the edge's normal.
#[derive(Clone, Copy)]
struct Across<'a> {
    before: &'a [u8],
    after: &'a [u8],
    spacing: f32,
}

impl Across<'_> {
    /// cos of the angle between the walked line and the normal of the edge crossing it at `m`
    /// (`line[m - 1]` and `line[m + 1]` exist).
    #[inline(always)]
    fn cos_at(&self, line: &[u8], m: usize) -> f32 {
        let along = (f32::from(line[m + 1]) - f32::from(line[m - 1])) / 2.0;
        let across = (f32::from(self.after[m]) - f32::from(self.before[m])) / (2.0 * self.spacing);
        along.abs() / along.hypot(across).max(f32::MIN_POSITIVE)
    }
}

/// An edge whose normal is further than this from the walked line is left to the line across
/// it (cos 40°): its width along this one would be mostly its slant.
const MIN_COS: f32 = 0.766;

/// Widths (pixels, across the edge) of the strong monotonic transitions along one line of
/// pixels.
#[inline(always)]
fn transitions(line: &[u8], across: Across, min_delta: i32, widths: &mut Vec<f32>) {
    // A line whose values all lie closer together than `min_delta` has no transition to
    // measure (most lines between text lines): told in one vectorised pass.
    let (lo, hi) = line.iter().fold((u8::MAX, 0u8), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if i32::from(hi) - i32::from(lo) < min_delta {
        return;
    }
    let n = line.len();
    let mut i = 0;
    loop {
        i = next_step(line, i);
        if i + 1 >= n {
            break;
        }
        let d = i32::from(line[i + 1]) - i32::from(line[i]);
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
            // Where the run crosses half way, with a pixel either side.
            let half = (lo + hi) / 2;
            let m = (i..=j_end).find(|&k| (i32::from(line[k]) - half) * sign >= 0).unwrap_or(j_end);
            let m = m.clamp(1, n - 2);
            let cos = across.cos_at(line, m);
            if cos >= MIN_COS {
                widths.push(w * cos);
            }
        }
        i = j_end.max(i + 1);
    }
}

/// The first `i` from `from` on where the line changes by 2 or more to the next pixel (the
/// last index when there is none). Paper is flat to within 1 over stretches of a line: tested
/// 32 pixels at a time in vector compares, then pixel by pixel (measured: about 0.7 ms of a
/// 200-dpi page's 6–8).
#[inline(always)]
fn next_step(line: &[u8], from: usize) -> usize {
    const LANES: usize = 32;
    let mut i = from;
    while i + LANES < line.len() {
        let (a, b) = (&line[i..i + LANES], &line[i + 1..=i + LANES]);
        let steps = a.iter().zip(b).enumerate();
        let mask = steps.fold(0u32, |m, (k, (&p, &q))| m | (u32::from(p.abs_diff(q) >= 2) << k));
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += LANES;
    }
    while i + 1 < line.len() && line[i].abs_diff(line[i + 1]) < 2 {
        i += 1;
    }
    i.min(line.len().saturating_sub(1))
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
#[multiversion(targets("x86_64+avx2"))]
fn edge_widths(img: &GrayImage, min_delta: i32) -> [(Option<f64>, usize); 2] {
    let (w, h) = img.dimensions();
    let step = if w.max(h) > 2000 { 2 } else { 1 };
    let mut rows = Vec::new();
    let row = |y: u32| &img.as_raw()[(y * w) as usize..((y + 1) * w) as usize];
    for y in (1..h.saturating_sub(1)).step_by(step) {
        let across = Across { before: row(y - 1), after: row(y + 1), spacing: 1.0 };
        transitions(row(y), across, min_delta, &mut rows);
    }
    // Columns a strip at a time, each copied out as rows into one small buffer that is reused
    // (a whole transposed page would be megabytes of fresh memory for the kernel to clear).
    let mut cols = Vec::new();
    let (n, h) = ((w as usize).div_ceil(step), h as usize);
    let mut strip = vec![0u8; STRIP * h];
    for first in (0..n).step_by(STRIP) {
        let lines = &mut strip[..(n - first).min(STRIP) * h];
        column_strip(img, step, first, lines);
        // The strip's first and last columns have no kept neighbour in it: skipped.
        let lines: Vec<&[u8]> = lines.chunks_exact(h.max(1)).collect();
        for k in lines.windows(3) {
            let across = Across { before: k[0], after: k[2], spacing: step as f32 };
            transitions(k[1], across, min_delta, &mut cols);
        }
    }
    [upper_quartile(rows), upper_quartile(cols)]
}

/// Columns of the image copied out as rows a strip at a time.
const STRIP: usize = 64;

/// Every `step`-th column from the `first`-th kept one on, as rows of `out` (as many as it
/// holds, each the image's height). Each image row gives one byte to each of the strip's rows:
/// the reads run along memory and the writes go to a few dozen cache lines that stay put.
#[inline(always)]
fn column_strip(img: &GrayImage, step: usize, first: usize, out: &mut [u8]) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    for (y, row) in img.as_raw().chunks_exact(w.max(1)).enumerate() {
        let kept = row.iter().skip(first * step).step_by(step);
        for (k, &v) in kept.enumerate().take(out.len() / h.max(1)) {
            out[k * h + y] = v;
        }
    }
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

/// Equivalent Gaussian σ in millimetres for an edge width in pixels at `dpi`, less the
/// interpolation of a flattened page when `resampled`.
fn blur_mm(width_px: f64, dpi: f64, resampled: bool) -> f64 {
    let excess = (width_px * width_px - SAMPLED_STEP_PX * SAMPLED_STEP_PX).max(0.0).sqrt();
    let sigma_px = excess / RISE_PER_SIGMA;
    let ours = SCAN_SIGMA_PX * SCAN_SIGMA_PX + if resampled { BILINEAR_VAR_PX2 } else { 0.0 };
    (sigma_px * sigma_px - ours).max(0.0).sqrt() * 25.4 / dpi
}

/// `dpi` is the page's effective resolution (from the resolution check).
pub fn check(page: &Page, dpi: f64, cfg: &PipelineConfig) -> Finding<Clarity> {
    let contrast = i32::from(page.paper_luma) - i32::from(page.ink_luma);
    let min_delta = ((f64::from(contrast) * 0.5) as i32).max(cfg.clarity_min_edge_contrast);
    let [(row_w, row_n), (col_w, col_n)] = edge_widths(&page.luma, min_delta);
    let edges = row_n + col_n;
    let blur = [(row_w, row_n), (col_w, col_n)]
        .into_iter()
        .filter(|(_, n)| *n >= cfg.clarity_min_edges / 4)
        .filter_map(|(w, _)| w.map(|w| blur_mm(w, dpi, page.resampled)))
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

    /// The same line either side: every edge runs straight across.
    fn flat(line: &[u8]) -> Across<'_> {
        Across { before: line, after: line, spacing: 1.0 }
    }

    #[test]
    fn a_sharp_step_is_one_pixel_wide_and_a_ramp_its_length() {
        let mut w = Vec::new();
        let line = [250, 250, 250, 130, 10, 10, 10];
        transitions(&line, flat(&line), 100, &mut w);
        assert_eq!(w.len(), 1);
        assert!((w[0] - 1.6).abs() < 0.01, "{w:?}");
        w.clear();
        let ramp: Vec<u8> = (0..=10).map(|i| 250 - i * 24).collect();
        transitions(&ramp, flat(&ramp), 100, &mut w);
        assert!((w[0] - 8.0).abs() < 0.01, "{w:?}");
    }

    #[test]
    fn a_slanted_edge_is_measured_across_itself_and_a_steep_one_left_to_the_other_direction() {
        // Along the line the edge falls 120 per pixel at its middle (index 3).
        let line = [250u8, 250, 250, 130, 10, 10, 10];
        let across_by = |d: i32| -> Vec<f32> {
            let before: Vec<u8> = line.iter().map(|&v| (i32::from(v) - d).clamp(0, 255) as u8).collect();
            let after: Vec<u8> = line.iter().map(|&v| (i32::from(v) + d).clamp(0, 255) as u8).collect();
            let mut w = Vec::new();
            transitions(&line, Across { before: &before, after: &after, spacing: 1.0 }, 100, &mut w);
            w
        };
        // Across, half the fall along: the normal is 26.6° off the line, cos 0.894.
        let w = across_by(60);
        assert!((w[0] - 1.6 * 0.894).abs() < 0.01, "{w:?}");
        // As steep across as along (45°): measured by the line across it instead.
        assert!(across_by(120).is_empty());
    }

    #[test]
    fn column_strips_are_the_image_read_down() {
        let img = GrayImage::from_fn(13, 19, |x, y| image::Luma([(x * 19 + y) as u8]));
        for (step, first, count) in [(1, 0, 13), (2, 0, 7), (2, 3, 4), (3, 1, 2)] {
            let mut out = vec![0u8; count * 19];
            column_strip(&img, step, first, &mut out);
            let xs = (0..13).step_by(step).skip(first).take(count);
            let want: Vec<u8> = xs.flat_map(|x| (0..19).map(move |y| (x * 19 + y) as u8)).collect();
            assert_eq!(out, want, "step {step} from {first}");
        }
    }

    #[test]
    fn low_transitions_are_not_edges() {
        let mut w = Vec::new();
        let line = [250, 240, 230, 240, 250];
        transitions(&line, flat(&line), 100, &mut w);
        assert!(w.is_empty());
    }

    #[test]
    fn blur_is_normalised_by_resolution() {
        // The same physical blur spans 1.5× the pixels at 300 dpi as at 200.
        let (a, b) = (blur_mm(4.0, 200.0, false), blur_mm(6.0 * 1.0, 300.0, false));
        assert!((a - b).abs() < 0.01, "{a} {b}");
        assert_eq!(blur_mm(0.8, 200.0, false), 0.0);
        // A flattened page's own interpolation is not counted.
        assert!(blur_mm(4.0, 200.0, true) < a);
    }
}
