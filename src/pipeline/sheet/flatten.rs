//! Flattening: the sheet found in a photo mapped to an upright rectangle of the paper's size,
//! at the resolution the photo holds (the mean length of its sides in the photo, so the near
//! edge is not thinned and the far one barely enlarged).

use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp_into};

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
pub fn flatten(rgb: &RgbImage, q: &Quad, cfg: &PipelineConfig) -> RgbImage {
    let dpi = paper_dpi(q, cfg);
    let w = (cfg.paper_width_mm / 25.4 * dpi).round().max(1.0) as u32;
    let h = (cfg.paper_height_mm / 25.4 * dpi).round().max(1.0) as u32;
    let mut out = RgbImage::new(w, h);
    let from = q.map(|[x, y]| (x as f32, y as f32));
    let (wf, hf) = (w as f32, h as f32);
    let to = [(0.0, 0.0), (wf, 0.0), (wf, hf), (0.0, hf)];
    if let Some(p) = Projection::from_control_points(from, to) {
        warp_into(rgb, p, Interpolation::Bilinear, Border::Constant(Rgb([255, 255, 255])), &mut out);
    }
    out
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
