//! Orientation: how far the content is turned counter-clockwise, 0 / 90 / 180 / 270.
//!
//! Measured on glyph ink only ([`super::glyphs`]): rules, frames, card edges and a dark
//! scanner background are left out, as they run both ways and would outweigh the text.
//! Text lines make the glyphs' projection profile sharply peaked across the lines and flat
//! along them, so comparing the best profile near horizontal with the best near vertical
//! tells 0/180 from 90/270. Upright from upside down is told by the lines themselves,
//! levelled and cut into segments at wide gaps: printed Chinese forms, licences and card
//! copies are set flush left with ragged right ends, so segment starts line up across lines
//! far more often than segment ends; turned over, it is the ends that line up. The ink
//! sitting higher than lower (titles and fields at the top, space below) weighs in too.

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

/// Text segments of levelled glyph points: each text line (a band of rows holding ink) split
/// where the gap between glyphs is wider than a few characters; (band, start x, end x).
fn segments(xs: &[f32], ys: &[f32]) -> Vec<(usize, f32, f32)> {
    let y_min = ys.iter().fold(f32::MAX, |a, &y| a.min(y));
    let rows = ys.iter().fold(0usize, |m, &y| m.max((y - y_min) as usize)) + 1;
    let mut per_row = vec![0u32; rows];
    for y in ys {
        per_row[(y - y_min) as usize] += 1;
    }
    // Bands: runs of rows with ink, bridging single empty rows.
    let mut band_of = vec![usize::MAX; rows];
    let mut bands = Vec::<(usize, usize)>::new();
    for (r, _) in per_row.iter().enumerate().filter(|(_, n)| **n >= 2) {
        match bands.last_mut() {
            Some(b) if r <= b.1 + 2 => b.1 = r,
            _ => bands.push((r, r)),
        }
    }
    for (i, &(a, b)) in bands.iter().enumerate() {
        band_of[a..=b].iter_mut().for_each(|v| *v = i);
    }
    let mut in_band: Vec<Vec<f32>> = vec![Vec::new(); bands.len()];
    for (x, y) in xs.iter().zip(ys) {
        let b = band_of[(y - y_min) as usize];
        if b != usize::MAX {
            in_band[b].push(*x);
        }
    }
    let mut out = Vec::new();
    for (i, xs) in in_band.iter_mut().enumerate() {
        let height = (bands[i].1 - bands[i].0 + 1) as f32;
        if height < 2.0 {
            continue;
        }
        xs.sort_by(f32::total_cmp);
        let gap = 2.0 * height;
        let mut start = xs[0];
        for w in xs.windows(2) {
            if w[1] - w[0] > gap {
                out.push((i, start, w[0]));
                start = w[1];
            }
        }
        out.push((i, start, xs[xs.len() - 1]));
    }
    out
}

/// How strongly segment starts line up compared with segment ends (positive: flush left,
/// upright), and how far the ink sits above the middle (positive: top-heavy), for levelled
/// points.
fn upright_evidence(xs: &[f32], ys: &[f32], bin: f32) -> (f64, f64) {
    let segs = segments(xs, ys);
    // Share of pairs of segments on different lines whose edges fall within `bin`: chance
    // alignments count the same for starts and ends, a flush margin only for one.
    let aligned = |edge: &dyn Fn(&(usize, f32, f32)) -> f32| -> f64 {
        let (mut near, mut pairs) = (0u64, 0u64);
        for (i, s) in segs.iter().enumerate() {
            for t in &segs[i + 1..] {
                if t.0 != s.0 {
                    pairs += 1;
                    near += u64::from((edge(t) - edge(s)).abs() <= bin);
                }
            }
        }
        near as f64 / pairs.max(1) as f64
    };
    let starts = aligned(&|s| s.1);
    let ends = aligned(&|s| s.2);
    let (y_min, y_max) = ys.iter().fold((f32::MAX, f32::MIN), |(a, b), &y| (a.min(y), b.max(y)));
    let mean_y = ys.iter().map(|&y| f64::from(y)).sum::<f64>() / ys.len().max(1) as f64;
    let half = f64::from(y_max - y_min).max(1.0) / 2.0;
    let top_heavy = (f64::from(y_min) + half - mean_y) / half;
    (starts - ends, top_heavy)
}

/// Quarter turns (counter-clockwise) of the content, and the across/along profile ratio.
pub fn measure(page: &Page, points: &Points, dpi: f64, cfg: &PipelineConfig) -> Option<Measured> {
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
    let bin = (1.0 / 25.4 * dpi * page.small_scale) as f32;
    let (xs, ys) = levelled(points, base, deg);
    let (flush, top) = upright_evidence(&xs, &ys, bin.max(1.0));
    let evidence = flush * cfg.orientation_flush_weight + top;
    let turns = if evidence >= 0.0 { base } else { base + 2 };
    Some(Measured { turns, ratio, upright_margin: evidence.abs(), base })
}

/// What [`measure`] found.
pub struct Measured {
    /// Quarter turns (counter-clockwise) of the content.
    pub turns: u8,
    /// Across/along profile ratio: how clearly the lines run one way (0/180 against 90/270).
    pub ratio: f64,
    /// How clearly upright is told from upside down (flush starts, top-heavy ink).
    pub upright_margin: f64,
    /// The turn without the flip (0 or 1).
    pub base: u8,
}

/// `points` are the page's [`super::glyphs::points`].
pub fn check(page: &Page, points: &Points, dpi: f64, cfg: &PipelineConfig) -> Finding<Orientation> {
    let Some(Measured { turns, ratio, upright_margin, base }) = measure(page, points, dpi, cfg) else {
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
    if upright_margin < cfg.orientation_min_upright_margin {
        // Upside down or not is unclear: say so, and assume the likelier upright until the
        // number, read at one turn only, settles it. A confident wrong 180° turns the page
        // over in the viewer and sends the applicant to rescan a good page.
        let value = Orientation { degrees: Some(u16::from(base) * 90), confidence: round2(ratio) };
        return Finding::with(
            Status::Unknown,
            "orientation.unknown",
            "无法可靠判断页面是否倒置，请人工确认",
            value,
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Glyph points of a flush-left page: `lines` text lines 8 px tall, 16 px apart, each a
    /// run of 6-px glyphs with 2-px gaps starting at x = 0 and ending where the line ends.
    fn flush_left(ends: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for (i, &end) in ends.iter().enumerate() {
            let top = i as f32 * 16.0;
            let mut x0 = 0.0;
            while x0 + 6.0 <= end {
                for dx in 0..6 {
                    for dy in 0..8 {
                        xs.push(x0 + dx as f32);
                        ys.push(top + dy as f32);
                    }
                }
                x0 += 8.0;
            }
        }
        (xs, ys)
    }

    #[test]
    fn flush_left_lines_read_upright_and_turned_over_read_upside_down() {
        let ends = [300.0, 180.0, 260.0, 90.0, 230.0, 150.0, 280.0, 120.0];
        let (xs, ys) = flush_left(&ends);
        let (flush, _) = upright_evidence(&xs, &ys, 2.0);
        assert!(flush > 0.5, "starts line up, ends do not: {flush}");
        let turned: (Vec<f32>, Vec<f32>) = xs.iter().zip(&ys).map(|(x, y)| (-x, -y)).unzip();
        let (flush, _) = upright_evidence(&turned.0, &turned.1, 2.0);
        assert!(flush < -0.5, "turned over, the ends line up: {flush}");
    }

    #[test]
    fn a_wide_gap_splits_a_line_into_segments() {
        // One line of glyphs from 0 to 94, then after a gap of 50 px another from 150 to 198.
        let (mut xs, mut ys) = flush_left(&[100.0]);
        let (more_xs, more_ys) = flush_left(&[54.0]);
        xs.extend(more_xs.iter().map(|x| x + 150.0));
        ys.extend(more_ys);
        let segs = segments(&xs, &ys);
        assert_eq!(segs.len(), 2, "{segs:?}");
        assert_eq!((segs[0].1, segs[1].1), (0.0, 150.0));
    }
}
