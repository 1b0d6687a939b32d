//! Reading ID numbers and credit codes with the real Tesseract engine: exact reads on scans a
//! person can read, every injected typo a mismatch, and the engine pool giving the same
//! answers concurrently as one engine sequentially.

use std::sync::Arc;
use std::time::Duration;

use sealdesk::fixtures::numbers::number_set;
use sealdesk::fixtures::set::Case;
use sealdesk::ocr::pool::OcrPool;
use sealdesk::ocr::tesseract::TesseractReader;
use sealdesk::pipeline::number::{Expected, Outcome, typed_for};
use sealdesk::pipeline::{self, CheckReport, Ocr, PipelineConfig, Status};

fn reader() -> TesseractReader {
    TesseractReader::new(None).expect("tesseract-ocr-eng installed")
}

fn check(case: &Case, reader: &mut TesseractReader, cfg: &PipelineConfig) -> CheckReport {
    let expected = case.truth.typed.clone().unwrap_or_default();
    let ocr = Ocr { expected: &expected, reader };
    pipeline::run_with(&case.bytes, case.kind, Some(ocr), cfg).expect("OCR engine works")
}

fn legible(r: &CheckReport) -> bool {
    let pass = |s: Option<Status>| s == Some(Status::Pass);
    pass(r.checks.clarity.as_ref().map(|f| f.status)) && pass(r.checks.resolution.as_ref().map(|f| f.status))
}

#[test]
fn numbers_are_read_exactly_and_every_typo_is_a_mismatch() {
    let fonts = sealdesk::fixtures::Fonts::system().expect("fonts installed");
    let cfg = PipelineConfig::default();
    let mut reader = reader();
    let cases = number_set(&fonts, 24, 29);
    let (mut fields, mut exact, mut unreadable, mut typos, mut caught) = (0, 0, 0, 0, 0);
    let (mut blurred_fields, mut blurred_read) = (0, 0);
    let (mut names, mut names_right) = (0, 0);
    let mut ocr_ms = Vec::new();
    for case in &cases {
        let report = check(case, &mut reader, &cfg);
        let number = report.checks.number.as_ref().expect("number checked");
        let truth = case.truth.numbers.as_ref().expect("numbers on the page");
        let typed = case.truth.typed.as_ref().expect("typed numbers");
        ocr_ms.push(number.value.ocr_ms);
        for f in &number.value.fields {
            let want = typed_for(f.field, truth);
            let typed_value = typed_for(f.field, typed);
            let is_typo = typed_value != want;
            // Never a match unless the reading is the truth, on any page, legible or not.
            if f.outcome == Outcome::Match {
                assert_eq!(f.read.as_deref(), want, "{}: false match on {:?}", case.name, f.field);
            }
            // A valid reading is always the truth.
            if let Some(read) = &f.read {
                assert_eq!(Some(read.as_str()), want, "{}: misread {:?}", case.name, f.field);
            }
            if !legible(&report) {
                blurred_fields += 1;
                blurred_read += usize::from(f.read.is_some());
                continue;
            }
            fields += 1;
            exact += usize::from(f.read.as_deref() == want);
            // A number read only at another quarter turn corrects the orientation finding.
            if f.read.is_some() {
                let degrees = report.checks.orientation.as_ref().and_then(|o| o.value.degrees);
                assert_eq!(degrees, Some(u16::from(case.truth.quarter_turns) * 90), "{}", case.name);
            }
            unreadable += usize::from(f.outcome == Outcome::Unreadable);
            if is_typo {
                typos += 1;
                caught += usize::from(f.outcome == Outcome::Mismatch);
            }
            println!(
                "{:36} {:12?} {:10?} read {:20} typed {}",
                case.name,
                f.field,
                f.outcome,
                f.read.as_deref().unwrap_or("-"),
                typed_value.unwrap_or("-")
            );
        }
        if let (Some(name), Some(typed_name)) = (&report.checks.company_name, &typed.company_name) {
            let same = truth.company_name.as_ref() == Some(typed_name);
            println!(
                "{:36} company {:?} similarity {:?} read {:?} typed {typed_name}",
                case.name, name.status, name.value.similarity, name.value.read
            );
            // A different name never passes, legible or not.
            assert!(same || name.status != Status::Pass, "{}: another company's name passed", case.name);
            if legible(&report) {
                names += 1;
                names_right += usize::from((name.status == Status::Pass) == same);
            }
        }
        if number.value.fields.iter().any(|f| f.outcome == Outcome::Mismatch) {
            assert_eq!(number.status, Status::Fail, "{}", case.name);
        }
    }
    ocr_ms.sort_by(f64::total_cmp);
    let share = exact as f64 / fields as f64;
    println!(
        "numbers: {exact}/{fields} read exactly ({:.1} %), {unreadable} unreadable, {caught}/{typos} typos caught; \
         number finding median {:.0} ms, max {:.0} ms (test profile)",
        share * 100.0,
        ocr_ms[ocr_ms.len() / 2],
        ocr_ms[ocr_ms.len() - 1]
    );
    println!(
        "pages failing clarity or resolution: {blurred_read}/{blurred_fields} fields read, every one correctly"
    );
    println!("company names on legible licences: {names_right}/{names} judged right (pass = same name)");
    assert!(fields >= 50, "only {fields} fields on legible pages");
    assert!(names >= 10 && names_right * 100 >= names * 95, "company names {names_right}/{names}");
    assert!(share >= 0.99, "exact reads {share}");
    assert!(typos >= 10, "the set injects typos");
    assert_eq!(caught, typos, "every typo is a mismatch");
}

/// Only what was read: the timing differs run to run.
fn outcome(r: &CheckReport) -> String {
    let n = r.checks.number.as_ref().expect("number checked");
    let fields: Vec<_> =
        n.value.fields.iter().map(|f| (f.field, f.outcome, f.read.clone(), f.bbox)).collect();
    format!(
        "{:?} {:?} {fields:?} {:?}",
        n.status,
        n.code,
        r.checks.orientation.as_ref().map(|o| o.value.degrees)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_engine_pool_reads_concurrently_exactly_as_one_engine_in_turn() {
    let fonts = sealdesk::fixtures::Fonts::system().expect("fonts installed");
    let cfg = Arc::new(PipelineConfig::default());
    let cases: Vec<Case> = number_set(&fonts, 4, 41);
    let mut one = reader();
    let sequential: Vec<String> = cases.iter().map(|c| outcome(&check(c, &mut one, &cfg))).collect();

    let pool = Arc::new(OcrPool::tesseract(3, None).expect("engines start"));
    let tasks = cases.iter().cloned().map(|case| {
        let (pool, cfg) = (pool.clone(), cfg.clone());
        tokio::spawn(async move {
            let expected: Expected = case.truth.typed.clone().unwrap_or_default();
            pool.run(Duration::from_secs(120), move |reader| {
                let ocr = Ocr { expected: &expected, reader };
                pipeline::run_with(&case.bytes, case.kind, Some(ocr), &cfg).map(|r| outcome(&r))
            })
            .await
        })
    });
    let concurrent: Vec<String> = futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.expect("task").expect("pool").expect("engine"))
        .collect();
    assert_eq!(concurrent, sequential);
    // Every field was read: the comparison is about readings, not about agreeing failures.
    assert!(sequential.iter().all(|s| !s.contains("Unreadable")), "{sequential:#?}");
}
