//! The text along a round seal's upper arc, unrolled into a straight line for OCR.
//!
//! A Chinese seal carries its owner's name clockwise along the upper arc, each character's top
//! pointing outwards. Sampling the ring band in polar coordinates (angle across, radius down,
//! outer edge at the top) turns that arc into an ordinary line of upright characters. Only seal
//! ink is kept: black print under the imprint is paper in the strip.
//!
//! The purpose line under the star (合同专用章, 财务专用章 …) is read the same way, upright in
//! the seal's own frame. The imaging is pure; the reading goes through the [`LineReader`] the
//! caller passes.

use image::{GrayImage, Luma, RgbImage};

use crate::ocr::{Charset, LineReader, OcrError};
use crate::pipeline::report::{SealFound, SealShape};

/// Resolution the strips are handed to the engine at: their characters are about 10 pt there.
const STRIP_DPI: u32 = 200;

/// Part of the radius where the arc text lies: inside the ring, outside the star.
const BAND: (f64, f64) = (0.50, 0.93);
/// Half the arc the name may span, either side of the top, degrees.
const HALF_SWEEP_DEG: f64 = 140.0;
/// Where the ink profile is taken, as part of the radius: the name's band, clear of the ring,
/// the star and the purpose line.
const TEXT_BAND: (f64, f64) = (0.66, 0.90);
/// How far from the page's up the seal's own axis is looked for: applicants stamp roughly
/// upright, never exactly.
const AXIS_SEARCH_DEG: f64 = 45.0;
/// Strip height in pixels: the characters come out about 26 px tall, as Tesseract likes.
const STRIP_H: u32 = 44;

/// Seal-ink darkness of a pixel: 0 = no red, 255 = fully red.
fn redness(p: [u8; 3]) -> f64 {
    let (r, g, b) = (f64::from(p[0]), f64::from(p[1]), f64::from(p[2]));
    ((r - g.max(b) - 15.0) * 3.0).clamp(0.0, 255.0)
}

fn sample(rgb: &RgbImage, x: f64, y: f64) -> f64 {
    let (w, h) = rgb.dimensions();
    if x < 0.0 || y < 0.0 || x >= f64::from(w - 1) || y >= f64::from(h - 1) {
        return 0.0;
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |dx: u32, dy: u32| redness(rgb.get_pixel(x0 as u32 + dx, y0 as u32 + dy).0);
    let top = at(0, 0) * (1.0 - fx) + at(1, 0) * fx;
    let bottom = at(0, 1) * (1.0 - fx) + at(1, 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// A seal's ellipse in scan pixels.
struct Ellipse {
    cx: f64,
    cy: f64,
    a: f64,
    b: f64,
}

impl Ellipse {
    fn of(seal: &SealFound) -> Self {
        let [x, y, w, h] = seal.bbox.map(f64::from);
        Self { cx: x + w / 2.0, cy: y + h / 2.0, a: w / 2.0, b: h / 2.0 }
    }

    /// The point at `deg` clockwise from the scan's up, at `f` of the radius.
    fn at(&self, deg: f64, f: f64) -> (f64, f64) {
        let t = deg.to_radians();
        (self.cx + self.a * f * t.sin(), self.cy - self.b * f * t.cos())
    }
}

/// The direction, in degrees clockwise from the scan's up, where the seal's name is centred.
/// `up_deg` is the upright page's up in the same terms (quarter turns and skew). A seal's
/// ink around its ring is mirror-symmetric about its own up–down axis (the name centred at
/// the top, the gap or a code line centred at the bottom), so the axis within
/// [`AXIS_SEARCH_DEG`] of the page's up that best mirrors the band's ink profile is taken.
fn text_centre(rgb: &RgbImage, e: &Ellipse, up_deg: f64) -> f64 {
    let ink_at = |deg: f64| -> f64 {
        (0..6)
            .map(|k| {
                let (x, y) = e.at(deg, TEXT_BAND.0 + (TEXT_BAND.1 - TEXT_BAND.0) * f64::from(k) / 5.0);
                sample(rgb, x, y)
            })
            .sum()
    };
    let raw: Vec<f64> = (0..360).map(|d| ink_at(f64::from(d))).collect();
    let at = |d: i32| raw[d.rem_euclid(360) as usize];
    let profile: Vec<f64> = (0..360).map(|d| (-4..=4).map(|o| at(d + o)).sum::<f64>()).collect();
    let p = |d: i32| profile[d.rem_euclid(360) as usize];
    let up = up_deg.round() as i32;
    let reach = AXIS_SEARCH_DEG as i32;
    let mismatch = |axis: i32| -> f64 { (1..180).map(|d| (p(axis + d) - p(axis - d)).abs()).sum() };
    (up - reach..=up + reach)
        .min_by(|&a, &b| mismatch(a).total_cmp(&mismatch(b)).then((a - up).abs().cmp(&(b - up).abs())))
        .map_or(up_deg, f64::from)
}

/// How the page lies: clockwise quarter turns that make it upright, and its skew
/// (counter-clockwise degrees, after the turns).
#[derive(Debug, Clone, Copy)]
pub struct Lie {
    pub turns: u8,
    pub skew_deg: f64,
}

impl Lie {
    /// The upright page's up, in degrees clockwise from the scan's up.
    pub fn up_deg(self) -> f64 {
        -90.0 * f64::from(self.turns % 4) - self.skew_deg
    }

    /// Where a scan point lies on the upright page, as fractions of its width and height.
    pub fn upright(self, (x, y): (f64, f64), (w, h): (f64, f64)) -> (f64, f64) {
        let (nx, ny) = (x / w, y / h);
        match self.turns % 4 {
            1 => (1.0 - ny, nx),
            2 => (1.0 - nx, 1.0 - ny),
            3 => (ny, 1.0 - nx),
            _ => (nx, ny),
        }
    }
}

/// Height in pixels of the purpose-line strip.
const PURPOSE_H: u32 = 48;
/// The purpose line (合同专用章, 财务专用章 …) under the star, in the seal's own frame: across
/// and down from the centre, as parts of the radius.
const PURPOSE_ACROSS: f64 = 0.52;
const PURPOSE_DOWN: (f64, f64) = (0.32, 0.60);
/// A strip with less seal ink than this share of its pixels is blank: not read.
const MIN_INK_SHARE: f64 = 0.01;

/// The seal's upper-arc text as a line of dark characters on white, ready for OCR; `centre`
/// is where the name is centred, degrees clockwise from the scan's up.
fn arc_strip(rgb: &RgbImage, e: &Ellipse, centre: f64) -> GrayImage {
    let mid = (BAND.0 + BAND.1) / 2.0;
    let band_px = (BAND.1 - BAND.0) * e.a.min(e.b);
    let arc_px = 2.0 * HALF_SWEEP_DEG.to_radians() * mid * (e.a + e.b) / 2.0;
    let width = (f64::from(STRIP_H) * arc_px / band_px).round().max(1.0) as u32;
    render(width, STRIP_H, |sx, sy| {
        let f = BAND.1 - (BAND.1 - BAND.0) * sy;
        let deg = centre - HALF_SWEEP_DEG + 2.0 * HALF_SWEEP_DEG * sx;
        let (x, y) = e.at(deg, f);
        sample(rgb, x, y)
    })
}

/// The purpose line under the star, upright in the seal's frame (turned by `centre`).
fn purpose_strip(rgb: &RgbImage, e: &Ellipse, centre: f64) -> GrayImage {
    let r = (e.a + e.b) / 2.0;
    let (sin, cos) = centre.to_radians().sin_cos();
    let tall = PURPOSE_DOWN.1 - PURPOSE_DOWN.0;
    let width = (f64::from(PURPOSE_H) * 2.0 * PURPOSE_ACROSS / tall).round() as u32;
    render(width, PURPOSE_H, |sx, sy| {
        let (u, v) = ((2.0 * sx - 1.0) * PURPOSE_ACROSS * r, (PURPOSE_DOWN.0 + tall * sy) * r);
        // The seal's right is (cos, sin) on the scan, its down (−sin, cos).
        sample(rgb, e.cx + u * cos - v * sin, e.cy + u * sin + v * cos)
    })
}

/// A `w`×`h` strip with a white margin, dark where `ink(x, y)` (x and y from 0 to 1 across the
/// strip, at pixel centres) is high; `None` when it is nearly blank.
fn render(w: u32, h: u32, ink: impl Fn(f64, f64) -> f64) -> GrayImage {
    let margin = h / 4;
    let mut out = GrayImage::from_pixel(w + 2 * margin, h + 2 * margin, Luma([255]));
    for sy in 0..h {
        for sx in 0..w {
            let v = ink((f64::from(sx) + 0.5) / f64::from(w), (f64::from(sy) + 0.5) / f64::from(h));
            out.put_pixel(sx + margin, sy + margin, Luma([255 - v.round() as u8]));
        }
    }
    out
}

fn blank(strip: &GrayImage) -> bool {
    let dark = strip.pixels().filter(|p| p[0] < 128).count();
    (dark as f64) < MIN_INK_SHARE * f64::from(strip.width() * strip.height())
}

/// Only the Chinese characters of a reading: the engine adds spaces and stray marks.
pub fn han(raw: &str) -> String {
    raw.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).collect()
}

/// How well `text` contains `word`: the best similarity of any stretch of `text` as long as
/// `word` (1 = contains it exactly).
pub fn contains_like(text: &str, word: &str) -> f64 {
    let chars: Vec<char> = text.chars().collect();
    let n = word.chars().count();
    if chars.len() <= n {
        return strsim::normalized_levenshtein(text, word);
    }
    chars
        .windows(n)
        .map(|w| strsim::normalized_levenshtein(&w.iter().collect::<String>(), word))
        .fold(0.0, f64::max)
}

/// How much a seal's text reads like the company name typed (0–1): extra characters read
/// around the name (a code, a stray mark) do not count against it.
pub fn company_likeness(text: &str, company: &str) -> f64 {
    contains_like(text, &han(company))
}

/// A purpose line of a seal that is not the official one: 合同专用章, 财务专用章, 发票专用章 ….
pub fn is_special_purpose(purpose: &str) -> bool {
    contains_like(purpose, "专用章") >= 0.66
}

fn read_strip(reader: &mut dyn LineReader, strip: &GrayImage) -> Result<Option<String>, OcrError> {
    if blank(strip) {
        return Ok(None);
    }
    let text = han(&reader.read_line(strip, STRIP_DPI, Charset::Chinese)?);
    Ok((!text.is_empty()).then_some(text))
}

/// Reads each round or oval seal's name (along its upper arc) and purpose line (under the
/// star) into `text` and `purpose`. `up_deg` is the upright page's up, in degrees clockwise
/// from the scan's up.
pub fn read(
    rgb: &RgbImage,
    seals: &mut [SealFound],
    up_deg: f64,
    reader: &mut dyn LineReader,
) -> Result<(), OcrError> {
    for seal in seals.iter_mut().filter(|s| s.shape != SealShape::Square) {
        let e = Ellipse::of(seal);
        let centre = text_centre(rgb, &e, up_deg);
        seal.text = read_strip(reader, &arc_strip(rgb, &e, centre))?;
        // The purpose line is short: an axis a few degrees off clips it, so it is read again
        // a little turned either way until it reads as a special-purpose seal.
        for turn in [0.0, -5.0, 5.0] {
            let read = read_strip(reader, &purpose_strip(rgb, &e, centre + turn))?;
            let Some(text) = read else { break };
            let special = is_special_purpose(&text);
            if seal.purpose.is_none() || special {
                seal.purpose = Some(text);
            }
            if special {
                break;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upright_places_follow_the_quarter_turns() {
        // The upright page's lower right corner, seen in the scan at each turn.
        let size = (100.0, 200.0);
        let lie = |turns| Lie { turns, skew_deg: 0.0 };
        let near = |(a, b): (f64, f64), (c, d): (f64, f64)| (a - c).abs() < 1e-9 && (b - d).abs() < 1e-9;
        assert!(near(lie(0).upright((100.0, 200.0), size), (1.0, 1.0)));
        assert!(near(lie(1).upright((100.0, 0.0), size), (1.0, 1.0)));
        assert!(near(lie(2).upright((0.0, 0.0), size), (1.0, 1.0)));
        assert!(near(lie(3).upright((0.0, 200.0), size), (1.0, 1.0)));
        assert_eq!(lie(1).up_deg(), -90.0);
    }

    #[test]
    fn readings_keep_only_chinese_and_compare_by_stretches() {
        assert_eq!(han("重庆 市 | 渝中区-局\n"), "重庆市渝中区局");
        assert_eq!(contains_like("、重庆山城建设工程有限公司", "重庆山城建设工程有限公司"), 1.0);
        assert!((contains_like("合同专用草", "专用章") - 2.0 / 3.0).abs() < 1e-9);
    }
}
