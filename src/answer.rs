//! Answering a free-text question: a pure function over a [`Brain`].
//!
//! The question is analyzed like the passages, filler words are dropped,
//! unknown words are corrected against the index vocabulary, and synonym
//! groups add the other ways to say the same thing. Each remaining idea is a
//! "concept"; ranking is BM25 over titles and bodies.
//!
//! Passages are found through their text and through their alternate
//! questions (the ways people ask for them), in a field of their own.
//!
//! **Confidence** means the same everywhere it is shown: the probability that
//! the best passage answers the question, from a logistic model over a few
//! features of it (see [`crate::confidence`]). A question whose rare words
//! the knowledge never uses ("la capital de Francia") therefore scores low
//! however well its common words match.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;

use crate::brain::{Brain, EditionIndex, SectionKey};
use crate::confidence::{Features, MODEL};
use crate::index::{Alternative, SearchIndex};
use crate::lang::Lang;

/// Weight of a synonym the user did not type, relative to their own words.
const SYNONYM_BOOST: f32 = 0.6;
/// The weight left to a word no passage uses when the question is clearly
/// on our subject: "¿Qué hace un BPO financiero?" is not off-topic for "hace".
const UNKNOWN_ON_TOPIC: f32 = 0.35;

/// The weight, in the confidence, of an idea the question says only in the
/// context it gives ("I run a bakery in Leeds. What would outsourcing get
/// me?"): a passage that leaves it out may still answer what is asked.
const CONTEXT: f32 = 0.5;

/// How many unknown words of one question are looked up for a typo
/// correction; later ones stay unknown. Each lookup compares the word with
/// every known word of its initial and length band, so a question of nothing
/// but unknown words (a paste, a flood) would cost as many lookups as it has
/// words; a real question has a typo or two, and eight covers it with room
/// to spare.
pub const MAX_CORRECTIONS: usize = 8;

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
    /// The question in `text`, without its markup (see [`crate::markup`]).
    /// The limit counts what was typed, so cleaning never works on more
    /// than `max_chars`.
    pub fn new(text: &str, max_chars: usize) -> Result<Question, QuestionError> {
        let text = text.trim();
        // Counting stops past the limit: a huge paste costs no more than that.
        let chars = text.chars().take(max_chars.saturating_add(1)).count();
        if chars > max_chars {
            return Err(QuestionError::TooLong {
                chars: text.chars().count(),
                max: max_chars,
            });
        }
        let plain = crate::markup::plain(text);
        let plain = plain.trim();
        if plain.is_empty() {
            return Err(QuestionError::Empty);
        }
        Ok(Question(plain.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How to answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnswerOptions {
    /// The language of the answer; `None`: the question's own.
    pub lang: Option<Lang>,
    /// How many passages to return (the best, then "see also").
    pub top: usize,
    /// Below this confidence the answer is "no clear answer".
    pub min_confidence: f32,
    /// Mark the question's words in the best passage (text front ends do;
    /// JSON output has no use for it).
    pub highlight: bool,
}

impl Default for AnswerOptions {
    fn default() -> Self {
        AnswerOptions {
            lang: None,
            top: 3,
            min_confidence: MODEL.threshold,
            highlight: true,
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
    /// What the confidence was computed from (`ask --explain`).
    #[serde(skip)]
    pub features: Features,
    /// The edition whose ranking was kept: the question's own, or the other
    /// one when that was more confident (`ask --explain` shows its concepts).
    #[serde(skip)]
    pub searched: Lang,
    /// What the question means ([`meaning`]), from the analysis answering
    /// did anyway: the store records it at no extra cost.
    #[serde(skip)]
    pub meaning: String,
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
    /// Byte ranges of `text` that match the question's words (best passage only).
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

/// One idea of the question, and the ways to say it.
#[derive(Debug)]
struct Concept<'a> {
    /// Each a word or a phrase (all its words needed); the user's own first.
    alternatives: Vec<Cow<'a, [String]>>,
    /// The term ids of the alternatives whose words all stand in some
    /// passage (a synonym no passage uses can cover nothing).
    ids: Vec<Vec<u32>>,
    /// For each of `ids`, the position of its alternative: what is searched.
    searchable: Vec<usize>,
    /// Whether the knowledge knows some way of saying it: its passages,
    /// alternate questions or synonyms.
    known: bool,
    /// Rarity (idf). A concept is as common as its most common way of saying it.
    weight: f32,
    /// `weight` before an unknown word's is lowered in an on-topic question.
    idf: f32,
    /// Whether it is one of the subject's own words ("BPO", "outsourcing").
    on_topic: bool,
    /// Whether the question's own word for it asks for what the knowledge
    /// does not hold (`beyond`: "historia", "taxes").
    beyond: bool,
    /// Whether the user's word was a typo corrected to a known one.
    corrected: bool,
    /// How many of the alternatives, first, are the question's own words.
    typed: usize,
    /// Whether the question says it only in the context it gives ("I run a
    /// bakery in Leeds."), not where it asks: weighed [`CONTEXT`] as much.
    context: bool,
    /// The synonym group it comes from (an index into the edition's
    /// synonyms), if any: its first member names it in a [`meaning`].
    group: Option<usize>,
}

impl<'a> Concept<'a> {
    fn new(index: &SearchIndex, alternatives: Vec<Cow<'a, [String]>>) -> Concept<'a> {
        // Each term is looked up once; everything below works on ids.
        let known_ids: Vec<(usize, Vec<u32>)> = alternatives
            .iter()
            .enumerate()
            .filter_map(|(i, alt)| {
                Some((
                    i,
                    alt.iter()
                        .map(|t| index.term_id(t))
                        .collect::<Option<_>>()?,
                ))
            })
            .collect();
        let known = !known_ids.is_empty();
        // A phrase is as rare as its rarest word (an unknown word: never seen).
        let df = known_ids
            .iter()
            .map(|(_, alt)| {
                alt.iter()
                    .map(|&id| index.doc_freq_of(id))
                    .min()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        let (searchable, ids) = known_ids
            .into_iter()
            .filter(|(_, alt)| alt.iter().all(|&id| index.doc_freq_of(id) > 0))
            .unzip();
        let idf = idf(index, df);
        Concept {
            alternatives,
            ids,
            searchable,
            known,
            weight: idf,
            idf,
            on_topic: false,
            beyond: false,
            corrected: false,
            typed: 1,
            context: false,
            group: None,
        }
    }

    /// Said by passage `ord`: in its title or text, or in one of its
    /// alternate questions.
    fn covered_by(&self, index: &SearchIndex, ord: usize) -> bool {
        self.in_text(index, ord)
            || self.ids.iter().any(|alt| {
                // The union of the questions' words rules most out at once;
                // a phrase must still stand in one question.
                alt.iter().all(|&id| index.asks(ord, id))
                    && (alt.len() == 1
                        || index
                            .questions(ord)
                            .iter()
                            .any(|q| alt.iter().all(|id| q.binary_search(id).is_ok())))
            })
    }

    /// Said in passage `ord`'s title or text.
    fn in_text(&self, index: &SearchIndex, ord: usize) -> bool {
        self.ids
            .iter()
            .any(|alt| alt.iter().all(|&id| index.contains(ord, id)))
    }

    /// Said in one alternate question (its sorted term ids).
    fn said_in(&self, question: &[u32]) -> bool {
        self.ids
            .iter()
            .any(|alt| alt.iter().all(|id| question.binary_search(id).is_ok()))
    }

    fn terms(&self) -> impl Iterator<Item = &String> {
        self.alternatives.iter().flat_map(|a| a.iter())
    }
}

/// The most confidence an answer gets when the question asks for a word of
/// `beyond` its passage does not say: under any sensible threshold.
const BEYOND_MAX: f32 = 0.2;

/// How many BM25 hits are re-ranked by how much of the question they cover.
const CANDIDATES: usize = 20;

/// One edition's ranking of a question.
struct Ranking<'a> {
    edition: &'a EditionIndex,
    plan: Plan<'a>,
    /// `(ord, score)`, best first.
    ranked: Vec<(usize, f32)>,
    features: Features,
    confidence: f32,
}

/// Answers `question` from `brain`.
///
/// The question is searched in the edition of its own language first; when
/// that gives no clear answer, the other editions are searched too and the
/// most confident ranking wins. Its passages are then shown in the answer's
/// language through their twins (same ids), so an English question about a
/// word only the Spanish text uses still finds its passage, and a Spanish
/// question asked with `--lang en` is answered in English.
pub fn answer(brain: &Brain, question: &Question, opts: &AnswerOptions) -> Answer {
    let asked_in = brain.detect(question.as_str());
    let lang = opts.lang.unwrap_or(asked_in);
    let mut answer = Answer {
        question: question.as_str().to_string(),
        lang,
        answered: false,
        confidence: 0.0,
        passages: Vec::new(),
        features: Features::default(),
        searched: asked_in,
        meaning: String::new(),
    };

    let first = brain.edition(asked_in);
    let mut best = rank(first, question.as_str(), opts.top);
    if let Some(ranking) = &best {
        answer.meaning = meaning_of(first, &ranking.plan);
    }
    if best
        .as_ref()
        .is_none_or(|r| r.confidence < opts.min_confidence)
    {
        for edition in brain.editions.values().filter(|e| e.lang != first.lang) {
            if let Some(other) = rank(edition, question.as_str(), opts.top) {
                if best
                    .as_ref()
                    .is_none_or(|b| other.confidence > b.confidence)
                {
                    best = Some(other);
                }
            }
        }
    }
    let Some(best) = best else {
        return answer;
    };
    answer.confidence = best.confidence;
    answer.features = best.features;
    answer.searched = best.edition.lang;

    // Shown in the answer's language when that edition has the twin passage.
    for (rank, &(ord, score)) in best.ranked.iter().take(opts.top).enumerate() {
        let (edition, ord) = match brain.editions.get(&lang) {
            Some(shown) if shown.lang != best.edition.lang => {
                let id = &brain.passage(best.edition.lang, ord).passage.id;
                match brain.twin(lang, ord, id) {
                    Some(twin) => (shown, twin),
                    None => (best.edition, ord),
                }
            }
            _ => (best.edition, ord),
        };
        let p = brain.passage(edition.lang, ord);
        // Only the best passage is shown whole; "see also" shows a line of each.
        let highlights = if rank == 0 && opts.highlight {
            let text = &p.passage.text;
            if edition.lang == best.edition.lang {
                highlights(edition, &best.plan, ord, text)
            } else {
                highlights(edition, &plan(edition, question.as_str()), ord, text)
            }
        } else {
            Vec::new()
        };
        answer.passages.push(AnswerPassage {
            id: p.passage.id.clone(),
            lang: p.document.lang,
            section: p.section.title.clone(),
            text: p.passage.text.clone(),
            score: round2(score),
            location: format!("{}:{}", p.document.file.display(), p.passage.line),
            highlights,
        });
    }
    answer.answered = !answer.passages.is_empty()
        && MODEL.answers(&answer.features, answer.confidence, opts.min_confidence);
    answer
}

/// The byte ranges of `text`, passage `ord`'s, whose words are among the
/// plan's terms.
fn highlights(edition: &EditionIndex, plan: &Plan, ord: usize, text: &str) -> Vec<Range<usize>> {
    let index = &edition.index;
    let mut ids: Vec<u32> = plan
        .concepts
        .iter()
        .flat_map(Concept::terms)
        .filter_map(|t| index.term_id(t))
        .filter(|&id| index.contains(ord, id))
        .collect();
    if ids.is_empty() {
        return Vec::new();
    }
    ids.sort_unstable();
    ids.dedup();
    edition
        .words_of(ord, text)
        .iter()
        .filter(|w| ids.binary_search(&w.id).is_ok())
        .map(|w| w.from as usize..w.to as usize)
        .collect()
}

/// Ranks `edition`'s passages for `question`; `None` when the question has no
/// idea this edition can search for (stop words only).
fn rank<'a>(edition: &'a EditionIndex, question: &str, top: usize) -> Option<Ranking<'a>> {
    let index = &edition.index;
    let plan = plan(edition, question);
    if plan.concepts.is_empty() {
        return None;
    }
    let hits = index.search(&plan.query(), CANDIDATES.max(top + 1));
    // A passage that covers more of the question's ideas beats one that
    // repeats a single idea often (Lucene's old "coord" factor): on a small
    // corpus a frequent word like "BPO" has too little idf to tip BM25 alone.
    let mut ranked: Vec<(usize, f32)> = hits
        .iter()
        .map(|hit| {
            let covered = plan
                .concepts
                .iter()
                .filter(|c| c.covered_by(index, hit.ord))
                .count();
            let coord = covered as f32 / plan.concepts.len() as f32;
            (hit.ord, hit.score * coord)
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));

    // A question that says what a section title says ("beneficios bpo",
    // "¿qué es un KPO?") asks for the section as a whole: its first passage,
    // the overview or definition, goes first, with no runner-up to fear.
    let section_match = ranked
        .iter()
        .map(|&(ord, _)| edition.passage_section[ord] as usize)
        .find(|&s| asks_for_section(&plan, &edition.sections[s]))
        .or_else(|| section_asked_beside_context(&plan, edition, question, &ranked));
    if let Some(s) = section_match {
        let first = edition.sections[s].first;
        // The match came from a ranked passage, so there is a top score.
        let top = ranked[0].1;
        ranked.retain(|r| r.0 != first);
        ranked.insert(0, (first, top));
    }

    // A question that asks what two items of one list say, each something
    // the other does not ("which is more complex and which needs more
    // skilled staff"), asks for the list: its overview goes first.
    // It is then judged with its items, which follow it.
    let mut items: Vec<usize> = Vec::new();
    if section_match.is_none() {
        if let Some((overview, top)) = spanned_list(&plan, edition, &ranked) {
            ranked.retain(|r| r.0 != overview);
            ranked.insert(0, (overview, top));
            items = edition.items_of(overview).collect();
        }
    }

    if section_match.is_none() && items.is_empty() {
        if let Some(twin) = generic_twin(&plan, edition, question, &ranked) {
            let top = ranked[0].1;
            ranked.retain(|r| r.0 != twin);
            ranked.insert(0, (twin, top));
        }
    }

    let features = match ranked.first() {
        Some(&(ord, best)) => {
            // An overview put first for its items leads the passages
            // outside its list: the items are part of its answer.
            let runner_up = ranked.iter().skip(1).find(|(o, _)| !items.contains(o));
            let margin = match runner_up {
                _ if section_match.is_some() => 1.0,
                Some(&(_, next)) if best > 0.0 => (best - next) / best,
                _ => 1.0,
            };
            let reads_like = edition
                .trigrams
                .similarity(&edition.trigrams.profile(question), ord);
            features_of(
                &plan,
                edition,
                ord,
                &items,
                margin,
                section_match.is_some(),
                reads_like,
            )
        }
        None => Features::default(),
    };
    // A word of `beyond` asked for and not said by the best passage is
    // something the knowledge does not hold ("hipaa requirements for
    // outsourcing medical transcription"), however well the passage covers
    // the rest: `figure_missing` weighs it, and the cap settles it.
    let beyond_missing = ranked.first().is_some_and(|&(ord, _)| {
        plan.concepts
            .iter()
            .any(|c| c.beyond && !c.context && !c.covered_by(&edition.index, ord))
    });
    let confidence = if ranked.is_empty() {
        0.0
    } else if beyond_missing {
        round2(MODEL.probability(&features)).min(BEYOND_MAX)
    } else {
        round2(MODEL.probability(&features))
    };
    Some(Ranking {
        edition,
        ranked,
        plan,
        features,
        confidence,
    })
}

/// For a question that names no model ("is outsourcing worth it for a
/// small business?"), the BPO section's first passage when a KPO section's
/// first passage leads: KPO is the specialised branch, BPO outsourcing at
/// large. Only when the BPO twin (same aspect) is among the candidates and
/// covers every idea the KPO passage covers, items included.
fn generic_twin(
    plan: &Plan,
    edition: &EditionIndex,
    question: &str,
    ranked: &[(usize, f32)],
) -> Option<usize> {
    use crate::conversation::Subject;
    let &(top, _) = ranked.first()?;
    let position = edition.passage_section[top] as usize;
    if edition.sections[position].first != top {
        return None;
    }
    let outline = &edition.outline;
    if outline.sections.get(position)?.subject != Some(Subject::Kpo)
        || outline.names_a_model(&edition.index, &edition.ignore, question)
    {
        return None;
    }
    let twin = edition.sections[outline.twin(position, Subject::Bpo)?].first;
    if !ranked.iter().any(|r| r.0 == twin) {
        return None;
    }
    let with_items =
        |ord: usize| -> Vec<usize> { std::iter::once(ord).chain(edition.items_of(ord)).collect() };
    let (kpo, bpo) = (with_items(top), with_items(twin));
    let index = &edition.index;
    plan.concepts
        .iter()
        .all(|c| {
            !kpo.iter().any(|&o| c.covered_by(index, o))
                || bpo.iter().any(|&o| c.covered_by(index, o))
        })
        .then_some(twin)
}

/// How far down the ranking a list item may stand and still count as asked
/// beside the first passage.
const SPAN_DEPTH: usize = 3;
/// ...and how much of the first passage's score it must have.
const SPAN_SCORE: f32 = 0.5;

/// The overview of the list whose items the question asks about together,
/// with the first passage's score: the first passage is an item, and one of
/// its siblings near the top says an idea of the question it does not,
/// while it says one the sibling does not.
fn spanned_list(
    plan: &Plan,
    edition: &EditionIndex,
    ranked: &[(usize, f32)],
) -> Option<(usize, f32)> {
    let &(first, top) = ranked.first()?;
    let overview = edition.list_of[first]?;
    let index = &edition.index;
    // What an item's own text says (subject words aside): its alternate
    // questions carry askers' context ("I run a small clinic…") that would
    // make any two items look asked together.
    let ideas = |ord: usize| -> Vec<bool> {
        plan.concepts
            .iter()
            .map(|c| !c.on_topic && c.in_text(index, ord))
            .collect()
    };
    let said = ideas(first);
    let spans = ranked
        .iter()
        .take(SPAN_DEPTH)
        .skip(1)
        .filter(|&&(ord, score)| {
            edition.list_of[ord] == Some(overview) && score >= SPAN_SCORE * top
        })
        .any(|&(ord, _)| {
            let other = ideas(ord);
            let only = |a: &[bool], b: &[bool]| a.iter().zip(b).any(|(&x, &y)| x && !y);
            only(&said, &other) && only(&other, &said)
        });
    spans.then_some((overview, top))
}

/// The features the confidence is computed from, for passage `ord`, with
/// `items` when it is a list overview put first for them (else empty).
fn features_of(
    plan: &Plan,
    edition: &EditionIndex,
    ord: usize,
    items: &[usize],
    margin: f32,
    names_section: bool,
    reads_like: f32,
) -> Features {
    let total_idf: f32 = plan.concepts.iter().map(|c| c.idf).sum();
    // The share of the question's rarity-weight in the concepts that `pick` takes.
    let share = |pick: fn(&Concept) -> bool| -> f32 {
        let part: f32 = plan
            .concepts
            .iter()
            .filter(|c| pick(c))
            .map(|c| c.idf)
            .sum();
        if total_idf > 0.0 {
            part / total_idf
        } else {
            0.0
        }
    };
    let index = &edition.index;
    let on_topic = plan.on_topic();
    let section = &edition.sections[edition.passage_section[ord] as usize];
    let covered: Vec<bool> = plan
        .concepts
        .iter()
        .map(|c| c.covered_by(index, ord) || items.iter().any(|&i| c.covered_by(index, i)))
        .collect();
    let mut best_match = 0.0f32;
    // An alternate question that says all the question says, and asks for
    // the same figure, is the knowledge's word that the passage answers it
    // (a question taught with `teach`), whatever figures its text gives.
    let mut asked_alike = false;
    for &o in std::iter::once(&ord).chain(items) {
        for (q, &asks) in index.questions(o).iter().zip(&edition.questions_ask[o]) {
            let m = question_match(plan, edition, q);
            best_match = best_match.max(m);
            asked_alike |= m >= 1.0 && asks == plan.asks;
        }
    }
    let gives = |o: usize| edition.gives[o].answers(plan.asks);
    Features {
        coverage: coverage(plan, &covered),
        question_match: best_match,
        margin,
        unknown: share(|c| !c.known),
        corrected: share(|c| c.corrected),
        on_topic: f32::from(u8::from(on_topic)),
        names_section: f32::from(u8::from(names_section)),
        in_asked_section: f32::from(u8::from(says_title(plan, section, |_| true))),
        ideas_covered: covered.iter().filter(|&&k| k).count() as f32,
        // An overview put first for its items counts its items, not
        // figures: those must be in the items it stands for. A word of
        // `beyond` the passage does not say asks for what it cannot give
        // just as a figure does.
        figure_missing: f32::from(u8::from(
            (!asked_alike
                && if items.is_empty() {
                    !gives(ord)
                } else {
                    !items.iter().any(|&i| gives(i))
                })
                || plan
                    .concepts
                    .iter()
                    .zip(&covered)
                    .any(|(c, &k)| c.beyond && !k),
        )),
        reads_like,
    }
}

/// The rarity-weighted share of the question's concepts marked `covered`.
/// Once a passage covers one word of our subject, the others ("tercerizar"
/// beside "BPO") name the same subject and are not missed.
fn coverage(plan: &Plan, covered: &[bool]) -> f32 {
    let subject_covered = plan
        .concepts
        .iter()
        .zip(covered)
        .any(|(c, &k)| c.on_topic && k);
    let mut total = 0.0;
    let mut got = 0.0;
    for (c, &k) in plan.concepts.iter().zip(covered) {
        if k {
            got += c.weight;
            total += c.weight;
        } else if !(c.on_topic && subject_covered) {
            total += c.weight;
        }
    }
    if total <= 0.0 {
        0.0
    } else {
        got / total
    }
}

/// BM25's idf of a term found in `df` passages: the weight of its rarity.
fn idf(index: &SearchIndex, df: u64) -> f32 {
    let (n, df) = (index.num_docs() as f32, df as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// How closely one alternate question (its sorted term ids) says what the
/// question says: the harmonic mean of the share of the question's ideas it
/// holds and the share of its own words the question holds, both weighted
/// by rarity.
fn question_match(plan: &Plan, edition: &EditionIndex, question: &[u32]) -> f32 {
    let index = &edition.index;
    let covered: Vec<bool> = plan.concepts.iter().map(|c| c.said_in(question)).collect();
    let recall = coverage(plan, &covered);
    if recall == 0.0 {
        return 0.0;
    }
    let (mut said, mut total) = (0.0, 0.0);
    for &id in question {
        if edition.ignored_ids.binary_search(&id).is_ok() {
            continue;
        }
        let w = idf(index, index.doc_freq_of(id));
        total += w;
        if plan
            .concepts
            .iter()
            .any(|c| c.ids.iter().any(|alt| alt.contains(&id)))
        {
            said += w;
        }
    }
    let precision = if total > 0.0 { said / total } else { 0.0 };
    if precision == 0.0 {
        return 0.0;
    }
    2.0 * recall * precision / (recall + precision)
}

/// Every content word of the section's title is in the question, and the
/// question says nothing beyond the title but words of our subject.
fn asks_for_section(plan: &Plan, section: &SectionKey) -> bool {
    asks_for_section_in(plan, section, |_| true)
}

/// [`asks_for_section`] read on the ideas `part` keeps: all of them, or
/// those said where the question asks.
fn asks_for_section_in(plan: &Plan, section: &SectionKey, part: fn(&Concept) -> bool) -> bool {
    let in_title = |alt: &Vec<u32>| alt.iter().all(|id| section.title_ids.contains(id));
    let nothing_else = plan
        .concepts
        .iter()
        .filter(|c| part(c))
        .all(|c| c.on_topic || c.ids.iter().any(in_title));
    says_title(plan, section, part) && nothing_else
}

/// The section a question with context asks for where it asks, its
/// context around it ("I run a landscaping company… what kinds of BPO are
/// out there?"); `None` when the asking part points back at the context
/// ("which type of BPO is that?"), but for asking what the one model the
/// question names is ("…a un BPO. ¿Qué es eso?": its definition). A title
/// that names only the model ("¿Qué es un KPO?") is asked for when the
/// part asks what it is, not by any part that names the model.
fn section_asked_beside_context(
    plan: &Plan,
    edition: &EditionIndex,
    question: &str,
    ranked: &[(usize, f32)],
) -> Option<usize> {
    let asking = crate::clauses::asking(question)?;
    let defines = crate::clauses::asks_what_it_is(&asking);
    if crate::clauses::points_back(&asking) {
        let nothing_else = plan.concepts.iter().all(|c| c.context || c.on_topic);
        if !(defines && nothing_else) {
            return None;
        }
        let outline = &edition.outline;
        let subject = outline.the_model_named(&edition.index, &edition.ignore, question)?;
        return outline.definition(subject);
    }
    ranked
        .iter()
        .map(|&(ord, _)| edition.passage_section[ord] as usize)
        .find(|&s| {
            let section = &edition.sections[s];
            (defines || section.title_ids.len() > 1)
                && asks_for_section_in(plan, section, |c| !c.context)
        })
}

/// Whether the ideas `part` keeps say every word of `section`'s title, in
/// some way.
fn says_title(plan: &Plan, section: &SectionKey, part: fn(&Concept) -> bool) -> bool {
    !section.title_ids.is_empty()
        && section.title_ids.iter().all(|id| {
            plan.concepts
                .iter()
                .filter(|c| part(c))
                .any(|c| c.ids.iter().any(|alt| alt.contains(id)))
        })
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// The question's ideas as the answer path sees them: for people tuning
/// `synonyms.toml` (`ask --explain`).
pub fn explain(brain: &Brain, question: &Question, answer: &Answer, min_confidence: f32) -> String {
    let edition = brain.edition(answer.searched);
    let plan = plan(edition, question.as_str());
    let mut out = String::new();
    for c in &plan.concepts {
        let alts: Vec<String> = c.alternatives.iter().map(|a| a.join(" ")).collect();
        let known = if c.known { "" } else { " (unknown)" };
        let context = if c.context { " (context)" } else { "" };
        out.push_str(&format!(
            "concept {:.2}{known}{context}: {}\n",
            c.weight,
            alts.join(" | ")
        ));
    }
    let f = answer.features;
    for (name, value) in Features::NAMES.iter().zip(f.to_array()) {
        out.push_str(&format!("feature {name}: {value:.2}\n"));
    }
    out.push_str(&format!(
        "probability {:.2} (answered at {:.2} or more; {:.2} if the question names nothing of our subject)\n",
        MODEL.probability(&f),
        min_confidence,
        MODEL.off_subject.max(min_confidence)
    ));
    out
}

/// What a question means, as a key: questions that say the same in other
/// words ("q es kpo", "¿Qué es un KPO?") get the same one. Its analyzed
/// words after the ignore list and typo correction, each synonym group as
/// its first (canonical) member, deduplicated, sorted, joined by spaces.
/// Empty when nothing but ignored words was asked. The store groups
/// questions by it.
pub fn meaning(brain: &Brain, question: &str) -> String {
    let edition = brain.edition(brain.detect(question));
    meaning_of(edition, &plan(edition, question))
}

fn meaning_of(edition: &EditionIndex, plan: &Plan) -> String {
    let mut terms: Vec<String> = plan
        .concepts
        .iter()
        .map(|c| {
            // A group concept holds all its members; its canonical one is
            // the group's first, whichever the question said.
            match c.group {
                Some(g) => edition.synonyms[g].members[0].join(" "),
                None => c.alternatives[0].join(" "),
            }
        })
        .collect();
    terms.sort();
    terms.dedup();
    terms.join(" ")
}

/// What to search for: the question's ideas and, per idea, the ways to say it.
struct Plan<'a> {
    concepts: Vec<Concept<'a>>,
    /// A way of saying one of its concepts is a word of our field.
    in_domain: bool,
    /// The figure it asks for: an amount ("how much", "sueldo") or a count
    /// ("cuántos").
    asks: crate::brain::Asks,
}

/// The question's words in order, once each, filler dropped and unknown
/// words corrected (the first [`MAX_CORRECTIONS`] of them); and the words
/// that corrections gave.
fn question_words(edition: &EditionIndex, question: &str) -> QuestionWords {
    let index = &edition.index;
    let context = crate::clauses::context(question);
    let said_filler = filler_phrases(question, &edition.ignore_phrases);
    // What the question sets aside is not what it asks for.
    let aside = crate::clauses::aside(question);
    let mut words: Vec<String> = Vec::new();
    let mut asked: Vec<bool> = Vec::new();
    let mut corrected: Vec<String> = Vec::new();
    // Unknown words looked up for a correction, and what each became: a
    // word said twice costs one lookup and one place under the cap.
    let mut tried: Vec<(String, Fix)> = Vec::new();
    for token in index.analyze(question) {
        let listed = || {
            question.get(token.from..token.to).is_some_and(|word| {
                let folded: String = crate::lang::folded(word).collect();
                edition.listed_despite_ignore.contains(&folded)
            })
        };
        if (edition.ignore.contains(&token.term) && !listed())
            || said_filler.iter().any(|r| r.contains(&token.from))
            || aside.iter().any(|r| r.contains(&token.from))
        {
            continue;
        }
        // A word of `beyond` is what the question asks, not a typo of a
        // word the knowledge holds ("clauses" is not "clases").
        let fix = if index.term_id(&token.term).is_some()
            || SearchIndex::typo_edits(&token.term).is_none()
            || edition.beyond.contains(&token.term)
        {
            Fix::Keep
        } else if let Some((_, fix)) = tried.iter().find(|(t, _)| *t == token.term) {
            fix.clone()
        } else if tried.len() < MAX_CORRECTIONS {
            let word = question.get(token.from..token.to).unwrap_or(&token.term);
            let fix = correction(edition, &token.term, word);
            tried.push((token.term.clone(), fix.clone()));
            if let Fix::Word(fixed) = &fix {
                corrected.push(fixed.clone());
            }
            fix
        } else {
            Fix::Keep
        };
        let term = match fix {
            Fix::Keep => token.term,
            Fix::Word(fixed) => fixed,
            Fix::Filler => continue,
        };
        let in_ask = !context.iter().any(|r| r.contains(&token.from));
        match words.iter().position(|w| *w == term) {
            Some(i) => asked[i] |= in_ask,
            None => {
                words.push(term);
                asked.push(in_ask);
            }
        }
    }
    QuestionWords {
        words,
        asked,
        corrected,
    }
}

/// Where `question` says one of `phrases` (each its folded words) whole.
fn filler_phrases(question: &str, phrases: &[Vec<String>]) -> Vec<Range<usize>> {
    if phrases.is_empty() {
        return Vec::new();
    }
    let words: Vec<(Range<usize>, String)> = crate::lang::word_ranges(question)
        .map(|r| (r.clone(), crate::lang::folded(&question[r]).collect()))
        .collect();
    let mut out = Vec::new();
    // `phrases` is sorted: those a word opens are found by binary search,
    // not by trying each phrase at each word.
    for (i, (_, first)) in words.iter().enumerate() {
        let from = phrases.partition_point(|p| p[0] < *first);
        for phrase in phrases[from..].iter().take_while(|p| p[0] == *first) {
            let Some(run) = words.get(i..i + phrase.len()) else {
                continue;
            };
            if run.iter().zip(phrase).all(|((_, w), p)| w == p) {
                out.push(run[0].0.start..run[run.len() - 1].0.end);
            }
        }
    }
    out
}

/// The question's words, once each in order, as [`plan`] reads them.
struct QuestionWords {
    words: Vec<String>,
    /// Per word, whether the question says it where it asks, not only in
    /// the context it gives (`clauses`).
    asked: Vec<bool>,
    /// The words that typo corrections gave.
    corrected: Vec<String>,
}

/// What an unknown word of the question becomes.
#[derive(Debug, Clone)]
enum Fix {
    /// Left as typed: known, too short to correct, or nothing close.
    Keep,
    /// A typo of this known word.
    Word(String),
    /// A typo of a filler word ("realy", "plese"): dropped like the word.
    Filler,
}

/// The correction of an unknown `term`. A filler word at least as close as
/// the nearest known word wins: "realy" is "really" misspelt, and
/// correcting it to "real" searched for real estate.
fn correction(edition: &EditionIndex, term: &str, word: &str) -> Fix {
    let Some(max) = SearchIndex::typo_edits(term) else {
        return Fix::Keep;
    };
    let fixed = edition.index.correct(term, word);
    let initial = term.chars().next();
    let filler = edition
        .ignore
        .iter()
        .filter(|w| w.chars().next() == initial)
        .filter_map(|w| crate::index::edit_distance(term, w, max))
        .min();
    match (filler, fixed) {
        (Some(f), known) if known.is_none_or(|(_, k)| f <= k) => Fix::Filler,
        (_, Some((fixed, _))) => Fix::Word(fixed.to_string()),
        _ => Fix::Keep,
    }
}

fn plan<'a>(edition: &'a EditionIndex, question: &str) -> Plan<'a> {
    let index = &edition.index;
    // Corrected words are a guess, which the confidence weighs.
    let QuestionWords {
        words,
        asked,
        corrected,
    } = question_words(edition, question);

    // Where each synonym that the question says starts, first occurrence:
    // looked up by the question's words, not by scanning every synonym.
    let mut starts: HashMap<(u32, u32), usize> = HashMap::new();
    for (i, word) in words.iter().enumerate() {
        for &(g, m) in edition.member_starts.get(word).into_iter().flatten() {
            let member = &edition.synonyms[g as usize].members[m as usize];
            if !starts.contains_key(&(g, m))
                && words.get(i..i + member.len()) == Some(member.as_slice())
            {
                starts.insert((g, m), i);
            }
        }
    }
    let folded = crate::brain::phrase_key(question);
    let found = edition.phrases.find(&folded);
    let mut started = vec![false; edition.synonyms.len()];
    for &(g, _) in starts.keys() {
        started[g as usize] = true;
    }
    // Per group, the positions of the question's words that a phrase of it
    // found whole is made of.
    let mut phrase_words: Vec<Vec<usize>> = vec![Vec::new(); edition.synonyms.len()];
    for &(g, k) in &found.phrases {
        let terms = &edition.synonyms[g as usize].phrase_terms[k as usize];
        phrase_words[g as usize].extend((0..words.len()).filter(|&i| terms.contains(&words[i])));
    }
    let mut concepts = Vec::new();
    let mut consumed = vec![false; words.len()];
    for (g, group) in edition.synonyms.iter().enumerate() {
        let phrase = found.groups[g];
        if !phrase && !started[g] {
            continue;
        }
        // The synonyms the question says, whole ("business process
        // outsourcing", not what another group left of it), come first.
        let mut said: Vec<Cow<'a, [String]>> = Vec::new();
        let mut spoken: Vec<usize> = Vec::new();
        for (m, member) in group.members.iter().enumerate() {
            let Some(&start) = starts.get(&(g as u32, m as u32)) else {
                continue;
            };
            let run = start..start + member.len();
            if consumed[run.clone()].iter().all(|&c| c) {
                continue;
            }
            consumed[run.clone()].iter_mut().for_each(|c| *c = true);
            spoken.extend(run);
            said.push(Cow::Borrowed(member.as_slice()));
        }
        if said.is_empty() && !phrase {
            continue;
        }
        let typed = said.len();
        let mut alternatives = said;
        for member in &group.members {
            if !alternatives.iter().any(|a| **a == **member) {
                alternatives.push(Cow::Borrowed(member.as_slice()));
            }
        }
        // A phrase found whole speaks with the words it is made of.
        spoken.extend(&phrase_words[g]);
        let mut concept = Concept::new(index, alternatives);
        concept.typed = typed;
        concept.group = Some(g);
        concept.context = !spoken.is_empty() && spoken.iter().all(|&i| !asked[i]);
        concepts.push(concept);
    }
    // A phrase found whole ("puntos a favor", "why do companies outsource")
    // stands for its words, even when filler between them ("favor", "do")
    // kept its members from being found word by word: "puntos" is not an
    // idea of its own besides.
    for &i in phrase_words.iter().flatten() {
        consumed[i] = true;
    }
    for (i, word) in words.iter().enumerate() {
        if !consumed[i] {
            let mut concept = Concept::new(index, vec![Cow::Owned(vec![word.clone()])]);
            concept.context = !asked[i];
            concepts.push(concept);
        }
    }

    for c in &mut concepts {
        let on_topic = c.terms().any(|t| edition.topic.contains(t));
        c.on_topic = on_topic;
        c.beyond = c.alternatives[..c.typed.max(1)]
            .iter()
            .any(|a| a.len() == 1 && edition.beyond.contains(&a[0]));
        c.corrected = c.alternatives[..c.typed]
            .iter()
            .flat_map(|a| a.iter())
            .any(|t| corrected.contains(t));
    }
    let in_domain = concepts.iter().any(|c| {
        c.alternatives
            .iter()
            .any(|a| edition.domain.iter().any(|d| **d == **a))
    });
    if in_domain || concepts.iter().any(|c| c.on_topic) {
        for c in concepts.iter_mut().filter(|c| !c.known) {
            c.weight *= UNKNOWN_ON_TOPIC;
        }
    }
    for c in concepts.iter_mut().filter(|c| c.context) {
        c.weight *= CONTEXT;
        c.idf *= CONTEXT;
    }

    Plan {
        concepts,
        in_domain,
        asks: found.asks,
    }
}

impl Plan<'_> {
    /// The question names our subject, or uses a word of our field.
    fn on_topic(&self) -> bool {
        self.in_domain || self.concepts.iter().any(|c| c.on_topic)
    }

    /// Per concept, the ways to say it that some passage uses, weighted:
    /// synonyms the knowledge never uses cannot match, so they get no clause.
    fn query(&self) -> Vec<Vec<Alternative<'_>>> {
        self.concepts
            .iter()
            .map(|c| {
                c.searchable
                    .iter()
                    .zip(&c.ids)
                    .map(|(&i, ids)| Alternative {
                        terms: &c.alternatives[i],
                        ids,
                        boost: if i < c.typed.max(1) {
                            1.0
                        } else {
                            SYNONYM_BOOST
                        },
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Words of the bundled Spanish article, each with one typo (two
    /// letters swapped), that the article's vocabulary corrects.
    const TYPOS: [(&str, &str); 10] = [
        ("rotasion", "rotación"),
        ("proveedro", "proveedor"),
        ("beneficois", "beneficios"),
        ("tecnolgoía", "tecnología"),
        ("industira", "industria"),
        ("financeiro", "financiero"),
        ("servicois", "servicios"),
        ("empersas", "empresas"),
        ("clinetes", "clientes"),
        ("talneto", "talento"),
    ];

    /// `generic_twin` reads a section's outline by its position among the
    /// index's sections: the two lists must stand in the same order.
    #[test]
    fn the_outline_lists_sections_in_index_order() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        let brain = Brain::load(&dir).unwrap();
        for lang in [Lang::Es, Lang::En] {
            let edition = brain.edition(lang);
            assert_eq!(edition.outline.sections.len(), edition.sections.len());
            for (outline, key) in edition.outline.sections.iter().zip(&edition.sections) {
                let id = &brain.passage(lang, key.first).passage.id;
                assert!(id.starts_with(&format!("{}/", outline.key)), "{id}");
            }
        }
    }

    /// A phrase said whole is one idea: its words are not ideas of their
    /// own besides, even when a filler word between them ("favor") kept it
    /// from being found word by word.
    #[test]
    fn a_phrase_said_whole_takes_its_words() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        let brain = Brain::load(&dir).unwrap();
        let edition = brain.edition(Lang::Es);
        let alone = |question: &str| -> Vec<String> {
            plan(edition, question)
                .concepts
                .iter()
                .filter(|c| c.group.is_none())
                .flat_map(|c| c.alternatives[0].iter().cloned())
                .collect()
        };
        let points = edition.index.analyze("puntos")[0].term.clone();
        // Without the phrase, "puntos" is an idea of the question…
        assert!(alone("¿qué puntos tiene el BPO?").contains(&points));
        // …with it, the benefits are, and "puntos" goes with them.
        let benefits = plan(edition, "¿qué puntos a favor tiene el BPO?");
        assert!(!alone("¿qué puntos a favor tiene el BPO?").contains(&points));
        assert!(benefits.concepts.iter().any(|c| c
            .alternatives
            .iter()
            .any(|a| a.iter().any(|t| t.starts_with("benefici")))));
    }

    /// A phrase that opens with a word analysis or filler drops ("por qué
    /// las empresas tercerizan") is found only as said: the words it keeps
    /// ("empresa", "terceriza") elsewhere in a question do not say it. A
    /// phrase of content words ("externalización de procesos de negocio")
    /// is a way of saying its idea wherever its words stand in order.
    #[test]
    fn a_way_of_asking_is_found_only_as_said() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        let brain = Brain::load(&dir).unwrap();
        let edition = brain.edition(Lang::Es);
        let group_of = |word: &str| {
            let term = edition.index.analyze(word)[0].term.clone();
            edition
                .synonyms
                .iter()
                .position(|g| g.members.iter().any(|m| *m == [term.clone()]))
                .unwrap()
        };
        let (benefits, bpo) = (group_of("beneficios"), group_of("BPO"));
        let says = |question: &str, g: usize| {
            plan(edition, question)
                .concepts
                .iter()
                .any(|c| c.group == Some(g))
        };
        assert!(says("¿por qué las empresas tercerizan?", benefits));
        assert!(!says(
            "¿qué pasa con la dirección de la empresa cuando terceriza?",
            benefits
        ));
        assert!(says(
            "¿qué hace la externalización de procesos de negocio?",
            bpo
        ));
    }

    /// An `ignore` entry of several words is dropped where the question
    /// says it whole; its words alone stay ideas.
    #[test]
    fn a_filler_phrase_takes_its_words_only_when_said_whole() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        let brain = Brain::load(&dir).unwrap();
        let edition = brain.edition(Lang::Es);
        let words = |question: &str| question_words(edition, question).words;
        let today = edition.index.analyze("hoy")[0].term.clone();
        assert!(words("¿por qué tercerizan tanto hoy?").contains(&today));
        assert!(!words("¿por qué tercerizan tanto hoy en día?").contains(&today));
        let en = brain.edition(Lang::En);
        let days = en.index.analyze("days")[0].term.clone();
        assert!(question_words(en, "outsourcing in 30 days")
            .words
            .contains(&days));
        assert!(!question_words(en, "outsourcing these days")
            .words
            .contains(&days));
    }

    #[test]
    fn only_the_first_unknown_words_are_corrected() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        let brain = Brain::load(&dir).unwrap();
        let edition = brain.edition(Lang::Es);
        let analyzed = |w: &str| edition.index.analyze(w)[0].term.clone();
        // Each typo alone is corrected, to a word of its own.
        let mut fixed = Vec::new();
        for (typo, right) in TYPOS {
            let QuestionWords {
                words, corrected, ..
            } = question_words(edition, typo);
            assert_eq!(words, [analyzed(right)], "{typo}");
            assert_eq!(corrected, words, "{typo}");
            fixed.push(words[0].clone());
        }
        fixed.dedup();
        assert_eq!(fixed.len(), TYPOS.len());

        // Together, only the first MAX_CORRECTIONS are; the rest stay as typed.
        let question = TYPOS.map(|(typo, _)| typo).join(" ");
        let QuestionWords {
            words, corrected, ..
        } = question_words(edition, &question);
        assert!(TYPOS.len() > MAX_CORRECTIONS);
        assert_eq!(corrected, fixed[..MAX_CORRECTIONS]);
        assert_eq!(words[..MAX_CORRECTIONS], fixed[..MAX_CORRECTIONS]);
        let uncorrected: Vec<String> = TYPOS[MAX_CORRECTIONS..]
            .iter()
            .map(|(typo, _)| analyzed(typo))
            .collect();
        assert_eq!(words[MAX_CORRECTIONS..], uncorrected);

        // A typo said again takes no second place under the cap: with the
        // first one repeated, the eighth distinct typo is still corrected.
        let mut typos: Vec<&str> = TYPOS[..MAX_CORRECTIONS].iter().map(|t| t.0).collect();
        typos.insert(2, TYPOS[0].0);
        let QuestionWords {
            words, corrected, ..
        } = question_words(edition, &typos.join(" "));
        assert_eq!(words, fixed[..MAX_CORRECTIONS]);
        assert_eq!(corrected, words);
    }
}
