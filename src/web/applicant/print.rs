//! `GET /o/{token}/print/{form}`: the application form (附件一, `application_form`) and the
//! seal-sample form (附件二, `seal_sample`) filled in with what the applicant typed, to print,
//! stamp, sign and scan. Each carries the order number as text and as a QR code that opens the
//! order lookup with the number filled in (so a phone can continue the upload).

use actix_web::{HttpResponse, web};
use qrcode::QrCode;
use qrcode::render::svg;

use super::resolve;
use crate::domain::{CertificateType, Delivery, OperationType};
use crate::web::{AppState, WebError, render};

pub async fn print(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (token, form) = path.into_inner();
    let app = match resolve(&state, &token).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    let template = match form.as_str() {
        "application_form" => "print_application.html",
        "seal_sample" => "print_seal_sample.html",
        _ => return Err(WebError::NotFound),
    };
    let base = state.settings.notify.public_base_url.trim_end_matches('/');
    let target = format!("{base}/lookup?order_number={}", app.order_number);
    let qr = QrCode::new(target.as_bytes())
        .map_err(|e| anyhow::anyhow!("QR code: {e}"))?
        .render::<svg::Color<'_>>()
        .min_dimensions(120, 120)
        .quiet_zone(false)
        .build();
    let op: OperationType = app.operation_type.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let cert: CertificateType = app.certificate_type.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let delivery: Delivery = app.delivery.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    render(
        &state,
        template,
        minijinja::context! {
            staff => (), app => &app, qr => minijinja::Value::from_safe_string(qr), token,
            operation => op.as_str(), operations => OperationType::ALL.iter().map(|o| (o.as_str(), o.label_zh())).collect::<Vec<_>>(),
            certificate => cert.label_zh(), delivery => delivery.label_zh(),
        },
    )
}
