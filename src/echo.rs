//! Showing a user's own input back to them, safely.
//!
//! Error messages quote what was typed ("unknown question '…'"), and what
//! was typed can hold terminal control sequences: `ESC ] 0 ; … BEL` retitles
//! the terminal, `ESC [ 2 J` clears it, a bidi override reorders the rest
//! of the line. Every echo of user input goes through [`echo`], which makes
//! such characters visible as escapes, and cuts long input so a 100 KB
//! argument is not printed back whole.

/// How many characters of an input an echo shows before it is cut.
pub const ECHO_MAX_CHARS: usize = 80;

/// `input` with control and invisible layout characters escaped (`\e`,
/// `\n`, `\x07`, `\u{202e}`…), cut at [`ECHO_MAX_CHARS`] with "…".
pub fn echo(input: &str) -> String {
    echo_cut(input, ECHO_MAX_CHARS)
}

/// [`echo`] with another length, counted in shown characters.
pub fn echo_cut(input: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for c in input.chars() {
        let piece = escaped(c);
        let len = piece.as_ref().map_or(1, |p| p.chars().count());
        if shown + len > max_chars {
            out.push('…');
            return out;
        }
        shown += len;
        match piece {
            Some(p) => out.push_str(&p),
            None => out.push(c),
        }
    }
    out
}

/// The visible form of a character a terminal would act on or hide, or
/// `None` when it shows as itself.
fn escaped(c: char) -> Option<String> {
    let text = match c {
        '\x1b' => "\\e".to_string(),
        '\n' => "\\n".to_string(),
        '\r' => "\\r".to_string(),
        '\t' => "\\t".to_string(),
        '\0' => "\\0".to_string(),
        c if c.is_ascii_control() => format!("\\x{:02x}", c as u32),
        // C1 controls (U+0080–U+009F; U+009B is a one-byte CSI) and the
        // characters that reorder or hide text without showing.
        c if c.is_control() || is_invisible_layout(c) => format!("\\u{{{:x}}}", c as u32),
        _ => return None,
    };
    Some(text)
}

/// Bidi embeddings, overrides and isolates, zero-width characters and the
/// byte order mark: they change how the rest of a line reads, unseen.
fn is_invisible_layout(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_become_visible_escapes() {
        let shown = echo("\x1b]0;PWNED\x07=1");
        assert_eq!(shown, "\\e]0;PWNED\\x07=1");
        assert_eq!(echo("a\u{9b}31m\u{202e}b\n"), "a\\u{9b}31m\\u{202e}b\\n");
        assert!(!echo("\x1b[2J\x7f").chars().any(|c| c.is_control()));
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for text in ["¿Qué es un KPO?", "work=legal", "C:\\temp\\kb", "日本語 ok"] {
            assert_eq!(echo(text), text);
        }
    }

    #[test]
    fn long_input_is_cut_with_an_ellipsis() {
        let long = "k".repeat(100_000);
        let shown = echo(&long);
        assert_eq!(shown.chars().count(), ECHO_MAX_CHARS + 1);
        assert!(shown.ends_with('…'));
        // Exactly at the limit nothing is cut.
        assert_eq!(echo(&long[..ECHO_MAX_CHARS]), &long[..ECHO_MAX_CHARS]);
        // An escape is never cut in half.
        let shown = echo_cut("ab\x1b", 3);
        assert_eq!(shown, "ab…");
    }
}
