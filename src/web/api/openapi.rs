//! `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 document, written by hand next to the
//! routes (`templates/api/openapi.json`); a test keeps the two in step.

use actix_web::HttpResponse;

pub const DOCUMENT: &str = include_str!("../../../templates/api/openapi.json");

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(DOCUMENT)
}
