//! The `runbook` application: the command line, the web server and the views they answer with,
//! on top of [`runbook_core`] (files to search results) and, with the `model` feature,
//! `runbook_model` (the sentence model).
//!
//! This crate is the binary's own code; it is a library only so that the integration tests can
//! reach the server's router and the check's report without going through a process.

pub mod auth;
pub mod check;
pub mod cli;
pub mod import;
pub mod mdbook;
pub mod model;
pub mod pull;
mod remote;
pub mod views;
pub mod web;
