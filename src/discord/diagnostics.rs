//! Errors for the log: the whole cause chain, with the secrets in Discord's
//! URLs taken out.
//!
//! serenity's top error often says only "Error while sending HTTP request.";
//! the cause (a refused connection, a timeout, a TLS failure) is further down
//! the chain. And the URLs those causes carry hold secrets: an interaction's
//! token (`/interactions/{id}/{token}/callback`) or a webhook's
//! (`/webhooks/{application}/{token}`), each enough to answer as the bot.

use std::error::Error as StdError;
use std::sync::LazyLock;

use regex::Regex;

/// `err` and its causes, `top: cause: root`, without repeats (a wrapper
/// often prints what it wraps) and with secrets redacted.
pub fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p == &text) && !text.is_empty() {
            parts.push(text);
        }
        next = e.source();
    }
    redact(&parts.join(": "))
}

/// The text with interaction and webhook tokens replaced by `[token]`, and
/// URL queries dropped.
pub fn redact(text: &str) -> String {
    static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(/(?:interactions|webhooks)/[0-9]+/)[^/?#\s)]+").expect("a valid pattern")
    });
    static QUERY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(https?://[^\s?#)]+)\?[^\s#)]*").expect("a valid pattern"));
    let text = TOKEN.replace_all(text, "${1}[token]");
    QUERY.replace_all(&text, "${1}?[query]").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(std::io::Error);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Error while sending HTTP request.")
        }
    }

    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_cause_is_logged_without_the_tokens_in_its_url() {
        let cause = std::io::Error::other(
            "error sending request for url (https://discord.com/api/v10/interactions/123/aW50ZXJhY3Rpb24.secret/callback?wait=true): connection refused",
        );
        let text = chain(&Wrapper(cause));
        assert_eq!(
            text,
            "Error while sending HTTP request.: error sending request for url \
             (https://discord.com/api/v10/interactions/123/[token]/callback?[query]): connection refused"
        );
        assert!(!text.contains("secret"));
    }

    #[test]
    fn webhook_tokens_are_redacted_and_other_paths_kept() {
        assert_eq!(
            redact("PATCH /api/v10/webhooks/42/tok-en_1/messages/@original failed"),
            "PATCH /api/v10/webhooks/42/[token]/messages/@original failed"
        );
        assert_eq!(
            redact("GET https://discord.com/api/v10/channels/9/messages"),
            "GET https://discord.com/api/v10/channels/9/messages"
        );
    }
}
