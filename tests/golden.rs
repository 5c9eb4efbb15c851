//! The golden sets: real-looking questions with the passage that must answer
//! them, and off-topic questions that must not be answered. Prints hit@1,
//! hit@3 and MRR (run with `--nocapture` to see them) and holds the bar.
//!
//! The users' sets (`users.es.toml`, `users.en.toml`) are written in people's
//! own words, blind from the article, and split once: `dev` is tuned on (its
//! misses are printed), `test` is only measured (its misses never are) and
//! holds the targets.

use std::path::Path;

use outsourcing_bot::answer::{answer, AnswerOptions, Question};
use outsourcing_bot::brain::Brain;
use outsourcing_bot::eval::{self, Metrics, Split};
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
        // hit@1 is answered right first; hit@3 and MRR measure the ranking,
        // answered or not (a refused right passage still leads the topics).
        if let Some(k) = rank.filter(|&k| k < 3) {
            r.hit3 += 1;
            r.rr += 1.0 / (k as f64 + 1.0);
        }
        match rank {
            Some(0) if a.answered => r.hit1 += 1,
            Some(k) if a.answered => r.misses.push(format!(
                "  rank {} {:?} (top: {})",
                k + 1,
                case.q,
                a.passages[0].id
            )),
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

/// Asks a users' set; returns the dev and test metrics, printing both and
/// the dev misses.
fn users(lang: &str) -> (Metrics, Metrics) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/users.{lang}.toml"));
    let items = eval::load(&path).unwrap();
    let brain = Brain::load(&knowledge_dir()).unwrap();
    let outcomes = eval::run(&brain, &items, &AnswerOptions::default());
    let (dev, test): (Vec<_>, Vec<_>) = outcomes
        .into_iter()
        .partition(|o| o.item.split == Some(Split::Dev));
    assert!(test.iter().all(|o| o.item.split == Some(Split::Test)));
    let (d, t) = (Metrics::of(&dev), Metrics::of(&test));
    println!("users {lang} dev:  {d}");
    println!("users {lang} test: {t}");
    for m in eval::misses(&dev) {
        println!("{m}");
    }
    (d, t)
}

/// The bar of the test split: answered right first, hit@3, every off-topic
/// question refused and most unanswerable ones. The targets (90% es,
/// 85% en answered right, 95% hit@3) are not reached yet: the bar is where
/// the answer path stands, so that it can only move up.
fn hold_the_targets(lang: &str, min_answered_right: f64, min_questions: usize) {
    let (dev, test) = users(lang);
    for m in [&dev, &test] {
        assert!(m.answerable >= min_questions / 2 && m.unanswerable >= 15 && m.offtopic >= 10);
    }
    assert!(dev.answerable + test.answerable >= min_questions);
    assert!(
        test.answered_right_rate() >= min_answered_right,
        "test split: {test}"
    );
    assert!(test.hit3_rate() >= 0.94, "test split: {test}");
    assert_eq!(test.offtopic_refused, test.offtopic, "test split: {test}");
    assert!(
        test.unanswerable_refused_rate() >= 0.75,
        "test split: {test}"
    );
}

#[test]
fn spanish_users_questions_meet_the_targets() {
    hold_the_targets("es", 0.66, 120);
}

#[test]
fn english_users_questions_meet_the_targets() {
    hold_the_targets("en", 0.72, 100);
}

/// The default threshold was chosen so that answered development questions
/// (the users' dev split and the golden sets) are at least 95% right; it must
/// still be true of the knowledge as it is.
#[test]
fn answered_development_questions_are_right_at_the_default_threshold() {
    let brain = Brain::load(&knowledge_dir()).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let items: Vec<_> = ["users.es.toml", "users.en.toml", "es.toml", "en.toml"]
        .iter()
        .flat_map(|f| eval::load(&dir.join(f)).unwrap())
        .filter(|i| i.split != Some(Split::Test))
        .collect();
    let m = Metrics::of(&eval::run(&brain, &items, &AnswerOptions::default()));
    println!("development questions: {m}");
    assert!(items.len() >= 400);
    assert!(m.precision() >= 0.95, "{m}");
}
