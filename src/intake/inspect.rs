//! What intake looks at before it accepts an upload: is it an image we can check at all (the
//! pipeline's own decoder and limits), and is it the very scan that was sent back? Pure and
//! synchronous, like the pipeline: bytes in, facts out.
//!
//! "The same scan" is decided on a signature of the upright page scaled to a fixed width: per
//! cell of a grid, the mean of each colour channel and the mean luma gradient. Colour catches a
//! seal that moved or was added; the gradient catches a re-take that is sharper than the blurred
//! original (a blur hardly changes mean colours). A recompressed or rescaled copy of the same file
//! changes neither by much.

use crate::pipeline::PipelineConfig;
use crate::pipeline::decode::{DecodeError, decode};
use crate::pipeline::page::luma_of;

/// Width the page is scaled to before the signature is taken, and the signature's cell size.
const SIG_WIDTH: u32 = 512;
const CELL: u32 = 16;

#[derive(Debug, Clone)]
pub struct Inspected {
    pub width: u32,
    pub height: u32,
    pub media_type: &'static str,
    /// 64-bit difference hash of the upright page (stored, for a quick first comparison).
    pub dhash: u64,
    pub signature: Signature,
}

/// Per grid cell: mean R, G, B (0–255) and mean absolute luma gradient.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    cols: u32,
    rows: u32,
    cells: Vec<[f32; 4]>,
}

/// How close two signatures must be to count as one scan.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    /// Mean over cells of the largest channel difference, in levels.
    pub mean_colour: f32,
    /// The largest difference of any cell, in levels: a seal moved by a few millimetres shows
    /// here (about 40 levels), a recompressed copy stays near 2.
    pub max_colour: f32,
    /// Mean relative gradient difference: a sharper re-take shows here.
    pub mean_gradient: f32,
}

impl Default for Tolerance {
    fn default() -> Self {
        Self { mean_colour: 3.0, max_colour: 8.0, mean_gradient: 0.12 }
    }
}

/// Decodes `bytes` with the pipeline's limits and takes the page's fingerprints.
pub fn inspect(bytes: &[u8], cfg: &PipelineConfig) -> Result<Inspected, DecodeError> {
    let decoded = decode(bytes, cfg).map_err(|(e, _)| e)?;
    let (width, height) = decoded.rgb.dimensions();
    let media_type = decoded.info.media_type.unwrap_or("application/octet-stream");
    let h = ((u64::from(height) * u64::from(SIG_WIDTH)) / u64::from(width.max(1))).clamp(CELL as u64, 8192)
        as u32;
    let small = image::imageops::resize(&decoded.rgb, SIG_WIDTH, h, image::imageops::FilterType::Triangle);
    drop(decoded);
    Ok(Inspected { width, height, media_type, dhash: dhash(&small), signature: signature(&small) })
}

fn dhash(img: &image::RgbImage) -> u64 {
    let g = image::imageops::resize(img, 9, 8, image::imageops::FilterType::Triangle);
    let mut bits = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            let (a, b) = (luma_of(g.get_pixel(x, y).0), luma_of(g.get_pixel(x + 1, y).0));
            bits = (bits << 1) | u64::from(a < b);
        }
    }
    bits
}

fn signature(img: &image::RgbImage) -> Signature {
    let (w, h) = img.dimensions();
    let (cols, rows) = (w / CELL, h / CELL);
    let mut cells = vec![[0f32; 4]; (cols * rows) as usize];
    let luma = |x: u32, y: u32| f32::from(luma_of(img.get_pixel(x, y).0));
    for y in 0..rows * CELL {
        for x in 0..cols * CELL {
            let p = img.get_pixel(x, y).0;
            let gx = if x + 1 < w { (luma(x + 1, y) - luma(x, y)).abs() } else { 0.0 };
            let gy = if y + 1 < h { (luma(x, y + 1) - luma(x, y)).abs() } else { 0.0 };
            let c = &mut cells[((y / CELL) * cols + x / CELL) as usize];
            c[0] += f32::from(p[0]);
            c[1] += f32::from(p[1]);
            c[2] += f32::from(p[2]);
            c[3] += gx + gy;
        }
    }
    let n = (CELL * CELL) as f32;
    for c in &mut cells {
        for v in c.iter_mut() {
            *v /= n;
        }
    }
    Signature { cols, rows, cells }
}

/// Bits in which two difference hashes differ.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The figures [`near_identical`] compares, for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub mean_colour: f32,
    pub max_colour: f32,
    pub mean_gradient: f32,
}

/// How far apart two signatures are; `None` when their grids differ (another page shape).
pub fn difference(a: &Signature, b: &Signature) -> Option<Difference> {
    if a.cols != b.cols || a.rows.abs_diff(b.rows) > 1 || a.cells.is_empty() {
        return None;
    }
    let n = a.cells.len().min(b.cells.len());
    let mut colour: Vec<f32> = Vec::with_capacity(n);
    let mut gradient = 0f32;
    for (x, y) in a.cells[..n].iter().zip(&b.cells[..n]) {
        colour.push((0..3).map(|i| (x[i] - y[i]).abs()).fold(0.0, f32::max));
        gradient += (x[3] - y[3]).abs() / x[3].max(y[3]).max(2.0);
    }
    let mean_colour = colour.iter().sum::<f32>() / n as f32;
    let max_colour = colour.iter().copied().fold(0.0, f32::max);
    Some(Difference { mean_colour, max_colour, mean_gradient: gradient / n as f32 })
}

/// The two signatures are of one scan (the same file, recompressed or rescaled at most).
pub fn near_identical(a: &Signature, b: &Signature, t: &Tolerance) -> bool {
    difference(a, b).is_some_and(|d| {
        d.mean_colour <= t.mean_colour && d.max_colour <= t.max_colour && d.mean_gradient <= t.mean_gradient
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fonts;
    use crate::fixtures::documents::{Imprint, licence_copy, seal_sample};
    use crate::pipeline::report::SealShape;

    fn sig(bytes: &[u8]) -> Inspected {
        inspect(bytes, &PipelineConfig::default()).unwrap()
    }

    #[test]
    fn a_recompressed_or_rescaled_copy_is_the_same_scan_and_a_retake_is_not() {
        let fonts = Fonts::system().unwrap();
        let t = Tolerance::default();
        let (page, mut truth) =
            licence_copy(&fonts, 200, ("91500000MA5U000000", "重庆测试有限公司"), true, 7);
        let blurred = crate::fixtures::degrade::blur(&page, 0.4, &mut truth);
        let original = sig(&crate::fixtures::degrade::jpeg(&blurred, 88));
        let recompressed = sig(&crate::fixtures::degrade::jpeg(&blurred, 60));
        let small = image::imageops::resize(&blurred, 1400, 1980, image::imageops::FilterType::Triangle);
        let rescaled = sig(&crate::fixtures::degrade::jpeg(&small, 80));
        let sharp = sig(&crate::fixtures::degrade::jpeg(&page, 88));
        let d = |a: &Inspected, b: &Inspected| difference(&a.signature, &b.signature);
        assert!(
            near_identical(&original.signature, &recompressed.signature, &t),
            "{:?}",
            d(&original, &recompressed)
        );
        assert!(
            near_identical(&original.signature, &rescaled.signature, &t),
            "{:?}",
            d(&original, &rescaled)
        );
        assert!(hamming(original.dhash, recompressed.dhash) <= 4);
        // The sharp re-take of the blurred licence is a new scan, though its colours hardly differ.
        assert!(!near_identical(&original.signature, &sharp.signature, &t), "{:?}", d(&original, &sharp));

        // A seal-sample form re-stamped with the second imprint moved into its box.
        let touching =
            seal_sample(&fonts, 200, SealShape::Round, [Imprint::Centred, Imprint::Offset(14.0, 0.0)], 3).0;
        let fixed = seal_sample(&fonts, 200, SealShape::Round, [Imprint::Centred, Imprint::Centred], 3).0;
        let a = sig(&crate::fixtures::degrade::jpeg(&touching, 88));
        let b = sig(&crate::fixtures::degrade::jpeg(&fixed, 88));
        assert!(
            !near_identical(&a.signature, &b.signature, &t),
            "{:?}",
            difference(&a.signature, &b.signature)
        );
    }

    #[test]
    fn what_is_not_an_image_is_refused_with_the_pipelines_reason() {
        let cfg = PipelineConfig::default();
        assert_eq!(inspect(b"", &cfg).unwrap_err(), DecodeError::Empty);
        assert_eq!(inspect(b"%PDF-1.7\n...", &cfg).unwrap_err(), DecodeError::Pdf);
    }
}
