//! `rules.toml`: the `/recommend` questionnaire, its rules and the risks of
//! each model, validated against the passages they cite.
//!
//! Parsing turns the file into built objects once (keys and values checked,
//! texts in both languages, sources resolved), so the engine never meets a
//! rule it cannot apply.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::problem::{line_of, Problem};
use crate::lang::Lang;

/// The two outsourcing models a rule can favor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    Bpo,
    Kpo,
}

impl Model {
    pub fn other(self) -> Model {
        match self {
            Model::Bpo => Model::Kpo,
            Model::Kpo => Model::Bpo,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Model::Bpo => "bpo",
            Model::Kpo => "kpo",
        }
    }
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
    text: &'a str,
    problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    fn line<T>(&self, spanned: &Spanned<T>) -> usize {
        line_of(self.text, spanned.span().start)
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
            let line = err.span().map_or(0, |s| line_of(text, s.start));
            problems.push(Problem::new(file, line, err.message().trim().to_string()));
            return None;
        }
    };
    let before = problems.len();
    let mut c = Checker {
        file,
        text,
        problems,
    };

    let margin = *raw.verdict.margin.get_ref();
    if !(margin.is_finite() && margin >= 0.0) {
        let line = c.line(&raw.verdict.margin);
        c.report(line, "verdict.margin must be a number of 0 or more");
    }

    let mut questions: Vec<QuestionDef> = Vec::new();
    for q in raw.question {
        let line = c.line(&q.key);
        let key = q.key.into_inner();
        if questions.iter().any(|other| other.key == key) {
            c.report(line, format!("question '{key}' is defined twice"));
        }
        let label = c.text(q.label, &format!("question '{key}' label"));
        let description = c.text(q.description, &format!("question '{key}' description"));
        let mut values: Vec<ValueDef> = Vec::new();
        for v in q.values {
            let vline = c.line(&v);
            let v = v.into_inner();
            if values.iter().any(|other| other.id == v.id) {
                c.report(
                    vline,
                    format!("value '{}' of '{key}' is defined twice", v.id),
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
        questions.push(QuestionDef {
            key,
            label,
            description,
            values,
        });
    }

    let mut rules: Vec<Rule> = Vec::new();
    for r in raw.rule {
        let line = c.line(&r.id);
        let id = r.id.into_inner();
        if rules.iter().any(|other| other.id == id) {
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
                    let keys: Vec<&str> = questions.iter().map(|q| q.key.as_str()).collect();
                    c.report(
                        when_line,
                        format!(
                            "rule '{id}': unknown key '{key}' (keys: {})",
                            keys.join(", ")
                        ),
                    );
                }
                Some(q) => {
                    for v in values.iter().filter(|v| q.value(v).is_none()) {
                        c.report(
                            when_line,
                            format!(
                                "rule '{id}': unknown value '{v}' for '{key}' (values: {})",
                                q.value_ids().join(", ")
                            ),
                        );
                    }
                }
            }
        }
        let weight = *r.weight.get_ref();
        if !(weight.is_finite() && weight > 0.0) {
            let wline = c.line(&r.weight);
            c.report(
                wline,
                format!("rule '{id}': weight must be a positive number, not {weight}"),
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
