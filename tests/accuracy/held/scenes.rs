//! Phone-photo scenes for the held set, written apart from `src/fixtures/photo.rs`: a held page
//! lying on a checked tablecloth, floor tiles or a newspaper, under warm indoor light with the
//! phone's dark corners, a hand holding it down over one edge, a second sheet half under it,
//! or pushed past the frame. Each scene's label is where the page's corners fall.

use image::{Rgb, RgbImage};

/// What lies round the page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ground {
    /// A red-and-cream checked tablecloth.
    Checks,
    /// Dark grey floor tiles with light grout.
    Tiles,
    /// A newspaper: grey columns of print on off-white (paper on paper, at lower contrast).
    Newspaper,
}

/// What else is in the picture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Extra {
    Nothing,
    /// A hand over the middle of the page's left edge.
    Hand,
    /// A second sheet under the page, sticking out past its top-right corner.
    SecondSheet,
    /// Warm light and dark corners.
    WarmVignette,
}

pub struct Scene {
    pub ground: Ground,
    pub extra: Extra,
    /// Photo size (width, height).
    pub size: (u32, u32),
    /// Where the page's corners go: top-left, top-right, bottom-right, bottom-left, as shares
    /// of the photo's width and height.
    pub at: [[f64; 2]; 4],
}

/// Maps a page pixel to the photo through the bilinear patch between the four corners. A
/// patch is not a camera's projection, so the scene is not drawn with the pipeline's own
/// model of it; on a page seen nearly square-on the two differ by well under a pixel per mm.
fn photo_point(at: &[[f64; 2]; 4], u: f64, v: f64) -> [f64; 2] {
    let lerp = |a: [f64; 2], b: [f64; 2], t: f64| [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
    lerp(lerp(at[0], at[1], u), lerp(at[3], at[2], u), v)
}

/// The page's corners in the photo's pixels.
pub fn corners(scene: &Scene) -> [[f64; 2]; 4] {
    let (w, h) = (f64::from(scene.size.0), f64::from(scene.size.1));
    scene.at.map(|[x, y]| [x * w, y * h])
}

/// Draws the scene: the ground, the extras under the page, the page (each photo pixel sampled
/// back from the page by inverting the patch with Newton steps), the extras over it, light.
pub fn photograph(page: &RgbImage, scene: &Scene) -> RgbImage {
    let (w, h) = scene.size;
    let mut img = RgbImage::from_fn(w, h, |x, y| ground(scene.ground, x, y));
    let c = corners(scene);
    if scene.extra == Extra::SecondSheet {
        // The same size, shifted up and right, under the page.
        let d = [(c[1][0] - c[0][0]) * 0.3, (c[3][1] - c[0][1]) * -0.15];
        let other = c.map(|[x, y]| [x + d[0], y + d[1]]);
        fill_quad(&mut img, &other, |_, _| Rgb([236, 238, 240]));
    }
    let (pw, ph) = (f64::from(page.width()), f64::from(page.height()));
    let (x0, x1) =
        (c.iter().map(|p| p[0]).fold(f64::MAX, f64::min), c.iter().map(|p| p[0]).fold(f64::MIN, f64::max));
    let (y0, y1) =
        (c.iter().map(|p| p[1]).fold(f64::MAX, f64::min), c.iter().map(|p| p[1]).fold(f64::MIN, f64::max));
    for y in (y0.max(0.0) as u32)..(y1.min(f64::from(h)) as u32) {
        let mut guess = (0.5, 0.5);
        for x in (x0.max(0.0) as u32)..(x1.min(f64::from(w)) as u32) {
            let target = [f64::from(x) + 0.5, f64::from(y) + 0.5];
            let Some((u, v)) = invert(&c, target, guess) else { continue };
            guess = (u, v);
            if (0.0..1.0).contains(&u) && (0.0..1.0).contains(&v) {
                let p = page.get_pixel((u * pw) as u32, (v * ph) as u32);
                img.put_pixel(x, y, *p);
            }
        }
    }
    if scene.extra == Extra::Hand {
        let mid = [(c[0][0] + c[3][0]) / 2.0, (c[0][1] + c[3][1]) / 2.0];
        hand(&mut img, mid, (c[1][0] - c[0][0]).abs() * 0.22);
    }
    light(&mut img, scene.extra == Extra::WarmVignette);
    img
}

/// (u, v) on the page whose patch point is `target`, from `guess`.
fn invert(c: &[[f64; 2]; 4], target: [f64; 2], guess: (f64, f64)) -> Option<(f64, f64)> {
    let (mut u, mut v) = guess;
    for _ in 0..8 {
        let p = photo_point(c, u, v);
        let e = 1e-4;
        let pu = photo_point(c, u + e, v);
        let pv = photo_point(c, u, v + e);
        let (a, b) = ((pu[0] - p[0]) / e, (pv[0] - p[0]) / e);
        let (cc, d) = ((pu[1] - p[1]) / e, (pv[1] - p[1]) / e);
        let det = a * d - b * cc;
        if det.abs() < 1e-12 {
            return None;
        }
        let (rx, ry) = (target[0] - p[0], target[1] - p[1]);
        u += (d * rx - b * ry) / det;
        v += (a * ry - cc * rx) / det;
        if rx.abs() + ry.abs() < 0.01 {
            break;
        }
    }
    Some((u, v))
}

fn ground(g: Ground, x: u32, y: u32) -> Rgb<u8> {
    match g {
        Ground::Checks => {
            let check = ((x / 90) + (y / 90)).is_multiple_of(2);
            Rgb(if check { [178, 42, 48] } else { [232, 222, 200] })
        }
        Ground::Tiles => {
            let grout = x % 260 < 8 || y % 260 < 8;
            let speck = (x.wrapping_mul(7919).wrapping_add(y.wrapping_mul(104_729)) % 97) as u8 / 8;
            Rgb(if grout { [205, 205, 200] } else { [70 + speck, 72 + speck, 76 + speck] })
        }
        Ground::Newspaper => {
            // Columns of grey "print" lines on newsprint.
            let in_column = x % 420 > 30;
            let line = y % 34 < 16 && (x.wrapping_mul(31).wrapping_add(y.wrapping_mul(17)) % 53) > 8;
            Rgb(if in_column && line { [120, 118, 112] } else { [214, 210, 198] })
        }
    }
}

/// Fills the convex quadrilateral `q` (clockwise) with `colour`.
fn fill_quad(img: &mut RgbImage, q: &[[f64; 2]; 4], colour: impl Fn(u32, u32) -> Rgb<u8>) {
    let (w, h) = img.dimensions();
    for y in 0..h {
        for x in 0..w {
            let p = [f64::from(x) + 0.5, f64::from(y) + 0.5];
            let inside = (0..4).all(|i| {
                let (a, b) = (q[i], q[(i + 1) % 4]);
                (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= 0.0
            });
            if inside {
                img.put_pixel(x, y, colour(x, y));
            }
        }
    }
}

/// A hand: a palm off the left, four fingers reaching over the point `at`.
fn hand(img: &mut RgbImage, at: [f64; 2], size: f64) {
    let skin = |x: f64, y: f64| {
        let palm =
            ((x - (at[0] - size)) / (size * 0.9)).powi(2) + ((y - at[1]) / (size * 0.7)).powi(2) <= 1.0;
        let finger = (0..4).any(|k| {
            let fy = at[1] - size * 0.45 + f64::from(k) * size * 0.3;
            (y - fy).abs() <= size * 0.11 && x >= at[0] - size * 0.5 && x <= at[0] + size * 0.55
        });
        palm || finger
    };
    let (w, h) = img.dimensions();
    for y in 0..h {
        for x in 0..w {
            if skin(f64::from(x), f64::from(y)) {
                img.put_pixel(x, y, Rgb([224, 172, 140]));
            }
        }
    }
}

/// Indoor light: a warm cast and, with `vignette`, corners a third darker; always a little
/// sensor noise.
fn light(img: &mut RgbImage, vignette: bool) {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (dx, dy) = (f64::from(x) / w - 0.5, f64::from(y) / h - 0.5);
        let fall = if vignette { 1.0 - 0.65 * (dx * dx + dy * dy) } else { 1.0 };
        let warm = if vignette { [1.0, 0.95, 0.82] } else { [1.0, 1.0, 1.0] };
        let noise = ((x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 7) as f64 - 3.0;
        for (v, k) in p.0.iter_mut().zip(warm) {
            *v = (f64::from(*v) * fall * k + noise).clamp(0.0, 255.0) as u8;
        }
    }
}
