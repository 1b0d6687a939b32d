//! Issue 23: the scan viewer for close inspection. At 1440×900 and 1280×720 the scan opens at
//! least 70 % as wide as the viewer with its overlay on it; zoomed in, it can be panned to
//! each of its four corners (dragging moves it), and the overlay stays on it.

use std::time::Duration;

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::{Client, Locator};
use sealdesk::auth::Role;
use sealdesk::domain::OperationType;
use sealdesk::fixtures::case::Problems;

use crate::helpers::spawn_app;
use crate::review::sign_in;
use crate::staff::{add_staff, case_in_review};

/// The first viewer's geometry: the image's and the overlay's rectangles, the frame's visible
/// box, and its scroll position and range.
async fn geometry(c: &Client) -> serde_json::Value {
    c.execute(
        "const v = document.querySelector('.viewer.live'); const f = v.querySelector('.frame');\
         const i = v.querySelector('.stage > img').getBoundingClientRect();\
         const o = v.querySelector('svg.overlay').getBoundingClientRect();\
         const r = f.getBoundingClientRect();\
         return { img: [i.left, i.top, i.right, i.bottom], overlay: [o.left, o.top, o.right, o.bottom],\
                  frame: [r.left + f.clientLeft, r.top + f.clientTop, r.left + f.clientLeft + f.clientWidth, r.top + f.clientTop + f.clientHeight],\
                  scroll: [f.scrollLeft, f.scrollTop, f.scrollWidth - f.clientWidth, f.scrollHeight - f.clientHeight],\
                  ready: v.querySelector('.stage > img').complete };",
        vec![],
    )
    .await
    .unwrap()
}

fn rect(g: &serde_json::Value, k: &str) -> [f64; 4] {
    let a = g[k].as_array().unwrap_or_else(|| panic!("{k}: {g}"));
    [0, 1, 2, 3].map(|i| a[i].as_f64().unwrap())
}

fn overlay_on_image(g: &serde_json::Value) {
    let (i, o) = (rect(g, "img"), rect(g, "overlay"));
    assert!(i.iter().zip(o).all(|(a, b)| (a - b).abs() < 1.5), "overlay off the scan: {g}");
}

#[tokio::test]
async fn the_scan_fills_the_viewer_and_a_zoomed_one_pans_to_every_corner() {
    let app = spawn_app().await;
    let conn = app.test_db.connect().await;
    add_staff(&conn, "reviewer", Role::Reviewer).await;
    case_in_review(&app, OperationType::New, Problems { seal_touches_line: true, ..Default::default() })
        .await;
    let browser = crate::driver::start().await;
    let c = &browser.client;
    sign_in(c, &app.address, "reviewer").await.click().await.unwrap();
    c.wait().for_element(Locator::Css(".viewer.live")).await.unwrap();

    for (w, h) in [(1440, 900), (1280, 720)] {
        c.set_window_size(w, h).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let g = geometry(c).await;
        assert_eq!(g["ready"], true, "{g}");
        let (i, f) = (rect(&g, "img"), rect(&g, "frame"));
        let share = (i[2] - i[0]) / (f[2] - f[0]);
        assert!(share >= 0.7, "at {w}×{h} the scan is {:.0} % of the viewer's width: {g}", share * 100.0);
        overlay_on_image(&g);
        println!("viewer at {w}×{h}: scan {:.0} % of its width", share * 100.0);
    }

    // Zoomed in three steps: every corner can be brought into view.
    let viewer = c.find(Locator::Css(".viewer.live")).await.unwrap();
    for _ in 0..3 {
        viewer.find(Locator::Css("button[data-act=in]")).await.unwrap().click().await.unwrap();
    }
    for (x, y) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
        c.execute(
            "const f = document.querySelector('.viewer.live .frame');\
             f.scrollLeft = arguments[0] ? f.scrollWidth : 0; f.scrollTop = arguments[1] ? f.scrollHeight : 0;",
            vec![x.into(), y.into()],
        )
        .await
        .unwrap();
        let g = geometry(c).await;
        let (i, f) = (rect(&g, "img"), rect(&g, "frame"));
        let corner = [if x == 0 { i[0] } else { i[2] }, if y == 0 { i[1] } else { i[3] }];
        let inside = corner[0] >= f[0] - 1.0
            && corner[0] <= f[2] + 1.0
            && corner[1] >= f[1] - 1.0
            && corner[1] <= f[3] + 1.0;
        assert!(inside, "corner ({x}, {y}) of the zoomed scan cannot be reached: {g}");
        assert!((i[2] - i[0]) > 1.5 * (f[2] - f[0]), "zoomed: {g}");
        overlay_on_image(&g);
    }

    // Dragging pans: from the bottom-right corner, a drag right and down moves towards the top left.
    let before = geometry(c).await;
    let frame = c.find(Locator::Css(".viewer.live .frame")).await.unwrap();
    let drag = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement { element: frame, duration: None, x: 0.0, y: 0.0 })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(200)), x: 150.0, y: 120.0 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    c.perform_actions(drag).await.unwrap();
    let after = geometry(c).await;
    let (s0, s1) = (rect(&before, "scroll"), rect(&after, "scroll"));
    assert!((s0[0] - s1[0] - 150.0).abs() < 3.0 && (s0[1] - s1[1] - 120.0).abs() < 3.0, "{before} → {after}");

    if let Ok(dir) = std::env::var("SEALDESK_SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/viewer-zoomed.png"), c.screenshot().await.unwrap()).unwrap();
    }
    browser.client.close().await.unwrap();
    app.stop().await;
}
