//! Every report the pipeline can produce renders in every macro that shows one (issue 20: a
//! washed-out scan's report, which omits `exposure.regions`, made the order page and the case
//! page answer 500 for good). Reports are generated from the typed structs, so every optional
//! field is tried present and absent, every list empty and not, every status with and without
//! its code and message.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::Templates;
use crate::domain::Sex;
use crate::pipeline::DocKind;
use crate::pipeline::number::name::CompanyName;
use crate::pipeline::number::{Field, NumberField, Numbers, Outcome};
use crate::pipeline::report::*;

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![Just(Status::Pass), Just(Status::Warn), Just(Status::Fail), Just(Status::Unknown)]
}

fn finding<T: std::fmt::Debug>(value: impl Strategy<Value = T>) -> impl Strategy<Value = Finding<T>> {
    (status(), value).prop_map(|(s, v)| Finding::with(s, "check.code", "说明", v))
}

fn bbox() -> impl Strategy<Value = BBox> {
    [0u32..3000, 0u32..3000, 1u32..800, 1u32..800]
}

fn f() -> impl Strategy<Value = f64> {
    0.0f64..300.0
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), Just("重庆山城建设有限公司".to_string()), "[0-9A-Z<>&\"]{1,18}"]
}

fn seal_found() -> impl Strategy<Value = SealFound> {
    (
        bbox(),
        prop_oneof![Just(SealShape::Round), Just(SealShape::Oval), Just(SealShape::Square)],
        f(),
        option::of(text()),
        option::of(text()),
    )
        .prop_map(|(bbox, shape, completeness, text, purpose)| SealFound {
            bbox,
            shape,
            completeness,
            text,
            purpose,
        })
}

fn number_field() -> impl Strategy<Value = NumberField> {
    (
        prop_oneof![
            Just(Field::IdNumber),
            Just(Field::Uscc),
            Just(Field::LegalRepId),
            Just(Field::OperatorId)
        ],
        prop_oneof![
            Just(Outcome::Match),
            Just(Outcome::Mismatch),
            Just(Outcome::Unreadable),
            Just(Outcome::Read)
        ],
        option::of(text()),
        option::of(text()),
        vec(1usize..19, 0..4),
        option::of(Just("1991-01-01".to_string())),
        option::of(prop_oneof![Just(Sex::Male), Just(Sex::Female)]),
        option::of(bbox()),
    )
        .prop_map(|(field, outcome, read, expected, differs_at, birth_date, sex, bbox)| NumberField {
            field,
            outcome,
            read,
            expected,
            differs_at,
            birth_date,
            sex,
            bbox,
        })
}

fn checks() -> impl Strategy<Value = Checks> {
    let format = finding(
        (
            option::of(Just("image/jpeg")),
            0u64..10_000_000,
            option::of(1u32..9000),
            option::of(1u32..9000),
            option::of(1u8..9),
        )
            .prop_map(|(media_type, bytes, width, height, exif_orientation)| FormatInfo {
                media_type,
                bytes,
                width,
                height,
                exif_orientation,
            }),
    );
    let exposure = finding((f(), f(), f(), f(), vec(bbox(), 0..3)).prop_map(
        |(mean_luma, contrast, glare_fraction, unevenness, regions)| Exposure {
            mean_luma,
            contrast,
            glare_fraction,
            unevenness,
            regions,
        },
    ));
    let seal = finding(
        (
            vec(seal_found(), 0..3),
            vec(
                (seal_found(), prop_oneof![Just(PrintedBy::Text), Just(PrintedBy::Position)])
                    .prop_map(|(seal, by)| PrintedSeal { seal, by }),
                0..2,
            ),
        )
            .prop_map(|(seals, printed)| Seal { count: seals.len(), seals, printed }),
    );
    let seal_boxes = finding(
        vec(
            (bbox(), 0usize..3, any::<bool>(), vec(bbox(), 0..3)).prop_map(
                |(bbox, seal_count, touches_line, touching)| SealBox {
                    bbox,
                    seal_count,
                    touches_line,
                    touching,
                },
            ),
            0..3,
        )
        .prop_map(|boxes| SealBoxes { boxes }),
    );
    let number = finding(
        (vec(number_field(), 0..4), 0usize..9, f()).prop_map(|(fields, lines_read, ocr_ms)| Numbers {
            fields,
            lines_read,
            ocr_ms,
        }),
    );
    let company_name =
        finding((text(), option::of(text()), option::of(0.0f64..1.0), option::of(bbox())).prop_map(
            |(expected, read, similarity, bbox)| CompanyName {
                expected,
                read,
                similarity,
                bbox,
                lines_read: 1,
                ocr_ms: 3.0,
            },
        ));
    let corner = || [f(), f()];
    let corners = option::of([corner(), corner(), corner(), corner()]);
    let geometry = (
        option::of(finding(
            (corners, any::<bool>()).prop_map(|(corners, fills_frame)| PageFrame { corners, fills_frame }),
        )),
        option::of(finding(f().prop_map(|dpi| Resolution { dpi }))),
        option::of(finding(
            (option::of(prop_oneof![Just(0u16), Just(90), Just(180), Just(270)]), f())
                .prop_map(|(degrees, confidence)| Orientation { degrees, confidence }),
        )),
        option::of(finding(
            (option::of(-5.0f64..5.0), f())
                .prop_map(|(angle_deg, confidence)| Skew { angle_deg, confidence }),
        )),
        option::of(finding(
            (option::of(0.0f64..1.0), option::of(0.0f64..1.0), 0usize..9999)
                .prop_map(|(score, blur_mm, edges)| Clarity { score, blur_mm, edges }),
        )),
        option::of(finding(
            (any::<bool>(), 0.0f64..1.0)
                .prop_map(|(is_colour, coloured_fraction)| Colour { is_colour, coloured_fraction }),
        )),
    );
    (
        format,
        geometry,
        option::of(exposure),
        option::of(seal),
        option::of(seal_boxes),
        option::of(number),
        option::of(company_name),
    )
        .prop_map(
            |(
                format,
                (page, resolution, orientation, skew, clarity, colour),
                exposure,
                seal,
                seal_boxes,
                number,
                company_name,
            )| {
                Checks {
                    format,
                    page,
                    resolution,
                    orientation,
                    skew,
                    clarity,
                    exposure,
                    colour,
                    seal,
                    seal_boxes,
                    number,
                    company_name,
                }
            },
        )
}

/// The three macros every page that shows a report calls, as those pages call them.
const PROBE: &str = r#"{% import "findings.html" as findings %}{{ findings.scan(a, "/scan", "扫描件") }}{{ findings.scan(a, "/scan", "扫描件", true) }}{{ findings.overlay(a) }}{{ findings.overlay(a, true) }}{{ findings.staff_table(a, checks) }}{{ findings.applicant_list(a, checks) }}"#;

/// What a page gives the macros for one attempt with these checks (and, for a photo, the
/// flattened page's place in it).
fn context(checks: Checks) -> minijinja::Value {
    context_with(checks, Transform::default())
}

fn context_with(checks: Checks, transform: Transform) -> minijinja::Value {
    let report = CheckReport {
        file: None,
        kind: DocKind::IdCard,
        verdict: checks.verdict(),
        elapsed_ms: 1.0,
        transform,
        checks,
    };
    let a = serde_json::json!({ "report": report, "width": 2480, "height": 3508 });
    minijinja::context! { a, checks => crate::web::queue::CHECK_LABELS }
}

fn render(t: &Templates, checks: Checks) -> Result<String, minijinja::Error> {
    t.env.render_str(PROBE, context(checks))
}

/// A flattened photo's place: any four corners (in line or not) and a size.
fn sheets() -> impl Strategy<Value = Option<Sheet>> {
    let corner = || [-500.0f64..5000.0, -500.0f64..5000.0];
    let corners = [corner(), corner(), corner(), corner()];
    option::of((corners, 1u32..5000, 1u32..5000).prop_map(|(corners, width, height)| Sheet {
        corners,
        width,
        height,
    }))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_report_the_pipeline_can_produce_renders(checks in checks(), sheet in sheets()) {
        let t = Templates::new().unwrap();
        let html = t.env.render_str(PROBE, context_with(checks, Transform { sheet, ..Transform::default() }));
        prop_assert!(html.is_ok(), "{:?}", html.err());
    }
}

#[test]
fn a_washed_out_scan_without_exposure_regions_renders_its_finding() {
    let t = Templates::new().unwrap();
    let mut checks = Checks::format_only(Finding::pass(FormatInfo::default()));
    checks.exposure = Some(Finding::with(
        Status::Fail,
        "exposure.washed_out",
        "图片过亮",
        Exposure { mean_luma: 252.0, contrast: 3.0, glare_fraction: 0.0, unevenness: 0.01, regions: vec![] },
    ));
    let html = render(&t, checks).unwrap();
    assert!(html.contains("exposure.washed_out") && html.contains("图片过亮"), "{html}");
}

/// Issue 21 (cause 6): a seal's OCR reading is the reviewer's, marked as a guess; the applicant's
/// view (overlay, list, message) never shows it.
#[test]
fn a_seals_reading_is_shown_to_reviewers_as_a_guess_and_never_to_the_applicant() {
    use crate::pipeline::report::{Seal, SealFound, SealShape};
    let t = Templates::new().unwrap();
    let misread = "重庆出城建役工从有大公司";
    let seal = SealFound {
        bbox: [100, 100, 300, 300],
        shape: SealShape::Round,
        completeness: 1.0,
        text: Some(misread.into()),
        purpose: None,
    };
    let value = Seal { count: 1, seals: vec![seal.clone()], printed: vec![] };
    let finding = crate::pipeline::checks::seal::check(
        DocKind::IdCard,
        vec![seal],
        vec![],
        true,
        Some("重庆市启航科技有限公司"),
        &crate::pipeline::PipelineConfig::default(),
    );
    assert_eq!(finding.code, Some("seal.other_name"));
    assert!(!finding.message.as_deref().unwrap_or_default().contains(misread), "{:?}", finding.message);
    let mut checks = Checks::format_only(Finding::pass(FormatInfo::default()));
    checks.seal = Some(Finding { value, ..finding });
    let ctx = context(checks);
    let view = |src: &str| t.env.render_str(src, ctx.clone()).unwrap();
    let applicant = view(
        r#"{% import "findings.html" as findings %}{{ findings.overlay(a) }}{{ findings.applicant_list(a, checks) }}"#,
    );
    assert!(!applicant.contains(misread), "{applicant}");
    let staff = view(
        r#"{% import "findings.html" as findings %}{{ findings.overlay(a, true) }}{{ findings.staff_table(a, checks) }}"#,
    );
    assert!(staff.contains(&format!("识别为“{misread}”")) && staff.contains("仅供参考"), "{staff}");
}

/// Issue 22: a photo's page is drawn flattened (the CSS matrix maps the photo onto the page's
/// box); a cut-off page is drawn as its outline over the photo.
#[test]
fn a_photo_is_shown_flattened_and_a_cut_off_one_with_its_outline() {
    let t = Templates::new().unwrap();
    let mut checks = Checks::format_only(Finding::pass(FormatInfo::default()));
    let corners = [[100.0, 50.0], [1100.0, 50.0], [1100.0, 1464.0], [100.0, 1464.0]];
    checks.page = Some(Finding::pass(PageFrame { corners: Some(corners), fills_frame: false }));
    let sheet = Sheet { corners, width: 1000, height: 1414 };
    let html = t.env.render_str(
        PROBE,
        context_with(checks.clone(), Transform { sheet: Some(sheet), ..Transform::default() }),
    );
    let html = html.unwrap();
    // A page only moved by (100, 50) in the photo: the identity, shifted back.
    let at = html.find("matrix3d(").expect("a matrix") + "matrix3d(".len();
    let numbers: Vec<f64> = html[at..html[at..].find(')').map(|e| at + e).unwrap()]
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    let want = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, -100.0, -50.0, 0.0, 1.0];
    assert!(numbers.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6), "{numbers:?}");
    assert!(html.contains("viewBox=\"0 0 1000 1414\""), "overlays in the flattened page's pixels: {html}");
    checks.page = Some(Finding::with(
        Status::Fail,
        "page.cut_off",
        "照片没有拍全",
        PageFrame { corners: Some(corners), fills_frame: false },
    ));
    let html = render(&t, checks).unwrap();
    assert!(
        html.contains(
            "<polygon class=\"ev-page\" points=\"100.0,50.0 1100.0,50.0 1100.0,1464.0 100.0,1464.0 \""
        ),
        "{html}"
    );
}

/// Issue 24: what the checks leave to the reviewer is not put to the applicant as a task
/// ("请人工确认" is staff's word); what asks the applicant for something keeps its message.
#[test]
fn the_applicant_is_not_asked_to_do_what_the_reviewer_checks() {
    let t = Templates::new().unwrap();
    let mut checks = Checks::format_only(Finding::pass(FormatInfo::default()));
    checks.orientation = Some(Finding::with(
        Status::Unknown,
        "orientation.unknown",
        "无法可靠判断方向，请人工确认",
        Orientation { degrees: Some(0), confidence: 1.2 },
    ));
    checks.seal = Some(Finding::with(
        Status::Unknown,
        "seal.grayscale",
        "图片不是彩色的，无法确认是否加盖公章，请加盖公章后彩色扫描上传",
        Seal { count: 0, seals: vec![], printed: vec![] },
    ));
    let html = t
        .env
        .render_str(
            r#"{% import "findings.html" as findings %}{{ findings.applicant_list(a, checks) }}"#,
            context(checks),
        )
        .unwrap();
    assert!(!html.contains("人工"), "{html}");
    assert!(html.contains("方向：由审核人员核对") && html.contains("您无需处理"), "{html}");
    assert!(html.contains("请加盖公章后彩色扫描上传"), "an instruction for the applicant stays: {html}");
}

/// Issue 23: the reviewer's table lists failures first, then warnings, and folds the passing
/// checks into one line that names them and opens to their measured values.
#[test]
fn the_staff_table_puts_failures_first_and_folds_what_passed() {
    let t = Templates::new().unwrap();
    let mut checks = Checks::format_only(Finding::pass(FormatInfo::default()));
    checks.page = Some(Finding::pass(PageFrame { corners: None, fills_frame: true }));
    checks.resolution = Some(Finding::pass(Resolution { dpi: 300.0 }));
    checks.colour = Some(Finding::with(
        Status::Warn,
        "colour.greyscale",
        "灰度",
        Colour { is_colour: false, coloured_fraction: 0.0 },
    ));
    let exposure =
        Exposure { mean_luma: 250.0, contrast: 5.0, glare_fraction: 0.0, unevenness: 0.0, regions: vec![] };
    checks.exposure = Some(Finding::with(Status::Fail, "exposure.washed_out", "过亮", exposure));
    let html = t
        .env
        .render_str(
            r#"{% import "findings.html" as findings %}{{ findings.staff_table(a, checks) }}"#,
            context(checks),
        )
        .unwrap();
    let at = |check: &str| {
        html.find(&format!("data-check=\"{check}\"")).unwrap_or_else(|| panic!("{check}: {html}"))
    };
    assert!(at("exposure") < at("colour"), "the failure before the warning");
    let folded = html.find("<details class=\"passed\">").expect("passing checks folded");
    assert!(at("colour") < folded && folded < at("resolution"), "{html}");
    assert!(html.contains("3 项通过</span> 文件格式、整页拍全、分辨率"), "{html}");
}
