//! The page as a reader sees it: turned upright by whole quarter turns, then levelled by the
//! measured skew. A [`Frame`] maps points of that view, at any scale, back to the scan, so
//! only what is looked at is resampled: a small copy of the page to find text lines in, and
//! full-resolution crops of the lines to read.
//!
//! Pixels are sampled from the red channel: black print stays dark, while red seal ink (which
//! often crosses a number) and the pale blue-green guilloche of ID cards turn light.

use image::{GrayImage, Luma, RgbImage};

pub struct Frame {
    /// Scan size.
    w: f64,
    h: f64,
    /// Clockwise quarter turns that make the page upright.
    turns: u8,
    /// Size of the upright page, in scan pixels.
    pub upright_w: f64,
    pub upright_h: f64,
    sin: f64,
    cos: f64,
}

impl Frame {
    /// `skew_deg` counter-clockwise, measured after the quarter turns (as the skew check does).
    pub fn new(w: u32, h: u32, turns: u8, skew_deg: f64) -> Self {
        let (w, h) = (f64::from(w), f64::from(h));
        let turns = turns % 4;
        let (upright_w, upright_h) = if turns % 2 == 1 { (h, w) } else { (w, h) };
        let t = skew_deg.to_radians();
        Self { w, h, turns, upright_w, upright_h, sin: t.sin(), cos: t.cos() }
    }

    /// A point of the levelled upright page (scan-pixel units) to the scan.
    pub fn to_scan(&self, (u, v): (f64, f64)) -> (f64, f64) {
        let (cx, cy) = (self.upright_w / 2.0, self.upright_h / 2.0);
        let (dx, dy) = (u - cx, v - cy);
        // Undo the levelling: turn counter-clockwise (on screen) by the skew.
        let (x, y) = (cx + dx * self.cos + dy * self.sin, cy - dx * self.sin + dy * self.cos);
        // Undo the clockwise quarter turns.
        match self.turns {
            1 => (y, self.h - x),
            2 => (self.w - x, self.h - y),
            3 => (self.w - y, x),
            _ => (x, y),
        }
    }

    /// Axis-aligned bounds in the scan of a rectangle of the levelled page: `[x, y, w, h]`.
    pub fn scan_bbox(&self, (x0, y0, x1, y1): (f64, f64, f64, f64)) -> [u32; 4] {
        let pts = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)].map(|p| self.to_scan(p));
        let (mut lx, mut ly, mut hx, mut hy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in pts {
            (lx, ly, hx, hy) = (lx.min(x), ly.min(y), hx.max(x), hy.max(y));
        }
        let (lx, ly) = (lx.clamp(0.0, self.w), ly.clamp(0.0, self.h));
        let (hx, hy) = (hx.clamp(0.0, self.w), hy.clamp(0.0, self.h));
        [lx as u32, ly as u32, (hx - lx).round() as u32, (hy - ly).round() as u32]
    }

    /// The rectangle `(x0, y0, x1, y1)` of the levelled page resampled at `scale` output pixels
    /// per scan pixel, bilinear; outside the scan is paper white.
    pub fn sample(&self, rgb: &RgbImage, (x0, y0, x1, y1): (f64, f64, f64, f64), scale: f64) -> GrayImage {
        let ow = ((x1 - x0) * scale).round().max(1.0) as u32;
        let oh = ((y1 - y0) * scale).round().max(1.0) as u32;
        let (sw, sh) = (rgb.width() as usize, rgb.height() as usize);
        let raw = rgb.as_raw();
        let red = |x: isize, y: isize| -> f64 {
            if x < 0 || y < 0 || x as usize >= sw || y as usize >= sh {
                255.0
            } else {
                f64::from(raw[(y as usize * sw + x as usize) * 3])
            }
        };
        // The map is affine: the scan position of an output pixel's centre is
        // origin + ox·step_x + oy·step_y (minus half a pixel for bilinear weights).
        let at = |ox: f64, oy: f64| self.to_scan((x0 + ox / scale, y0 + oy / scale));
        let origin = at(0.5, 0.5);
        let (ax, ay) = at(1.5, 0.5);
        let (bx, by) = at(0.5, 1.5);
        let step_x = (ax - origin.0, ay - origin.1);
        let step_y = (bx - origin.0, by - origin.1);
        let mut out = GrayImage::new(ow, oh);
        for (oy, row) in out.rows_mut().enumerate() {
            let (mut x, mut y) =
                (origin.0 + oy as f64 * step_y.0 - 0.5, origin.1 + oy as f64 * step_y.1 - 0.5);
            for p in row {
                let (fx, fy) = (x.floor(), y.floor());
                let (wx, wy) = (x - fx, y - fy);
                let (ix, iy) = (fx as isize, fy as isize);
                let top = red(ix, iy) * (1.0 - wx) + red(ix + 1, iy) * wx;
                let bottom = red(ix, iy + 1) * (1.0 - wx) + red(ix + 1, iy + 1) * wx;
                *p = Luma([(top * (1.0 - wy) + bottom * wy).round() as u8]);
                x += step_x.0;
                y += step_x.1;
            }
        }
        out
    }

    /// The whole levelled page at `scale`.
    pub fn page(&self, rgb: &RgbImage, scale: f64) -> GrayImage {
        self.sample(rgb, (0.0, 0.0, self.upright_w, self.upright_h), scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A 40×20 scan, black except one white pixel at (30, 5).
    fn scan() -> RgbImage {
        let mut img = RgbImage::from_pixel(40, 20, Rgb([0, 0, 0]));
        img.put_pixel(30, 5, Rgb([255, 255, 255]));
        img
    }

    #[test]
    fn quarter_turns_match_the_image_crate_rotations() {
        let img = scan();
        for (turns, upright) in [
            (0, img.clone()),
            (1, image::imageops::rotate90(&img)),
            (2, image::imageops::rotate180(&img)),
            (3, image::imageops::rotate270(&img)),
        ] {
            let f = Frame::new(40, 20, turns, 0.0);
            let got = f.page(&img, 1.0);
            assert_eq!(got.dimensions(), upright.dimensions(), "turns {turns}");
            let want: Vec<u8> = upright.pixels().map(|p| p[0]).collect();
            assert_eq!(got.as_raw(), &want, "turns {turns}");
        }
    }

    #[test]
    fn levelling_undoes_a_counter_clockwise_skew() {
        // A point right of the centre, on a page turned 10° counter-clockwise, sits higher.
        let f = Frame::new(200, 200, 0, 10.0);
        let (x, y) = f.to_scan((150.0, 100.0));
        assert!((x - (100.0 + 50.0 * 10f64.to_radians().cos())).abs() < 1e-9);
        assert!((y - (100.0 - 50.0 * 10f64.to_radians().sin())).abs() < 1e-9);
    }
}
