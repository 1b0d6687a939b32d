//! The number check: find the ID number or credit code on the page, read it through a
//! [`LineReader`], gate every reading on its check digit and compare it with what the
//! applicant typed.
//!
//! Nothing here reads a whole page. A small levelled copy of the page (from the orientation
//! and skew findings) is searched for runs of even glyphs about 18 characters long
//! ([`lines`]); only those runs are cut out at full resolution, padded, scaled to a few text
//! heights and read as single lines with a whitelist. A reading counts only when it passes
//! GB 11643 (ID numbers) or GB 32100 + GB 11714 (credit codes); Tesseract's confidence is
//! not used. When nothing can be read in the measured orientation the other quarter turns
//! are tried, and a reading there corrects the orientation finding.

pub mod frame;
pub mod lines;
pub mod name;

use std::time::Instant;

use serde::Serialize;

use super::DocKind;
use super::config::PipelineConfig;
use super::page::Page;
use super::report::{BBox, Finding, Status};
use crate::domain::{ResidentId, Sex, Uscc};
use crate::ocr::{Charset, LineReader, OcrError};
use frame::Frame;

/// What the applicant typed, for the numbers this page carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Expected {
    /// The unified social credit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
    /// The ID number on an ID-card copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// On the application form: the legal representative's and the operator's ID numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_rep_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
    /// The company name, compared with the licence's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The ID number on an ID-card copy.
    IdNumber,
    Uscc,
    LegalRepId,
    OperatorId,
}

impl Field {
    fn label_zh(self) -> &'static str {
        match self {
            Self::IdNumber => "公民身份号码",
            Self::Uscc => "统一社会信用代码",
            Self::LegalRepId => "法定代表人身份证号码",
            Self::OperatorId => "经办人身份证号码",
        }
    }

    fn is_id(self) -> bool {
        self != Self::Uscc
    }

    /// The fields a document of `kind` carries, top to bottom.
    pub fn on(kind: DocKind) -> &'static [Field] {
        match kind {
            DocKind::IdCard => &[Self::IdNumber],
            DocKind::BusinessLicense => &[Self::Uscc],
            DocKind::ApplicationForm => &[Self::Uscc, Self::LegalRepId, Self::OperatorId],
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Match,
    Mismatch,
    Unreadable,
    /// Read with a valid check digit, but nothing was typed to compare with.
    Read,
}

#[derive(Debug, Clone, Serialize)]
pub struct NumberField {
    pub field: Field,
    pub outcome: Outcome,
    /// The number as read (valid check digit), when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// 1-based positions where the reading and the typed value differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differs_at: Vec<usize>,
    /// Birth date and sex encoded in an ID number read from the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Where the number is on the scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<BBox>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Numbers {
    pub fields: Vec<NumberField>,
    /// Lines handed to the OCR engine.
    pub lines_read: usize,
    pub ocr_ms: f64,
}

/// A reading that passed its check digit.
#[derive(Debug, Clone)]
struct Reading {
    text: String,
    is_id: bool,
    /// The line on the levelled page (its top gives the form's top-to-bottom order).
    rect: (f64, f64, f64, f64),
    text_h: f64,
    bbox: BBox,
}

/// The result of the number check, with the quarter turns it read the page at (which may
/// differ from the orientation finding's when that was wrong).
pub struct Outcomes {
    pub finding: Finding<Numbers>,
    pub turns: u8,
    /// The company name on a licence copy, when a name was typed.
    pub company_name: Option<Finding<name::CompanyName>>,
}

/// The page's geometry as the other checks measured it.
pub struct Geometry<'a> {
    pub dpi: f64,
    /// Clockwise quarter turns that make the page upright, by the orientation check.
    pub turns: u8,
    /// The skew, counter-clockwise degrees, of the page at the given quarter turns.
    pub skew_deg: &'a dyn Fn(u8) -> f64,
}

/// Reads and compares the numbers of a `kind` page.
pub fn check(
    page: &Page,
    kind: DocKind,
    geometry: &Geometry,
    expected: &Expected,
    reader: &mut dyn LineReader,
    cfg: &PipelineConfig,
) -> Result<Option<Outcomes>, OcrError> {
    let (dpi, turns) = (geometry.dpi, geometry.turns);
    let fields = Field::on(kind);
    if fields.is_empty() {
        return Ok(None);
    }
    let started = Instant::now();
    let want_ids = fields.iter().filter(|f| f.is_id()).count();
    let want_uscc = fields.contains(&Field::Uscc);
    let typed: Vec<String> =
        [&expected.uscc, &expected.id_number, &expected.legal_rep_id, &expected.operator_id]
            .into_iter()
            .flatten()
            .map(|t| crate::domain::normalise(t))
            .collect();
    let mut lines_read = 0;
    let mut used = turns;
    let mut readings = Vec::new();
    for extra in [0u8, 2, 1, 3] {
        let t = (turns + extra) % 4;
        let frame = Frame::new(page.rgb.width(), page.rgb.height(), t, (geometry.skew_deg)(t));
        let wanted = (want_ids, want_uscc);
        readings = read_page(page, &frame, dpi, kind, &typed, wanted, reader, cfg, &mut lines_read)?;
        if !readings.is_empty() {
            used = t;
            break;
        }
    }
    let assigned = assign(fields, &readings, expected);
    let results = fields.iter().zip(assigned).map(|(&f, r)| compare(f, r, expected)).collect();
    let value = Numbers { fields: results, lines_read, ocr_ms: ms_since(started) };
    let company_name = match (&expected.company_name, kind) {
        (Some(typed_name), DocKind::BusinessLicense) => {
            let frame = Frame::new(page.rgb.width(), page.rgb.height(), used, (geometry.skew_deg)(used));
            let anchor =
                readings.iter().find(|r| !r.is_id).map(|r| name::Anchor { rect: r.rect, text_h: r.text_h });
            Some(name::check(page, &frame, dpi, anchor, typed_name, reader, cfg)?)
        }
        _ => None,
    };
    Ok(Some(Outcomes { finding: judge(value), turns: used, company_name }))
}

fn ms_since(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

/// Which reading belongs to which field. The credit code is the one non-ID reading. ID
/// numbers go to the fields top to bottom when every one was read (so two swapped numbers are
/// mismatches); when some could not be read, a reading goes only to the field whose typed
/// value it equals, as its row cannot be told.
fn assign<'a>(fields: &[Field], readings: &'a [Reading], expected: &Expected) -> Vec<Option<&'a Reading>> {
    let mut ids: Vec<&Reading> = readings.iter().filter(|r| r.is_id).collect();
    ids.sort_by(|a, b| a.rect.1.total_cmp(&b.rect.1));
    let id_fields = fields.iter().filter(|f| f.is_id()).count();
    let mut next = ids.iter();
    fields
        .iter()
        .map(|&f| {
            if f == Field::Uscc {
                return readings.iter().find(|r| !r.is_id);
            }
            if ids.len() == id_fields {
                return next.next().copied();
            }
            let typed = typed_for(f, expected).map(crate::domain::normalise);
            ids.iter().find(|r| Some(&r.text) == typed.as_ref()).copied()
        })
        .collect()
}

/// The value of `field` in `expected`.
pub fn typed_for(field: Field, expected: &Expected) -> Option<&str> {
    match field {
        Field::IdNumber => expected.id_number.as_deref(),
        Field::Uscc => expected.uscc.as_deref(),
        Field::LegalRepId => expected.legal_rep_id.as_deref(),
        Field::OperatorId => expected.operator_id.as_deref(),
    }
}

fn compare(field: Field, reading: Option<&Reading>, expected: &Expected) -> NumberField {
    let typed = typed_for(field, expected).map(crate::domain::normalise).filter(|s| !s.is_empty());
    let mut out = NumberField {
        field,
        outcome: Outcome::Unreadable,
        read: None,
        expected: typed.clone(),
        differs_at: Vec::new(),
        birth_date: None,
        sex: None,
        bbox: None,
    };
    let Some(r) = reading else { return out };
    if let Ok(id) = ResidentId::parse(&r.text) {
        out.birth_date = Some(id.birth_date().to_string());
        out.sex = Some(id.sex());
    }
    out.read = Some(r.text.clone());
    out.bbox = Some(r.bbox);
    out.outcome = match &typed {
        None => Outcome::Read,
        Some(t) => {
            out.differs_at = differences(&r.text, t);
            if out.differs_at.is_empty() { Outcome::Match } else { Outcome::Mismatch }
        }
    };
    out
}

/// 1-based positions where `a` and `b` differ; a length difference marks the positions past
/// the shorter one.
pub fn differences(a: &str, b: &str) -> Vec<usize> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    (0..a.len().max(b.len())).filter(|&i| a.get(i) != b.get(i)).map(|i| i + 1).collect()
}

fn judge(value: Numbers) -> Finding<Numbers> {
    let mut problems = Vec::new();
    let mut status = Status::Pass;
    let mut code = "number.match";
    for f in &value.fields {
        match f.outcome {
            Outcome::Mismatch => {
                let at: Vec<String> = f.differs_at.iter().map(usize::to_string).collect();
                problems.push(format!("{}与填写的不一致（第{}位不同）", f.field.label_zh(), at.join("、")));
                status = Status::Fail;
                code = "number.mismatch";
            }
            Outcome::Unreadable => {
                problems.push(format!("未能识别{}，请人工核对", f.field.label_zh()));
                if status != Status::Fail {
                    status = Status::Unknown;
                    code = "number.unreadable";
                }
            }
            Outcome::Match | Outcome::Read => {}
        }
    }
    Finding::with(status, code, problems.join("；"), value)
}

/// Every valid number found on the page seen through `frame`: stops once the page's
/// `(id numbers, credit code)` have been read.
#[allow(clippy::too_many_arguments)]
fn read_page(
    page: &Page,
    frame: &Frame,
    dpi: f64,
    kind: DocKind,
    typed: &[String],
    (want_ids, want_uscc): (usize, bool),
    reader: &mut dyn LineReader,
    cfg: &PipelineConfig,
    lines_read: &mut usize,
) -> Result<Vec<Reading>, OcrError> {
    let scale = (f64::from(cfg.number_search_dpi) / dpi).min(1.0);
    let small = frame.page(&page.rgb, scale);
    let px_per_mm = dpi * scale / 25.4;
    let mut out: Vec<Reading> = Vec::new();
    let runs = lines::runs(&small, page.ink_threshold, px_per_mm, cfg);
    for run in runs {
        let h = run.height / scale;
        let (pad, pad_x) = (cfg.number_pad_ratio * h, cfg.number_pad_x_ratio * h);
        let rect =
            (run.x0 / scale - pad_x, run.y0 / scale - pad, run.x1 / scale + pad_x, run.y1 / scale + pad);
        let Some((text, is_id)) =
            read_run(page, frame, rect, (h, dpi), kind, typed, reader, cfg, lines_read)?
        else {
            continue;
        };
        if out.iter().any(|r| r.text == text) {
            continue;
        }
        out.push(Reading { text, is_id, rect, text_h: h, bbox: frame.scan_bbox(rect) });
        let ids = out.iter().filter(|r| r.is_id).count();
        let uscc = out.iter().any(|r| !r.is_id);
        if ids >= want_ids && (uscc || !want_uscc) {
            break;
        }
    }
    Ok(out)
}

/// Reads one run at each configured text height until a reading passes its check digit and
/// either equals a typed value or is read the same at two heights: a misread that happens to
/// pass its check digit (one in eleven or thirty-one) must not become a "mismatch".
#[allow(clippy::too_many_arguments)]
fn read_run(
    page: &Page,
    frame: &Frame,
    rect: (f64, f64, f64, f64),
    (text_h, dpi): (f64, f64),
    kind: DocKind,
    typed: &[String],
    reader: &mut dyn LineReader,
    cfg: &PipelineConfig,
    lines_read: &mut usize,
) -> Result<Option<(String, bool)>, OcrError> {
    let charsets: &[Charset] = match kind {
        DocKind::IdCard => &[Charset::ResidentId],
        DocKind::BusinessLicense => &[Charset::Uscc],
        _ => &[Charset::Uscc, Charset::ResidentId],
    };
    let mut unconfirmed: Vec<(String, u32)> = Vec::new();
    for &target in &cfg.number_read_heights_px {
        let s = f64::from(target) / text_h;
        let crop = frame.sample(&page.rgb, rect, s);
        let crop_dpi = (dpi * s).round() as u32;
        for &charset in charsets {
            *lines_read += 1;
            let raw = reader.read_line(&crop, crop_dpi.max(70), charset)?;
            let text: String = raw.chars().filter(char::is_ascii_alphanumeric).collect();
            if let Some(found) = accept(&text, kind) {
                let seen = unconfirmed.iter().any(|(t, h)| *t == found.0 && *h != target);
                if typed.contains(&found.0) || seen {
                    return Ok(Some(found));
                }
                unconfirmed.push((found.0, target));
                // Confirmed, if at all, at another height.
                break;
            }
        }
    }
    Ok(None)
}

/// The first 18 characters of `text` accepted by their check digit (a run may have taken in
/// a neighbouring label), and whether they are an ID number.
fn accept(text: &str, kind: DocKind) -> Option<(String, bool)> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(18).find_map(|w| {
        let w: String = w.iter().collect();
        let id = || ResidentId::parse(&w).ok().map(|v| (v.as_str().to_string(), true));
        let uscc = || Uscc::parse(&w).ok().map(|v| (v.as_str().to_string(), false));
        match kind {
            DocKind::IdCard => id(),
            DocKind::BusinessLicense => uscc(),
            _ => id().or_else(uscc),
        }
    })
}

#[cfg(test)]
mod tests;
