//! The check report: the stable JSON contract other tools read (see the README).
//! Every check object has a `status`; when it is not `pass` it also has a stable `code` and a
//! Chinese `message`. Coordinates are pixels of the image as uploaded, after EXIF orientation.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    /// The check could not see enough to tell: a person decides. Never counted as a pass.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

/// One check's outcome: status, code and message, plus what it measured.
#[derive(Debug, Clone, Serialize)]
pub struct Finding<T> {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(flatten)]
    pub value: T,
}

impl<T> Finding<T> {
    pub fn pass(value: T) -> Self {
        Self { status: Status::Pass, code: None, message: None, value }
    }

    pub fn with(status: Status, code: &'static str, message: impl Into<String>, value: T) -> Self {
        if status == Status::Pass {
            return Self::pass(value);
        }
        Self { status, code: Some(code), message: Some(message.into()), value }
    }
}

/// `[x, y, w, h]` in pixels.
pub type BBox = [u32; 4];

#[derive(Debug, Clone, Default, Serialize)]
pub struct FormatInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<&'static str>,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// EXIF orientation tag that was applied (1 = none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exif_orientation: Option<u8>,
}

/// Where the sheet of paper lies in a photo.
#[derive(Debug, Clone, Serialize)]
pub struct PageFrame {
    /// The page's corners in the uploaded image's pixels (after EXIF orientation), top-left,
    /// top-right, bottom-right, bottom-left of the upright page; null when the page fills the
    /// image (a scan) or none was found. On a cut-off page the corners its edges meet at, some
    /// of them outside the image.
    pub corners: Option<[[f64; 2]; 4]>,
    /// The page fills the image: a scan, or a photo with nothing but the page in view.
    pub fills_frame: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resolution {
    pub dpi: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Colour {
    pub is_colour: bool,
    /// Share of pixels with visible colour.
    pub coloured_fraction: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Exposure {
    /// Mean luminance, 0–255.
    pub mean_luma: f64,
    /// Paper minus ink luminance, 0–255.
    pub contrast: f64,
    /// Share of the page blown out by glare.
    pub glare_fraction: f64,
    /// (brightest − darkest) paper luminance relative to the brightest.
    pub unevenness: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<BBox>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Orientation {
    /// How far the content is turned counter-clockwise: 0, 90, 180 or 270.
    pub degrees: Option<u16>,
    /// How much more peaked the ink's profile is across the lines than along them.
    pub confidence: f64,
}

impl Orientation {
    /// Clockwise quarter turns that make the page upright (0 when unknown).
    pub fn quarter_turns(&self) -> u8 {
        self.degrees.map_or(0, |d| (d / 90 % 4) as u8)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Skew {
    /// Counter-clockwise positive; absent when too little could be seen.
    pub angle_deg: Option<f64>,
    /// Peak-to-median ratio of the projection scores (1 = no structure).
    pub confidence: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Clarity {
    /// 1 = as sharp as the resolution allows, 0.5 at the configured blur limit, towards 0 beyond.
    pub score: Option<f64>,
    /// Blur as the σ of an equivalent Gaussian, in millimetres on the paper (rows or columns,
    /// whichever is worse).
    pub blur_mm: Option<f64>,
    /// Strong edges measured.
    pub edges: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SealShape {
    Round,
    Oval,
    Square,
}

#[derive(Debug, Clone, Serialize)]
pub struct SealFound {
    pub bbox: BBox,
    pub shape: SealShape,
    /// Share of the outer ring or border that carries ink (1 = a complete imprint).
    pub completeness: f64,
    /// The name along a round or oval seal's arc, as read by OCR (where it was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The line under the star (合同专用章, 财务专用章 …), where there is one and it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// How a seal was told to be part of the copied document rather than the applicant's imprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrintedBy {
    /// Its arc text names a registration authority (…市场监督管理局).
    Text,
    /// Its place on the page only, where the text could not be read: a guess.
    Position,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrintedSeal {
    #[serde(flatten)]
    pub seal: SealFound,
    pub by: PrintedBy,
}

#[derive(Debug, Clone, Serialize)]
pub struct Seal {
    /// Seals stamped on the page: `seals.len()`.
    pub count: usize,
    pub seals: Vec<SealFound>,
    /// Red seals printed on the document that was copied, not counted: the registration
    /// authority's seal on a business licence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub printed: Vec<PrintedSeal>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SealBox {
    pub bbox: BBox,
    pub seal_count: usize,
    pub touches_line: bool,
    /// Where seal ink lies on the box's lines: one region per line touched (for the reviewer's
    /// and the applicant's view).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub touching: Vec<BBox>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SealBoxes {
    pub boxes: Vec<SealBox>,
}

/// How to show the page upright and straight to a reviewer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Transform {
    /// Quarter turns clockwise that make the page upright.
    pub quarter_turns: u8,
    /// Degrees to rotate clockwise after the quarter turns to straighten it.
    pub deskew_deg: f64,
    /// A photo's page, flattened before every check: overlays are in the flattened page's
    /// pixels, and the turns and the straightening apply to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<Sheet>,
}

/// The flattened page: where its corners lie in the uploaded image (top-left, top-right,
/// bottom-right, bottom-left of the flattened page, before any quarter turn) and its size.
#[derive(Debug, Clone, Serialize)]
pub struct Sheet {
    pub corners: [[f64; 2]; 4],
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Checks {
    pub format: Finding<FormatInfo>,
    /// The page found in a photo (absent when the file could not be decoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<Finding<PageFrame>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Finding<Resolution>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation: Option<Finding<Orientation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skew: Option<Finding<Skew>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clarity: Option<Finding<Clarity>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<Finding<Exposure>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colour: Option<Finding<Colour>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seal: Option<Finding<Seal>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seal_boxes: Option<Finding<SealBoxes>>,
    /// The ID number or credit code read and compared with the typed value; absent when OCR
    /// was skipped or the kind carries no number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<Finding<super::number::Numbers>>,
    /// The company name on a licence copy against the typed one (a similarity, warn at most).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<Finding<super::number::name::CompanyName>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub kind: super::DocKind,
    pub verdict: Verdict,
    pub elapsed_ms: f64,
    pub transform: Transform,
    pub checks: Checks,
}

impl Checks {
    /// Only the format finding: the file could not be decoded, so nothing else was looked at.
    pub fn format_only(format: Finding<FormatInfo>) -> Self {
        Self {
            format,
            page: None,
            resolution: None,
            orientation: None,
            skew: None,
            clarity: None,
            exposure: None,
            colour: None,
            seal: None,
            seal_boxes: None,
            number: None,
            company_name: None,
        }
    }

    pub fn statuses(&self) -> Vec<Status> {
        let mut s = vec![self.format.status];
        s.extend(self.page.as_ref().map(|f| f.status));
        s.extend(self.resolution.as_ref().map(|f| f.status));
        s.extend(self.orientation.as_ref().map(|f| f.status));
        s.extend(self.skew.as_ref().map(|f| f.status));
        s.extend(self.exposure.as_ref().map(|f| f.status));
        s.extend(self.clarity.as_ref().map(|f| f.status));
        s.extend(self.colour.as_ref().map(|f| f.status));
        s.extend(self.seal.as_ref().map(|f| f.status));
        s.extend(self.seal_boxes.as_ref().map(|f| f.status));
        s.extend(self.number.as_ref().map(|f| f.status));
        s.extend(self.company_name.as_ref().map(|f| f.status));
        s
    }

    /// Fail if any check failed; warn if any warned or could not tell; pass otherwise.
    pub fn verdict(&self) -> Verdict {
        let s = self.statuses();
        if s.contains(&Status::Fail) {
            Verdict::Fail
        } else if s.iter().any(|x| matches!(x, Status::Warn | Status::Unknown)) {
            Verdict::Warn
        } else {
            Verdict::Pass
        }
    }
}
