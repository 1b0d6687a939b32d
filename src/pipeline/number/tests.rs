use super::*;
use crate::fixtures::Fonts;
use crate::fixtures::documents::id_card_copy;
use crate::pipeline::decode;

/// Answers every line with the same text, counting the calls.
struct Scripted {
    text: String,
    calls: usize,
}

impl LineReader for Scripted {
    fn read_line(&mut self, _: &image::GrayImage, _: u32, _: Charset) -> Result<String, OcrError> {
        self.calls += 1;
        Ok(self.text.clone())
    }
}

const ID: &str = "500103197503120018";

fn id_page() -> Page {
    let fonts = Fonts::system().expect("fonts-noto-cjk");
    let (img, _) = id_card_copy(&fonts, 200, ID, true, 7);
    let bytes = crate::fixtures::degrade::jpeg(&img, 90);
    let decoded = decode::decode(&bytes, &PipelineConfig::default()).expect("decodes");
    Page::new(decoded.rgb, decoded.grayscale_source, &PipelineConfig::default())
}

fn read(page: &Page, typed: &str, engine_says: &str) -> (Finding<Numbers>, usize) {
    let mut reader = Scripted { text: engine_says.into(), calls: 0 };
    let expected = Expected { id_number: Some(typed.into()), ..Default::default() };
    let geometry = Geometry { dpi: 200.0, turns: 0, skew_deg: &|_| 0.0 };
    let cfg = PipelineConfig::default();
    let out = check(page, DocKind::IdCard, &geometry, &expected, &mut reader, &cfg).unwrap().unwrap();
    (out.finding, reader.calls)
}

#[test]
fn positions_that_differ_are_one_based_and_cover_length_differences() {
    assert_eq!(differences("123456", "123456"), Vec::<usize>::new());
    assert_eq!(differences("123456", "124356"), vec![3, 4]);
    assert_eq!(differences("1234", "123456"), vec![5, 6]);
}

#[test]
fn a_reading_that_fails_its_check_digit_is_never_a_match() {
    let page = id_page();
    // The typed value, with its last digit wrong: the engine "reads" exactly what was typed.
    let typed = "500103197503120017";
    let (f, calls) = read(&page, typed, typed);
    assert_eq!(f.status, Status::Unknown);
    assert_eq!(f.code, Some("number.unreadable"));
    assert_eq!(f.value.fields[0].outcome, Outcome::Unreadable);
    assert!(calls > 1, "every candidate and scale was tried");
}

#[test]
fn a_valid_reading_matches_or_marks_the_differing_positions() {
    let page = id_page();
    let (f, _) = read(&page, ID, ID);
    assert_eq!(f.status, Status::Pass);
    let field = &f.value.fields[0];
    assert_eq!((field.outcome, field.birth_date.as_deref()), (Outcome::Match, Some("1975-03-12")));
    assert!(field.bbox.is_some());

    // Typed with two digits swapped: the reading is valid, the typed value differs.
    let (f, _) = read(&page, "500103197530120018", ID);
    assert_eq!((f.status, f.code), (Status::Fail, Some("number.mismatch")));
    assert_eq!(f.value.fields[0].differs_at, vec![11, 12]);
    assert!(f.message.unwrap().contains("第11、12位"));
}
