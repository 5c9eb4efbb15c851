//! What the recorded questions teach: insights for admins, and alternate
//! questions to suggest to them.
//!
//! The store ([`crate::store`]) counts in its database what is large (a
//! million questions); what it returns is small, and everything decided over
//! it lives here as pure functions: how resolutions group into suggestions,
//! which suggestion comes first, a suggestion's stable id, which passages
//! have the most 👎. Nothing here knows SQL, Discord or the clock.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::lang::Lang;

/// How many passages `most_down` lists.
pub const MOST_DOWN: usize = 5;
/// How many groups of unanswered questions insights list.
pub const UNANSWERED_GROUPS: usize = 10;

/// What was asked over the last `days` days, and how it went.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Insights {
    pub days: u32,
    pub asked: u64,
    pub answered: u64,
    /// Counted through the keyed hash; questions without a user (the CLI)
    /// are not counted.
    pub distinct_users: u64,
    /// Every passage that got a vote, by passage id.
    pub per_passage: Vec<PassageVotes>,
    /// The passages with the most 👎, most first (at most [`MOST_DOWN`]).
    pub most_down: Vec<PassageVotes>,
    /// Unanswered questions grouped by meaning, most asked first (at most
    /// [`UNANSWERED_GROUPS`]). Empty when `store.keep_questions = false`.
    pub unanswered: Vec<UnansweredGroup>,
}

/// 👍 and 👎 on the answers whose best passage was `passage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassageVotes {
    pub passage: String,
    pub up: u64,
    pub down: u64,
}

/// Unanswered questions that mean the same (see [`crate::answer::meaning`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnansweredGroup {
    pub meaning: String,
    /// The latest of them, as asked.
    pub example: String,
    pub count: u64,
}

/// The totals the store counts over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub asked: u64,
    pub answered: u64,
    pub distinct_users: u64,
}

/// Assembles insights from what the store counted.
pub fn insights(
    days: u32,
    totals: Totals,
    mut per_passage: Vec<PassageVotes>,
    unanswered: Vec<UnansweredGroup>,
) -> Insights {
    per_passage.sort_by(|a, b| a.passage.cmp(&b.passage));
    let mut most_down: Vec<PassageVotes> =
        per_passage.iter().filter(|p| p.down > 0).cloned().collect();
    // Most 👎 first; at equal 👎 the one with fewer 👍 is the worse.
    most_down.sort_by(|a, b| {
        b.down
            .cmp(&a.down)
            .then(a.up.cmp(&b.up))
            .then(a.passage.cmp(&b.passage))
    });
    most_down.truncate(MOST_DOWN);
    Insights {
        days,
        asked: totals.asked,
        answered: totals.answered,
        distinct_users: totals.distinct_users,
        per_passage,
        most_down,
        unanswered,
    }
}

/// A suggestion's id: stable across restarts and processes (it goes into
/// Accept and Reject buttons), derived from what the suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SuggestionId(pub i64);

/// As text in JSON: 63 bits are more than a JavaScript number holds exactly.
impl Serialize for SuggestionId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl SuggestionId {
    /// The id of teaching `meaning` (in `lang`) to `passage`: the first 63
    /// bits of a SHA-256, so the same suggestion has the same id everywhere.
    pub fn of(lang: Lang, meaning: &str, passage: &str) -> SuggestionId {
        let mut hash = Sha256::new();
        for part in [lang.code(), meaning, passage] {
            hash.update(part.as_bytes());
            // A separator no part holds: ("a b", "c") is not ("a", "b c").
            hash.update([0]);
        }
        let bytes: [u8; 8] = hash.finalize()[..8].try_into().expect("8 bytes");
        SuggestionId(i64::from_be_bytes(bytes) & i64::MAX)
    }
}

impl fmt::Display for SuggestionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for SuggestionId {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(SuggestionId)
    }
}

/// How members showed that a question meant a passage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// They clicked it among "did you mean…?".
    DidYouMean,
    /// They gave 👎 and then picked it as the one they expected.
    Picked,
    /// They gave 👍 to it although its confidence was low.
    Up,
}

/// One row of feedback on a stored question, as each store backend reads
/// it for `Backend::resolutions`.
pub struct FeedbackOnQuestion {
    pub lang: Lang,
    pub meaning: String,
    pub question: String,
    /// The answer's best passage.
    pub passage: Option<String>,
    pub vote: Option<i64>,
    pub picked: Option<String>,
    pub meant: Option<String>,
    /// The answer's confidence was under the `low_confidence` asked for.
    pub low: bool,
}

impl FeedbackOnQuestion {
    /// The resolutions this feedback makes, in the order they are counted:
    /// a "did you mean" chosen, then a passage picked after 👎, or a 👍 on a
    /// low-confidence answer.
    pub fn resolve(self, out: &mut Vec<Resolution>) {
        let mut push = |passage: String, source: Source| {
            out.push(Resolution {
                lang: self.lang,
                meaning: self.meaning.clone(),
                question: self.question.clone(),
                passage,
                source,
            })
        };
        if let Some(p) = self.meant {
            push(p, Source::DidYouMean);
        }
        match (self.vote, self.picked, self.passage) {
            (Some(-1), Some(p), _) => push(p, Source::Picked),
            (Some(1), _, Some(p)) if self.low => push(p, Source::Up),
            _ => {}
        }
    }
}

/// One member's resolution of one question to a passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    pub lang: Lang,
    pub meaning: String,
    /// As asked.
    pub question: String,
    pub passage: String,
    pub source: Source,
}

/// How many resolutions of a suggestion came from each source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Sources {
    pub did_you_mean: usize,
    pub picked: usize,
    pub up: usize,
}

/// An alternate question to propose: members who asked `question` (or the
/// same in other words) meant `passage`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub id: SuggestionId,
    pub lang: Lang,
    pub passage: String,
    /// What the questions mean (see [`crate::answer::meaning`]).
    pub meaning: String,
    /// The wording most often asked (the latest among equals).
    pub question: String,
    /// How many resolutions point this way.
    pub count: usize,
    pub sources: Sources,
}

/// What was decided about a suggestion, so it is not proposed again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decided {
    pub lang: Lang,
    pub meaning: String,
    pub passage: String,
}

/// Groups resolutions (in the order they happened) into suggestions by
/// (language, meaning, passage), leaving out the decided ones; most
/// frequent first.
pub fn suggestions(resolutions: &[Resolution], decided: &HashSet<Decided>) -> Vec<Suggestion> {
    struct Group<'r> {
        lang: Lang,
        passage: &'r str,
        sources: Sources,
        count: usize,
        /// Per wording: how often, and when last (its position).
        wordings: HashMap<&'r str, (usize, usize)>,
    }
    let mut groups: HashMap<(Lang, &str, &str), Group> = HashMap::new();
    for (at, r) in resolutions.iter().enumerate() {
        if r.meaning.is_empty() {
            // Nothing the knowledge knows was asked: no question to teach.
            continue;
        }
        let group = groups
            .entry((r.lang, &r.meaning, &r.passage))
            .or_insert_with(|| Group {
                lang: r.lang,
                passage: &r.passage,
                sources: Sources::default(),
                count: 0,
                wordings: HashMap::new(),
            });
        group.count += 1;
        match r.source {
            Source::DidYouMean => group.sources.did_you_mean += 1,
            Source::Picked => group.sources.picked += 1,
            Source::Up => group.sources.up += 1,
        }
        let wording = group.wordings.entry(r.question.as_str()).or_default();
        wording.0 += 1;
        wording.1 = at;
    }
    let mut out: Vec<Suggestion> = groups
        .into_iter()
        .filter(|((lang, meaning, passage), _)| {
            !decided.contains(&Decided {
                lang: *lang,
                meaning: meaning.to_string(),
                passage: passage.to_string(),
            })
        })
        .map(|((_, meaning, _), g)| {
            let question = g
                .wordings
                .iter()
                .max_by_key(|(_, &(n, last))| (n, last))
                .map(|(q, _)| q.to_string())
                .unwrap_or_default();
            Suggestion {
                id: SuggestionId::of(g.lang, meaning, g.passage),
                lang: g.lang,
                passage: g.passage.to_string(),
                meaning: meaning.to_string(),
                question,
                count: g.count,
                sources: g.sources,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.passage.cmp(&b.passage))
            .then(a.question.cmp(&b.question))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolution(meaning: &str, question: &str, passage: &str, source: Source) -> Resolution {
        Resolution {
            lang: Lang::Es,
            meaning: meaning.into(),
            question: question.into(),
            passage: passage.into(),
            source,
        }
    }

    #[test]
    fn resolutions_group_by_meaning_and_passage_most_frequent_first() {
        let rs = [
            resolution("kpo", "q es kpo", "a/kpo/1", Source::DidYouMean),
            resolution("bpo cost", "bpo cuesta", "a/cost/1", Source::Up),
            resolution("kpo", "que es un KPO", "a/kpo/1", Source::Picked),
            resolution("kpo", "que es un KPO", "a/kpo/1", Source::Up),
            // Same meaning, another passage: a group of its own.
            resolution("kpo", "q es kpo", "a/kpo/2", Source::DidYouMean),
            // Nothing known was asked: never a suggestion.
            resolution("", "???", "a/kpo/1", Source::DidYouMean),
        ];
        let out = suggestions(&rs, &HashSet::new());
        assert_eq!(out.len(), 3, "{out:#?}");
        assert_eq!(out[0].passage, "a/kpo/1");
        assert_eq!(out[0].count, 3);
        assert_eq!(out[0].question, "que es un KPO");
        assert_eq!(
            out[0].sources,
            Sources {
                did_you_mean: 1,
                picked: 1,
                up: 1
            }
        );
        assert_eq!(out[0].id, SuggestionId::of(Lang::Es, "kpo", "a/kpo/1"));
        assert_eq!(out[1].count, 1);
        assert_eq!(out[2].count, 1);
    }

    #[test]
    fn decided_suggestions_are_not_proposed_again() {
        let rs = [
            resolution("kpo", "q es kpo", "a/kpo/1", Source::DidYouMean),
            resolution("bpo", "bpo?", "a/bpo/1", Source::DidYouMean),
        ];
        let decided = HashSet::from([Decided {
            lang: Lang::Es,
            meaning: "kpo".into(),
            passage: "a/kpo/1".into(),
        }]);
        let out = suggestions(&rs, &decided);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].passage, "a/bpo/1");
    }

    #[test]
    fn suggestion_ids_are_stable_and_tell_apart_what_differs() {
        let id = SuggestionId::of(Lang::Es, "kpo", "a/1");
        assert!(id.0 >= 0);
        assert_eq!(id, SuggestionId::of(Lang::Es, "kpo", "a/1"));
        assert_ne!(id, SuggestionId::of(Lang::En, "kpo", "a/1"));
        assert_ne!(id, SuggestionId::of(Lang::Es, "kpo", "a/2"));
        assert_ne!(
            SuggestionId::of(Lang::Es, "a b", "c"),
            SuggestionId::of(Lang::Es, "a", "b c")
        );
        assert_eq!(id.to_string().parse::<SuggestionId>(), Ok(id));
        assert!("x".parse::<SuggestionId>().is_err());
    }

    #[test]
    fn most_down_puts_the_worst_first_and_skips_passages_without_down() {
        let votes = vec![
            PassageVotes {
                passage: "b".into(),
                up: 5,
                down: 2,
            },
            PassageVotes {
                passage: "a".into(),
                up: 1,
                down: 2,
            },
            PassageVotes {
                passage: "c".into(),
                up: 9,
                down: 0,
            },
            PassageVotes {
                passage: "d".into(),
                up: 0,
                down: 7,
            },
        ];
        let i = insights(7, Totals::default(), votes, Vec::new());
        let order: Vec<&str> = i.per_passage.iter().map(|p| p.passage.as_str()).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
        let worst: Vec<&str> = i.most_down.iter().map(|p| p.passage.as_str()).collect();
        assert_eq!(worst, ["d", "a", "b"]);
    }
}
