//! The page in a photo: whole and found (flattened before the other checks), filling the image
//! (a scan, left as it is), cut off by the photo's edge (retake it), or not told apart from the
//! table it lies on (unknown).

use crate::pipeline::report::{Finding, PageFrame, Status};
use crate::pipeline::sheet::{Found, Quad, Side};

/// `turns`: the orientation check's quarter turns of the content on the flattened page.
pub fn check(found: &Found, turns: u8) -> Finding<PageFrame> {
    let upright = |q: &Quad| -> [[f64; 2]; 4] {
        let r = |v: f64| (v * 10.0).round() / 10.0;
        std::array::from_fn(|i| q[(i + 4 - usize::from(turns % 4)) % 4].map(r))
    };
    match found {
        Found::FillsFrame => Finding::pass(PageFrame { corners: None, fills_frame: true }),
        Found::Sheet(q) => Finding::pass(PageFrame { corners: Some(upright(q)), fills_frame: false }),
        Found::CutOff(sides, q) => {
            let value = PageFrame { corners: Some(upright(q)), fills_frame: false };
            Finding::with(Status::Fail, "page.cut_off", cut_off_message(sides), value)
        }
        Found::NotFound => Finding::with(
            Status::Unknown,
            "page.not_found",
            "照片中找不到纸张的边缘（纸张和桌面颜色太接近），请把文件放在深色桌面上重新拍摄，或用扫描仪扫描",
            PageFrame { corners: None, fills_frame: false },
        ),
    }
}

fn cut_off_message(sides: &[Side]) -> String {
    let names: Vec<String> = sides.iter().map(|s| format!("{}边", s.zh())).collect();
    format!("照片没有拍全：纸张超出了照片的{}，请把整张纸都放进画面后重新拍摄", names.join("和"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_follow_the_upright_page() {
        let q = [[10.0, 20.0], [110.0, 20.0], [110.0, 160.0], [10.0, 160.0]];
        let f = check(&Found::Sheet(q), 0);
        assert_eq!(f.value.corners, Some(q));
        // Content turned a quarter anticlockwise: the page's top-left is the sheet's bottom-left.
        let f = check(&Found::Sheet(q), 1);
        assert_eq!(f.value.corners.map(|c| c[0]), Some([10.0, 160.0]));
        let f = check(&Found::Sheet(q), 2);
        assert_eq!(f.value.corners.map(|c| c[0]), Some([110.0, 160.0]));
    }

    #[test]
    fn a_cut_page_names_the_sides_of_the_photo() {
        let q = [[10.0, 20.0], [110.0, 20.0], [110.0, 260.0], [10.0, 260.0]];
        let f = check(&Found::CutOff(vec![Side::Bottom, Side::Right], q), 0);
        assert_eq!((f.status, f.code), (Status::Fail, Some("page.cut_off")));
        assert!(f.message.as_deref().is_some_and(|m| m.contains("下边和右边")), "{:?}", f.message);
        assert_eq!(check(&Found::NotFound, 0).status, Status::Unknown);
        assert!(check(&Found::FillsFrame, 0).value.fills_frame);
    }
}
