//! A business licence copy (营业执照 副本) laid out as the national style of 2019 prints it, not
//! as `src/fixtures` draws one: an ornamental border, the national emblem at the top centre, the
//! credit code top left and a QR code top right, the fields in two columns, and the
//! registration authority's red seal printed over 登记机关 and the date at the lower right,
//! copied onto A4.

use ab_glyph::FontVec;

use super::draw::{BLACK, Ink, Sheet, company_seal, round_seal};
use super::pages::{COMPANY, Gold, emblem};

pub const AUTHORITY: &str = "重庆市渝北区市场监督管理局";

/// Where the applicant stamped the copy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LicenceStamp {
    /// Not stamped: only the printed authority seal is red.
    None,
    /// Over the printed authority seal, the two rings crossing.
    OverAuthority,
    /// Beside the authority seal, at its height.
    BesideAuthority,
    /// In the middle of the page, over the business scope.
    Middle,
}

/// The printed seal's red, as the licence's press lays it (even, a little darker than ink).
const PRINTED_RED: [u8; 3] = [196, 36, 44];
/// The border's bronze.
const BORDER: [u8; 3] = [168, 120, 64];

/// Draws the licence copy on `sheet` and the applicant's stamp where `stamp` says.
pub fn licence_copy(sheet: &mut Sheet, font: &FontVec, stamp: LicenceStamp, seed: u64) {
    let (l, t, r, b) = (16.0, 18.0, 194.0, 282.0);
    border(sheet, (l, t, r, b));
    emblem(sheet, 105.0, 40.0, Gold::True);
    sheet.text(font, 24.0, 28.0, 3.2, "统一社会信用代码", BLACK);
    sheet.text(font, 24.0, 34.0, 3.6, "91500112MA5U8K3X7P", BLACK);
    qr(sheet, (158.0, 26.0), 24.0, seed);
    sheet.text(font, 150.0, 52.0, 2.2, "扫描二维码登录“国家企业信用", BLACK);
    sheet.text(font, 150.0, 55.5, 2.2, "信息公示系统”了解更多登记、", BLACK);
    sheet.text(font, 150.0, 59.0, 2.2, "备案、许可、监管信息。", BLACK);
    sheet.text(font, 63.0, 62.0, 20.0, "营业执照", BLACK);
    sheet.text(font, 94.0, 86.0, 5.0, "（副 本）", BLACK);
    let field = |s: &mut Sheet, x: f64, y: f64, k: &str, v: &str| {
        s.text(font, x, y, 3.6, k, BLACK);
        s.text(font, x + 22.0, y, 3.6, v, BLACK);
    };
    field(sheet, 26.0, 104.0, "名    称", COMPANY);
    field(sheet, 26.0, 114.0, "类    型", "有限责任公司（自然人投资或控股）");
    field(sheet, 26.0, 124.0, "法定代表人", "张伟");
    sheet.text(font, 26.0, 134.0, 3.6, "经营范围", BLACK);
    sheet.paragraph(
        font,
        48.0,
        134.0,
        70.0,
        3.4,
        "许可项目：建设工程施工；建设工程设计；住宅室内装饰装修。（依法须经批准的项目，经相关部门\
         批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）一般项目：建筑材料\
         销售；五金产品零售；园林绿化工程施工；工程管理服务。（除依法须经批准的项目外，凭营业执照\
         依法自主开展经营活动）",
    );
    field(sheet, 124.0, 104.0, "注册资本", "贰仟万元整");
    field(sheet, 124.0, 114.0, "成立日期", "2016 年 03 月 08 日");
    field(sheet, 124.0, 124.0, "营业期限", "2016 年 03 月 08 日至长期");
    sheet.text(font, 124.0, 134.0, 3.6, "住    所", BLACK);
    sheet.paragraph(font, 146.0, 134.0, 40.0, 3.4, "重庆市渝北区龙溪街道金开大道88号3幢12-6");
    // The authority block: its name, the seal printed over it, the date across the seal.
    sheet.text(font, 120.0, 232.0, 4.2, "登记机关", BLACK);
    round_seal(sheet, font, (152.0, 236.0), 21.0, AUTHORITY, Ink(PRINTED_RED, 0));
    sheet.text(font, 130.0, 250.0, 4.0, "2021 年 05 月 18 日", BLACK);
    sheet.text(font, 30.0, 266.0, 2.4, "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn", BLACK);
    sheet.text(
        font,
        30.0,
        270.5,
        2.4,
        "市场主体应当于每年1月1日至6月30日通过国家企业信用信息公示系统报送公示年度报告。",
        BLACK,
    );
    sheet.text(font, 86.0, 276.0, 2.6, "国家市场监督管理总局监制", BLACK);
    match stamp {
        LicenceStamp::None => {}
        LicenceStamp::OverAuthority => company_seal(sheet, font, 136.0, 226.0, COMPANY, seed),
        LicenceStamp::BesideAuthority => company_seal(sheet, font, 88.0, 234.0, COMPANY, seed),
        LicenceStamp::Middle => company_seal(sheet, font, 84.0, 160.0, COMPANY, seed),
    }
}

/// The licence's ornamental border: two bronze rules with a band of small lozenges between.
fn border(sheet: &mut Sheet, (l, t, r, b): (f64, f64, f64, f64)) {
    let frame = |s: &mut Sheet, d: f64, w: f64| {
        s.rect(l + d, t + d, r - d, t + d + w, BORDER);
        s.rect(l + d, b - d - w, r - d, b - d, BORDER);
        s.rect(l + d, t + d, l + d + w, b - d, BORDER);
        s.rect(r - d - w, t + d, r - d, b - d, BORDER);
    };
    frame(sheet, 0.0, 0.8);
    frame(sheet, 4.2, 0.3);
    let lozenge = |s: &mut Sheet, x: f64, y: f64| {
        s.polygon(&[(x, y - 1.2), (x + 1.2, y), (x, y + 1.2), (x - 1.2, y)], BORDER);
    };
    let mut x = l + 3.0;
    while x < r - 2.0 {
        lozenge(sheet, x, t + 2.5);
        lozenge(sheet, x, b - 2.5);
        x += 3.5;
    }
    let mut y = t + 6.0;
    while y < b - 5.0 {
        lozenge(sheet, l + 2.5, y);
        lozenge(sheet, r - 2.5, y);
        y += 3.5;
    }
}

/// A QR code's look: 25 × 25 modules, the three finder squares, the rest from `seed`.
fn qr(sheet: &mut Sheet, (x, y): (f64, f64), size: f64, seed: u64) {
    let m = size / 25.0;
    let mut h = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for j in 0..25 {
        for i in 0..25 {
            let finder = |fi: i32, fj: i32| {
                let (di, dj) = (i - fi, j - fj);
                (0..7).contains(&di) && (0..7).contains(&dj)
            };
            let dark = if finder(0, 0) || finder(18, 0) || finder(0, 18) {
                let (di, dj) = ((i % 18).min(6), (j % 18).min(6));
                let ring = di == 0 || dj == 0 || di == 6 || dj == 6;
                let core = (2..5).contains(&di) && (2..5).contains(&dj);
                ring || core
            } else {
                h ^= h << 13;
                h ^= h >> 7;
                h ^= h << 17;
                h.is_multiple_of(2)
            };
            if dark {
                let (mx, my) = (x + f64::from(i) * m, y + f64::from(j) * m);
                sheet.rect(mx, my, mx + m, my + m, BLACK);
            }
        }
    }
}
