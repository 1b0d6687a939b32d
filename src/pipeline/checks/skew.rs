//! Skew: the angle of the text lines, counter-clockwise positive, in degrees.
//!
//! Projection profiles: dark, non-red pixels (text, form lines, card edges; not seals) are
//! projected onto the axis perpendicular to a candidate line direction; the direction at which
//! the profile is most peaked (largest sum of squared bin counts) is the line direction.
//! Searched coarse to fine — ±`skew_search_deg` at 0.5° on a quarter-size image, then ±0.6° at
//! 0.1° and ±0.12° at 0.01° on the full image — and refined by a parabola through the best
//! three fine scores.

use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::{Page, mark};
use crate::pipeline::report::{Finding, Skew, Status};

/// Points whose projection profiles are compared, relative to the image centre.
#[derive(Clone)]
pub struct Points {
    pub(crate) xs: Vec<f32>,
    pub(crate) ys: Vec<f32>,
    /// Profile bins per pixel of these coordinates.
    span: f32,
}

/// Ink pixels (of the full image or the small copy), excluding seal red, keeping every
/// `step`-th row and column.
pub(crate) fn dark_points(page: &Page, full_res: bool, step: u32, max_points: usize) -> Points {
    let (xs, ys) = (&mut Vec::new(), &mut Vec::new());
    if full_res {
        let (w, h) = page.luma.dimensions();
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let rows = page.marks.as_raw().chunks_exact(w.max(1) as usize);
        for (y, row) in rows.enumerate().step_by(step as usize) {
            // Ink is sparse: eight pixels at a time are passed over while none is ink.
            for (x0, eight) in row.chunks(8).enumerate().map(|(i, c)| (8 * i, c)) {
                if eight.iter().fold(0, |a, &m| a | m) & mark::INK == 0 {
                    continue;
                }
                for (x, _) in
                    (x0..).zip(eight).filter(|(x, m)| *x % step as usize == 0 && *m & mark::INK != 0)
                {
                    xs.push(x as f32 - cx);
                    ys.push(y as f32 - cy);
                }
            }
        }
    } else {
        let threshold = page.ink_threshold_small;
        let (w, h) = page.small.dimensions();
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let f = (1.0 / page.small_scale) as u32;
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) =
                    ((x * f + f / 2).min(page.width() - 1), (y * f + f / 2).min(page.height() - 1));
                if page.small.get_pixel(x, y)[0] < threshold
                    && page.marks.get_pixel(fx, fy)[0] & mark::SEAL == 0
                {
                    xs.push(x as f32 - cx);
                    ys.push(y as f32 - cy);
                }
            }
        }
    }
    // Thin out evenly when there are more points than needed for a sharp profile.
    if xs.len() > max_points {
        let keep = xs.len().div_ceil(max_points);
        *xs = xs.iter().step_by(keep).copied().collect();
        *ys = ys.iter().step_by(keep).copied().collect();
    }
    Points { xs: std::mem::take(xs), ys: std::mem::take(ys), span: 1.0 / step as f32 }
}

impl Points {
    pub(crate) fn new(xs: Vec<f32>, ys: Vec<f32>, span: f32) -> Self {
        Self { xs, ys, span }
    }

    /// Bins on either side of the centre that hold the projection at any angle: no point lies
    /// farther than |x| + |y| from it.
    fn offset(&self) -> f32 {
        let extent = self.xs.iter().zip(&self.ys).fold(0f32, |m, (x, y)| m.max(x.abs() + y.abs()));
        extent * self.span + 2.0
    }

    /// The points turned clockwise by `quarters` quarter turns (undoing content that is turned
    /// counter-clockwise by as many).
    pub(crate) fn turned(mut self, quarters: u8) -> Self {
        for _ in 0..quarters % 4 {
            // Clockwise in image coordinates (y down): (x, y) → (−y, x).
            for (x, y) in self.xs.iter_mut().zip(self.ys.iter_mut()) {
                (*x, *y) = (-*y, *x);
            }
        }
        self
    }
}

/// How peaked the profile is when lines run at `deg` (counter-clockwise positive); `offset`
/// keeps every projection of the points at a positive bin ([`Points::offset`]).
fn score(points: &Points, deg: f64, offset: f32, scratch: &mut Scratch) -> f64 {
    let t = deg.to_radians();
    let (s, c) = (t.sin() as f32 * points.span, t.cos() as f32 * points.span);
    // The bin of every point first, in one loop that vectorises; then the counting, where
    // neighbouring points mostly fall into the same bin and counting them one after another
    // would chain every increment on the one before: four quarters of the points are taken in
    // turn instead, and fall far apart.
    let at = &mut scratch.at;
    at.clear();
    // A line rising to the right (counter-clockwise) has y falling as x grows: y·cos + x·sin is
    // constant along it exactly when the angle matches.
    at.resize(points.xs.len(), 0);
    for ((bin, x), y) in at.iter_mut().zip(&points.xs).zip(&points.ys) {
        let v = y * c + x * s + offset;
        // SAFETY: `v` is finite and between 0 and the bins' length (`offset` holds every
        // projection of the points at a positive bin), where the unchecked conversion is the
        // same as `as`; `as` checks for NaN and overflow pixel by pixel and cannot vectorise.
        debug_assert!(v.is_finite() && v >= 0.0 && v < 2.0 * offset + 4.0, "{v} outside the bins");
        *bin = unsafe { v.to_int_unchecked::<i32>() } as u32;
    }
    let bins = &mut scratch.bins;
    bins.clear();
    bins.resize((2.0 * offset) as usize + 4, 0);
    let quarter = at.len() / 4;
    let (quarters, rest) = at.split_at(4 * quarter);
    let (a, b) = quarters.split_at(2 * quarter);
    let ((a0, a1), (b0, b1)) = (a.split_at(quarter), b.split_at(quarter));
    for i in 0..quarter {
        for v in [a0[i], a1[i], b0[i], b1[i]] {
            bins[v as usize] += 1;
        }
    }
    for &v in rest {
        bins[v as usize] += 1;
    }
    bins.iter().map(|&n| f64::from(n) * f64::from(n)).sum()
}

/// Buffers the scores of one search share.
#[derive(Default)]
struct Scratch {
    at: Vec<u32>,
    bins: Vec<u32>,
}

/// Best angle in `lo..=hi` stepping `step`, with all scores.
pub(crate) fn search(points: &Points, lo: f64, hi: f64, step: f64) -> (f64, Vec<(f64, f64)>) {
    let mut scratch = Scratch::default();
    let n = ((hi - lo) / step).round() as i64;
    let offset = points.offset();
    let scores: Vec<(f64, f64)> =
        (0..=n).map(|i| lo + i as f64 * step).map(|a| (a, score(points, a, offset, &mut scratch))).collect();
    let best = scores.iter().cloned().fold((0.0, f64::MIN), |b, s| if s.1 > b.1 { s } else { b });
    (best.0, scores)
}

/// Vertex of the parabola through three equally spaced scores around the best.
fn refine(scores: &[(f64, f64)], best: f64, step: f64) -> f64 {
    let i = scores.iter().position(|s| s.0 == best).unwrap_or(0);
    if i == 0 || i + 1 >= scores.len() {
        return best;
    }
    let (l, m, r) = (scores[i - 1].1, scores[i].1, scores[i + 1].1);
    let denom = l - 2.0 * m + r;
    if denom.abs() < f64::EPSILON {
        return best;
    }
    best + step * 0.5 * (l - r) / denom
}

/// The quarter-size ink points the coarse searches of orientation and skew share.
pub fn coarse_points(page: &Page) -> Points {
    dark_points(page, false, 1, 200_000)
}

/// Measured skew and the peak-to-median ratio of the coarse profile scores; `coarse` are the
/// page's [`coarse_points`].
pub fn measure(page: &Page, coarse: &Points, quarter_turns: u8, cfg: &PipelineConfig) -> Option<(f64, f64)> {
    let coarse_pts = coarse.clone().turned(quarter_turns);
    if coarse_pts.xs.len() < cfg.skew_min_ink_points {
        return None;
    }
    let range = cfg.skew_search_deg;
    let (coarse, scores) = search(&coarse_pts, -range, range, 0.5);
    let mut sorted: Vec<f64> = scores.iter().map(|s| s.1).collect();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let confidence = if median > 0.0 { sorted[sorted.len() - 1] / median } else { 0.0 };

    let step = if page.width().max(page.height()) > 3000 { 2 } else { 1 };
    let fine_pts = dark_points(page, true, step, 600_000).turned(quarter_turns);
    let (mid, _) = search(&fine_pts, coarse - 0.6, coarse + 0.6, 0.1);
    let (fine, fine_scores) = search(&fine_pts, mid - 0.12, mid + 0.12, 0.01);
    Some((refine(&fine_scores, fine, 0.01), confidence))
}

/// Skew of the page once turned upright by `quarter_turns` (clockwise).
pub fn check(page: &Page, coarse: &Points, quarter_turns: u8, cfg: &PipelineConfig) -> Finding<Skew> {
    let Some((angle, confidence)) = measure(page, coarse, quarter_turns, cfg) else {
        let value = Skew { angle_deg: None, confidence: 0.0 };
        return Finding::with(
            Status::Unknown,
            "skew.unknown",
            "内容过少，无法判断是否方正，请人工确认",
            value,
        );
    };
    let value = Skew {
        angle_deg: Some((angle * 100.0).round() / 100.0),
        confidence: (confidence * 10.0).round() / 10.0,
    };
    if confidence < cfg.skew_min_confidence {
        return Finding::with(Status::Unknown, "skew.unknown", "无法可靠判断是否方正，请人工确认", value);
    }
    let a = angle.abs();
    if a > cfg.max_skew_deg_warn {
        let msg = format!("图片倾斜约{a:.1}°，请将材料放正后重新扫描");
        Finding::with(Status::Fail, "skew.too_skewed", msg, value)
    } else if a > cfg.max_skew_deg_pass {
        let msg = format!("图片略有倾斜（约{a:.1}°），建议放正后重新扫描");
        Finding::with(Status::Warn, "skew.skewed", msg, value)
    } else {
        Finding::pass(value)
    }
}
