//! Calibrated confidence: the probability that an answer is right.
//!
//! A small logistic model over a few features of the best passage (how much
//! of the question it covers, through its text and through its alternate
//! questions, and how many of its ideas, its lead over the runner-up, how
//! much of the question the knowledge never uses, whether the question is on
//! our subject, whether it asks for a figure the passage does not give, how
//! much it reads like the passage letter by letter). Its
//! coefficients are data: `cargo run --release --example calibrate` fits
//! them on the `dev` split of `tests/golden/users.*.toml` plus the golden
//! sets, and rewrites [`MODEL`] below; the default threshold is the lowest
//! that keeps 95% of answered development questions (those and the golden
//! sets) right. Nothing here is tuned by hand.

/// How many features the model weighs.
pub const FEATURES: usize = 11;

/// What the confidence is computed from, for the best passage of a ranking.
/// `ask --explain` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Features {
    /// The rarity-weighted (idf) share of the question's ideas that the
    /// passage covers: its title, its text or its alternate questions.
    pub coverage: f32,
    /// How closely its best alternate question says what the question says:
    /// the harmonic mean of the share of the question it covers and the
    /// share of it the question covers (both idf-weighted); 0 without one.
    pub question_match: f32,
    /// The lead of its score over the runner-up's, as a share of its own
    /// (1 when it has no runner-up or the question names its section).
    pub margin: f32,
    /// The share of the question's rarity-weight in words no passage or
    /// alternate question uses ("Francia", "netflix", "salario").
    pub unknown: f32,
    /// The share of the question's rarity-weight in words that were typos,
    /// corrected to the closest known word: a guess.
    pub corrected: f32,
    /// 1 when the question names our subject (BPO, KPO, outsourcing…).
    pub on_topic: f32,
    /// 1 when the question says what a section title says.
    pub names_section: f32,
    /// 1 when the question says every word of the passage's section title,
    /// whatever else it says ("problems" and "KPO" for "Challenges of KPO"):
    /// the subject and the aspect asked agree with where the passage stands.
    pub in_asked_section: f32,
    /// How many of the question's ideas the passage says (the count behind
    /// `coverage`'s share): a passage that says four things the question
    /// asks is likelier right than one that says one, whatever else a long
    /// question says.
    pub ideas_covered: f32,
    /// 1 when the question asks for a figure (a price, a salary, a share:
    /// `figures` in `synonyms.toml`) and the passage gives none, or says a
    /// word of `beyond` ("historia", "taxes") that the passage does not.
    pub figure_missing: f32,
    /// How much the question reads like the passage's text, letter by
    /// letter: the cosine of their character-trigram profiles (tf-idf over
    /// the edition's passages), which meets word forms, typos and pieces of
    /// words that whole-word matching misses.
    pub reads_like: f32,
}

impl Features {
    pub const NAMES: [&'static str; FEATURES] = [
        "coverage",
        "question_match",
        "margin",
        "unknown",
        "corrected",
        "on_topic",
        "names_section",
        "in_asked_section",
        "ideas_covered",
        "figure_missing",
        "reads_like",
    ];

    pub fn to_array(self) -> [f32; FEATURES] {
        [
            self.coverage,
            self.question_match,
            self.margin,
            self.unknown,
            self.corrected,
            self.on_topic,
            self.names_section,
            self.in_asked_section,
            self.ideas_covered,
            self.figure_missing,
            self.reads_like,
        ]
    }
}

/// A logistic model: `p = 1 / (1 + e^-(bias + Σ weight·feature))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    pub bias: f32,
    pub weights: [f32; FEATURES],
    /// The default `answer.min_confidence`: the lowest probability at which
    /// answered development questions were still at least 95% right.
    pub threshold: f32,
    /// What a question that names nothing of our subject (`on_topic` 0)
    /// must also reach: just above every off-topic development question,
    /// since words of our field have other lives ("the front office of a
    /// hotel") and no off-topic question may be answered. A question that
    /// says a section's title and nothing else (`names_section`) is about
    /// the knowledge, whatever its words: a section an admin adds on a new
    /// subject ("¿Qué es el nearshoring?") answers its own title.
    pub off_subject: f32,
}

impl Model {
    pub fn probability(&self, features: &Features) -> f32 {
        let z = self.bias
            + self
                .weights
                .iter()
                .zip(features.to_array())
                .map(|(w, x)| w * x)
                .sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }

    /// Whether a best passage with these features and probability is given
    /// as an answer at `min_confidence`.
    pub fn answers(&self, features: &Features, probability: f32, min_confidence: f32) -> bool {
        probability >= min_confidence
            && (features.on_topic > 0.0
                || features.names_section > 0.0
                || probability >= self.off_subject)
    }
}

// Fitted by `calibrate` in the tenth round of issue 9, on dev and golden
// and, with `--with`, the blind sets already read (10, 12, 13, 14; kept
// outside the project): 1,238 questions. Refits on dev and golden alone had
// set the threshold near 0.2 and answered as many more right as more they
// should refuse; the harder negatives of the blind sets keep it at 0.44.
// When it was fitted (233d0a4), on unseen questions (the test split, blind
// sets 11 and 15) it answered 6 more right and refused 1 more unanswerable
// than the third round's model it replaces (README, Quality). Re-run `calibrate` after a change to the
// features: a refit that beats this one on the unseen sets is the one to
// ship.
// BEGIN GENERATED by examples/calibrate.rs
pub const MODEL: Model = Model {
    bias: -8.4753,
    weights: [
        1.0635, 6.6612, 1.9022, -2.5923, -0.3409, 1.0512, 0.1640, 2.1232, 0.7069, -3.9464, 6.5104,
    ],
    threshold: 0.44,
    off_subject: 0.70,
};
// END GENERATED
