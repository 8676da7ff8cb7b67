//! How the names a runbook answers to (app id, aliases, hosts, IPs, URLs, title) are compared.
//!
//! The index looks names up by this key and `check` finds names claimed twice by it, so the
//! two can never disagree about whether two spellings are the same name.

/// A name's key for exact lookup: lower case, no surrounding space, no trailing `/` (so
/// `https://Billing.example.com/` and `https://billing.example.com` are one URL).
pub fn key(name: &str) -> String {
    name.trim().trim_end_matches('/').to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differing_in_case_space_or_a_trailing_slash_have_one_key() {
        assert_eq!(key("  Billing "), "billing");
        assert_eq!(
            key("https://Billing.example.com/"),
            "https://billing.example.com"
        );
        assert_eq!(key("a//"), "a");
        assert_eq!(key(" / "), "");
    }
}
