//! Where a question asks, and where it only tells its context.
//!
//! People say who they are and why they ask before or after the question
//! itself: "I run a small bakery chain in Leeds. What would outsourcing get
//! me?", "wat does bpo mean? my cousin works in one in manila", "Trabajo en
//! RRHH en Bogotá; ¿la nómina se puede tercerizar?". The bakery, Leeds and
//! the cousin are not what is asked, and a passage that does not mention them
//! is no less an answer. The confidence weighs the words of the context less
//! (`answer`); the ranking is left as it is.

use std::ops::Range;

/// Words that open a question in a clause of its own after a comma
/// ("hiring analysts is a nightmare for us, could a KPO help?"). Only
/// openers that rarely start anything else are listed: a comma before "que"
/// is as often a relative clause ("el BPO, que es más barato, …").
const OPENERS: &[&str] = &[
    // English: question words and the verbs a question starts with.
    "what", "whats", "wat", "how", "why", "which", "who", "where", "when", "is", "are", "can",
    "could", "would", "should", "will", "do", "does", "did", "any",
    // Spanish. Without its accent, "que", "como", "donde" and "cuando" as
    // often join clauses as ask; "cual" and "cuanto" rarely do.
    "qué", "cómo", "cuál", "cuáles", "cuánto", "cuánta", "cuántos", "cuántas", "dónde", "cuándo",
    "quién", "quiénes", "cual", "cuales", "cuanto", "cuanta", "cuantos", "cuantas", "pq", "xq",
    "porqué",
];

/// The byte ranges of `question` that only tell context. Empty when the
/// question is all one ask, or when it cannot tell which part asks.
///
/// The question is cut into sentences (at `.`, `!`, `?`, `;`, `:`, a line
/// break or a dash between spaces) and a sentence again at the first comma
/// followed by a question opener. A part asks when it holds `?` or `¿` or
/// starts with an opener; when none does, the last part asks. Every other
/// part is context.
pub fn context(question: &str) -> Vec<Range<usize>> {
    let mut parts: Vec<Range<usize>> = Vec::new();
    for sentence in sentences(question) {
        match opener_after_comma(&question[sentence.clone()]) {
            Some(at) => {
                parts.push(sentence.start..sentence.start + at);
                parts.push(sentence.start + at..sentence.end);
            }
            None => parts.push(sentence),
        }
    }
    parts.retain(|p| question[p.clone()].chars().any(char::is_alphanumeric));
    if parts.len() < 2 {
        return Vec::new();
    }
    let mut asks: Vec<bool> = parts.iter().map(|p| asks(&question[p.clone()])).collect();
    if !asks.contains(&true) {
        *asks.last_mut().expect("two parts or more") = true;
    }
    parts
        .into_iter()
        .zip(asks)
        .filter(|&(_, a)| !a)
        .map(|(p, _)| p)
        .collect()
}

/// The sentences of `text`, as byte ranges, each with what ends it.
fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let ends = match c {
            '!' | '?' | ';' | '\n' | '…' => true,
            // "3.5", "e.g.", "10:30" go on.
            '.' | ':' => next.is_none_or(char::is_whitespace),
            // A dash between spaces: "board meeting - need three reasons".
            '-' | '–' | '—' => {
                text[..i].ends_with(char::is_whitespace) && next.is_none_or(char::is_whitespace)
            }
            _ => false,
        };
        if ends {
            let end = i + c.len_utf8();
            out.push(start..end);
            start = end;
        }
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

/// Where, in `sentence`, the clause after its first comma begins, when that
/// clause opens a question.
fn opener_after_comma(sentence: &str) -> Option<usize> {
    sentence.match_indices(',').find_map(|(i, _)| {
        let rest = &sentence[i + 1..];
        let clause = rest.trim_start();
        let word = clause.trim_start_matches('¿');
        let at = i + 1 + (rest.len() - clause.len());
        (clause.starts_with('¿') || starts_with_opener(word)).then_some(at)
    })
}

fn starts_with_opener(text: &str) -> bool {
    let first: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '\'')
        .flat_map(char::to_lowercase)
        .filter(|&c| c != '\'')
        .collect();
    OPENERS.contains(&first.as_str())
}

/// Words that set something aside ("¿qué más hace un BPO aparte de atender
/// el teléfono?", "besides call centres, what else…"): what follows is what
/// the question does not ask about.
const ASIDE: &[&str] = &[
    "aparte de",
    "además de",
    "ademas de",
    "fuera de lo que",
    "sin contar",
    "excepto",
    "salvo",
    "besides",
    "apart from",
    "aside from",
    "other than",
    "except",
];

/// The byte ranges of `question` that name what it sets aside: from a word
/// of [`ASIDE`] to the end of its clause (punctuation, a question opener or
/// "que", or the end).
pub fn aside(question: &str) -> Vec<Range<usize>> {
    let lower = question.to_lowercase();
    // Lowercasing keeps byte offsets only for text whose case changes do
    // not change lengths; anything else is left whole.
    if lower.len() != question.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for marker in ASIDE {
        for (at, _) in lower.match_indices(marker) {
            let end = at + marker.len();
            let starts_word = lower[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            let ends_word = lower[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
            if !(starts_word && ends_word) {
                continue;
            }
            out.push(at..clause_end(&lower, end));
        }
    }
    out
}

/// Where the clause that goes on at `from` ends.
fn clause_end(lower: &str, from: usize) -> usize {
    let mut word_start = None;
    // A space after the end closes the last word like any other.
    let chars = lower[from..]
        .char_indices()
        .map(|(i, c)| (from + i, c))
        .chain(std::iter::once((lower.len(), ' ')));
    for (i, c) in chars {
        if matches!(c, ',' | '.' | '?' | '¿' | '!' | '¡' | ';' | ':' | '\n') {
            return i;
        }
        if c.is_alphanumeric() {
            word_start.get_or_insert(i);
        } else if let Some(w) = word_start.take() {
            if w > from && (starts_with_opener(&lower[w..]) || &lower[w..i] == "que") {
                return w;
            }
        }
    }
    lower.len()
}

/// Words that point back at what the context said ("medical coding - which
/// type of BPO is that?", "¿eso le pega a los BPO?"): an asking part that
/// says one asks about its context, not about its own words alone.
const POINTERS: &[&str] = &[
    "that",
    "this",
    "it",
    "these",
    "those",
    "them",
    "eso",
    "esto",
    "ello",
    "esa",
    "ese",
    "esas",
    "esos",
    "esta",
    "este",
    "estas",
    "estos",
    "hacerlo",
    "usarlo",
    "tercerizarlo",
    "contratarlo",
    "mandarlo",
    "pasarlo",
];

/// Words that ask what something is ("¿qué es exactamente un KPO?", "what
/// exactly is knowledge process outsourcing?").
const DEFINES: &[&[&str]] = &[
    &["que", "es"],
    &["qué", "es"],
    &["q", "es"],
    &["what", "is"],
    &["whats"],
    &["what's"],
    &["significa"],
    &["mean"],
    &["means"],
    &["meaning"],
    &["define"],
    &["definition"],
    &["definición"],
    &["definicion"],
];

/// The part of `question` that asks, when it also gives context: the text
/// outside [`context`]'s ranges. `None` when the question is all one ask.
pub fn asking(question: &str) -> Option<String> {
    let context = context(question);
    if context.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut at = 0;
    for r in context {
        out.push_str(&question[at..r.start]);
        out.push(' ');
        at = r.end;
    }
    out.push_str(&question[at..]);
    Some(out)
}

fn lower_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `text` points back at something said before it ([`POINTERS`]).
pub fn points_back(text: &str) -> bool {
    lower_words(text)
        .iter()
        .any(|w| POINTERS.contains(&w.as_str()))
}

/// Whether `text` asks what something is ([`DEFINES`]), its words in order
/// with at most one between them ("what exactly is").
pub fn asks_what_it_is(text: &str) -> bool {
    let words = lower_words(text);
    DEFINES.iter().any(|cue| {
        words.iter().enumerate().any(|(i, w)| {
            *w == cue[0]
                && cue[1..]
                    .iter()
                    .all(|next| words[i + 1..].iter().take(2).any(|x| x == next))
        })
    })
}

/// Whether a part of a question asks: it holds a question mark, or starts
/// like a question.
fn asks(part: &str) -> bool {
    part.contains(['?', '¿']) || starts_with_opener(part.trim_start())
}

#[cfg(test)]
mod tests {
    use super::{asking, asks_what_it_is, context, points_back};

    fn context_of(question: &str) -> Vec<&str> {
        context(question)
            .into_iter()
            .map(|r| question[r].trim())
            .collect()
    }

    fn aside_of(question: &str) -> Vec<&str> {
        super::aside(question)
            .into_iter()
            .map(|r| question[r].trim())
            .collect()
    }

    #[test]
    fn what_a_question_sets_aside_runs_to_the_end_of_its_clause() {
        assert_eq!(
            aside_of("q servicios puede dar un bpo aparte de atender el telefono"),
            ["aparte de atender el telefono"]
        );
        assert_eq!(
            aside_of("besides answering customer calls what else do bpos do"),
            ["besides answering customer calls"]
        );
        assert_eq!(
            aside_of("Además de ahorrar, ¿qué ventajas tiene?"),
            ["Además de ahorrar"]
        );
        assert!(aside_of("¿el KPO es algo aparte?").is_empty());
        assert!(aside_of("exceptional service").is_empty());
    }

    #[test]
    fn a_question_of_one_part_has_no_context() {
        assert!(context_of("¿Qué es un BPO?").is_empty());
        assert!(context_of("what does KPO stand for").is_empty());
        assert!(context_of("is outsourcing worth it? what are the benefits?").is_empty());
        assert!(context_of("¿qué es BPO, cómo funciona?").is_empty());
    }

    #[test]
    fn context_before_or_after_the_question_is_found() {
        assert_eq!(
            context_of("I run a bakery in Leeds. What would I get out of it?"),
            ["I run a bakery in Leeds."]
        );
        assert_eq!(
            context_of("wat does bpo mean? my cousin works in one in manila"),
            ["my cousin works in one in manila"]
        );
        assert_eq!(
            context_of("Trabajo en RRHH en Bogotá; ¿la nómina se puede tercerizar?"),
            ["Trabajo en RRHH en Bogotá;"]
        );
    }

    #[test]
    fn a_comma_before_a_question_opener_cuts_the_context_off() {
        assert_eq!(
            context_of("hiring analysts is a nightmare for us, could a KPO help?"),
            ["hiring analysts is a nightmare for us,"]
        );
        assert_eq!(
            context_of("tengo una pyme en Lima, que conviene mas, bpo o kpo?"),
            Vec::<&str>::new(),
            "a comma before 'que' may be a relative clause: not cut"
        );
        assert_eq!(
            context_of("tengo una pyme en Lima, qué conviene más?"),
            ["tengo una pyme en Lima,"]
        );
        assert_eq!(
            context_of("tengo una pyme en Lima, que conviene mas?"),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn without_a_question_mark_the_last_part_asks() {
        assert_eq!(
            context_of("prepping slides for a board meeting - need 3 reasons to use KPO"),
            ["prepping slides for a board meeting -"]
        );
        assert_eq!(
            context_of("KPO grew 3.5 times in Manila. why"),
            ["KPO grew 3.5 times in Manila."]
        );
    }

    #[test]
    fn the_asking_part_is_what_the_context_leaves() {
        assert_eq!(
            asking("Trabajo en un banco. ¿Qué desafíos tiene un KPO?")
                .as_deref()
                .map(str::trim),
            Some("¿Qué desafíos tiene un KPO?")
        );
        assert_eq!(asking("¿qué desafíos tiene un KPO?"), None);
    }

    #[test]
    fn pointing_back_and_asking_what_it_is() {
        assert!(points_back(" which type of BPO is that?"));
        assert!(points_back("¿eso le pega a los BPO?"));
        assert!(!points_back("what kinds of BPO are there?"));
        assert!(asks_what_it_is("¿Qué es exactamente un KPO?"));
        assert!(asks_what_it_is("What exactly is BPO?"));
        assert!(asks_what_it_is("q significa bpo"));
        assert!(!asks_what_it_is("could a KPO help?"));
        assert!(
            !asks_what_it_is("what would a KPO do for us and is it worth it"),
            "'what' and 'is' far apart do not ask what it is"
        );
    }
}
