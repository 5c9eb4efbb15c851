//! Answer latency and index build time, on the bundled knowledge and on a
//! synthetic base of 100,000 passages.
//!
//! `*/answer` runs our whole answer path (question analysis, synonyms, typo
//! correction, a weighted tantivy query over 20 candidates, re-ranking and
//! highlights). `*/bare_tantivy_query` runs the same questions as a bare
//! tantivy `QueryParser` query with top 5 and a snippet, on the very same
//! index: the floor, so the gap between the two is what our logic costs.
//! `bundled/reads_like` is one confidence feature alone (character trigrams).
//! `*/build_index` indexes already parsed knowledge; `bundled/load_and_build`
//! also reads and parses the folder, as a reload does.

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use outsourcing_bot::answer::{answer, AnswerOptions, Question};
use outsourcing_bot::brain::Brain;
use outsourcing_bot::config::LimitsConfig;
use outsourcing_bot::conversation::{follow_ups as next_questions, understand, Subject, Turn};
use outsourcing_bot::index::AnalyzerOrder;
use outsourcing_bot::knowledge::{self, Document, Edition, Knowledge, Limits, Passage, Section};
use outsourcing_bot::lang::Lang;
use outsourcing_bot::live::Live;
use outsourcing_bot::recommend::{recommend as run_recommend, Answers};

const KNOWLEDGE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge");
const ARTICLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge/es/bpo-kpo.md");

#[path = "support/questions.rs"]
mod questions;
use questions::QUESTIONS;

const SECTIONS: usize = 1_000;
const PASSAGES_PER_SECTION: usize = 100;
const SYNTHETIC_WORDS: usize = 5_000;

fn questions() -> Vec<Question> {
    QUESTIONS
        .iter()
        .map(|q| Question::new(q, 500).expect("a valid question"))
        .collect()
}

/// Our answer path, each iteration asking the next question.
fn bench_answer(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    brain: &Brain,
) {
    let questions = questions();
    // As the console and Discord ask (best passage highlighted), and as
    // `ask --json` does (no highlighting).
    for (name, highlight) in [("answer", true), ("answer_json", false)] {
        let opts = AnswerOptions {
            highlight,
            ..AnswerOptions::default()
        };
        let mut i = 0;
        c.bench_function(name, |b| {
            b.iter(|| {
                let q = &questions[i % questions.len()];
                i += 1;
                black_box(answer(brain, black_box(q), &opts))
            })
        });
    }
}

/// The bare tantivy baseline on the same index, same questions.
fn bench_bare(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    brain: &Brain,
) {
    let index = &brain.edition(Lang::Es).index;
    let mut i = 0;
    c.bench_function("bare_tantivy_query", |b| {
        b.iter(|| {
            let q = QUESTIONS[i % QUESTIONS.len()];
            i += 1;
            black_box(index.bare_query(black_box(q), |ord| brain.search_text(Lang::Es, ord)))
        })
    });
}

/// The confidence's `reads_like` alone: the question's trigram profile and
/// its cosine with the passage it is answered with.
fn bench_reads_like(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    brain: &Brain,
) {
    let edition = brain.edition(Lang::Es);
    let ords = edition.passage_section.len();
    let pairs: Vec<(Question, usize)> = questions()
        .into_iter()
        .filter_map(|q| {
            let a = answer(brain, &q, &AnswerOptions::default());
            let id = &a.passages.first()?.id;
            let ord = (0..ords).find(|&o| brain.passage(Lang::Es, o).passage.id == *id)?;
            Some((q, ord))
        })
        .collect();
    let mut i = 0;
    c.bench_function("reads_like", |b| {
        b.iter(|| {
            let (q, ord) = &pairs[i % pairs.len()];
            i += 1;
            let profile = edition.trigrams.profile(black_box(q.as_str()));
            black_box(edition.trigrams.similarity(&profile, *ord))
        })
    });
}

/// Words of 5–9 random letters that no passage uses, all beginning with the
/// initial most of the synthetic vocabulary shares ("palabraN"): each one
/// is looked up for a typo correction among the most candidates there are.
fn nonsense_words(rng: &mut Rng, count: usize) -> Vec<String> {
    (0..count)
        .map(|_| {
            let len = rng.between(5, 9);
            let mut word = String::from("p");
            while word.len() < len {
                word.push(char::from(b'a' + rng.between(0, 25) as u8));
            }
            word
        })
        .collect()
}

/// The heaviest questions one message may ask: 55 unknown words (the issue's
/// case), and a question of the largest allowed length made of unknown
/// words, and one made of distinct known words (one concept each).
fn bench_worst(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    brain: &Brain,
) {
    let max_chars = LimitsConfig::default().question_max_chars;
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let fill = |words: &mut dyn Iterator<Item = String>| {
        let mut text = String::new();
        for w in words {
            if text.chars().count() + 1 + w.chars().count() > max_chars {
                break;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&w);
        }
        text
    };
    let unknown_55 = nonsense_words(&mut rng, 55).join(" ");
    let unknown_max = fill(&mut nonsense_words(&mut rng, max_chars).into_iter());
    let known_max = fill(&mut vocabulary().into_iter().filter(|w| w.chars().count() >= 5));
    let opts = AnswerOptions::default();
    for (name, text) in [
        ("worst_55_unknown_words", unknown_55),
        ("worst_max_length_unknown", unknown_max),
        ("worst_max_length_known", known_max),
    ] {
        let question = Question::new(&text, max_chars).expect("a valid question");
        c.bench_function(name, |b| {
            b.iter(|| black_box(answer(brain, black_box(&question), &opts)))
        });
    }
}

/// `Brain::build` from a fresh copy of `knowledge`; the copy is made outside the timing.
fn bench_build(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    knowledge: &Knowledge,
) {
    c.bench_function("build_index", |b| {
        b.iter_batched(
            || knowledge.clone(),
            |k| Brain::build(k, AnalyzerOrder::default()).expect("the knowledge indexes"),
            BatchSize::PerIteration,
        )
    });
}

fn bundled(c: &mut Criterion) {
    let dir = Path::new(KNOWLEDGE_DIR);
    let knowledge = knowledge::load(dir).expect("the bundled knowledge loads");
    let brain = Brain::build(knowledge.clone(), AnalyzerOrder::default())
        .expect("the bundled knowledge indexes");

    let mut group = c.benchmark_group("bundled");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    bench_answer(&mut group, &brain);
    bench_bare(&mut group, &brain);
    bench_reads_like(&mut group, &brain);
    bench_build(&mut group, &knowledge);
    group.bench_function("load_and_build", |b| {
        b.iter(|| Brain::load(black_box(dir)).expect("the bundled knowledge loads"))
    });
    group.finish();
}

/// xorshift64*: deterministic, no dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    /// A rank in `0..n` with probability roughly ∝ 1/(rank+1) (Zipf, s = 1).
    fn zipf(&mut self, n: usize) -> usize {
        let rank = (n as f64).powf(self.unit()) as usize;
        rank.saturating_sub(1).min(n - 1)
    }
}

/// The bundled article's words, most frequent first, then synthetic ones.
fn vocabulary() -> Vec<String> {
    let text = std::fs::read_to_string(ARTICLE).expect("the bundled article reads");
    let mut counts: Vec<(String, usize)> = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        match counts.iter_mut().find(|(w, _)| *w == word) {
            Some((_, n)) => *n += 1,
            None => counts.push((word, 1)),
        }
    }
    // Stable: ties keep their order of first appearance.
    counts.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    let mut words: Vec<String> = counts.into_iter().map(|(w, _)| w).collect();
    words.extend((0..SYNTHETIC_WORDS).map(|n| format!("palabra{n}")));
    words
}

fn sentence(rng: &mut Rng, words: &[String], lo: usize, hi: usize) -> String {
    let len = rng.between(lo, hi);
    let mut text = String::new();
    for k in 0..len {
        if k > 0 {
            text.push(' ');
        }
        text.push_str(&words[rng.zipf(words.len())]);
    }
    text
}

/// One document of 1,000 sections × 100 passages of 20–60 words (titles of
/// 2–6 words), with the bundled synonyms.
fn synthetic_knowledge(bundled: &Knowledge) -> Knowledge {
    let words = vocabulary();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut line = 1;
    let sections = (0..SECTIONS)
        .map(|n| {
            let slug = format!("s{n}");
            let title = sentence(&mut rng, &words, 2, 6);
            let section_line = line;
            line += 2;
            let passages = (1..=PASSAGES_PER_SECTION)
                .map(|m| {
                    let text = sentence(&mut rng, &words, 20, 60);
                    let passage = Passage {
                        id: format!("synth/{slug}/{m}"),
                        search: text.clone(),
                        text,
                        line,
                        questions: Vec::new(),
                    };
                    line += 2;
                    passage
                })
                .collect();
            Section {
                slug,
                title,
                line: section_line,
                passages,
            }
        })
        .collect();
    let document = Document {
        id: "synth".to_string(),
        file: bundled.dir.join("es").join("synth.md"),
        lang: Lang::Es,
        title: "Synthetic".to_string(),
        sections,
    };
    Knowledge {
        dir: bundled.dir.clone(),
        editions: [(
            Lang::Es,
            Edition {
                documents: vec![document],
            },
        )]
        .into_iter()
        .collect(),
        synonyms: bundled.synonyms.clone(),
        rules: None,
        content_hash: 0,
    }
}

fn synthetic_100k(c: &mut Criterion) {
    let bundled = knowledge::load(Path::new(KNOWLEDGE_DIR)).expect("the bundled knowledge loads");
    let knowledge = synthetic_knowledge(&bundled);
    let brain = Brain::build(knowledge.clone(), AnalyzerOrder::default())
        .expect("the synthetic knowledge indexes");
    assert_eq!(brain.passage_count(), SECTIONS * PASSAGES_PER_SECTION);

    let mut group = c.benchmark_group("synthetic_100k");
    // Queries take about a millisecond here: 50 samples fit in 5 s.
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    bench_answer(&mut group, &brain);
    bench_bare(&mut group, &brain);
    bench_worst(&mut group, &brain);
    drop(brain);

    // Seconds per build: ten single builds, no more.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30));
    bench_build(&mut group, &knowledge);
    group.finish();
}

/// The synthetic knowledge as a knowledge folder on disk, for reloads.
fn write_markdown(knowledge: &Knowledge, dir: &Path) {
    let mut md = String::from("# Synthetic\n\n");
    for doc in &knowledge.editions[&Lang::Es].documents {
        for s in &doc.sections {
            md.push_str(&format!("## {} {{#{}}}\n\n", s.title, s.slug));
            for p in &s.passages {
                md.push_str(&p.text);
                md.push_str("\n\n");
            }
        }
    }
    std::fs::create_dir_all(dir.join("es")).expect("temp dir");
    std::fs::write(dir.join("es/synth.md"), md).expect("write synthetic markdown");
}

/// Reload time, and what a reload loop costs the questions asked meanwhile.
fn reload(c: &mut Criterion) {
    let mut group = c.benchmark_group("reload");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let live = Arc::new(Live::load(Path::new(KNOWLEDGE_DIR)).expect("bundled knowledge loads"));
    group.bench_function("bundled", |b| b.iter(|| live.reload().expect("reloads")));

    let questions = questions();
    let opts = AnswerOptions::default();
    let mut i = 0;
    let mut ask = |b: &mut criterion::Bencher| {
        b.iter(|| {
            i = (i + 1) % questions.len();
            let snapshot = live.snapshot();
            black_box(answer(&snapshot.brain, &questions[i], &opts))
        })
    };
    group.bench_function("answer_idle", &mut ask);
    let stop = Arc::new(AtomicBool::new(false));
    let reloader = {
        let (live, stop) = (live.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                live.reload().expect("reloads");
                n += 1;
            }
            n
        })
    };
    group.bench_function("answer_while_reloading", &mut ask);
    stop.store(true, Ordering::Relaxed);
    let reloads = reloader.join().expect("reloader thread");
    black_box(reloads);

    let bundled = knowledge::load(Path::new(KNOWLEDGE_DIR)).expect("the bundled knowledge loads");
    let dir = tempfile::tempdir().expect("temp dir");
    write_markdown(&synthetic_knowledge(&bundled), dir.path());
    // One generated file far above the default per-file cap, on purpose.
    let limits = Limits {
        max_file_bytes: u64::MAX,
        max_total_bytes: u64::MAX,
    };
    let big = Live::load_with(dir.path(), limits).expect("synthetic knowledge loads");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(30));
    group.bench_function("synthetic_100k", |b| {
        b.iter(|| big.reload().expect("reloads"))
    });
    group.finish();
}

/// `recommend` over the bundled rules, cycling through a few situations.
fn recommend(c: &mut Criterion) {
    let brain = Brain::load(Path::new(KNOWLEDGE_DIR)).expect("bundled knowledge loads");
    let rules = brain.rules().expect("bundled rules");
    let situations: Vec<Answers> = [
        vec!["work=legal", "complexity=high"],
        vec!["work=call-center", "volume=high", "goal=cost"],
        vec![
            "work=finance",
            "complexity=high",
            "volume=medium",
            "expertise=specialized",
            "judgment=mixed",
            "goal=technology",
        ],
        vec!["goal=talent"],
    ]
    .iter()
    .map(|args| Answers::parse(rules, args).expect("valid answers"))
    .collect();
    let mut group = c.benchmark_group("recommend");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let mut i = 0;
    group.bench_function("recommend", |b| {
        b.iter(|| {
            i = (i + 1) % situations.len();
            black_box(run_recommend(rules, &situations[i], Lang::Es))
        })
    });
    group.finish();
}

/// What conversations add to the answer path. `understand` reads each
/// benchmark question (self-contained, as most are) after a KPO answer: the
/// cost every question pays. `follow_up` reads follow-ups that get rewritten;
/// `follow_ups` lists the next questions shown under an answer.
fn conversation(c: &mut Criterion) {
    let brain = Brain::load(Path::new(KNOWLEDGE_DIR)).expect("bundled knowledge loads");
    let previous = Turn {
        lang: Lang::Es,
        section: "bpo-kpo/que-es-un-kpo".into(),
        subject: Some(Subject::Kpo),
    };
    let mut group = c.benchmark_group("conversation");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let mut i = 0;
    group.bench_function("understand", |b| {
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            black_box(understand(&brain, QUESTIONS[i], Some(&previous), Lang::Es))
        })
    });
    let follow_ups = [
        "¿y sus desafíos?",
        "¿y en el BPO?",
        "what about types?",
        "and for BPO?",
    ];
    let mut i = 0;
    group.bench_function("follow_up", |b| {
        b.iter(|| {
            i = (i + 1) % follow_ups.len();
            black_box(understand(&brain, follow_ups[i], Some(&previous), Lang::Es))
        })
    });
    group.bench_function("follow_ups", |b| {
        b.iter(|| black_box(next_questions(&brain, &previous, Lang::En)))
    });
    group.finish();
}

criterion_group!(
    benches,
    bundled,
    synthetic_100k,
    recommend,
    reload,
    conversation
);
criterion_main!(benches);
