//! The store: schema migrations, retention, the keyed user hash, the writer
//! under a full queue or a failing disk, and what insights and suggestions
//! make of a scripted history. Also `answer::meaning`, the key questions are
//! grouped by.
//!
//! Every store test runs twice, on SQLite and on PostgreSQL (`on_both!`
//! makes `name::sqlite` and `name::postgres`), each on a store of its own:
//! a file in a temporary folder, or a database made for it on the server
//! `OUTSOURCING_BOT_TEST_POSTGRES` names (see `.ci/postgres`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};

use outsourcing_bot::answer::meaning;
use outsourcing_bot::brain::Brain;
use outsourcing_bot::config::{StoreConfig, StoreLocation, StoreUrl};
use outsourcing_bot::lang::Lang;
use outsourcing_bot::store::{
    AnswerId, Asked, Backend, Clock, Decided, Event, Feedback, Keeping, Options, PassageVotes,
    Postgres, Resolution, Sqlite, Store, StoreError, Surface, Totals, UnansweredGroup,
    SCHEMA_VERSION,
};

#[path = "support/postgres.rs"]
mod pg;

const DAY: i64 = 86_400;
/// Some day in 2025, so tests never depend on today.
const T0: i64 = 1_750_000_000;

/// Where a test's store is.
enum Place {
    Sqlite {
        /// Held: the folder goes when the test ends.
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres(pg::TestDb),
}

impl Place {
    fn sqlite() -> Place {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        Place::Sqlite { _dir: dir, path }
    }

    /// `None` (the test is skipped, saying so) without a test server.
    fn postgres() -> Option<Place> {
        pg::TestDb::create().map(Place::Postgres)
    }

    /// An empty store of the same kind: another file, another database.
    fn another(&self) -> Place {
        match self {
            Place::Sqlite { .. } => Place::sqlite(),
            Place::Postgres(_) => Place::postgres().expect("a server, as for this one"),
        }
    }

    fn config(&self) -> StoreConfig {
        match self {
            Place::Sqlite { path, .. } => StoreConfig::at(path),
            Place::Postgres(db) => StoreConfig::at_url(&db.url),
        }
    }

    /// What `[store]` says in a config file to use this store.
    fn toml(&self) -> String {
        match self {
            Place::Sqlite { path, .. } => format!("path = {:?}", path.display().to_string()),
            Place::Postgres(db) => format!("url = {:?}", db.url),
        }
    }

    /// How errors and logs name it.
    fn name(&self) -> String {
        match self {
            Place::Sqlite { path, .. } => path.display().to_string(),
            Place::Postgres(db) => db.url.clone(),
        }
    }

    /// A backend on it, without a store around.
    fn backend(&self) -> Box<dyn Backend> {
        match self {
            Place::Sqlite { path, .. } => Box::new(Sqlite::open(path).unwrap()),
            Place::Postgres(db) => Box::new(Postgres::open(&postgres_url(&db.url)).unwrap()),
        }
    }

    fn open(&self) -> Store {
        Store::open(&self.config()).unwrap()
    }

    fn open_at(&self, clock: &Clock) -> Store {
        open_at(&self.config(), clock)
    }

    /// The one number `sql` selects (SQL both engines read alike).
    fn count(&self, sql: &str) -> i64 {
        match self {
            Place::Sqlite { path, .. } => db(path).query_row(sql, [], |r| r.get(0)).unwrap(),
            Place::Postgres(db) => db.count(sql),
        }
    }

    /// The first column of what `sql` selects (SQL both engines read alike).
    fn column<T>(&self, sql: &str) -> Vec<T>
    where
        T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>,
    {
        match self {
            Place::Sqlite { path, .. } => column(path, sql),
            Place::Postgres(db) => db
                .client()
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect(),
        }
    }

    /// The schema version it records.
    fn version(&self) -> i64 {
        match self {
            Place::Sqlite { path, .. } => db(path)
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap(),
            Place::Postgres(db) => db.count("SELECT max(version) FROM schema_version"),
        }
    }

    fn set_version(&self, version: i64) {
        match self {
            Place::Sqlite { path, .. } => db(path)
                .pragma_update(None, "user_version", version)
                .unwrap(),
            Place::Postgres(db) => {
                db.client()
                    .execute("UPDATE schema_version SET version = $1", &[&version])
                    .unwrap();
            }
        }
    }
}

/// Makes `name::sqlite` and `name::postgres` of each `fn name(&Place)`.
macro_rules! on_both {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[test]
            fn sqlite() {
                super::$test(&super::Place::sqlite());
            }

            #[test]
            fn postgres() {
                if let Some(place) = super::Place::postgres() {
                    super::$test(&place);
                }
            }
        }
    )*};
}

fn postgres_url(url: &str) -> outsourcing_bot::config::PostgresUrl {
    match StoreUrl::new(url).location() {
        Ok(StoreLocation::Postgres(url)) => url,
        other => panic!("not a PostgreSQL URL: {other:?}"),
    }
}

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

fn column<T: rusqlite::types::FromSql>(path: &Path, sql: &str) -> Vec<T> {
    db(path)
        .prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A SQLite file's bytes, with its write-ahead log's.
fn file_bytes(path: &Path) -> Vec<Vec<u8>> {
    vec![
        std::fs::read(path).unwrap(),
        std::fs::read(path.with_extension("sqlite3-wal")).unwrap_or_default(),
    ]
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

on_both!(
    a_new_store_is_created_at_the_current_schema,
    reopening_a_current_store_migrates_nothing_and_keeps_every_row,
    a_store_from_a_newer_version_is_refused_untouched,
);

fn a_new_store_is_created_at_the_current_schema(place: &Place) {
    let store = place.open();
    drop(store);
    assert_eq!(place.version(), SCHEMA_VERSION);
    for table in [
        "meta",
        "questions",
        "feedback",
        "decisions",
        "hourly",
        "users",
    ] {
        assert_eq!(
            place.count(&format!("SELECT count(*) FROM {table} WHERE 1 = 0")),
            0
        );
    }
}

#[test]
fn a_new_file_and_its_folder_are_created_in_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/store.sqlite3");
    let store = Store::open(&StoreConfig::at(&path)).unwrap();
    drop(store);
    assert!(path.is_file());
    let mode: String = db(&path)
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

fn reopening_a_current_store_migrates_nothing_and_keeps_every_row(place: &Place) {
    {
        let store = place.open();
        for i in 0..3 {
            store.record(asked("kpo", "kpo", Some(i), true, "a/1"));
        }
    }
    let store = place.open();
    assert_eq!(store.insights(1).unwrap().asked, 3);
    assert_eq!(place.version(), SCHEMA_VERSION);
}

fn a_store_from_a_newer_version_is_refused_untouched(place: &Place) {
    drop(place.open());
    place.set_version(SCHEMA_VERSION + 1);
    let err = Store::open(&place.config()).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&place.name()), "{msg}");
    assert!(msg.contains("newer"), "{msg}");
    assert_eq!(place.version(), SCHEMA_VERSION + 1);
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

/// No server there (a closed port on this machine), or no such database:
/// the error says which store, without its password, and why.
#[test]
fn a_postgres_store_that_cannot_be_reached_is_an_error_without_the_password() {
    let url = "postgres://bot:hunter2-secret@127.0.0.1:1/bot";
    let err = Store::open(&StoreConfig::at_url(url)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("the store postgres://bot:***@127.0.0.1:1/bot: cannot connect"),
        "{msg}"
    );
    assert!(!msg.contains("hunter2"), "{msg}");
    assert!(!format!("{err:?}").contains("hunter2"));
    // Disabled, it is not even tried.
    let mut off = StoreConfig::at_url(url);
    off.enabled = false;
    assert!(!Store::open(&off).unwrap().is_enabled());
    // A URL that is no store's, in a config built by hand, is an error too.
    let err = Store::open(&StoreConfig::at_url("mysql://root:hunter2@db/x")).unwrap_err();
    assert!(
        err.to_string().contains("must start with sqlite://"),
        "{err}"
    );
    assert!(!err.to_string().contains("hunter2"), "{err}");

    let Some(Place::Postgres(db)) = Place::postgres() else {
        return;
    };
    let missing = pg::with_database(&db.url, "no_such_database");
    let msg = Store::open(&StoreConfig::at_url(&missing))
        .unwrap_err()
        .to_string();
    assert!(msg.contains(&missing), "{msg}");
    assert!(msg.contains("no_such_database\" does not exist"), "{msg}");
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

// --- several stores on one database ----------------------------------------

on_both!(
    two_stores_on_one_database_never_give_out_the_same_answer_id,
    stores_in_several_threads_share_one_database,
    openings_at_once_agree_on_schema_secret_and_id_blocks,
    a_store_opens_reads_and_closes_on_a_tokio_thread,
);

fn two_stores_on_one_database_never_give_out_the_same_answer_id(place: &Place) {
    let a = place.open();
    let b = place.open();
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

/// Two processes, as two threads with a store each: both write at once,
/// votes included, and a third store's insights count everything.
fn stores_in_several_threads_share_one_database(place: &Place) {
    const EACH: u64 = 200;
    let start = Barrier::new(2);
    let ids: Vec<Vec<AnswerId>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2u64)
            .map(|n| {
                let start = &start;
                scope.spawn(move || {
                    let store = place.open();
                    start.wait();
                    let mut ids = Vec::new();
                    for i in 0..EACH {
                        // Users 0..EACH in both: the same members on two shards.
                        let answered = i % 2 == 0;
                        let id = store.record(asked("kpo", "kpo", Some(i), answered, "d/kpo"));
                        if i % 10 == 0 {
                            store.feedback(id, i, Feedback::Up);
                        }
                        ids.push(id);
                    }
                    store.flush();
                    assert_eq!(store.dropped(), 0, "store {n}");
                    ids
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let all: HashSet<AnswerId> = ids.iter().flatten().copied().collect();
    assert_eq!(all.len() as u64, 2 * EACH, "no id given out twice");
    let i = place.open().insights(1).unwrap();
    assert_eq!((i.asked, i.answered), (2 * EACH, EACH));
    // The user hash is the same in both: one secret for the database.
    assert_eq!(i.distinct_users, EACH);
    assert_eq!(
        i.per_passage,
        [PassageVotes {
            passage: "d/kpo".into(),
            up: 2 * EACH / 10,
            down: 0
        }]
    );
}

/// Processes starting together on an empty database: each migrates or
/// waits for the one migrating, all read the same user-hash secret, and
/// no two get the same block of answer ids.
fn openings_at_once_agree_on_schema_secret_and_id_blocks(place: &Place) {
    const OPENINGS: usize = 6;
    let start = Barrier::new(OPENINGS);
    let opened: Vec<([u8; 32], Vec<i64>)> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..OPENINGS)
            .map(|_| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    let mut backend = place.backend();
                    let key = backend.user_key().unwrap();
                    let blocks = (0..5).map(|_| backend.reserve_ids().unwrap()).collect();
                    (key, blocks)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(place.version(), SCHEMA_VERSION);
    let keys: HashSet<[u8; 32]> = opened.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys.len(), 1, "one secret for all");
    let blocks: Vec<i64> = opened.iter().flat_map(|(_, b)| b.clone()).collect();
    let distinct: HashSet<i64> = blocks.iter().copied().collect();
    assert_eq!(distinct.len(), OPENINGS * 5, "{blocks:?}");
    // Each block is the start of 2^32 ids: distinct starts, disjoint ranges.
    assert!(
        blocks.iter().all(|b| *b > 0 && b % (1 << 32) == 0),
        "{blocks:?}"
    );
}

/// The Discord front end opens the store, and reads it for buttons, on
/// tokio's threads; the last clone may go there too.
fn a_store_opens_reads_and_closes_on_a_tokio_thread(place: &Place) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let config = place.config();
    runtime.block_on(async move {
        let store = Store::open(&config).unwrap();
        store.record(asked("kpo", "kpo", Some(1), true, "a/1"));
        store.flush();
        assert_eq!(store.insights(1).unwrap().asked, 1);
        assert!(store.suggestions().unwrap().is_empty());
        drop(store);
    });
}

/// The server ends every connection to the database (a restart, a
/// failover): the store says so, connects again, and nothing is lost.
#[test]
fn a_lost_postgres_connection_is_made_again_and_nothing_is_lost() {
    let Some(place) = Place::postgres() else {
        return;
    };
    let Place::Postgres(db) = &place else {
        unreachable!()
    };
    let store = place.open();
    store.record(asked("uno", "uno", Some(1), true, "a/1"));
    store.flush();
    assert_eq!(store.insights(1).unwrap().asked, 1);
    let ended = db
        .client()
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap()
        .len();
    // The writer's connection and the reader's.
    assert_eq!(ended, 2);
    store.record(asked("dos", "dos", Some(2), true, "a/1"));
    store.flush();
    assert_eq!(store.insights(1).unwrap().asked, 2);
    assert_eq!(store.dropped(), 0);
}

// --- retention -----------------------------------------------------------

on_both!(
    rows_past_retention_are_purged_at_open,
    a_running_store_purges_once_a_day,
);

fn rows_past_retention_are_purged_at_open(place: &Place) {
    let (now, clock) = manual_clock(T0);
    {
        let store = place.open_at(&clock);
        let old = store.record(asked("viejo", "viejo", Some(1), true, "a/1"));
        store.feedback(old, 1, Feedback::Down);
        now.store(T0 + 80 * DAY, Ordering::SeqCst);
        let recent = store.record(asked("nuevo", "nuevo", Some(2), true, "a/2"));
        store.feedback(recent, 2, Feedback::Up);
    }
    assert_eq!(place.count("SELECT count(*) FROM questions"), 2);
    // 91 days after the first question, 11 after the second.
    now.store(T0 + 91 * DAY, Ordering::SeqCst);
    let store = place.open_at(&clock);
    assert_eq!(place.count("SELECT count(*) FROM questions"), 1);
    assert_eq!(place.count("SELECT count(*) FROM feedback"), 1);
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

fn a_running_store_purges_once_a_day(place: &Place) {
    let (now, clock) = manual_clock(T0);
    let mut c = place.config();
    c.retention_days = 2;
    let store = open_at(&c, &clock);
    store.record(asked("uno", "uno", Some(1), true, "a/1"));
    store.flush();
    // A day later: the first is within retention.
    now.store(T0 + DAY + 1, Ordering::SeqCst);
    store.record(asked("dos", "dos", Some(1), true, "a/1"));
    store.flush();
    assert_eq!(place.count("SELECT count(*) FROM questions"), 2);
    // Past two days since the first: the writer's daily purge removes it.
    now.store(T0 + 2 * DAY + 10, Ordering::SeqCst);
    store.record(asked("tres", "tres", Some(1), true, "a/1"));
    store.flush();
    assert_eq!(
        place.column::<String>("SELECT question FROM questions ORDER BY at"),
        ["dos", "tres"]
    );
}

// --- users ---------------------------------------------------------------

on_both!(users_are_stored_as_a_keyed_hash_that_survives_reopening);

fn users_are_stored_as_a_keyed_hash_that_survives_reopening(place: &Place) {
    let alice: u64 = 123_456_789_012_345_678;
    let bob: u64 = 876_543_210_987_654_321;
    {
        let store = place.open();
        store.record(asked("kpo", "kpo", Some(alice), true, "a/1"));
        store.record(asked("bpo", "bpo", Some(alice), true, "a/1"));
        store.record(asked("bpo", "bpo", Some(bob), true, "a/1"));
        store.flush();
        assert_eq!(store.insights(1).unwrap().distinct_users, 2);
    }
    let hashes = place.column::<i64>("SELECT DISTINCT user_hash FROM questions");
    assert_eq!(hashes.len(), 2);
    for id in [alice, bob] {
        assert!(!hashes.contains(&(id as i64)));
    }
    assert_eq!(
        place.column::<i64>("SELECT user_hash FROM users ORDER BY user_hash"),
        {
            let mut sorted = hashes.clone();
            sorted.sort();
            sorted
        }
    );
    if let Place::Sqlite { path, .. } = place {
        // The raw ids appear nowhere in the file.
        for hay in file_bytes(path) {
            for id in [alice, bob] {
                for needle in [id.to_le_bytes(), id.to_be_bytes()] {
                    assert!(!hay.windows(8).any(|w| w == needle));
                }
                let text = id.to_string();
                assert!(!hay.windows(text.len()).any(|w| w == text.as_bytes()));
            }
        }
    }
    // Reopened: the same secret, so Alice is still one user.
    let store = place.open();
    store.record(asked("kpo", "kpo", Some(alice), true, "a/1"));
    store.flush();
    assert_eq!(store.insights(1).unwrap().distinct_users, 2);
    // Another store has another secret: the same user, another hash.
    let other = place.another();
    let store = other.open();
    store.record(asked("kpo", "kpo", Some(alice), true, "a/1"));
    store.flush();
    let there = other.count("SELECT user_hash FROM questions");
    assert!(!hashes.contains(&there));
}

/// The hash is HMAC-SHA-256 truncated to 8 bytes: a user hashed before an
/// upgrade of the hashing crates is the same user after it.
#[test]
fn the_user_hash_is_hmac_sha256_of_the_id() {
    // HMAC-SHA-256(key = 32 × 0x01, message = 42 as 8 little-endian bytes),
    // its first 8 bytes read little-endian (computed with Python's hmac).
    assert_eq!(
        outsourcing_bot::store::user_hash(&[1u8; 32], 42),
        i64::from_le_bytes([0xd7, 0x0a, 0x68, 0xee, 0xa0, 0xea, 0xfe, 0xa2])
    );
}

// --- feedback ------------------------------------------------------------

on_both!(one_vote_per_user_and_answer_and_forged_answers_change_nothing);

fn one_vote_per_user_and_answer_and_forged_answers_change_nothing(place: &Place) {
    let store = place.open();
    let a = store.record(asked("kpo", "kpo", Some(1), true, "a/kpo"));
    store.feedback(a, 1, Feedback::Up);
    store.feedback(a, 1, Feedback::Down);
    store.feedback(a, 2, Feedback::Up);
    // Ids never given out: a forged or stale button.
    store.feedback(AnswerId(a.0 + 1000), 1, Feedback::Up);
    store.feedback(AnswerId(-5), 1, Feedback::Down);
    store.flush();
    assert_eq!(place.count("SELECT count(*) FROM feedback"), 2);
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

/// A backend whose writes wait for the test, or fail while it says.
struct Gated {
    inner: Box<dyn Backend>,
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
                store: "gated".into(),
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

on_both!(
    a_full_queue_drops_and_counts_and_never_waits,
    a_failing_database_loses_those_questions_only_and_the_store_goes_on,
);

fn a_full_queue_drops_and_counts_and_never_waits(place: &Place) {
    let (entered_tx, entered) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    let writer = Gated {
        inner: place.backend(),
        entered: Some(entered_tx),
        go: Some(Arc::new(Mutex::new(go_rx))),
        fail: Arc::new(AtomicBool::new(false)),
    };
    let store = Store::with_backends(
        Box::new(writer),
        place.backend(),
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
    store.feedback(AnswerId(1), 1, Feedback::Up);
    assert_eq!(store.dropped(), 11);
    // Let every write through, the one held and those to come.
    for _ in 0..10 {
        go.send(()).unwrap();
    }
    store.flush();
    assert_eq!(store.insights(1).unwrap().asked, 5);
    assert_eq!(store.dropped(), 11);
}

fn a_failing_database_loses_those_questions_only_and_the_store_goes_on(place: &Place) {
    let fail = Arc::new(AtomicBool::new(true));
    let writer = Gated {
        inner: place.backend(),
        entered: None,
        go: None,
        fail: fail.clone(),
    };
    let store = Store::with_backends(
        Box::new(writer),
        place.backend(),
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
    low.confidence = outsourcing_bot::confidence::MODEL.threshold - 0.05;
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

on_both!(
    insights_count_a_scripted_history,
    the_insights_window_counts_only_its_days,
    windows_and_purges_that_start_inside_an_hour_count_exactly,
    suggestions_come_from_what_members_resolved_until_decided,
    without_keep_questions_no_text_is_stored_and_counts_still_are,
    unanswered_groups_tie_in_byte_order_and_long_questions_are_kept,
);

fn insights_count_a_scripted_history(place: &Place) {
    let store = place.open();
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

fn the_insights_window_counts_only_its_days(place: &Place) {
    let (now, clock) = manual_clock(T0);
    let store = place.open_at(&clock);
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
fn windows_and_purges_that_start_inside_an_hour_count_exactly(place: &Place) {
    let (now, clock) = manual_clock(T0);
    let mut c = place.config();
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

fn suggestions_come_from_what_members_resolved_until_decided(place: &Place) {
    let store = place.open();
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
    let store = place.open();
    let left: Vec<String> = store
        .suggestions()
        .unwrap()
        .into_iter()
        .map(|s| s.passage)
        .collect();
    assert_eq!(left, ["d/bpo/2"]);
    assert_eq!(place.count("SELECT count(*) FROM decisions"), 2);
    assert_eq!(
        place.column::<String>("SELECT passage FROM decisions WHERE accepted"),
        ["d/kpo/riesgos"]
    );
}

fn without_keep_questions_no_text_is_stored_and_counts_still_are(place: &Place) {
    let mut c = place.config();
    c.keep_questions = false;
    let store = Store::open(&c).unwrap();
    scripted(&store);
    assert_eq!(
        place.count(
            "SELECT count(*) FROM questions WHERE question IS NOT NULL OR meaning IS NOT NULL"
        ),
        0
    );
    let i = store.insights(7).unwrap();
    assert_eq!((i.asked, i.answered, i.distinct_users), (8, 4, 7));
    assert_eq!(i.per_passage.len(), 4);
    assert!(i.unanswered.is_empty());
    assert!(store.suggestions().unwrap().is_empty());
    drop(store);
    if let Place::Sqlite { path, .. } = place {
        // The text is nowhere in the file.
        for hay in file_bytes(path) {
            assert!(!hay.windows(11).any(|w| w == b"riesgos kpo"));
        }
    }
}

/// Groups asked as often are listed by their meaning's bytes (as SQLite
/// compares text, whatever the database's locale); a question far longer
/// than an index entry may be is stored, grouped and decided like any.
fn unanswered_groups_tie_in_byte_order_and_long_questions_are_kept(place: &Place) {
    let store = place.open();
    let long = "outsourcing ".repeat(1000);
    for (text, meaning) in [
        ("b", "b"),
        ("B", "B"),
        ("á", "á"),
        ("a", "a"),
        (long.as_str(), long.as_str()),
    ] {
        store.record(asked(text, meaning, Some(1), false, "d/1"));
    }
    let id = store.record(asked(&long, &long, Some(2), false, "d/1"));
    store.feedback(id, 2, Feedback::DidYouMean("d/long".into()));
    store.flush();
    let groups: Vec<(String, u64)> = store
        .insights(1)
        .unwrap()
        .unanswered
        .into_iter()
        .map(|g| (g.meaning, g.count))
        .collect();
    assert_eq!(
        groups,
        [
            (long.clone(), 2),
            ("B".to_string(), 1),
            ("a".to_string(), 1),
            ("b".to_string(), 1),
            ("á".to_string(), 1),
        ]
    );
    let s = store.suggestions().unwrap();
    assert_eq!(s.len(), 1);
    store.decide(s[0].id, true).unwrap();
    assert!(store.suggestions().unwrap().is_empty());
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

on_both!(
    ask_and_chat_record_and_insights_json_counts_them,
    suggestions_json_lists_what_members_resolved,
);

fn ask_and_chat_record_and_insights_json_counts_them(place: &Place) {
    let dir = tempfile::tempdir().unwrap();
    let store = &place.toml();
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
    assert_eq!(
        place.count("SELECT count(*) FROM questions WHERE surface = 'cli'"),
        2
    );
    assert_eq!(
        place.count("SELECT count(*) FROM questions WHERE surface = 'console'"),
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

fn suggestions_json_lists_what_members_resolved(place: &Place) {
    let dir = tempfile::tempdir().unwrap();
    scripted(&place.open());
    let (code, out, err) = run(bot(dir.path(), &place.toml()).args(["suggestions", "--json"]));
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
    assert_eq!(place.open().suggestions().unwrap()[0].id, id);
    let (code, out, _) = run(bot(dir.path(), &place.toml()).arg("suggestions"));
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

/// Reading a PostgreSQL store that cannot be reached: exit 1, naming it
/// without its password.
#[test]
fn reading_a_postgres_store_that_cannot_be_reached_is_exit_1_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgres://bot:hunter2-secret@127.0.0.1:1/bot";
    for command in ["insights", "suggestions"] {
        let (code, out, err) = run(bot(dir.path(), &format!("url = {url:?}")).arg(command));
        assert_eq!(code, 1, "{command}: {out}{err}");
        assert!(
            err.contains("postgres://bot:***@127.0.0.1:1/bot: cannot connect"),
            "{err}"
        );
        assert!(
            !err.contains("hunter2") && !out.contains("hunter2"),
            "{err}"
        );
    }
}
