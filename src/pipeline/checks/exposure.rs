//! Exposure: too dark, washed out, glare, uneven lighting. Measured on the small luma copy in
//! a grid of tiles: each tile's 90th percentile is the paper there (text is sparse on these
//! documents), the page's 1st percentile is the ink.

use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::Page;
use crate::pipeline::report::{BBox, Exposure, Finding, Status};

use super::hist_quantile;

const GRID: u32 = 8;
/// Luma at which a pixel counts as blown out.
const CLIPPED: u8 = 250;

struct Tile {
    bbox: BBox,
    paper: u8,
    clipped: u32,
    pixels: u32,
}

fn tiles(page: &Page) -> (Vec<Tile>, [u32; 256]) {
    let img = &page.small;
    let (w, h) = img.dimensions();
    let mut all = [0u32; 256];
    let mut out = Vec::new();
    for ty in 0..GRID {
        for tx in 0..GRID {
            let (x0, x1) = (tx * w / GRID, (tx + 1) * w / GRID);
            let (y0, y1) = (ty * h / GRID, (ty + 1) * h / GRID);
            if x1 <= x0 || y1 <= y0 {
                continue;
            }
            let mut hist = [0u32; 256];
            let mut clipped = 0;
            for y in y0..y1 {
                for x in x0..x1 {
                    let v = img.get_pixel(x, y)[0];
                    hist[v as usize] += 1;
                    clipped += u32::from(v >= CLIPPED);
                }
            }
            for (a, b) in all.iter_mut().zip(hist) {
                *a += b;
            }
            let inv = 1.0 / page.small_scale;
            let bbox = [
                (f64::from(x0) * inv) as u32,
                (f64::from(y0) * inv) as u32,
                (f64::from(x1 - x0) * inv) as u32,
                (f64::from(y1 - y0) * inv) as u32,
            ];
            out.push(Tile { bbox, paper: hist_quantile(&hist, 0.9), clipped, pixels: (x1 - x0) * (y1 - y0) });
        }
    }
    (out, all)
}

pub fn check(page: &Page, cfg: &PipelineConfig) -> Finding<Exposure> {
    let (tiles, hist) = tiles(page);
    let total: u64 = hist.iter().map(|&c| u64::from(c)).sum();
    let mean =
        hist.iter().enumerate().map(|(v, &c)| v as f64 * f64::from(c)).sum::<f64>() / total.max(1) as f64;
    let mut papers: Vec<u8> = tiles.iter().map(|t| t.paper).collect();
    papers.sort_unstable();
    let q = |f: f64| f64::from(papers[((papers.len() - 1) as f64 * f).round() as usize]);
    let paper = q(0.5);
    let ink = f64::from(hist_quantile(&hist, 0.01));
    let contrast = paper - ink;
    let (bright, dim) = (q(0.9), q(0.1));
    let unevenness = if bright > 0.0 { (bright - dim) / bright } else { 0.0 };

    // Glare: blown-out patches on a page whose paper is not itself blown out.
    let glare_tiles: Vec<&Tile> = if paper < f64::from(CLIPPED) - 15.0 {
        tiles.iter().filter(|t| f64::from(t.clipped) > 0.3 * f64::from(t.pixels)).collect()
    } else {
        vec![]
    };
    let glare_px: u32 = glare_tiles.iter().map(|t| t.clipped).sum();
    let glare_fraction = f64::from(glare_px) / total.max(1) as f64;

    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    let mut value = Exposure {
        mean_luma: round(mean),
        contrast: round(contrast),
        glare_fraction: round(glare_fraction),
        unevenness: round(unevenness),
        regions: vec![],
    };
    if paper < cfg.exposure_dark_fail_paper_luma {
        return Finding::with(Status::Fail, "exposure.dark", "图片过暗，请在光线充足处重新扫描或拍摄", value);
    }
    if contrast < cfg.exposure_washed_out_contrast {
        return Finding::with(
            Status::Fail,
            "exposure.washed_out",
            "图片过亮或过淡，文字看不清，请调整后重新扫描",
            value,
        );
    }
    if glare_fraction >= cfg.exposure_glare_fraction {
        value.regions = glare_tiles.iter().map(|t| t.bbox).collect();
        return Finding::with(
            Status::Warn,
            "exposure.glare",
            "图片有反光，部分内容看不清，请避开灯光重新拍摄",
            value,
        );
    }
    if paper < cfg.exposure_dark_warn_paper_luma {
        return Finding::with(Status::Warn, "exposure.dark", "图片偏暗，建议在光线充足处重新扫描", value);
    }
    if unevenness > cfg.exposure_uneven_ratio {
        let darkest = tiles.iter().filter(|t| f64::from(t.paper) <= dim);
        value.regions = darkest.map(|t| t.bbox).collect();
        return Finding::with(Status::Warn, "exposure.uneven", "图片明暗不均，请在均匀光线下重新拍摄", value);
    }
    Finding::pass(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    /// A page of "text": dark 6×20 strokes every 24 px on paper of brightness `paper`,
    /// with ink of brightness `ink`, and `light(x, y)` added to everything.
    fn page(paper: u8, ink: u8, light: impl Fn(u32, u32) -> i32) -> Page {
        let img = RgbImage::from_fn(800, 1100, |x, y| {
            let text = x % 24 < 6 && y % 40 < 20 && (100..700).contains(&x) && (100..1000).contains(&y);
            let base = i32::from(if text { ink } else { paper });
            let v = (base + light(x, y)).clamp(0, 255) as u8;
            Rgb([v, v, v])
        });
        Page::new(img, false, &PipelineConfig::default())
    }

    fn status(p: &Page) -> (Status, Option<&'static str>) {
        let f = check(p, &PipelineConfig::default());
        (f.status, f.code)
    }

    #[test]
    fn a_clean_scan_passes() {
        assert_eq!(status(&page(245, 30, |_, _| 0)), (Status::Pass, None));
    }

    #[test]
    fn a_dark_photo_fails_and_a_dim_one_warns() {
        assert_eq!(status(&page(90, 20, |_, _| 0)), (Status::Fail, Some("exposure.dark")));
        assert_eq!(status(&page(135, 20, |_, _| 0)), (Status::Warn, Some("exposure.dark")));
    }

    #[test]
    fn faint_text_on_white_is_washed_out() {
        assert_eq!(status(&page(250, 205, |_, _| 0)), (Status::Fail, Some("exposure.washed_out")));
    }

    #[test]
    fn a_blown_out_patch_is_glare_with_its_region() {
        let p = page(215, 30, |x, y| if (200..450).contains(&x) && (300..600).contains(&y) { 80 } else { 0 });
        let f = check(&p, &PipelineConfig::default());
        assert_eq!(f.code, Some("exposure.glare"));
        assert!(!f.value.regions.is_empty());
    }

    #[test]
    fn light_falling_off_across_the_page_is_uneven() {
        let p = page(245, 20, |x, _| -(x as i32) / 5);
        assert_eq!(status(&p), (Status::Warn, Some("exposure.uneven")));
    }
}
