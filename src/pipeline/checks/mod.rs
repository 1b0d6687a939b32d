//! One module per check. Each takes the shared [`super::page::Page`] and the configuration and
//! returns a [`super::report::Finding`]; none does I/O.

pub mod clarity;
pub mod colour;
pub mod exposure;
pub mod glyphs;
pub mod orientation;
pub mod printed_seal;
pub mod resolution;
pub mod seal;
pub mod seal_boxes;
pub mod seal_text;
pub mod skew;

use image::{GrayImage, ImageBuffer, Luma};
use imageproc::region_labelling::{Connectivity, connected_components};

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
    let labels = connected_components(joined, Connectivity::Eight, Luma([0u8]));
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
