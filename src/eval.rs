//! Measuring answer quality on labelled questions (`tests/golden/*.toml`).
//!
//! Shared by the golden tests, which hold the bar, and by
//! `examples/calibrate.rs`, which fits the confidence model on the `dev`
//! split. Nothing on the answer path uses it.
//!
//! A set lists `[[question]]`s with the passage ids that are a right first
//! answer, `[[unanswerable]]` questions about our subject that the knowledge
//! does not answer, and `[[offtopic]]` ones; each may carry a `split`
//! (`dev` to tune on, `test` never looked at while tuning).

use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::answer::{answer, AnswerOptions, Question};
use crate::brain::Brain;
use crate::confidence::Features;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Dev,
    Test,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// The ids of the passages that are a right first answer.
    Answerable(Vec<String>),
    /// On our subject, but the knowledge does not answer it.
    Unanswerable,
    OffTopic,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub q: String,
    pub kind: Kind,
    pub split: Option<Split>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    #[serde(default)]
    question: Vec<RawCase>,
    #[serde(default)]
    unanswerable: Vec<RawNegative>,
    #[serde(default)]
    offtopic: Vec<RawNegative>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    q: String,
    expect: Vec<String>,
    split: Option<Split>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNegative {
    q: String,
    split: Option<Split>,
}

/// Reads a labelled set.
pub fn load(path: &Path) -> Result<Vec<Item>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let raw: RawSet = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let negative = |kind: Kind| {
        move |n: RawNegative| Item {
            q: n.q,
            kind: kind.clone(),
            split: n.split,
        }
    };
    let mut items: Vec<Item> = raw
        .question
        .into_iter()
        .map(|c| Item {
            q: c.q,
            kind: Kind::Answerable(c.expect),
            split: c.split,
        })
        .collect();
    items.extend(
        raw.unanswerable
            .into_iter()
            .map(negative(Kind::Unanswerable)),
    );
    items.extend(raw.offtopic.into_iter().map(negative(Kind::OffTopic)));
    Ok(items)
}

/// What the bot did with one item.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub item: Item,
    pub answered: bool,
    pub confidence: f32,
    /// Where the first right passage stands among those returned.
    pub rank: Option<usize>,
    /// The first passage returned.
    pub top: Option<String>,
    pub features: Features,
}

impl Outcome {
    /// The first passage is a right one (whether or not it was answered):
    /// the label the confidence model learns.
    pub fn top_is_right(&self) -> bool {
        self.rank == Some(0)
    }

    /// Right first passage, presented as an answer.
    pub fn answered_right(&self) -> bool {
        self.answered && self.top_is_right()
    }
}

/// Asks every item, with the top 3 passages.
pub fn run(brain: &Brain, items: &[Item], opts: &AnswerOptions) -> Vec<Outcome> {
    let opts = AnswerOptions {
        top: 3,
        highlight: false,
        ..*opts
    };
    items
        .iter()
        .map(|item| {
            let question = Question::new(&item.q, usize::MAX).expect("a labelled question");
            let a = answer(brain, &question, &opts);
            let rank = match &item.kind {
                Kind::Answerable(expect) => a.passages.iter().position(|p| expect.contains(&p.id)),
                _ => None,
            };
            Outcome {
                item: item.clone(),
                answered: a.answered,
                confidence: a.confidence,
                rank,
                top: a.passages.first().map(|p| p.id.clone()),
                features: a.features,
            }
        })
        .collect()
}

/// The figures a member would feel.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    pub answerable: usize,
    /// First passage right **and** presented as an answer.
    pub answered_right: usize,
    /// A right passage first (answered or not): what ranking alone gets.
    pub hit1: usize,
    /// A right passage among the first three (answered or not).
    pub hit3: usize,
    /// The sum of 1/rank of the first right passage among the first three.
    pub reciprocal_ranks: f64,
    /// Answerable questions presented as answered.
    pub answered: usize,
    /// Unanswerable and off-topic questions presented as answered.
    pub wrongly_answered: usize,
    pub unanswerable: usize,
    pub unanswerable_refused: usize,
    pub offtopic: usize,
    pub offtopic_refused: usize,
}

impl Metrics {
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Metrics {
        let mut m = Metrics::default();
        for o in outcomes {
            match o.item.kind {
                Kind::Answerable(_) => {
                    m.answerable += 1;
                    m.answered += usize::from(o.answered);
                    m.answered_right += usize::from(o.answered_right());
                    m.hit1 += usize::from(o.rank == Some(0));
                    if let Some(r) = o.rank.filter(|&r| r < 3) {
                        m.hit3 += 1;
                        m.reciprocal_ranks += 1.0 / (r as f64 + 1.0);
                    }
                }
                Kind::Unanswerable => {
                    m.unanswerable += 1;
                    m.unanswerable_refused += usize::from(!o.answered);
                    m.wrongly_answered += usize::from(o.answered);
                }
                Kind::OffTopic => {
                    m.offtopic += 1;
                    m.offtopic_refused += usize::from(!o.answered);
                    m.wrongly_answered += usize::from(o.answered);
                }
            }
        }
        m
    }

    pub fn answered_right_rate(&self) -> f64 {
        ratio(self.answered_right, self.answerable)
    }

    pub fn hit3_rate(&self) -> f64 {
        ratio(self.hit3, self.answerable)
    }

    /// Mean reciprocal rank of the first right passage (0 past the third).
    pub fn mrr(&self) -> f64 {
        if self.answerable == 0 {
            1.0
        } else {
            self.reciprocal_ranks / self.answerable as f64
        }
    }

    /// Of every question presented as answered, the share answered right.
    pub fn precision(&self) -> f64 {
        ratio(self.answered_right, self.answered + self.wrongly_answered)
    }

    pub fn unanswerable_refused_rate(&self) -> f64 {
        ratio(self.unanswerable_refused, self.unanswerable)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn pct(a: usize, b: usize) -> String {
    format!("{a}/{b} ({:.1}%)", 100.0 * ratio(a, b))
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "answered-right@1 {}, hit@1 {}, hit@3 {}, answered {}, precision {:.1}%, unanswerable refused {}, off-topic refused {}",
            pct(self.answered_right, self.answerable),
            pct(self.hit1, self.answerable),
            pct(self.hit3, self.answerable),
            pct(self.answered, self.answerable),
            100.0 * self.precision(),
            pct(self.unanswerable_refused, self.unanswerable),
            pct(self.offtopic_refused, self.offtopic),
        )
    }
}

/// One line per outcome that went wrong, for tuning on `dev`.
pub fn misses(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| match o.item.kind {
            Kind::Answerable(_) => !o.answered_right(),
            _ => o.answered,
        })
        .map(|o| {
            let what = match (&o.item.kind, o.rank) {
                (Kind::Answerable(_), Some(0)) => "REFUSED".to_string(),
                (Kind::Answerable(_), Some(r)) => format!("rank {}", r + 1),
                (Kind::Answerable(_), None) => "MISS".to_string(),
                (Kind::Unanswerable, _) => "UNANSWERABLE ANSWERED".to_string(),
                (Kind::OffTopic, _) => "OFF-TOPIC ANSWERED".to_string(),
            };
            format!(
                "  {what} {:?} conf={:.2} top={} want={:?}",
                o.item.q,
                o.confidence,
                o.top.as_deref().unwrap_or("-"),
                match &o.item.kind {
                    Kind::Answerable(e) => e.join(","),
                    _ => String::new(),
                }
            )
        })
        .collect()
}
