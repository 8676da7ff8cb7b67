//! The integration tests, as one test binary: the `runbook` binary and library exercised as a
//! user, an author, a browser or an operator meets them. One module a subject; run one with
//! `cargo test --test integration MODULE::` (for example `reachable::`).
//!
//! `harness` is what they share. Tests marked `#[ignore]` are heavy (minutes even on a warm
//! build); `cargo test` leaves them out and CI runs them:
//! `cargo test --test integration -- --ignored`.

mod harness;

mod access;
mod alerts;
mod browser;
mod chat;
mod check;
mod churn;
mod cli;
mod corpora;
mod corpus_generator;
mod deploy;
// About search by meaning: not in the words-only build.
#[cfg(feature = "model")]
mod desk_quality;
mod faults;
// About search by meaning: not in the words-only build.
#[cfg(feature = "model")]
mod fill;
mod flood;
mod guide;
mod history;
mod hostile_requests;
mod hostile_runbooks;
mod import;
mod layers;
mod links;
mod mdbook;
mod misses;
mod package;
mod pull;
mod reachable;
mod search;
// About search by meaning: not in the words-only build.
#[cfg(feature = "model")]
mod semantic;
mod serve;
mod web;
#[cfg(not(feature = "model"))]
mod words_only;
