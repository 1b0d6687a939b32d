//! One module per check. Each takes the shared [`super::page::Page`] and the configuration and
//! returns a [`super::report::Finding`]; none does I/O.

pub mod clarity;
pub mod colour;
pub mod exposure;
pub mod glyphs;
pub mod orientation;
pub mod page_frame;
pub mod printed_seal;
pub mod resolution;
pub mod seal;
pub mod seal_boxes;
pub mod seal_split;
pub mod seal_text;
pub mod skew;

use image::{GrayImage, ImageBuffer, Luma};
use multiversion::multiversion;

/// Component labels per pixel (0 = background).
pub(crate) type Labels = ImageBuffer<Luma<u32>, Vec<u32>>;

/// One connected component: its label and inclusive pixel bounds.
pub(crate) struct Component {
    pub label: u32,
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

/// 8-connected components of the set pixels of `joined`, each bounded by its pixels for which
/// `counts` holds (so a closing that joins parts does not widen the bounds); components with
/// no such pixel are left out.
pub(crate) fn components(joined: &GrayImage, counts: impl Fn(u32, u32) -> bool) -> (Labels, Vec<Component>) {
    let labels = label_eight_connected(joined);
    let mut all: Vec<Component> = Vec::new();
    for (x, y, l) in labels.enumerate_pixels() {
        let label = l[0];
        if label == 0 || !counts(x, y) {
            continue;
        }
        if all.len() < label as usize {
            all.resize_with(label as usize, || Component {
                label: 0,
                x0: u32::MAX,
                y0: u32::MAX,
                x1: 0,
                y1: 0,
            });
        }
        let c = &mut all[label as usize - 1];
        c.label = label;
        (c.x0, c.y0, c.x1, c.y1) = (c.x0.min(x), c.y0.min(y), c.x1.max(x), c.y1.max(y));
    }
    all.retain(|c| c.label > 0);
    (labels, all)
}

/// Labels of the 8-connected components of the set pixels, 1, 2, … in the raster order of
/// their first pixel (0 = background): the labelling imageproc's `connected_components` gives,
/// found on runs of set pixels instead of single pixels. A run is united with every run of the
/// row above that touches it, diagonals included; a page has hundreds of times fewer runs than
/// pixels, so the union-find is small and the image is read and written once each.
pub(crate) fn label_eight_connected(img: &GrayImage) -> Labels {
    let (w, h) = (img.width() as usize, img.height() as usize);
    // Runs as (row, first x, last x), row by row; `parent` is their union-find forest.
    let mut runs: Vec<(u32, u32, u32)> = Vec::new();
    let mut parent: Vec<u32> = Vec::new();
    let root = |parent: &mut Vec<u32>, mut i: u32| {
        while parent[i as usize] != i {
            let up = parent[parent[i as usize] as usize];
            parent[i as usize] = up;
            i = up;
        }
        i
    };
    let mut above = 0..0;
    for (y, row) in img.as_raw().chunks_exact(w.max(1)).enumerate() {
        let start = runs.len();
        let mut x = 0;
        while x < w {
            if row[x] == 0 {
                x += 1;
                continue;
            }
            let first = x;
            while x < w && row[x] != 0 {
                x += 1;
            }
            let (first, last) = (first as u32, x as u32 - 1);
            let id = runs.len() as u32;
            runs.push((y as u32, first, last));
            parent.push(id);
            // Runs of the row above that touch this one, diagonals included.
            for j in above.clone() {
                let (_, a0, a1) = runs[j];
                if a0 <= last + 1 && a1 + 1 >= first {
                    let (ra, rb) = (root(&mut parent, j as u32), root(&mut parent, id));
                    // The older run's root wins, so a component's root is its first run.
                    let (keep, join) = if ra < rb { (ra, rb) } else { (rb, ra) };
                    parent[join as usize] = keep;
                }
            }
        }
        above = start..runs.len();
    }
    let mut labels = Labels::new(w as u32, h as u32);
    let mut number = vec![0u32; runs.len()];
    let mut next = 0;
    for (i, &(y, first, last)) in runs.iter().enumerate() {
        let r = root(&mut parent, i as u32) as usize;
        if number[r] == 0 {
            next += 1;
            number[r] = next;
        }
        let at = y as usize * w;
        labels.as_mut()[at + first as usize..=at + last as usize].fill(number[r]);
    }
    labels
}

/// The `q`-quantile (0–1) of a 256-bin histogram.
pub(crate) fn hist_quantile(hist: &[u32; 256], q: f64) -> u8 {
    let total: u64 = hist.iter().map(|&c| u64::from(c)).sum();
    let target = (total as f64 * q).ceil() as u64;
    let mut acc = 0u64;
    for (v, &c) in hist.iter().enumerate() {
        acc += u64::from(c);
        if acc >= target.max(1) {
            return v as u8;
        }
    }
    255
}

/// The brightest value within `r` pixels (a square window), rows then columns. On a mask,
/// a dilation by a (2r + 1)-pixel square.
#[multiversion(targets("x86_64+avx2"))]
pub(crate) fn max_filter(img: &GrayImage, r: u32) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let r = r as usize;
    // Along the rows by whole shifted rows too (one vector max per shift), window clipped at
    // the ends.
    let mut across = img.as_raw().clone();
    for (src, dst) in img.as_raw().chunks_exact(w.max(1)).zip(across.chunks_exact_mut(w.max(1))) {
        for k in 1..=r.min(w.saturating_sub(1)) {
            dst[..w - k].iter_mut().zip(&src[k..]).for_each(|(d, &s)| *d = (*d).max(s));
            dst[k..].iter_mut().zip(src).for_each(|(d, &s)| *d = (*d).max(s));
        }
    }
    // Down the columns a whole row at a time, so the inner loop runs along memory.
    let mut out = vec![0u8; w * h];
    for (y, dst) in out.chunks_exact_mut(w.max(1)).enumerate() {
        for row in across.chunks_exact(w.max(1)).take((y + r).min(h - 1) + 1).skip(y.saturating_sub(r)) {
            dst.iter_mut().zip(row).for_each(|(d, &s)| *d = (*d).max(s));
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).unwrap_or_else(|| GrayImage::new(w as u32, h as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn run_labels_are_imageproc_labels() {
        use imageproc::region_labelling::{Connectivity, connected_components};
        let mut seed = 12345u32;
        for density in [10, 40, 55, 70] {
            let img = GrayImage::from_fn(61, 47, |_, _| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                Luma([if (seed >> 16) % 100 < density { 255 } else { 0 }])
            });
            let want = connected_components(&img, Connectivity::Eight, Luma([0u8]));
            assert_eq!(label_eight_connected(&img).as_raw(), want.as_raw(), "density {density}");
        }
    }

    #[test]
    fn max_filter_is_the_maximum_over_the_clipped_window() {
        let img = GrayImage::from_fn(23, 17, |x, y| Luma([((x * 37 + y * 91 + x * y * 13) % 251) as u8]));
        for r in [0, 1, 2, 5, 30] {
            let m = max_filter(&img, r);
            for (x, y, v) in m.enumerate_pixels() {
                let (x0, y0) = (x.saturating_sub(r), y.saturating_sub(r));
                let (x1, y1) = ((x + r).min(22), (y + r).min(16));
                let want = (y0..=y1).flat_map(|y| (x0..=x1).map(move |x| (x, y)));
                let want = want.map(|(x, y)| img.get_pixel(x, y)[0]).max();
                assert_eq!(Some(v[0]), want, "r {r} at {x},{y}");
            }
        }
    }

    #[test]
    fn max_filter_spreads_the_brightest_pixel_over_its_window() {
        let mut img = GrayImage::from_pixel(9, 7, Luma([10]));
        img.put_pixel(4, 3, Luma([200]));
        let m = max_filter(&img, 2);
        assert_eq!(m.get_pixel(2, 1)[0], 200);
        assert_eq!(m.get_pixel(6, 5)[0], 200);
        assert_eq!(m.get_pixel(1, 3)[0], 10);
        assert_eq!(m.get_pixel(4, 0)[0], 10);
    }
}
