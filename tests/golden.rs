//! The golden set: real-looking questions with the passage that must answer
//! them, and off-topic questions that must not be answered. Prints hit@1,
//! hit@3 and MRR (run with `--nocapture` to see them) and holds the bar.

use std::path::Path;

use outsourcing_bot::answer::{answer, AnswerOptions, Question};
use outsourcing_bot::brain::Brain;
use outsourcing_bot::index::AnalyzerOrder;
use outsourcing_bot::knowledge;
use outsourcing_bot::lang::Lang;
use serde::Deserialize;

#[derive(Deserialize)]
struct Golden {
    question: Vec<Case>,
    offtopic: Vec<OffTopic>,
}

#[derive(Deserialize)]
struct Case {
    q: String,
    expect: Vec<String>,
}

#[derive(Deserialize)]
struct OffTopic {
    q: String,
}

struct Report {
    hit1: usize,
    hit3: usize,
    rr: f64,
    total: usize,
    rejected: usize,
    offtopic: usize,
    misses: Vec<String>,
}

impl Report {
    fn hit1(&self) -> f64 {
        self.hit1 as f64 / self.total as f64
    }
    fn line(&self, name: &str) -> String {
        format!(
            "{name}: hit@1 {}/{} ({:.1}%), hit@3 {}/{} ({:.1}%), MRR {:.3}, off-topic rejected {}/{}",
            self.hit1,
            self.total,
            100.0 * self.hit1(),
            self.hit3,
            self.total,
            100.0 * self.hit3 as f64 / self.total as f64,
            self.rr / self.total as f64,
            self.rejected,
            self.offtopic
        )
    }
}

fn golden(lang: &str) -> Golden {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{lang}.toml"));
    toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn evaluate(brain: &Brain, golden: &Golden, lang: Lang) -> Report {
    let opts = AnswerOptions {
        lang: Some(lang),
        top: 3,
        ..AnswerOptions::default()
    };
    let mut r = Report {
        hit1: 0,
        hit3: 0,
        rr: 0.0,
        total: golden.question.len(),
        rejected: 0,
        offtopic: golden.offtopic.len(),
        misses: Vec::new(),
    };
    for case in &golden.question {
        let a = answer(brain, &Question::new(&case.q, 500).unwrap(), &opts);
        let rank = a.passages.iter().position(|p| case.expect.contains(&p.id));
        match rank {
            Some(0) if a.answered => {
                r.hit1 += 1;
                r.hit3 += 1;
                r.rr += 1.0;
            }
            Some(k) if a.answered => {
                r.hit3 += 1;
                r.rr += 1.0 / (k as f64 + 1.0);
                r.misses.push(format!(
                    "  rank {} {:?} (top: {})",
                    k + 1,
                    case.q,
                    a.passages[0].id
                ));
            }
            _ => r.misses.push(format!(
                "  MISS {:?} answered={} conf={} got {:?}",
                case.q,
                a.answered,
                a.confidence,
                a.passages.iter().map(|p| p.id.as_str()).collect::<Vec<_>>()
            )),
        }
    }
    for case in &golden.offtopic {
        let a = answer(brain, &Question::new(&case.q, 500).unwrap(), &opts);
        if a.answered {
            r.misses.push(format!(
                "  OFF-TOPIC ANSWERED {:?} conf={} with {}",
                case.q, a.confidence, a.passages[0].id
            ));
        } else {
            r.rejected += 1;
        }
    }
    r
}

fn knowledge_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

/// Runs the `file` golden set in `lang` and holds it to the bar.
fn hold_the_bar(file: &str, lang: Lang, min_questions: usize, min_hit1: f64) {
    let golden = golden(file);
    assert!(golden.question.len() >= min_questions && golden.offtopic.len() >= 10);
    let brain = Brain::load(&knowledge_dir()).unwrap();
    let r = evaluate(&brain, &golden, lang);
    let name = format!("{file} golden");
    println!("{}", r.line(&name));
    for m in &r.misses {
        println!("{m}");
    }
    assert!(r.hit1() >= min_hit1, "{}", r.line(&name));
    assert_eq!(r.hit3, r.total, "{}", r.line(&name));
    assert_eq!(r.rejected, r.offtopic, "{}", r.line(&name));
}

#[test]
fn spanish_golden_set_meets_the_bar() {
    hold_the_bar("es", Lang::Es, 50, 0.95);
}

#[test]
fn english_golden_set_meets_the_bar() {
    hold_the_bar("en", Lang::En, 40, 0.90);
}

/// A question finds the same passages whatever language the answer is in:
/// English questions answered in Spanish, Spanish ones in English.
#[test]
fn answers_in_the_other_language_cite_the_same_passages() {
    let brain = Brain::load(&knowledge_dir()).unwrap();
    let ids = |q: &str, lang: Lang| {
        let opts = AnswerOptions {
            lang: Some(lang),
            ..AnswerOptions::default()
        };
        let a = answer(&brain, &Question::new(q, 500).unwrap(), &opts);
        assert_eq!(a.lang, lang);
        assert!(a.passages.iter().all(|p| p.lang == lang), "{a:?}");
        (
            a.answered,
            a.passages.into_iter().map(|p| p.id).collect::<Vec<_>>(),
        )
    };
    let mut checked = 0;
    for (file, own, other) in [("en", Lang::En, Lang::Es), ("es", Lang::Es, Lang::En)] {
        for case in golden(file).question {
            assert_eq!(ids(&case.q, own), ids(&case.q, other), "{:?}", case.q);
            checked += 1;
        }
    }
    assert!(checked >= 90);
}

/// Accent folding before the stemmer, or after? The numbers decide; the
/// default must be the better one.
#[test]
fn folding_before_stemming_is_the_better_order() {
    let golden = golden("es");
    let knowledge = knowledge::load(&knowledge_dir()).unwrap();
    let fold_first = Brain::build(knowledge.clone(), AnalyzerOrder::FoldThenStem).unwrap();
    let stem_first = Brain::build(knowledge, AnalyzerOrder::StemThenFold).unwrap();
    let a = evaluate(&fold_first, &golden, Lang::Es);
    let b = evaluate(&stem_first, &golden, Lang::Es);
    println!("{}", a.line("fold → stem"));
    println!("{}", b.line("stem → fold"));
    assert_eq!(AnalyzerOrder::default(), AnalyzerOrder::FoldThenStem);
    assert!(
        (a.hit1, a.rr) >= (b.hit1, b.rr),
        "stemming first scores better: switch the default"
    );
}
