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

/// How company names end on their seals (an authority's never does).
const COMPANY_ENDINGS: [&str; 3] = ["有限公司", "有限责任公司", "股份有限公司"];

/// How much a seal's text reads like some company's name, whichever company (0–1).
pub fn company_form_likeness(text: &str) -> f64 {
    COMPANY_ENDINGS.iter().map(|n| contains_like(text, n)).fold(0.0, f64::max)
}

/// How much a seal's text reads like a registration authority's name (0–1).
pub fn authority_likeness(text: &str) -> f64 {
    AUTHORITY_NAMES.iter().map(|n| contains_like(text, n)).fold(0.0, f64::max)
}

/// Moves the licence's printed seals out of `seals` (their text already read, where it could
/// be). `company` is the name the applicant typed: a seal that reads like it is never set aside.
/// `turn_known` is false when the orientation check could not tell which way up the page is:
/// the authority's place is then looked for at every quarter turn, so an unstamped copy read
/// the wrong way up is never taken for a stamped one.
pub fn set_aside(
    page: &Page,
    seals: &mut Vec<SealFound>,
    lie: Lie,
    turn_known: bool,
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
        let turns: Vec<u8> = if turn_known { vec![lie.turns] } else { (0..4).collect() };
        // How far into the authority's corner the seal lies, at the likeliest turn (None: at
        // no turn in it).
        let place = |s: &SealFound| {
            let [x, y, w, h] = s.bbox.map(f64::from);
            turns
                .iter()
                .map(|&turns| Lie { turns, ..lie }.upright((x + w / 2.0, y + h / 2.0), size))
                .filter(|(u, v)| *u >= cfg.seal_authority_zone_min_x && *v >= cfg.seal_authority_zone_min_y)
                .map(|(u, v)| u + v)
                .max_by(f64::total_cmp)
        };
        // The place is a hint; a reading decides: a seal that reads as a company's (the
        // applicant's name misread, or "…有限公司" clearly) is an imprint wherever it lies.
        let reads_as_company = |s: &SealFound| {
            like_company(s) >= cfg.seal_text_min_similarity
                || s.text.as_deref().is_some_and(|t| {
                    company_form_likeness(t) >= cfg.seal_text_min_similarity
                        && company_form_likeness(t) > authority_likeness(t)
                })
        };
        let candidate = kept
            .iter()
            .enumerate()
            .filter(|(_, s)| !reads_as_company(s))
            .filter_map(|(i, s)| place(s).map(|depth| (i, depth)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
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

    #[test]
    fn a_company_seal_read_badly_still_reads_as_a_company() {
        // The audit's reading of a company seal by the authority block.
        assert!(company_form_likeness("重庆出城建役工从有大公司") >= 0.6);
        assert!(company_form_likeness("重庆市渝北区启航建设工程有限公司") == 1.0);
        assert!(company_form_likeness("重庆市渝中区市场监督管理局") < 0.3);
    }

    fn seal_at(x: u32, y: u32, text: Option<&str>) -> SealFound {
        SealFound {
            bbox: [x, y, 300, 300],
            shape: crate::pipeline::report::SealShape::Round,
            completeness: 1.0,
            text: text.map(String::from),
            purpose: None,
        }
    }

    #[test]
    fn by_the_authority_block_only_a_seal_not_read_as_a_company_is_set_aside() {
        let cfg = PipelineConfig::default();
        let page =
            Page::new(image::RgbImage::from_pixel(1654, 2339, image::Rgb([250, 250, 250])), false, &cfg);
        let lie = Lie { turns: 0, skew_deg: 0.0 };
        let typed = Some("重庆山城建设工程有限公司");
        // Lower right, where the licence prints its authority's seal.
        for (text, aside) in [
            (None, true),
            (Some("重庆出城建役工从有大公司"), false),
            (Some("重庆市启航科技有限公司"), false),
            (Some("重庆山城建设工程有限公司"), false),
            (Some("模糊不清"), true),
        ] {
            let mut seals = vec![seal_at(1200, 1800, text)];
            let printed = set_aside(&page, &mut seals, lie, true, typed, &cfg);
            assert_eq!(printed.len() == 1, aside, "{text:?}");
            assert_eq!(seals.len() == 1, !aside, "{text:?}");
        }
    }

    #[test]
    fn when_the_page_may_lie_any_way_up_the_authority_corner_is_looked_for_at_every_turn() {
        let cfg = PipelineConfig::default();
        let page =
            Page::new(image::RgbImage::from_pixel(2339, 1654, image::Rgb([250, 250, 250])), false, &cfg);
        // A landscape scan of a licence turned a quarter: its authority seal lies lower left,
        // and the orientation check's guess (no turn) is not sure.
        let lie = Lie { turns: 0, skew_deg: 0.0 };
        let mut seals = vec![seal_at(200, 1200, None)];
        assert!(set_aside(&page, &mut seals.clone(), lie, true, None, &cfg).is_empty(), "trusting the guess");
        let printed = set_aside(&page, &mut seals, lie, false, None, &cfg);
        assert_eq!((printed.len(), seals.len()), (1, 0), "set aside at the turn that puts it in the corner");
        // With a second seal in the middle, only the one deeper in some corner is set aside.
        let mut seals = vec![seal_at(1000, 700, None), seal_at(200, 1200, None)];
        let printed = set_aside(&page, &mut seals, lie, false, None, &cfg);
        assert_eq!(printed[0].seal.bbox[0], 200);
        assert_eq!(seals.len(), 1);
    }
}
