//! Where an 18-character number can be on a levelled page: runs of glyphs of one height on one
//! baseline, about as long as 18 characters. Digits and capital letters share their top and
//! bottom, while Chinese characters are taller and of uneven extent, so a label beside a
//! number ends the run instead of joining it. Nothing here reads text; the runs are only
//! places worth reading.

use image::{GrayImage, Luma};

use crate::pipeline::checks::components;
use crate::pipeline::config::PipelineConfig;

/// A run of glyphs, in pixels of the search image.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    /// Mean glyph height.
    pub height: f64,
    pub glyphs: usize,
    /// Share of glyphs shaped like a digit or capital letter (narrower than they are tall);
    /// Chinese characters are about square.
    pub narrow: f64,
}

impl Run {
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }
}

/// How much taller than the line a glyph with a descender (Q, J) may be, in text heights.
const DESCENDER: f64 = 0.45;

struct Glyph {
    x0: f64,
    x1: f64,
    h: f64,
    y0: f64,
    y1: f64,
}

struct Group {
    glyphs: Vec<Glyph>,
    sum_h: f64,
    sum_top: f64,
    x1: f64,
}

impl Group {
    fn mean_h(&self) -> f64 {
        self.sum_h / self.glyphs.len() as f64
    }

    fn mean_top(&self) -> f64 {
        self.sum_top / self.glyphs.len() as f64
    }

    fn push(&mut self, g: Glyph) {
        self.sum_h += g.h;
        self.sum_top += g.y0;
        self.x1 = self.x1.max(g.x1);
        self.glyphs.push(g);
    }

    fn run(&self) -> Run {
        let y0 = self.glyphs.iter().map(|g| g.y0).fold(f64::MAX, f64::min);
        let y1 = self.glyphs.iter().map(|g| g.y1).fold(f64::MIN, f64::max);
        let n = self.glyphs.len();
        let narrow = self.glyphs.iter().filter(|g| g.x1 - g.x0 <= 0.8 * g.h).count() as f64 / n as f64;
        Run { x0: self.glyphs[0].x0, y0, x1: self.x1, y1, height: self.mean_h(), glyphs: n, narrow }
    }
}

/// Candidate runs on a levelled page (dark text on light), `px_per_mm` pixels per millimetre,
/// longest-looking first.
pub fn runs(page: &GrayImage, threshold: u8, px_per_mm: f64, cfg: &PipelineConfig) -> Vec<Run> {
    let ink = GrayImage::from_fn(page.width(), page.height(), |x, y| {
        Luma([if page.get_pixel(x, y)[0] < threshold { 255 } else { 0 }])
    });
    let (_, comps) = components(&ink, |_, _| true);
    let (min_h, max_h) = (cfg.number_min_text_mm * px_per_mm, cfg.number_max_text_mm * px_per_mm);
    let mut glyphs: Vec<Glyph> = comps
        .iter()
        .filter_map(|c| {
            let (w, h) = (f64::from(c.x1 - c.x0 + 1), f64::from(c.y1 - c.y0 + 1));
            let fits = (min_h..=max_h).contains(&h) && w <= h * cfg.number_max_glyph_aspect;
            fits.then(|| Glyph {
                x0: f64::from(c.x0),
                x1: f64::from(c.x1 + 1),
                h,
                y0: f64::from(c.y0),
                y1: f64::from(c.y1 + 1),
            })
        })
        .collect();
    glyphs.sort_by(|a, b| a.x0.total_cmp(&b.x0));

    let tol = cfg.number_line_tolerance;
    let mut open: Vec<Group> = Vec::new();
    let mut done: Vec<Run> = Vec::new();
    let keep = |g: &Group, done: &mut Vec<Run>| {
        let r = g.run();
        let ratio = r.width() / r.height;
        if (cfg.number_min_run_ratio..=cfg.number_max_run_ratio).contains(&ratio) && r.glyphs >= 8 {
            done.push(r);
        }
    };
    for g in glyphs {
        // Groups whose last glyph is too far left can take no more.
        let mut i = 0;
        while i < open.len() {
            if g.x0 - open[i].x1 > cfg.number_max_gap_ratio * open[i].mean_h() {
                let closed = open.swap_remove(i);
                keep(&closed, &mut done);
            } else {
                i += 1;
            }
        }
        // Characters of one line share their top; Q and J may hang below the others.
        let fit = open.iter_mut().find(|o| {
            let (h, top) = (o.mean_h(), o.mean_top());
            (-tol * h..=DESCENDER * h).contains(&(g.h - h)) && (g.y0 - top).abs() <= tol * h
        });
        match fit {
            Some(o) => o.push(g),
            None => {
                let (sum_h, sum_top, x1) = (g.h, g.y0, g.x1);
                open.push(Group { glyphs: vec![g], sum_h, sum_top, x1 });
            }
        }
    }
    for o in &open {
        keep(o, &mut done);
    }
    // The likeliest first: runs of narrow glyphs whose length is closest to 18.
    let score = |r: &Run| r.narrow - 0.02 * r.glyphs.abs_diff(18) as f64;
    done.sort_by(|a, b| score(b).total_cmp(&score(a)).then(a.y0.total_cmp(&b.y0)));
    done.truncate(cfg.number_max_candidates);
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageproc::drawing::draw_filled_rect_mut;
    use imageproc::rect::Rect;

    fn page() -> GrayImage {
        GrayImage::from_pixel(600, 200, Luma([250]))
    }

    fn glyph(img: &mut GrayImage, x: i32, y: i32, w: u32, h: u32) {
        draw_filled_rect_mut(img, Rect::at(x, y).of_size(w, h), Luma([20]));
    }

    #[test]
    fn eighteen_even_glyphs_make_a_run_and_a_taller_label_stays_out() {
        let mut img = page();
        // A "label": four taller, wider glyphs just before the number.
        for i in 0..4 {
            glyph(&mut img, 20 + i * 22, 46, 18, 22);
        }
        for i in 0..18 {
            glyph(&mut img, 120 + i * 14, 50, 9, 16);
        }
        let cfg = PipelineConfig::default();
        let runs = runs(&img, 128, 6.0, &cfg);
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0].glyphs, 18);
        assert_eq!(runs[0].x0, 120.0);
    }

    #[test]
    fn short_runs_and_lines_are_not_candidates() {
        let mut img = page();
        for i in 0..6 {
            glyph(&mut img, 20 + i * 14, 50, 9, 16);
        }
        glyph(&mut img, 10, 120, 560, 3);
        assert!(runs(&img, 128, 6.0, &PipelineConfig::default()).is_empty());
    }
}
