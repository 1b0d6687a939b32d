//! Admin pages: staff accounts today; the reason catalogue and thresholds follow.

pub mod users;
