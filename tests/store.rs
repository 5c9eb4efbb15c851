//! The store: schema migrations, retention, the keyed user hash, the writer
//! under a full queue or a failing disk, and what insights and suggestions
//! make of a scripted history. Also `answer::meaning`, the key questions are
//! grouped by.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use outsourcing_bot::answer::meaning;
use outsourcing_bot::brain::Brain;
use outsourcing_bot::config::StoreConfig;
use outsourcing_bot::lang::Lang;
use outsourcing_bot::store::{
    Asked, Backend, Clock, Decided, Event, Feedback, Keeping, Options, PassageVotes, Resolution,
    Sqlite, Store, StoreError, Surface, Totals, UnansweredGroup, SCHEMA_VERSION,
};

const DAY: i64 = 86_400;
/// Some day in 2025, so tests never depend on today.
const T0: i64 = 1_750_000_000;

/// A clock the test moves by hand.
fn manual_clock(start: i64) -> (Arc<AtomicI64>, Clock) {
    let now = Arc::new(AtomicI64::new(start));
    let read = now.clone();
    (now, Clock::new(move || read.load(Ordering::SeqCst)))
}

fn open_at(config: &StoreConfig, clock: &Clock) -> Store {
    Store::open_with(
        config,
        Options {
            clock: clock.clone(),
            ..Options::default()
        },
    )
    .unwrap()
}

fn asked(text: &str, meaning: &str, user: Option<u64>, answered: bool, top: &str) -> Asked {
    Asked {
        surface: Surface::Slash,
        guild: Some(7),
        user,
        lang: Lang::Es,
        text: text.into(),
        meaning: meaning.into(),
        answered,
        confidence: if answered { 0.9 } else { 0.3 },
        top: Some(top.into()),
        version: "00000000000000ab".into(),
    }
}

fn db(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

fn count(path: &Path, sql: &str) -> i64 {
    db(path).query_row(sql, [], |r| r.get(0)).unwrap()
}

// --- meaning -------------------------------------------------------------

fn bundled_brain() -> Brain {
    Brain::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")).unwrap()
}

#[test]
fn the_same_question_in_other_words_means_the_same() {
    let brain = bundled_brain();
    let key = meaning(&brain, "¿Qué es un KPO?");
    assert!(!key.is_empty());
    for q in [
        "q es kpo",
        "que es un KPO",
        "QUE ES UN KPO",
        "qué es un kpo???",
    ] {
        assert_eq!(meaning(&brain, q), key, "{q}");
    }
    assert_ne!(
        meaning(&brain, "beneficios del bpo"),
        meaning(&brain, "beneficios del kpo")
    );
}

#[test]
fn an_answer_carries_its_questions_meaning() {
    use outsourcing_bot::answer::{answer, AnswerOptions, Question};
    let brain = bundled_brain();
    for q in [
        "¿Qué es un KPO?",
        "q es kpo",
        "capital de Francia",
        "what are the benefits of outsourcing?",
        "¿por qué hay tanta rotasión en los BPO?",
    ] {
        let a = answer(
            &brain,
            &Question::new(q, 500).unwrap(),
            &AnswerOptions::default(),
        );
        assert_eq!(a.meaning, meaning(&brain, q), "{q}");
        assert!(!a.meaning.is_empty(), "{q}");
    }
}

#[test]
fn synonyms_mean_their_group_and_word_order_does_not_matter() {
    let brain = bundled_brain();
    assert_eq!(
        meaning(&brain, "ventajas del outsourcing"),
        meaning(&brain, "outsourcing ventajas")
    );
    // Terms are sorted and each said once.
    let key = meaning(&brain, "kpo kpo bpo");
    let terms: Vec<&str> = key.split(' ').collect();
    let mut sorted = terms.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(terms, sorted, "{key}");
}

// --- migrations ----------------------------------------------------------

#[test]
fn a_new_file_and_its_folder_are_created_at_the_current_schema_in_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/store.sqlite3");
    let store = Store::open(&StoreConfig::at(&path)).unwrap();
    drop(store);
    assert!(path.is_file());
    let conn = db(&path);
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn an_empty_file_is_migrated_from_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sqlite3");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&StoreConfig::at(&path)).unwrap();
    store.record(asked("kpo", "kpo", Some(1), true, "a/1"));
    store.flush();
    assert_eq!(store.insights(1).unwrap().asked, 1);
}

#[test]
fn reopening_a_current_file_migrates_nothing_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    {
        let store = Store::open(&StoreConfig::at(&path)).unwrap();
        for i in 0..3 {
            store.record(asked("kpo", "kpo", Some(i), true, "a/1"));
        }
    }
    let store = Store::open(&StoreConfig::at(&path)).unwrap();
    assert_eq!(store.insights(1).unwrap().asked, 3);
    let version: i64 = db(&path)
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_file_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    Store::open(&StoreConfig::at(&path)).unwrap();
    db(&path)
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let err = Store::open(&StoreConfig::at(&path)).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("newer"), "{msg}");
    let version: i64 = db(&path)
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION + 1);
}

#[test]
fn what_cannot_be_a_store_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let not_db = dir.path().join("notes.txt");
    std::fs::write(&not_db, "these are my notes, not a database\n".repeat(100)).unwrap();
    let folder = dir.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let under_a_file = not_db.join("store.sqlite3");
    for path in [&not_db, &folder, &under_a_file] {
        let err = Store::open(&StoreConfig::at(path)).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
    }
    // Nothing was written over the notes.
    assert!(std::fs::read_to_string(&not_db)
        .unwrap()
        .starts_with("these are my notes"));
}

#[test]
fn a_disabled_config_opens_a_store_that_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let mut c = StoreConfig::at(&path);
    c.enabled = false;
    let store = Store::open(&c).unwrap();
    assert!(!store.is_enabled());
    store.record(asked("kpo", "kpo", Some(1), true, "a/1"));
    store.flush();
    assert!(!path.exists());
}

// --- ids -----------------------------------------------------------------

#[test]
fn two_stores_on_one_file_never_give_out_the_same_answer_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let a = Store::open(&StoreConfig::at(&path)).unwrap();
    let b = Store::open(&StoreConfig::at(&path)).unwrap();
    let mut ids = HashSet::new();
    for i in 0..50 {
        assert!(ids.insert(a.record(asked("kpo", "kpo", Some(i), true, "a/1"))));
        assert!(ids.insert(b.record(asked("bpo", "bpo", Some(i), true, "a/2"))));
    }
    a.flush();
    b.flush();
    assert_eq!(a.insights(1).unwrap().asked, 100);
    assert!(ids.iter().all(|id| id.0 > 0));
}

// --- retention -----------------------------------------------------------

#[test]
fn rows_past_retention_are_purged_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let (now, clock) = manual_clock(T0);
    {
        let store = open_at(&StoreConfig::at(&path), &clock);
        let old = store.record(asked("viejo", "viejo", Some(1), true, "a/1"));
        store.feedback(old, 1, Feedback::Down);
        now.store(T0 + 80 * DAY, Ordering::SeqCst);
        let recent = store.record(asked("nuevo", "nuevo", Some(2), true, "a/2"));
        store.feedback(recent, 2, Feedback::Up);
    }
    assert_eq!(count(&path, "SELECT count(*) FROM questions"), 2);
    // 91 days after the first question, 11 after the second.
    now.store(T0 + 91 * DAY, Ordering::SeqCst);
    let store = open_at(&StoreConfig::at(&path), &clock);
    assert_eq!(count(&path, "SELECT count(*) FROM questions"), 1);
    assert_eq!(count(&path, "SELECT count(*) FROM feedback"), 1);
    let i = store.insights(3650).unwrap();
    assert_eq!(i.asked, 1);
    assert_eq!(
        i.per_passage,
        [PassageVotes {
            passage: "a/2".into(),
            up: 1,
            down: 0
        }]
    );
}

#[test]
fn a_running_store_purges_once_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let (now, clock) = manual_clock(T0);
    let mut c = StoreConfig::at(&path);
    c.retention_days = 2;
    let store = open_at(&c, &clock);
    store.record(asked("uno", "uno", Some(1), true, "a/1"));
    store.flush();
    // A day later: the first is within retention.
    now.store(T0 + DAY + 1, Ordering::SeqCst);
    store.record(asked("dos", "dos", Some(1), true, "a/1"));
    store.flush();
    assert_eq!(count(&path, "SELECT count(*) FROM questions"), 2);
    // Past two days since the first: the writer's daily purge removes it.
    now.store(T0 + 2 * DAY + 10, Ordering::SeqCst);
    store.record(asked("tres", "tres", Some(1), true, "a/1"));
    store.flush();
    let left: Vec<String> = db(&path)
        .prepare("SELECT question FROM questions ORDER BY at")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(left, ["dos", "tres"]);
}

// --- users ---------------------------------------------------------------

#[test]
fn users_are_stored_as_a_keyed_hash_that_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let alice: u64 = 123_456_789_012_345_678;
    let bob: u64 = 876_543_210_987_654_321;
    {
        let store = Store::open(&StoreConfig::at(&path)).unwrap();
        store.record(asked("kpo", "kpo", Some(alice), true, "a/1"));
        store.record(asked("bpo", "bpo", Some(alice), true, "a/1"));
        store.record(asked("bpo", "bpo", Some(bob), true, "a/1"));
        store.flush();
        assert_eq!(store.insights(1).unwrap().distinct_users, 2);
    }
    let hashes: Vec<i64> = db(&path)
        .prepare("SELECT DISTINCT user_hash FROM questions")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(hashes.len(), 2);
    for id in [alice, bob] {
        assert!(!hashes.contains(&(id as i64)));
    }
    // The raw ids appear nowhere in the file.
    let bytes = std::fs::read(&path).unwrap();
    let wal = std::fs::read(path.with_extension("sqlite3-wal")).unwrap_or_default();
    for id in [alice, bob] {
        for hay in [&bytes, &wal] {
            for needle in [id.to_le_bytes(), id.to_be_bytes()] {
                assert!(!hay.windows(8).any(|w| w == needle));
            }
            let text = id.to_string();
            assert!(!hay.windows(text.len()).any(|w| w == text.as_bytes()));
        }
    }
    // Reopened: the same secret, so Alice is still one user.
    let store = Store::open(&StoreConfig::at(&path)).unwrap();
    store.record(asked("kpo", "kpo", Some(alice), true, "a/1"));
    store.flush();
    assert_eq!(store.insights(1).unwrap().distinct_users, 2);
    // Another file has another secret: the same user, another hash.
    let other = dir.path().join("t.sqlite3");
    let store = Store::open(&StoreConfig::at(&other)).unwrap();
    store.record(asked("kpo", "kpo", Some(alice), true, "a/1"));
    store.flush();
    let there: i64 = count(&other, "SELECT user_hash FROM questions");
    assert!(!hashes.contains(&there));
}

// --- feedback ------------------------------------------------------------

#[test]
fn one_vote_per_user_and_answer_and_forged_answers_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let store = Store::open(&StoreConfig::at(&path)).unwrap();
    let a = store.record(asked("kpo", "kpo", Some(1), true, "a/kpo"));
    store.feedback(a, 1, Feedback::Up);
    store.feedback(a, 1, Feedback::Down);
    store.feedback(a, 2, Feedback::Up);
    // Ids never given out: a forged or stale button.
    store.feedback(
        outsourcing_bot::store::AnswerId(a.0 + 1000),
        1,
        Feedback::Up,
    );
    store.feedback(outsourcing_bot::store::AnswerId(-5), 1, Feedback::Down);
    store.flush();
    assert_eq!(count(&path, "SELECT count(*) FROM feedback"), 2);
    let i = store.insights(1).unwrap();
    assert_eq!(
        i.per_passage,
        [PassageVotes {
            passage: "a/kpo".into(),
            up: 1,
            down: 1
        }]
    );
}

// --- the writer ----------------------------------------------------------

/// A SQLite backend whose writes wait for the test, or fail while it says.
struct Gated {
    inner: Sqlite,
    /// Told when a write starts; the write waits for a message on `go`.
    entered: Option<mpsc::Sender<()>>,
    go: Option<Arc<Mutex<mpsc::Receiver<()>>>>,
    fail: Arc<AtomicBool>,
}

impl Backend for Gated {
    fn write(&mut self, events: &[Event]) -> Result<(), StoreError> {
        if let Some(entered) = &self.entered {
            let _ = entered.send(());
        }
        if let Some(go) = &self.go {
            let _ = go.lock().unwrap().recv();
        }
        if self.fail.load(Ordering::SeqCst) {
            return Err(StoreError::Failed {
                path: PathBuf::from("gated"),
                message: "disk full".into(),
            });
        }
        self.inner.write(events)
    }
    fn purge(&mut self, before: i64) -> Result<(), StoreError> {
        self.inner.purge(before)
    }
    fn reserve_ids(&mut self) -> Result<i64, StoreError> {
        self.inner.reserve_ids()
    }
    fn user_key(&mut self) -> Result<[u8; 32], StoreError> {
        self.inner.user_key()
    }
    fn totals(&mut self, since: i64) -> Result<Totals, StoreError> {
        self.inner.totals(since)
    }
    fn votes(&mut self, since: i64) -> Result<Vec<PassageVotes>, StoreError> {
        self.inner.votes(since)
    }
    fn unanswered(&mut self, since: i64, limit: usize) -> Result<Vec<UnansweredGroup>, StoreError> {
        self.inner.unanswered(since, limit)
    }
    fn resolutions(&mut self, low: f32) -> Result<Vec<Resolution>, StoreError> {
        self.inner.resolutions(low)
    }
    fn decided(&mut self) -> Result<HashSet<Decided>, StoreError> {
        self.inner.decided()
    }
    fn decide(&mut self, what: &Decided, accept: bool, at: i64) -> Result<(), StoreError> {
        self.inner.decide(what, accept, at)
    }
}

const KEEP: Keeping = Keeping {
    retention_days: 90,
    keep_questions: true,
};

#[test]
fn a_full_queue_drops_and_counts_and_never_waits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let (entered_tx, entered) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    let writer = Gated {
        inner: Sqlite::open(&path).unwrap(),
        entered: Some(entered_tx),
        go: Some(Arc::new(Mutex::new(go_rx))),
        fail: Arc::new(AtomicBool::new(false)),
    };
    let store = Store::with_backends(
        Box::new(writer),
        Box::new(Sqlite::open(&path).unwrap()),
        KEEP,
        Options {
            queue: 4,
            ..Options::default()
        },
        "gated".into(),
    )
    .unwrap();
    store.record(asked("primera", "primera", Some(1), true, "a/1"));
    // The writer holds the first in a write that waits for the test.
    entered.recv().unwrap();
    // Four fit in the queue; the next ten are dropped, and none of these
    // calls waits (a wait would hang this test: the writer is stuck).
    for i in 0..14 {
        store.record(asked("otra", "otra", Some(i), true, "a/1"));
    }
    assert_eq!(store.dropped(), 10);
    store.feedback(outsourcing_bot::store::AnswerId(1), 1, Feedback::Up);
    assert_eq!(store.dropped(), 11);
    // Let every write through, the one held and those to come.
    for _ in 0..10 {
        go.send(()).unwrap();
    }
    store.flush();
    assert_eq!(store.insights(1).unwrap().asked, 5);
    assert_eq!(store.dropped(), 11);
}

#[test]
fn a_failing_disk_loses_those_questions_only_and_the_store_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let fail = Arc::new(AtomicBool::new(true));
    let writer = Gated {
        inner: Sqlite::open(&path).unwrap(),
        entered: None,
        go: None,
        fail: fail.clone(),
    };
    let store = Store::with_backends(
        Box::new(writer),
        Box::new(Sqlite::open(&path).unwrap()),
        KEEP,
        Options::default(),
        "failing".into(),
    )
    .unwrap();
    for i in 0..5 {
        store.record(asked("perdida", "perdida", Some(i), true, "a/1"));
    }
    store.flush();
    fail.store(false, Ordering::SeqCst);
    store.record(asked("escrita", "escrita", Some(1), true, "a/1"));
    store.flush();
    let i = store.insights(1).unwrap();
    assert_eq!(i.asked, 1);
    // Failed writes are not drops from a full queue.
    assert_eq!(store.dropped(), 0);
}

// --- insights and suggestions ---------------------------------------------

/// Records a small history: who asked what, and what they clicked.
fn scripted(store: &Store) {
    // Answered, and liked by two members, disliked by one.
    let a = store.record(asked("¿Qué es un KPO?", "kpo", Some(1), true, "d/kpo/1"));
    store.feedback(a, 1, Feedback::Up);
    store.feedback(a, 2, Feedback::Up);
    store.feedback(a, 3, Feedback::Down);
    // Unanswered three times in two wordings; two members then click a
    // "did you mean" passage, one of them twice (counted once per answer).
    let u1 = store.record(asked("q es kpo", "kpo que", Some(4), false, "d/kpo/1"));
    let u2 = store.record(asked("que es kpo", "kpo que", Some(5), false, "d/kpo/1"));
    store.record(asked("que es kpo", "kpo que", Some(6), false, "d/kpo/1"));
    store.feedback(u1, 4, Feedback::DidYouMean("d/kpo/1".into()));
    store.feedback(u1, 4, Feedback::DidYouMean("d/kpo/1".into()));
    store.feedback(u2, 5, Feedback::DidYouMean("d/kpo/1".into()));
    // Unanswered once, nobody clicked.
    store.record(asked(
        "precio de un call center",
        "call center precio",
        Some(7),
        false,
        "d/bpo/3",
    ));
    // Answered at low confidence (under the default threshold) and 👍: a
    // suggestion for its own passage.
    let mut low = asked("bpo barato", "barato bpo", Some(8), true, "d/bpo/2");
    low.confidence = 0.5;
    let l = store.record(low);
    store.feedback(l, 8, Feedback::Up);
    // 👎 then a pick: a suggestion for the picked passage, and a 👎 for the shown one.
    let w = store.record(asked("riesgos kpo", "kpo riesgo", Some(9), true, "d/kpo/2"));
    store.feedback(w, 9, Feedback::Down);
    store.feedback(w, 9, Feedback::Picked("d/kpo/riesgos".into()));
    // A confident answer 👍 teaches nothing new.
    let c = store.record(asked("bpo", "bpo", Some(1), true, "d/bpo/1"));
    store.feedback(c, 1, Feedback::Up);
    store.flush();
}

#[test]
fn insights_count_a_scripted_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreConfig::at(&dir.path().join("s.sqlite3"))).unwrap();
    scripted(&store);
    let i = store.insights(7).unwrap();
    assert_eq!(i.days, 7);
    assert_eq!(i.asked, 8);
    assert_eq!(i.answered, 4);
    // Members 1, 4..=9 asked (2 and 3 only voted).
    assert_eq!(i.distinct_users, 7);
    let votes = |p: &str, up, down| PassageVotes {
        passage: p.into(),
        up,
        down,
    };
    assert_eq!(
        i.per_passage,
        [
            votes("d/bpo/1", 1, 0),
            votes("d/bpo/2", 1, 0),
            votes("d/kpo/1", 2, 1),
            votes("d/kpo/2", 0, 1),
        ]
    );
    assert_eq!(
        i.most_down,
        [votes("d/kpo/2", 0, 1), votes("d/kpo/1", 2, 1)]
    );
    assert_eq!(
        i.unanswered,
        [
            UnansweredGroup {
                meaning: "kpo que".into(),
                example: "que es kpo".into(),
                count: 3
            },
            UnansweredGroup {
                meaning: "call center precio".into(),
                example: "precio de un call center".into(),
                count: 1
            },
        ]
    );
}

#[test]
fn the_insights_window_counts_only_its_days() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let (now, clock) = manual_clock(T0);
    let store = open_at(&StoreConfig::at(&path), &clock);
    store.record(asked("a", "a", Some(1), true, "d/1"));
    now.store(T0 + 10 * DAY, Ordering::SeqCst);
    store.record(asked("b", "b", Some(2), false, "d/1"));
    store.flush();
    let week = store.insights(7).unwrap();
    assert_eq!((week.asked, week.answered, week.distinct_users), (1, 0, 1));
    let month = store.insights(30).unwrap();
    assert_eq!(
        (month.asked, month.answered, month.distinct_users),
        (2, 1, 2)
    );
}

/// Totals come from hourly counts; a window or a purge that starts inside
/// an hour counts that hour's questions one by one.
#[test]
fn windows_and_purges_that_start_inside_an_hour_count_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let (now, clock) = manual_clock(T0);
    let mut c = StoreConfig::at(&path);
    c.retention_days = 1;
    {
        let store = open_at(&c, &clock);
        store.record(asked("a", "a", Some(1), true, "d/1"));
        now.store(T0 + 1000, Ordering::SeqCst);
        store.record(asked("b", "b", Some(2), false, "d/1"));
        now.store(T0 + 2 * 3600, Ordering::SeqCst);
        store.record(asked("c", "c", Some(2), true, "d/1"));
        store.flush();
        // A day after the first question, plus 500 s: the window starts
        // between the first two, which share an hour.
        now.store(T0 + DAY + 500, Ordering::SeqCst);
        let day = store.insights(1).unwrap();
        assert_eq!((day.asked, day.answered, day.distinct_users), (2, 1, 1));
        let all = store.insights(3650).unwrap();
        assert_eq!((all.asked, all.answered, all.distinct_users), (3, 2, 2));
    }
    // Reopened then, retention (one day) purges the first question only,
    // out of the middle of its hour.
    let store = open_at(&c, &clock);
    let all = store.insights(3650).unwrap();
    assert_eq!((all.asked, all.answered, all.distinct_users), (2, 1, 1));
}

#[test]
fn suggestions_come_from_what_members_resolved_until_decided() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let store = Store::open(&StoreConfig::at(&path)).unwrap();
    scripted(&store);
    let s = store.suggestions().unwrap();
    let shown: Vec<(&str, &str, usize)> = s
        .iter()
        .map(|s| (s.passage.as_str(), s.question.as_str(), s.count))
        .collect();
    assert_eq!(
        shown,
        [
            // Two wordings once each: the latest.
            ("d/kpo/1", "que es kpo", 2),
            ("d/bpo/2", "bpo barato", 1),
            ("d/kpo/riesgos", "riesgos kpo", 1),
        ],
        "{s:#?}"
    );
    assert_eq!(s[0].sources.did_you_mean, 2);
    assert_eq!(s[1].sources.up, 1);
    assert_eq!(s[2].sources.picked, 1);

    // Rejected and accepted ones are not proposed again, even after a
    // reopen; an unknown id is an error that changes nothing.
    store.decide(s[0].id, false).unwrap();
    store.decide(s[2].id, true).unwrap();
    let err = store
        .decide(outsourcing_bot::store::SuggestionId(12345), true)
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownSuggestion(_)), "{err}");
    drop(store);
    let store = Store::open(&StoreConfig::at(&path)).unwrap();
    let left: Vec<String> = store
        .suggestions()
        .unwrap()
        .into_iter()
        .map(|s| s.passage)
        .collect();
    assert_eq!(left, ["d/bpo/2"]);
    assert_eq!(count(&path, "SELECT count(*) FROM decisions"), 2);
    assert_eq!(
        count(
            &path,
            "SELECT accepted FROM decisions WHERE passage = 'd/kpo/riesgos'"
        ),
        1
    );
}

#[test]
fn without_keep_questions_no_text_is_stored_and_counts_still_are() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let mut c = StoreConfig::at(&path);
    c.keep_questions = false;
    let store = Store::open(&c).unwrap();
    scripted(&store);
    assert_eq!(
        count(
            &path,
            "SELECT count(*) FROM questions WHERE question IS NOT NULL OR meaning IS NOT NULL"
        ),
        0
    );
    let i = store.insights(7).unwrap();
    assert_eq!((i.asked, i.answered, i.distinct_users), (8, 4, 7));
    assert_eq!(i.per_passage.len(), 4);
    assert!(i.unanswered.is_empty());
    assert!(store.suggestions().unwrap().is_empty());
    // The text is nowhere in the file.
    drop(store);
    let bytes = std::fs::read(&path).unwrap();
    let wal = std::fs::read(path.with_extension("sqlite3-wal")).unwrap_or_default();
    for hay in [&bytes, &wal] {
        assert!(!hay.windows(11).any(|w| w == b"riesgos kpo"));
    }
}

// --- the command line ------------------------------------------------------

fn bot(dir: &Path, store_toml: &str) -> assert_cmd::Command {
    let config = dir.join("config.toml");
    std::fs::write(&config, format!("[store]\n{store_toml}\n")).unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("outsourcing-bot").unwrap();
    cmd.current_dir(dir)
        .env_remove("DISCORD_TOKEN")
        .env_remove("RUST_LOG")
        .arg("--config")
        .arg(&config)
        .arg("--knowledge")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"));
    cmd
}

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn ask_and_chat_record_and_insights_json_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = "path = \"s/bot.sqlite3\"";
    let (code, _, err) = run(bot(dir.path(), store).args(["ask", "¿Qué es un KPO?"]));
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = run(bot(dir.path(), store).args(["ask", "--json", "capital de francia"]));
    assert_eq!(code, 0);
    let (code, _, _) = run(bot(dir.path(), store)
        .arg("chat")
        .write_stdin("capital de Francia\n:topics\nq es kpo\n"));
    assert_eq!(code, 0);
    let (code, out, err) = run(bot(dir.path(), store).args(["insights", "--json", "--days", "7"]));
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["days"], 7);
    assert_eq!(json["asked"], 4);
    assert_eq!(json["answered"], 2);
    assert_eq!(json["distinct_users"], 0);
    assert_eq!(json["per_passage"], serde_json::json!([]));
    assert_eq!(json["most_down"], serde_json::json!([]));
    let unanswered = json["unanswered"].as_array().unwrap();
    assert_eq!(unanswered.len(), 1, "{out}");
    assert_eq!(unanswered[0]["count"], 2);
    assert_eq!(unanswered[0]["example"], "capital de Francia");
    assert!(unanswered[0]["meaning"]
        .as_str()
        .unwrap()
        .contains("capital"));
    // Surfaces as recorded.
    let path = dir.path().join("s/bot.sqlite3");
    assert_eq!(
        count(
            &path,
            "SELECT count(*) FROM questions WHERE surface = 'cli'"
        ),
        2
    );
    assert_eq!(
        count(
            &path,
            "SELECT count(*) FROM questions WHERE surface = 'console'"
        ),
        2
    );
    // The text report says the same.
    let (code, out, _) = run(bot(dir.path(), store).arg("insights"));
    assert_eq!(code, 0);
    assert!(
        out.starts_with("Last 30 days: 4 questions, 2 answered (50%), 0 members."),
        "{out}"
    );
    assert!(out.contains("2x  capital de Francia"), "{out}");

    // The console shows the same, its own questions counted at once.
    let (code, out, _) = run(bot(dir.path(), store)
        .arg("chat")
        .write_stdin("kpo vs bpo\n:insights 7\n:suggestions\n:insights 0\n"));
    assert_eq!(code, 0);
    assert!(
        out.contains("Last 7 days: 5 questions, 3 answered (60%), 0 members."),
        "{out}"
    );
    assert!(
        out.contains("No suggestions: no member has resolved a question to a passage yet."),
        "{out}"
    );
    assert!(
        out.contains("usage: :insights [DAYS] (1 to 3650; got '0')"),
        "{out}"
    );
}

#[test]
fn suggestions_json_lists_what_members_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    {
        let store = Store::open(&StoreConfig::at(&path)).unwrap();
        scripted(&store);
    }
    let (code, out, err) =
        run(bot(dir.path(), "path = \"s.sqlite3\"").args(["suggestions", "--json"]));
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = json["suggestions"].as_array().unwrap();
    assert_eq!(list.len(), 3, "{out}");
    let first = &list[0];
    assert_eq!(first["lang"], "es");
    assert_eq!(first["passage"], "d/kpo/1");
    assert_eq!(first["question"], "que es kpo");
    assert_eq!(first["meaning"], "kpo que");
    assert_eq!(first["count"], 2);
    assert_eq!(
        first["sources"],
        serde_json::json!({"did_you_mean": 2, "picked": 0, "up": 0})
    );
    // Ids are text (63 bits do not fit a JSON reader's double) that
    // parses back to the suggestion's.
    let id: outsourcing_bot::store::SuggestionId = first["id"].as_str().unwrap().parse().unwrap();
    let store = Store::open(&StoreConfig::at(&path)).unwrap();
    assert_eq!(store.suggestions().unwrap()[0].id, id);
    let (code, out, _) = run(bot(dir.path(), "path = \"s.sqlite3\"").arg("suggestions"));
    assert_eq!(code, 0);
    assert!(out.starts_with("3 suggestions"), "{out}");
    assert!(
        out.contains("es  d/kpo/1  \"que es kpo\"  (2: 2 did you mean)"),
        "{out}"
    );
}

#[test]
fn reading_a_store_that_is_off_or_missing_is_exit_1_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    for (toml, says) in [
        (
            "path = \"none/here.sqlite3\"",
            "none/here.sqlite3 does not exist",
        ),
        (
            "enabled = false\npath = \"off.sqlite3\"",
            "off.sqlite3 is disabled",
        ),
    ] {
        for command in ["insights", "suggestions"] {
            let (code, out, err) = run(bot(dir.path(), toml).arg(command));
            assert_eq!(code, 1, "{command} {toml}: {out}{err}");
            assert!(err.contains(says), "{err}");
        }
    }
    // Reading created nothing.
    assert!(!dir.path().join("none").exists());
    let (code, _, err) = run(bot(dir.path(), "").args(["insights", "--days", "0"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("1..=3650"), "{err}");
}

#[test]
fn ask_with_a_store_that_cannot_open_is_exit_1_and_disabled_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), "x").unwrap();
    let (code, out, err) = run(bot(dir.path(), "path = \"file/s.sqlite3\"").args(["ask", "kpo"]));
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("file/s.sqlite3"), "{err}");
    let (code, out, _) = run(bot(dir.path(), "enabled = false").args(["ask", "kpo"]));
    assert_eq!(code, 0);
    assert!(out.contains("KPO"), "{out}");
    assert!(!dir.path().join("data").exists());
}
