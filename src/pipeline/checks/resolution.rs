//! Effective resolution: the page's pixels against its paper (A4 unless configured otherwise).
//! The geometric mean of both sides' dpi makes the figure independent of which way the page
//! was scanned and of a thin border the scanner added.

use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::Page;
use crate::pipeline::report::{Finding, Resolution, Status};

pub fn dpi(width_px: u32, height_px: u32, cfg: &PipelineConfig) -> f64 {
    let (w_in, h_in) = (cfg.paper_width_mm / 25.4, cfg.paper_height_mm / 25.4);
    (f64::from(width_px) * f64::from(height_px) / (w_in * h_in)).sqrt()
}

/// A page flattened from a photo (`page.resampled`) is told to move closer, not to rescan.
pub fn check(page: &Page, cfg: &PipelineConfig) -> Finding<Resolution> {
    let dpi = (dpi(page.width(), page.height(), cfg) * 10.0).round() / 10.0;
    let value = Resolution { dpi };
    let photo = page.resampled;
    if dpi < cfg.min_dpi_fail {
        let msg = if photo {
            format!("照片中的纸张不够清楚（约{dpi:.0}dpi），请靠近一些，让整页纸占满画面后重新拍摄")
        } else {
            format!("分辨率过低（约{dpi:.0}dpi），请以不低于200dpi重新扫描")
        };
        Finding::with(Status::Fail, "resolution.low", msg, value)
    } else if dpi < cfg.min_dpi_warn {
        let msg = if photo {
            format!("照片中的纸张略小（约{dpi:.0}dpi），建议靠近一些，让整页纸占满画面后重新拍摄")
        } else {
            format!("分辨率偏低（约{dpi:.0}dpi），建议以200–300dpi扫描")
        };
        Finding::with(Status::Warn, "resolution.marginal", msg, value)
    } else {
        Finding::pass(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a4_at_known_resolutions() {
        let cfg = PipelineConfig::default();
        assert!((dpi(1654, 2339, &cfg) - 200.0).abs() < 0.2);
        assert!((dpi(2480, 3508, &cfg) - 300.0).abs() < 0.2);
        // Landscape scan of the same page: same dpi.
        assert!((dpi(3508, 2480, &cfg) - 300.0).abs() < 0.2);
        assert!((dpi(827, 1169, &cfg) - 100.0).abs() < 0.2);
    }
}
