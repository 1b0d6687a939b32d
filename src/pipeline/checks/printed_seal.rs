//! The registration authority's seal printed on a business licence is red and round like the
//! company's, and a colour copy of an unstamped licence still shows it. This sets it aside so
//! that only the applicant's imprint counts.
//!
//! With an OCR engine, each round seal's arc text is read ([`super::seal_text`]): a seal
//! naming an authority (…市场监督管理局, …工商行政管理局) is printed. Without a reading, the seal
//! where the licence prints its authority's (the lower right of the upright page) is taken for
//! it, and the seal check says it could not confirm the company's imprint.

use super::seal_text::{Lie, company_likeness, contains_like};
use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::Page;
use crate::pipeline::report::{PrintedBy, PrintedSeal, SealFound};

/// How registration authorities' names end on their seals.
const AUTHORITY_NAMES: [&str; 4] = ["市场监督管理局", "工商行政管理局", "市场和质量监督管理局", "行政审批局"];

/// How much a seal's text reads like a registration authority's name (0–1).
pub fn authority_likeness(text: &str) -> f64 {
    AUTHORITY_NAMES.iter().map(|n| contains_like(text, n)).fold(0.0, f64::max)
}

/// Moves the licence's printed seals out of `seals` (their text already read, where it could
/// be). `company` is the name the applicant typed: a seal that reads like it is never set aside.
pub fn set_aside(
    page: &Page,
    seals: &mut Vec<SealFound>,
    lie: Lie,
    company: Option<&str>,
    cfg: &PipelineConfig,
) -> Vec<PrintedSeal> {
    let like_company = |s: &SealFound| -> f64 {
        match (&s.text, company) {
            (Some(t), Some(c)) => company_likeness(t, c),
            _ => 0.0,
        }
    };
    let by_text = |s: &SealFound| {
        s.text.as_deref().is_some_and(|t| {
            let a = authority_likeness(t);
            a >= cfg.seal_text_min_similarity && like_company(s) < a
        })
    };
    let mut printed = Vec::new();
    let mut kept = Vec::new();
    for seal in seals.drain(..) {
        if by_text(&seal) {
            printed.push(PrintedSeal { seal, by: PrintedBy::Text });
        } else {
            kept.push(seal);
        }
    }
    if printed.is_empty() {
        // No seal named an authority: the one where the licence prints its authority's seal,
        // unless it reads as the company's.
        let size = (f64::from(page.rgb.width()), f64::from(page.rgb.height()));
        let place = |s: &SealFound| {
            let [x, y, w, h] = s.bbox.map(f64::from);
            lie.upright((x + w / 2.0, y + h / 2.0), size)
        };
        let candidate = kept
            .iter()
            .enumerate()
            .filter(|(_, s)| like_company(s) < cfg.seal_text_min_similarity)
            .map(|(i, s)| (i, place(s)))
            .filter(|(_, (u, v))| *u >= cfg.seal_authority_zone_min_x && *v >= cfg.seal_authority_zone_min_y)
            .max_by(|a, b| (a.1.0 + a.1.1).total_cmp(&(b.1.0 + b.1.1)))
            .map(|(i, _)| i);
        if let Some(i) = candidate {
            printed.push(PrintedSeal { seal: kept.remove(i), by: PrintedBy::Position });
        }
    }
    *seals = kept;
    printed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_names_are_recognised_through_a_misread_character() {
        assert_eq!(authority_likeness("重庆市渝中区市场监督管理局"), 1.0);
        assert!(authority_likeness("重庆市渝中区市场监昝管理局") >= 0.85);
        assert!(authority_likeness("重庆市江北区工商行政管理局") >= 0.99);
        assert!(authority_likeness("重庆山城建设工程有限公司") < 0.3);
    }
}
