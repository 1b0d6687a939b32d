//! Flattening: the sheet found in a photo mapped to an upright rectangle of the paper's size,
//! at the resolution the photo holds (the mean length of its sides in the photo, so the near
//! edge is not thinned and the far one barely enlarged).

use image::{Rgb, RgbImage};

use super::find::Quad;
use crate::pipeline::config::PipelineConfig;

/// Output rows sampled together, a column at a time (see `flatten`).
const BAND: usize = 8;
/// Output pixels along a row between exact evaluations of the projective map; a power of two,
/// so the step between them is a shift.
const SPAN: usize = 16;
/// How many output pixels ahead the photo's row below is asked into the cache.
const AHEAD: i64 = 48;

/// Pixels per inch of the paper as the photo shows it.
pub fn paper_dpi(q: &Quad, cfg: &PipelineConfig) -> f64 {
    let d = |a: [f64; 2], b: [f64; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let short = (d(q[0], q[1]) + d(q[2], q[3])) / 2.0;
    let long = (d(q[1], q[2]) + d(q[3], q[0])) / 2.0;
    (short * long / (cfg.paper_width_mm / 25.4 * cfg.paper_height_mm / 25.4)).sqrt()
}

/// The sheet within `q` (clockwise from its top-left) as a portrait page of the paper's size.
/// Each output pixel's centre is mapped back into the photo and sampled bilinearly; what falls
/// outside the photo (a cut-off corner) is white paper.
///
/// Made for speed (a 12-MP photo in about the time of its JPEG decode, see README): the map is
/// exact every SPAN pixels along a row and linear in between (off by far less than 1/256 px on
/// any photo); positions and weights are fixed-point; the three channels are mixed in one u64;
/// rows go BAND at a time, a column at a time, and the photo ahead is prefetched, because a
/// turned page crosses the photo's rows at a slant, which the hardware does not foresee and
/// which otherwise makes every new cache line a wait of its own.
pub fn flatten(rgb: &RgbImage, q: &Quad, cfg: &PipelineConfig) -> RgbImage {
    let dpi = paper_dpi(q, cfg);
    let w = (cfg.paper_width_mm / 25.4 * dpi).round().max(1.0) as u32;
    let h = (cfg.paper_height_mm / 25.4 * dpi).round().max(1.0) as u32;
    let (wf, hf) = (f64::from(w), f64::from(h));
    let rect = [[0.0, 0.0], [wf, 0.0], [wf, hf], [0.0, hf]];
    let Some(m) = homography(&rect, q) else {
        return RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    };
    let (ow, oh) = (w as usize, h as usize);
    let photo = Photo { src: rgb.as_raw(), w: rgb.width() as usize, h: rgb.height() as usize };
    let mut out = vec![255u8; ow * oh * 3];
    // Where an output pixel's centre falls in the photo, in 1/65536ths of a photo pixel from
    // the centre of the photo's top-left pixel; kept finite so that stepping cannot overflow.
    let exact = |u: usize, v: usize| -> [i64; 2] {
        let (u, v) = (u as f64 + 0.5, v as f64 + 0.5);
        let s = 65536.0 / (m[6] * u + m[7] * v + m[8]);
        let far = 1i64 << 40;
        let at = |p: f64| ((p * s) as i64 - 32768).clamp(-far, far);
        [at(m[0] * u + m[1] * v + m[2]), at(m[3] * u + m[4] * v + m[5])]
    };
    let shift = SPAN.trailing_zeros();
    for band in (0..oh).step_by(BAND) {
        let rows = band..(band + BAND).min(oh);
        for s0 in (0..ow).step_by(SPAN) {
            let (mut pos, mut step) = ([[0i64; 2]; BAND], [[0i64; 2]; BAND]);
            for (i, r) in rows.clone().enumerate() {
                let (a, b) = (exact(s0, r), exact(s0 + SPAN, r));
                pos[i] = a;
                step[i] = [(b[0] - a[0]) >> shift, (b[1] - a[1]) >> shift];
            }
            for u in s0..(s0 + SPAN).min(ow) {
                for (i, r) in rows.clone().enumerate() {
                    let [x, y] = pos[i];
                    pos[i] = [x + step[i][0], y + step[i][1]];
                    if u % 4 == 0 {
                        photo.prefetch(x + AHEAD * step[i][0], y + AHEAD * step[i][1]);
                    }
                    if let Some(v) = photo.sample(x, y) {
                        let to = (r * ow + u) * 3;
                        out[to..to + 3].copy_from_slice(&[v as u8, (v >> 16) as u8, (v >> 32) as u8]);
                    }
                }
            }
        }
    }
    RgbImage::from_raw(w, h, out).unwrap_or_else(|| RgbImage::new(w, h))
}

/// The photo's packed RGB pixels, sampled at positions in 1/65536ths of a pixel.
struct Photo<'a> {
    src: &'a [u8],
    w: usize,
    h: usize,
}

impl Photo<'_> {
    /// The bilinear sample at (x, y), spread (see `spread`); None outside the photo.
    fn sample(&self, x: i64, y: i64) -> Option<u64> {
        let (fx, fy) = (x >> 8, y >> 8);
        if fx < 0 || fy < 0 {
            return None;
        }
        let (x0, y0) = ((fx >> 8) as usize, (fy >> 8) as usize);
        if x0 + 1 >= self.w || y0 + 1 >= self.h {
            return None;
        }
        let (from, stride) = (y0 * self.w * 3 + x0 * 3, self.w * 3);
        let (a, b) = (&self.src[from..from + 6], &self.src[from + stride..from + stride + 6]);
        Some(bilinear(
            [spread(&a[..3]), spread(&a[3..]), spread(&b[..3]), spread(&b[3..])],
            fx & 255,
            fy & 255,
        ))
    }

    /// Asks the cache for the photo's row below (x, y), where a row's next samples will be.
    fn prefetch(&self, x: i64, y: i64) {
        if x < 0 || y < 0 {
            return;
        }
        let at = ((y >> 16) as usize + 1) * self.w * 3 + (x >> 16) as usize * 3;
        if at < self.src.len() {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `at` is inside `src`, and a prefetch is a hint that reads nothing into the
            // program and cannot fault.
            unsafe {
                use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
                _mm_prefetch::<_MM_HINT_T0>(self.src.as_ptr().add(at).cast::<i8>());
            }
        }
    }
}

/// One RGB pixel with its channels 16 bits apart in a u64, so one multiplication weighs all
/// three (a channel times a weight of at most 256 stays below 2^16).
fn spread(p: &[u8]) -> u64 {
    u64::from(p[0]) | u64::from(p[1]) << 16 | u64::from(p[2]) << 32
}

/// The bilinear mix of four spread pixels (top-left, top-right, bottom-left, bottom-right) at
/// the fractions `ax`, `ay` in 1/256ths, rounded, still spread.
fn bilinear([tl, tr, bl, br]: [u64; 4], ax: i64, ay: i64) -> u64 {
    const LANES: u64 = 0x0000_00ff_00ff_00ff;
    const HALF: u64 = 0x0000_0080_0080_0080;
    let (ax, ay) = (ax as u64, ay as u64);
    let top = ((tl * (256 - ax) + tr * ax + HALF) >> 8) & LANES;
    let bottom = ((bl * (256 - ax) + br * ax + HALF) >> 8) & LANES;
    ((top * (256 - ay) + bottom * ay + HALF) >> 8) & LANES
}

/// The projective map taking each point of `from` to the same-numbered point of `to`, as a
/// row-major 3×3 matrix with its last entry 1 (for the viewers, which draw a photo flattened
/// with a CSS `matrix3d`); None when three of the points are in line.
pub fn homography(from: &Quad, to: &Quad) -> Option<[f64; 9]> {
    // Eight equations in the eight unknowns a..h: u = (ax + by + c) / (gx + hy + 1), likewise v.
    let mut m = [[0.0f64; 9]; 8];
    for (i, ([x, y], [u, v])) in from.iter().zip(to).enumerate() {
        m[2 * i] = [*x, *y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, *u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, *x, *y, 1.0, -v * x, -v * y, *v];
    }
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        let p = m[col];
        for (_, row) in m.iter_mut().enumerate().filter(|(i, _)| *i != col) {
            let k = row[col] / p[col];
            row[col..].iter_mut().zip(&p[col..]).for_each(|(v, q)| *v -= k * q);
        }
    }
    let h: Vec<f64> = (0..8).map(|i| m[i][8] / m[i][i]).collect();
    Some([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_homography_takes_each_corner_to_its_place() {
        let from = [[120.0, 80.0], [1010.0, 140.0], [1100.0, 1400.0], [60.0, 1320.0]];
        let to = [[0.0, 0.0], [827.0, 0.0], [827.0, 1169.0], [0.0, 1169.0]];
        let h = homography(&from, &to).expect("four points in general position");
        for ([x, y], [u, v]) in from.iter().zip(&to) {
            let d = h[6] * x + h[7] * y + h[8];
            let (pu, pv) = ((h[0] * x + h[1] * y + h[2]) / d, (h[3] * x + h[4] * y + h[5]) / d);
            assert!((pu - u).abs() < 1e-6 && (pv - v).abs() < 1e-6, "{pu},{pv} for {u},{v}");
        }
        let line = [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 0.0]];
        assert_eq!(homography(&line, &to), None);
    }

    #[test]
    fn a_sheet_drawn_into_a_photo_comes_back_as_drawn() {
        let cfg = PipelineConfig::default();
        // A 100-dpi page with a black square 200 px from its top-left, set into a larger image
        // at an offset: flattened, the square is where it was on the page.
        let (pw, ph) = (827u32, 1169u32);
        let mut photo = RgbImage::from_pixel(1200, 1500, Rgb([90, 60, 30]));
        for y in 0..ph {
            for x in 0..pw {
                let ink = (200..260).contains(&x) && (200..260).contains(&y);
                photo.put_pixel(x + 150, y + 100, Rgb(if ink { [0, 0, 0] } else { [250, 250, 250] }));
            }
        }
        let q = [[150.0, 100.0], [977.0, 100.0], [977.0, 1269.0], [150.0, 1269.0]];
        assert!((paper_dpi(&q, &cfg) - 100.0).abs() < 0.5);
        let page = flatten(&photo, &q, &cfg);
        assert!((page.width() as i32 - 827).abs() <= 1 && (page.height() as i32 - 1169).abs() <= 1);
        assert_eq!(page.get_pixel(230, 230).0, [0, 0, 0]);
        assert_eq!(page.get_pixel(300, 300).0, [250, 250, 250]);
        assert_eq!(page.get_pixel(10, 10).0, [250, 250, 250]);
    }
}
