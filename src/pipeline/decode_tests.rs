//! One test per class of bad or unusual input: each gets a precise finding, none a panic.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageBuffer, ImageEncoder, Rgb, RgbImage, Rgba};

use super::*;
use crate::fixtures::degrade::exif_orientation;

fn cfg() -> PipelineConfig {
    PipelineConfig::default()
}

/// A 120×80 page: white, with a red square in the top-left corner (to see rotations).
fn marked() -> RgbImage {
    RgbImage::from_fn(
        120,
        80,
        |x, y| {
            if x < 20 && y < 20 { Rgb([220, 20, 20]) } else { Rgb([250, 250, 250]) }
        },
    )
}

fn jpeg(img: &RgbImage, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, 92);
    if let Some(exif) = exif {
        enc.set_exif_metadata(exif).unwrap();
    }
    enc.write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8).unwrap();
    out
}

fn png(img: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

fn code(bytes: &[u8]) -> &'static str {
    match decode(bytes, &cfg()) {
        Ok(_) => "ok",
        Err((e, _)) => e.code(),
    }
}

#[test]
fn an_empty_file_is_empty() {
    assert_eq!(code(b""), "format.empty");
}

#[test]
fn a_pdf_renamed_jpg_is_named_as_a_pdf() {
    let (e, info) = decode(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", &cfg()).err().unwrap();
    assert_eq!(e, DecodeError::Pdf);
    assert!(e.message_zh().contains("PDF"));
    assert_eq!(info.media_type, None);
}

#[test]
fn heic_gif_and_random_bytes_are_refused_by_name() {
    assert_eq!(code(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), "format.heic");
    assert_eq!(code(b"GIF89a\x01\0\x01\0"), "format.unsupported");
    let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert_eq!(code(&noise), "format.not_image");
}

#[test]
fn a_truncated_jpeg_is_caught_not_padded_with_grey() {
    let whole = jpeg(&marked(), None);
    assert_eq!(code(&whole), "ok");
    assert_eq!(code(&whole[..whole.len() / 2]), "format.truncated");
    assert_eq!(code(&whole[..40]), "format.truncated");
}

#[test]
fn a_corrupt_png_is_corrupt() {
    let mut bytes = png(&DynamicImage::ImageRgb8(marked()));
    let n = bytes.len();
    for b in &mut bytes[60..n - 20] {
        *b ^= 0x5A;
    }
    let c = code(&bytes);
    assert!(c == "format.corrupt" || c == "format.truncated", "{c}");
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header_before_decoding() {
    // A valid PNG header announcing 50 000 × 50 000 pixels (2.5 gigapixels), with no data.
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(50_000u32.to_be_bytes());
    ihdr.extend(50_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(13u32.to_be_bytes());
    bytes.extend(&ihdr);
    bytes.extend(crc32(&ihdr).to_be_bytes());
    let (e, info) = decode(&bytes, &cfg()).err().unwrap();
    assert_eq!(e.code(), "format.too_many_pixels");
    assert_eq!(info.media_type, Some("image/png"));
}

fn png_header(width: u32, height: u32, depth: u8, colour: u8) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([depth, colour, 0, 0, 0]);
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(13u32.to_be_bytes());
    bytes.extend(&ihdr);
    bytes.extend(crc32(&ihdr).to_be_bytes());
    // A few bytes of (bogus) image data and the end: enough for the header to be read whole.
    for (name, data) in [(&b"IDAT"[..], &b"\x78\x9c\x03\x00"[..]), (b"IEND", b"")] {
        let mut chunk = name.to_vec();
        chunk.extend(data);
        bytes.extend((data.len() as u32).to_be_bytes());
        bytes.extend(&chunk);
        bytes.extend(crc32(&chunk).to_be_bytes());
    }
    bytes
}

#[test]
fn a_16_bit_rgba_image_inside_the_pixel_limit_is_refused_by_its_decoded_size() {
    // The audit's 465 KB PNG: 11 999 × 4 990 (59.9 Mpx, inside max_pixels) at 16-bit RGBA
    // would need 479 MB for its own pixels alone.
    let bytes = png_header(11_999, 4_990, 16, 6);
    let (e, _) = decode(&bytes, &cfg()).err().unwrap();
    assert_eq!(e.code(), "format.too_many_pixels");
    assert!(e.message_zh().contains("11999×4990"), "{}", e.message_zh());
    // The same size at 8-bit grey is 60 MB + its RGB copy: within budget, so it gets as far
    // as its (missing) pixel data.
    let (grey, _) = decode(&png_header(11_999, 4_990, 8, 0), &cfg()).err().unwrap();
    assert_ne!(grey.code(), "format.too_many_pixels");
    assert_eq!(decoded_bytes(100, image::ColorType::Rgb8, 10, 10), 100);
    assert_eq!(decoded_bytes(800, image::ColorType::Rgba16, 10, 10), 800 + 700);
}

#[test]
fn a_progressive_jpeg_costs_its_coefficients_too() {
    let img = marked();
    let (w, h) = img.dimensions();
    let encode = |progressive: bool| {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
        enc.set_progressive(progressive);
        enc.encode(img.as_raw(), w as u16, h as u16, jpeg_encoder::ColorType::Rgb).unwrap();
        out
    };
    let (baseline, pixels) = memory_cost(&encode(false), &cfg()).unwrap();
    let (progressive, _) = memory_cost(&encode(true), &cfg()).unwrap();
    assert_eq!(pixels, u64::from(w) * u64::from(h));
    assert_eq!(baseline, pixels * 3, "8-bit RGB: its own pixels only");
    assert_eq!(progressive, pixels * 9, "plus two bytes per sample of coefficients");
    assert!(memory_cost(b"not an image", &cfg()).is_none());
}

#[test]
fn a_limit_hit_before_the_size_is_known_names_no_size() {
    assert!(!DecodeError::OverLimits.message_zh().contains("0×0"));
    assert_eq!(DecodeError::OverLimits.code(), "format.too_many_pixels");
}

#[test]
fn an_oversized_upload_is_refused_before_decoding() {
    let small = PipelineConfig { max_upload_bytes: 100, ..cfg() };
    let (e, _) = decode(&jpeg(&marked(), None), &small).err().unwrap();
    assert!(matches!(e, DecodeError::TooLarge { .. }));
}

#[test]
fn a_cmyk_jpeg_decodes_to_the_right_colours() {
    // Adobe CMYK JPEGs are stored inverted; a correct decoder gives white paper and a red mark.
    let (w, h) = (64u16, 48u16);
    let mut cmyk = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let red = x < 16 && y < 16;
            // Ink amounts C, M, Y, K (255 = full ink); the encoder stores them inverted with an
            // Adobe marker, as Photoshop does.
            let ink: [u8; 4] = if red { [0, 230, 230, 0] } else { [0, 0, 0, 0] };
            cmyk.extend(ink);
        }
    }
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, 95);
    enc.encode(&cmyk, w, h, jpeg_encoder::ColorType::Cmyk).unwrap();
    let d = decode(&out, &cfg()).unwrap();
    let paper = d.rgb.get_pixel(50, 40).0;
    let mark = d.rgb.get_pixel(5, 5).0;
    assert!(paper.iter().all(|&c| c > 230), "paper {paper:?}");
    assert!(mark[0] > 180 && mark[1] < 90 && mark[2] < 90, "mark {mark:?}");
}

#[test]
fn a_16_bit_png_becomes_8_bit() {
    let img: ImageBuffer<Rgb<u16>, Vec<u16>> =
        ImageBuffer::from_fn(40, 30, |x, _| Rgb([x as u16 * 1000, 65535, 0]));
    let d = decode(&png(&DynamicImage::ImageRgb16(img)), &cfg()).unwrap();
    assert_eq!(d.rgb.get_pixel(10, 0).0, [39, 255, 0]);
}

#[test]
fn transparency_is_paper_white_and_grey_files_are_marked_grey() {
    let img: ImageBuffer<Rgba<u8>, Vec<u8>> =
        ImageBuffer::from_fn(10, 10, |x, _| Rgba([0, 0, 0, if x < 5 { 0 } else { 255 }]));
    let d = decode(&png(&DynamicImage::ImageRgba8(img)), &cfg()).unwrap();
    assert_eq!((d.rgb.get_pixel(0, 0).0, d.rgb.get_pixel(9, 0).0), ([255; 3], [0; 3]));
    assert!(!d.grayscale_source);
    let grey = DynamicImage::ImageLuma8(image::GrayImage::from_pixel(10, 10, image::Luma([128])));
    assert!(decode(&png(&grey), &cfg()).unwrap().grayscale_source);
}

/// A TIFF-structured EXIF block with one entry: Orientation = `value`.
#[test]
fn exif_orientation_is_applied() {
    // Orientation 6: the stored image must be turned 90° clockwise to be upright.
    let d = decode(&jpeg(&marked(), Some(exif_orientation(6))), &cfg()).unwrap();
    assert_eq!(d.info.exif_orientation, Some(6));
    assert_eq!((d.rgb.width(), d.rgb.height()), (80, 120));
    // The mark in the stored top-left corner is now top-right.
    let tr = d.rgb.get_pixel(75, 5).0;
    assert!(tr[0] > 180 && tr[1] < 90, "{tr:?}");
    assert!(d.rgb.get_pixel(5, 5).0[1] > 200);
}

#[test]
fn the_pipeline_reports_bad_input_as_a_failed_format_finding() {
    let r = crate::pipeline::run(b"%PDF-1.4", crate::pipeline::DocKind::IdCard, &cfg());
    assert_eq!(r.verdict, crate::pipeline::Verdict::Fail);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["checks"]["format"]["code"], "format.pdf");
    assert!(json["checks"]["format"]["message"].as_str().unwrap().contains("JPG"));
    assert!(json["checks"].get("resolution").is_none());
}
