//! The company name on a licence copy against the name the applicant typed: a similarity for
//! the reviewer, never a hard match (Chinese OCR is not exact enough to reject on).
//!
//! No page-wide Chinese OCR: the credit code, already found and read, anchors the search. The
//! text lines in a band below it (the licence's fields) are found by their ink rows, and only
//! a few, nearest first, are read as single lines with the Chinese engine until one is close
//! enough to the typed name.

use image::GrayImage;
use serde::Serialize;

use super::frame::Frame;
use crate::ocr::{Charset, LineReader, OcrError};
use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::Page;
use crate::pipeline::report::{BBox, Finding, Status};

#[derive(Debug, Clone, Serialize)]
pub struct CompanyName {
    pub expected: String,
    /// The closest line read, label removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<String>,
    /// 1 − edit distance / longer length, over characters (1 = identical).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<BBox>,
    pub lines_read: usize,
    pub ocr_ms: f64,
}

/// Where the credit code was read: a rectangle of the levelled page (scan pixels) and its
/// text height.
pub struct Anchor {
    pub rect: (f64, f64, f64, f64),
    pub text_h: f64,
}

/// Labels a licence puts before the name, removed from a reading before comparing.
const LABELS: [&str; 4] = ["企业名称", "单位名称", "名称", "称"];

/// Similarity of two strings by characters: 1 − Levenshtein distance / longer length.
pub fn similarity(a: &str, b: &str) -> f64 {
    strsim::normalized_levenshtein(a, b)
}

/// A reading cleaned for comparison: no spaces or punctuation, the field label dropped.
fn clean(raw: &str) -> String {
    let mut s: String = raw.chars().filter(|c| !c.is_whitespace() && !"：:;；,，.。|".contains(*c)).collect();
    for label in LABELS {
        if let Some(rest) = s.strip_prefix(label) {
            s = rest.to_string();
            break;
        }
    }
    s
}

/// Compares the name on a licence copy of `dpi`, seen through `frame`, with `expected`.
pub fn check(
    page: &Page,
    frame: &Frame,
    dpi: f64,
    anchor: Option<Anchor>,
    expected: &str,
    reader: &mut dyn LineReader,
    cfg: &PipelineConfig,
) -> Result<Finding<CompanyName>, OcrError> {
    let started = std::time::Instant::now();
    let expected = expected.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let mut value =
        CompanyName { expected, read: None, similarity: None, bbox: None, lines_read: 0, ocr_ms: 0.0 };
    let Some(anchor) = anchor else {
        return Ok(unknown(value));
    };
    let h = anchor.text_h;
    let margin = 0.04 * frame.upright_w;
    let band = (margin, anchor.rect.3, frame.upright_w - margin, anchor.rect.3 + cfg.name_search_heights * h);
    let scale = (f64::from(cfg.number_search_dpi) / dpi).min(1.0);
    let small = frame.sample(&page.rgb, band, scale);
    for (y0, y1, x0, x1) in
        text_lines(&small, page.ink_threshold, h * scale).into_iter().take(cfg.name_max_lines)
    {
        let pad = 0.4 * h;
        let rect = (
            band.0 + f64::from(x0) / scale - pad,
            band.1 + f64::from(y0) / scale - pad,
            band.0 + f64::from(x1) / scale + pad,
            band.1 + f64::from(y1) / scale + pad,
        );
        let line_h = f64::from(y1 - y0) / scale;
        let s = cfg.name_line_px / line_h;
        let crop = frame.sample(&page.rgb, rect, s);
        value.lines_read += 1;
        let read = clean(&reader.read_line(&crop, (dpi * s).round() as u32, Charset::Chinese)?);
        if read.is_empty() {
            continue;
        }
        let sim = similarity(&read, &value.expected);
        if value.similarity.is_none_or(|best| sim > best) {
            value.similarity = Some((sim * 1000.0).round() / 1000.0);
            value.read = Some(read);
            value.bbox = Some(frame.scan_bbox(rect));
        }
        if sim >= cfg.name_pass_similarity {
            break;
        }
    }
    value.ocr_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    Ok(match value.similarity {
        None => unknown(value),
        Some(s) if s >= cfg.name_pass_similarity => Finding::pass(value),
        Some(_) => {
            let msg = format!(
                "营业执照上的单位名称（识别为“{}”）与填写的“{}”可能不一致，请核对",
                value.read.as_deref().unwrap_or(""),
                value.expected
            );
            Finding::with(Status::Warn, "company_name.differs", msg, value)
        }
    })
}

fn unknown(value: CompanyName) -> Finding<CompanyName> {
    Finding::with(
        Status::Unknown,
        "company_name.unreadable",
        "未能识别营业执照上的单位名称，请人工核对",
        value,
    )
}

/// Text lines of a band, top to bottom: `(y0, y1, x0, x1)` in the band's pixels, kept when
/// about as tall as `text_h` (the credit code's text height) allows for Chinese.
fn text_lines(band: &GrayImage, threshold: u8, text_h: f64) -> Vec<(u32, u32, u32, u32)> {
    let (w, h) = band.dimensions();
    let ink = |x: u32, y: u32| band.get_pixel(x, y)[0] < threshold;
    let min_ink = (w / 500).max(2);
    let row_has_ink: Vec<bool> =
        (0..h).map(|y| (0..w).filter(|&x| ink(x, y)).count() as u32 >= min_ink).collect();
    let mut out = Vec::new();
    let mut y = 0;
    while y < h {
        if !row_has_ink[y as usize] {
            y += 1;
            continue;
        }
        let start = y;
        while y < h && row_has_ink[y as usize] {
            y += 1;
        }
        let lh = f64::from(y - start);
        if lh >= 0.7 * text_h && lh <= 2.5 * text_h {
            let cols: Vec<u32> = (0..w).filter(|&x| (start..y).any(|r| ink(x, r))).collect();
            if let (Some(&x0), Some(&x1)) = (cols.first(), cols.last()) {
                out.push((start, y, x0, x1 + 1));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_spaces_are_dropped_before_comparing() {
        assert_eq!(clean("名 称  重庆山城建设工程有限公司"), "重庆山城建设工程有限公司");
        assert_eq!(similarity("重庆山城建设工程有限公司", "重庆山城建设工程有限公司"), 1.0);
        let one_off = similarity("重庆山城建筑工程有限公司", "重庆山城建设工程有限公司");
        assert!((one_off - 11.0 / 12.0).abs() < 1e-9, "{one_off}");
    }
}
