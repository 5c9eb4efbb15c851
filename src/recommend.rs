//! `/recommend`: BPO, KPO or hybrid for a user's situation, as a pure
//! function over the rules in `knowledge/rules.toml`.
//!
//! Every matching rule adds its weight to the model it favors; unanswered
//! questions add nothing. A model wins when it leads by the margin set in
//! rules.toml, else the verdict is hybrid. Every reason and risk carries the
//! passage that backs it, so front ends can always show why.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::echo::echo;
use crate::i18n::{self, Msg};
use crate::knowledge::rules::{Model, Rules, MAX_WEIGHT};
use crate::lang::Lang;

/// Validated answers to the questionnaire: question key → value id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers(BTreeMap<String, String>);

impl Answers {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Sets `key` to `value` after checking both against `rules`.
    pub fn set(&mut self, rules: &Rules, key: &str, value: &str) -> Result<(), AnswersError> {
        let question = rules
            .question(key)
            .ok_or_else(|| AnswersError::UnknownKey {
                key: echo(key),
                keys: rules.keys().join(", "),
            })?;
        if question.value(value).is_none() {
            return Err(AnswersError::UnknownValue {
                key: echo(key),
                value: echo(value),
                values: question.value_ids().join(", "),
            });
        }
        self.0.insert(key.to_string(), value.to_string());
        Ok(())
    }

    /// Parses `KEY=VALUE` arguments; at least one is needed, each key once.
    pub fn parse<S: AsRef<str>>(rules: &Rules, args: &[S]) -> Result<Answers, AnswersError> {
        if args.is_empty() {
            return Err(AnswersError::Empty {
                questionnaire: questionnaire(rules),
            });
        }
        let mut answers = Answers::default();
        for arg in args {
            let arg = arg.as_ref().trim();
            let Some((key, value)) = arg.split_once('=') else {
                return Err(AnswersError::NoValue {
                    key: echo(arg),
                    example: example_for(rules, arg),
                });
            };
            let (key, value) = (key.trim(), value.trim());
            if value.is_empty() {
                return Err(AnswersError::NoValue {
                    key: echo(key),
                    example: example_for(rules, key),
                });
            }
            if answers.0.contains_key(key) {
                return Err(AnswersError::Twice { key: echo(key) });
            }
            answers.set(rules, key, value)?;
        }
        Ok(answers)
    }
}

/// `key (v1, v2, …)` for every question, one per line.
pub fn questionnaire(rules: &Rules) -> String {
    rules
        .questions
        .iter()
        .map(|q| format!("  {} ({})", q.key, q.value_ids().join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn example_for(rules: &Rules, key: &str) -> String {
    match rules.question(key) {
        Some(q) => format!("{key}={}", q.values.last().map_or("", |v| v.id.as_str())),
        None => format!("one of the keys: {}", rules.keys().join(", ")),
    }
}

/// What was typed is quoted through [`echo`]: escaped and cut, whichever
/// front end shows the error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswersError {
    #[error("give at least one answer as KEY=VALUE; the questions and their values are:\n{questionnaire}")]
    Empty { questionnaire: String },
    #[error("unknown question '{key}'; the questions are: {keys}")]
    UnknownKey { key: String, keys: String },
    #[error("'{value}' is not a value of '{key}'; its values are: {values}")]
    UnknownValue {
        key: String,
        value: String,
        values: String,
    },
    #[error("'{key}' needs a value, in the form KEY=VALUE (for example {example})")]
    NoValue { key: String, example: String },
    #[error("'{key}' is given twice; give each question once")]
    Twice { key: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Bpo,
    Kpo,
    Hybrid,
}

impl Verdict {
    fn of(model: Model) -> Verdict {
        match model {
            Model::Bpo => Verdict::Bpo,
            Model::Kpo => Verdict::Kpo,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Bpo => "BPO",
            Verdict::Kpo => "KPO",
            Verdict::Hybrid => "hybrid",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub verdict: Verdict,
    /// For BPO or KPO: the winner's lead as a share of all the weight
    /// (0: a tie, 1: every reason agrees). For hybrid: how balanced the
    /// reasons are (1: an exact tie; 0: nothing was known).
    pub confidence: f32,
    pub scores: Scores,
    /// Every rule that applied, strongest first.
    pub reasons: Vec<Reason>,
    /// The chosen model's risks; both models' for hybrid.
    pub risks: Vec<RiskItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    pub bpo: f32,
    pub kpo: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub favors: Model,
    pub weight: f32,
    pub text: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskItem {
    #[serde(skip)]
    pub model: Model,
    pub text: String,
    pub source: String,
}

/// Runs the rules over `answers`, with texts in `lang`.
pub fn recommend(rules: &Rules, answers: &Answers, lang: Lang) -> Recommendation {
    let mut scores = Scores { bpo: 0.0, kpo: 0.0 };
    let mut reasons: Vec<Reason> = Vec::new();
    for rule in &rules.rules {
        let applies = rule.when.iter().all(|(key, values)| {
            answers
                .get(key)
                .is_some_and(|v| values.iter().any(|x| x == v))
        });
        if !applies {
            continue;
        }
        let weight = bounded(rule.weight);
        match rule.favors {
            Model::Bpo => scores.bpo += weight,
            Model::Kpo => scores.kpo += weight,
        }
        reasons.push(Reason {
            favors: rule.favors,
            weight,
            text: rule.reason.get(lang).to_string(),
            source: rule.source.clone(),
        });
    }
    // Stable: equal weights keep the order of rules.toml.
    reasons.sort_by(|a, b| b.weight.total_cmp(&a.weight));

    let total = scores.bpo + scores.kpo;
    let lead = (scores.kpo - scores.bpo).abs();
    let leader = if scores.kpo > scores.bpo {
        Model::Kpo
    } else {
        Model::Bpo
    };
    // With bounded weights and this margin every confidence below is a
    // number from 0 to 1: lead <= total, and the balance divides by the
    // margin only when lead < margin.
    let margin = if rules.margin.is_finite() {
        rules.margin.max(0.0)
    } else {
        f32::MAX
    };
    let (verdict, confidence) = if total > 0.0 && lead >= margin && lead > 0.0 {
        (Verdict::of(leader), lead / total)
    } else if total > 0.0 {
        let balance = if margin > 0.0 {
            1.0 - lead / margin
        } else {
            1.0
        };
        (Verdict::Hybrid, balance)
    } else {
        (Verdict::Hybrid, 0.0)
    };

    let risks = rules
        .risks
        .iter()
        .filter(|r| verdict == Verdict::Hybrid || Verdict::of(r.model) == verdict)
        .map(|r| RiskItem {
            model: r.model,
            text: r.text.get(lang).to_string(),
            source: r.source.clone(),
        })
        .collect();

    Recommendation {
        verdict,
        confidence: round2(confidence.clamp(0.0, 1.0)),
        scores: Scores {
            bpo: round2(scores.bpo),
            kpo: round2(scores.kpo),
        },
        reasons,
        risks,
    }
}

/// A rule's weight within what `check` accepts. Rules from rules.toml are
/// already within it; rules built in code are not checked, and one infinite
/// weight would turn every score and confidence into inf or NaN (null in JSON).
fn bounded(weight: f32) -> f32 {
    if weight > 0.0 {
        weight.min(MAX_WEIGHT as f32)
    } else {
        0.0
    }
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

impl Recommendation {
    /// The verdict in words of `lang` ("KPO", "hybrid (combine BPO and KPO)").
    pub fn verdict_text(&self, lang: Lang) -> String {
        match self.verdict {
            Verdict::Hybrid => i18n::text(lang, Msg::Hybrid).to_string(),
            v => v.to_string(),
        }
    }

    /// How a reason stands to the verdict, as every front end marks it: `+`
    /// for it, `-` against it, `·` when the verdict is hybrid.
    pub fn sign_of(&self, reason: &Reason) -> char {
        match self.verdict {
            Verdict::Hybrid => '·',
            v if v == Verdict::of(reason.favors) => '+',
            _ => '-',
        }
    }
}

/// A recommendation as readable text in `lang`.
pub fn render(rec: &Recommendation, lang: Lang) -> String {
    let t = |msg| i18n::text(lang, msg);
    let verdict = rec.verdict_text(lang);
    let mut out = format!(
        "{}: {verdict}  ({} {:.2})\n{}: BPO {:.1} · KPO {:.1}\n",
        t(Msg::Recommendation),
        t(Msg::Confidence),
        rec.confidence,
        t(Msg::Scores),
        rec.scores.bpo,
        rec.scores.kpo,
    );
    if rec.reasons.is_empty() {
        out.push_str(t(Msg::NoRuleApplies));
        out.push('\n');
    } else {
        out.push_str(&format!("\n{}:\n", t(Msg::Reasons)));
        for r in &rec.reasons {
            out.push_str(&format!(
                "  {} {} {:.1}: {} [{}]\n",
                rec.sign_of(r),
                r.favors,
                r.weight,
                r.text,
                r.source
            ));
        }
    }
    if !rec.risks.is_empty() {
        out.push_str(&format!("\n{}:\n", t(Msg::Risks)));
        for r in &rec.risks {
            out.push_str(&format!("  ! {}: {} [{}]\n", r.model, r.text, r.source));
        }
    }
    out
}
