//! The decoded page in the forms the checks share: full-resolution RGB and luma, and a small
//! luma copy (about 1/4 linear size) for page-level statistics. Built once per upload.

use image::{GrayImage, RgbImage};

pub struct Page {
    pub rgb: RgbImage,
    pub luma: GrayImage,
    /// Box-downscaled luma; `small_scale` is its size relative to `luma`.
    pub small: GrayImage,
    pub small_scale: f64,
    /// The file itself had no colour channels (a grayscale JPEG or PNG).
    pub grayscale_source: bool,
    /// Luma below which a full-resolution pixel is ink.
    pub ink_threshold: u8,
    /// The same for the small copy, where thin strokes are averaged lighter.
    pub ink_threshold_small: u8,
    /// Typical paper and ink luma of the full-resolution page.
    pub paper_luma: u8,
    pub ink_luma: u8,
}

/// Integer luma (BT.601), as JPEG defines Y.
pub fn luma_of(p: [u8; 3]) -> u8 {
    ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114 + 500) / 1000) as u8
}

impl Page {
    pub fn new(rgb: RgbImage, grayscale_source: bool) -> Self {
        let (w, h) = rgb.dimensions();
        let mut luma = GrayImage::new(w, h);
        for (dst, p) in luma.iter_mut().zip(rgb.as_raw().chunks_exact(3)) {
            *dst = luma_of([p[0], p[1], p[2]]);
        }
        let factor = 4u32;
        let small = box_downscale(&luma, factor);
        let (paper, ink) = levels(&luma, 2);
        let (paper_s, ink_s) = levels(&small, 1);
        Self {
            rgb,
            luma,
            small,
            small_scale: 1.0 / f64::from(factor),
            grayscale_source,
            ink_threshold: midpoint(paper, ink, 0.5),
            ink_threshold_small: midpoint(paper_s, ink_s, 0.35),
            paper_luma: paper,
            ink_luma: ink,
        }
    }

    pub fn width(&self) -> u32 {
        self.rgb.width()
    }

    pub fn height(&self) -> u32 {
        self.rgb.height()
    }
}

/// (paper, ink) luma: the 75th and 0.5th percentiles, sampling every `step`-th pixel.
fn levels(img: &GrayImage, step: usize) -> (u8, u8) {
    let mut hist = [0u32; 256];
    for p in img.as_raw().iter().step_by(step) {
        hist[*p as usize] += 1;
    }
    use crate::pipeline::checks::hist_quantile;
    (hist_quantile(&hist, 0.75), hist_quantile(&hist, 0.005))
}

/// A threshold `share` of the way from paper down to ink.
fn midpoint(paper: u8, ink: u8, share: f64) -> u8 {
    (f64::from(paper) - (f64::from(paper) - f64::from(ink)) * share).round() as u8
}

/// Mean of each `f`×`f` block (partial blocks at the edges averaged over what they hold).
pub fn box_downscale(img: &GrayImage, f: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let (sw, sh) = (w.div_ceil(f).max(1), h.div_ceil(f).max(1));
    let (f, sw_us) = (f as usize, sw as usize);
    let mut sums = vec![0u32; sw_us * sh as usize];
    for (y, row) in img.as_raw().chunks_exact(w.max(1) as usize).enumerate() {
        let out = &mut sums[y / f * sw_us..][..sw_us];
        for (sum, block) in out.iter_mut().zip(row.chunks(f)) {
            *sum += block.iter().map(|&v| u32::from(v)).sum::<u32>();
        }
    }
    // Pixels in a block: f×f, fewer along the ragged right and bottom edges.
    let span = |i: u32, n: u32| (n - i * f as u32).min(f as u32);
    GrayImage::from_fn(sw, sh, |x, y| {
        let count = span(x, w) * span(y, h);
        image::Luma([(sums[(y * sw + x) as usize] / count.max(1)) as u8])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscale_averages_blocks_including_ragged_edges() {
        let img = GrayImage::from_fn(5, 3, |x, _| image::Luma([if x < 4 { 100 } else { 200 }]));
        let s = box_downscale(&img, 4);
        assert_eq!(s.dimensions(), (2, 1));
        assert_eq!((s.get_pixel(0, 0)[0], s.get_pixel(1, 0)[0]), (100, 200));
    }
}
