//! Two round imprints that overlap (a company seal stamped over the registration authority's
//! on a licence copy, or a seal stamped twice) join into one red group. A group too large for
//! one seal is searched for the rings in it: a circle Hough transform over its red cells at the
//! radii round seals come in, each candidate then scored by how much of its circumference is
//! seal ink.

use image::GrayImage;

use super::{Component, Labels};

/// A ring found in a group, in red-map cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ring {
    pub cx: f64,
    pub cy: f64,
    pub r: f64,
    /// Share of the circumference on the group's ink (0–1).
    pub support: f64,
}

/// Directions each red cell votes along.
const VOTES: usize = 48;
/// Points along a candidate circle where its support is measured.
const SUPPORT_POINTS: usize = 96;
/// Candidates kept per radius.
const PER_RADIUS: usize = 3;

/// The rings of radius `radii` (cells) in group `g` with at least `min_support` of their
/// circumference on its ink, strongest first, no two centred within half a radius of each
/// other. One ring means one seal.
pub(crate) fn rings(
    labels: &Labels,
    mask: &GrayImage,
    g: &Component,
    radii: (u32, u32),
    min_support: f64,
) -> Vec<Ring> {
    let (x0, y0) = (i64::from(g.x0), i64::from(g.y0));
    let (w, h) = (i64::from(g.x1 - g.x0 + 1), i64::from(g.y1 - g.y0 + 1));
    let member = |x: i64, y: i64| {
        x >= 0
            && y >= 0
            && x < i64::from(mask.width())
            && y < i64::from(mask.height())
            && mask.get_pixel(x as u32, y as u32)[0] > 0
            && labels.get_pixel(x as u32, y as u32)[0] == g.label
    };
    let cells: Vec<(i64, i64)> =
        (y0..y0 + h).flat_map(|y| (x0..x0 + w).map(move |x| (x, y))).filter(|&(x, y)| member(x, y)).collect();
    let dirs: Vec<(f64, f64)> =
        (0..VOTES).map(|k| (k as f64 * std::f64::consts::TAU / VOTES as f64).sin_cos()).collect();
    let mut candidates = Vec::new();
    let mut acc = vec![0u32; (w * h) as usize];
    for r in radii.0..=radii.1 {
        acc.iter_mut().for_each(|v| *v = 0);
        let rf = f64::from(r);
        for &(x, y) in &cells {
            for &(s, c) in &dirs {
                let (cx, cy) =
                    ((x as f64 - rf * c).round() as i64 - x0, (y as f64 - rf * s).round() as i64 - y0);
                if (0..w).contains(&cx) && (0..h).contains(&cy) {
                    acc[(cy * w + cx) as usize] += 1;
                }
            }
        }
        // The strongest centres at this radius, each at least half a radius from the others.
        let mut order: Vec<usize> = (0..acc.len()).filter(|&i| acc[i] > 0).collect();
        order.sort_unstable_by_key(|&i| std::cmp::Reverse(acc[i]));
        let mut kept: Vec<(f64, f64)> = Vec::new();
        for i in order {
            let (cx, cy) = ((i as i64 % w + x0) as f64, (i as i64 / w + y0) as f64);
            if kept.iter().all(|&(kx, ky)| (kx - cx).hypot(ky - cy) >= rf / 2.0) {
                kept.push((cx, cy));
                if kept.len() == PER_RADIUS {
                    break;
                }
            }
        }
        candidates.extend(kept.into_iter().map(|(cx, cy)| Ring { cx, cy, r: rf, support: 0.0 }));
    }
    // Each candidate scored on the ink itself: a point counts when ink lies within a cell of it.
    for ring in &mut candidates {
        let hits = (0..SUPPORT_POINTS)
            .filter(|&k| {
                let (s, c) = (k as f64 * std::f64::consts::TAU / SUPPORT_POINTS as f64).sin_cos();
                let (px, py) = (ring.cx + ring.r * c, ring.cy + ring.r * s);
                (-1..=1).any(|dy| (-1..=1).any(|dx| member(px.round() as i64 + dx, py.round() as i64 + dy)))
            })
            .count();
        ring.support = hits as f64 / SUPPORT_POINTS as f64;
    }
    // Strongest first (the larger radius on a tie: a ring's inner edge also scores).
    candidates.sort_by(|a, b| b.support.total_cmp(&a.support).then(b.r.total_cmp(&a.r)));
    let mut found: Vec<Ring> = Vec::new();
    for c in candidates.into_iter().filter(|c| c.support >= min_support) {
        if found.iter().all(|f| (f.cx - c.cx).hypot(f.cy - c.cy) >= f.r.max(c.r) / 2.0) {
            found.push(c);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::super::{components, max_filter};
    use super::*;
    use image::Luma;

    /// Rings 3 cells wide of radius `r` at each centre, on a mask of `w` × `h` cells.
    fn mask_of(w: u32, h: u32, rings: &[(f64, f64, f64)]) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            let on = rings.iter().any(|&(cx, cy, r)| {
                let d = (f64::from(x) - cx).hypot(f64::from(y) - cy);
                d <= r && d >= r - 3.0
            });
            Luma([if on { 255 } else { 0 }])
        })
    }

    fn groups(mask: &GrayImage) -> (Labels, Vec<Component>) {
        components(&max_filter(mask, 2), |x, y| mask.get_pixel(x, y)[0] > 0)
    }

    #[test]
    fn two_overlapping_rings_are_told_apart_and_one_ring_is_one() {
        let two = mask_of(200, 200, &[(80.0, 90.0, 40.0), (112.0, 110.0, 42.0)]);
        let (labels, gs) = groups(&two);
        assert_eq!(gs.len(), 1, "the two rings are one group");
        let found = rings(&labels, &two, &gs[0], (28, 46), 0.6);
        assert_eq!(found.len(), 2, "{found:?}");
        let near = |cx: f64, cy: f64, r: f64| {
            found
                .iter()
                .any(|f| (f.cx - cx).abs() <= 2.0 && (f.cy - cy).abs() <= 2.0 && (f.r - r).abs() <= 3.0)
        };
        assert!(near(80.0, 90.0, 40.0) && near(112.0, 110.0, 42.0), "{found:?}");

        let one = mask_of(200, 200, &[(100.0, 100.0, 40.0)]);
        let (labels, gs) = groups(&one);
        assert_eq!(rings(&labels, &one, &gs[0], (28, 46), 0.6).len(), 1);
    }
}
