//! The languages the bot speaks. A knowledge edition lives in `knowledge/<code>/`.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Es,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Es, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The known codes, for messages that say what is valid.
    pub fn codes() -> String {
        Lang::ALL.map(Lang::code).join(", ")
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::from_code(&s.to_ascii_lowercase())
            .ok_or_else(|| format!("unknown language '{s}' (known: {})", Lang::codes()))
    }
}

/// The letter without its accent, for the letters our languages use (as
/// tantivy's ASCII folding does for them).
pub fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'ä' | 'â' => 'a',
        'é' | 'è' | 'ë' | 'ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' => 'o',
        'ú' | 'ù' | 'ü' | 'û' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        other => other,
    }
}

/// `text`'s characters lowercased and without accents: how slugs, trigram
/// profiles, highlights and typo lookups compare words.
pub fn folded(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(char::to_lowercase).map(fold)
}

/// The byte ranges of `text`'s words: runs of letters and digits, the same
/// boundaries as tantivy's SimpleTokenizer.
pub fn word_ranges(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut start = None;
    text.char_indices()
        .chain(std::iter::once((text.len(), ' ')))
        .filter_map(move |(i, c)| match (c.is_alphanumeric(), start) {
            (true, None) => {
                start = Some(i);
                None
            }
            (false, Some(from)) => {
                start = None;
                Some(from..i)
            }
            _ => None,
        })
}

/// `text`'s words (see [`word_ranges`]).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    word_ranges(text).map(|r| &text[r])
}

/// Words that mostly occur in one language's questions.
const SPANISH_WORDS: &[&str] = &[
    "qué",
    "que",
    "es",
    "el",
    "la",
    "los",
    "las",
    "de",
    "del",
    "un",
    "una",
    "por",
    "para",
    "cómo",
    "como",
    "cuál",
    "cual",
    "cuáles",
    "cuales",
    "son",
    "y",
    "en",
    "con",
    "sus",
    "mi",
    "hay",
    "beneficios",
    "ventajas",
    "desafíos",
    "desafios",
    "diferencia",
    "diferencias",
    "tipos",
    "empresa",
    "entre",
    "o",
    "se",
    "su",
    "mejor",
    "dónde",
    "donde",
    "cuándo",
    "cuando",
    "quién",
    "hace",
    "tiene",
    "puedo",
    "debo",
    "conviene",
    "significa",
    "al",
    "lo",
    "le",
    "me",
    "ser",
];
const ENGLISH_WORDS: &[&str] = &[
    "what",
    "whats",
    "is",
    "the",
    "a",
    "an",
    "of",
    "how",
    "which",
    "are",
    "and",
    "in",
    "for",
    "does",
    "do",
    "my",
    "with",
    "benefits",
    "advantages",
    "challenges",
    "difference",
    "differences",
    "types",
    "company",
    "between",
    "should",
    "i",
    "can",
    "tell",
    "about",
    "define",
    "mean",
    "means",
    "better",
    "than",
    "why",
    "when",
    "where",
    "who",
    "or",
    "to",
    "it",
    "its",
    "their",
    "vs.",
    "handle",
    "work",
    "use",
    "need",
    "your",
    "you",
    "be",
    // Grammar no Spanish question uses ("best shows on netflix").
    "on",
    "at",
    "by",
    "from",
    "this",
    "that",
    "we",
    "our",
    "they",
    "was",
    "were",
    "will",
    "would",
    "could",
    "has",
    "have",
    "if",
    "not",
    "but",
    "there",
    "any",
    "some",
    "much",
    "many",
];

/// The language `text` is most likely written in: the language of its
/// function words, the first one counting double (questions open with
/// "what"/"qué"), plus Spanish punctuation and accented words. Loanwords
/// ("tercerización" in an English question) weigh less than grammar.
/// Undecidable text (bare acronyms such as "kpo vs bpo") is taken as
/// Spanish, the knowledge's own language.
pub fn detect(text: &str) -> Lang {
    let (es, en) = scores(text);
    if en > es {
        Lang::En
    } else {
        Lang::Es
    }
}

/// [`detect`], where text its grammar leaves undecided ("kpo full form",
/// "engineering bpo", "bpo significado") is in the language whose words
/// it uses: `knows(lang, word)` tells whether `lang` has `word` (folded),
/// and the language with more words the other lacks wins. Still a tie:
/// Spanish.
pub fn detect_with(text: &str, knows: impl Fn(Lang, &str) -> bool) -> Lang {
    let (es, en) = scores(text);
    if es != en {
        return if en > es { Lang::En } else { Lang::Es };
    }
    let (mut only_es, mut only_en) = (0, 0);
    for word in words(text) {
        let word: String = folded(word).collect();
        match (knows(Lang::Es, &word), knows(Lang::En, &word)) {
            (true, false) => only_es += 1,
            (false, true) => only_en += 1,
            _ => {}
        }
    }
    if only_en > only_es {
        Lang::En
    } else {
        Lang::Es
    }
}

/// The Spanish and the English score of `text` (see [`detect`]).
fn scores(text: &str) -> (usize, usize) {
    static SPANISH: LazyLock<HashSet<&str>> =
        LazyLock::new(|| SPANISH_WORDS.iter().copied().collect());
    static ENGLISH: LazyLock<HashSet<&str>> =
        LazyLock::new(|| ENGLISH_WORDS.iter().copied().collect());
    let lower = text.to_lowercase();
    let mut es = lower
        .chars()
        .filter(|c| matches!(c, '¿' | '¡' | 'ñ'))
        .count()
        * 2;
    let mut en = 0;
    let mut first = true;
    for word in words(&lower) {
        let spanish = SPANISH.contains(word);
        let english = ENGLISH.contains(word);
        let bonus = if first && spanish != english { 2 } else { 0 };
        if spanish || english {
            first = false;
        }
        es += usize::from(spanish) * (1 + bonus);
        en += usize::from(english) * (1 + bonus);
        es += usize::from(!spanish && word.contains(['á', 'é', 'í', 'ó', 'ú']));
    }
    (es, en)
}

/// The language of a Discord locale: `es`, `es-ES`, `es-419` → Spanish; anything else English.
pub fn from_locale(locale: &str) -> Lang {
    if locale.to_ascii_lowercase().starts_with("es") {
        Lang::Es
    } else {
        Lang::En
    }
}

/// The entry for `lang`, or else the first there is: what every edition
/// lookup falls back to when the knowledge has no edition in the asker's
/// language.
pub fn this_or_first<V>(
    map: &std::collections::BTreeMap<Lang, V>,
    lang: Lang,
) -> Option<(Lang, &V)> {
    map.get_key_value(&lang)
        .or_else(|| map.iter().next())
        .map(|(l, v)| (*l, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_questions_are_told_apart() {
        assert_eq!(detect("What is KPO?"), Lang::En);
        assert_eq!(detect("¿Qué es KPO?"), Lang::Es);
        assert_eq!(detect("kpo vs bpo"), Lang::Es);
        assert_eq!(detect("benefits of bpo"), Lang::En);
        assert_eq!(detect("beneficios del bpo"), Lang::Es);
    }

    #[test]
    fn locales_map_to_languages() {
        assert_eq!(from_locale("es-ES"), Lang::Es);
        assert_eq!(from_locale("es-419"), Lang::Es);
        assert_eq!(from_locale("en-US"), Lang::En);
        assert_eq!(from_locale("fr"), Lang::En);
    }
}
