//! An applicant on the web, in headless Chromium: apply (the form checks a mistyped credit code
//! as it is typed), upload a blurred licence and see its clarity finding, upload a good one and
//! the rest, submit; a reviewer sends the licence back; the applicant follows the link from the
//! message as delivered, replaces the licence and resubmits; the case is back in the queue,
//! marked as a resubmission.

use std::time::Duration;

use fantoccini::{Client, Locator};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sealdesk::auth::Role;
use sealdesk::domain::{DocumentKind, OperationType};
use sealdesk::entities::{application, document, notification};
use sealdesk::fixtures::case::{Problems, scans};
use sealdesk::fixtures::form::FormData;
use sealdesk::fixtures::photo::{Desk, Shot, photograph};

use crate::helpers::{eventually, spawn_app};
use crate::staff::{add_staff, login};

async fn fill(c: &Client, name: &str, value: &str) {
    let input = c.find(Locator::Css(&format!("input[name={name}]"))).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

async fn documents(conn: &sea_orm::DatabaseConnection) -> u64 {
    document::Entity::find().count(conn).await.unwrap()
}

/// For the README and for looking at: the page as a phone shows it, scrolled to `css`, written
/// to `SEALDESK_SCREENSHOT_DIR` when it is set.
async fn phone_screenshot(c: &Client, css: &str, name: &str) {
    if let Ok(dir) = std::env::var("SEALDESK_SCREENSHOT_DIR") {
        c.set_window_size(430, 932).await.unwrap();
        c.execute(&format!("document.querySelector('{css}').scrollIntoView();"), vec![]).await.unwrap();
        std::fs::write(format!("{dir}/{name}.png"), c.screenshot().await.unwrap()).unwrap();
        c.set_window_size(1400, 1000).await.unwrap();
    }
}

/// Chooses `bytes` as the file of `kind`'s upload form; the page's script sends it at once.
async fn choose(c: &Client, dir: &std::path::Path, kind: DocumentKind, bytes: &[u8], tag: &str) {
    let path = dir.join(format!("{}-{tag}.jpg", kind.as_str()));
    std::fs::write(&path, bytes).unwrap();
    let css = format!("#doc-{} input[type=file]", kind.as_str());
    c.wait().for_element(Locator::Css(&css)).await.unwrap().send_keys(path.to_str().unwrap()).await.unwrap();
}

#[tokio::test]
async fn an_applicant_applies_uploads_sees_a_finding_is_returned_and_resubmits_in_the_browser() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    let files = tempfile::tempdir().unwrap();
    let browser = crate::driver::start().await;
    let c = &browser.client;

    c.goto(&format!("{}/apply", app.address)).await.unwrap();
    click(c, "input[name=operation_type][value=new]").await;
    assert!(
        c.find(Locator::Css("#checklist [data-operation=new]")).await.unwrap().is_displayed().await.unwrap()
    );
    click(c, "input[name=certificate_type][value=unit_seal]").await;
    click(c, "input[name=delivery][value=courier]").await;
    for (name, value) in [
        ("company_name", "重庆山城建设有限公司"),
        ("legal_rep_name", "张伟"),
        ("legal_rep_id_number", "11010519491231002X"),
        ("contact_phone", "13912345678"),
        ("operator_name", "李娜"),
        ("operator_id_number", "360426199101010071"),
        ("operator_mobile", "17623094654"),
        ("operator_email", "ln@example.com"),
        ("mailing_address", "重庆市渝中区解放碑路1号"),
    ] {
        fill(c, name, value).await;
    }
    // A mistyped credit code is caught as it is typed, by its check character.
    fill(c, "company_uscc", "91110000600037341M").await;
    let error = c.find(Locator::Css(".error[data-for=company_uscc]")).await.unwrap();
    assert!(error.text().await.unwrap().contains("逐位核对"), "{}", error.text().await.unwrap());
    fill(c, "company_uscc", "91110000600037341L").await;
    assert_eq!(error.text().await.unwrap(), "");
    click(c, "input[name=declaration]").await;
    click(c, "#apply button[type=submit]").await;
    c.wait().for_element(Locator::Id("order")).await.unwrap();
    let order_url = c.current_url().await.unwrap();
    let a = application::Entity::find().one(&conn).await.unwrap().expect("the application");
    assert!(c.source().await.unwrap().contains(&a.order_number));

    let fonts = sealdesk::fixtures::Fonts::system().unwrap();
    let kinds = OperationType::New.required_documents();
    let blurred = scans(
        &fonts,
        &FormData::from(&a),
        kinds,
        Problems { blurred_licence: true, ..Default::default() },
        3,
    );
    let good = scans(&fonts, &FormData::from(&a), kinds, Problems::default(), 3);
    let scan = |set: &[(DocumentKind, Vec<u8>)], k: DocumentKind| {
        set.iter().find(|(x, _)| *x == k).unwrap().1.clone()
    };

    // The blurred licence: its finding appears on the page by itself once the check is done.
    choose(
        c,
        files.path(),
        DocumentKind::BusinessLicense,
        &scan(&blurred, DocumentKind::BusinessLicense),
        "blurred",
    )
    .await;
    let finding = c
        .wait()
        .at_most(Duration::from_secs(120))
        .for_element(Locator::Css("#doc-business_license li.finding[data-check=clarity]"))
        .await
        .unwrap();
    assert_eq!(finding.attr("class").await.unwrap().as_deref(), Some("finding status-fail"));
    assert!(finding.text().await.unwrap().contains("图片模糊"), "{}", finding.text().await.unwrap());
    phone_screenshot(c, "#doc-business_license", "applicant-finding").await;

    // A phone photo of the legal representative's ID copy with a corner outside the frame: the
    // applicant is told at once, with the page's outline drawn over the photo.
    let id_copy = image::load_from_memory(&scan(&good, DocumentKind::LegalRepIdCard)).unwrap().into_rgb8();
    let shot = Shot {
        desk: Desk::Wood,
        size: (1500, 2000),
        fill: 0.85,
        turn_deg: 6.0,
        tilt: 0.03,
        cut: 0.2,
        shadow: 0.0,
    };
    let mut truth = sealdesk::fixtures::Truth::default();
    let photo = sealdesk::fixtures::degrade::jpeg(&photograph(&id_copy, shot, 5, &mut truth), 85);
    assert!(truth.photo.as_ref().is_some_and(|p| p.cut_off), "the photo leaves part of the page out");
    choose(c, files.path(), DocumentKind::LegalRepIdCard, &photo, "cut").await;
    let cut = c
        .wait()
        .at_most(Duration::from_secs(120))
        .for_element(Locator::Css("#doc-legal_rep_id_card li.finding[data-check=page]"))
        .await
        .unwrap();
    assert_eq!(cut.attr("class").await.unwrap().as_deref(), Some("finding status-fail"));
    assert!(cut.text().await.unwrap().contains("没有拍全"), "{}", cut.text().await.unwrap());
    let outline = c.find(Locator::Css("#doc-legal_rep_id_card svg polygon.ev-page")).await.unwrap();
    assert_eq!(outline.attr("points").await.unwrap().map(|p| p.split_whitespace().count()), Some(4));
    phone_screenshot(c, "#doc-legal_rep_id_card", "applicant-cut-photo").await;

    // A whole photo of it: shown flattened, the page alone, with the original one click away.
    let shot = Shot { size: (2400, 3200), fill: 0.8, cut: 0.0, shadow: 0.25, ..shot };
    let photo = sealdesk::fixtures::degrade::jpeg(&photograph(&id_copy, shot, 6, &mut truth), 85);
    c.goto(order_url.as_str()).await.unwrap();
    choose(c, files.path(), DocumentKind::LegalRepIdCard, &photo, "whole").await;
    c.wait()
        .at_most(Duration::from_secs(120))
        .for_element(Locator::Css("#doc-legal_rep_id_card .stage.flat img.photo"))
        .await
        .unwrap();
    let drawn = c
        .execute(
            "const s = document.querySelector('#doc-legal_rep_id_card .stage.flat');             const img = s.querySelector('img.photo');             return [getComputedStyle(img).transform, s.getBoundingClientRect().width, s.getBoundingClientRect().height];",
            vec![],
        )
        .await
        .unwrap();
    assert!(drawn[0].as_str().is_some_and(|t| t.starts_with("matrix3d(")), "{drawn:?}");
    assert!(drawn[1].as_f64().unwrap_or(0.0) > 100.0, "{drawn:?}");
    // The box has the flattened page's proportions (A4), not the photo's.
    let ratio = drawn[2].as_f64().unwrap_or(0.0) / drawn[1].as_f64().unwrap_or(1.0);
    assert!((ratio - 297.0 / 210.0).abs() < 0.02, "{drawn:?}");
    assert!(
        c.find(Locator::Css("#doc-legal_rep_id_card li.finding[data-check=page]")).await.is_err(),
        "a whole page passes"
    );
    phone_screenshot(c, "#doc-legal_rep_id_card", "applicant-flattened-photo").await;

    // The good licence and the rest, one after the other.
    for (i, (kind, bytes)) in good.iter().enumerate() {
        let before = documents(&conn).await;
        c.goto(order_url.as_str()).await.unwrap();
        choose(c, files.path(), *kind, bytes, &format!("good{i}")).await;
        eventually(Duration::from_secs(30), "the upload stored", || async {
            documents(&conn).await == before + 1
        })
        .await;
    }
    c.goto(order_url.as_str()).await.unwrap();
    c.wait()
        .for_element(Locator::Css(".submit-form button:not([disabled])"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css(".flash.ok")).await.unwrap();
    let find = || application::Entity::find_by_id(a.id).one(&conn);
    eventually(Duration::from_secs(120), "in the queue", || async {
        find().await.unwrap().unwrap().state == "in_review"
    })
    .await;

    // A reviewer sends the licence back.
    add_staff(&conn, "wang", Role::Reviewer).await;
    let s = login(&app, "wang").await;
    s.post("/queue/next", &[]).await;
    let docs = sealdesk::review::decide::current_documents(&conn, a.id).await.unwrap();
    let mut form: Vec<(String, String)> =
        vec![("outcome".into(), "return".into()), ("key".into(), "decision-browser-1".into())];
    for d in &docs {
        let back = d.kind == "business_license";
        form.push((format!("doc_{}", d.id), if back { "resubmit" } else { "accept" }.into()));
        if back {
            form.push((format!("doc_{}_reason", d.id), "image.blurry".into()));
        }
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let decided = s.post(&format!("/cases/{}/decision", a.id), &pairs).await;
    assert_eq!(decided.status(), 303, "{}", decided.text().await.unwrap());

    // The link from the message as the SMS carried it.
    let sms = || notification::Entity::find().filter(notification::Column::Channel.eq("sms")).one(&conn);
    eventually(Duration::from_secs(60), "the SMS sent", || async {
        sms().await.unwrap().is_some_and(|n| n.rendered.is_some())
    })
    .await;
    let text = sms().await.unwrap().unwrap().rendered.unwrap();
    let at = text.find("/o/").expect("a link in the SMS");
    let link: String = text[at..].chars().take(3 + 27).collect();
    c.goto(&format!("{}{link}", app.address)).await.unwrap();
    let returned = c.wait().for_element(Locator::Css("#doc-business_license .returned-doc")).await.unwrap();
    assert!(returned.text().await.unwrap().contains("图片模糊"));
    assert_eq!(c.find_all(Locator::Css("form[data-upload]")).await.unwrap().len(), 1, "only the licence");

    let before = documents(&conn).await;
    let retaken =
        scans(&fonts, &FormData::from(&a), &[DocumentKind::BusinessLicense], Problems::default(), 77);
    choose(c, files.path(), DocumentKind::BusinessLicense, &retaken[0].1, "retaken").await;
    eventually(Duration::from_secs(30), "the new licence stored", || async {
        documents(&conn).await == before + 1
    })
    .await;
    c.goto(&format!("{}{link}", app.address)).await.unwrap();
    c.wait()
        .for_element(Locator::Css(".submit-form button:not([disabled])"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css(".flash.ok")).await.unwrap();
    eventually(Duration::from_secs(120), "back in the queue", || async {
        find().await.unwrap().unwrap().state == "in_review"
    })
    .await;
    let back = find().await.unwrap().unwrap();
    assert_eq!(back.resubmissions, 1);
    let queue = s.get("/queue?resubmitted=1").await.text().await.unwrap();
    assert!(queue.contains(&back.order_number), "in the queue as a resubmission");

    browser.client.close().await.unwrap();
    app.stop().await;
}
