//! The storage port (`masthead_core::store::Store`) on SQLite and PostgreSQL.
//!
//! Both backends are always compiled and chosen at run time from the database URL.
//! The implementation is written once, one file per area in `backend/`, and compiled
//! twice: `sqlite.rs` and `postgres.rs` each load every file of `backend/` as their own
//! modules (with `Db`, `BACKEND` and their `dialect`, which holds the few real
//! differences between the two databases). Nothing outside this crate sees sqlx.

// Loading each `backend/` file into both backends is the design, not an accident.
#![allow(clippy::duplicate_mod)]

mod relay;
mod rows;

pub mod postgres;
pub mod sqlite;

mod connect;
pub use connect::{connect, connect_node, redact, ConnectError, Connected};
