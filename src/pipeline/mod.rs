//! The image pipeline: upload bytes + document kind + configuration in, a [`CheckReport`] out.
//! Pure and synchronous: no database, no async, no files, no global state. The CLI, the job
//! worker and the benchmarks all call [`run`].

pub mod checks;
pub mod config;
pub mod decode;
pub mod number;
pub mod page;
pub mod report;
pub mod sheet;

use std::time::Instant;

pub use config::PipelineConfig;
pub use report::{CheckReport, Status, Verdict};

use crate::domain::DocumentKind;
use crate::domain::application::string_enum;
use crate::ocr::{LineReader, OcrError};
use report::{Checks, Finding, Transform};

string_enum! {
    /// What kind of page a scan is, which decides the checks that apply.
    DocKind {
        IdCard => "id_card", "身份证复印件";
        BusinessLicense => "business_license", "营业执照副本复印件";
        ApplicationForm => "application_form", "数字证书申请表";
        SealSample => "seal_sample", "电子印章取样表";
        ChangeStatement => "change_statement", "证书变更说明";
        Other => "other", "其他材料";
    }
}

impl DocKind {
    /// Every document the CA asks for is stamped with the company seal, so it must be scanned
    /// in colour for the seal to stay red.
    pub fn requires_seal(self) -> bool {
        self != Self::Other
    }
}

impl From<DocumentKind> for DocKind {
    fn from(k: DocumentKind) -> Self {
        match k {
            DocumentKind::ApplicationForm => Self::ApplicationForm,
            DocumentKind::SealSample => Self::SealSample,
            DocumentKind::BusinessLicense => Self::BusinessLicense,
            DocumentKind::LegalRepIdCard | DocumentKind::OperatorIdCard => Self::IdCard,
            DocumentKind::ChangeStatement => Self::ChangeStatement,
        }
    }
}

/// The report for a file that could not even be read (missing, unreadable, too large to load).
pub fn unreadable(kind: DocKind, error: decode::DecodeError, bytes: u64) -> CheckReport {
    let format = Finding::with(
        Status::Fail,
        error.code(),
        error.message_zh(),
        report::FormatInfo { bytes, ..Default::default() },
    );
    let checks = Checks::format_only(format);
    CheckReport {
        file: None,
        kind,
        verdict: checks.verdict(),
        elapsed_ms: 0.0,
        transform: Transform::default(),
        checks,
    }
}

/// The number check's inputs: what was typed and the engine to read with.
pub struct Ocr<'a> {
    pub expected: &'a number::Expected,
    pub reader: &'a mut dyn LineReader,
}

/// Every check of a decoded page.
fn examine(
    page: &page::Page,
    info: report::FormatInfo,
    kind: DocKind,
    ocr: Option<Ocr>,
    cfg: &PipelineConfig,
) -> Result<Checks, OcrError> {
    let resolution = checks::resolution::check(page, cfg);
    let dpi = resolution.value.dpi;
    let ink = checks::skew::coarse_points(page);
    let glyphs = checks::glyphs::points(page, dpi, cfg);
    let mut orientation = checks::orientation::check(page, &glyphs, dpi, cfg);
    let mut skew = checks::skew::check(page, &ink, orientation.value.quarter_turns(), cfg);
    let (mut number, mut company_name) = (None, None);
    let mut ocr = ocr;
    if let Some(Ocr { expected, reader }) = ocr.as_mut() {
        let turns = orientation.value.quarter_turns();
        let skew_at = |t: u8| {
            let found = if t % 2 == turns % 2 { skew.value.angle_deg } else { None };
            found.or_else(|| checks::skew::check(page, &ink, t, cfg).value.angle_deg).unwrap_or(0.0)
        };
        let geometry = number::Geometry { dpi, turns, skew_deg: &skew_at };
        if let Some(read) = number::check(page, kind, &geometry, expected, &mut **reader, cfg)? {
            if read.turns == turns && orientation.status == report::Status::Unknown {
                // The number reads at the turn the image leaned to: that settles it.
                orientation = checks::orientation::decided(read.turns, orientation.value.confidence);
            } else if read.turns != turns {
                // The number reads only at another turn: the orientation check was wrong.
                orientation = checks::orientation::decided(read.turns, orientation.value.confidence);
                if read.turns % 2 != turns % 2 {
                    skew = checks::skew::check(page, &ink, read.turns, cfg);
                }
            }
            number = Some(read.finding);
            company_name = read.company_name;
        }
    }
    let skew_deg = skew.value.angle_deg.unwrap_or(0.0);
    let red = checks::seal::RedMap::new(page, dpi, cfg);
    let mut seals = checks::seal::find(&red, dpi, cfg);
    let lie = checks::seal_text::Lie { turns: orientation.value.quarter_turns(), skew_deg };
    let (expected, reader) = ocr.map(|o| (o.expected, o.reader)).unzip();
    let company = expected.and_then(|e| e.company_name.as_deref());
    if let Some(reader) = reader.filter(|_| kind.requires_seal()) {
        checks::seal_text::read(&page.rgb, &mut seals, lie.up_deg(), reader)?;
    }
    let printed = if kind == DocKind::BusinessLicense {
        let turn_known = orientation.status != report::Status::Unknown;
        checks::printed_seal::set_aside(page, &mut seals, lie, turn_known, company, cfg)
    } else {
        Vec::new()
    };
    let colour = checks::colour::check(page, kind, cfg);
    let is_colour = colour.value.is_colour;
    let seal_boxes = (kind == DocKind::SealSample).then(|| {
        let turns = orientation.value.quarter_turns();
        checks::seal_boxes::check(page, &seals, (skew_deg, turns), dpi, is_colour, cfg)
    });
    Ok(Checks {
        format: Finding::pass(info),
        page: None,
        resolution: Some(resolution),
        clarity: Some(checks::clarity::check(page, dpi, cfg)),
        exposure: Some(checks::exposure::check(page, cfg)),
        colour: Some(colour),
        seal: Some(checks::seal::check(kind, seals, printed, is_colour, company, cfg)),
        seal_boxes,
        skew: Some(skew),
        orientation: Some(orientation),
        number,
        company_name,
    })
}

/// Checks one upload without reading its numbers.
pub fn run(bytes: &[u8], kind: DocKind, cfg: &PipelineConfig) -> CheckReport {
    match run_with(bytes, kind, None, cfg) {
        Ok(report) => report,
        Err(e) => unreachable!("only the OCR engine fails a run, and there is none: {e}"),
    }
}

/// Checks one upload and, with `ocr`, reads its numbers and compares them with the typed ones.
/// Fails only when the OCR engine itself fails (the caller retries; no half report).
pub fn run_with(
    bytes: &[u8],
    kind: DocKind,
    ocr: Option<Ocr>,
    cfg: &PipelineConfig,
) -> Result<CheckReport, OcrError> {
    let started = Instant::now();
    let (checks, sheet) = match decode::decode(bytes, cfg) {
        Err((e, info)) => {
            (Checks::format_only(Finding::with(Status::Fail, e.code(), e.message_zh(), info)), None)
        }
        Ok(decoded) => {
            let found = sheet::find::find(&decoded.rgb, cfg);
            let (rgb, sheet) = match &found {
                // A cut-off page is flattened too: the checks judge what is in view of the page,
                // not the desk round it.
                sheet::Found::Sheet(q) | sheet::Found::CutOff(_, q) => {
                    let flat = sheet::flatten::flatten(&decoded.rgb, q, cfg);
                    let (width, height) = flat.dimensions();
                    (flat, Some(report::Sheet { corners: *q, width, height }))
                }
                _ => (decoded.rgb, None),
            };
            let mut page = page::Page::new(rgb, decoded.grayscale_source, cfg);
            page.resampled = sheet.is_some();
            let mut checks = examine(&page, decoded.info, kind, ocr, cfg)?;
            let turns = checks.orientation.as_ref().map_or(0, |f| f.value.quarter_turns());
            checks.page = Some(checks::page_frame::check(&found, turns));
            (checks, sheet)
        }
    };
    // A reviewer sees the page straightened by the measured angle (clockwise to undo it).
    let deskew_deg = checks.skew.as_ref().and_then(|f| f.value.angle_deg).unwrap_or(0.0);
    let quarter_turns = checks.orientation.as_ref().map_or(0, |f| f.value.quarter_turns());
    let transform = Transform { quarter_turns, deskew_deg, sheet };
    Ok(CheckReport {
        file: None,
        kind,
        verdict: checks.verdict(),
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        transform,
        checks,
    })
}

/// Stored with each report so a re-run after an algorithm change can be told apart.
pub const VERSION: &str = concat!("sealdesk-", env!("CARGO_PKG_VERSION"), "-p10");
