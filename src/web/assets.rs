//! `GET /static/{name}`: the stylesheet and scripts, compiled into the binary. CA networks are
//! often offline, so nothing comes from a CDN.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("../../templates/static/app.css")),
    ("applicant.js", "text/javascript; charset=utf-8", include_str!("../../templates/static/applicant.js")),
    ("viewer.js", "text/javascript; charset=utf-8", include_str!("../../templates/static/viewer.js")),
    ("sheet.js", "text/javascript; charset=utf-8", include_str!("../../templates/static/sheet.js")),
    ("claim.js", "text/javascript; charset=utf-8", include_str!("../../templates/static/claim.js")),
    ("desk.js", "text/javascript; charset=utf-8", include_str!("../../templates/static/desk.js")),
];

pub async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(n, ..)| *n == name.as_str()) {
        Some((_, media, body)) => HttpResponse::Ok()
            .content_type(*media)
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}
