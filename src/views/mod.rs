//! Presenting results to people. Views take result data and return text; they never search,
//! read files or know where the data came from (a local index or a server's JSON API).

pub mod card;
pub mod chat;
pub mod firing;
pub mod github;
pub mod import;
pub mod markdown;
pub mod reach;
pub mod terminal;
