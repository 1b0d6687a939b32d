//! Applicant intake: storing what applicants upload.

pub mod documents;

pub use documents::{IntakeError, NewUpload, store_document};
