//! `synonyms.toml`: words users type for the same thing, expanded at query time,
//! and filler words that never carry a question's meaning.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::problem::{toml_problem, LineIndex, Problem};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Synonyms {
    /// Each group lists terms (words or phrases) that mean the same to a user.
    pub groups: Vec<Vec<String>>,
    /// Words dropped from questions before searching ("dime", "exactamente"…).
    pub ignore: Vec<String>,
    /// Words that show a question is about our subject ("BPO", "outsourcing").
    /// In such a question an unknown word is more likely phrasing than a
    /// different topic, so it lowers the confidence less.
    pub topic: Vec<String>,
    /// Words and phrases of our field that do not name the subject ("call
    /// center"): a question using them is on topic too, but does not
    /// thereby ask for a section about the subject.
    pub domain: Vec<String>,
    /// Words and phrases that ask for a figure ("how much", "salario",
    /// "porcentaje"): only a passage that gives a number can answer them.
    pub figures: Vec<String>,
    /// Words and phrases that ask for a count ("cuántos", "how many"): a
    /// number answers them, and so does a list, whose items can be counted.
    pub counts: Vec<String>,
    /// Words that ask for what the knowledge does not hold ("historia",
    /// "impuestos", "certification"): a passage that does not say the word
    /// cannot answer a question that does, however well it covers the rest.
    pub beyond: Vec<String>,
    /// Words analysis keeps whole instead of reducing them to a stem that
    /// reads like another idea's ("competitive" like "competition").
    pub whole: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    topic: Vec<String>,
    #[serde(default)]
    domain: Vec<String>,
    #[serde(default)]
    figures: Vec<String>,
    #[serde(default)]
    counts: Vec<String>,
    #[serde(default)]
    beyond: Vec<String>,
    #[serde(default)]
    whole: Vec<String>,
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    terms: Vec<String>,
}

/// Parses `text`, the content of `file`; problems are pushed with their lines.
pub fn parse(file: &Path, text: &str, problems: &mut Vec<Problem>) -> Synonyms {
    let raw: Raw = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            problems.push(toml_problem(file, text, &err));
            return Synonyms::default();
        }
    };
    let lines = LineIndex::new(text);
    let mut groups = Vec::new();
    for group in raw.group {
        let line = lines.line(group.span().start);
        let terms: Vec<String> = group
            .into_inner()
            .terms
            .into_iter()
            .map(|t| t.trim().to_string())
            .collect();
        if terms.iter().any(String::is_empty) {
            problems.push(Problem::new(
                file,
                line,
                "a synonym group has an empty term",
            ));
        } else if terms.len() < 2 {
            problems.push(Problem::new(
                file,
                line,
                "a synonym group needs at least two terms",
            ));
        } else {
            groups.push(terms);
        }
    }
    // A phrase would be analysed into words each standing alone for it:
    // "desde casa" would make every "casa" ask for what we do not hold.
    for (key, entries) in [("beyond", &raw.beyond), ("whole", &raw.whole)] {
        for entry in entries.iter().filter(|e| e.split_whitespace().count() != 1) {
            // Looked for inside its own list: the word may stand in another.
            let list = text.find(&format!("{key} =")).unwrap_or(0);
            let at = text[list..]
                .find(&format!("\"{entry}\""))
                .map_or(list, |i| list + i);
            problems.push(Problem::new(
                file,
                lines.line(at),
                format!("a `{key}` entry must be one word: \"{entry}\""),
            ));
        }
    }
    Synonyms {
        groups,
        ignore: raw.ignore,
        topic: raw.topic,
        domain: raw.domain,
        figures: raw.figures,
        counts: raw.counts,
        beyond: raw.beyond,
        whole: raw.whole,
    }
}
