//! The one minijinja environment. Templates are compiled into the binary (one file to deploy,
//! nothing to find at run time) and HTML is autoescaped.

use minijinja::Environment;
use serde::Serialize;

pub struct Templates {
    env: Environment<'static>,
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("queue.html", include_str!("../../templates/queue.html")),
    ("case.html", include_str!("../../templates/case.html")),
    ("admin_users.html", include_str!("../../templates/admin_users.html")),
    ("admin_reasons.html", include_str!("../../templates/admin_reasons.html")),
    ("admin_calendar.html", include_str!("../../templates/admin_calendar.html")),
    ("admin_thresholds.html", include_str!("../../templates/admin_thresholds.html")),
    ("supervisor.html", include_str!("../../templates/supervisor.html")),
    ("supervisor_notifications.html", include_str!("../../templates/supervisor_notifications.html")),
    ("admin_messages.html", include_str!("../../templates/admin_messages.html")),
    ("admin_message.html", include_str!("../../templates/admin_message.html")),
    ("applicant_order.html", include_str!("../../templates/applicant_order.html")),
    ("findings.html", include_str!("../../templates/findings.html")),
    ("apply.html", include_str!("../../templates/apply.html")),
    ("lookup.html", include_str!("../../templates/lookup.html")),
    ("print_application.html", include_str!("../../templates/print_application.html")),
    ("print_seal_sample.html", include_str!("../../templates/print_seal_sample.html")),
];

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_filter("sheet_matrix", sheet_matrix);
        env.add_filter("beijing_time", beijing_time);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

/// An RFC 3339 time (as entities serialise) as a Beijing clock reads it: "2026-12-03 18:05";
/// anything else unchanged.
fn beijing_time(value: String) -> String {
    chrono::DateTime::parse_from_rfc3339(&value).map_or(value, |t| {
        t.with_timezone(&crate::review::calendar::beijing()).format("%Y-%m-%d %H:%M").to_string()
    })
}

/// A report's flattened page (`transform.sheet`) as the CSS `matrix3d` that draws the uploaded
/// photo flattened: photo pixels onto the page's pixels, origin at the top-left.
fn sheet_matrix(sheet: minijinja::Value) -> Result<String, minijinja::Error> {
    let num = |v: minijinja::Value| f64::try_from(v.clone()).or_else(|_| i64::try_from(v).map(|i| i as f64));
    let (w, h) = (num(sheet.get_attr("width")?)?, num(sheet.get_attr("height")?)?);
    let corners = sheet.get_attr("corners")?;
    let mut from = [[0.0; 2]; 4];
    for (i, c) in from.iter_mut().enumerate() {
        let p = corners.get_item(&minijinja::Value::from(i))?;
        *c = [num(p.get_item(&minijinja::Value::from(0))?)?, num(p.get_item(&minijinja::Value::from(1))?)?];
    }
    let to = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]];
    // Corners in line cannot come from the pipeline; were they stored, the page still renders
    // (the photo as it is) rather than failing.
    let Some(m) = crate::pipeline::sheet::flatten::homography(&from, &to) else {
        return Ok("none".into());
    };
    // Column-major, z passed through: the 3×3 map with its third row and column spread out.
    let cols = [m[0], m[3], 0.0, m[6], m[1], m[4], 0.0, m[7], 0.0, 0.0, 1.0, 0.0, m[2], m[5], 0.0, m[8]];
    let cols: Vec<String> = cols.iter().map(|v| format!("{v:.6e}")).collect();
    Ok(format!("matrix3d({})", cols.join(",")))
}

#[cfg(test)]
#[path = "templates_report_tests.rs"]
mod report_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes_html() {
        let t = Templates::new().unwrap();
        let html = t
            .render(
                "login.html",
                minijinja::context! { csrf => "c", next => "/queue", username => "<b>x</b>", error => (), staff => () },
            )
            .unwrap();
        assert!(html.contains("&lt;b&gt;x&lt;"), "{html}");
        assert!(!html.contains("<b>x"));
    }
}
