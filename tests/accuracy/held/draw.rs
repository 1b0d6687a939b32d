//! Drawing for the held-out pages, written apart from `src/fixtures` and sharing none of its
//! code: a page in millimetres on imageproc's primitives, ink laid on by multiplying (as toner
//! and stamp ink do, so a seal over a line keeps the line under it), and the scanner's effects
//! (a turn, a slight blur, JPEG).

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use image::{Rgb, RgbImage, Rgba, RgbaImage};
use imageproc::geometric_transformations::{Border, Interpolation, rotate_about_center};

pub const PAPER: [u8; 3] = [250, 250, 246];
pub const BLACK: [u8; 3] = [30, 30, 34];
pub const SEAL_RED: [u8; 3] = [212, 38, 52];

/// Ink of a colour, mottled by a seed (0: even).
#[derive(Clone, Copy)]
pub struct Ink(pub [u8; 3], pub u64);

pub struct Sheet {
    pub img: RgbImage,
    pub dpi: f64,
}

impl Sheet {
    pub fn a4(dpi: f64) -> Self {
        let (w, h) = ((210.0 * dpi / 25.4) as u32, (297.0 * dpi / 25.4) as u32);
        Self { img: RgbImage::from_pixel(w, h, Rgb(PAPER)), dpi }
    }

    pub fn px(&self, mm: f64) -> f64 {
        mm * self.dpi / 25.4
    }

    /// Multiplies ink of `colour` at coverage `a` (0..1) into the pixel.
    pub fn ink(&mut self, x: i64, y: i64, colour: [u8; 3], a: f64) {
        if x < 0 || y < 0 || x >= i64::from(self.img.width()) || y >= i64::from(self.img.height()) || a <= 0.0
        {
            return;
        }
        let p = self.img.get_pixel_mut(x as u32, y as u32);
        for c in 0..3 {
            let f = 1.0 - a.min(1.0) * (1.0 - f64::from(colour[c]) / 255.0);
            p[c] = (f64::from(p[c]) * f).round() as u8;
        }
    }

    /// A filled rectangle in millimetres.
    pub fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, colour: [u8; 3]) {
        let (px0, py0, px1, py1) = (self.px(x0), self.px(y0), self.px(x1), self.px(y1));
        for y in py0.floor() as i64..py1.ceil() as i64 {
            for x in px0.floor() as i64..px1.ceil() as i64 {
                // Partial coverage at the edges, so a 0.18 mm rule stays a faint 1–2 px line.
                let cx = (px1.min(x as f64 + 1.0) - px0.max(x as f64)).clamp(0.0, 1.0);
                let cy = (py1.min(y as f64 + 1.0) - py0.max(y as f64)).clamp(0.0, 1.0);
                self.ink(x, y, colour, cx * cy);
            }
        }
    }

    /// A horizontal or vertical rule `t` mm thick from (x0, y0) to (x1, y1).
    pub fn rule(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, t: f64) {
        if (y0 - y1).abs() < 1e-9 {
            self.rect(x0 - t / 2.0, y0 - t / 2.0, x1 + t / 2.0, y0 + t / 2.0, BLACK);
        } else {
            self.rect(x0 - t / 2.0, y0 - t / 2.0, x0 + t / 2.0, y1 + t / 2.0, BLACK);
        }
    }

    /// A rectangle's outline.
    pub fn frame(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, t: f64) {
        self.rule(x0, y0, x1, y0, t);
        self.rule(x0, y1, x1, y1, t);
        self.rule(x0, y0, x0, y1, t);
        self.rule(x1, y0, x1, y1, t);
    }

    /// Text with its top-left at (x, y) mm, characters `size` mm tall; returns its width in mm.
    pub fn text(&mut self, font: &FontVec, x: f64, y: f64, size: f64, s: &str, colour: [u8; 3]) -> f64 {
        let scale = PxScale::from(self.px(size) as f32);
        let scaled = font.as_scaled(scale);
        let (mut pen, base) = (self.px(x) as f32, self.px(y) as f32 + scaled.ascent());
        for ch in s.chars() {
            let g = scaled.scaled_glyph(ch);
            let advance = scaled.h_advance(g.id);
            let mut g = g;
            g.position = ab_glyph::point(pen, base);
            if let Some(o) = font.outline_glyph(g) {
                let b = o.px_bounds();
                let mut cover = Vec::new();
                o.draw(|gx, gy, c| cover.push((gx, gy, c)));
                for (gx, gy, c) in cover {
                    self.ink(
                        b.min.x as i64 + i64::from(gx),
                        b.min.y as i64 + i64::from(gy),
                        colour,
                        f64::from(c),
                    );
                }
            }
            pen += advance;
        }
        f64::from(pen) * 25.4 / self.dpi - x
    }

    /// Text wrapped to `width` mm, lines `size * 1.5` apart; returns the y below it.
    pub fn paragraph(&mut self, font: &FontVec, x: f64, y: f64, width: f64, size: f64, s: &str) -> f64 {
        let per_line = ((width / size).floor() as usize).max(1);
        let chars: Vec<char> = s.chars().collect();
        let mut y = y;
        for line in chars.chunks(per_line) {
            self.text(font, x, y, size, &line.iter().collect::<String>(), BLACK);
            y += size * 1.5;
        }
        y
    }

    /// A filled polygon (mm) in `colour` at full coverage.
    pub fn polygon(&mut self, pts: &[(f64, f64)], colour: [u8; 3]) {
        let (ymin, ymax) = pts.iter().fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.1), a.1.max(p.1)));
        for py in self.px(ymin).floor() as i64..=self.px(ymax).ceil() as i64 {
            let y = (py as f64 + 0.5) * 25.4 / self.dpi;
            let mut xs: Vec<f64> = Vec::new();
            for i in 0..pts.len() {
                let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
                if (a.1 <= y) != (b.1 <= y) {
                    xs.push(a.0 + (y - a.1) / (b.1 - a.1) * (b.0 - a.0));
                }
            }
            xs.sort_by(f64::total_cmp);
            for pair in xs.chunks_exact(2) {
                for px in self.px(pair[0]).round() as i64..self.px(pair[1]).round() as i64 {
                    self.ink(px, py, colour, 1.0);
                }
            }
        }
    }

    /// A filled ellipse (mm), or a ring `ring` mm wide when `ring` is given.
    pub fn ellipse(&mut self, (cx, cy): (f64, f64), (rx, ry): (f64, f64), ring: Option<f64>, ink: Ink) {
        let Ink(colour, noise) = ink;
        let (x0, x1) = (self.px(cx - rx).floor() as i64, self.px(cx + rx).ceil() as i64);
        let (y0, y1) = (self.px(cy - ry).floor() as i64, self.px(cy + ry).ceil() as i64);
        for py in y0..=y1 {
            for px in x0..=x1 {
                let (x, y) = ((px as f64 + 0.5) * 25.4 / self.dpi, (py as f64 + 0.5) * 25.4 / self.dpi);
                let d = ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2);
                let inside = match ring {
                    None => d <= 1.0,
                    Some(w) => d <= 1.0 && d >= ((rx - w) / rx).powi(2),
                };
                if inside {
                    self.ink(px, py, colour, ink_strength(px, py, noise));
                }
            }
        }
    }

    /// A five-pointed star, outer radius `r` mm, one point up.
    pub fn star(&mut self, cx: f64, cy: f64, r: f64, colour: [u8; 3]) {
        let pts: Vec<(f64, f64)> = (0..10)
            .map(|i| {
                let rad = if i % 2 == 0 { r } else { r * 0.382 };
                let t = std::f64::consts::PI * (f64::from(i) / 5.0) - std::f64::consts::FRAC_PI_2;
                (cx + rad * t.cos(), cy + rad * t.sin())
            })
            .collect();
        self.polygon(&pts, colour);
    }

    /// One character `size` mm tall centred on (cx, cy), turned `angle` radians clockwise.
    pub fn turned_char(
        &mut self,
        font: &FontVec,
        (cx, cy): (f64, f64),
        size: f64,
        ch: char,
        angle: f64,
        ink: Ink,
    ) {
        let Ink(colour, noise) = ink;
        let side = (self.px(size) * 1.6).ceil() as u32;
        let mut cell = RgbaImage::new(side, side);
        let scale = PxScale::from(self.px(size) as f32);
        let scaled = font.as_scaled(scale);
        let mut g = scaled.scaled_glyph(ch);
        let adv = scaled.h_advance(g.id);
        g.position = ab_glyph::point(
            (side as f32 - adv) / 2.0,
            (side as f32 + scaled.ascent() + scaled.descent()) / 2.0,
        );
        if let Some(o) = font.outline_glyph(g) {
            let b = o.px_bounds();
            o.draw(|x, y, c| {
                let (x, y) = (b.min.x as i64 + i64::from(x), b.min.y as i64 + i64::from(y));
                if x >= 0 && y >= 0 && (x as u32) < side && (y as u32) < side {
                    cell.put_pixel(x as u32, y as u32, Rgba([0, 0, 0, (c * 255.0) as u8]));
                }
            });
        }
        let turned = rotate_about_center(
            &cell,
            angle as f32,
            Interpolation::Bilinear,
            Border::Constant(Rgba([0, 0, 0, 0])),
        );
        let (ox, oy) = (self.px(cx) as i64 - i64::from(side / 2), self.px(cy) as i64 - i64::from(side / 2));
        for (x, y, p) in turned.enumerate_pixels() {
            let (px, py) = (ox + i64::from(x), oy + i64::from(y));
            self.ink(px, py, colour, f64::from(p[3]) / 255.0 * ink_strength(px, py, noise));
        }
    }
}

/// Uneven stamp ink: a deterministic mottle between 0.7 and 1.
fn ink_strength(x: i64, y: i64, seed: u64) -> f64 {
    if seed == 0 {
        return 1.0;
    }
    let blob = |s: i64| {
        let mut h = (x / s) as u64 ^ ((y / s) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ seed;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        (h % 1000) as f64 / 1000.0
    };
    0.7 + 0.3 * (0.6 * blob(9) + 0.4 * blob(3))
}

/// A company seal as the PSB's rules draw one: a ring, a star, the name along the upper arc.
pub fn company_seal(s: &mut Sheet, font: &FontVec, cx: f64, cy: f64, name: &str, seed: u64) {
    round_seal(s, font, (cx, cy), 20.0, name, Ink(SEAL_RED, seed));
}

/// A round seal of radius `r` mm: the ring, the star, the name along the upper arc.
pub fn round_seal(s: &mut Sheet, font: &FontVec, (cx, cy): (f64, f64), r: f64, name: &str, ink: Ink) {
    let k = r / 20.0;
    s.ellipse((cx, cy), (r, r), Some(1.2 * k), ink);
    s.star(cx, cy, 6.5 * k, ink.0);
    let chars: Vec<char> = name.chars().collect();
    let span = 230f64.to_radians();
    let n = chars.len().max(2) as f64;
    for (i, &ch) in chars.iter().enumerate() {
        // From the lower left over the top to the lower right, each character upright to the centre.
        let t = -std::f64::consts::FRAC_PI_2 - span / 2.0 + span * (i as f64 + 0.5) / n;
        let (x, y) = (cx + 15.0 * k * t.cos(), cy + 15.0 * k * t.sin());
        s.turned_char(font, (x, y), 5.2 * k, ch, t + std::f64::consts::FRAC_PI_2, ink);
    }
}

/// The scanner: turned by `skew_deg` (counter-clockwise), then `quarter_turns` clockwise, a
/// slight blur, JPEG at quality 88.
pub fn scan(img: &RgbImage, skew_deg: f64, quarter_turns: u8) -> Vec<u8> {
    let mut out = if skew_deg.abs() > 1e-6 {
        rotate_about_center(
            img,
            -(skew_deg.to_radians()) as f32,
            Interpolation::Bilinear,
            Border::Constant(Rgb(PAPER)),
        )
    } else {
        img.clone()
    };
    for _ in 0..quarter_turns % 4 {
        out = image::imageops::rotate90(&out);
    }
    let out = imageproc::filter::gaussian_blur_f32(&out, 0.6);
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 88).encode_image(&out).expect("jpeg");
    bytes
}

pub fn font(path: &str, index: u32) -> FontVec {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e} (fonts-noto-cjk installed?)"));
    FontVec::try_from_vec_and_index(data, index).expect("font")
}
