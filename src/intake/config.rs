//! `[intake]`: limits and tolerances of the applicant pages.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntakeSettings {
    /// Uploads decoded at once per process for the intake inspection (memory: about 30 MB each
    /// for a 300-dpi A4 page); more wait their turn.
    pub inspect_concurrency: usize,
    /// Difference-hash bits within which a re-upload is compared in full with the scan that was
    /// sent back (farther apart is a new scan at once).
    pub same_scan_max_hash_bits: u32,
    /// Tolerances of "the same scan" (see `intake::inspect`).
    pub same_scan_mean_colour: f32,
    pub same_scan_max_colour: f32,
    pub same_scan_mean_gradient: f32,
    /// One-time codes of the order lookup: how long one is valid, wrong entries before it is
    /// void, seconds before another may be sent, codes per application in an hour.
    pub lookup_code_valid_mins: u32,
    pub lookup_code_max_failures: i32,
    pub lookup_code_resend_secs: u32,
    pub lookup_codes_per_hour: u32,
    /// Uploads one document of an application may take, and one application in all (refused
    /// and replaced ones included): an order page is not free storage.
    pub max_attempts_per_document: u32,
    pub max_uploads_per_application: u32,
    /// Per client address (proxy-aware, see `server.trusted_proxies`), across every node:
    /// applications started per hour and uploads per minute.
    pub applications_per_hour_per_address: u32,
    pub uploads_per_minute_per_address: u32,
}

impl Default for IntakeSettings {
    fn default() -> Self {
        let t = super::inspect::Tolerance::default();
        Self {
            inspect_concurrency: 2,
            same_scan_max_hash_bits: 12,
            same_scan_mean_colour: t.mean_colour,
            same_scan_max_colour: t.max_colour,
            same_scan_mean_gradient: t.mean_gradient,
            lookup_code_valid_mins: 10,
            lookup_code_max_failures: 5,
            lookup_code_resend_secs: 60,
            lookup_codes_per_hour: 5,
            max_attempts_per_document: 10,
            max_uploads_per_application: 40,
            applications_per_hour_per_address: 20,
            uploads_per_minute_per_address: 30,
        }
    }
}

impl IntakeSettings {
    pub fn tolerance(&self) -> super::inspect::Tolerance {
        super::inspect::Tolerance {
            mean_colour: self.same_scan_mean_colour,
            max_colour: self.same_scan_max_colour,
            mean_gradient: self.same_scan_mean_gradient,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.inspect_concurrency == 0
            || self.lookup_code_valid_mins == 0
            || self.lookup_code_max_failures < 1
            || self.max_attempts_per_document == 0
            || self.max_uploads_per_application == 0
        {
            return Err(
                "intake.inspect_concurrency, intake.lookup_code_valid_mins, intake.lookup_code_max_failures, intake.max_attempts_per_document and intake.max_uploads_per_application must be at least 1"
                    .into(),
            );
        }
        Ok(())
    }
}
