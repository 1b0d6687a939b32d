//! Seal imprints: red marks shaped like a seal.
//!
//! The page is cut into 0.5 mm cells; a cell is red when enough of its pixels are seal ink
//! (clearly redder than green and blue). Long straight red runs (printed red frames and rules)
//! are removed, the rest is closed by 1 mm so an imprint's ring, star and text join, and each
//! connected group is judged: a seal is 12–75 mm, not elongated, carries ink along most of its
//! outer ring (round, oval) or border (square), and is not red-and-gold or a solid red field
//! (the national emblem, however a copier rendered its gold).
//! Red headings and red-pen remarks fail the size, shape or ring tests. Black text under an
//! imprint does not matter: the ring around it stays red.

use image::{GrayImage, Luma};
use multiversion::multiversion;

use super::seal_text::{company_likeness, han, is_special_purpose};
use super::{Component, Labels, components, max_filter};
use crate::pipeline::DocKind;
use crate::pipeline::config::PipelineConfig;
use crate::pipeline::page::{BlockSums, Page, mark};
use crate::pipeline::report::{Finding, PrintedBy, PrintedSeal, Seal, SealFound, SealShape, Status};

/// Seal ink per 0.5 mm cell.
pub struct RedMap {
    /// Cell side in pixels.
    pub cell: u32,
    /// 255 where the cell is red.
    pub mask: GrayImage,
    red: Vec<u32>,
    gold: Vec<u32>,
}

impl RedMap {
    pub fn new(page: &Page, dpi: f64, cfg: &PipelineConfig) -> Self {
        let cell = ((dpi * 0.5 / 25.4).round() as u32).max(1);
        let (w, h) = page.rgb.dimensions();
        let (cw, ch) = (w.div_ceil(cell), h.div_ceil(cell));
        let mut cells = BlockSums::new(w, h, cell);
        count_cells(page.marks.as_raw(), &mut cells, &mut vec![0; w as usize]);
        let (red, gold): (Vec<u32>, Vec<u32>) =
            cells.finish().into_iter().map(|n| (n & 0xffff, n >> 16)).unzip();
        let need = (f64::from(cell * cell) * cfg.seal_min_cell_fraction).ceil() as u32;
        let mask = GrayImage::from_fn(cw, ch, |x, y| {
            Luma([if red[(y * cw + x) as usize] >= need { 255 } else { 0 }])
        });
        Self { cell, mask, red, gold }
    }

    fn sums(&self, x0: u32, y0: u32, x1: u32, y1: u32) -> (u64, u64) {
        let cw = self.mask.width();
        let (mut r, mut g) = (0u64, 0u64);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let i = (y * cw + x) as usize;
                r += u64::from(self.red[i]);
                g += u64::from(self.gold[i]);
            }
        }
        (r, g)
    }
}

/// Seal-ink and gold pixels of each cell of the page's marks, packed as red + gold << 16 (a
/// cell holds far fewer than 65536 pixels).
#[multiversion(targets("x86_64+avx2"))]
fn count_cells(marks: &[u8], cells: &mut BlockSums, packed: &mut [u32]) {
    for row in marks.chunks_exact(packed.len().max(1)) {
        for (f, &m) in packed.iter_mut().zip(row) {
            *f = u32::from(m & mark::SEAL) | (u32::from((m & mark::GOLD) >> 1) << 16);
        }
        cells.add_row(packed);
    }
}

/// Clears runs of set cells longer than `max` along rows and along columns (printed lines).
fn without_long_runs(mask: &GrayImage, max: u32) -> GrayImage {
    let (w, h) = (mask.width() as usize, mask.height() as usize);
    let src = mask.as_raw();
    let mut out = src.clone();
    // One line of cells, `len` long, the i-th at `at(i)`: runs longer than `max` cleared.
    let mut clear = |len: usize, at: &dyn Fn(usize) -> usize| {
        let mut start = 0;
        for i in 0..=len {
            if i < len && src[at(i)] > 0 {
                continue;
            }
            if i - start > max as usize {
                (start..i).for_each(|k| out[at(k)] = 0);
            }
            start = i + 1;
        }
    };
    for y in 0..h {
        clear(w, &|x| y * w + x);
    }
    for x in 0..w {
        clear(h, &|y| y * w + x);
    }
    GrayImage::from_raw(w as u32, h as u32, out).unwrap_or_else(|| mask.clone())
}

/// Share of 72 rays from the centre that meet the group's ink in the outer fifth of the
/// inscribed ellipse.
fn ring_coverage(labels: &Labels, mask: &GrayImage, g: &Component) -> f64 {
    let (cx, cy) = (f64::from(g.x0 + g.x1) / 2.0, f64::from(g.y0 + g.y1) / 2.0);
    let (a, b) = (f64::from(g.x1 - g.x0 + 1) / 2.0, f64::from(g.y1 - g.y0 + 1) / 2.0);
    let hits = (0..72)
        .filter(|k| {
            let t = f64::from(*k) * 5f64.to_radians();
            (0..=8).any(|s| {
                let f = 0.78 + 0.03 * f64::from(s);
                is_member(labels, mask, g.label, cx + a * f * t.cos(), cy + b * f * t.sin())
            })
        })
        .count();
    hits as f64 / 72.0
}

/// Share of 80 points along the bounding box that meet ink within 12 % of the side inwards.
fn border_coverage(labels: &Labels, mask: &GrayImage, g: &Component) -> f64 {
    let (w, h) = (f64::from(g.x1 - g.x0 + 1), f64::from(g.y1 - g.y0 + 1));
    let (x0, y0) = (f64::from(g.x0) + 0.5, f64::from(g.y0) + 0.5);
    let hits = (0..80)
        .filter(|k| {
            let side = k / 20;
            let t = f64::from(k % 20) / 20.0 + 0.025;
            (0..=4).any(|s| {
                let (dx, dy) = (w * 0.03 * f64::from(s), h * 0.03 * f64::from(s));
                let (x, y) = match side {
                    0 => (x0 + t * (w - 1.0), y0 + dy),
                    1 => (x0 + w - 1.0 - dx, y0 + t * (h - 1.0)),
                    2 => (x0 + t * (w - 1.0), y0 + h - 1.0 - dy),
                    _ => (x0 + dx, y0 + t * (h - 1.0)),
                };
                is_member(labels, mask, g.label, x, y)
            })
        })
        .count();
    hits as f64 / 80.0
}

/// Share of the red cells inside the middle of the group's inscribed ellipse (half its radii),
/// whichever group they belong to.
fn inner_fill(mask: &GrayImage, g: &Component) -> f64 {
    let (cx, cy) = (f64::from(g.x0 + g.x1 + 1) / 2.0, f64::from(g.y0 + g.y1 + 1) / 2.0);
    let (a, b) = (f64::from(g.x1 - g.x0 + 1) / 4.0, f64::from(g.y1 - g.y0 + 1) / 4.0);
    let (mut inside, mut red) = (0u32, 0u32);
    for y in (cy - b).floor().max(0.0) as u32..=((cy + b).ceil() as u32).min(mask.height() - 1) {
        for x in (cx - a).floor().max(0.0) as u32..=((cx + a).ceil() as u32).min(mask.width() - 1) {
            let (dx, dy) = ((f64::from(x) + 0.5 - cx) / a, (f64::from(y) + 0.5 - cy) / b);
            if dx * dx + dy * dy <= 1.0 {
                inside += 1;
                red += u32::from(mask.get_pixel(x, y)[0] > 0);
            }
        }
    }
    f64::from(red) / f64::from(inside.max(1))
}

fn is_member(labels: &Labels, mask: &GrayImage, label: u32, x: f64, y: f64) -> bool {
    let (x, y) = (x.floor(), y.floor());
    if x < 0.0 || y < 0.0 || x >= f64::from(mask.width()) || y >= f64::from(mask.height()) {
        return false;
    }
    let (x, y) = (x as u32, y as u32);
    mask.get_pixel(x, y)[0] > 0 && labels.get_pixel(x, y)[0] == label
}

/// The seal imprints on the page, in pixels of the page.
pub fn find(map: &RedMap, dpi: f64, cfg: &PipelineConfig) -> Vec<SealFound> {
    let cell_mm = f64::from(map.cell) * 25.4 / dpi;
    let max_cells = (cfg.seal_max_size_mm / cell_mm).ceil() as u32;
    let mask = without_long_runs(&map.mask, max_cells);
    let joined = max_filter(&mask, 2);
    let (labels, groups) = components(&joined, |x, y| mask.get_pixel(x, y)[0] > 0);
    let mut found = Vec::new();
    for g in &groups {
        let (w, h) = (f64::from(g.x1 - g.x0 + 1) * cell_mm, f64::from(g.y1 - g.y0 + 1) * cell_mm);
        let (long, short) = (w.max(h), w.min(h));
        if long < cfg.seal_min_size_mm || long > cfg.seal_max_size_mm || long / short > cfg.seal_max_aspect {
            continue;
        }
        let (red, gold) = map.sums(g.x0, g.y0, g.x1, g.y1);
        if gold as f64 > cfg.seal_max_gold_share * red as f64 {
            continue;
        }
        let ring = ring_coverage(&labels, &mask, g);
        let border = border_coverage(&labels, &mask, g);
        let (shape, completeness) = if border >= 0.85 && long / short < 1.25 && border > ring - 0.05 {
            (SealShape::Square, border)
        } else if ring >= cfg.seal_min_ring_coverage {
            (if long / short > 1.2 { SealShape::Oval } else { SealShape::Round }, ring)
        } else if border >= cfg.seal_min_ring_coverage && long / short < 1.25 {
            (SealShape::Square, border)
        } else {
            continue;
        };
        // An imprint is ink on paper: a ring, a star, characters, with paper between them. The
        // national emblem on an ID card is a solid field, red however its gold came out.
        if shape != SealShape::Square && inner_fill(&map.mask, g) > cfg.seal_max_inner_fill {
            continue;
        }
        let c = map.cell;
        if shape != SealShape::Square && long > cfg.seal_split_min_mm {
            let [r0, r1] = cfg.seal_split_radius_mm.map(|r| (r / cell_mm).round() as u32);
            let rings = super::seal_split::rings(&labels, &mask, g, (r0, r1), cfg.seal_split_min_support);
            if rings.len() >= 2 {
                for ring in rings {
                    let at = |v: f64, lo: u32, hi: u32| (v.round().max(f64::from(lo)) as u32).min(hi);
                    let (x0, y0) = (at(ring.cx - ring.r, g.x0, g.x1), at(ring.cy - ring.r, g.y0, g.y1));
                    let (x1, y1) = (at(ring.cx + ring.r, g.x0, g.x1), at(ring.cy + ring.r, g.y0, g.y1));
                    found.push(SealFound {
                        bbox: [x0 * c, y0 * c, (x1 - x0 + 1) * c, (y1 - y0 + 1) * c],
                        shape: SealShape::Round,
                        completeness: (ring.support * 100.0).round() / 100.0,
                        text: None,
                        purpose: None,
                    });
                }
                continue;
            }
        }
        found.push(SealFound {
            bbox: [g.x0 * c, g.y0 * c, (g.x1 - g.x0 + 1) * c, (g.y1 - g.y0 + 1) * c],
            shape,
            completeness: (completeness * 100.0).round() / 100.0,
            text: None,
            purpose: None,
        });
    }
    found.sort_by_key(|s| (s.bbox[1], s.bbox[0]));
    found
}

/// `is_colour` is the colour check's answer: without colour, red ink cannot be told apart.
/// `printed` are the seals set aside as part of the copied document (a licence's authority
/// seal, [`super::printed_seal`]).
/// `company` is the name the applicant typed, compared with the seals' text where it was read.
pub fn check(
    kind: DocKind,
    seals: Vec<SealFound>,
    printed: Vec<PrintedSeal>,
    is_colour: bool,
    company: Option<&str>,
    cfg: &PipelineConfig,
) -> Finding<Seal> {
    let value = Seal { count: seals.len(), seals, printed };
    if kind == DocKind::Other {
        return Finding::pass(value);
    }
    if value.count == 0 {
        if value.printed.iter().any(|p| p.by == PrintedBy::Position) {
            return Finding::with(
                Status::Warn,
                "seal.unconfirmed",
                "只在登记机关印章的位置找到红色印章，未能确认已加盖本单位公章，请人工核对",
                value,
            );
        }
        if !value.printed.is_empty() {
            return Finding::with(
                Status::Fail,
                "seal.missing",
                "营业执照复印件上只有登记机关的印章，未检测到本单位公章，请加盖公章后彩色扫描上传",
                value,
            );
        }
        if !is_colour {
            return Finding::with(
                Status::Unknown,
                "seal.grayscale",
                "图片不是彩色的，无法确认是否加盖公章，请加盖公章后彩色扫描上传",
                value,
            );
        }
        if kind.requires_seal() {
            return Finding::with(
                Status::Fail,
                "seal.missing",
                "未检测到红色公章，请加盖公章后彩色扫描上传",
                value,
            );
        }
    }
    if let Some(purpose) =
        value.seals.iter().find_map(|s| s.purpose.as_deref().filter(|p| is_special_purpose(p)))
    {
        let msg = format!("印章为“{purpose}”，不是单位公章，请加盖单位公章后重新上传");
        return Finding::with(Status::Warn, "seal.not_official", msg, value);
    }
    let all: Vec<&SealFound> = value.seals.iter().chain(value.printed.iter().map(|p| &p.seal)).collect();
    let clear: Vec<&SealFound> =
        value.seals.iter().filter(|s| !all.iter().any(|o| !std::ptr::eq(*o, *s) && overlap(s, o))).collect();
    if let Some(company) = company.filter(|c| other_name(&clear, c, cfg).is_some()) {
        // The reading itself stays in the report for reviewers (`seals[].text`): a misread
        // is no fact to put before the applicant.
        let msg = format!("印章上的文字与单位名称“{company}”不一致，请确认加盖的是本单位公章");
        return Finding::with(Status::Warn, "seal.other_name", msg, value);
    }
    if value.seals.iter().any(|s| s.completeness < cfg.seal_complete_coverage) {
        return Finding::with(Status::Warn, "seal.unclear", "印章不完整或不清晰，请确认盖章清晰完整", value);
    }
    Finding::pass(value)
}

/// Whether two imprints overlap (a company seal stamped over the licence's authority seal):
/// the other's ink runs through each one's text, and neither reading is evidence of a name.
fn overlap(a: &SealFound, b: &SealFound) -> bool {
    let [ax, ay, aw, ah] = a.bbox;
    let [bx, by, bw, bh] = b.bbox;
    let w = (ax + aw).min(bx + bw).saturating_sub(ax.max(bx));
    let h = (ay + ah).min(by + bh).saturating_sub(ay.max(by));
    u64::from(w) * u64::from(h) * 10 > u64::from(aw.min(bw)) * u64::from(ah.min(bh))
}

/// The name read on the seals (those clear of other imprints) when none of them reads like
/// `company`: some round seal's text was read in full (at least half the name's length) and
/// every reading differs. A seal whose text could not be read says nothing.
fn other_name(seals: &[&SealFound], company: &str, cfg: &PipelineConfig) -> Option<String> {
    let least = han(company).chars().count().div_ceil(2).max(4);
    let read: Vec<&str> =
        seals.iter().filter_map(|s| s.text.as_deref()).filter(|t| t.chars().count() >= least).collect();
    let differs = |t: &&str| company_likeness(t, company) < cfg.seal_text_min_similarity;
    (!read.is_empty() && read.iter().all(differs)).then(|| read[0].to_string())
}
