//! The store on PostgreSQL: one database that several processes (shards)
//! write at once, with the tables, meaning and queries of the SQLite store.
//!
//! What SQLite gets from one file and its write lock, PostgreSQL gets from
//! the server: answer-id blocks from a sequence (no two openings get the
//! same), the user-hash secret from `INSERT … ON CONFLICT DO NOTHING` then a
//! read (the first process to start makes it, all share it), and migrations
//! and purges under an advisory lock (two processes starting at once take
//! turns). Rollups are upserts, each row taken in key order, so writers
//! never deadlock on each other.
//!
//! The schema version lives in the table `schema_version`, as SQLite's in
//! `PRAGMA user_version`. PostgreSQL stores begin at version 2, the whole
//! schema at once; a later version is a step in [`LATER`], which must keep
//! pace with SQLite's migrations (checked when this compiles).
//!
//! A lost connection is logged once and made again on the next call, which
//! is tried once more on the new connection; while the server is away the
//! calls fail, and the writer says so once (see `Writer::report`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};

use super::{new_secret, Backend, Event, Feedback, StoreError, SCHEMA_VERSION};
use crate::config::PostgresUrl;
use crate::lang::Lang;
use crate::learn::{
    Decided, FeedbackOnQuestion, PassageVotes, Resolution, Totals, UnansweredGroup,
};

/// The version a new PostgreSQL store is created at, by [`BASE`].
const BASE_VERSION: i64 = 2;

/// The whole schema at [`BASE_VERSION`]: SQLite's after its migrations 1
/// and 2, in PostgreSQL's types (flags are booleans). Two indexes differ,
/// for PostgreSQL's limit on the size of an index entry (about 2.7 kB): the
/// unanswered are found by time (questions may be long, and so their
/// meaning), and decisions are unique by a digest of their meaning.
const BASE: &str = "
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value BYTEA NOT NULL
    );
    CREATE TABLE questions (
        id BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
        surface TEXT NOT NULL,
        guild BIGINT,
        user_hash BIGINT,
        lang TEXT NOT NULL,
        question TEXT,
        meaning TEXT,
        answered BOOLEAN NOT NULL,
        confidence DOUBLE PRECISION NOT NULL,
        passage TEXT,
        version TEXT NOT NULL
    );
    CREATE INDEX questions_at ON questions (at, answered);
    CREATE INDEX questions_unanswered ON questions (at)
        WHERE NOT answered AND meaning IS NOT NULL;
    CREATE TABLE feedback (
        answer BIGINT NOT NULL,
        user_hash BIGINT NOT NULL,
        at BIGINT NOT NULL,
        vote INTEGER,
        picked TEXT,
        meant TEXT,
        asked_at BIGINT NOT NULL DEFAULT 0,
        passage TEXT,
        PRIMARY KEY (answer, user_hash)
    );
    CREATE TABLE decisions (
        lang TEXT NOT NULL,
        meaning TEXT NOT NULL,
        passage TEXT NOT NULL,
        accepted BOOLEAN NOT NULL,
        at BIGINT NOT NULL
    );
    CREATE UNIQUE INDEX decisions_key ON decisions (lang, md5(meaning), passage);
    CREATE TABLE hourly (
        hour BIGINT PRIMARY KEY,
        asked BIGINT NOT NULL,
        answered BIGINT NOT NULL
    );
    CREATE TABLE users (
        user_hash BIGINT PRIMARY KEY,
        last_at BIGINT NOT NULL
    );
    CREATE INDEX users_last_at ON users (last_at);
    -- Blocks of 2^32 answer ids; nextval never gives one out twice.
    CREATE SEQUENCE answer_id_blocks;
";

/// The steps after [`BASE`]: `LATER[n]` makes version `BASE_VERSION + n + 1`.
/// A migration added to SQLite's list needs its twin here.
const LATER: &[&str] = &[];

const _: () = assert!(
    BASE_VERSION + LATER.len() as i64 == SCHEMA_VERSION,
    "a SQLite migration needs its PostgreSQL twin in LATER"
);

/// Advisory lock keys (any two numbers the database's other users do not
/// take): "outsourc" in ASCII, and the next.
const MIGRATION_LOCK: i64 = 0x6f75_7473_6f75_7263;
const PURGE_LOCK: i64 = MIGRATION_LOCK + 1;

const HOUR: i64 = 3600;

/// How long connecting may take when the URL does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A transaction that another one deadlocked or conflicted with is tried
/// again, at most this many times in all.
const ATTEMPTS: usize = 3;

/// A batch's questions in one statement, column by column; the ones
/// inserted (not stored already) come back to be counted.
const INSERT_QUESTIONS: &str = "
    INSERT INTO questions (id, at, surface, guild, user_hash, lang,
        question, meaning, answered, confidence, passage, version)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[],
        $6::text[], $7::text[], $8::text[], $9::boolean[], $10::double precision[],
        $11::text[], $12::text[])
    ON CONFLICT (id) DO NOTHING
    RETURNING at, answered, user_hash";

const ADD_HOURLY: &str = "
    INSERT INTO hourly (hour, asked, answered)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
    ON CONFLICT (hour) DO UPDATE
    SET asked = hourly.asked + excluded.asked, answered = hourly.answered + excluded.answered";

const SEEN_USERS: &str = "
    INSERT INTO users (user_hash, last_at)
    SELECT * FROM unnest($1::bigint[], $2::bigint[])
    ON CONFLICT (user_hash) DO UPDATE SET last_at = greatest(users.last_at, excluded.last_at)";

/// Feedback only on a stored answer; one row per (answer, user) that a
/// later click updates with `$set`.
macro_rules! feedback_upsert {
    ($set:literal) => {
        concat!(
            "INSERT INTO feedback (answer, user_hash, at, vote, picked, meant, asked_at, passage)
             SELECT $1::bigint, $2::bigint, $3::bigint, $4::integer, $5::text, $6::text, q.at, q.passage
             FROM questions q WHERE q.id = $1::bigint
             ON CONFLICT (answer, user_hash) DO UPDATE SET at = excluded.at, ",
            $set
        )
    };
}

/// 👍 takes back a 👎 and what was picked after it.
const FEEDBACK_UP: &str = feedback_upsert!("vote = 1, picked = NULL");
const FEEDBACK_DOWN: &str = feedback_upsert!("vote = -1");
/// Picking is saying "not this one" too.
const FEEDBACK_PICKED: &str = feedback_upsert!("vote = -1, picked = excluded.picked");
const FEEDBACK_MEANT: &str = feedback_upsert!("meant = excluded.meant");

/// A connection to the store's PostgreSQL database.
pub struct Postgres {
    config: postgres::Config,
    /// The URL without its password, for logs and errors.
    name: String,
    conn: Option<Conn>,
    /// The connection was lost, that was logged, and none is made yet.
    lost: bool,
}

/// A live connection and the statements prepared on it.
struct Conn {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

impl Conn {
    /// `sql` prepared once per connection: the writer's statements run
    /// for every question.
    fn prepare(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.prepared.insert(sql, statement.clone());
        Ok(statement)
    }
}

impl Postgres {
    /// Connects to the database at `url` and brings it to
    /// [`SCHEMA_VERSION`] (creating the tables in an empty one).
    pub fn open(url: &PostgresUrl) -> Result<Postgres, StoreError> {
        let name = url.to_string();
        let mut config: postgres::Config =
            url.expose().parse().map_err(|err| StoreError::Failed {
                store: name.clone(),
                message: format!("is not a PostgreSQL URL the client can read ({err})"),
            })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("outsourcing-bot");
        }
        let mut db = Postgres {
            config,
            name,
            conn: None,
            lost: false,
        };
        db.migrate()?;
        Ok(db)
    }

    fn failed(&self, message: String) -> StoreError {
        StoreError::Failed {
            store: self.name.clone(),
            message,
        }
    }

    /// The connection, made (again) if there is none or it was lost.
    fn conn(&mut self) -> Result<&mut Conn, StoreError> {
        if self.conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            self.conn = None;
            self.note_lost();
        }
        if self.conn.is_none() {
            let client = self
                .config
                .connect(NoTls)
                .map_err(|err| self.failed(format!("cannot connect: {}", plain(&err))))?;
            if self.lost {
                self.lost = false;
                tracing::info!(store = %self.name, "the store is connected to PostgreSQL again");
            }
            self.conn = Some(Conn {
                client,
                prepared: HashMap::new(),
            });
        }
        Ok(self.conn.as_mut().expect("connected just above"))
    }

    /// Says once that the connection is lost, until one is made again.
    fn note_lost(&mut self) {
        if !self.lost {
            self.lost = true;
            tracing::warn!(store = %self.name, "the store lost its connection to PostgreSQL; connecting again");
        }
    }

    /// Runs `work` on the connection. Once more on a new connection when
    /// the one it ran on turned out lost (every call here can be run again:
    /// writes skip questions stored already and set feedback to the same),
    /// and again when the server chose it as a deadlock's victim.
    fn run<T: Send>(
        &mut self,
        mut work: impl FnMut(&mut Conn) -> Result<T, postgres::Error> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| {
            let mut attempt = 0;
            loop {
                attempt += 1;
                let conn = self.conn()?;
                let err = match work(conn) {
                    Ok(value) => return Ok(value),
                    Err(err) => err,
                };
                // The server may say why it ends the connection before the
                // client sees it closed: either way the call runs again.
                let lost = conn.client.is_closed()
                    || err.is_closed()
                    || matches!(
                        err.code(),
                        Some(&SqlState::ADMIN_SHUTDOWN | &SqlState::CRASH_SHUTDOWN)
                    );
                if lost {
                    self.conn = None;
                    self.note_lost();
                }
                let conflict = matches!(
                    err.code(),
                    Some(&SqlState::T_R_DEADLOCK_DETECTED | &SqlState::T_R_SERIALIZATION_FAILURE)
                );
                let again = (lost && attempt == 1) || conflict;
                if !again || attempt >= ATTEMPTS {
                    return Err(self.failed(plain(&err)));
                }
            }
        })
    }

    /// Brings the database to [`SCHEMA_VERSION`] in one transaction, under
    /// a lock, so a second process starting at once waits and then finds
    /// it done.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let found = self.run(|conn| {
            let mut tx = conn.client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
            )?;
            let found: i64 = tx
                .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])?
                .try_get(0)?;
            if found > SCHEMA_VERSION || (found > 0 && found < BASE_VERSION) {
                // Left as it is: the caller says why.
                return Ok(found);
            }
            if found == 0 {
                tx.batch_execute(BASE)?;
            }
            let from = found.max(BASE_VERSION);
            for step in LATER.iter().skip((from - BASE_VERSION) as usize) {
                tx.batch_execute(step)?;
            }
            if found != SCHEMA_VERSION {
                tx.execute("DELETE FROM schema_version", &[])?;
                tx.execute(
                    "INSERT INTO schema_version (version) VALUES ($1)",
                    &[&SCHEMA_VERSION],
                )?;
            }
            tx.commit()?;
            Ok(found)
        })?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                store: self.name.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        if found > 0 && found < BASE_VERSION {
            return Err(self.failed(format!(
                "has schema version {found}, which no PostgreSQL store ever had (they start at {BASE_VERSION}): its schema_version table was changed by hand"
            )));
        }
        Ok(())
    }
}

impl Drop for Postgres {
    /// Closing talks to the server through the client's own runtime, which
    /// must not happen on a thread that runs tokio tasks.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            off_runtime(move || drop(conn));
        }
    }
}

/// Runs `work` where the blocking client may block: it drives a runtime of
/// its own, which panics on a thread already in one (the Discord front end
/// opens the store, and answers buttons, on tokio's threads). There it runs
/// on a thread of its own, waited for.
fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return work();
    }
    std::thread::scope(|scope| match scope.spawn(work).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// The server's message and code, or the client's error with its cause
/// ("error connecting to server: Connection refused").
fn plain(err: &postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    match std::error::Error::source(err) {
        Some(cause) => format!("{err}: {cause}"),
        None => err.to_string(),
    }
}

fn lang_of(code: &str) -> Lang {
    // Only this program writes the column; an unknown code (a newer
    // edition's) reads as the default language rather than failing a report.
    Lang::from_code(code).unwrap_or(Lang::Es)
}

fn count(row: &Row, at: usize) -> Result<u64, postgres::Error> {
    Ok(row.try_get::<_, i64>(at)?.max(0) as u64)
}

/// A batch's questions, column by column, for [`INSERT_QUESTIONS`].
#[derive(Default)]
struct Columns<'a> {
    id: Vec<i64>,
    at: Vec<i64>,
    surface: Vec<&'static str>,
    guild: Vec<Option<i64>>,
    user_hash: Vec<Option<i64>>,
    lang: Vec<&'static str>,
    question: Vec<Option<&'a str>>,
    meaning: Vec<Option<&'a str>>,
    answered: Vec<bool>,
    confidence: Vec<f64>,
    passage: Vec<Option<&'a str>>,
    version: Vec<&'a str>,
}

impl<'a> Columns<'a> {
    fn of(events: &'a [Event]) -> Columns<'a> {
        let mut c = Columns::default();
        for event in events {
            let Event::Question(q) = event else {
                continue;
            };
            c.id.push(q.id);
            c.at.push(q.at);
            c.surface.push(q.surface.name());
            c.guild.push(q.guild.map(|g| g as i64));
            c.user_hash.push(q.user_hash);
            c.lang.push(q.lang.code());
            c.question.push(q.question.as_deref());
            c.meaning.push(q.meaning.as_deref());
            c.answered.push(q.answered);
            c.confidence.push(f64::from(q.confidence));
            c.passage.push(q.passage.as_deref());
            c.version.push(&q.version);
        }
        c
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 12] {
        [
            &self.id,
            &self.at,
            &self.surface,
            &self.guild,
            &self.user_hash,
            &self.lang,
            &self.question,
            &self.meaning,
            &self.answered,
            &self.confidence,
            &self.passage,
            &self.version,
        ]
    }
}

impl Backend for Postgres {
    fn write(&mut self, events: &[Event]) -> Result<(), StoreError> {
        let questions = Columns::of(events);
        self.run(|conn| {
            let insert = conn.prepare(INSERT_QUESTIONS)?;
            let hourly = conn.prepare(ADD_HOURLY)?;
            let users = conn.prepare(SEEN_USERS)?;
            let mut feedback = HashMap::new();
            for sql in [FEEDBACK_UP, FEEDBACK_DOWN, FEEDBACK_PICKED, FEEDBACK_MEANT] {
                feedback.insert(sql, conn.prepare(sql)?);
            }
            let mut tx = conn.client.transaction()?;
            // A batch's questions go first, in one statement: feedback
            // follows its answer, so none of it waits on a later question.
            let inserted = if questions.id.is_empty() {
                Vec::new()
            } else {
                tx.query(&insert, &questions.params())?
            };
            // Rollups add up the questions inserted (one stored already, as
            // when a write is tried again, is not counted twice), one row per
            // key in key order: two writers lock rows in the same order,
            // never each waiting for the other.
            let mut hours: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
            let mut seen: BTreeMap<i64, i64> = BTreeMap::new();
            for row in &inserted {
                let at: i64 = row.try_get(0)?;
                let answered: bool = row.try_get(1)?;
                let hour = hours.entry(at.div_euclid(HOUR)).or_default();
                hour.0 += 1;
                hour.1 += i64::from(answered);
                if let Some(user) = row.try_get::<_, Option<i64>>(2)? {
                    let last = seen.entry(user).or_insert(at);
                    *last = (*last).max(at);
                }
            }
            if !hours.is_empty() {
                let (hour, counts): (Vec<i64>, Vec<(i64, i64)>) = hours.into_iter().unzip();
                let (asked, answered): (Vec<i64>, Vec<i64>) = counts.into_iter().unzip();
                tx.execute(&hourly, &[&hour, &asked, &answered])?;
            }
            if !seen.is_empty() {
                let (user, last_at): (Vec<i64>, Vec<i64>) = seen.into_iter().unzip();
                tx.execute(&users, &[&user, &last_at])?;
            }
            // Feedback one by one, in order: a later click updates the row
            // an earlier one made.
            for event in events {
                let Event::Feedback(f) = event else {
                    continue;
                };
                let (sql, vote, picked, meant): (_, Option<i32>, _, _) = match &f.feedback {
                    Feedback::Up => (FEEDBACK_UP, Some(1), None, None),
                    Feedback::Down => (FEEDBACK_DOWN, Some(-1), None, None),
                    Feedback::Picked(p) => (FEEDBACK_PICKED, Some(-1), Some(p.as_str()), None),
                    Feedback::DidYouMean(p) => (FEEDBACK_MEANT, None, None, Some(p.as_str())),
                };
                tx.execute(
                    &feedback[sql],
                    &[&f.answer, &f.user_hash, &f.at, &vote, &picked, &meant],
                )?;
            }
            tx.commit()
        })
    }

    fn purge(&mut self, before: i64) -> Result<(), StoreError> {
        self.run(|conn| {
            let mut tx = conn.client.transaction()?;
            // Processes purging at once would each count the cut hour again.
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PURGE_LOCK])?;
            // Feedback comes after its question, so it goes with it.
            tx.execute(
                "DELETE FROM feedback WHERE answer IN (SELECT id FROM questions WHERE at < $1)",
                &[&before],
            )?;
            tx.execute("DELETE FROM questions WHERE at < $1", &[&before])?;
            tx.execute("DELETE FROM users WHERE last_at < $1", &[&before])?;
            // The hour `before` falls in is counted again from what is left of it.
            let hour = before.div_euclid(HOUR);
            tx.execute("DELETE FROM hourly WHERE hour <= $1", &[&hour])?;
            tx.execute(
                "INSERT INTO hourly (hour, asked, answered)
                 SELECT $1::bigint, count(*), count(*) FILTER (WHERE answered) FROM questions
                 WHERE at >= $2 AND at < $3 HAVING count(*) > 0",
                &[&hour, &before, &((hour + 1) * HOUR)],
            )?;
            tx.execute("DELETE FROM decisions WHERE at < $1", &[&before])?;
            tx.commit()
        })
    }

    fn reserve_ids(&mut self) -> Result<i64, StoreError> {
        let block: i64 = self.run(|conn| {
            conn.client
                .query_one("SELECT nextval('answer_id_blocks')", &[])?
                .try_get(0)
        })?;
        if block >= 1 << 31 {
            return Err(
                self.failed("has given out all its answer ids; start a new database".into())
            );
        }
        Ok(block << 32)
    }

    fn user_key(&mut self) -> Result<[u8; 32], StoreError> {
        let fresh = new_secret()
            .map_err(|e| self.failed(format!("cannot get random bytes for its secret: {e}")))?;
        // The first process to get here stores its secret; every one, that
        // one included, reads back the one stored.
        let stored: Vec<u8> = self.run(|conn| {
            conn.client.execute(
                "INSERT INTO meta (key, value) VALUES ('user_key', $1) ON CONFLICT (key) DO NOTHING",
                &[&fresh.as_slice()],
            )?;
            conn.client
                .query_one("SELECT value FROM meta WHERE key = 'user_key'", &[])?
                .try_get(0)
        })?;
        <[u8; 32]>::try_from(stored.as_slice())
            .map_err(|_| self.failed("its user-hash secret is damaged (not 32 bytes)".into()))
    }

    fn totals(&mut self, since: i64) -> Result<Totals, StoreError> {
        // Whole hours from the rollup; the part of an hour the window
        // starts in, from the questions themselves.
        let first_whole = since.div_euclid(HOUR) + i64::from(since.rem_euclid(HOUR) != 0);
        self.run(|conn| {
            let whole = conn.client.query_one(
                "SELECT coalesce(sum(asked), 0)::bigint, coalesce(sum(answered), 0)::bigint
                 FROM hourly WHERE hour >= $1",
                &[&first_whole],
            )?;
            let edge = conn.client.query_one(
                "SELECT count(*), count(*) FILTER (WHERE answered)
                 FROM questions WHERE at >= $1 AND at < $2",
                &[&since, &(first_whole * HOUR)],
            )?;
            let users = conn
                .client
                .query_one("SELECT count(*) FROM users WHERE last_at >= $1", &[&since])?;
            Ok(Totals {
                asked: count(&whole, 0)? + count(&edge, 0)?,
                answered: count(&whole, 1)? + count(&edge, 1)?,
                distinct_users: count(&users, 0)?,
            })
        })
    }

    fn votes(&mut self, since: i64) -> Result<Vec<PassageVotes>, StoreError> {
        self.run(|conn| {
            conn.client
                .query(
                    "SELECT passage, count(*) FILTER (WHERE vote = 1), count(*) FILTER (WHERE vote = -1)
                     FROM feedback
                     WHERE vote IS NOT NULL AND passage IS NOT NULL AND asked_at >= $1
                     GROUP BY passage",
                    &[&since],
                )?
                .iter()
                .map(|r| {
                    Ok(PassageVotes {
                        passage: r.try_get(0)?,
                        up: count(r, 1)?,
                        down: count(r, 2)?,
                    })
                })
                .collect()
        })
    }

    fn unanswered(&mut self, since: i64, limit: usize) -> Result<Vec<UnansweredGroup>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(|conn| {
            // The example is the wording of the group's highest id, the
            // latest (ids grow within a process, and each opening gets
            // higher ones), read once per group listed. Ties in count go by
            // the meaning's bytes, as SQLite orders them.
            conn.client
                .query(
                    "SELECT g.meaning, q.question, g.n
                     FROM (SELECT meaning, max(id) AS latest, count(*) AS n
                           FROM questions
                           WHERE NOT answered AND meaning IS NOT NULL AND meaning <> '' AND at >= $1
                           GROUP BY meaning ORDER BY n DESC, meaning COLLATE \"C\" LIMIT $2) g
                     JOIN questions q ON q.id = g.latest
                     ORDER BY g.n DESC, g.meaning COLLATE \"C\"",
                    &[&since, &limit],
                )?
                .iter()
                .map(|r| {
                    Ok(UnansweredGroup {
                        meaning: r.try_get(0)?,
                        example: r.try_get::<_, Option<String>>(1)?.unwrap_or_default(),
                        count: count(r, 2)?,
                    })
                })
                .collect()
        })
    }

    fn resolutions(&mut self, low_confidence: f32) -> Result<Vec<Resolution>, StoreError> {
        let low_confidence = f64::from(low_confidence);
        self.run(|conn| {
            let rows = conn.client.query(
                "SELECT q.lang, q.meaning, q.question, q.passage, f.vote, f.picked, f.meant,
                        q.confidence < $1
                 FROM feedback f JOIN questions q ON q.id = f.answer
                 WHERE q.meaning IS NOT NULL AND q.meaning <> '' AND q.question IS NOT NULL
                   AND (f.meant IS NOT NULL OR f.picked IS NOT NULL
                        OR (f.vote = 1 AND q.confidence < $1 AND q.passage IS NOT NULL))
                 ORDER BY f.at, f.answer, f.user_hash",
                &[&low_confidence],
            )?;
            let mut out = Vec::new();
            for r in &rows {
                FeedbackOnQuestion {
                    lang: lang_of(r.try_get(0)?),
                    meaning: r.try_get(1)?,
                    question: r.try_get(2)?,
                    passage: r.try_get(3)?,
                    vote: r.try_get::<_, Option<i32>>(4)?.map(i64::from),
                    picked: r.try_get(5)?,
                    meant: r.try_get(6)?,
                    low: r.try_get(7)?,
                }
                .resolve(&mut out);
            }
            Ok(out)
        })
    }

    fn decided(&mut self) -> Result<HashSet<Decided>, StoreError> {
        self.run(|conn| {
            conn.client
                .query("SELECT lang, meaning, passage FROM decisions", &[])?
                .iter()
                .map(|r| {
                    Ok(Decided {
                        lang: lang_of(r.try_get(0)?),
                        meaning: r.try_get(1)?,
                        passage: r.try_get(2)?,
                    })
                })
                .collect()
        })
    }

    fn decide(&mut self, what: &Decided, accept: bool, at: i64) -> Result<(), StoreError> {
        self.run(|conn| {
            conn.client
                .execute(
                    "INSERT INTO decisions (lang, meaning, passage, accepted, at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (lang, md5(meaning), passage)
                     DO UPDATE SET accepted = excluded.accepted, at = excluded.at",
                    &[
                        &what.lang.code(),
                        &what.meaning,
                        &what.passage,
                        &accept,
                        &at,
                    ],
                )
                .map(|_| ())
        })
    }
}
