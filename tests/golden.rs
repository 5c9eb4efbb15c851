//! The golden sets: real-looking questions with the passage that must answer
//! them, and off-topic questions that must not be answered. Prints hit@1,
//! hit@3 and MRR (run with `--nocapture` to see them) and holds the bar.
//!
//! The users' sets (`users.es.toml`, `users.en.toml`) are written in people's
//! own words, blind from the article, and split once: `dev` is tuned on (its
//! misses are printed), `test` is only measured (its misses never are) and
//! holds the targets.

use std::path::{Path, PathBuf};

use outsourcing_bot::answer::{answer, AnswerOptions, Question};
use outsourcing_bot::brain::Brain;
use outsourcing_bot::eval::{self, Item, Kind, Metrics, Split};
use outsourcing_bot::index::AnalyzerOrder;
use outsourcing_bot::knowledge;
use outsourcing_bot::lang::Lang;

fn golden(lang: &str) -> Vec<Item> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{lang}.toml"));
    eval::load(&path).unwrap()
}

/// hit@1 is answered right first; hit@3 and MRR measure the ranking,
/// answered or not (a refused right passage still leads the topics).
fn line(name: &str, m: &Metrics) -> String {
    format!(
        "{name}: hit@1 {}/{} ({:.1}%), hit@3 {}/{} ({:.1}%), MRR {:.3}, off-topic rejected {}/{}",
        m.answered_right,
        m.answerable,
        100.0 * m.answered_right_rate(),
        m.hit3,
        m.answerable,
        100.0 * m.hit3_rate(),
        m.mrr(),
        m.offtopic_refused,
        m.offtopic
    )
}

fn knowledge_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

/// Runs the `file` golden set and holds it to the bar.
fn hold_the_bar(file: &str, min_questions: usize, min_hit1: f64) {
    let items = golden(file);
    let brain = Brain::load(&knowledge_dir()).unwrap();
    let outcomes = eval::run(&brain, &items, &AnswerOptions::default());
    let m = Metrics::of(&outcomes);
    assert!(m.answerable >= min_questions && m.offtopic >= 10);
    let line = line(&format!("{file} golden"), &m);
    println!("{line}");
    for miss in eval::misses(&outcomes) {
        println!("{miss}");
    }
    assert!(m.answered_right_rate() >= min_hit1, "{line}");
    assert_eq!(m.hit3, m.answerable, "{line}");
    assert_eq!(m.offtopic_refused, m.offtopic, "{line}");
}

#[test]
fn spanish_golden_set_meets_the_bar() {
    hold_the_bar("es", 50, 0.95);
}

#[test]
fn english_golden_set_meets_the_bar() {
    hold_the_bar("en", 40, 0.90);
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
        for item in golden(file) {
            if let Kind::Answerable(_) = item.kind {
                assert_eq!(ids(&item.q, own), ids(&item.q, other), "{:?}", item.q);
                checked += 1;
            }
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
    let measure =
        |brain: &Brain| Metrics::of(&eval::run(brain, &golden, &AnswerOptions::default()));
    let (a, b) = (measure(&fold_first), measure(&stem_first));
    println!("{}", line("fold → stem", &a));
    println!("{}", line("stem → fold", &b));
    assert_eq!(AnalyzerOrder::default(), AnalyzerOrder::FoldThenStem);
    assert!(
        (a.answered_right, a.reciprocal_ranks) >= (b.answered_right, b.reciprocal_ranks),
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

/// The bar of the test split: the targets. Answered right first
/// (90% es, 85% en), hit@3 (95%), every off-topic question refused and at
/// least 75% of unanswerable ones. Reached in the tenth round (README,
/// Quality), with English at its floor: a change that loses one English
/// test question fails here.
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
    assert!(test.hit3_rate() >= 0.95, "test split: {test}");
    assert_eq!(test.offtopic_refused, test.offtopic, "test split: {test}");
    assert!(
        test.unanswerable_refused_rate() >= 0.75,
        "test split: {test}"
    );
}

#[test]
fn spanish_users_questions_meet_the_targets() {
    hold_the_targets("es", 0.90, 120);
}

#[test]
fn english_users_questions_meet_the_targets() {
    hold_the_targets("en", 0.85, 100);
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
