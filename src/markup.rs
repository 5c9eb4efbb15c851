//! What a question says once the way it was typed is set aside: Discord's
//! Markdown (code, links, spoilers, quotes, custom emoji, mentions),
//! invisible characters and terminal escapes.
//!
//! Every front end builds its [`crate::answer::Question`] through here, so a
//! question wrapped in markup ("||¿qué es un kpo?||", "`kpo`?", a link and
//! the question) is searched for its words, and nothing typed to fool the
//! tokenizer ("k\u{200b}p\u{200b}o", "\e[31mkpo") turns a word into another.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Removed whole: what they hold is not the question's prose. Code (fenced,
/// then inline), terminal escape sequences (CSI `ESC [ … letter`, OSC
/// `ESC ] … BEL|ESC \`, and two-byte ones), Discord's custom emoji, user,
/// role and channel mentions and timestamps.
static DROPPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?s)```.*?(?:```|\z)",
        r"|`[^`]*`",
        r"|\x1b\[[0-?]*[ -/]*[@-~]",
        r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\|\z)",
        r"|\x1b[@-Z\\-_]",
        r"|<a?:[A-Za-z0-9_~]{1,32}:\d+>",
        r"|<(?:@[!&]?|#)\d+>",
        r"|<t:-?\d+(?::[tTdDfFR])?>",
    ))
    .expect("a valid pattern")
});

/// Bare URLs, once links (whose target may hold one) are gone.
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<?https?://[^\s>]+>?").expect("a valid pattern"));

/// Set apart from the prose: a link (`[text](target)`) or a spoiler
/// (`||text||`). Their text is read only when it is all the question says.
static ASIDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]]*)\]\([^)]*\)|\|\|(.*?)\|\|").expect("a valid pattern"));

/// Quote markers at the start of a line (`> `, `>>> `) and lone spoiler bars.
static MARKERS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^[ \t]*>{1,3}[ \t]?|\|\|").expect("a valid pattern"));

/// Characters that show nothing: a word split by them is still one word.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}'
    )
}

fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// The question's text without markup, invisible characters or escapes;
/// borrowed untouched when it has none of them (the common case).
pub fn plain(text: &str) -> Cow<'_, str> {
    let suspicious = text
        .chars()
        .any(|c| matches!(c, '`' | '<' | '[' | '|' | '>' | ':') || c.is_control() || invisible(c));
    if !suspicious {
        return Cow::Borrowed(text);
    }
    let text = DROPPED.replace_all(text, " ");
    let rest = |t: &str| {
        MARKERS
            .replace_all(&URL.replace_all(t, " "), " ")
            .into_owned()
    };
    let prose = rest(&ASIDE.replace_all(&text, " "));
    let text = if has_words(&prose) {
        prose
    } else {
        rest(&ASIDE.replace_all(&text, " $1$2 "))
    };
    let cleaned: String = text
        .chars()
        .filter(|&c| !invisible(c))
        // What escapes left behind (a lone ESC, BEL, NUL…) separates words.
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    Cow::Owned(cleaned)
}

#[cfg(test)]
mod tests {
    use super::plain;

    fn words(text: &str) -> Vec<String> {
        plain(text).split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn plain_text_is_borrowed_as_it_is() {
        assert!(matches!(
            plain("¿qué es un KPO?"),
            std::borrow::Cow::Borrowed("¿qué es un KPO?")
        ));
    }

    #[test]
    fn code_links_spoilers_quotes_and_emoji_leave_only_the_prose() {
        assert_eq!(
            words("||spoiler|| ```rust\nfn main() {}\n``` [link](https://example.com) ¿qué es un kpo?"),
            ["¿qué", "es", "un", "kpo?"]
        );
        assert_eq!(
            words("> ¿qué es `x` un <:kpo:123456> BPO?"),
            ["¿qué", "es", "un", "BPO?"]
        );
        assert_eq!(
            words("<@123> <@!4> <@&5> <#6> <t:1700000000:R> see https://x.y/z?a=1 kpo"),
            ["see", "kpo"]
        );
        // A spoiler or a link that is the whole question is read.
        assert_eq!(words("||¿qué es un BPO?||"), ["¿qué", "es", "un", "BPO?"]);
        assert_eq!(
            words("[¿qué es un KPO?](https://x.y)"),
            ["¿qué", "es", "un", "KPO?"]
        );
        // An unclosed fence hides the rest: it is code being typed, not prose.
        assert_eq!(words("kpo ```bpo"), ["kpo"]);
    }

    #[test]
    fn invisible_characters_do_not_split_a_word() {
        assert_eq!(words("k\u{200b}p\u{200b}o"), ["kpo"]);
        assert_eq!(words("\u{feff}b\u{00ad}p\u{2060}o"), ["bpo"]);
    }

    #[test]
    fn terminal_escapes_are_removed_not_glued_to_words() {
        assert_eq!(words("\x1b[31mkpo\x1b[0m"), ["kpo"]);
        assert_eq!(words("\x1b]0;PWNED\x07bpo"), ["bpo"]);
        assert_eq!(words("kpo\x07bpo\x1b"), ["kpo", "bpo"]);
    }

    #[test]
    fn ordinary_punctuation_is_kept() {
        assert_eq!(
            plain("BPO: ¿ventajas? a > b").as_ref(),
            "BPO: ¿ventajas? a > b"
        );
        assert_eq!(plain("BPO | KPO").as_ref(), "BPO | KPO");
    }
}
