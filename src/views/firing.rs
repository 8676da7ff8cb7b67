//! The alerts firing for a runbook, in the words every card leads with: the page, the terminal
//! and the static book all say it this way.

use runbook_core::firing::FiringAlert;
use runbook_core::results::RunbookDetails;

/// One line per alert firing for the runbook, oldest first: "Firing now: LedgerDown since
/// 2026-12-08 09:12 UTC (critical): Ledger is not answering".
pub fn firing_lines(details: &RunbookDetails) -> Vec<String> {
    details.firing.iter().map(firing_line).collect()
}

fn firing_line(alert: &FiringAlert) -> String {
    let mut line = format!(
        "Firing now: {} since {}",
        alert.alertname,
        alert.starts_at.format("%Y-%m-%d %H:%M UTC")
    );
    if let Some(severity) = &alert.severity {
        line.push_str(&format!(" ({severity})"));
    }
    if let Some(instance) = &alert.instance {
        line.push_str(&format!(" on {instance}"));
    }
    if let Some(summary) = &alert.summary {
        line.push_str(": ");
        line.push_str(summary);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_firing_alert_is_said_with_its_start_severity_instance_and_summary() {
        let alert = FiringAlert {
            app: "ledger".into(),
            alertname: "LedgerQueueBacklog".into(),
            severity: Some("critical".into()),
            summary: Some("the import queue is not draining".into()),
            starts_at: chrono::Utc
                .with_ymd_and_hms(2026, 12, 8, 9, 12, 0)
                .single()
                .expect("a valid time"),
            instance: Some("ledger01:9100".into()),
            ends_at: None,
            fingerprint: "f1".into(),
        };
        assert_eq!(
            firing_line(&alert),
            "Firing now: LedgerQueueBacklog since 2026-12-08 09:12 UTC (critical) on ledger01:9100: the import queue is not draining"
        );
    }
}
