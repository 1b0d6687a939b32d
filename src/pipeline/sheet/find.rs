//! Finding the sheet of paper in a photo: its four corners against the desk around it.
//!
//! Paper is bright and grey, a desk darker or coloured: on a small copy of the image every
//! pixel gets a paper score (luminance less its chroma), Otsu's threshold splits paper from
//! the rest, and the largest piece of paper is the sheet. Text, seals and photos on the sheet
//! are holes in it that its convex hull closes. The hull is cut down to the four corners that
//! keep most of its area, and each side is then fitted to the sheet's own edge pixels along the
//! middle of that side (a hand over a corner or a shadow across it moves no fitted line), the
//! corners being where the fitted lines meet. What lies along the image's border is not an
//! edge of the sheet: a side whose edge runs along the border is a side cut off by the frame.

use image::{GrayImage, Luma, RgbImage};
use imageproc::point::Point;

use super::quad::{dist, fit_sides, order, quadrilateral};

use crate::pipeline::config::PipelineConfig;

/// A side of the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Top,
    Right,
    Bottom,
    Left,
}

impl Side {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Top => "上",
            Self::Right => "右",
            Self::Bottom => "下",
            Self::Left => "左",
        }
    }
}

/// Corners in the image's pixels, clockwise from the sheet's top-left as it lies in the photo
/// (its top being the short side nearer the photo's top, or its left one when it lies across).
pub type Quad = [[f64; 2]; 4];

/// What the photo shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// A scan, or a photo taken so close that nothing but the page is in view.
    FillsFrame,
    /// The whole sheet, with background round it.
    Sheet(Quad),
    /// A sheet with part of it outside the photo: the sides of the photo that cut it, and the
    /// corners its fitted edges meet at (some outside the image).
    CutOff(Vec<Side>, Quad),
    /// Paper and background cannot be told apart (white paper on a white table).
    NotFound,
}

/// The small copy: the image's long side at about this many pixels.
const SMALL_SIDE: u32 = 640;

/// Finds the sheet in an upright (EXIF-applied) photo.
pub fn find(rgb: &RgbImage, cfg: &PipelineConfig) -> Found {
    let (w, h) = rgb.dimensions();
    let weight = cfg.page_chroma_weights.first().copied().unwrap_or(1.5);
    if aspect_matches(w, h, cfg) && scan_at_a_glance(rgb, weight, cfg) {
        return Found::FillsFrame;
    }
    let f = w.max(h).div_ceil(SMALL_SIDE).max(1);
    let small = small_copy(rgb, f);
    if small.width() < 16 || small.height() < 16 {
        return Found::FillsFrame;
    }
    let none = if aspect_matches(w, h, cfg) { Found::FillsFrame } else { Found::NotFound };
    // Each weighting of chroma in turn while no whole sheet is found; the first answer other
    // than a whole sheet stands if none is.
    let mut first = None;
    for &weight in &cfg.page_chroma_weights {
        match search(&paper_score(&small, weight), f, cfg) {
            Some(found @ Found::Sheet(_)) => return found,
            found => {
                first.get_or_insert(found);
            }
        }
    }
    first.flatten().unwrap_or(none)
}

/// The sheet as one paper score shows it: a whole sheet, a cut one, or None when paper cannot
/// be told from the rest, or paper runs all round (the caller decides: a scan, or a table as
/// white as the page).
fn search(score: &GrayImage, f: u32, cfg: &PipelineConfig) -> Option<Found> {
    let low = otsu(score, cfg.page_min_contrast)?;
    // Thresholds from Otsu's (paper in shadow still paper) up to just under the paper's own
    // level (a cream cloth, newsprint, a second sheet or light grout left out): the lowest
    // that gives a whole, sharp-edged sheet wins; else the lowest that gives a cut one.
    let high = (f64::from(paper_level(score)) - cfg.page_min_step).max(f64::from(low));
    if covers_border(&paper_mask(score, high as u8), cfg.page_fills_frame_share) {
        return None;
    }
    let steps = ((high - f64::from(low)) / cfg.page_min_step).ceil().clamp(0.0, 6.0) as u32;
    let mut cut_found = None;
    for k in 0..=steps {
        let t = f64::from(low) + (high - f64::from(low)) * f64::from(k) / f64::from(steps.max(1));
        match attempt(score, t as u8, f, cfg) {
            found @ Found::Sheet(_) => return Some(found),
            found @ Found::CutOff(..) if cut_found.is_none() => cut_found = Some(found),
            _ => {}
        }
    }
    cut_found
}

/// A quick look for scans, so they cost next to nothing: single pixels sampled on a grid about
/// 160 long, and paper (by the same score and thresholds as the full search) along the border
/// all round. Anything else goes the whole way.
fn scan_at_a_glance(rgb: &RgbImage, weight: f64, cfg: &PipelineConfig) -> bool {
    let (w, h) = rgb.dimensions();
    let step = w.max(h).div_ceil(160).max(1);
    let (sw, sh) = (w / step, h / step);
    if sw < 16 || sh < 16 {
        return false;
    }
    let score = GrayImage::from_fn(sw, sh, |x, y| {
        Luma([score_of(rgb.get_pixel(x * step + step / 2, y * step + step / 2).0, weight)])
    });
    let Some(low) = otsu(&score, cfg.page_min_contrast) else { return true };
    let high = (f64::from(paper_level(&score)) - cfg.page_min_step).max(f64::from(low));
    let paper = GrayImage::from_fn(sw, sh, |x, y| {
        Luma([if f64::from(score.get_pixel(x, y)[0]) > high { 255 } else { 0 }])
    });
    covers_border(&paper, cfg.page_fills_frame_share)
}

/// The sheet as paper above `t` shows it: whole, cut, or not a sheet (`NotFound`).
fn attempt(score: &GrayImage, t: u8, f: u32, cfg: &PipelineConfig) -> Found {
    let (sw, sh) = score.dimensions();
    let mask = sheet_mask(&paper_mask(score, t));
    let Some(Piece { hull, edge, on_border }) = largest_piece(&mask) else {
        return Found::NotFound;
    };
    let area = imageproc::geometry::contour_area(&hull);
    let image_area = f64::from(sw) * f64::from(sh);
    if area < cfg.page_min_share * image_area {
        return Found::NotFound;
    }
    let Some(quad) = quadrilateral(&hull) else {
        return Found::NotFound;
    };
    let fitted = order(fit_sides(&quad, &edge));
    let sides = [(Side::Top, sw), (Side::Right, sh), (Side::Bottom, sw), (Side::Left, sh)];
    let cut: Vec<Side> = sides
        .iter()
        .zip(on_border)
        .filter(|((_, len), n)| f64::from(*n) > (cfg.page_cut_min_share * f64::from(*len)).max(3.0))
        .map(|((side, _), _)| *side)
        .collect();
    let corners = fitted.map(|[x, y]| [(x + 0.5) * f64::from(f), (y + 0.5) * f64::from(f)]);
    // Paper attached to a whole sheet (a cream square of a tablecloth, a second sheet) bulges
    // the hull past its four sides: not a sheet alone. (A cut sheet's hull has a fifth side.)
    let quad_area = imageproc::geometry::contour_area(&fitted.map(|[x, y]| Point::new(x, y)));
    if cut.is_empty() && area > quad_area * cfg.page_max_bulge {
        return Found::NotFound;
    }
    if !plausible(&corners, cfg) || !sharp_sides(score, &fitted, &cut, sw, sh, cfg) {
        return Found::NotFound;
    }
    if cut.is_empty() {
        return Found::Sheet(corners);
    }
    // A scanner's band beside a straight page reads as a cut page: a page square to the frame
    // over most of it is a scan, and is left as it is.
    if square_to_frame(&corners) && area >= cfg.page_scan_share * image_area {
        return Found::FillsFrame;
    }
    Found::CutOff(cut, corners)
}

/// Paper (255) where the score is above `t`, less anything narrower than three pixels (grout,
/// the lines of a cutting mat, a thread of light): they would join the sheet to the border.
fn paper_mask(score: &GrayImage, t: u8) -> GrayImage {
    let mut paper = score.clone();
    paper.pixels_mut().for_each(|p| p.0[0] = if p.0[0] > t { 255 } else { 0 });
    imageproc::morphology::open_mut(&mut paper, imageproc::distance_transform::Norm::LInf, 1);
    paper
}

/// The paper's own level: the bright end (90th percentile) of the middle of the photo, where
/// the page lies.
fn paper_level(score: &GrayImage) -> u8 {
    let (w, h) = score.dimensions();
    let mut v: Vec<u8> = Vec::with_capacity((w * h / 4) as usize);
    for y in h / 4..h * 3 / 4 {
        for x in w / 4..w * 3 / 4 {
            v.push(score.get_pixel(x, y)[0]);
        }
    }
    if v.is_empty() {
        return 255;
    }
    let at = v.len() * 9 / 10;
    *v.select_nth_unstable(at).1
}

/// Whether paper runs along each side of the image for at least `share` of it: nothing but
/// the page is in view (a scan; a page square to a scanner bed with a band of lid beside it
/// still has paper along three sides and most of the fourth).
fn covers_border(paper: &GrayImage, share: f64) -> bool {
    let (w, h) = paper.dimensions();
    let at = |x: u32, y: u32| u32::from(paper.get_pixel(x, y)[0] > 0);
    let sides = [
        ((0..w).map(|x| at(x, 0)).sum::<u32>(), w),
        ((0..w).map(|x| at(x, h - 1)).sum::<u32>(), w),
        ((0..h).map(|y| at(0, y)).sum::<u32>(), h),
        ((0..h).map(|y| at(w - 1, y)).sum::<u32>(), h),
    ];
    let full = sides.iter().filter(|(n, len)| f64::from(*n) >= share * f64::from(*len)).count();
    let total: u32 = sides.iter().map(|s| s.0).sum();
    full >= 3 && f64::from(total) >= share * f64::from(2 * (w + h))
}

/// The sheet with everything on it: whatever is not background reachable from the image's
/// border through non-paper (text, seals, a licence's printed frame and what it encloses are
/// part of the sheet). 255 = sheet.
fn sheet_mask(paper: &GrayImage) -> GrayImage {
    let (w, h) = paper.dimensions();
    let mut out = GrayImage::from_pixel(w, h, Luma([255]));
    let mut stack: Vec<(u32, u32)> = Vec::new();
    let visit = |x: u32, y: u32, out: &mut GrayImage, stack: &mut Vec<(u32, u32)>| {
        if paper.get_pixel(x, y)[0] == 0 && out.get_pixel(x, y)[0] == 255 {
            out.put_pixel(x, y, Luma([0]));
            stack.push((x, y));
        }
    };
    for x in 0..w {
        visit(x, 0, &mut out, &mut stack);
        visit(x, h - 1, &mut out, &mut stack);
    }
    for y in 0..h {
        visit(0, y, &mut out, &mut stack);
        visit(w - 1, y, &mut out, &mut stack);
    }
    while let Some((x, y)) = stack.pop() {
        if x > 0 {
            visit(x - 1, y, &mut out, &mut stack);
        }
        if y > 0 {
            visit(x, y - 1, &mut out, &mut stack);
        }
        if x + 1 < w {
            visit(x + 1, y, &mut out, &mut stack);
        }
        if y + 1 < h {
            visit(x, y + 1, &mut out, &mut stack);
        }
    }
    out
}

/// Whether every side of the quad not cut by the frame is a paper edge: a step in the paper
/// score a few pixels wide. A shadow's edge, a fold of light across a white table, rises over
/// tens of pixels.
fn sharp_sides(score: &GrayImage, q: &Quad, cut: &[Side], w: u32, h: u32, cfg: &PipelineConfig) -> bool {
    const REACH: i32 = 8;
    let sample = |x: f64, y: f64| -> Option<f64> {
        let (xi, yi) = (x.round() as i64, y.round() as i64);
        let inside = xi >= 0 && yi >= 0 && xi < i64::from(w) && yi < i64::from(h);
        inside.then(|| f64::from(score.get_pixel(xi as u32, yi as u32)[0]))
    };
    let (mut sides_seen, mut sharp) = (0, 0);
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        let len = dist(a, b).max(1.0);
        let (ux, uy) = ((b[0] - a[0]) / len, (b[1] - a[1]) / len);
        // Clockwise corners: the sheet lies to the right of each side, at (−uy, ux).
        let (nx, ny) = (-uy, ux);
        let mut widths = Vec::new();
        for k in 1..20 {
            let t = 0.15 + 0.7 * f64::from(k) / 20.0;
            let (px, py) = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t);
            let profile: Option<Vec<f64>> =
                (-REACH..=REACH).map(|d| sample(px + nx * f64::from(d), py + ny * f64::from(d))).collect();
            let Some(p) = profile else { continue };
            let (out_level, in_level) =
                (p[..3].iter().sum::<f64>() / 3.0, p[p.len() - 3..].iter().sum::<f64>() / 3.0);
            if in_level - out_level < cfg.page_min_step {
                continue;
            }
            // The rise into the paper: where it reaches 90 %, and the last point under 10 %
            // before that (a striped or speckled ground outside does not widen it).
            let level = |share: f64| out_level + (in_level - out_level) * share;
            let Some(hi) = p.iter().position(|&v| v >= level(0.9)) else { continue };
            if let Some(lo) = p[..hi].iter().rposition(|&v| v <= level(0.1)) {
                widths.push(hi - lo);
            }
        }
        // A side along the photo's edge, or running out of it, has nothing (or too little)
        // beyond it to step from.
        let out =
            |p: [f64; 2]| p[0] < 3.0 || p[1] < 3.0 || p[0] > f64::from(w) - 4.0 || p[1] > f64::from(h) - 4.0;
        let runs_out = !cut.is_empty() && (out(a) || out(b)) && widths.len() < 5;
        if cut.iter().any(|s| border_of(a, b, w, h) == Some(*s)) || runs_out {
            continue;
        }
        sides_seen += 1;
        // Too few steps along it (a printed frame line with paper beyond it again) or soft
        // ones (a shadow): not an edge of the sheet.
        widths.sort_unstable();
        sharp += usize::from(widths.len() >= 5 && widths[widths.len() / 2] <= 4);
    }
    let needed = if cut.is_empty() { 4 } else { 1 };
    sides_seen >= needed && sharp == sides_seen
}

/// The border of the small image a side runs along, if it does.
fn border_of(a: [f64; 2], b: [f64; 2], w: u32, h: u32) -> Option<Side> {
    let (w, h) = (f64::from(w) - 1.0, f64::from(h) - 1.0);
    let near = |v: f64, to: f64| (v - to).abs() <= 3.0;
    [(Side::Top, 1, 0.0), (Side::Bottom, 1, h), (Side::Left, 0, 0.0), (Side::Right, 0, w)]
        .into_iter()
        .find(|&(_, axis, to)| near(a[axis], to) && near(b[axis], to))
        .map(|(s, _, _)| s)
}

/// The photo `f` times smaller, each pixel the mean of its block. A block row's `f` rows are
/// first summed column by column (straight along memory, which the compiler turns into vector
/// adds), then each block's columns: one pass over the photo.
fn small_copy(rgb: &RgbImage, f: u32) -> RgbImage {
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let f = f as usize;
    let (sw, sh) = (w / f, h / f);
    let n = (f * f) as u32;
    let mut out = vec![0u8; sw * sh * 3];
    let mut columns = vec![0u32; sw * f * 3];
    for (sy, dst) in out.chunks_exact_mut((sw * 3).max(1)).enumerate() {
        columns.iter_mut().for_each(|s| *s = 0);
        for row in rgb.as_raw().chunks_exact(w * 3).skip(sy * f).take(f) {
            columns.iter_mut().zip(row).for_each(|(s, &v)| *s += u32::from(v));
        }
        for (d, block) in dst.chunks_exact_mut(3).zip(columns.chunks_exact(f * 3)) {
            let mut sum = [0u32; 3];
            block.chunks_exact(3).for_each(|p| (0..3).for_each(|c| sum[c] += p[c]));
            d.copy_from_slice(&sum.map(|v| (v / n) as u8));
        }
    }
    RgbImage::from_raw(sw as u32, sh as u32, out).unwrap_or_else(|| RgbImage::new(sw as u32, sh as u32))
}

/// The paper score of every pixel of the small copy: paper high, desks, hands and shadows low.
fn paper_score(small: &RgbImage, weight: f64) -> GrayImage {
    GrayImage::from_fn(small.width(), small.height(), |x, y| {
        Luma([score_of(small.get_pixel(x, y).0, weight)])
    })
}

/// The paper score of one colour: luminance less `weight` × chroma.
fn score_of(rgb: [u8; 3], weight: f64) -> u8 {
    let [r, g, b] = rgb.map(u32::from);
    let luma = (r * 299 + g * 587 + b * 114) / 1000;
    let chroma = r.max(g).max(b) - r.min(g).min(b);
    luma.saturating_sub((weight * f64::from(chroma)) as u32).min(255) as u8
}

/// Otsu's threshold, when the two classes it splits differ by at least `min_contrast` levels.
fn otsu(img: &GrayImage, min_contrast: f64) -> Option<u8> {
    let mut hist = [0u64; 256];
    img.pixels().for_each(|p| hist[p[0] as usize] += 1);
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist.iter().enumerate().map(|(v, &n)| v as f64 * n as f64).sum();
    let (mut below, mut below_sum, mut best) = (0u64, 0.0, (0.0, 0u8, 0.0));
    for (t, &n) in hist.iter().enumerate() {
        below += n;
        below_sum += t as f64 * n as f64;
        let above = total - below;
        if below == 0 || above == 0 {
            continue;
        }
        let (m0, m1) = (below_sum / below as f64, (sum - below_sum) / above as f64);
        let between = below as f64 * above as f64 * (m1 - m0).powi(2);
        if between > best.0 {
            best = (between, t as u8, m1 - m0);
        }
    }
    (best.2 >= min_contrast).then_some(best.1)
}

/// The largest piece of paper.
struct Piece {
    hull: Vec<Point<i32>>,
    /// Its pixels with background beside them, not on the image's border.
    edge: Vec<Point<i32>>,
    /// How many of its pixels lie on the image's top, right, bottom and left border.
    on_border: [u32; 4],
}

fn largest_piece(mask: &GrayImage) -> Option<Piece> {
    let labels = imageproc::region_labelling::connected_components(
        mask,
        imageproc::region_labelling::Connectivity::Four,
        Luma([0u8]),
    );
    let mut area = Vec::<u32>::new();
    for l in labels.pixels() {
        let l = l[0] as usize;
        if l >= area.len() {
            area.resize(l + 1, 0);
        }
        area[l] += 1;
    }
    let (label, _) = area.iter().enumerate().skip(1).max_by_key(|(_, n)| **n)?;
    let label = label as u32;
    let (w, h) = labels.dimensions();
    let is = |x: i64, y: i64| {
        x >= 0
            && y >= 0
            && x < i64::from(w)
            && y < i64::from(h)
            && labels.get_pixel(x as u32, y as u32)[0] == label
    };
    let (mut outline, mut edge, mut on_border) = (Vec::new(), Vec::new(), [0u32; 4]);
    for (x, y, l) in labels.enumerate_pixels() {
        if l[0] != label {
            continue;
        }
        for (k, at) in [y == 0, x + 1 == w, y + 1 == h, x == 0].into_iter().enumerate() {
            on_border[k] += u32::from(at);
        }
        let (xi, yi) = (i64::from(x), i64::from(y));
        let inside = [(1, 0), (-1, 0), (0, 1), (0, -1)].iter().all(|(dx, dy)| is(xi + dx, yi + dy));
        if inside {
            continue;
        }
        outline.push(Point::new(x as i32, y as i32));
        let on_border = x == 0 || y == 0 || x + 1 == w || y + 1 == h;
        if !on_border {
            edge.push(Point::new(x as i32, y as i32));
        }
    }
    Some(Piece { hull: imageproc::geometry::convex_hull(outline), edge, on_border })
}

/// A sheet, not a sliver: its sides' ratio near the paper's, allowing for the tilt of the
/// camera.
fn plausible(q: &Quad, cfg: &PipelineConfig) -> bool {
    let short = (dist(q[0], q[1]) + dist(q[2], q[3])) / 2.0;
    let long = (dist(q[1], q[2]) + dist(q[3], q[0])) / 2.0;
    let paper = cfg.paper_height_mm / cfg.paper_width_mm;
    let ratio = long / short.max(1.0);
    ratio >= paper / cfg.page_max_aspect_error && ratio <= paper * cfg.page_max_aspect_error
}

/// Whether every side runs within a degree of the photo's axes.
fn square_to_frame(q: &Quad) -> bool {
    (0..4).all(|i| {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        let deg = (b[1] - a[1]).atan2(b[0] - a[0]).to_degrees().rem_euclid(90.0);
        deg.min(90.0 - deg) <= 1.0
    })
}

/// The image's own sides in the paper's proportion (a scan of the page, not a photo).
fn aspect_matches(w: u32, h: u32, cfg: &PipelineConfig) -> bool {
    let ratio = f64::from(w.max(h)) / f64::from(w.min(h).max(1));
    let paper = cfg.paper_height_mm / cfg.paper_width_mm;
    (ratio / paper - 1.0).abs() <= 0.04
}
