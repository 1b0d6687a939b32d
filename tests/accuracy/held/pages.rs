//! The held-out pages: laid out from the seed manual's forms as written
//! (`shared/seeds/000_064aaed3d8983410.txt`, 附件二) and from what a real resident ID card
//! carries, not from `src/fixtures`. Nothing here was looked at while a threshold was chosen.

use ab_glyph::FontVec;

use super::draw::{BLACK, Ink, Sheet, company_seal};

pub const COMPANY: &str = "重庆市渝北区启航建设工程有限公司";

/// How the imprint of one box is made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stamp {
    /// Centred in the box.
    Inside,
    /// Centred so that the ring crosses the box's right line.
    OnLine,
    /// Not stamped.
    Missing,
}

/// The three layouts a CA's form comes in.
#[derive(Clone, Copy, Debug)]
pub enum Layout {
    /// The seed's table: rows of a label cell (left) and a blank stamping cell (right), stacked.
    SeedTable,
    /// Two squares side by side under their captions.
    SideBySide,
    /// The project's own print view: a details table, then two 60 mm boxes labelled above.
    PrintView,
}

/// A seal-sample form; returns the boxes (x0, y0, x1, y1 in mm) in reading order.
pub fn seal_sample(sheet: &mut Sheet, font: &FontVec, layout: Layout) -> Vec<(f64, f64, f64, f64)> {
    let t = 0.18; // 0.5 pt, as the seed's table is ruled.
    sheet.text(font, 62.0, 18.0, 6.0, "附件二、电子印章取样表", BLACK);
    match layout {
        Layout::SeedTable => {
            let (l, m, r) = (20.0, 72.0, 190.0);
            let rows = [30.0, 42.0, 54.0, 124.0, 194.0, 218.0, 240.0];
            for &y in &rows {
                sheet.rule(l, y, r, y, t);
            }
            sheet.rule(l, rows[0], l, rows[6], t);
            sheet.rule(r, rows[0], r, rows[6], t);
            for pair in rows[..5].windows(2) {
                sheet.rule(m, pair[0], m, pair[1], t);
            }
            sheet.text(font, l + 3.0, rows[0] + 3.5, 4.2, "单位名称", BLACK);
            sheet.text(font, m + 3.0, rows[0] + 3.5, 4.2, COMPANY, BLACK);
            sheet.text(font, l + 3.0, rows[1] + 3.5, 4.2, "经办人", BLACK);
            sheet.text(font, m + 3.0, rows[1] + 3.5, 4.2, "李娜", BLACK);
            for (i, y) in [rows[2], rows[3]].into_iter().enumerate() {
                sheet.text(font, l + 3.0, y + 18.0, 4.2, &format!("印章取样处{}", i + 1), BLACK);
                let below = sheet.paragraph(
                    font,
                    l + 3.0,
                    y + 25.0,
                    m - l - 6.0,
                    3.5,
                    "(右侧空白处居中签盖，勿压线)",
                );
                sheet.paragraph(
                    font,
                    l + 3.0,
                    below + 3.0,
                    m - l - 6.0,
                    3.5,
                    "办理单位章请盖公章；办理法人章请盖法人私章和手写签字（无私章时仅签字即可）。",
                );
            }
            sheet.paragraph(
                font,
                l + 3.0,
                rows[4] + 3.0,
                r - l - 6.0,
                3.5,
                "上述两个方框内根据证书类型进行盖章，要求印章清晰完整，不得压线。共需取样两次，以便后期制作电子印章。请注意：印章模糊或不完整，将导致无法制作电子签章。",
            );
            sheet.text(font, l + 3.0, rows[5] + 4.0, 4.2, "经办人签名确认:", BLACK);
            sheet.text(font, 140.0, rows[5] + 12.0, 4.2, "年      月      日", BLACK);
            vec![(m, rows[2], r, rows[3]), (m, rows[3], r, rows[4])]
        }
        Layout::SideBySide => {
            sheet.text(font, 25.0, 34.0, 4.2, &format!("单位名称：{COMPANY}"), BLACK);
            sheet.text(font, 25.0, 42.0, 4.2, "经办人：李娜", BLACK);
            let boxes = vec![(25.0, 70.0, 95.0, 140.0), (115.0, 70.0, 185.0, 140.0)];
            for (i, &(x0, y0, x1, y1)) in boxes.iter().enumerate() {
                sheet.text(font, x0, y0 - 8.0, 4.2, &format!("印章取样处{}", i + 1), BLACK);
                sheet.frame(x0, y0, x1, y1, 0.3);
            }
            sheet.paragraph(
                font,
                25.0,
                150.0,
                160.0,
                3.5,
                "上述两个方框内根据证书类型进行盖章，要求印章清晰完整，不得压线。",
            );
            boxes
        }
        Layout::PrintView => {
            let rows = [30.0, 40.0, 50.0, 60.0];
            for &y in &rows {
                sheet.rule(20.0, y, 190.0, y, 0.26);
            }
            sheet.rule(20.0, rows[0], 20.0, rows[3], 0.26);
            sheet.rule(55.0, rows[0], 55.0, rows[3], 0.26);
            sheet.rule(190.0, rows[0], 190.0, rows[3], 0.26);
            for (i, (k, v)) in
                [("单位名称", COMPANY), ("经办人", "李娜"), ("证书类型", "单位证书带签章")].iter().enumerate()
            {
                let y = rows[i] + 3.0;
                sheet.text(font, 23.0, y, 4.0, k, BLACK);
                sheet.text(font, 58.0, y, 4.0, v, BLACK);
            }
            let boxes = vec![(30.0, 80.0, 90.0, 140.0), (120.0, 80.0, 180.0, 140.0)];
            for (i, &(x0, y0, x1, y1)) in boxes.iter().enumerate() {
                sheet.text(font, x0, y0 - 6.0, 3.5, &format!("印章取样处{}", i + 1), BLACK);
                sheet.frame(x0, y0, x1, y1, 0.53);
            }
            sheet.paragraph(
                font,
                20.0,
                152.0,
                170.0,
                3.5,
                "请在每个方框内居中加盖一枚清晰、完整的印章，勿压线。电子印章将从这里的印模制作。",
            );
            boxes
        }
    }
}

/// Stamps box `b` as `how`.
pub fn stamp_box(sheet: &mut Sheet, font: &FontVec, b: (f64, f64, f64, f64), how: Stamp, seed: u64) {
    let cy = (b.1 + b.3) / 2.0;
    match how {
        Stamp::Inside => company_seal(sheet, font, (b.0 + b.2) / 2.0, cy, COMPANY, seed),
        Stamp::OnLine => company_seal(sheet, font, b.2 - 19.0, cy, COMPANY, seed),
        Stamp::Missing => {}
    }
}

/// Colours of the national emblem as copiers print its gold.
#[derive(Clone, Copy, Debug)]
pub enum Gold {
    /// Close to the card's own gold.
    True,
    /// Ochre, as toner mixes it.
    Ochre,
    /// Orange-red, as a warm copier renders it.
    Orange,
    /// Nearly lost, as a copier short of yellow toner leaves it.
    Faded,
}

impl Gold {
    fn rgb(self) -> [u8; 3] {
        match self {
            Self::True => [240, 196, 52],
            Self::Ochre => [222, 168, 74],
            Self::Orange => [230, 142, 62],
            Self::Faded => [244, 236, 206],
        }
    }
}

/// The national emblem as a second-generation ID card prints it (about 20 × 22 mm): a red
/// field in a ring of gold wheat, the gold gate, one large and four small gold stars, the gold
/// cogwheel below and the red ribbon either side.
pub fn emblem(sheet: &mut Sheet, cx: f64, cy: f64, gold: Gold) {
    let g = gold.rgb();
    let red = [206, 32, 40];
    sheet.ellipse((cx, cy), (10.0, 11.0), None, Ink(g, 0));
    sheet.ellipse((cx, cy - 0.6), (7.6, 8.4), None, Ink(red, 0));
    // Wheat ears: notches of red between the gold grains.
    for k in 0..24 {
        let t = f64::from(k) / 24.0 * std::f64::consts::TAU;
        sheet.ellipse((cx + 8.8 * t.cos(), cy + 9.7 * t.sin()), (0.35, 0.35), None, Ink(red, 0));
    }
    sheet.star(cx - 2.6, cy - 4.6, 2.4, g);
    for (dx, dy) in [(1.4, -6.6), (2.9, -5.0), (3.3, -3.0), (2.8, -1.1)] {
        sheet.star(cx + dx, cy + dy, 0.9, g);
    }
    // The gate: base, body with five doors, two roofs.
    sheet.rect(cx - 5.6, cy + 2.6, cx + 5.6, cy + 3.6, g);
    sheet.rect(cx - 4.6, cy + 0.4, cx + 4.6, cy + 2.6, g);
    for d in 0..5 {
        let x = cx - 3.6 + f64::from(d) * 1.8;
        sheet.rect(x - 0.35, cy + 1.2, x + 0.35, cy + 2.6, red);
    }
    sheet.polygon(
        &[(cx - 5.4, cy + 0.4), (cx + 5.4, cy + 0.4), (cx + 4.2, cy - 0.6), (cx - 4.2, cy - 0.6)],
        g,
    );
    sheet.polygon(
        &[(cx - 3.4, cy - 0.6), (cx + 3.4, cy - 0.6), (cx + 2.4, cy - 1.6), (cx - 2.4, cy - 1.6)],
        g,
    );
    sheet.ellipse((cx, cy + 9.0), (2.6, 2.6), None, Ink(g, 0));
    sheet.ellipse((cx, cy + 9.0), (1.0, 1.0), None, Ink(red, 0));
    sheet.polygon(
        &[(cx - 9.5, cy + 7.5), (cx - 4.0, cy + 10.5), (cx - 5.0, cy + 12.0), (cx - 10.5, cy + 9.5)],
        red,
    );
    sheet.polygon(
        &[(cx + 9.5, cy + 7.5), (cx + 4.0, cy + 10.5), (cx + 5.0, cy + 12.0), (cx + 10.5, cy + 9.5)],
        red,
    );
}

/// Where the company seal goes on an ID-card copy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IdStamp {
    None,
    /// Over the front card's right edge, as staff stamp "across" a copy.
    OverEdge,
    /// Beside the back card, on the bare paper.
    Beside,
}

/// Both sides of a resident ID card copied at full size onto one A4 page; the card's corner
/// at (x, y) mm. Returns nothing: the truth is in the caller's choice of stamp.
pub fn id_copy(sheet: &mut Sheet, font: &FontVec, gold: Gold, stamp: IdStamp, seed: u64) {
    let (w, h) = (85.6, 54.0);
    let (x, front_y, back_y) = (62.0, 40.0, 120.0);
    for y in [front_y, back_y] {
        // The card's pale guilloche ground and its edge as the copier sees it.
        sheet.rect(x, y, x + w, y + h, [226, 236, 238]);
        for k in 0..40 {
            let yy = y + 2.0 + f64::from(k) * 1.3;
            if yy < y + h - 1.0 {
                sheet.rule(x + 1.0, yy, x + w - 1.0, yy, 0.08);
            }
        }
        sheet.frame(x, y, x + w, y + h, 0.15);
    }
    // Front: the holder's details and photo.
    let l = |s: &mut Sheet, dy: f64, k: &str, v: &str| {
        s.text(font, x + 4.0, front_y + dy, 2.6, k, [70, 110, 160]);
        s.text(font, x + 15.0, front_y + dy, 3.0, v, BLACK);
    };
    l(sheet, 5.0, "姓  名", "张伟");
    l(sheet, 11.0, "性  别", "男    民族  汉");
    l(sheet, 17.0, "出  生", "1985 年 3 月 12 日");
    l(sheet, 23.0, "住  址", "重庆市渝北区龙溪街道");
    sheet.text(font, x + 15.0, front_y + 28.0, 3.0, "金开大道 88 号", BLACK);
    sheet.text(font, x + 4.0, front_y + 44.0, 2.6, "公民身份号码", [70, 110, 160]);
    sheet.text(font, x + 24.0, front_y + 43.5, 3.6, "500112198503120019", BLACK);
    sheet.rect(x + 60.0, front_y + 6.0, x + 81.0, front_y + 32.0, [200, 204, 210]);
    sheet.ellipse((x + 70.5, front_y + 15.0), (4.5, 5.5), None, Ink([120, 120, 128], 0));
    sheet.ellipse((x + 70.5, front_y + 31.0), (8.5, 7.0), None, Ink([120, 120, 128], 0));
    // Back: the emblem at the top left, the title, the authority and validity.
    emblem(sheet, x + 13.0, back_y + 14.0, gold);
    sheet.text(font, x + 30.0, back_y + 8.0, 5.0, "中华人民共和国", BLACK);
    sheet.text(font, x + 26.0, back_y + 18.0, 7.0, "居民身份证", BLACK);
    sheet.text(font, x + 12.0, back_y + 38.0, 2.6, "签发机关", BLACK);
    sheet.text(font, x + 26.0, back_y + 38.0, 2.8, "重庆市公安局渝北分局", BLACK);
    sheet.text(font, x + 12.0, back_y + 45.0, 2.6, "有效期限", BLACK);
    sheet.text(font, x + 26.0, back_y + 45.0, 2.8, "2016.03.12-2036.03.12", BLACK);
    match stamp {
        IdStamp::None => {}
        IdStamp::OverEdge => company_seal(sheet, font, x + w, front_y + 30.0, COMPANY, seed),
        IdStamp::Beside => company_seal(sheet, font, x + w + 12.0, back_y + h + 18.0, COMPANY, seed),
    }
}
