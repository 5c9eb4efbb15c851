//! What the store costs: on the answer path, for `insights` over a million
//! questions, and on disk.
//!
//! `record/answer` is the answer alone; `record/answer_and_record` adds what
//! a front end does to log it (`Asked::of` and `Store::record`, which
//! queues it) while the writer thread writes for real on the other core.
//! `record/log_only` is that logging alone, on the answering thread: what
//! the answer path pays (flushed between rounds, outside the timing, so the
//! queue never fills and nothing is dropped). `record/meaning` is what
//! computing the meaning apart would cost (`Asked::of` takes the one the
//! answer computed).
//! `insights/1m_questions` reads a store of 1,000,000 questions over 30
//! days (rows made in one big transaction, with votes on 5% of them), and
//! `suggestions/1m_questions` the same store's suggestions. The file sizes
//! per 100,000 questions, written through the store as the bot writes them,
//! are printed before the measurements. With `OUTSOURCING_BOT_TEST_POSTGRES`
//! set (`bash .ci/postgres run cargo bench --bench store`), the same million
//! questions are read from PostgreSQL too: `insights_postgres/…`,
//! `suggestions_postgres/…`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use outsourcing_bot::answer::{answer, meaning, AnswerOptions, Question};
use outsourcing_bot::brain::Brain;
use outsourcing_bot::config::{StoreConfig, StoreLocation};
use outsourcing_bot::lang::Lang;
use outsourcing_bot::store::{
    Asked, Backend, Event, Feedback, FeedbackRow, Postgres, QuestionRow, Sqlite, Store, Surface,
};

const KNOWLEDGE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge");

#[path = "../tests/support/postgres.rs"]
mod pg;
#[path = "support/questions.rs"]
mod questions;
use questions::QUESTIONS;

const DAY: i64 = 86_400;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn bench_record(c: &mut Criterion) {
    let brain = Brain::load(Path::new(KNOWLEDGE_DIR)).unwrap();
    let questions: Vec<Question> = QUESTIONS
        .iter()
        .map(|q| Question::new(q, 500).unwrap())
        .collect();
    let opts = AnswerOptions::default();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreConfig::at(&dir.path().join("bench.sqlite3"))).unwrap();

    let mut group = c.benchmark_group("record");
    let mut n = 0usize;
    group.bench_function("answer", |b| {
        b.iter(|| {
            n += 1;
            black_box(answer(&brain, &questions[n % questions.len()], &opts))
        })
    });
    let mut n = 0usize;
    group.bench_function("answer_and_record", |b| {
        b.iter(|| {
            n += 1;
            let q = &questions[n % questions.len()];
            let a = answer(&brain, q, &opts);
            let mut asked = Asked::of(&brain, q, &a, Surface::Slash);
            asked.guild = Some(1);
            asked.user = Some(n as u64 % 5000);
            black_box(store.record(asked))
        })
    });
    let mut n = 0usize;
    group.bench_function("meaning", |b| {
        b.iter(|| {
            n += 1;
            black_box(meaning(&brain, questions[n % questions.len()].as_str()))
        })
    });
    let answers: Vec<_> = questions.iter().map(|q| answer(&brain, q, &opts)).collect();
    group.bench_function("log_only", |b| {
        b.iter_custom(|iters| {
            let mut took = Duration::ZERO;
            let mut done = 0u64;
            while done < iters {
                let round = (iters - done).min(5_000);
                let start = std::time::Instant::now();
                for i in done..done + round {
                    let k = i as usize % questions.len();
                    let mut asked = Asked::of(&brain, &questions[k], &answers[k], Surface::Slash);
                    asked.guild = Some(1);
                    asked.user = Some(i % 5000);
                    black_box(store.record(asked));
                }
                took += start.elapsed();
                store.flush();
                done += round;
            }
            took
        })
    });
    group.finish();
    store.flush();
    eprintln!(
        "record: {} events dropped (queue full) during the run",
        store.dropped()
    );
}

/// One of a few hundred meanings, wordings and passages, as a bot's month
/// of questions repeats itself.
fn row(i: u64) -> (String, String, String) {
    let topic = i % 400;
    let meaning = format!("kpo tema{topic} ventaja");
    let question = format!(
        "¿cuáles son las ventajas del tema {topic} en un KPO? ({})",
        i % 7
    );
    let passage = format!("bpo-kpo/seccion-{}/{}", topic % 60, topic % 5 + 1);
    (meaning, question, passage)
}

/// Fills the store `config` names with `n` questions over 30 days (votes on
/// one in twenty), as if asked by 20,000 members: through the backend's own
/// write, in transactions of 100,000 events.
fn fill(config: &StoreConfig, n: u64) {
    // Opened once through the store: the user-hash secret, the id block.
    drop(Store::open(config).unwrap());
    let mut db: Box<dyn Backend> = match config.url.location().unwrap() {
        StoreLocation::Sqlite(path) => Box::new(Sqlite::open(&path).unwrap()),
        StoreLocation::Postgres(url) => Box::new(Postgres::open(&url).unwrap()),
    };
    // An hour inside the window, so a benchmark that starts a little later
    // still sees every row.
    let start = now() - 30 * DAY + 3600;
    let mut events = Vec::with_capacity(n as usize + n as usize / 20);
    for i in 0..n {
        let (meaning, question, passage) = row(i);
        let at = start + (i as i64 * 30 * DAY) / n as i64;
        let user = ((i * 2_654_435_761) % 20_000) as i64;
        let answered = i % 10 >= 3;
        let id = (1i64 << 40) + i as i64;
        events.push(Event::Question(QuestionRow {
            id,
            at,
            surface: Surface::Slash,
            guild: Some(42),
            user_hash: Some(user),
            lang: Lang::Es,
            question: Some(question),
            meaning: Some(meaning),
            answered,
            confidence: if answered { 0.9 } else { 0.4 },
            passage: Some(passage),
            version: "00000000deadbeef".into(),
        }));
        if i % 20 == 0 {
            let feedback = if i % 60 == 0 {
                Feedback::Picked(format!("bpo-kpo/otra/{}", i % 9))
            } else {
                Feedback::Up
            };
            events.push(Event::Feedback(FeedbackRow {
                answer: id,
                user_hash: user,
                at: at + 5,
                feedback,
            }));
        }
    }
    for batch in events.chunks(100_000) {
        db.write(batch).unwrap();
    }
}

fn bench_insights(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();

    // File size per 100,000 questions as the bot writes them.
    for keep in [true, false] {
        let path = dir.path().join(format!("size-{keep}.sqlite3"));
        let mut cfg = StoreConfig::at(&path);
        cfg.keep_questions = keep;
        let store = Store::open_with(
            &cfg,
            outsourcing_bot::store::Options {
                queue: 200_000,
                ..Default::default()
            },
        )
        .unwrap();
        for i in 0..100_000u64 {
            let (meaning, question, passage) = row(i);
            store.record(Asked {
                surface: Surface::Slash,
                guild: Some(987_654_321_098_765_432),
                user: Some(i % 20_000),
                lang: Lang::Es,
                text: question,
                meaning,
                answered: i % 10 >= 3,
                confidence: 0.83,
                top: Some(passage),
                version: "00000000deadbeef".into(),
            });
        }
        drop(store);
        let bytes = std::fs::metadata(&path).unwrap().len();
        eprintln!(
            "store file for 100,000 questions (keep_questions = {keep}): {:.1} MB",
            bytes as f64 / 1e6
        );
    }

    let path = dir.path().join("million.sqlite3");
    let config = StoreConfig::at(&path);
    fill(&config, 1_000_000);
    eprintln!(
        "store file for 1,000,000 questions (with 50,000 votes): {:.1} MB",
        std::fs::metadata(&path).unwrap().len() as f64 / 1e6
    );
    read_million(c, &config, "");
    // The database lives until the measurements are done.
    if let Some(db) = pg::TestDb::create() {
        let config = StoreConfig::at_url(&db.url);
        fill(&config, 1_000_000);
        read_million(c, &config, "_postgres");
    }
}

/// `insights` and `suggestions` over the million questions `fill` wrote.
fn read_million(c: &mut Criterion, config: &StoreConfig, suffix: &str) {
    let store = Store::open(config).unwrap();
    let i = store.insights(30).unwrap();
    assert_eq!(i.asked, 1_000_000);
    let mut group = c.benchmark_group(format!("insights{suffix}"));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("1m_questions", |b| {
        b.iter(|| black_box(store.insights(30).unwrap()))
    });
    group.bench_function("1m_questions_last_7_days", |b| {
        b.iter(|| black_box(store.insights(7).unwrap()))
    });
    group.finish();
    let mut group = c.benchmark_group(format!("suggestions{suffix}"));
    group.sample_size(20);
    group.bench_function("1m_questions", |b| {
        b.iter(|| black_box(store.suggestions().unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench_record, bench_insights);
criterion_main!(benches);
