//! Every threshold of every check, with its unit in its name. Deserialised from the `[checks]`
//! section of the configuration; the defaults are the values the accuracy report was measured with.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Uploads larger than this are refused before decoding.
    pub max_upload_bytes: u64,
    /// Width × height read from the header; larger images are refused before decoding
    /// (decompression bombs).
    pub max_pixels: u64,
    /// Longest side in pixels, also checked from the header.
    pub max_side_px: u32,
    /// Memory one decode may take, from the header: width × height × channels × bytes per
    /// sample of the file's own pixels, plus the 8-bit RGB copy the checks work on when the file
    /// is not 8-bit RGB already. A 16-bit RGBA image inside `max_pixels` can need half a
    /// gigabyte; this refuses it before a pixel is decoded.
    pub max_decoded_bytes: u64,
    /// Paper the page is assumed to be printed on (A4).
    pub paper_width_mm: f64,
    pub paper_height_mm: f64,
    /// Finding the page in a photo: paper and background must differ by this much in paper
    /// score (luminance less chroma, 0–255), else they cannot be told apart.
    pub page_min_contrast: f64,
    /// How much chroma counts against paper in the paper score (luminance less this × chroma),
    /// tried in turn while no whole sheet is found: the first suits most desks; the second
    /// tells neutral paper in shadow from a lit cream or beige cloth that is brighter than it.
    pub page_chroma_weights: Vec<f64>,
    /// Paper running along this share of three sides of the image and of its whole border: the
    /// page fills the image (a scan).
    pub page_fills_frame_share: f64,
    /// Thresholds tried between Otsu's and the paper's own level, this many levels apart (the
    /// highest this far under the paper).
    pub page_min_step: f64,
    /// Paper covering less than this share of the image is not the page.
    pub page_min_share: f64,
    /// A side of the photo cuts the page when paper runs along more than this share of it.
    pub page_cut_min_share: f64,
    /// A page square to the frame and cut by it over at least this share of the image is a scan
    /// with a band of the scanner's lid beside it, not a cut photo.
    pub page_scan_share: f64,
    /// The paper's hull may exceed the four fitted sides' area by this factor (rounding, noise);
    /// beyond it something else is attached to the sheet.
    pub page_max_bulge: f64,
    /// The found page's long/short ratio may differ from the paper's by this factor (tilt).
    pub page_max_aspect_error: f64,
    /// Below `min_dpi_fail` the scan fails; below `min_dpi_warn` it warns.
    pub min_dpi_fail: f64,
    pub min_dpi_warn: f64,
    /// A pixel is coloured when max(R,G,B) − min(R,G,B) reaches this (0–255).
    pub colour_min_chroma: u8,
    /// A scan is colour when at least this share of its pixels is coloured.
    pub colour_min_fraction: f64,
    /// Paper luminance (0–255, the page's typical bright level) below which the scan is too
    /// dark: warn, then fail.
    pub exposure_dark_warn_paper_luma: f64,
    pub exposure_dark_fail_paper_luma: f64,
    /// Ink contrast (paper minus ink luminance, 0–255) below which text is washed out.
    pub exposure_washed_out_contrast: f64,
    /// Share of the page that is blown-out white in a region brighter than the paper (glare).
    pub exposure_glare_fraction: f64,
    /// (brightest − darkest) paper luminance across the page, relative to the brightest.
    pub exposure_uneven_ratio: f64,
    /// Skew up to `max_skew_deg_pass` passes, up to `max_skew_deg_warn` warns, beyond fails.
    pub max_skew_deg_pass: f64,
    pub max_skew_deg_warn: f64,
    /// Angles searched either side of level.
    pub skew_search_deg: f64,
    /// Fewer dark pixels than this (at quarter size) and the skew is unknown.
    pub skew_min_ink_points: usize,
    /// Peak-to-median ratio of the projection scores below which the angle is not trusted.
    pub skew_min_confidence: f64,
    /// Glyph ink (orientation): connected ink longer than this is a rule, frame or edge.
    pub glyph_max_size_mm: f64,
    /// Thin ink (five times longer than wide) longer than this is a piece of a rule.
    pub glyph_max_stroke_mm: f64,
    /// Radius of the neighbourhood whose brightest pixel is the paper behind a pixel.
    pub glyph_background_radius_mm: f64,
    /// A glyph pixel is darker than that mean by this share of the page's contrast.
    pub glyph_min_contrast_share: f64,
    /// Across-to-along profile ratio below which the orientation is not trusted.
    pub orientation_min_ratio: f64,
    /// Upright against upside down: weight of the flush-left margin (share of line starts
    /// aligned minus share of line ends aligned) against the ink's vertical balance.
    pub orientation_flush_weight: f64,
    /// Upside down is claimed (or upright passed) only when the flush-left and top-heavy
    /// evidence is at least this clear; below it the finding is `unknown` until the number,
    /// read at one turn only, decides.
    pub orientation_min_upright_margin: f64,
    /// Blur beyond this (σ of an equivalent Gaussian, millimetres on the paper) fails.
    pub clarity_max_blur_mm: f64,
    /// Fewer strong edges than this and clarity is unknown.
    pub clarity_min_edges: usize,
    /// Edges lower than this (luma levels) are never measured, whatever the page's contrast.
    pub clarity_min_edge_contrast: i32,
    /// Seal ink: R exceeds max(G, B) by at least this (0–255).
    pub seal_min_redness: u8,
    /// Share of a 0.5 mm cell that must be seal ink for the cell to count.
    pub seal_min_cell_fraction: f64,
    /// An imprint's longer side lies between these, in millimetres.
    pub seal_min_size_mm: f64,
    pub seal_max_size_mm: f64,
    /// Longer over shorter side at most (an oval seal is about 1.45).
    pub seal_max_aspect: f64,
    /// Share of the outer ring or border that must carry ink for a red mark to be a seal.
    pub seal_min_ring_coverage: f64,
    /// A round red group longer than this (mm) may be two imprints overlapping (a company seal
    /// over a licence's authority seal): it is searched for rings of a round seal's radius
    /// (`seal_split_radius_mm`), and split when two or more carry at least
    /// `seal_split_min_support` of their circumference in ink.
    pub seal_split_min_mm: f64,
    pub seal_split_radius_mm: [f64; 2],
    pub seal_split_min_support: f64,
    /// Below this ring coverage a found seal is reported as incomplete (warn).
    pub seal_complete_coverage: f64,
    /// Red marks with more gold than this share of their red (the national emblem) are not seals.
    pub seal_max_gold_share: f64,
    /// A round or oval imprint is mostly paper inside: at most this share of the middle of its
    /// ellipse (half the radii) is red. The emblem's red field fills it.
    pub seal_max_inner_fill: f64,
    /// Similarity (0–1, by characters) from which a seal's arc text counts as naming a
    /// registration authority, or as the typed company name.
    pub seal_text_min_similarity: f64,
    /// Where a licence prints its registration authority's seal: right of and below these
    /// fractions of the upright page. Used only when the seal's text could not be read.
    pub seal_authority_zone_min_x: f64,
    pub seal_authority_zone_min_y: f64,
    /// Sample boxes of the seal-sample form: side length range, millimetres.
    pub seal_box_min_side_mm: f64,
    pub seal_box_max_side_mm: f64,
    /// A box's longer side is at most this many times its shorter (a table's stamping cell is
    /// wider than tall).
    pub seal_box_max_aspect: f64,
    /// A box is nearly empty: at most this share of its inside (quarter-size cells, 1.5 mm in
    /// from its lines) holds dark ink; a label cell full of instructions is not a box.
    pub seal_box_max_ink_share: f64,
    /// Seal ink within this distance of a box line counts as touching it, millimetres.
    pub seal_box_line_clearance_mm: f64,
    /// Number finding: glyph heights of a number's characters, millimetres on the paper.
    pub number_min_text_mm: f64,
    pub number_max_text_mm: f64,
    /// A glyph is at most this many times as wide as it is tall (touching characters merge).
    pub number_max_glyph_aspect: f64,
    /// Glyphs of one line differ in height and centre by at most this share of the height.
    pub number_line_tolerance: f64,
    /// The gap between neighbouring glyphs of one number, at most, in text heights.
    pub number_max_gap_ratio: f64,
    /// A number's run is this many text heights long (18 characters, with some slack).
    pub number_min_run_ratio: f64,
    pub number_max_run_ratio: f64,
    /// Runs read per page and orientation, at most.
    pub number_max_candidates: usize,
    /// Resolution of the copy of the page the runs are searched in.
    pub number_search_dpi: u32,
    /// Padding above and below a run before it is read, in text heights (at least half).
    pub number_pad_ratio: f64,
    /// Padding left and right, in text heights: wide enough to take in an end character the
    /// search missed (a broken glyph); whatever else it takes in, the check digit sorts out.
    pub number_pad_x_ratio: f64,
    /// Text heights, in pixels, a run is scaled to for reading; tried in order until the
    /// check digit passes.
    pub number_read_heights_px: Vec<u32>,
    /// Company name on a licence: lines searched below the credit code, as far as this many of
    /// its text heights.
    pub name_search_heights: f64,
    /// Lines read with the Chinese engine, at most, nearest first.
    pub name_max_lines: usize,
    /// Height in pixels a line is scaled to for the Chinese engine.
    pub name_line_px: f64,
    /// Similarity (0–1, by characters) from which the name counts as the typed one. One
    /// character can make another company (建设 / 建筑), so only identical passes by default;
    /// anything less is a warning with the similarity for the reviewer.
    pub name_pass_similarity: f64,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            max_upload_bytes: 20 * 1024 * 1024,
            max_pixels: 60_000_000,
            max_side_px: 12_000,
            max_decoded_bytes: 256 * 1024 * 1024,
            paper_width_mm: 210.0,
            paper_height_mm: 297.0,
            page_min_contrast: 40.0,
            page_chroma_weights: vec![1.5, 3.0],
            page_fills_frame_share: 0.75,
            page_min_step: 12.0,
            page_min_share: 0.15,
            page_cut_min_share: 0.015,
            page_scan_share: 0.8,
            page_max_bulge: 1.02,
            page_max_aspect_error: 1.3,
            min_dpi_fail: 150.0,
            min_dpi_warn: 190.0,
            colour_min_chroma: 48,
            colour_min_fraction: 0.0005,
            exposure_dark_warn_paper_luma: 150.0,
            exposure_dark_fail_paper_luma: 110.0,
            exposure_washed_out_contrast: 60.0,
            exposure_glare_fraction: 0.02,
            exposure_uneven_ratio: 0.35,
            max_skew_deg_pass: 2.0,
            max_skew_deg_warn: 5.0,
            skew_search_deg: 20.0,
            skew_min_ink_points: 400,
            skew_min_confidence: 1.2,
            glyph_max_size_mm: 16.0,
            glyph_max_stroke_mm: 5.0,
            glyph_background_radius_mm: 2.0,
            glyph_min_contrast_share: 0.25,
            orientation_min_ratio: 1.05,
            orientation_flush_weight: 5.0,
            orientation_min_upright_margin: 0.1,
            clarity_max_blur_mm: 0.1,
            clarity_min_edges: 200,
            clarity_min_edge_contrast: 40,
            seal_min_redness: 35,
            seal_min_cell_fraction: 0.1,
            seal_min_size_mm: 12.0,
            seal_max_size_mm: 75.0,
            seal_max_aspect: 1.8,
            seal_min_ring_coverage: 0.5,
            seal_split_min_mm: 48.0,
            seal_split_radius_mm: [14.0, 23.0],
            seal_split_min_support: 0.8,
            seal_complete_coverage: 0.8,
            seal_max_gold_share: 0.1,
            seal_max_inner_fill: 0.6,
            seal_text_min_similarity: 0.6,
            seal_authority_zone_min_x: 0.45,
            seal_authority_zone_min_y: 0.55,
            seal_box_min_side_mm: 40.0,
            seal_box_max_side_mm: 180.0,
            seal_box_max_aspect: 3.0,
            seal_box_max_ink_share: 0.06,
            seal_box_line_clearance_mm: 0.3,
            number_min_text_mm: 1.5,
            number_max_text_mm: 7.0,
            number_max_glyph_aspect: 4.0,
            number_line_tolerance: 0.25,
            number_max_gap_ratio: 1.5,
            number_min_run_ratio: 9.0,
            number_max_run_ratio: 30.0,
            number_max_candidates: 12,
            number_search_dpi: 150,
            number_pad_ratio: 0.6,
            number_pad_x_ratio: 1.5,
            number_read_heights_px: vec![32, 24, 44],
            name_search_heights: 25.0,
            name_max_lines: 4,
            name_line_px: 40.0,
            name_pass_similarity: 1.0,
        }
    }
}
