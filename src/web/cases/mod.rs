//! The case: one application under review. Showing it (audited), claiming and releasing it,
//! revealing its personal data (audited), deciding it, and serving its scans.

pub mod actions;
pub mod decide;
pub mod scan;
pub mod show;
