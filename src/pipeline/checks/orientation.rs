//! Orientation: how far the content is turned counter-clockwise, 0 / 90 / 180 / 270.
//!
//! Text lines and form rules make the ink's projection profile sharply peaked across the
//! lines and flat along them, so comparing the best profile near horizontal with the best
//! near vertical tells 0/180 from 90/270. Upright from upside down is told by the lines
//! themselves, levelled: printed Chinese forms, licences and card copies are set flush left
//! with ragged right ends, so line starts cluster at a few positions and line ends scatter;
//! turned over, the clustering moves to the ends. Where that is not clear the page's ink
//! sitting higher than lower (titles and fields at the top, space below) decides.

use super::skew::{Points, search};
use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::Page;
use crate::pipeline::report::{Finding, Orientation, Status};

/// Levelled points: turned by `quarters` clockwise, then by the skew `deg` clockwise.
fn levelled(points: &Points, quarters: u8, deg: f64) -> (Vec<f32>, Vec<f32>) {
    let p = points.clone().turned(quarters);
    let (s, c) = (deg.to_radians().sin() as f32, deg.to_radians().cos() as f32);
    p.xs.iter().zip(&p.ys).map(|(x, y)| (x * c - y * s, x * s + y * c)).unzip()
}

/// How strongly line starts cluster compared with line ends (positive: flush left, upright),
/// and how far the ink sits above the middle (positive: top-heavy), for levelled points.
fn upright_evidence(xs: &[f32], ys: &[f32], bin: f32) -> (f64, f64) {
    let (y_min, y_max) = ys.iter().fold((f32::MAX, f32::MIN), |(a, b), &y| (a.min(y), b.max(y)));
    let rows = (y_max - y_min) as usize + 1;
    let mut ext = vec![(f32::MAX, f32::MIN, 0u32); rows];
    for (x, y) in xs.iter().zip(ys) {
        let r = &mut ext[(y - y_min) as usize];
        *r = (r.0.min(*x), r.1.max(*x), r.2 + 1);
    }
    let lines: Vec<(f32, f32)> = ext.iter().filter(|r| r.2 >= 3).map(|r| (r.0, r.1)).collect();
    let clustering = |v: Vec<f32>| -> f64 {
        let lo = v.iter().fold(f32::MAX, |a, &b| a.min(b));
        let mut hist = std::collections::HashMap::<i64, u32>::new();
        for x in &v {
            *hist.entry(((x - lo) / bin) as i64).or_default() += 1;
        }
        let best = hist
            .keys()
            .map(|k| (k - 1..=k + 1).map(|j| hist.get(&j).copied().unwrap_or(0)).sum::<u32>())
            .max();
        f64::from(best.unwrap_or(0)) / v.len().max(1) as f64
    };
    let starts = clustering(lines.iter().map(|l| l.0).collect());
    let ends = clustering(lines.iter().map(|l| -l.1).collect());
    let mean_y = ys.iter().map(|&y| f64::from(y)).sum::<f64>() / ys.len().max(1) as f64;
    let half = f64::from(y_max - y_min).max(1.0) / 2.0;
    let top_heavy = (f64::from(y_min) + half - mean_y) / half;
    (starts - ends, top_heavy)
}

/// Quarter turns (counter-clockwise) of the content, and the across/along profile ratio.
pub fn measure(page: &Page, points: &Points, dpi: f64, cfg: &PipelineConfig) -> Option<(u8, f64)> {
    if points.xs.len() < cfg.skew_min_ink_points {
        return None;
    }
    let range = cfg.skew_search_deg;
    let best = |p: &Points| {
        let (deg, scores) = search(p, -range, range, 1.0);
        (deg, scores.iter().map(|s| s.1).fold(0.0, f64::max))
    };
    let (h_deg, h) = best(points);
    let (v_deg, v) = best(&points.clone().turned(1));
    let (base, deg, ratio) = if h >= v { (0u8, h_deg, h / v.max(1.0)) } else { (1, v_deg, v / h.max(1.0)) };
    let bin = (1.5 / 25.4 * dpi * page.small_scale) as f32;
    let (xs, ys) = levelled(points, base, deg);
    let (flush, top) = upright_evidence(&xs, &ys, bin.max(1.0));
    let upright = if flush.abs() >= cfg.orientation_min_flush_margin { flush > 0.0 } else { top >= 0.0 };
    let turns = if upright { base } else { base + 2 };
    Some((turns, ratio))
}

/// `points` are the page's [`super::skew::coarse_points`].
pub fn check(page: &Page, points: &Points, dpi: f64, cfg: &PipelineConfig) -> Finding<Orientation> {
    let Some((turns, ratio)) = measure(page, points, dpi, cfg) else {
        let value = Orientation { degrees: None, confidence: 0.0 };
        return Finding::with(
            Status::Unknown,
            "orientation.unknown",
            "内容过少，无法判断方向，请人工确认",
            value,
        );
    };
    if ratio < cfg.orientation_min_ratio {
        let value = Orientation { degrees: Some(u16::from(turns) * 90), confidence: round2(ratio) };
        return Finding::with(Status::Unknown, "orientation.unknown", "无法可靠判断方向，请人工确认", value);
    }
    decided(turns, ratio)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The finding for a page known to be `turns` clockwise quarter turns from upright (by this
/// check, or by a number read only at that turn).
pub fn decided(turns: u8, confidence: f64) -> Finding<Orientation> {
    let degrees = u16::from(turns % 4) * 90;
    let value = Orientation { degrees: Some(degrees), confidence: round2(confidence) };
    if degrees != 0 {
        let msg = format!("图片方向不正（内容被旋转了{degrees}°），请将图片转正后重新上传");
        return Finding::with(Status::Fail, "orientation.rotated", msg, value);
    }
    Finding::pass(value)
}
