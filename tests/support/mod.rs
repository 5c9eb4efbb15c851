#![allow(dead_code)]
//! Test support shared by the integration tests that need it (`mod support;`).

pub mod bot;
pub mod fake_discord;
pub mod files;
pub mod http;
pub mod session;
