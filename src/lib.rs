//! sealdesk: automated checks and a review back-office for certificate-authority applications.
//!
//! The folders are the architecture: `domain` (typed values), `pipeline` (pure image
//! checks), `review` (the lifecycle and
//! decisions), `jobs` (durable background work), `storage` (blobs), `web` (HTTP), `db` and
//! `entities` (persistence), `config`, `cli` and `startup` (wiring).

pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod entities;
pub mod fixtures;
pub mod intake;
pub mod jobs;
pub mod memory;
pub mod notify;
pub mod ocr;
pub mod pipeline;
pub mod review;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod thresholds;
pub mod web;
