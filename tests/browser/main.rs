//! The back-office in a real headless Chromium, driven through chromedriver (Debian's `chromium`
//! and `chromium-driver`, installed by `scripts/setup-system.sh test`): what a reviewer does with
//! a mouse, checked against what ends up in the database.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "../api/staff.rs"]
mod staff;

mod applicant;
mod desk;
mod driver;
mod review;
mod viewer;
