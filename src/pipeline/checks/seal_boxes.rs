//! Seal boxes of the seal-sample form (印章取样处): one imprint in each, not touching its lines.
//!
//! The boxes are found on the quarter-size page, levelled by the measured skew: long dark
//! horizontal and vertical runs are kept, and every nearly empty cell they enclose, of a
//! seal's size, is a box, whatever the form's layout. For each box the imprints whose centre
//! lies inside it are counted, and each of its four lines is followed at full resolution: the line is located to the pixel,
//! its thickness measured, and seal ink within the configured clearance of it means the
//! imprint touches or crosses it (勿压线).

use image::{GrayImage, Luma};
use imageproc::geometric_transformations::{Border, Interpolation, rotate_about_center};

use multiversion::multiversion;

use super::{components, max_filter};
use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::{BlockSums, Page, mark};
use crate::pipeline::report::{BBox, Finding, SealBox, SealBoxes, SealFound, Status};

/// Levelling rotation of the quarter-size page about its centre.
struct Level {
    cx: f64,
    cy: f64,
    sin: f64,
    cos: f64,
}

impl Level {
    /// `skew_deg` counter-clockwise; the levelled image is turned back clockwise by it.
    fn new(w: u32, h: u32, skew_deg: f64) -> Self {
        let t = skew_deg.to_radians();
        Self { cx: f64::from(w) / 2.0, cy: f64::from(h) / 2.0, sin: t.sin(), cos: t.cos() }
    }

    /// From the page to the levelled image.
    fn levelled(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let (dx, dy) = (x - self.cx, y - self.cy);
        (self.cx + dx * self.cos - dy * self.sin, self.cy + dx * self.sin + dy * self.cos)
    }

    /// From the levelled image back to the page.
    fn original(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let (dx, dy) = (x - self.cx, y - self.cy);
        (self.cx + dx * self.cos + dy * self.sin, self.cy - dx * self.sin + dy * self.cos)
    }
}

/// Two quarter-size masks from one pass over the page's marks: cells holding any dark ink
/// ([`mark::INK`]), and cells holding dark ink or seal red (a thin, tilted line stays unbroken,
/// where averaging would wash it out).
fn ink_masks(page: &Page) -> (GrayImage, GrayImage) {
    let f = (1.0 / page.small_scale) as u32;
    let (w, h) = page.marks.dimensions();
    let mut cells = BlockSums::new(w, h, f);
    count_marked(page.marks.as_raw(), &mut cells, &mut vec![0; w as usize]);
    let cells = cells.finish();
    let (sw, sh) = (w.div_ceil(f).max(1), h.div_ceil(f).max(1));
    let mask = |bits: u32| {
        GrayImage::from_fn(sw, sh, |x, y| {
            Luma([if cells[(y * sw + x) as usize] & bits != 0 { 255 } else { 0 }])
        })
    };
    (mask(0xffff), mask(0xffff_0000))
}

/// Per cell of the page's marks, its ink pixels + its ink-or-seal pixels << 16 (a cell holds
/// far fewer than 65536 pixels).
#[multiversion(targets("x86_64+avx2"))]
fn count_marked(marks: &[u8], cells: &mut BlockSums, packed: &mut [u32]) {
    for row in marks.chunks_exact(packed.len().max(1)) {
        for (f, &m) in packed.iter_mut().zip(row) {
            *f = u32::from(m & mark::INK != 0) | (u32::from(m & (mark::INK | mark::SEAL) != 0) << 16);
        }
        cells.add_row(packed);
    }
}

/// `mask` turned to level by `level` (thickened first: a one-cell line turned by nearest
/// neighbour would break up).
fn levelled(mask: GrayImage, level: &Level) -> GrayImage {
    if level.sin.abs() > 0.003 {
        let theta = level.sin.asin() as f32;
        rotate_about_center(&max_filter(&mask, 1), theta, Interpolation::Nearest, Border::Constant(Luma([0])))
    } else {
        mask
    }
}

/// Keeps runs of ink at least `min_len` long (gaps of one pixel bridged) along rows and columns.
fn long_lines(mask: &GrayImage, min_len: u32) -> GrayImage {
    let (w, h) = (mask.width() as usize, mask.height() as usize);
    let src = mask.as_raw();
    let mut out = vec![0u8; w * h];
    // One line of pixels, `len` long, the i-th at `at(i)`.
    let mut scan = |len: usize, at: &dyn Fn(usize) -> usize| {
        let mut keep = |run: Option<(usize, usize)>| {
            if let Some((first, last)) = run.filter(|(first, last)| last - first + 1 >= min_len as usize) {
                (first..=last).for_each(|i| out[at(i)] = 255);
            }
        };
        let mut run: Option<(usize, usize)> = None;
        for i in (0..len).filter(|&i| src[at(i)] != 0) {
            run = match run {
                Some((first, last)) if i - last <= 2 => Some((first, i)),
                other => {
                    keep(other);
                    Some((i, i))
                }
            };
        }
        keep(run);
    };
    for y in 0..h {
        scan(w, &|x| y * w + x);
    }
    for x in 0..w {
        scan(h, &|y| y * w + x);
    }
    GrayImage::from_raw(w as u32, h as u32, out).unwrap_or_else(|| GrayImage::new(w as u32, h as u32))
}

/// The boxes as rectangles of the levelled quarter-size image: (x0, y0, x1, y1).
///
/// A box is a ruled cell: a region of paper enclosed by long lines on every side, of a seal's
/// size (each side within the configured range, not too elongated), and nearly empty (little
/// dark ink inside but the seal itself, which is red). Found this way the layout does not
/// matter: two squares side by side, the seed's table whose stamping cells sit right of their
/// label cells, or a redrawn form. Where more than two cells qualify, the two emptiest are the
/// boxes (a label cell holds the instructions).
fn find_boxes(page: &Page, level: &Level, dpi: f64, cfg: &PipelineConfig) -> Vec<(f64, f64, f64, f64)> {
    let px_mm = 25.4 / (dpi * page.small_scale);
    // Dark ink, and the lines under a seal: where stamp ink covers a thin rule the rule's
    // pixels are red, not dark, and the cell would leak out through the gap. A seal itself
    // has no straight run as long as a box's side.
    let (mask, ruled) = ink_masks(page);
    let (mask, ruled) = (levelled(mask, level), levelled(ruled, level));
    let lines = max_filter(&long_lines(&ruled, (cfg.seal_box_min_side_mm * 0.8 / px_mm) as u32), 1);
    let (w, h) = lines.dimensions();
    // The paper between the lines, region by region.
    let free = GrayImage::from_fn(w, h, |x, y| Luma([255 - lines.get_pixel(x, y)[0]]));
    let (labels, regions) = components(&free, |_, _| true);
    let mut area = vec![0u32; regions.iter().map(|r| r.label as usize + 1).max().unwrap_or(1)];
    for l in labels.pixels() {
        if let Some(a) = area.get_mut(l[0] as usize) {
            *a += 1;
        }
    }
    let margin = (1.5 / px_mm).ceil() as u32;
    let mut cells: Vec<((f64, f64, f64, f64), f64)> = regions
        .iter()
        .filter(|r| r.x0 > 0 && r.y0 > 0 && r.x1 + 1 < w && r.y1 + 1 < h)
        .filter_map(|r| {
            let (cw, ch) = (r.x1 - r.x0 + 1, r.y1 - r.y0 + 1);
            let (wmm, hmm) = (f64::from(cw + 2) * px_mm, f64::from(ch + 2) * px_mm);
            let ok = |s: f64| (cfg.seal_box_min_side_mm..=cfg.seal_box_max_side_mm).contains(&s);
            let rectangular = f64::from(area[r.label as usize]) >= 0.9 * f64::from(cw * ch);
            if !(ok(wmm) && ok(hmm) && rectangular && wmm.max(hmm) / wmm.min(hmm) <= cfg.seal_box_max_aspect)
            {
                return None;
            }
            let (ix0, iy0, ix1, iy1) =
                (r.x0 + margin, r.y0 + margin, r.x1.saturating_sub(margin), r.y1.saturating_sub(margin));
            let inner = u64::from(ix1.saturating_sub(ix0) + 1) * u64::from(iy1.saturating_sub(iy0) + 1);
            let ink = (iy0..=iy1)
                .flat_map(|y| (ix0..=ix1).map(move |x| (x, y)))
                .filter(|&(x, y)| mask.get_pixel(x, y)[0] != 0)
                .count();
            let share = ink as f64 / inner.max(1) as f64;
            // From the free region to the middle of its lines (thickened by one cell each side).
            let rect =
                (f64::from(r.x0) - 2.0, f64::from(r.y0) - 2.0, f64::from(r.x1) + 2.0, f64::from(r.y1) + 2.0);
            (share <= cfg.seal_box_max_ink_share).then_some((rect, share))
        })
        .collect();
    if cells.len() > 2 {
        cells.sort_by(|a, b| a.1.total_cmp(&b.1));
        cells.truncate(2);
    }
    let mut boxes: Vec<(f64, f64, f64, f64)> = cells.into_iter().map(|c| c.0).collect();
    boxes.sort_by(|a, b| (a.1 / 20.0).floor().total_cmp(&(b.1 / 20.0).floor()).then(a.0.total_cmp(&b.0)));
    boxes
}

/// Where seal ink comes within `clearance` pixels of the line from `a` to `b` (full
/// resolution), after locating the line to the pixel within `search` pixels either side: the
/// bounding box of that ink, or `None` when the line is clear.
fn ink_on_line(page: &Page, a: (f64, f64), b: (f64, f64), search: f64, clearance: f64) -> Option<BBox> {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    if len < 1.0 {
        return None;
    }
    let (ux, uy) = ((b.0 - a.0) / len, (b.1 - a.1) / len);
    let (nx, ny) = (-uy, ux);
    let (w, h) = (f64::from(page.width()), f64::from(page.height()));
    let pixel = |t: f64, o: f64| -> Option<(u32, u32)> {
        let (x, y) = (a.0 + ux * t + nx * o, a.1 + uy * t + ny * o);
        (x >= 0.0 && y >= 0.0 && x < w && y < h).then_some((x as u32, y as u32))
    };
    // Skip the corners, where the other lines run.
    let (t0, t1) = (len * 0.04, len * 0.96);
    let samples = |o: f64, test: &dyn Fn(u32, u32) -> bool| -> usize {
        let mut n = 0;
        let mut t = t0;
        while t < t1 {
            n += pixel(t, o).is_some_and(|(x, y)| test(x, y)) as usize;
            t += 1.0;
        }
        n
    };
    let dark = |x: u32, y: u32| page.luma.get_pixel(x, y)[0] < page.ink_threshold;
    let steps = search.ceil() as i32;
    let profile: Vec<(f64, usize)> =
        (-steps..=steps).map(|o| (f64::from(o), samples(f64::from(o), &dark))).collect();
    let peak = profile.iter().map(|p| p.1).max().unwrap_or(0);
    if peak == 0 {
        return None;
    }
    let on: Vec<f64> = profile.iter().filter(|p| p.1 * 2 >= peak).map(|p| p.0).collect();
    let (lo, hi) = (on[0] - clearance, on[on.len() - 1] + clearance);
    let red = |x: u32, y: u32| page.marks.get_pixel(x, y)[0] & mark::SEAL != 0;
    let (mut hits, mut min, mut max) = (0usize, (u32::MAX, u32::MAX), (0u32, 0u32));
    let mut o = lo.floor();
    while o <= hi.ceil() {
        let mut t = t0;
        while t < t1 {
            if let Some((x, y)) = pixel(t, o)
                && red(x, y)
            {
                hits += 1;
                min = (min.0.min(x), min.1.min(y));
                max = (max.0.max(x), max.1.max(y));
            }
            t += 1.0;
        }
        o += 1.0;
    }
    (hits >= 3).then(|| [min.0, min.1, max.0 - min.0 + 1, max.1 - min.1 + 1])
}

/// `is_colour` is the colour check's answer: on a black-and-white scan an empty box cannot be
/// told from one holding a grey imprint.
/// `quarter_turns` (clockwise, to make the page upright) puts the boxes in the upright page's
/// reading order, so that "box 2" in a message is the second box on the form.
pub fn check(
    page: &Page,
    seals: &[SealFound],
    (skew_deg, quarter_turns): (f64, u8),
    dpi: f64,
    is_colour: bool,
    cfg: &PipelineConfig,
) -> Finding<SealBoxes> {
    let (sw, sh) = page.small.dimensions();
    let level = Level::new(sw, sh, skew_deg);
    let rects = find_boxes(page, &level, dpi, cfg);
    let scale = 1.0 / page.small_scale;
    let full = |p: (f64, f64)| {
        let (x, y) = level.original(p);
        (x * scale, y * scale)
    };
    let px_per_mm = dpi / 25.4;
    let mut boxes = Vec::new();
    for &(x0, y0, x1, y1) in &rects {
        let corners = [full((x0, y0)), full((x1, y0)), full((x1, y1)), full((x0, y1))];
        let inside = |s: &SealFound| {
            let c = (
                f64::from(s.bbox[0]) + f64::from(s.bbox[2]) / 2.0,
                f64::from(s.bbox[1]) + f64::from(s.bbox[3]) / 2.0,
            );
            let (lx, ly) = level.levelled((c.0 / scale, c.1 / scale));
            (x0..=x1).contains(&lx) && (y0..=y1).contains(&ly)
        };
        let seal_count = seals.iter().filter(|s| inside(s)).count();
        let touching: Vec<BBox> = (0..4)
            .filter_map(|i| {
                ink_on_line(
                    page,
                    corners[i],
                    corners[(i + 1) % 4],
                    1.5 * px_per_mm,
                    cfg.seal_box_line_clearance_mm * px_per_mm,
                )
            })
            .collect();
        boxes.push(SealBox {
            bbox: bbox_of(&corners),
            seal_count,
            touches_line: !touching.is_empty(),
            touching,
        });
    }
    let (w, h) = page.rgb.dimensions();
    let upright = |b: &BBox| {
        let (mut x, mut y) =
            (f64::from(b[0]) + f64::from(b[2]) / 2.0, f64::from(b[1]) + f64::from(b[3]) / 2.0);
        let mut dims = (f64::from(w), f64::from(h));
        for _ in 0..quarter_turns % 4 {
            // A quarter turn clockwise: (x, y) in W×H goes to (H − y, x) in H×W.
            (x, y) = (dims.1 - y, x);
            dims = (dims.1, dims.0);
        }
        (x, y)
    };
    let band = 20.0 * px_per_mm;
    boxes.sort_by(|a, b| {
        let (a, b) = (upright(&a.bbox), upright(&b.bbox));
        (a.1 / band).floor().total_cmp(&(b.1 / band).floor()).then(a.0.total_cmp(&b.0))
    });
    let value = SealBoxes { boxes };
    if value.boxes.len() != 2 {
        return Finding::with(
            Status::Unknown,
            "seal_boxes.not_found",
            format!("未能找到两个印章取样框（找到{}个），请人工确认", value.boxes.len()),
            value,
        );
    }
    let numbered = |pred: &dyn Fn(&SealBox) -> bool| -> Vec<String> {
        value.boxes.iter().enumerate().filter(|(_, b)| pred(b)).map(|(i, _)| (i + 1).to_string()).collect()
    };
    let empty = numbered(&|b| b.seal_count == 0);
    if !empty.is_empty() && !is_colour {
        let msg = "图片不是彩色的，无法确认取样框内的印章，请彩色扫描后重新上传";
        return Finding::with(Status::Unknown, "seal_boxes.grayscale", msg, value);
    }
    if !empty.is_empty() {
        let msg = format!("印章取样处{}未加盖印章，请在每个取样框内各盖一次章", empty.join("、"));
        return Finding::with(Status::Fail, "seal_boxes.missing", msg, value);
    }
    let touching = numbered(&|b| b.touches_line);
    if !touching.is_empty() {
        let msg = format!("印章取样处{}的印章压线，请重新盖章，印章须在框内且不压线", touching.join("、"));
        return Finding::with(Status::Fail, "seal_boxes.touches_line", msg, value);
    }
    let crowded = numbered(&|b| b.seal_count > 1);
    if !crowded.is_empty() {
        let msg = format!("印章取样处{}内有多个印章，每个取样框只需盖一次章", crowded.join("、"));
        return Finding::with(Status::Fail, "seal_boxes.crowded", msg, value);
    }
    Finding::pass(value)
}

fn bbox_of(points: &[(f64, f64)]) -> BBox {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in points {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    let (x0, y0) = (x0.max(0.0), y0.max(0.0));
    [x0 as u32, y0 as u32, (x1 - x0).max(0.0) as u32, (y1 - y0).max(0.0) as u32]
}
