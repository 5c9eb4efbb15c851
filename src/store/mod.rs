//! What the bot remembers: the questions it was asked, how members rated the
//! answers, and which suggestions admins decided.
//!
//! Front ends hold a [`Store`] (a cheap `Clone`). Recording never slows or
//! fails an answer: [`Store::record`] and [`Store::feedback`] put the event
//! in a bounded queue and return; a writer thread empties it in batches, one
//! transaction each. When the queue is full the event is dropped and counted
//! ([`Store::dropped`]), never waited for; when the disk refuses a write the
//! writer says so once in the log and answering goes on.
//!
//! Users are never stored in clear: a keyed hash (HMAC-SHA-256 with a secret
//! generated into the store on first start) stands for them, enough to count
//! distinct users and to keep one vote per user and answer, and useless to
//! anyone without the file's secret. Rows older than `retention_days` are
//! deleted at open and then daily.
//!
//! The database is behind the [`Backend`] trait: SQLite ([`Sqlite`], one
//! file, the default) or PostgreSQL ([`Postgres`], one database for several
//! processes), picked by `store.url`. Both keep the same tables with the same
//! meaning and answer the same queries. Nothing outside this module knows
//! SQL; what the records mean (insights, suggestions) is decided in
//! [`crate::learn`].

mod postgres;
mod sqlite;

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::answer::{Answer, Question};
use crate::brain::Brain;
use crate::config::{StoreConfig, StoreLocation};
use crate::lang::Lang;
pub use crate::learn::{
    Decided, Insights, PassageVotes, Resolution, Suggestion, SuggestionId, Totals, UnansweredGroup,
};
pub use postgres::Postgres;
pub use sqlite::{Sqlite, SCHEMA_VERSION};

/// Where a question was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Surface {
    Slash,
    Mention,
    Dm,
    Channel,
    Console,
    Cli,
}

impl Surface {
    pub const ALL: [Surface; 6] = [
        Surface::Slash,
        Surface::Mention,
        Surface::Dm,
        Surface::Channel,
        Surface::Console,
        Surface::Cli,
    ];

    /// The name stored (readable by whoever audits the file).
    pub fn name(self) -> &'static str {
        match self {
            Surface::Slash => "slash",
            Surface::Mention => "mention",
            Surface::Dm => "dm",
            Surface::Channel => "channel",
            Surface::Console => "console",
            Surface::Cli => "cli",
        }
    }

    pub fn from_name(name: &str) -> Option<Surface> {
        Surface::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One question and how it was answered, as a front end reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub surface: Surface,
    pub guild: Option<u64>,
    /// Hashed before it is stored; never written as is.
    pub user: Option<u64>,
    /// The answer's language.
    pub lang: Lang,
    /// The question as asked (not stored with `keep_questions = false`).
    pub text: String,
    /// [`crate::answer::meaning`] of the question (not stored either then).
    pub meaning: String,
    pub answered: bool,
    pub confidence: f32,
    /// The best passage's id, answered or not.
    pub top: Option<String>,
    /// The knowledge's version (its content hash, `{:016x}`).
    pub version: String,
}

impl Asked {
    /// What answering `question` gave, as the store keeps it; a front end
    /// with users sets `guild` and `user` on it. Cheap: the meaning comes
    /// with the answer.
    pub fn of(brain: &Brain, question: &Question, answer: &Answer, surface: Surface) -> Asked {
        Asked {
            surface,
            guild: None,
            user: None,
            lang: answer.lang,
            text: question.as_str().to_string(),
            meaning: answer.meaning.clone(),
            answered: answer.answered,
            confidence: answer.confidence,
            top: answer.passages.first().map(|p| p.id.clone()),
            version: format!("{:016x}", brain.knowledge.content_hash),
        }
    }
}

/// A recorded answer, for its feedback buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AnswerId(pub i64);

impl fmt::Display for AnswerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for AnswerId {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(AnswerId)
    }
}

/// What a member said about an answer. One per member and answer: a second
/// 👍 or 👎 replaces the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feedback {
    Up,
    Down,
    /// After 👎: the passage (id) they expected instead.
    Picked(String),
    /// The passage (id) they clicked among "did you mean…?".
    DidYouMean(String),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no: cannot open, cannot read, not a database,
    /// cannot connect. `store` is the file, or the URL without its password.
    #[error("the store {store}: {message}")]
    Failed { store: String, message: String },
    #[error(
        "the store {store} has schema version {found}, newer than the {known} this outsourcing-bot knows: run a newer outsourcing-bot, or point store.url at another store"
    )]
    TooNew {
        store: String,
        found: i64,
        known: i64,
    },
    #[error("there is no suggestion {0} now: it was decided already, or its questions expired")]
    UnknownSuggestion(SuggestionId),
}

/// A stored question, as the backend writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRow {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub surface: Surface,
    pub guild: Option<u64>,
    /// The keyed hash of the user.
    pub user_hash: Option<i64>,
    pub lang: Lang,
    /// `None` with `keep_questions = false`.
    pub question: Option<String>,
    pub meaning: Option<String>,
    pub answered: bool,
    pub confidence: f32,
    pub passage: Option<String>,
    pub version: String,
}

/// A stored piece of feedback, as the backend writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackRow {
    pub answer: i64,
    pub user_hash: i64,
    pub at: i64,
    pub feedback: Feedback,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Question(QuestionRow),
    Feedback(FeedbackRow),
}

/// A database the store can sit on. The writer thread holds one, the
/// readers another (so reading never waits for a batch being written).
pub trait Backend: Send {
    /// Writes `events` in order, in one transaction. Feedback on an answer
    /// that is not stored (forged, expired, dropped) changes nothing.
    fn write(&mut self, events: &[Event]) -> Result<(), StoreError>;
    /// Deletes everything recorded before `before` (unix seconds).
    fn purge(&mut self, before: i64) -> Result<(), StoreError>;
    /// The first of 2³² answer ids that no other opening of this store
    /// gets, so processes sharing the file never give out the same id.
    fn reserve_ids(&mut self) -> Result<i64, StoreError>;
    /// The secret of the user hash, created on first use.
    fn user_key(&mut self) -> Result<[u8; 32], StoreError>;
    /// Totals over questions asked since `since`.
    fn totals(&mut self, since: i64) -> Result<Totals, StoreError>;
    /// 👍/👎 per best passage, over questions asked since `since`.
    fn votes(&mut self, since: i64) -> Result<Vec<PassageVotes>, StoreError>;
    /// Unanswered questions since `since` grouped by meaning, most asked
    /// first, at most `limit` groups.
    fn unanswered(&mut self, since: i64, limit: usize) -> Result<Vec<UnansweredGroup>, StoreError>;
    /// Every resolution of a question to a passage, oldest first; a 👍
    /// counts when the answer's confidence was under `low_confidence`.
    fn resolutions(&mut self, low_confidence: f32) -> Result<Vec<Resolution>, StoreError>;
    fn decided(&mut self) -> Result<HashSet<Decided>, StoreError>;
    fn decide(&mut self, what: &Decided, accept: bool, at: i64) -> Result<(), StoreError>;
}

/// Now, in unix seconds. Tests put the store in the past with their own.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        }))
    }

    pub fn new(now: impl Fn() -> i64 + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> i64 {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// What the store does besides its config.
#[derive(Debug, Clone)]
pub struct Options {
    /// Events the queue holds before it drops them.
    pub queue: usize,
    pub clock: Clock,
}

/// The queue's default size: minutes of a busy bot's questions.
pub const QUEUE: usize = 10_000;

impl Default for Options {
    fn default() -> Self {
        Options {
            queue: QUEUE,
            clock: Clock::system(),
        }
    }
}

/// What the store keeps, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keeping {
    pub retention_days: u32,
    pub keep_questions: bool,
}

const DAY: i64 = 86_400;
/// Events written per transaction at most.
const BATCH: usize = 1024;
/// How often an idle writer wakes to see whether a purge is due.
const IDLE_WAKE: Duration = Duration::from_secs(3600);

/// The store the front ends hold. Cloning shares it.
#[derive(Clone)]
pub struct Store {
    inner: Option<Arc<Inner>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Some(inner) => write!(f, "Store({})", inner.name),
            None => f.write_str("Store(disabled)"),
        }
    }
}

struct Inner {
    name: String,
    /// Boxed: a bounded channel lays out every slot when it is made, so
    /// the queue costs a pointer per slot until events fill it.
    tx: SyncSender<Box<Msg>>,
    next_id: AtomicI64,
    dropped: AtomicU64,
    reader: Mutex<Box<dyn Backend>>,
    clock: Clock,
    keeping: Keeping,
    writer: Option<JoinHandle<()>>,
}

enum Msg {
    /// An event whose user is not hashed yet: hashing is the writer's work,
    /// not the answer's.
    Question(QuestionRow, Option<u64>),
    Feedback(FeedbackRow, u64),
    Flush(SyncSender<()>),
    Stop,
}

impl Store {
    /// Opens the configured store: the SQLite file (created with its
    /// folder) or the PostgreSQL database `store.url` names, migrated,
    /// purged of expired rows. With `store.enabled = false`, a
    /// [`Store::disabled`].
    pub fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        Store::open_with(config, Options::default())
    }

    pub fn open_with(config: &StoreConfig, options: Options) -> Result<Store, StoreError> {
        if !config.enabled {
            return Ok(Store::disabled());
        }
        // A config loaded from a file was checked already; one built by
        // hand is checked here.
        let location = config
            .url
            .location()
            .map_err(|message| StoreError::Failed {
                store: config.url.to_string(),
                message,
            })?;
        let (writer, reader): (Box<dyn Backend>, Box<dyn Backend>) = match &location {
            StoreLocation::Sqlite(path) => {
                (Box::new(Sqlite::open(path)?), Box::new(Sqlite::open(path)?))
            }
            StoreLocation::Postgres(url) => (
                Box::new(Postgres::open(url)?),
                Box::new(Postgres::open(url)?),
            ),
        };
        Store::with_backends(
            writer,
            reader,
            Keeping {
                retention_days: config.retention_days,
                keep_questions: config.keep_questions,
            },
            options,
            location.to_string(),
        )
    }

    /// A store over any backend: `writer` goes to the writer thread,
    /// `reader` answers queries. `name` names it in logs.
    pub fn with_backends(
        mut writer: Box<dyn Backend>,
        reader: Box<dyn Backend>,
        keeping: Keeping,
        options: Options,
        name: String,
    ) -> Result<Store, StoreError> {
        let key = writer.user_key()?;
        let first_id = writer.reserve_ids()?;
        let retention = i64::from(keeping.retention_days) * DAY;
        let now = options.clock.now();
        writer.purge(now - retention)?;
        let (tx, rx) = mpsc::sync_channel(options.queue.max(1));
        let clock = options.clock.clone();
        let thread_name = name.clone();
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                Writer {
                    backend: writer,
                    key,
                    clock,
                    retention,
                    next_purge: now + DAY,
                    failing: false,
                    name: thread_name,
                }
                .run(rx)
            })
            .map_err(|err| StoreError::Failed {
                store: name.clone(),
                message: format!("cannot start its writer thread: {err}"),
            })?;
        Ok(Store {
            inner: Some(Arc::new(Inner {
                name,
                tx,
                next_id: AtomicI64::new(first_id),
                dropped: AtomicU64::new(0),
                reader: Mutex::new(reader),
                clock: options.clock,
                keeping,
                writer: Some(handle),
            })),
        })
    }

    /// A store that records nothing: queries find nothing, every answer id
    /// is 0, feedback is ignored.
    pub fn disabled() -> Store {
        Store { inner: None }
    }

    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// Queues `asked` to be written; never blocks, never fails.
    pub fn record(&self, asked: Asked) -> AnswerId {
        let Some(inner) = &self.inner else {
            return AnswerId(0);
        };
        let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
        let keep = inner.keeping.keep_questions;
        let row = QuestionRow {
            id,
            at: inner.clock.now(),
            surface: asked.surface,
            guild: asked.guild,
            user_hash: None,
            lang: asked.lang,
            question: keep.then_some(asked.text),
            meaning: keep.then_some(asked.meaning),
            answered: asked.answered,
            confidence: asked.confidence,
            passage: asked.top,
            version: asked.version,
        };
        inner.send(Msg::Question(row, asked.user));
        AnswerId(id)
    }

    /// Queues `user`'s feedback on `answer`; never blocks. An answer that
    /// was never stored (a forged or expired id) is left as it is.
    pub fn feedback(&self, answer: AnswerId, user: u64, feedback: Feedback) {
        let Some(inner) = &self.inner else {
            return;
        };
        crate::metrics::feedback(&feedback);
        let row = FeedbackRow {
            answer: answer.0,
            user_hash: 0,
            at: inner.clock.now(),
            feedback,
        };
        inner.send(Msg::Feedback(row, user));
    }

    /// Events dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.inner
            .as_ref()
            .map_or(0, |i| i.dropped.load(Ordering::Relaxed))
    }

    /// Waits until everything queued so far is written (or failed to be).
    pub fn flush(&self) {
        let Some(inner) = &self.inner else {
            return;
        };
        let (ack, done) = mpsc::sync_channel(1);
        // The one call that may wait for room: it is what it is for.
        if inner.tx.send(Box::new(Msg::Flush(ack))).is_ok() {
            let _ = done.recv();
        }
    }

    /// What was asked over the last `days` days. Reads the database: call it
    /// off the async workers.
    pub fn insights(&self, days: u32) -> Result<Insights, StoreError> {
        let Some(inner) = &self.inner else {
            return Ok(crate::learn::insights(
                days,
                Totals::default(),
                Vec::new(),
                Vec::new(),
            ));
        };
        let since = inner.clock.now() - i64::from(days) * DAY;
        let mut db = inner.reader();
        let totals = db.totals(since)?;
        let votes = db.votes(since)?;
        let unanswered = db.unanswered(since, crate::learn::UNANSWERED_GROUPS)?;
        Ok(crate::learn::insights(days, totals, votes, unanswered))
    }

    /// Alternate questions to propose, most frequent first, without the
    /// decided ones.
    pub fn suggestions(&self) -> Result<Vec<Suggestion>, StoreError> {
        let Some(inner) = &self.inner else {
            return Ok(Vec::new());
        };
        let mut db = inner.reader();
        let resolutions = db.resolutions(crate::confidence::MODEL.threshold)?;
        let decided = db.decided()?;
        Ok(crate::learn::suggestions(&resolutions, &decided))
    }

    /// Remembers that suggestion `id` was accepted or rejected, so it is not
    /// proposed again. An id that is not proposed now is an error.
    pub fn decide(&self, id: SuggestionId, accept: bool) -> Result<(), StoreError> {
        let suggestion = self
            .suggestions()?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(StoreError::UnknownSuggestion(id))?;
        let Some(inner) = &self.inner else {
            return Err(StoreError::UnknownSuggestion(id));
        };
        let what = Decided {
            lang: suggestion.lang,
            meaning: suggestion.meaning,
            passage: suggestion.passage,
        };
        let mut db = inner.reader();
        db.decide(&what, accept, inner.clock.now())
    }
}

impl Inner {
    fn send(&self, msg: Msg) {
        match self.tx.try_send(Box::new(msg)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                crate::metrics::store_dropped();
            }
        }
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Box<dyn Backend>> {
        // A panic while reading left nothing half-done in the connection.
        self.reader.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Inner {
    /// The last clone gone: what is queued is written before the thread ends.
    fn drop(&mut self) {
        let _ = self.tx.send(Box::new(Msg::Stop));
        if let Some(handle) = self.writer.take() {
            let _ = handle.join();
        }
    }
}

/// The writer thread's state.
struct Writer {
    backend: Box<dyn Backend>,
    key: [u8; 32],
    clock: Clock,
    retention: i64,
    next_purge: i64,
    /// The last write failed (and that was logged).
    failing: bool,
    name: String,
}

impl Writer {
    fn run(mut self, rx: Receiver<Box<Msg>>) {
        let mut batch: Vec<Box<Msg>> = Vec::with_capacity(BATCH);
        let mut events: Vec<Event> = Vec::with_capacity(BATCH);
        loop {
            match rx.recv_timeout(IDLE_WAKE) {
                Ok(msg) => batch.push(msg),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(msg) => batch.push(msg),
                    Err(_) => break,
                }
            }
            let mut acks = Vec::new();
            let mut stop = false;
            for msg in batch.drain(..) {
                match *msg {
                    Msg::Question(mut row, user) => {
                        row.user_hash = user.map(|u| user_hash(&self.key, u));
                        events.push(Event::Question(row));
                    }
                    Msg::Feedback(mut row, user) => {
                        row.user_hash = user_hash(&self.key, user);
                        events.push(Event::Feedback(row));
                    }
                    Msg::Flush(ack) => acks.push(ack),
                    Msg::Stop => stop = true,
                }
            }
            if !events.is_empty() {
                let result = self.backend.write(&events);
                self.report(result, events.len());
                events.clear();
            }
            let now = self.clock.now();
            if now >= self.next_purge {
                let result = self.backend.purge(now - self.retention);
                self.report(result, 0);
                self.next_purge = now + DAY;
            }
            for ack in acks {
                let _ = ack.send(());
            }
            if stop {
                return;
            }
        }
    }

    /// Logs the first failure of a run of them, and the recovery.
    fn report(&mut self, result: Result<(), StoreError>, events: usize) {
        match result {
            Err(err) if !self.failing => {
                self.failing = true;
                tracing::warn!(
                    store = %self.name,
                    events,
                    "{err}; questions are not recorded until it can write again (answering goes on)"
                );
            }
            Err(_) => {}
            Ok(()) if self.failing => {
                self.failing = false;
                tracing::info!(store = %self.name, "the store writes again");
            }
            Ok(()) => {}
        }
    }
}

/// The keyed hash that stands for a user: the first 8 bytes of
/// HMAC-SHA-256(secret, id). Same user, same hash; without the secret, no
/// way back to the id.
pub fn user_hash(key: &[u8; 32], user: u64) -> i64 {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&user.to_le_bytes());
    let bytes: [u8; 8] = mac.finalize().into_bytes()[..8]
        .try_into()
        .expect("8 bytes");
    i64::from_le_bytes(bytes)
}

/// 32 random bytes from the operating system.
pub(crate) fn new_secret() -> Result<[u8; 32], getrandom::Error> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_surface_is_stored_by_a_name_read_back_the_same() {
        for s in Surface::ALL {
            assert_eq!(Surface::from_name(s.name()), Some(s));
        }
    }

    #[test]
    fn the_user_hash_depends_on_the_user_and_the_secret() {
        let a = [1u8; 32];
        let b = [2u8; 32];
        assert_eq!(user_hash(&a, 42), user_hash(&a, 42));
        assert_ne!(user_hash(&a, 42), user_hash(&a, 43));
        assert_ne!(user_hash(&a, 42), user_hash(&b, 42));
        assert_ne!(user_hash(&a, 42), 42);
    }

    #[test]
    fn answer_ids_round_trip_through_text() {
        let id = AnswerId(4_294_967_301);
        assert_eq!(id.to_string(), "4294967301");
        assert_eq!("4294967301".parse::<AnswerId>(), Ok(id));
        assert!("12x".parse::<AnswerId>().is_err());
    }

    #[test]
    fn a_disabled_store_records_nothing_and_finds_nothing() {
        let store = Store::disabled();
        assert!(!store.is_enabled());
        let id = store.record(Asked {
            surface: Surface::Cli,
            guild: None,
            user: Some(1),
            lang: Lang::Es,
            text: "kpo".into(),
            meaning: "kpo".into(),
            answered: true,
            confidence: 0.9,
            top: None,
            version: "0".into(),
        });
        store.feedback(id, 1, Feedback::Up);
        store.flush();
        assert_eq!(store.insights(7).unwrap().asked, 0);
        assert!(store.suggestions().unwrap().is_empty());
        assert!(store.decide(SuggestionId(1), true).is_err());
    }
}
