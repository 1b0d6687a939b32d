//! Optical character recognition behind a trait. The pipeline asks a [`LineReader`] to read one
//! cropped line of text with a given character set; [`tesseract::TesseractReader`] is the real
//! implementation and [`pool::OcrPool`] keeps one engine per worker thread, created once.

pub mod pool;
pub mod tesseract;

use image::GrayImage;

/// What a line may contain: each is a whitelist for the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Resident ID numbers: digits and the check character X.
    ResidentId,
    /// Unified social credit codes: digits and the 21 capital letters GB 32100 uses.
    Uscc,
    /// Simplified Chinese text (company names).
    Chinese,
}

impl Charset {
    pub fn whitelist(self) -> &'static str {
        match self {
            Self::ResidentId => "0123456789X",
            Self::Uscc => crate::domain::uscc::ALPHABET,
            Self::Chinese => "",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("OCR language data {path} is missing (install Debian's {package})")]
    MissingData { path: String, package: &'static str },
    #[error("the OCR engine could not start with language {0}")]
    Init(&'static str),
    #[error("the OCR engine failed on a line: {0}")]
    Recognise(&'static str),
    #[error("the OCR pool is shut down")]
    PoolClosed,
    #[error("OCR took longer than {0} s")]
    Timeout(u64),
    #[error("OCR work panicked")]
    Panicked,
}

impl OcrError {
    /// Stable code for logs and the job table.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingData { .. } => "ocr.missing_data",
            Self::Init(_) => "ocr.init",
            Self::Recognise(_) => "ocr.recognise",
            Self::PoolClosed => "ocr.pool_closed",
            Self::Timeout(_) => "ocr.timeout",
            Self::Panicked => "ocr.panicked",
        }
    }
}

/// Reads single lines of text. Implementations hold engine state, so they are `Send` (moved to
/// a worker thread) but used by one thread at a time.
pub trait LineReader: Send {
    /// Reads one line of dark text on a light background; `dpi` is the crop's resolution.
    fn read_line(&mut self, line: &GrayImage, dpi: u32, charset: Charset) -> Result<String, OcrError>;
}
