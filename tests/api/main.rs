//! Integration tests: the real application on port 0 with a fresh database per test.
//! Runs on SQLite by default; with `SEALDESK_TEST_PG_URL` set (an admin URL of a PostgreSQL
//! server) every test gets its own fresh PostgreSQL database instead.

mod admin;
mod applicant;
mod claims;
mod cli;
mod demo;
mod edit;
mod health;
mod helpers;
mod intake;
mod jobs;
mod lifecycle;
mod mail;
mod notify;
mod overrides;
mod resubmission;
mod review;
mod reviewer_api;
mod security;
mod security_login;
mod staff;
mod staff_pages;
