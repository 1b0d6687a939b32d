//! The Tesseract implementation of [`LineReader`], over Debian's libtesseract 5.
//!
//! One engine per language, created once per worker thread (~0.2 s and ~15 MB for `eng`).
//! Tesseract's own OpenMP threads must be capped with `OMP_THREAD_LIMIT=1` in the environment
//! the process starts with (libgomp reads it when it loads): `main` re-executes itself with it
//! set, and `.cargo/config.toml` sets it for tests.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use image::GrayImage;
use tesseract::plumbing::TessBaseApi;
use tesseract::plumbing::tesseract_sys::{TessOcrEngineMode_OEM_LSTM_ONLY, TessPageSegMode_PSM_SINGLE_LINE};

use super::{Charset, LineReader, OcrError};

/// Where Debian's tesseract-ocr-* packages put the language data.
pub const DEBIAN_TESSDATA: &str = "/usr/share/tesseract-ocr/5/tessdata";

struct Engine {
    api: TessBaseApi,
    whitelist: &'static str,
}

impl Engine {
    fn new(datapath: &Path, lang: &'static str) -> Result<Self, OcrError> {
        let mut api = TessBaseApi::create();
        let path = CString::new(datapath.to_string_lossy().as_bytes()).map_err(|_| OcrError::Init(lang))?;
        let language = CString::new(lang).map_err(|_| OcrError::Init(lang))?;
        api.init_4(Some(&path), Some(&language), TessOcrEngineMode_OEM_LSTM_ONLY)
            .map_err(|_| OcrError::Init(lang))?;
        api.set_page_seg_mode(TessPageSegMode_PSM_SINGLE_LINE);
        // Dictionaries only hurt on numbers; a single line needs no inverted-text test.
        // Its complaints about tiny crops go nowhere: a crop that cannot be read is an empty
        // reading, which the caller handles.
        let settings = [
            ("load_system_dawg", "0"),
            ("load_freq_dawg", "0"),
            ("tessedit_do_invert", "0"),
            ("debug_file", "/dev/null"),
        ];
        for (name, value) in settings {
            set(&mut api, name, value)?;
        }
        Ok(Self { api, whitelist: "" })
    }

    fn read(&mut self, line: &GrayImage, dpi: u32, whitelist: &'static str) -> Result<String, OcrError> {
        if self.whitelist != whitelist {
            set(&mut self.api, "tessedit_char_whitelist", whitelist)?;
            self.whitelist = whitelist;
        }
        let (w, h) = line.dimensions();
        let (w, h) = (i32::try_from(w), i32::try_from(h));
        let (Ok(w), Ok(h)) = (w, h) else { return Err(OcrError::Recognise("crop too large")) };
        self.api.set_image(line.as_raw(), w, h, 1, w).map_err(|_| OcrError::Recognise("set image"))?;
        self.api.set_source_resolution(dpi as i32);
        self.api.recognize().map_err(|_| OcrError::Recognise("recognise"))?;
        let text = self.api.get_utf8_text().map_err(|_| OcrError::Recognise("text"))?;
        Ok(text.as_ref().to_string_lossy().into_owned())
    }
}

fn set(api: &mut TessBaseApi, name: &str, value: &str) -> Result<(), OcrError> {
    let (Ok(n), Ok(v)) = (CString::new(name), CString::new(value)) else {
        return Err(OcrError::Recognise("variable"));
    };
    api.set_variable(&n, &v).map_err(|_| OcrError::Recognise("variable"))
}

/// Reads numbers with `eng` and Chinese with `chi_sim`; the Chinese engine is started on first
/// use, so a worker that never reads a company name never pays for it.
pub struct TesseractReader {
    datapath: PathBuf,
    latin: Engine,
    chinese: Option<Engine>,
}

// SAFETY: a TessBaseAPI handle may move between threads; it is only ever used through
// `&mut self`, so never from two threads at once (Tesseract's documented threading model:
// one API instance per thread at a time).
unsafe impl Send for Engine {}

impl TesseractReader {
    /// Starts the `eng` engine; fails with a clear error when the language data is missing.
    pub fn new(datapath: Option<&Path>) -> Result<Self, OcrError> {
        let datapath = datapath.map_or_else(|| PathBuf::from(DEBIAN_TESSDATA), Path::to_path_buf);
        require(&datapath, "eng", "tesseract-ocr-eng")?;
        let latin = Engine::new(&datapath, "eng")?;
        Ok(Self { datapath, latin, chinese: None })
    }

    /// Also checks that the Chinese data is installed (without starting its engine).
    pub fn check_chinese(datapath: Option<&Path>) -> Result<(), OcrError> {
        let datapath = datapath.map_or_else(|| PathBuf::from(DEBIAN_TESSDATA), Path::to_path_buf);
        require(&datapath, "chi_sim", "tesseract-ocr-chi-sim")
    }
}

fn require(datapath: &Path, lang: &str, package: &'static str) -> Result<(), OcrError> {
    let file = datapath.join(format!("{lang}.traineddata"));
    if file.is_file() {
        Ok(())
    } else {
        Err(OcrError::MissingData { path: file.display().to_string(), package })
    }
}

impl LineReader for TesseractReader {
    fn read_line(&mut self, line: &GrayImage, dpi: u32, charset: Charset) -> Result<String, OcrError> {
        let engine = match charset {
            Charset::Chinese => {
                if self.chinese.is_none() {
                    require(&self.datapath, "chi_sim", "tesseract-ocr-chi-sim")?;
                    self.chinese = Some(Engine::new(&self.datapath, "chi_sim")?);
                }
                self.chinese.as_mut().ok_or(OcrError::Init("chi_sim"))?
            }
            _ => &mut self.latin,
        };
        engine.read(line, dpi, charset.whitelist())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_run_with_openmp_limited_to_one_thread() {
        assert_eq!(std::env::var("OMP_THREAD_LIMIT").as_deref(), Ok("1"), "see .cargo/config.toml");
    }

    #[test]
    fn reads_a_rendered_number_line() {
        use crate::fixtures::{Fonts, canvas::Canvas};
        let fonts = Fonts::system().expect("fonts");
        let mut c = Canvas::a4(&fonts, 300);
        c.text(10.0, 10.0, 11.0, "500103197503120018");
        let line = image::imageops::crop_imm(&c.img, 0, 0, c.px(80.0) as u32, c.px(20.0) as u32).to_image();
        let gray = image::DynamicImage::ImageRgb8(line).into_luma8();
        let mut reader = TesseractReader::new(None).expect("tesseract-ocr-eng installed");
        let text = reader.read_line(&gray, 300, Charset::ResidentId).unwrap();
        assert_eq!(text.trim(), "500103197503120018");
    }

    #[test]
    fn missing_language_data_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = TesseractReader::new(Some(dir.path())).err().unwrap();
        assert_eq!(err.code(), "ocr.missing_data");
        assert!(err.to_string().contains("tesseract-ocr-eng"), "{err}");
    }
}
