//! The moment a question is answered for: who is reachable now and which reviews are overdue
//! depend on it.
//!
//! It is the system clock unless a moment is given: `--at` on the command line, `?at=` on the
//! API, or the `RUNBOOK_NOW` environment variable for a whole process. A desk can then ask "whom
//! can I call at 3 a.m. on Saturday", and tests get the same answer on every run.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};

use crate::error::{Error, Result};

/// The environment variable that fixes the clock for a whole process.
pub const ENV: &str = "RUNBOOK_NOW";

/// Reads an RFC 3339 time (`2026-11-28T03:00:00Z`, `2026-11-28T03:00:00+01:00`); `given_by`
/// names where it came from, for the error.
pub fn parse(value: &str, given_by: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Clock {
            given_by: given_by.to_string(),
            value: value.to_string(),
            message: e.to_string(),
        })
}

/// `RUNBOOK_NOW` when it is set (and not empty), else the system clock to the second (the
/// moment is shown in answers, and schedules have minutes at most).
pub fn now() -> Result<DateTime<Utc>> {
    Ok(fixed()?.unwrap_or_else(|| Utc::now().trunc_subsecs(0)))
}

/// The moment `RUNBOOK_NOW` fixes, if it is set (and not empty).
pub fn fixed() -> Result<Option<DateTime<Utc>>> {
    match std::env::var(ENV) {
        Ok(value) if !value.trim().is_empty() => parse(&value, ENV).map(Some),
        _ => Ok(None),
    }
}

/// Today's date on this machine's calendar, at [`now`]: what review dates and token expiry
/// are compared with.
pub fn today() -> Result<NaiveDate> {
    now().map(local_date)
}

/// `at` when given, else [`now`].
pub fn at_or_now(at: Option<DateTime<Utc>>) -> Result<DateTime<Utc>> {
    at.map_or_else(now, Ok)
}

/// `at` when given, else the moment `RUNBOOK_NOW` fixes: what to ask a server about (`None`
/// leaves the server's own clock).
pub fn at_or_fixed(at: Option<DateTime<Utc>>) -> Result<Option<DateTime<Utc>>> {
    at.map_or_else(fixed, |at| Ok(Some(at)))
}

/// The date at `at` on this machine's calendar: what review dates are compared with.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono::Local).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rfc_3339_time_with_an_offset_is_read_as_that_instant() {
        let at = parse("2026-11-28T03:00:00+01:00", "--at").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-28T02:00:00+00:00");
    }

    #[test]
    fn a_time_that_is_not_rfc_3339_is_refused_naming_where_it_came_from() {
        let err = parse("saturday 3am", "--at").unwrap_err().to_string();
        assert!(
            err.starts_with("--at: \"saturday 3am\" is not a time"),
            "{err}"
        );
    }
}
