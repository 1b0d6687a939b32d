//! A structural fuzzer for the decoder and the image checks (issue 20): real JPEG, PNG (8-bit
//! and 16-bit with alpha), TIFF and WebP files made here are mutated where decoders are
//! fragile (header fields set to extremes, bytes flipped, chunks cut short or repeated) and
//! run through `pipeline::run`. No case may panic, and none may allocate past the decode budget
//! (`checks.max_decoded_bytes`) plus what the checks need for a page within it: a counting
//! allocator measures each case's peak.
//!
//! The budget is fixed: `SEALDESK_FUZZ_CASES` cases (default 3000, a few seconds), with a fixed seed so a
//! failure reproduces (proptest prints the minimal input).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sealdesk::pipeline::config::PipelineConfig;
use sealdesk::pipeline::{DocKind, run};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Small real files of every accepted format, the fuzzer's seeds.
fn seeds() -> Vec<Vec<u8>> {
    let rgb = image::RgbImage::from_fn(96, 128, |x, y| {
        if (x / 8 + y / 8) % 2 == 0 { image::Rgb([250, 250, 245]) } else { image::Rgb([20, 20, 30]) }
    });
    let rgba16 = image::DynamicImage::ImageRgb8(rgb.clone()).to_rgba16();
    let mut out = Vec::new();
    for (img, format) in [
        (image::DynamicImage::ImageRgb8(rgb.clone()), image::ImageFormat::Jpeg),
        (image::DynamicImage::ImageRgb8(rgb.clone()), image::ImageFormat::Png),
        (image::DynamicImage::ImageRgba16(rgba16), image::ImageFormat::Png),
        (image::DynamicImage::ImageRgb8(rgb.clone()), image::ImageFormat::Tiff),
        (
            image::DynamicImage::ImageRgba8(image::DynamicImage::ImageRgb8(rgb.clone()).to_rgba8()),
            image::ImageFormat::WebP,
        ),
        (image::DynamicImage::ImageRgb8(rgb), image::ImageFormat::Bmp),
    ] {
        let mut buf = std::io::Cursor::new(Vec::new());
        img.write_to(&mut buf, format).expect("seed encodes");
        out.push(buf.into_inner());
    }
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    /// A byte in the first 512 (where headers and dimensions live) set to a value.
    HeaderByte(usize, u8),
    /// A 32-bit big- or little-endian field set to an extreme.
    Field(usize, u32, bool),
    /// Any byte flipped.
    Flip(usize, u8),
    /// Cut at a point.
    Truncate(usize),
    /// A stretch repeated (a chunk or segment twice).
    Repeat(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let extreme = prop_oneof![
        Just(0u32),
        Just(1),
        Just(0xFFFF),
        Just(0x7FFF_FFFF),
        Just(u32::MAX),
        Just(65_500),
        any::<u32>()
    ];
    prop_oneof![
        (0usize..512, any::<u8>()).prop_map(|(i, b)| Mutation::HeaderByte(i, b)),
        (0usize..512, extreme, any::<bool>()).prop_map(|(i, v, be)| Mutation::Field(i, v, be)),
        (any::<usize>(), 1u8..=255).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Repeat(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let n = bytes.len().max(1);
    match *m {
        Mutation::HeaderByte(i, b) => {
            if i < bytes.len() {
                bytes[i] = b;
            }
        }
        Mutation::Field(i, v, be) => {
            let raw = if be { v.to_be_bytes() } else { v.to_le_bytes() };
            for (k, b) in raw.iter().enumerate() {
                if let Some(slot) = bytes.get_mut(i + k) {
                    *slot = *b;
                }
            }
        }
        Mutation::Flip(i, b) => {
            let i = i % n;
            if let Some(slot) = bytes.get_mut(i) {
                *slot ^= b;
            }
        }
        Mutation::Truncate(i) => bytes.truncate(i % n),
        Mutation::Repeat(i, len) => {
            let i = i % n;
            let end = (i + len).min(bytes.len());
            let piece = bytes[i..end].to_vec();
            bytes.splice(end..end, piece);
        }
    }
    bytes
}

#[test]
fn mutated_images_never_panic_nor_allocate_past_the_budget() {
    let cases: u32 = std::env::var("SEALDESK_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    // Smaller limits than production so each case is quick; the relation under test is the same.
    let cfg = PipelineConfig {
        max_pixels: 4_000_000,
        max_decoded_bytes: 32 << 20,
        max_side_px: 6_000,
        ..PipelineConfig::default()
    };
    // The checks keep a few planes of the page beside the decoded image.
    let allowed = cfg.max_decoded_bytes as usize * 4 + (16 << 20);
    let seeds = seeds();
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let worst = std::sync::Mutex::new(0usize);
    let decoded = AtomicUsize::new(0);
    let strategy = (0..seeds.len(), proptest::collection::vec(mutation(), 1..4));
    runner
        .run(&strategy, |(seed, mutations)| {
            let bytes = mutations.iter().fold(seeds[seed].clone(), apply);
            let before = LIVE.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let report = run(&bytes, DocKind::IdCard, &cfg);
            let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
            if report.checks.format.status == sealdesk::pipeline::Status::Pass {
                decoded.fetch_add(1, Ordering::Relaxed);
            }
            drop(report);
            let mut w = worst.lock().unwrap();
            *w = (*w).max(peak);
            prop_assert!(peak <= allowed, "case allocated {peak} bytes (allowed {allowed})");
            Ok(())
        })
        .unwrap();
    let decoded = decoded.load(Ordering::Relaxed);
    eprintln!(
        "fuzz: {cases} cases, {decoded} decoded and checked, worst peak {:.1} MiB",
        *worst.lock().unwrap() as f64 / 1_048_576.0
    );
    assert!(decoded > 0 && (decoded as u32) < cases, "the mutations reach both outcomes");
}
