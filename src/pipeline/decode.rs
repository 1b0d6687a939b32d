//! Turns upload bytes into pixels, or into a precise reason why not. The format is decided by
//! magic bytes, never by file name; size limits are checked from the header before any pixel
//! is decoded; EXIF orientation is applied; every pixel format ends as 8-bit RGB on white.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage, metadata::Orientation};

use super::config::PipelineConfig;
use super::report::FormatInfo;

/// Why an upload is not a usable image. Each has a stable code and a Chinese message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty file")]
    Empty,
    #[error("PDF, not an image")]
    Pdf,
    #[error("HEIC/HEIF image")]
    Heic,
    #[error("unsupported format {0}")]
    Unsupported(&'static str),
    #[error("not an image")]
    NotAnImage,
    #[error("file of {bytes} bytes exceeds the limit")]
    TooLarge { bytes: u64 },
    #[error("{width}x{height} pixels exceeds the limit")]
    TooManyPixels { width: u32, height: u32 },
    /// Over a decoder's own limits before its dimensions were known.
    #[error("image exceeds the decoder's limits")]
    OverLimits,
    #[error("image data ends early")]
    Truncated,
    #[error("corrupt image: {0}")]
    Corrupt(String),
    #[error("cannot read file: {0}")]
    Unreadable(String),
}

impl DecodeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "format.empty",
            Self::Pdf => "format.pdf",
            Self::Heic => "format.heic",
            Self::Unsupported(_) => "format.unsupported",
            Self::NotAnImage => "format.not_image",
            Self::TooLarge { .. } => "format.too_large",
            Self::TooManyPixels { .. } | Self::OverLimits => "format.too_many_pixels",
            Self::Truncated => "format.truncated",
            Self::Corrupt(_) => "format.corrupt",
            Self::Unreadable(_) => "format.unreadable",
        }
    }

    pub fn message_zh(&self) -> String {
        const UPLOAD: &str = "请上传JPG或PNG格式的扫描图片";
        match self {
            Self::Empty => format!("文件为空。{UPLOAD}"),
            Self::Pdf => format!("上传的是PDF文件，不是图片。{UPLOAD}"),
            Self::Heic => {
                "上传的是HEIC格式照片，请在手机设置中改为“兼容性最佳”后重新拍摄，或上传JPG图片".into()
            }
            Self::Unsupported(f) => format!("不支持{f}格式。{UPLOAD}"),
            Self::NotAnImage => format!("文件不是图片。{UPLOAD}"),
            Self::TooLarge { bytes } => {
                format!("文件过大（{:.1}MB）。请降低扫描分辨率后重新上传", *bytes as f64 / 1_048_576.0)
            }
            Self::TooManyPixels { width, height } => {
                format!("图片尺寸过大（{width}×{height}像素）。请以200–300dpi扫描后重新上传")
            }
            Self::OverLimits => "图片尺寸过大。请以200–300dpi扫描、保存为JPG后重新上传".into(),
            Self::Truncated => "图片不完整（文件在传输中被截断），请重新上传".into(),
            Self::Corrupt(_) => "图片已损坏，无法打开，请重新扫描上传".into(),
            Self::Unreadable(_) => "无法读取文件，请重新上传".into(),
        }
    }
}

/// A decoded page: upright per EXIF, 8-bit RGB, transparent areas composited on white.
pub struct Decoded {
    pub rgb: RgbImage,
    pub info: FormatInfo,
    /// The file had no colour channels.
    pub grayscale_source: bool,
}

/// The format the bytes announce, or why they are refused.
pub fn sniff(bytes: &[u8]) -> Result<(ImageFormat, &'static str), DecodeError> {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if starts(b"\xFF\xD8\xFF") {
        return Ok((ImageFormat::Jpeg, "image/jpeg"));
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Ok((ImageFormat::Png, "image/png"));
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Ok((ImageFormat::Tiff, "image/tiff"));
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok((ImageFormat::WebP, "image/webp"));
    }
    if starts(b"BM") && bytes.len() >= 26 {
        return Ok((ImageFormat::Bmp, "image/bmp"));
    }
    // Refused formats, each named so the applicant knows what to change.
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Err(DecodeError::Pdf);
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [&b"heic"[..], b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"].contains(&brand) {
            return Err(DecodeError::Heic);
        }
        if brand == b"avif" {
            return Err(DecodeError::Unsupported("AVIF"));
        }
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Err(DecodeError::Unsupported("GIF"));
    }
    if starts(b"PK\x03\x04") || starts(b"\xD0\xCF\x11\xE0") {
        return Err(DecodeError::Unsupported("Office/压缩包"));
    }
    Err(DecodeError::NotAnImage)
}

/// A JPEG is whole only if an end-of-image marker follows its last start-of-scan. Decoders
/// pad a truncated JPEG with grey instead of failing, which would pass a half page as a scan.
fn jpeg_is_truncated(bytes: &[u8]) -> bool {
    let last_sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    let last_eoi = bytes.windows(2).rposition(|w| w == [0xFF, 0xD9]);
    match (last_sos, last_eoi) {
        (Some(sos), Some(eoi)) => eoi < sos,
        _ => true,
    }
}

fn exif_tag(o: Orientation) -> u8 {
    match o {
        Orientation::NoTransforms => 1,
        Orientation::FlipHorizontal => 2,
        Orientation::Rotate180 => 3,
        Orientation::FlipVertical => 4,
        Orientation::Rotate90FlipH => 5,
        Orientation::Rotate90 => 6,
        Orientation::Rotate270FlipH => 7,
        Orientation::Rotate270 => 8,
    }
}

pub fn decode(bytes: &[u8], cfg: &PipelineConfig) -> Result<Decoded, (DecodeError, FormatInfo)> {
    let mut info = FormatInfo { bytes: bytes.len() as u64, ..Default::default() };
    let fail = |e: DecodeError, info: &FormatInfo| Err((e, info.clone()));
    let (format, media_type) = match sniff(bytes) {
        Ok(f) => f,
        Err(e) => return fail(e, &info),
    };
    info.media_type = Some(media_type);
    if info.bytes > cfg.max_upload_bytes {
        return fail(DecodeError::TooLarge { bytes: info.bytes }, &info);
    }
    if format == ImageFormat::Jpeg && jpeg_is_truncated(bytes) {
        return fail(DecodeError::Truncated, &info);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(cfg.max_side_px);
    limits.max_image_height = Some(cfg.max_side_px);
    // Room for the decoded image at 16-bit RGBA plus the decoder's own buffers.
    limits.max_alloc = Some(cfg.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(limits);
    let mut decoder = match reader.into_decoder() {
        Ok(d) => d,
        Err(e) => return fail(classify(e, &info), &info),
    };
    let (width, height) = decoder.dimensions();
    info.width = Some(width);
    info.height = Some(height);
    if u64::from(width) * u64::from(height) > cfg.max_pixels
        || width > cfg.max_side_px
        || height > cfg.max_side_px
        || decode_cost(format, bytes, decoder.total_bytes(), decoder.color_type(), width, height)
            > cfg.max_decoded_bytes
    {
        return fail(DecodeError::TooManyPixels { width, height }, &info);
    }
    if width == 0 || height == 0 {
        return fail(DecodeError::Corrupt("zero-sized image".into()), &info);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = match DynamicImage::from_decoder(decoder) {
        Ok(i) => i,
        Err(e) => return fail(classify(e, &info), &info),
    };
    image.apply_orientation(orientation);
    let grayscale_source = matches!(image.color().channel_count(), 1 | 2);
    info.exif_orientation = Some(exif_tag(orientation));
    info.width = Some(image.width());
    info.height = Some(image.height());
    Ok(Decoded { rgb: to_rgb_on_white(image), info, grayscale_source })
}

/// Peak bytes of a decode: the file's own pixels, plus the 8-bit RGB copy (and, with alpha,
/// the 8-bit RGBA step) the checks need when the file holds anything else.
pub fn decoded_bytes(native: u64, colour: image::ColorType, width: u32, height: u32) -> u64 {
    let pixels = u64::from(width) * u64::from(height);
    let conversion = match colour {
        image::ColorType::Rgb8 => 0,
        c if c.has_alpha() => pixels * 7,
        _ => pixels * 3,
    };
    native.saturating_add(conversion)
}

/// A progressive JPEG keeps every coefficient (two bytes per sample) until its last scan.
fn jpeg_is_progressive(bytes: &[u8]) -> bool {
    let head = match bytes.windows(2).position(|w| w == [0xFF, 0xDA]) {
        Some(sos) => &bytes[..sos],
        None => bytes,
    };
    head.windows(2).any(|w| w == [0xFF, 0xC2])
}

/// Peak bytes decoding this file takes: [`decoded_bytes`], plus a progressive JPEG's
/// coefficient buffers.
fn decode_cost(
    format: ImageFormat,
    bytes: &[u8],
    native: u64,
    colour: image::ColorType,
    w: u32,
    h: u32,
) -> u64 {
    let mut cost = decoded_bytes(native, colour, w, h);
    if format == ImageFormat::Jpeg && jpeg_is_progressive(bytes) {
        cost = cost.saturating_add(native.saturating_mul(2));
    }
    cost
}

/// What decoding `bytes` will cost in memory, read from the header alone (nothing is decoded):
/// for a caller to reserve it from a shared budget first. `None` when the header cannot be read
/// (decoding then fails at once, at no cost).
pub fn memory_cost(bytes: &[u8], cfg: &PipelineConfig) -> Option<(u64, u64)> {
    let (format, _) = sniff(bytes).ok()?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(cfg.max_side_px);
    limits.max_image_height = Some(cfg.max_side_px);
    reader.limits(limits);
    let decoder = reader.into_decoder().ok()?;
    let (w, h) = decoder.dimensions();
    let cost = decode_cost(format, bytes, decoder.total_bytes(), decoder.color_type(), w, h);
    Some((cost, u64::from(w) * u64::from(h)))
}

fn classify(e: image::ImageError, info: &FormatInfo) -> DecodeError {
    use image::ImageError as E;
    match e {
        E::Limits(_) => match (info.width, info.height) {
            (Some(width), Some(height)) => DecodeError::TooManyPixels { width, height },
            _ => DecodeError::OverLimits,
        },
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => DecodeError::Truncated,
        E::Unsupported(u) => DecodeError::Corrupt(u.to_string()),
        other => {
            let text = other.to_string();
            let lower = text.to_lowercase();
            if lower.contains("eof") || lower.contains("end of") || lower.contains("truncat") {
                DecodeError::Truncated
            } else {
                DecodeError::Corrupt(text)
            }
        }
    }
}

/// 8-bit RGB; alpha is composited on white paper (a transparent PNG is not a black page).
fn to_rgb_on_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (src, dst) in rgba.pixels().zip(out.pixels_mut()) {
        let a = u16::from(src[3]);
        for c in 0..3 {
            dst[c] = ((u16::from(src[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
