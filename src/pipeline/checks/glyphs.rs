//! Glyph ink: the pixels of the quarter-size page that belong to characters, for the checks
//! that read the layout of the text (orientation).
//!
//! A pixel is ink when it is clearly darker than the paper around it (a local mean, so uneven
//! lighting and a dark scanner background do not turn whole regions to ink) and not seal red.
//! Of the connected ink, only glyph-sized pieces are kept: form rules, frames, card edges,
//! photos and the rim of a dark background are longer than any character and would otherwise
//! outweigh the text lines.

use super::components;
use super::seal::is_seal_ink;
use super::skew::Points;
use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::Page;
use image::{GrayImage, Luma};

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
    let f = (1.0 / page.small_scale) as u32;
    GrayImage::from_fn(w, h, |x, y| {
        let v = f64::from(small.get_pixel(x, y)[0]);
        let (fx, fy) = ((x * f + f / 2).min(page.width() - 1), (y * f + f / 2).min(page.height() - 1));
        let ink = v + delta < f64::from(paper.get_pixel(x, y)[0])
            && !is_seal_ink(page.rgb.get_pixel(fx, fy).0, cfg.seal_min_redness);
        Luma([if ink { 255 } else { 0 }])
    })
}

/// The brightest value within `r` pixels (a square window), rows then columns.
fn max_filter(img: &GrayImage, r: u32) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let r = r as usize;
    let mut across = vec![0u8; w * h];
    for (src, dst) in img.as_raw().chunks_exact(w.max(1)).zip(across.chunks_exact_mut(w.max(1))) {
        for (x, v) in dst.iter_mut().enumerate() {
            *v = src[x.saturating_sub(r)..=(x + r).min(w - 1)].iter().copied().max().unwrap_or(0);
        }
    }
    // Down the columns a whole row at a time, so the inner loop runs along memory.
    let mut out = vec![0u8; w * h];
    for (y, dst) in out.chunks_exact_mut(w.max(1)).enumerate() {
        for row in across.chunks_exact(w.max(1)).take((y + r).min(h - 1) + 1).skip(y.saturating_sub(r)) {
            dst.iter_mut().zip(row).for_each(|(d, &s)| *d = (*d).max(s));
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).unwrap_or_else(|| GrayImage::new(w as u32, h as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_filter_spreads_the_brightest_pixel_over_its_window() {
        let mut img = GrayImage::from_pixel(9, 7, Luma([10]));
        img.put_pixel(4, 3, Luma([200]));
        let m = max_filter(&img, 2);
        assert_eq!(m.get_pixel(2, 1)[0], 200);
        assert_eq!(m.get_pixel(6, 5)[0], 200);
        assert_eq!(m.get_pixel(1, 3)[0], 10);
        assert_eq!(m.get_pixel(4, 0)[0], 10);
    }
}
