//! Staff sign-in for the web: the extractor every protected handler takes, the CSRF check,
//! and the login and logout actions.

mod extract;
pub mod login;
pub mod logout;

pub use extract::{
    Admin, ApiIntegration, ApiReviewer, ApiSupervisor, Reviewer, Supervisor, check_csrf, client_ip,
};
