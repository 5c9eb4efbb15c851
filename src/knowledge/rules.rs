//! `rules.toml`: the `/recommend` questionnaire, its rules and the risks of
//! each model, validated against the passages they cite.
//!
//! Parsing turns the file into built objects once (keys and values checked,
//! texts in both languages, sources resolved), so the engine never meets a
//! rule it cannot apply.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::problem::{toml_problem, LineIndex, Problem};
use crate::lang::Lang;

/// The two outsourcing models a rule can favor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    Bpo,
    Kpo,
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Model::Bpo => "BPO",
            Model::Kpo => "KPO",
        })
    }
}

/// A text in every language the bot speaks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    pub es: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Es => &self.es,
            Lang::En => &self.en,
        }
    }
}

/// The largest weight a rule may have. Scores are sums of weights, so with
/// this bound (and the bound on the file's size) every score, and every
/// confidence made of them, is a finite number.
pub const MAX_WEIGHT: f64 = 1000.0;
/// The largest verdict margin: a lead no questionnaire could reach is a typo.
pub const MAX_MARGIN: f64 = 1_000_000.0;

/// Discord's limits on a slash command: `/recommend` has one option per
/// question and one choice per value, and Discord refuses the whole
/// registration when one of them is broken.
pub const MAX_QUESTIONS: usize = 25;
pub const MAX_VALUES: usize = 25;
pub const MAX_NAME_CHARS: usize = 32;
/// Discord counts every name, description and value of a command (the
/// longest localization of each) and refuses more than 4000 characters.
/// /recommend's own name and description take at most 32 + 100 of them.
pub const MAX_QUESTIONNAIRE_CHARS: usize = 4000 - 32 - 100;
/// Descriptions and choice labels longer than this are cut when registered.
pub const MAX_LABEL_CHARS: usize = 100;

/// Discord's pattern for option names, without the apostrophe it also
/// allows: keys and value ids are typed as `key=value` on command lines,
/// where a quote only gets in the way.
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]+$").expect("a valid pattern")
});

/// Why `name` cannot be a question key or value id, if it cannot: it must
/// be a valid Discord option name (1 to 32 letters, digits, '-' or '_', in
/// lowercase).
pub fn name_problem(name: &str) -> Option<String> {
    let chars = name.chars().count();
    if chars == 0 {
        return Some("is empty".to_string());
    }
    if chars > MAX_NAME_CHARS {
        return Some(format!(
            "has {chars} characters; Discord allows at most {MAX_NAME_CHARS}"
        ));
    }
    if !NAME.is_match(name) {
        let bad = name
            .chars()
            .find(|c| !NAME.is_match(c.encode_utf8(&mut [0; 4])))
            .unwrap_or(' ');
        return Some(format!(
            "contains {bad:?}: use only letters, digits, '-' and '_' (Discord's rule for option names)"
        ));
    }
    // Discord wants the lowercase form of every letter that has one.
    if name
        .chars()
        .any(|c| !c.to_lowercase().eq(std::iter::once(c)))
    {
        return Some(format!(
            "must be lowercase ({}): Discord refuses capitals in option names",
            name.to_lowercase()
        ));
    }
    None
}

/// A name that breaks the rules as a message can show it: control
/// characters escaped, and cut short (a 100 KB key is not echoed whole).
fn shown(name: &str) -> String {
    const SHOWN_CHARS: usize = 40;
    let escaped: String = name.escape_debug().collect();
    if escaped.chars().count() > SHOWN_CHARS {
        let cut: String = escaped.chars().take(SHOWN_CHARS).collect();
        format!("{cut}…")
    } else {
        escaped
    }
}

/// A number as written in TOML: `1e308` stays short instead of 309 digits.
fn number(x: f64) -> String {
    if x.is_finite() && x.abs() >= 1e15 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub margin: f32,
    pub questions: Vec<QuestionDef>,
    pub rules: Vec<Rule>,
    pub risks: Vec<Risk>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuestionDef {
    pub key: String,
    pub label: Text,
    pub description: Text,
    pub values: Vec<ValueDef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValueDef {
    pub id: String,
    pub label: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    /// Every `(key, values)` must hold: the answer to `key` is one of `values`.
    pub when: Vec<(String, Vec<String>)>,
    pub favors: Model,
    pub weight: f32,
    pub reason: Text,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    pub model: Model,
    pub text: Text,
    pub source: String,
}

impl Rules {
    pub fn question(&self, key: &str) -> Option<&QuestionDef> {
        self.questions.iter().find(|q| q.key == key)
    }

    pub fn keys(&self) -> Vec<&str> {
        self.questions.iter().map(|q| q.key.as_str()).collect()
    }
}

impl QuestionDef {
    /// What this question adds to /recommend's size as Discord counts it.
    pub fn registered_chars(&self) -> usize {
        let longest = |t: &Text| {
            [&t.es, &t.en]
                .map(|s| s.chars().count().min(MAX_LABEL_CHARS))
                .into_iter()
                .max()
                .unwrap_or(0)
        };
        self.key.chars().count()
            + longest(&self.description)
            + self
                .values
                .iter()
                .map(|v| v.id.chars().count() + longest(&v.label))
                .sum::<usize>()
    }

    pub fn value(&self, id: &str) -> Option<&ValueDef> {
        self.values.iter().find(|v| v.id == id)
    }

    pub fn value_ids(&self) -> Vec<&str> {
        self.values.iter().map(|v| v.id.as_str()).collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    verdict: RawVerdict,
    #[serde(default)]
    question: Vec<RawQuestion>,
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    risk: Vec<RawRisk>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVerdict {
    margin: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    es: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    key: Spanned<String>,
    label: Spanned<RawText>,
    description: Spanned<RawText>,
    values: Vec<Spanned<RawValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    id: String,
    es: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    when: Spanned<std::collections::BTreeMap<String, Vec<String>>>,
    favors: Model,
    weight: Spanned<f64>,
    reason: Spanned<RawText>,
    source: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRisk {
    model: Spanned<Model>,
    text: Spanned<RawText>,
    source: Spanned<String>,
}

struct Checker<'a> {
    file: &'a Path,
    lines: LineIndex,
    problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    fn line<T>(&self, spanned: &Spanned<T>) -> usize {
        self.lines.line(spanned.span().start)
    }

    fn report(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(Problem::new(self.file, line, message));
    }

    /// Both translations, or a problem naming the one missing.
    fn text(&mut self, raw: Spanned<RawText>, what: &str) -> Text {
        let line = self.line(&raw);
        self.text_at(line, raw.into_inner(), what)
    }

    fn text_at(&mut self, line: usize, raw: RawText, what: &str) -> Text {
        let mut get = |value: Option<String>, lang: &str| match value {
            Some(v) if !v.trim().is_empty() => v.trim().to_string(),
            _ => {
                self.report(line, format!("{what} has no '{lang}' translation"));
                String::new()
            }
        };
        Text {
            es: get(raw.es, "es"),
            en: get(raw.en, "en"),
        }
    }

    fn source(&mut self, source: &Spanned<String>, passages: &HashSet<&str>, what: &str) {
        if !passages.contains(source.get_ref().as_str()) {
            let line = self.line(source);
            self.report(
                line,
                format!(
                    "{what} cites '{}', which is not a passage id (ids look like bpo-kpo/que-es-un-kpo/1)",
                    source.get_ref()
                ),
            );
        }
    }
}

/// Parses `text`, the content of `file`, checking every `source` against `passages`.
pub fn parse(
    file: &Path,
    text: &str,
    passages: &HashSet<&str>,
    problems: &mut Vec<Problem>,
) -> Option<Rules> {
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            problems.push(toml_problem(file, text, &err));
            return None;
        }
    };
    let before = problems.len();
    let mut c = Checker {
        file,
        lines: LineIndex::new(text),
        problems,
    };

    let margin = *raw.verdict.margin.get_ref();
    if !(0.0..=MAX_MARGIN).contains(&margin) {
        let line = c.line(&raw.verdict.margin);
        c.report(
            line,
            format!(
                "verdict.margin must be a number from 0 to {MAX_MARGIN}, not {}",
                number(margin)
            ),
        );
    }

    let mut questions: Vec<QuestionDef> = Vec::new();
    let question_count = raw.question.len();
    let mut registered_chars = 0;
    let mut over_budget = None;
    for q in raw.question {
        let line = c.line(&q.key);
        let key = q.key.into_inner();
        if questions.iter().any(|other| other.key == key) {
            c.report(line, format!("question '{key}' is defined twice"));
        }
        if let Some(why) = name_problem(&key) {
            c.report(line, format!("question key '{}' {why}", shown(&key)));
        }
        if questions.len() == MAX_QUESTIONS {
            c.report(
                line,
                format!(
                    "question '{key}' is number {} of {question_count}: /recommend can have at most {MAX_QUESTIONS} (Discord's limit on a command's options)",
                    MAX_QUESTIONS + 1
                ),
            );
        }
        let label = c.text(q.label, &format!("question '{key}' label"));
        let description = c.text(q.description, &format!("question '{key}' description"));
        let mut values: Vec<ValueDef> = Vec::new();
        let value_count = q.values.len();
        for v in q.values {
            let vline = c.line(&v);
            let v = v.into_inner();
            if values.iter().any(|other| other.id == v.id) {
                c.report(
                    vline,
                    format!("value '{}' of '{key}' is defined twice", v.id),
                );
            }
            if let Some(why) = name_problem(&v.id) {
                c.report(
                    vline,
                    format!("value id '{}' of '{}' {why}", shown(&v.id), shown(&key)),
                );
            }
            if values.len() == MAX_VALUES {
                c.report(
                    vline,
                    format!(
                        "value '{}' is number {} of the {value_count} of '{key}': a question can have at most {MAX_VALUES} (Discord's limit on an option's choices)",
                        v.id,
                        MAX_VALUES + 1
                    ),
                );
            }
            let label = c.text_at(
                vline,
                RawText { es: v.es, en: v.en },
                &format!("value '{}' of '{key}'", v.id),
            );
            values.push(ValueDef { id: v.id, label });
        }
        if values.is_empty() {
            c.report(line, format!("question '{key}' has no values"));
        }
        let question = QuestionDef {
            key,
            label,
            description,
            values,
        };
        let before = registered_chars;
        registered_chars += question.registered_chars();
        if before <= MAX_QUESTIONNAIRE_CHARS && registered_chars > MAX_QUESTIONNAIRE_CHARS {
            over_budget = Some((line, question.key.clone()));
        }
        questions.push(question);
    }
    if let Some((line, key)) = over_budget {
        c.report(
            line,
            format!(
                "with question '{key}' the questionnaire passes {MAX_QUESTIONNAIRE_CHARS} characters ({registered_chars} in all): Discord refuses a command of more than 4000 counting keys, descriptions, value ids and labels (the longer language of each, up to 100), so shorten them"
            ),
        );
    }

    let mut rules: Vec<Rule> = Vec::new();
    // A set, not a scan of the rules so far: thousands of rules load in linear time.
    let mut rule_ids: HashSet<String> = HashSet::new();
    for r in raw.rule {
        let line = c.line(&r.id);
        let id = r.id.into_inner();
        if !rule_ids.insert(id.clone()) {
            c.report(line, format!("rule id '{id}' is used twice"));
        }
        let when_line = c.line(&r.when);
        let when: Vec<(String, Vec<String>)> = r.when.into_inner().into_iter().collect();
        if when.is_empty() || when.iter().any(|(_, values)| values.is_empty()) {
            c.report(
                when_line,
                format!("rule '{id}': 'when' needs at least one key with at least one value"),
            );
        }
        for (key, values) in &when {
            match questions.iter().find(|q| &q.key == key) {
                None => {
                    let keys: Vec<String> = questions.iter().map(|q| shown(&q.key)).collect();
                    c.report(
                        when_line,
                        format!(
                            "rule '{id}': unknown key '{}' (keys: {})",
                            shown(key),
                            keys.join(", ")
                        ),
                    );
                }
                Some(q) => {
                    for v in values.iter().filter(|v| q.value(v).is_none()) {
                        c.report(
                            when_line,
                            format!(
                                "rule '{id}': unknown value '{}' for '{key}' (values: {})",
                                shown(v),
                                q.values
                                    .iter()
                                    .map(|v| shown(&v.id))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                    }
                }
            }
        }
        let weight = *r.weight.get_ref();
        if !(weight > 0.0 && weight <= MAX_WEIGHT) {
            let wline = c.line(&r.weight);
            c.report(
                wline,
                format!(
                    "rule '{id}': weight must be a number above 0 and at most {MAX_WEIGHT}, not {}",
                    number(weight)
                ),
            );
        }
        let reason = c.text(r.reason, &format!("rule '{id}' reason"));
        c.source(&r.source, passages, &format!("rule '{id}'"));
        rules.push(Rule {
            id,
            when,
            favors: r.favors,
            weight: weight as f32,
            reason,
            source: r.source.into_inner(),
        });
    }

    let mut risks = Vec::new();
    for r in raw.risk {
        let text = c.text(r.text, "a risk's text");
        c.source(&r.source, passages, "a risk");
        risks.push(Risk {
            model: r.model.into_inner(),
            text,
            source: r.source.into_inner(),
        });
    }

    (problems.len() == before).then_some(Rules {
        margin: margin as f32,
        questions,
        rules,
        risks,
    })
}
