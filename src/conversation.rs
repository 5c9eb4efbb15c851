//! Conversations: what the last answered question was about, and how the
//! next one reads in its light.
//!
//! People chat: after "¿qué es un KPO?" they write "¿y sus desafíos?" or
//! "¿y en el BPO?". Alone, those questions are vague or about the wrong
//! model; after that answer they are clear. This module remembers, per
//! conversation, the last answer's section and its subject (BPO or KPO), and
//! rewrites a follow-up into the question it stands for, before the ordinary
//! answer path runs. Self-contained questions are never touched.
//!
//! What a section is about comes from the knowledge itself, not from a list
//! of slugs: each section title is analyzed like the questions, the words of
//! the synonyms' BPO and KPO groups say its subject, and what is left of the
//! title is its *aspect* ("desafíos", "tipos", "qué es"). So edited knowledge
//! keeps working after a reload. That analysis is done once per edition when
//! the Brain is built ([`Outline`]); [`understand`] only analyzes the question.
//!
//! Pure and in RAM: [`Conversations`] is a bounded LRU whose entries expire,
//! never written anywhere.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::answer::Answer;
use crate::brain::{Brain, SynonymGroup};
use crate::index::SearchIndex;
use crate::knowledge::Edition;
use crate::lang::Lang;

/// The outsourcing model a section, or a turn, is about.
pub use crate::knowledge::rules::Model as Subject;

/// What an answered turn leaves for the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// The language the answer was given in.
    pub lang: Lang,
    /// `<doc>/<slug>` of the answer's first passage.
    pub section: String,
    /// The model that section is about; `None` for one about both or neither
    /// (the introduction, the differences).
    pub subject: Option<Subject>,
}

impl Turn {
    /// What `answer` leaves for the next question; `None` unless it answered.
    pub fn of(brain: &Brain, answer: &Answer) -> Option<Turn> {
        if !answer.answered {
            return None;
        }
        Turn::at(brain, &answer.passages.first()?.id, answer.lang)
    }

    /// The turn of an answer whose first passage is `passage_id`, shown in
    /// `lang`; `None` when no passage has that id (`ask --context` takes an
    /// id from a script).
    pub fn at(brain: &Brain, passage_id: &str, lang: Lang) -> Option<Turn> {
        let (section, _) = passage_id.rsplit_once('/')?;
        let outline = &brain.edition(lang).outline;
        let known = outline.section(section)?;
        // The section alone is not enough: the id must be a real passage.
        brain.find(brain.edition(lang).lang, passage_id)?;
        Some(Turn {
            lang,
            section: section.to_string(),
            subject: known.subject,
        })
    }
}

/// Per-conversation memory: a bounded LRU (at most `max` conversations, the
/// least recently used forgotten first) whose entries expire `ttl` after
/// they were remembered. RAM only, never written. The clock is the caller's
/// `now`, so tests drive it instead of sleeping.
pub struct Conversations {
    ttl: Duration,
    turns: Mutex<lru::LruCache<u64, (Turn, Instant)>>,
}

impl std::fmt::Debug for Conversations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversations")
            .field("ttl", &self.ttl)
            .field("len", &self.len())
            .finish()
    }
}

impl Conversations {
    /// `max` of 0 is taken as 1: the config never allows it.
    pub fn new(ttl: Duration, max: usize) -> Conversations {
        let cap = NonZeroUsize::new(max).unwrap_or(NonZeroUsize::MIN);
        Conversations {
            ttl,
            turns: Mutex::new(lru::LruCache::new(cap)),
        }
    }

    /// The last turn of conversation `key`; `None` once it has expired
    /// (and then it is forgotten).
    pub fn recall(&self, key: u64, now: Instant) -> Option<Turn> {
        let mut turns = self.lock();
        let (turn, at) = turns.get(&key)?;
        if now.saturating_duration_since(*at) >= self.ttl {
            turns.pop(&key);
            return None;
        }
        Some(turn.clone())
    }

    /// Records `turn` as conversation `key`'s last, at `now`.
    pub fn remember(&self, key: u64, turn: Turn, now: Instant) {
        self.lock().put(key, (turn, now));
    }

    /// Conversations held, expired ones not yet recalled included.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A poisoned lock only means a panic elsewhere mid-update of a cache
    /// that is consistent after every call: keep using it.
    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<u64, (Turn, Instant)>> {
        self.turns.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How a question was understood in its conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Understood {
    /// What to search: the question itself when it is self-contained.
    pub question: String,
    /// How it was understood ("desafíos del KPO"), only when rewritten.
    pub note: Option<String>,
}

impl Understood {
    fn as_is(question: &str) -> Understood {
        Understood {
            question: question.to_string(),
            note: None,
        }
    }
}

/// `question` as it reads after `previous` (the conversation's last turn),
/// with the note in `lang`.
///
/// - It names no subject and says nothing but aspects the knowledge has
///   ("¿y sus desafíos?"): the same aspect of the remembered subject.
/// - It names only the other model ("¿y en el BPO?"): the remembered
///   section's aspect for that model.
/// - Anything else, and any question without a previous turn, as it is.
pub fn understand(
    brain: &Brain,
    question: &str,
    previous: Option<&Turn>,
    lang: Lang,
) -> Understood {
    let Some(previous) = previous else {
        return Understood::as_is(question);
    };
    let edition = brain.edition(brain.detect(question));
    let outline = &edition.outline;
    let reading = outline.read(&edition.index, &edition.ignore, question);
    let target = match (reading.subjects.as_slice(), previous.subject) {
        // Only the other model, said as a continuation ("¿y en el BPO?",
        // "what about KPO?"): its section of the same aspect. Without the
        // "and"/"y", "¿qué es un KPO?" would read the same once its filler
        // is gone, and it is a question of its own.
        ([named], Some(was)) if *named != was && reading.rest.is_empty() && continues(question) => {
            outline
                .section(&previous.section)
                .and_then(|s| outline.sibling(s, *named))
        }
        // No model, only aspects: that aspect of the remembered model.
        ([], Some(was)) if !reading.rest.is_empty() => reading
            .rest
            .iter()
            .map(|w| outline.aspect_of.get(w).cloned())
            .collect::<Option<HashSet<String>>>()
            .and_then(|aspects| outline.with_aspects(was, &aspects)),
        _ => None,
    };
    let Some(target) = target else {
        return Understood::as_is(question);
    };
    let shown = brain
        .edition(lang)
        .outline
        .section(&target.key)
        .unwrap_or(target);
    Understood {
        // The title asks for the section as a whole, in the words the
        // answer path knows best.
        question: shown.title.clone(),
        note: Some(shown.note(lang)),
    }
}

/// A natural next question: a section to answer.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    /// The section's title, in `lang`.
    pub label: String,
    pub lang: Lang,
    /// `<doc>/<slug>`.
    pub section: String,
}

/// Up to three natural next questions after `turn`, from the knowledge's
/// structure, most natural first: the same aspect of the other model, the
/// next section about the same model, the section comparing the two. After
/// a turn about neither model: each model's first section, then the
/// comparison.
pub fn follow_ups<'a>(brain: &'a Brain, turn: &Turn, lang: Lang) -> Vec<FollowUp> {
    const MAX: usize = 3;
    let outline = &brain.edition(lang).outline;
    let Some(current) = outline.section(&turn.section) else {
        return Vec::new();
    };
    let mut picked: Vec<&SectionOutline> = Vec::new();
    let pick = |s: Option<&'a SectionOutline>, picked: &mut Vec<&'a SectionOutline>| {
        if let Some(s) = s {
            if s.key != current.key && !picked.iter().any(|p| p.key == s.key) {
                picked.push(s);
            }
        }
    };
    let both = outline.sections.iter().find(|s| s.both);
    match current.subject {
        Some(subject) => {
            pick(outline.sibling(current, other(subject)), &mut picked);
            // The same model's sections, from the one after this, around.
            let at = outline
                .sections
                .iter()
                .position(|s| s.key == current.key)
                .unwrap_or(0);
            let n = outline.sections.len();
            let mut same = (1..n)
                .map(|i| &outline.sections[(at + i) % n])
                .filter(|s| s.subject == Some(subject));
            pick(same.next(), &mut picked);
            pick(both, &mut picked);
            for s in same {
                pick(Some(s), &mut picked);
            }
        }
        None => {
            for subject in [Subject::Bpo, Subject::Kpo] {
                pick(
                    outline.sections.iter().find(|s| s.subject == Some(subject)),
                    &mut picked,
                );
            }
            pick(both, &mut picked);
        }
    }
    picked
        .into_iter()
        .take(MAX)
        .map(|s| FollowUp {
            label: s.title.clone(),
            lang: outline.lang,
            section: s.key.clone(),
        })
        .collect()
}

/// The first passage of `section` (`<doc>/<slug>`) in `lang`'s edition: what
/// a follow-up answers.
pub fn first_passage_id(brain: &Brain, section: &str, lang: Lang) -> Option<String> {
    let edition = brain.knowledge.editions.get(&brain.edition(lang).lang)?;
    edition
        .passages()
        .find(|p| {
            p.passage
                .id
                .rsplit_once('/')
                .is_some_and(|(s, _)| s == section)
        })
        .map(|p| p.passage.id.clone())
}

fn other(subject: Subject) -> Subject {
    match subject {
        Subject::Bpo => Subject::Kpo,
        Subject::Kpo => Subject::Bpo,
    }
}

/// One edition's sections as conversations see them; built with the Brain.
#[derive(Debug)]
pub struct Outline {
    pub lang: Lang,
    /// In document order.
    pub sections: Vec<SectionOutline>,
    /// Each subject's synonym group: its members' analyzed words.
    subjects: Vec<(Subject, Vec<Vec<String>>)>,
    /// A word that names an aspect (a title's word, or one of its single-word
    /// synonyms) → the title's word.
    aspect_of: HashMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SectionOutline {
    /// `<doc>/<slug>`.
    pub key: String,
    pub title: String,
    /// The model its title names, when it names exactly one.
    pub subject: Option<Subject>,
    /// Its title names both models: the comparison.
    pub both: bool,
    /// The title's analyzed words but filler and the subject's, sorted.
    pub aspect: Vec<String>,
    /// Those words as the title writes them, in its order.
    pub aspect_words: Vec<String>,
}

impl SectionOutline {
    /// How a question rewritten to this section was understood, short.
    fn note(&self, lang: Lang) -> String {
        match self.subject {
            Some(subject) if !self.aspect_words.is_empty() => {
                let of = match lang {
                    Lang::Es => "del",
                    Lang::En => "of",
                };
                lowercase_first(&format!("{} {of} {subject}", self.aspect_words.join(" ")))
            }
            _ => lowercase_first(self.title.trim_matches(|c: char| !c.is_alphanumeric())),
        }
    }
}

/// A question's words, sorted into the models it names and the rest.
#[derive(Debug, Default, PartialEq)]
struct Reading {
    subjects: Vec<Subject>,
    rest: Vec<String>,
}

impl Outline {
    /// Analyzes `edition`'s section titles with `index`'s analyzer.
    pub fn build(
        lang: Lang,
        edition: &Edition,
        index: &SearchIndex,
        synonyms: &[SynonymGroup],
        ignore: &HashSet<String>,
    ) -> Outline {
        let mut subjects = Vec::new();
        for subject in [Subject::Bpo, Subject::Kpo] {
            let name = terms(index, ignore, &subject.to_string());
            if let Some(group) = synonyms.iter().find(|g| g.members.contains(&name)) {
                subjects.push((subject, group.members.clone()));
            } else if !name.is_empty() {
                subjects.push((subject, vec![name]));
            }
        }
        let mut outline = Outline {
            lang,
            sections: Vec::new(),
            subjects,
            aspect_of: HashMap::new(),
        };
        for document in &edition.documents {
            for section in &document.sections {
                let tokens: Vec<_> = index
                    .analyze(&section.title)
                    .into_iter()
                    .filter(|t| !ignore.contains(&t.term))
                    .collect();
                let words: Vec<String> = tokens.iter().map(|t| t.term.clone()).collect();
                let (named, consumed) = outline.named(&words);
                let mut aspect = Vec::new();
                let mut aspect_words: Vec<String> = Vec::new();
                for (token, _) in tokens.iter().zip(&consumed).filter(|(_, &c)| !c) {
                    aspect.push(token.term.clone());
                    let word = &section.title[token.from..token.to];
                    if !aspect_words.iter().any(|w| w == word) {
                        aspect_words.push(word.to_string());
                    }
                }
                aspect.sort();
                aspect.dedup();
                let subject = match named.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                };
                if subject.is_some() {
                    for word in &aspect {
                        outline.aspect_of.insert(word.clone(), word.clone());
                    }
                }
                outline.sections.push(SectionOutline {
                    key: format!("{}/{}", document.id, section.slug),
                    title: section.title.clone(),
                    subject,
                    both: named.len() > 1,
                    aspect,
                    aspect_words,
                });
            }
        }
        // "¿y sus ventajas?" asks for "beneficios": a single-word synonym of
        // an aspect word names that aspect, unless it is an aspect itself.
        let mut by_synonym = Vec::new();
        for group in synonyms {
            let Some(word) = group
                .members
                .iter()
                .filter(|m| m.len() == 1)
                .find_map(|m| outline.aspect_of.get(&m[0]))
            else {
                continue;
            };
            for member in group.members.iter().filter(|m| m.len() == 1) {
                by_synonym.push((member[0].clone(), word.clone()));
            }
        }
        for (synonym, word) in by_synonym {
            outline.aspect_of.entry(synonym).or_insert(word);
        }
        outline
    }

    /// The section `<doc>/<slug>`.
    pub fn section(&self, key: &str) -> Option<&SectionOutline> {
        self.sections.iter().find(|s| s.key == key)
    }

    /// Whether `question` names a model (BPO or KPO) by any of its names.
    pub fn names_a_model(
        &self,
        index: &SearchIndex,
        ignore: &HashSet<String>,
        question: &str,
    ) -> bool {
        !self.read(index, ignore, question).subjects.is_empty()
    }

    /// The one model `question` names, when it names exactly one.
    pub fn the_model_named(
        &self,
        index: &SearchIndex,
        ignore: &HashSet<String>,
        question: &str,
    ) -> Option<Subject> {
        match self.read(index, ignore, question).subjects.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The position of the section that says what `subject` is: about it,
    /// its title saying nothing else ("¿Qué es un KPO?").
    pub fn definition(&self, subject: Subject) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| s.subject == Some(subject) && s.aspect.is_empty())
    }

    /// The position of the section about `subject` with the same aspect as
    /// the section at `position`.
    pub fn twin(&self, position: usize, subject: Subject) -> Option<usize> {
        self.sibling_at(self.sections.get(position)?, subject)
    }

    /// The section about `subject` with the same aspect as `section`.
    fn sibling(&self, section: &SectionOutline, subject: Subject) -> Option<&SectionOutline> {
        self.sibling_at(section, subject).map(|i| &self.sections[i])
    }

    /// Where [`Outline::sibling`] stands in `sections`.
    fn sibling_at(&self, section: &SectionOutline, subject: Subject) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| s.subject == Some(subject) && s.aspect == section.aspect)
    }

    /// The section about `subject` whose aspect says all of `aspects` and
    /// least else.
    fn with_aspects(&self, subject: Subject, aspects: &HashSet<String>) -> Option<&SectionOutline> {
        self.sections
            .iter()
            .filter(|s| s.subject == Some(subject))
            .filter(|s| aspects.iter().all(|a| s.aspect.contains(a)))
            .min_by_key(|s| s.aspect.len())
    }

    /// The models `words` name (each member of a subject's group found as a
    /// run of them), and which words those runs take.
    fn named(&self, words: &[String]) -> (Vec<Subject>, Vec<bool>) {
        let mut consumed = vec![false; words.len()];
        let mut named = Vec::new();
        for (subject, members) in &self.subjects {
            for member in members {
                if member.is_empty() || member.len() > words.len() {
                    continue;
                }
                for start in 0..=words.len() - member.len() {
                    let run = start..start + member.len();
                    if words[run.clone()] == member[..] {
                        consumed[run].iter_mut().for_each(|c| *c = true);
                        if !named.contains(subject) {
                            named.push(*subject);
                        }
                    }
                }
            }
        }
        (named, consumed)
    }

    fn read(&self, index: &SearchIndex, ignore: &HashSet<String>, question: &str) -> Reading {
        let words = terms(index, ignore, question);
        let (subjects, consumed) = self.named(&words);
        let mut rest: Vec<String> = words
            .into_iter()
            .zip(consumed)
            .filter(|(_, c)| !c)
            .map(|(w, _)| w)
            .collect();
        rest.dedup();
        Reading { subjects, rest }
    }
}

/// A title's words inside a sentence: "Tipos" → "tipos", but an acronym
/// ("KPO en salud") stays as written.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.clone().next()) {
        (Some(first), second) if !second.is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text.to_string(),
    }
}

/// Whether `question` opens as a continuation of what was said before:
/// "y …", "¿y el BPO?", "and for KPO?", "what about bpo", "how about…".
fn continues(question: &str) -> bool {
    let words: Vec<String> = crate::lang::words(question)
        .take(2)
        .map(str::to_lowercase)
        .collect();
    match words.as_slice() {
        [first, ..] if CONTINUATIONS.contains(&first.as_str()) => true,
        [first, second] => PAIRED.contains(&(first.as_str(), second.as_str())),
        _ => false,
    }
}

/// First words that continue a conversation, in either language.
const CONTINUATIONS: [&str; 6] = ["y", "e", "and", "también", "tambien", "plus"];
/// First two words that do.
const PAIRED: [(&str, &str); 5] = [
    ("what", "about"),
    ("how", "about"),
    ("what", "of"),
    ("qué", "tal"),
    ("que", "tal"),
];

/// `text`'s analyzed words, filler dropped.
fn terms(index: &SearchIndex, ignore: &HashSet<String>, text: &str) -> Vec<String> {
    index
        .analyze(text)
        .into_iter()
        .map(|t| t.term)
        .filter(|t| !ignore.contains(t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::lowercase_first;

    #[test]
    fn a_title_word_starts_lowercase_unless_an_acronym() {
        assert_eq!(lowercase_first("Tipos del KPO"), "tipos del KPO");
        assert_eq!(lowercase_first("Qué es un BPO"), "qué es un BPO");
        assert_eq!(lowercase_first("KPO en salud"), "KPO en salud");
        assert_eq!(lowercase_first(""), "");
    }
}
