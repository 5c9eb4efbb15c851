//! Cutting text to a size, the one way every front end does it.

/// `text` cut to at most `max` characters, with "…" when cut (trailing
/// spaces before it dropped).
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncation_counts_characters_and_marks_the_cut() {
        assert_eq!(truncate("¿qué es?", 8), "¿qué es?");
        assert_eq!(truncate("¿qué es un KPO?", 8), "¿qué es…");
        assert_eq!(truncate("abc", 0), "…");
    }
}
