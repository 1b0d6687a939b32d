//! The sheet's four corners from its outline: the hull cut to its largest quadrilateral, each
//! side refitted to the sheet's own edge pixels, the corners where the fitted lines meet, and
//! their order round the sheet.

use imageproc::point::Point;

use super::find::Quad;

/// The four hull points that span the largest quadrilateral (the hull of a sheet in a photo
/// is its four corners, rounded off where the threshold nibbled them).
pub fn quadrilateral(hull: &[Point<i32>]) -> Option<[[f64; 2]; 4]> {
    // Thin the hull to at most 64 points: the best quadrilateral is found in O(n²) per start.
    let step = hull.len().div_ceil(64).max(1);
    let p: Vec<[f64; 2]> = hull.iter().step_by(step).map(|q| [f64::from(q.x), f64::from(q.y)]).collect();
    let n = p.len();
    if n < 4 {
        return None;
    }
    let tri = |a: usize, b: usize, c: usize| {
        ((p[b][0] - p[a][0]) * (p[c][1] - p[a][1]) - (p[c][0] - p[a][0]) * (p[b][1] - p[a][1])).abs() / 2.0
    };
    let mut best = (0.0, [0usize; 4]);
    for a in 0..n {
        for c in a + 2..n {
            // The best b between a and c and the best d beyond c, each on its own.
            let b = (a + 1..c).max_by(|&i, &j| tri(a, i, c).total_cmp(&tri(a, j, c)))?;
            let Some(d) =
                (c + 1..n + a).map(|i| i % n).max_by(|&i, &j| tri(a, c, i).total_cmp(&tri(a, c, j)))
            else {
                continue;
            };
            let area = tri(a, b, c) + tri(a, c, d);
            if area > best.0 {
                best = (area, [a, b, c, d]);
            }
        }
    }
    (best.0 > 0.0).then(|| best.1.map(|i| p[i]))
}

/// Each side of `quad` refitted to the edge pixels near its middle (kept as it is where too
/// few lie there: a side along the image's border).
pub fn fit_sides(quad: &Quad, edge: &[Point<i32>]) -> Quad {
    let mut lines = [[0.0f64; 3]; 4];
    for i in 0..4 {
        let (a, b) = (quad[i], quad[(i + 1) % 4]);
        let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt().max(1.0);
        let (ux, uy) = ((b[0] - a[0]) / len, (b[1] - a[1]) / len);
        let band = (len * 0.02).max(3.0);
        let near: Vec<[f64; 2]> = edge
            .iter()
            .map(|p| [f64::from(p.x), f64::from(p.y)])
            .filter(|p| {
                let (dx, dy) = (p[0] - a[0], p[1] - a[1]);
                let along = dx * ux + dy * uy;
                let across = (dx * uy - dy * ux).abs();
                across <= band && along >= 0.15 * len && along <= 0.85 * len
            })
            .collect();
        lines[i] = Some(near)
            .filter(|near| near.len() as f64 >= 0.3 * 0.7 * len)
            .and_then(|near| fit_line(&near))
            .unwrap_or_else(|| line_through(a, b));
    }
    let mut out = *quad;
    for (i, corner) in out.iter_mut().enumerate() {
        if let Some(p) = meet(lines[(i + 3) % 4], lines[i]) {
            *corner = p;
        }
    }
    out
}

/// A line through points, refitted once without those more than two pixels off the first fit
/// (the notches a hand or a fold leaves in an edge).
fn fit_line(p: &[[f64; 2]]) -> Option<[f64; 3]> {
    let l = fit_line_once(p)?;
    let kept: Vec<[f64; 2]> =
        p.iter().copied().filter(|q| (l[0] * q[0] + l[1] * q[1] - l[2]).abs() <= 2.0).collect();
    if kept.len() * 2 >= p.len() { fit_line_once(&kept) } else { Some(l) }
}

/// Total-least-squares line `ax + by = c` through points.
fn fit_line_once(p: &[[f64; 2]]) -> Option<[f64; 3]> {
    let n = p.len() as f64;
    let (mx, my) = (p.iter().map(|q| q[0]).sum::<f64>() / n, p.iter().map(|q| q[1]).sum::<f64>() / n);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for q in p {
        let (dx, dy) = (q[0] - mx, q[1] - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    // The line's direction is the covariance's main axis; its normal is across it.
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let (a, b) = (-theta.sin(), theta.cos());
    (n >= 2.0).then_some([a, b, a * mx + b * my])
}

fn line_through(p: [f64; 2], q: [f64; 2]) -> [f64; 3] {
    let (a, b) = (q[1] - p[1], p[0] - q[0]);
    let norm = (a * a + b * b).sqrt().max(f64::EPSILON);
    let (a, b) = (a / norm, b / norm);
    [a, b, a * p[0] + b * p[1]]
}

fn meet(l: [f64; 3], m: [f64; 3]) -> Option<[f64; 2]> {
    let det = l[0] * m[1] - l[1] * m[0];
    (det.abs() > 1e-9).then(|| [(l[2] * m[1] - l[1] * m[2]) / det, (l[0] * m[2] - l[2] * m[0]) / det])
}

pub fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Clockwise in the image (y down), from the top-left of the sheet as it lies: its top is a
/// short side, the one nearer the photo's top (or its left when the sheet lies across).
pub fn order(q: Quad) -> Quad {
    // Clockwise in image coordinates means a positive shoelace sum.
    let shoelace: f64 = (0..4).map(|i| q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1]).sum();
    let q = if shoelace < 0.0 { [q[0], q[3], q[2], q[1]] } else { q };
    let mid = |i: usize| [(q[i][0] + q[(i + 1) % 4][0]) / 2.0, (q[i][1] + q[(i + 1) % 4][1]) / 2.0];
    let short_first = dist(q[0], q[1]) + dist(q[2], q[3]) <= dist(q[1], q[2]) + dist(q[3], q[0]);
    // The two short sides start at corner s and s + 2.
    let s = usize::from(!short_first);
    let (m0, m2) = (mid(s), mid(s + 2));
    let lies_across = (m0[0] - m2[0]).abs() > (m0[1] - m2[1]).abs();
    let first = if lies_across { m0[0] <= m2[0] } else { m0[1] <= m2[1] };
    let start = if first { s } else { s + 2 };
    [q[start % 4], q[(start + 1) % 4], q[(start + 2) % 4], q[(start + 3) % 4]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_are_ordered_clockwise_from_the_top_of_the_sheet() {
        // A portrait sheet, corners given anticlockwise from the bottom-right.
        let q = [[110.0, 300.0], [120.0, 10.0], [10.0, 20.0], [0.0, 310.0]];
        assert_eq!(order(q), [[10.0, 20.0], [120.0, 10.0], [110.0, 300.0], [0.0, 310.0]]);
        // Lying across the photo: the left short side is the top.
        let q = [[10.0, 10.0], [300.0, 10.0], [300.0, 220.0], [10.0, 220.0]];
        assert_eq!(order(q), [[10.0, 220.0], [10.0, 10.0], [300.0, 10.0], [300.0, 220.0]]);
    }

    #[test]
    fn the_largest_quadrilateral_of_a_rounded_hull_is_its_corners() {
        let mut hull = Vec::new();
        for (x, y) in [(2, 0), (98, 0), (100, 2), (100, 138), (98, 140), (2, 140), (0, 138), (0, 2)] {
            hull.push(Point::new(x, y));
        }
        let q = quadrilateral(&hull).expect("a quadrilateral");
        // Each chosen point lies at a rounded corner, within its rounding of the true corner.
        for [cx, cy] in [[0.0, 0.0], [100.0, 0.0], [100.0, 140.0], [0.0, 140.0]] {
            let near = q.iter().any(|p| (p[0] - cx).abs() + (p[1] - cy).abs() <= 2.0);
            assert!(near, "{q:?} misses the corner at {cx},{cy}");
        }
    }

    #[test]
    fn a_fitted_line_passes_through_its_points() {
        let pts: Vec<[f64; 2]> = (0..50).map(|i| [f64::from(i), 2.0 * f64::from(i) + 3.0]).collect();
        let l = fit_line(&pts).expect("a line");
        for p in &pts {
            assert!((l[0] * p[0] + l[1] * p[1] - l[2]).abs() < 1e-6);
        }
        assert_eq!(
            meet(line_through([0.0, 0.0], [1.0, 1.0]), line_through([0.0, 2.0], [2.0, 0.0])),
            Some([1.0, 1.0])
        );
    }
}
