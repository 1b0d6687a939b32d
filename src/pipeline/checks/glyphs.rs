//! Glyph ink: the pixels of the quarter-size page that belong to characters, for the checks
//! that read the layout of the text (orientation).
//!
//! A pixel is ink when it is clearly darker than the paper around it (a local mean, so uneven
//! lighting and a dark scanner background do not turn whole regions to ink) and not seal red.
//! Of the connected ink, only glyph-sized pieces are kept: form rules, frames, card edges,
//! photos and the rim of a dark background are longer than any character and would otherwise
//! outweigh the text lines.

use super::skew::Points;
use super::{components, max_filter};
use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::{Page, mark};
use image::GrayImage;

/// Glyph pixels of the quarter-size page, relative to its centre.
pub fn points(page: &Page, dpi: f64, cfg: &PipelineConfig) -> Points {
    let px_per_mm = dpi / 25.4 * page.small_scale;
    let mask = ink_mask(page, px_per_mm, cfg);
    let (labels, parts) = components(&mask, |_, _| true);
    let max_px = (cfg.glyph_max_size_mm * px_per_mm).max(2.0) as u32;
    // A rule broken at its junctions (the local mean is darker there) leaves thin pieces a cell
    // long: longer than a stroke of one character and far thinner than they are long.
    let stroke_px = (cfg.glyph_max_stroke_mm * px_per_mm).max(2.0) as u32;
    let mut keep = vec![false; parts.iter().map(|c| c.label as usize + 1).max().unwrap_or(1)];
    for c in &parts {
        let (w, h) = (c.x1 - c.x0 + 1, c.y1 - c.y0 + 1);
        let (long, short) = (w.max(h), w.min(h));
        let rule = long > stroke_px && long > short * 5;
        keep[c.label as usize] = long <= max_px && w * h >= 2 && !rule;
    }
    let (w, h) = mask.dimensions();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for (x, y, l) in labels.enumerate_pixels() {
        if l[0] > 0 && keep[l[0] as usize] {
            xs.push(x as f32 - cx);
            ys.push(y as f32 - cy);
        }
    }
    Points::new(xs, ys, 1.0)
}

/// Pixels of the small copy darker than the paper around them (the brightest pixel within
/// the background radius) by a share of the page's contrast, red seal ink left out. The
/// brightest rather than the mean, so that the crossing of two rules, dark all round, stays
/// ink and a ruled table stays one piece.
fn ink_mask(page: &Page, px_per_mm: f64, cfg: &PipelineConfig) -> GrayImage {
    let small = &page.small;
    let (w, h) = small.dimensions();
    let r = (cfg.glyph_background_radius_mm * px_per_mm).round().max(2.0) as u32;
    let paper = max_filter(small, r);
    let contrast = f64::from(page.paper_luma.saturating_sub(page.ink_luma));
    let delta = (contrast * cfg.glyph_min_contrast_share).max(8.0);
    // Darker than the paper by more than `delta`: by at least the next whole level.
    let darker = (delta.floor() + 1.0).min(256.0) as u16;
    let f = (1.0 / page.small_scale) as usize;
    let (fw, fh) = (page.marks.width() as usize, page.marks.height() as usize);
    // The full-resolution pixel at the centre of each small one tells seal red.
    let centre = |i: usize, n: usize| (i * f + f / 2).min(n - 1);
    let cols: Vec<usize> = (0..w as usize).map(|x| centre(x, fw)).collect();
    let mut out = vec![0u8; (w * h) as usize];
    let rows = out.chunks_exact_mut(w.max(1) as usize).zip(small.rows()).zip(paper.rows());
    for (y, ((dst, row), bright)) in rows.enumerate() {
        let marks = &page.marks.as_raw()[centre(y, fh) * fw..][..fw];
        for (((d, v), p), &fx) in dst.iter_mut().zip(row).zip(bright).zip(&cols) {
            let ink = u16::from(p[0].saturating_sub(v[0])) >= darker && marks[fx] & mark::SEAL == 0;
            *d = if ink { 255 } else { 0 };
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| GrayImage::new(w, h))
}
