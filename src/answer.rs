//! Answering a free-text question: a pure function over a [`Brain`].
//!
//! The question is analyzed like the passages, filler words are dropped,
//! unknown words are corrected against the index vocabulary, and synonym
//! groups add the other ways to say the same thing. Each remaining idea is a
//! "concept"; ranking is BM25 over titles and bodies.
//!
//! **Confidence** means the same everywhere it is shown: the share of the
//! question's concepts, weighted by rarity (idf), that the best passage
//! covers, lowered by up to a quarter when the runner-up scores almost as
//! well. A question whose rare words the article never uses ("la capital de
//! Francia") therefore scores low however well its common words match.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

use serde::Serialize;

use crate::brain::{Brain, EditionIndex};
use crate::index::{SearchIndex, WeightedTerm};
use crate::lang::Lang;

/// Weight of a synonym the user did not type, relative to their own words.
const SYNONYM_BOOST: f32 = 0.6;
/// The weight left to a word no passage uses when the question is clearly
/// on our subject: "¿Qué hace un BPO financiero?" is not off-topic for "hace".
const UNKNOWN_ON_TOPIC: f32 = 0.35;
/// How much a near tie with the runner-up can lower the confidence.
const MARGIN_WEIGHT: f32 = 0.25;

/// A question that passed the front ends' shared checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    #[error("the question is empty")]
    Empty,
    #[error("the question is too long: {chars} characters, the limit is {max}")]
    TooLong { chars: usize, max: usize },
}

impl Question {
    pub fn new(text: &str, max_chars: usize) -> Result<Question, QuestionError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(QuestionError::Empty);
        }
        let chars = text.chars().count();
        if chars > max_chars {
            return Err(QuestionError::TooLong {
                chars,
                max: max_chars,
            });
        }
        Ok(Question(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How to answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnswerOptions {
    /// The language of the answer; `None`: the default language.
    pub lang: Option<Lang>,
    /// How many passages to return (the best, then "see also").
    pub top: usize,
    /// Below this confidence the answer is "no clear answer".
    pub min_confidence: f32,
}

impl Default for AnswerOptions {
    fn default() -> Self {
        AnswerOptions {
            lang: None,
            top: 3,
            min_confidence: 0.5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub question: String,
    pub lang: Lang,
    pub answered: bool,
    pub confidence: f32,
    /// Best first. When `answered` is false: the closest passages, as topics to try.
    pub passages: Vec<AnswerPassage>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerPassage {
    pub id: String,
    pub lang: Lang,
    pub section: String,
    pub text: String,
    pub score: f32,
    /// `file:line` of the passage, for people editing the knowledge.
    #[serde(skip)]
    pub location: String,
    /// Byte ranges of `text` that match the question's words.
    #[serde(skip)]
    pub highlights: Vec<Range<usize>>,
}

impl AnswerPassage {
    /// The text with the question's words between `open` and `close`.
    pub fn highlighted(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + self.highlights.len() * 4);
        let mut at = 0;
        for r in &self.highlights {
            out.push_str(&self.text[at..r.start]);
            out.push_str(open);
            out.push_str(&self.text[r.clone()]);
            out.push_str(close);
            at = r.end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

/// One idea of the question, and the terms that express it.
#[derive(Debug)]
struct Concept {
    terms: Vec<String>,
    /// The ids of those terms that the index knows.
    ids: Vec<u32>,
    /// Rarity (idf). A concept is as common as its most common way of saying it.
    weight: f32,
}

impl Concept {
    fn new(index: &SearchIndex, terms: Vec<String>) -> Concept {
        let n = index.num_docs() as f32;
        let df = terms.iter().map(|t| index.doc_freq(t)).max().unwrap_or(0) as f32;
        Concept {
            ids: terms.iter().filter_map(|t| index.term_id(t)).collect(),
            weight: (1.0 + (n - df + 0.5) / (df + 0.5)).ln(),
            terms,
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (answered: {}, confidence {:.2})",
            self.question, self.answered, self.confidence
        )
    }
}

/// How many BM25 hits are re-ranked by how much of the question they cover.
const CANDIDATES: usize = 20;

/// Answers `question` from `brain`.
pub fn answer(brain: &Brain, question: &Question, opts: &AnswerOptions) -> Answer {
    let lang = opts.lang.unwrap_or(Lang::Es);
    let edition = brain.edition(lang);
    let index = &edition.index;
    let plan = plan(edition, question.as_str());

    let mut answer = Answer {
        question: question.as_str().to_string(),
        lang,
        answered: false,
        confidence: 0.0,
        passages: Vec::new(),
    };
    if plan.concepts.is_empty() {
        return answer;
    }

    let hits = index.search(&plan.terms, &plan.heading, CANDIDATES.max(opts.top + 1));
    let total_weight: f32 = plan.concepts.iter().map(|c| c.weight).sum();
    // A passage that covers more of the question's ideas beats one that
    // repeats a single idea often (Lucene's old "coord" factor): on a small
    // corpus a frequent word like "BPO" has too little idf to tip BM25 alone.
    let mut ranked: Vec<(usize, f32, f32)> = hits
        .iter()
        .map(|hit| {
            let covered: Vec<&Concept> = plan
                .concepts
                .iter()
                .filter(|c| c.ids.iter().any(|&id| index.contains(hit.ord, id)))
                .collect();
            let coord = covered.len() as f32 / plan.concepts.len() as f32;
            let weight: f32 = covered.iter().map(|c| c.weight).sum();
            let coverage = if total_weight > 0.0 {
                weight / total_weight
            } else {
                0.0
            };
            (hit.ord, hit.score * coord, coverage)
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));

    if let Some(&(_, best, coverage)) = ranked.first() {
        let margin = match ranked.get(1) {
            Some(&(_, next, _)) if best > 0.0 => (best - next) / best,
            _ => 1.0,
        };
        answer.confidence = round2(coverage * (1.0 - MARGIN_WEIGHT * (1.0 - margin)));
    }
    let query_terms: HashSet<&str> = plan.terms.iter().map(|t| t.term.as_str()).collect();
    for &(ord, score, _) in ranked.iter().take(opts.top) {
        let p = brain.passage(edition.lang, ord);
        let highlights = index
            .analyze(&p.passage.text)
            .into_iter()
            .filter(|t| query_terms.contains(t.term.as_str()))
            .map(|t| t.from..t.to)
            .collect();
        answer.passages.push(AnswerPassage {
            id: p.passage.id.clone(),
            lang: edition.lang,
            section: p.section.title.clone(),
            text: p.passage.text.clone(),
            score: round2(score),
            location: format!("{}:{}", p.document.file.display(), p.passage.line),
            highlights,
        });
    }
    answer.answered = !answer.passages.is_empty() && answer.confidence >= opts.min_confidence;
    answer
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// What to search for: the question's ideas, the weighted terms, and its
/// words as they stand (for word-for-word matches with section titles).
struct Plan {
    concepts: Vec<Concept>,
    terms: Vec<WeightedTerm>,
    heading: Vec<String>,
}

fn plan(edition: &EditionIndex, question: &str) -> Plan {
    let index = &edition.index;
    let mut words: Vec<String> = Vec::new();
    for token in index.analyze(question) {
        if edition.ignore.contains(&token.term) {
            continue;
        }
        let term = if index.term_id(&token.term).is_none() {
            index
                .correct(&token.term)
                .map_or(token.term, str::to_string)
        } else {
            token.term
        };
        if !words.contains(&term) {
            words.push(term);
        }
    }

    let mut concepts = Vec::new();
    let mut consumed = vec![false; words.len()];
    for group in &edition.synonyms {
        let matched: Vec<usize> = group
            .iter()
            .filter_map(|member| find_run(&words, member))
            .flatten()
            .collect();
        let mut terms = Vec::new();
        for i in matched {
            if !consumed[i] {
                consumed[i] = true;
                terms.push(words[i].clone());
            }
        }
        if terms.is_empty() {
            continue;
        }
        for t in group.iter().flatten() {
            if !terms.contains(t) {
                terms.push(t.clone());
            }
        }
        concepts.push(Concept::new(index, terms));
    }
    for (i, word) in words.iter().enumerate() {
        if !consumed[i] {
            concepts.push(Concept::new(index, vec![word.clone()]));
        }
    }

    let on_topic = concepts
        .iter()
        .any(|c| c.terms.iter().any(|t| edition.topic.contains(t)));
    if on_topic {
        for c in concepts.iter_mut().filter(|c| c.ids.is_empty()) {
            c.weight *= UNKNOWN_ON_TOPIC;
        }
    }

    let mut terms: Vec<WeightedTerm> = Vec::new();
    for c in &concepts {
        for t in &c.terms {
            let boost = if words.contains(t) { 1.0 } else { SYNONYM_BOOST };
            match terms.iter_mut().find(|w| &w.term == t) {
                Some(w) => w.boost = w.boost.max(boost),
                None => terms.push(WeightedTerm {
                    term: t.clone(),
                    boost,
                }),
            }
        }
    }
    let heading = index
        .analyze_all(question)
        .into_iter()
        .filter(|w| !edition.ignore.contains(w))
        .collect();
    Plan {
        concepts,
        terms,
        heading,
    }
}

/// Positions of `run` inside `words` as a contiguous run, if it is there.
fn find_run(words: &[String], run: &[String]) -> Option<Vec<usize>> {
    if run.is_empty() || run.len() > words.len() {
        return None;
    }
    (0..=words.len() - run.len())
        .find(|&start| words[start..start + run.len()] == *run)
        .map(|start| (start..start + run.len()).collect())
}
