//! One module per check. Each takes the shared [`super::page::Page`] and the configuration and
//! returns a [`super::report::Finding`]; none does I/O.

pub mod clarity;
pub mod colour;
pub mod exposure;
pub mod orientation;
pub mod resolution;
pub mod seal;
pub mod seal_boxes;
pub mod skew;

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
