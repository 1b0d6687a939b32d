//! Admin pages: staff accounts, the rejection-reason catalogue, the working-day calendar, the
//! check thresholds.

pub mod calendar;
pub mod reasons;
pub mod thresholds;
pub mod users;
