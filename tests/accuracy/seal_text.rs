//! Reading the seals' text. The registration authority's seal printed on a business licence is
//! not the company's: with the arc text read, an unstamped licence copy fails the seal check
//! and a stamped one counts exactly its company seal; without OCR, an unstamped copy never
//! passes. A contract seal or another company's seal is flagged; the company's own never is.

use sealdesk::fixtures::documents::COMPANY;
use sealdesk::fixtures::set::{Case, licence_seal_set, seal_set, wrong_seal_set};
use sealdesk::ocr::tesseract::TesseractReader;
use sealdesk::pipeline::number::Expected;
use sealdesk::pipeline::report::PrintedBy;
use sealdesk::pipeline::{self, CheckReport, Ocr, PipelineConfig, Status};

fn with_ocr(case: &Case, reader: &mut TesseractReader, cfg: &PipelineConfig) -> CheckReport {
    let expected = case.truth.typed.clone().unwrap_or_default();
    let ocr = Ocr { expected: &expected, reader };
    pipeline::run_with(&case.bytes, case.kind, Some(ocr), cfg).expect("OCR engine works")
}

#[test]
fn the_printed_authority_seal_is_set_aside_by_its_text() {
    let cfg = PipelineConfig::default();
    let mut reader = TesseractReader::new(None).expect("tesseract-ocr-chi-sim installed");
    let cases = licence_seal_set(&super::fonts(), 31);
    let (mut exact, mut by_text) = (0, 0);
    for case in &cases {
        let r = with_ocr(case, &mut reader, &cfg);
        let seal = r.checks.seal.as_ref().expect("seal checked");
        let texts: Vec<_> = seal.value.seals.iter().map(|s| s.text.clone().unwrap_or_default()).collect();
        let printed: Vec<_> = seal.value.printed.iter().map(|p| (p.by, p.seal.text.clone())).collect();
        println!(
            "licence seals: {:48} {:?} count {} (truth {}) seals {texts:?} printed {printed:?}",
            case.name,
            seal.status,
            seal.value.count,
            case.truth.seals.len()
        );
        // The seals' text is read on the upright page, so the orientation must be right.
        let turned = r.checks.orientation.as_ref().and_then(|o| o.value.degrees);
        assert_eq!(turned, Some(u16::from(case.truth.quarter_turns) * 90), "{}", case.name);
        let right = seal.value.count == case.truth.seals.len()
            && seal.value.printed.len() == case.truth.printed_seals.len();
        exact += usize::from(right);
        by_text += seal.value.printed.iter().filter(|p| p.by == PrintedBy::Text).count();
        // An unstamped copy fails as unstamped; a stamped one never fails.
        if case.truth.seals.is_empty() {
            assert_eq!((seal.status, seal.code), (Status::Fail, Some("seal.missing")), "{}", case.name);
        } else {
            assert_ne!(seal.status, Status::Fail, "{}", case.name);
        }
    }
    let printed: usize = cases.iter().map(|c| c.truth.printed_seals.len()).sum();
    println!(
        "licence seals: {exact}/{} pages counted exactly; {by_text}/{printed} authority seals told by their text",
        cases.len()
    );
    assert_eq!(exact, cases.len(), "every page counted exactly");
    // Under a company seal stamped across it, the authority's arc text is crossed by the other
    // ring and reads as noise: it is then set aside by its place. Every other is told by text.
    let crossed: usize = cases
        .iter()
        .filter(|c| c.name.ends_with("over-authority"))
        .map(|c| c.truth.printed_seals.len())
        .sum();
    assert!(by_text + crossed >= printed, "every authority seal clear of the company's told by its text");
}

#[test]
fn without_ocr_an_unstamped_licence_copy_never_passes() {
    let cfg = PipelineConfig::default();
    for case in licence_seal_set(&super::fonts(), 31) {
        let r = pipeline::run(&case.bytes, case.kind, &cfg);
        let seal = r.checks.seal.expect("seal checked");
        let printed: Vec<_> = seal.value.printed.iter().map(|p| (p.by, p.seal.bbox)).collect();
        println!(
            "licence seals without OCR: {:48} turned {:?} {:?} {:?} count {} {:?} printed {printed:?}",
            case.name,
            r.checks.orientation.as_ref().and_then(|o| o.value.degrees),
            seal.status,
            seal.code,
            seal.value.count,
            seal.value.seals.iter().map(|s| s.bbox).collect::<Vec<_>>()
        );
        if case.truth.seals.is_empty() {
            assert_ne!(seal.status, Status::Pass, "{}", case.name);
            assert_eq!(seal.value.count, 0, "{}", case.name);
        }
    }
}

#[test]
fn a_contract_seal_or_another_companys_seal_is_flagged_and_the_right_one_never() {
    let cfg = PipelineConfig::default();
    let mut reader = TesseractReader::new(None).expect("tesseract-ocr-chi-sim installed");
    let wrong = wrong_seal_set(&super::fonts(), 41);
    let mut caught = 0;
    for case in &wrong {
        let r = with_ocr(case, &mut reader, &cfg);
        let seal = r.checks.seal.expect("seal checked");
        let read: Vec<_> = seal.value.seals.iter().map(|s| (s.text.clone(), s.purpose.clone())).collect();
        println!("wrong seal: {:40} {:?} {:?} read {read:?}", case.name, seal.status, seal.code);
        let want = if case.name.ends_with("contract-seal") { "seal.not_official" } else { "seal.other_name" };
        if (seal.status, seal.code) == (Status::Warn, Some(want)) {
            caught += 1;
        }
    }
    println!("wrong seals: {caught}/{} flagged", wrong.len());
    assert_eq!(caught, wrong.len(), "every contract seal and other company's seal flagged");

    // The company's own seals, with red headings and pen marks, faint and personal seals: never
    // flagged, whatever was read.
    let typed = Expected { company_name: Some(COMPANY.into()), ..Default::default() };
    let mut right = seal_set(&super::fonts(), 7);
    right.retain(|c| !c.truth.grayscale && !c.truth.seals.is_empty());
    let (mut read, mut total) = (0, 0);
    for case in right.iter_mut() {
        case.truth.typed.get_or_insert_with(|| typed.clone()).company_name = typed.company_name.clone();
        let r = with_ocr(case, &mut reader, &cfg);
        let seal = r.checks.seal.expect("seal checked");
        for s in seal.value.seals.iter().filter(|s| s.shape != sealdesk::pipeline::report::SealShape::Square)
        {
            total += 1;
            read += usize::from(s.text.as_deref().is_some_and(|t| t.chars().count() >= 6));
        }
        assert!(
            !matches!(seal.code, Some("seal.not_official" | "seal.other_name")),
            "{}: {:?} {:?}",
            case.name,
            seal.code,
            seal.message
        );
    }
    println!("own seals: {} pages never flagged; {read}/{total} round seals' names read", right.len());
}
