//! The decoded page in the forms the checks share: full-resolution RGB and luma, what each
//! pixel is (seal red, emblem gold, coloured, ink), and a small luma copy (about 1/4 linear
//! size) for page-level statistics. Built once per upload, in one pass over the RGB pixels:
//! taking RGB apart costs more than anything done with it, so no check does it again.
//!
//! The pixel loops of the checks that gain from wide vectors (here and in the checks) are
//! compiled twice with `multiversion`, for baseline x86-64 and for AVX2, and the one the CPU
//! runs is chosen at run time, as the JPEG decoder does for its colour conversion. Both give
//! the same results bit for bit; only the instructions differ.

use image::{GrayImage, RgbImage};
use multiversion::multiversion;

use crate::pipeline::config::PipelineConfig;

/// The bits of [`Page::marks`].
pub mod mark {
    /// Seal ink: clearly redder than green and blue ([`super::is_seal_ink`]).
    pub const SEAL: u8 = 1;
    /// The gold of the printed national emblem.
    pub const GOLD: u8 = 2;
    /// Channels differ by at least the colour check's chroma.
    pub const COLOURED: u8 = 4;
    /// Darker than the page's ink threshold and not seal ink: text, lines, card edges.
    pub const INK: u8 = 8;
}

pub struct Page {
    pub rgb: RgbImage,
    pub luma: GrayImage,
    /// What each pixel is, as bits of [`mark`].
    pub marks: GrayImage,
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
    /// Flattened from a photo: every pixel was interpolated once more, which softens edges
    /// (the clarity check takes that off; it is ours, not the applicant's).
    pub resampled: bool,
}

/// Integer luma (BT.601), as JPEG defines Y: (299 R + 587 G + 114 B + 500) / 1000, rounded
/// down. The division is done as / 8, then × ⌈2²⁴ / 125⌉ >> 24, which is exact for every
/// sum three bytes can give and stays within 32-bit lanes (vector units have no division).
#[inline(always)]
pub fn luma_of(p: [u8; 3]) -> u8 {
    let sum = u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114 + 500;
    (((sum >> 3) * 134_218) >> 24) as u8
}

// The colour tests below work on bytes only (no widening to i32), so that their vectorised
// form holds 32 pixels to a register; each is the same test as written on integers.

/// Seal ink at a given redness: red at least 90 and `min_redness` above green and blue.
#[inline(always)]
fn is_seal_ink([r, g, b]: [u8; 3], min_redness: u8) -> bool {
    let most = g.max(b);
    (r >= most) & (r.wrapping_sub(most) >= min_redness) & (r >= 90)
}

/// The gold of the printed national emblem: r ≥ 150, g ≥ 110, b < g − 40, r − g < 80.
#[inline(always)]
fn is_gold([r, g, b]: [u8; 3]) -> bool {
    (r >= 150) & (g >= 110) & (b < g.saturating_sub(40)) & (r.saturating_sub(g) < 80)
}

/// The colour marks of one pixel (all of [`mark`] but `INK`, which needs the page's levels).
#[inline(always)]
fn colour_marks(p: [u8; 3], min_redness: u8, min_chroma: u8) -> u8 {
    let chroma = p[0].max(p[1]).max(p[2]) - p[0].min(p[1]).min(p[2]);
    let seal = u8::from(is_seal_ink(p, min_redness)) * mark::SEAL;
    let gold = u8::from(is_gold(p)) * mark::GOLD;
    seal | gold | (u8::from(chroma >= min_chroma) * mark::COLOURED)
}

impl Page {
    /// `cfg` gives the redness of seal ink and the chroma of a coloured pixel.
    pub fn new(rgb: RgbImage, grayscale_source: bool, cfg: &PipelineConfig) -> Self {
        let (w, h) = rgb.dimensions();
        let factor = 4u32;
        let mut luma = GrayImage::new(w, h);
        let mut marks = GrayImage::new(w, h);
        let mut sums = BlockSums::new(w, h, factor);
        let levels_of = (cfg.seal_min_redness, cfg.colour_min_chroma);
        luma_plane(rgb.as_raw(), (&mut luma, &mut marks), &mut sums, levels_of);
        let small = sums.means();
        let (paper, ink) = levels(&luma, 2);
        let (paper_s, ink_s) = levels(&small, 1);
        let ink_threshold = midpoint(paper, ink, 0.5);
        mark_ink(&luma, &mut marks, ink_threshold);
        Self {
            rgb,
            luma,
            marks,
            small,
            small_scale: 1.0 / f64::from(factor),
            grayscale_source,
            ink_threshold,
            ink_threshold_small: midpoint(paper_s, ink_s, 0.35),
            paper_luma: paper,
            ink_luma: ink,
            resampled: false,
        }
    }

    pub fn width(&self) -> u32 {
        self.rgb.width()
    }

    pub fn height(&self) -> u32 {
        self.rgb.height()
    }
}

/// Luma and colour marks of every RGB pixel, the luma added up into `small` as it goes.
/// Compiled for AVX2 too (see the module's note): it takes RGB apart about 2.5 times as fast.
#[multiversion(targets("x86_64+avx2"))]
fn luma_plane(
    rgb: &[u8],
    (luma, marks): (&mut [u8], &mut [u8]),
    small: &mut BlockSums,
    (min_redness, min_chroma): (u8, u8),
) {
    let w = small.w.max(1);
    let rows = luma.chunks_exact_mut(w).zip(marks.chunks_exact_mut(w));
    for ((l_row, m_row), src) in rows.zip(rgb.chunks_exact(3 * w)) {
        for ((l, m), p) in l_row.iter_mut().zip(m_row.iter_mut()).zip(src.chunks_exact(3)) {
            let p = [p[0], p[1], p[2]];
            *l = luma_of(p);
            *m = colour_marks(p, min_redness, min_chroma);
        }
        small.add_row(l_row);
    }
}

/// Sets [`mark::INK`] on the pixels darker than `threshold` that are not seal ink.
#[multiversion(targets("x86_64+avx2"))]
fn mark_ink(luma: &[u8], marks: &mut [u8], threshold: u8) {
    for (m, &l) in marks.iter_mut().zip(luma) {
        *m |= u8::from(l < threshold && *m & mark::SEAL == 0) * mark::INK;
    }
}

/// (paper, ink) luma: the 75th and 0.5th percentiles, sampling every `step`-th pixel.
fn levels(img: &GrayImage, step: usize) -> (u8, u8) {
    let hist = histogram(img.as_raw(), step);
    use crate::pipeline::checks::hist_quantile;
    (hist_quantile(&hist, 0.75), hist_quantile(&hist, 0.005))
}

/// Counts of each value of every `step`-th pixel. Four partial histograms in turn: a page is
/// mostly one paper value, and counting every pixel into the same bin would chain each
/// increment on the one before.
fn histogram(values: &[u8], step: usize) -> [u32; 256] {
    let step = step.max(1);
    let mut parts = [[0u32; 256]; 4];
    let mut quads = values.chunks_exact(4 * step);
    for q in &mut quads {
        for (k, part) in parts.iter_mut().enumerate() {
            part[q[k * step] as usize] += 1;
        }
    }
    for &v in quads.remainder().iter().step_by(step) {
        parts[0][v as usize] += 1;
    }
    std::array::from_fn(|v| parts.iter().map(|p| p[v]).sum())
}

/// A threshold `share` of the way from paper down to ink.
fn midpoint(paper: u8, ink: u8, share: f64) -> u8 {
    (f64::from(paper) - (f64::from(paper) - f64::from(ink)) * share).round() as u8
}

/// Mean of each `f`×`f` block (partial blocks at the edges averaged over what they hold).
pub fn box_downscale(img: &GrayImage, f: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let mut sums = BlockSums::new(w, h, f);
    add_rows(&mut sums, img.as_raw());
    sums.means()
}

#[multiversion(targets("x86_64+avx2"))]
fn add_rows(sums: &mut BlockSums, plane: &[u8]) {
    for row in plane.chunks_exact(sums.w.max(1)) {
        sums.add_row(row);
    }
}

/// Sums of the `f`×`f` blocks of a plane, taken row by row: each band of `f` rows is added up
/// column by column (one vector add per row), and across only once per band. Called from
/// a `multiversion` function, the inlined adds are vectorised for its CPU.
pub(crate) struct BlockSums {
    f: usize,
    w: usize,
    h: usize,
    band: Vec<u32>,
    rows_in_band: usize,
    /// Row-major, `w.div_ceil(f)` blocks a row.
    pub sums: Vec<u32>,
}

impl BlockSums {
    pub fn new(w: u32, h: u32, f: u32) -> Self {
        let (w, h, f) = (w as usize, h as usize, f.max(1) as usize);
        let blocks = w.div_ceil(f).max(1) * h.div_ceil(f).max(1);
        Self { f, w, h, band: vec![0; w], rows_in_band: 0, sums: Vec::with_capacity(blocks) }
    }

    #[inline(always)]
    pub fn add_row<T: Copy + Into<u32>>(&mut self, row: &[T]) {
        for (a, &v) in self.band.iter_mut().zip(row) {
            *a += v.into();
        }
        self.rows_in_band += 1;
        if self.rows_in_band == self.f {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.sums.extend(self.band.chunks(self.f).map(|b| b.iter().sum::<u32>()));
        self.band.fill(0);
        self.rows_in_band = 0;
    }

    /// The sums, with the last partial band.
    pub fn finish(mut self) -> Vec<u32> {
        if self.rows_in_band > 0 || self.sums.is_empty() {
            self.flush();
        }
        self.sums
    }

    /// Block means: `f`×`f` pixels a block, fewer along the ragged right and bottom edges.
    pub fn means(self) -> GrayImage {
        let (w, h, f) = (self.w as u32, self.h as u32, self.f as u32);
        let (sw, sh) = (w.div_ceil(f).max(1), h.div_ceil(f).max(1));
        let sums = self.finish();
        let span = |i: u32, n: u32| n.saturating_sub(i * f).min(f).max(1);
        let mut means = Vec::with_capacity(sums.len());
        for (y, row) in sums.chunks_exact(sw as usize).enumerate() {
            let rows = span(y as u32, h);
            // A division per block costs more than the adding up: whole blocks multiply by
            // the reciprocal of their count instead, 2^40 / count rounded up, which is exact
            // for any sum below 2^24 (a block of up to 256×256 bytes).
            let reciprocal = (1u64 << 40).div_ceil(u64::from(rows * f));
            means.extend(row.iter().enumerate().map(|(x, &s)| {
                let count = span(x as u32, w) * rows;
                let mean =
                    if count == rows * f { (u64::from(s) * reciprocal) >> 40 } else { u64::from(s / count) };
                mean as u8
            }));
        }
        GrayImage::from_raw(sw, sh, means).unwrap_or_else(|| GrayImage::new(sw, sh))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_divides_exactly() {
        // Every sum the weights can give, 0 to 255 000 (+500), against plain division.
        for sum in 500..=255_500u32 {
            assert_eq!(((sum >> 3) * 134_218) >> 24, sum / 1000, "{sum}");
        }
        assert_eq!(luma_of([255, 255, 255]), 255);
        assert_eq!(luma_of([0, 0, 0]), 0);
    }

    #[test]
    fn byte_colour_tests_match_the_integer_ones() {
        let seal = |[r, g, b]: [u8; 3], t: u8| {
            let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
            r - g.max(b) >= i32::from(t) && r >= 90
        };
        let gold = |[r, g, b]: [u8; 3]| {
            let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
            r >= 150 && g >= 110 && b < g - 40 && r - g < 80
        };
        for r in 0..=255u8 {
            for g in 0..=255u8 {
                for b in (0..=255u8).step_by(5) {
                    let p = [r, g, b];
                    assert_eq!(is_gold(p), gold(p), "{p:?}");
                    for t in [0, 1, 60, 255] {
                        assert_eq!(is_seal_ink(p, t), seal(p, t), "{p:?} {t}");
                    }
                }
            }
        }
    }

    #[test]
    fn block_means_divide_exactly() {
        // Every sum a 4×4 block of bytes can have, one block each, against plain division.
        let sums: Vec<u32> = (0..=16 * 255).collect();
        let n = sums.len() as u32;
        let blocks = BlockSums { f: 4, w: 4 * n as usize, h: 4, band: vec![], rows_in_band: 0, sums };
        let means = blocks.means();
        assert!(means.iter().zip(0..).all(|(&m, s)| u32::from(m) == s / 16));
    }

    #[test]
    fn histogram_counts_every_step_th_value() {
        let values: Vec<u8> = (0..1001u32).map(|i| (i % 7) as u8).collect();
        for step in [1, 2, 3] {
            let h = histogram(&values, step);
            for v in 0..7u8 {
                let want = values.iter().step_by(step).filter(|&&x| x == v).count() as u32;
                assert_eq!(h[v as usize], want, "step {step} value {v}");
            }
        }
    }

    #[test]
    fn downscale_averages_blocks_including_ragged_edges() {
        let img = GrayImage::from_fn(5, 3, |x, _| image::Luma([if x < 4 { 100 } else { 200 }]));
        let s = box_downscale(&img, 4);
        assert_eq!(s.dimensions(), (2, 1));
        assert_eq!((s.get_pixel(0, 0)[0], s.get_pixel(1, 0)[0]), (100, 200));
    }
}
