//! sea-orm entities, one per table. They mirror the migrations and hold no behaviour.

pub mod api_token;
pub mod app_secret;
pub mod application;
pub mod audit_event;
pub mod blob_lease;
pub mod calendar_day;
pub mod check_report;
pub mod decision_reason;
pub mod document;
pub mod job;
pub mod login_attempt;
pub mod lookup_code;
pub mod notification;
pub mod notification_attempt;
pub mod notification_template;
pub mod organisation;
pub mod rejection_reason;
pub mod review_decision;
pub mod staff_session;
pub mod staff_user;
pub mod threshold_override;
