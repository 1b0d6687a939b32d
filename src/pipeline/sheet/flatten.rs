//! Flattening: the sheet found in a photo mapped to an upright rectangle of the paper's size,
//! at the resolution the photo holds (the mean length of its sides in the photo, so the near
//! edge is not thinned and the far one barely enlarged).

use image::{Rgb, RgbImage};

use super::find::Quad;
use crate::pipeline::config::PipelineConfig;

/// Pixels per inch of the paper as the photo shows it.
pub fn paper_dpi(q: &Quad, cfg: &PipelineConfig) -> f64 {
    let d = |a: [f64; 2], b: [f64; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let short = (d(q[0], q[1]) + d(q[2], q[3])) / 2.0;
    let long = (d(q[1], q[2]) + d(q[3], q[0])) / 2.0;
    (short * long / (cfg.paper_width_mm / 25.4 * cfg.paper_height_mm / 25.4)).sqrt()
}

/// The sheet within `q` (clockwise from its top-left) as a portrait page of the paper's size.
/// Each output pixel's centre is mapped back into the photo by the projective map, stepped
/// along the row (three additions and one division a pixel), and sampled bilinearly; what falls
/// outside the photo (a cut-off corner) is white paper.
pub fn flatten(rgb: &RgbImage, q: &Quad, cfg: &PipelineConfig) -> RgbImage {
    let dpi = paper_dpi(q, cfg);
    let w = (cfg.paper_width_mm / 25.4 * dpi).round().max(1.0) as u32;
    let h = (cfg.paper_height_mm / 25.4 * dpi).round().max(1.0) as u32;
    let (wf, hf) = (f64::from(w), f64::from(h));
    let rect = [[0.0, 0.0], [wf, 0.0], [wf, hf], [0.0, hf]];
    let Some(m) = homography(&rect, q) else {
        return RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    };
    let (sw, sh) = (rgb.width() as usize, rgb.height() as usize);
    let src = rgb.as_raw();
    let mut out = vec![255u8; w as usize * h as usize * 3];
    for (v, row) in out.chunks_exact_mut(w as usize * 3).enumerate() {
        let (u0, v0) = (0.5, v as f64 + 0.5);
        let (mut x, mut y, mut d) =
            (m[0] * u0 + m[1] * v0 + m[2], m[3] * u0 + m[4] * v0 + m[5], m[6] * u0 + m[7] * v0 + m[8]);
        for px in row.chunks_exact_mut(3) {
            let (fx, fy) = ((x / d - 0.5) as f32, (y / d - 0.5) as f32);
            x += m[0];
            y += m[3];
            d += m[6];
            if fx < 0.0 || fy < 0.0 {
                continue;
            }
            let (x0, y0) = (fx as usize, fy as usize);
            if x0 + 1 >= sw || y0 + 1 >= sh {
                continue;
            }
            let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
            let at = (y0 * sw + x0) * 3;
            let (a, b) = (&src[at..at + 6], &src[at + sw * 3..at + sw * 3 + 6]);
            for c in 0..3 {
                let top = f32::from(a[c]) + (f32::from(a[c + 3]) - f32::from(a[c])) * ax;
                let bottom = f32::from(b[c]) + (f32::from(b[c + 3]) - f32::from(b[c])) * ax;
                px[c] = (top + (bottom - top) * ay + 0.5) as u8;
            }
        }
    }
    RgbImage::from_raw(w, h, out).unwrap_or_else(|| RgbImage::new(w, h))
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
