//! Applicant intake: starting an application, receiving uploads (inspected before they are
//! recorded), submitting and resubmitting, and the order lookup's one-time codes.

pub mod apply;
pub mod config;
pub mod documents;
pub mod edit;
pub mod inspect;
pub mod lookup;
pub mod submit;
pub mod upload;

pub use config::IntakeSettings;
pub use documents::{IntakeError, NewUpload, store_document};
pub use upload::{Receiver, Refusal};
