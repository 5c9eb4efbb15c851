//! The store on SQLite: one file, WAL (readers never wait for the writer),
//! schema versions in `PRAGMA user_version`.
//!
//! Migrations are a list: migration `n` takes a file from version `n` to
//! `n + 1`, so a file of any older version is brought up step by step, each
//! step in one transaction. A file of a newer version than the list knows is
//! refused, never guessed at.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::{new_secret, Backend, Event, Feedback, StoreError};
use crate::lang::Lang;
use crate::learn::{
    Decided, FeedbackOnQuestion, PassageVotes, Resolution, Totals, UnansweredGroup,
};

/// Each step of the schema, oldest first; `MIGRATIONS[n]` makes version n+1.
const MIGRATIONS: &[&str] = &[
    // 1: questions, feedback, decisions, and the store's own settings.
    "CREATE TABLE meta (
         key TEXT PRIMARY KEY,
         value BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE questions (
         id INTEGER PRIMARY KEY,
         at INTEGER NOT NULL,
         surface TEXT NOT NULL,
         guild INTEGER,
         user_hash INTEGER,
         lang TEXT NOT NULL,
         question TEXT,
         meaning TEXT,
         answered INTEGER NOT NULL,
         confidence REAL NOT NULL,
         passage TEXT,
         version TEXT NOT NULL
     );
     -- Totals over a window read this index alone.
     CREATE INDEX questions_at ON questions (at, answered, user_hash);
     -- Grouping the unanswered by meaning reads this index alone.
     CREATE INDEX questions_unanswered ON questions (meaning, at, question)
         WHERE answered = 0 AND meaning IS NOT NULL;
     CREATE TABLE feedback (
         answer INTEGER NOT NULL,
         user_hash INTEGER NOT NULL,
         at INTEGER NOT NULL,
         vote INTEGER,
         picked TEXT,
         meant TEXT,
         PRIMARY KEY (answer, user_hash)
     ) WITHOUT ROWID;
     CREATE TABLE decisions (
         lang TEXT NOT NULL,
         meaning TEXT NOT NULL,
         passage TEXT NOT NULL,
         accepted INTEGER NOT NULL,
         at INTEGER NOT NULL,
         PRIMARY KEY (lang, meaning, passage)
     ) WITHOUT ROWID;",
    // 2: rollups the writer keeps, so totals over a window read a row per
    // hour and a row per user instead of every question; feedback copies its
    // answer's passage and time, so votes per passage read feedback alone.
    // What v1 recorded is counted into them.
    "CREATE TABLE hourly (
         hour INTEGER PRIMARY KEY,
         asked INTEGER NOT NULL,
         answered INTEGER NOT NULL
     );
     INSERT INTO hourly (hour, asked, answered)
         SELECT at / 3600, count(*), sum(answered) FROM questions GROUP BY at / 3600;
     CREATE TABLE users (
         user_hash INTEGER PRIMARY KEY,
         last_at INTEGER NOT NULL
     );
     INSERT INTO users (user_hash, last_at)
         SELECT user_hash, max(at) FROM questions WHERE user_hash IS NOT NULL GROUP BY user_hash;
     CREATE INDEX users_last_at ON users (last_at);
     ALTER TABLE feedback ADD COLUMN asked_at INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE feedback ADD COLUMN passage TEXT;
     UPDATE feedback SET
         asked_at = coalesce((SELECT at FROM questions WHERE id = feedback.answer), 0),
         passage = (SELECT passage FROM questions WHERE id = feedback.answer);
     -- The user hash no longer needs to be in it.
     DROP INDEX questions_at;
     CREATE INDEX questions_at ON questions (at, answered);",
];

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const HOUR: i64 = 3600;

/// How long a statement waits for another connection's write to end.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A connection to the store's SQLite file.
pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
}

impl Sqlite {
    /// Opens (creating it and its folder) and migrates the file at `path`.
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        let failed = |message: String| StoreError::Failed {
            store: path.display().to_string(),
            message,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|err| failed(format!("cannot create its folder: {err}")))?;
        }
        let conn = Connection::open(path)
            .map_err(|err| failed(format!("cannot be opened: {}", plain(&err))))?;
        let mut db = Sqlite {
            conn,
            path: path.to_path_buf(),
        };
        db.setup()?;
        Ok(db)
    }

    fn setup(&mut self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.err(e))?;
        // Also the first read of the file: a file that is not a database
        // fails here, with SQLite's own words for it.
        let mode = self.journal_mode_wal()?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(store = %self.path.display(), mode, "the store cannot use WAL; readers may wait for writes");
        }
        // In WAL, NORMAL never corrupts the file; a power cut may lose the
        // last batches, which for a log of questions is fine.
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| self.err(e))?;
        self.migrate()
    }

    /// Switches to WAL, which needs the file to itself for a moment: a
    /// process that opens it while another does the same is refused at once
    /// (SQLite does not wait on this lock), so it tries again until
    /// [`BUSY_TIMEOUT`], as every other lock waits.
    fn journal_mode_wal(&self) -> Result<String, StoreError> {
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match self
                .conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                done => return done.map_err(|e| self.err(e)),
            }
        }
    }

    fn version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| self.err(e))
    }

    fn too_new(&self, found: i64) -> StoreError {
        StoreError::TooNew {
            store: self.path.display().to_string(),
            found,
            known: SCHEMA_VERSION,
        }
    }

    /// Brings the file to [`SCHEMA_VERSION`], one step per transaction.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let version = self.version()?;
        if version > SCHEMA_VERSION {
            return Err(self.too_new(version));
        }
        for (from, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            // IMMEDIATE: two processes starting at once migrate in turn; the
            // second sees the first's version and skips the step.
            let (tx, err) = self.immediate()?;
            let now: i64 = tx
                .pragma_query_value(None, "user_version", |row| row.get(0))
                .map_err(&err)?;
            if now > from as i64 {
                continue;
            }
            tx.execute_batch(step).map_err(&err)?;
            tx.pragma_update(None, "user_version", from as i64 + 1)
                .map_err(&err)?;
            tx.commit().map_err(&err)?;
        }
        Ok(())
    }

    /// A write transaction taken at once (IMMEDIATE: a second process
    /// waits for the lock instead of failing to upgrade a read one), with
    /// the error mapper that names the file.
    fn immediate(
        &mut self,
    ) -> Result<(Transaction<'_>, impl Fn(rusqlite::Error) -> StoreError), StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_error(&path, e))?;
        Ok((tx, move |e| sql_error(&path, e)))
    }

    fn err(&self, err: rusqlite::Error) -> StoreError {
        sql_error(&self.path, err)
    }

    /// The stored value of `key`, set to `value()` first if it has none. In
    /// one transaction, so two processes starting at once agree.
    fn meta_or_insert(
        &mut self,
        key: &str,
        value: impl FnOnce() -> Result<Vec<u8>, StoreError>,
    ) -> Result<Vec<u8>, StoreError> {
        let (tx, err) = self.immediate()?;
        let found: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(&err)?;
        let value = match found {
            Some(v) => v,
            None => {
                let v = value()?;
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![key, v],
                )
                .map_err(&err)?;
                v
            }
        };
        tx.commit().map_err(&err)?;
        Ok(value)
    }
}

/// SQLite's message without rusqlite's wrapping.
fn plain(err: &rusqlite::Error) -> String {
    match err {
        rusqlite::Error::SqliteFailure(e, Some(message)) => format!("{message} ({e})"),
        other => other.to_string(),
    }
}

fn sql_error(path: &Path, err: rusqlite::Error) -> StoreError {
    StoreError::Failed {
        store: path.display().to_string(),
        message: plain(&err),
    }
}

fn lang_of(code: &str) -> Lang {
    // Only this program writes the column; an unknown code (a newer
    // edition's) reads as the default language rather than failing a report.
    Lang::from_code(code).unwrap_or(Lang::Es)
}

impl Backend for Sqlite {
    fn write(&mut self, events: &[Event]) -> Result<(), StoreError> {
        let (tx, err) = self.immediate()?;
        {
            let mut question = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO questions (id, at, surface, guild, user_hash, lang,
                         question, meaning, answered, confidence, passage, version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(&err)?;
            // Feedback only on a stored answer; one row per (answer, user)
            // that a later click updates.
            let upsert = |set: &str| {
                format!(
                    "INSERT INTO feedback (answer, user_hash, at, vote, picked, meant, asked_at, passage)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, q.at, q.passage FROM questions q WHERE q.id = ?1
                     ON CONFLICT (answer, user_hash) DO UPDATE SET at = excluded.at, {set}"
                )
            };
            let mut hourly = tx
                .prepare_cached(
                    "INSERT INTO hourly (hour, asked, answered) VALUES (?1, 1, ?2)
                     ON CONFLICT (hour) DO UPDATE
                     SET asked = asked + 1, answered = answered + excluded.answered",
                )
                .map_err(&err)?;
            let mut users = tx
                .prepare_cached(
                    "INSERT INTO users (user_hash, last_at) VALUES (?1, ?2)
                     ON CONFLICT (user_hash) DO UPDATE SET last_at = max(last_at, excluded.last_at)",
                )
                .map_err(&err)?;
            for event in events {
                match event {
                    Event::Question(q) => {
                        let inserted = question
                            .execute(params![
                                q.id,
                                q.at,
                                q.surface.name(),
                                q.guild.map(|g| g as i64),
                                q.user_hash,
                                q.lang.code(),
                                q.question,
                                q.meaning,
                                q.answered,
                                f64::from(q.confidence),
                                q.passage,
                                q.version,
                            ])
                            .map_err(&err)?;
                        // An id stored already (never expected) is not counted twice.
                        if inserted == 1 {
                            hourly
                                .execute(params![q.at.div_euclid(HOUR), q.answered])
                                .map_err(&err)?;
                            if let Some(user) = q.user_hash {
                                users.execute(params![user, q.at]).map_err(&err)?;
                            }
                        }
                    }
                    Event::Feedback(f) => {
                        let (sql, vote, picked, meant) = match &f.feedback {
                            // 👍 takes back a 👎 and what was picked after it.
                            Feedback::Up => {
                                (upsert("vote = 1, picked = NULL"), Some(1), None, None)
                            }
                            Feedback::Down => (upsert("vote = -1"), Some(-1), None, None),
                            // Picking is saying "not this one" too.
                            Feedback::Picked(p) => (
                                upsert("vote = -1, picked = excluded.picked"),
                                Some(-1),
                                Some(p.as_str()),
                                None,
                            ),
                            Feedback::DidYouMean(p) => (
                                upsert("meant = excluded.meant"),
                                None,
                                None,
                                Some(p.as_str()),
                            ),
                        };
                        tx.prepare_cached(&sql)
                            .and_then(|mut s| {
                                s.execute(params![f.answer, f.user_hash, f.at, vote, picked, meant])
                            })
                            .map_err(&err)?;
                    }
                }
            }
        }
        tx.commit().map_err(&err)
    }

    fn purge(&mut self, before: i64) -> Result<(), StoreError> {
        let (tx, err) = self.immediate()?;
        // Feedback comes after its question, so it goes with it.
        tx.execute(
            "DELETE FROM feedback WHERE answer IN (SELECT id FROM questions WHERE at < ?1)",
            [before],
        )
        .map_err(&err)?;
        tx.execute("DELETE FROM questions WHERE at < ?1", [before])
            .map_err(&err)?;
        tx.execute("DELETE FROM users WHERE last_at < ?1", [before])
            .map_err(&err)?;
        // The hour `before` falls in is counted again from what is left of it.
        let hour = before.div_euclid(HOUR);
        tx.execute("DELETE FROM hourly WHERE hour <= ?1", [hour])
            .map_err(&err)?;
        tx.execute(
            "INSERT INTO hourly (hour, asked, answered)
             SELECT ?1, count(*), coalesce(sum(answered), 0) FROM questions
             WHERE at >= ?2 AND at < ?3 HAVING count(*) > 0",
            params![hour, before, (hour + 1) * HOUR],
        )
        .map_err(&err)?;
        tx.execute("DELETE FROM decisions WHERE at < ?1", [before])
            .map_err(&err)?;
        tx.commit().map_err(&err)
    }

    fn reserve_ids(&mut self) -> Result<i64, StoreError> {
        let (tx, err) = self.immediate()?;
        let last: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = 'id_block'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(&err)?;
        let last = last
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, i64::from_le_bytes);
        let block = last + 1;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('id_block', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [block.to_le_bytes().to_vec()],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
        if block >= 1 << 31 {
            return Err(StoreError::Failed {
                store: self.path.display().to_string(),
                message: "has given out all its answer ids; start a new file".into(),
            });
        }
        Ok(block << 32)
    }

    fn user_key(&mut self) -> Result<[u8; 32], StoreError> {
        let path = self.path.clone();
        let stored = self.meta_or_insert("user_key", || {
            new_secret()
                .map(|k| k.to_vec())
                .map_err(|e| StoreError::Failed {
                    store: path.display().to_string(),
                    message: format!("cannot get random bytes for its secret: {e}"),
                })
        })?;
        <[u8; 32]>::try_from(stored.as_slice()).map_err(|_| StoreError::Failed {
            store: self.path.display().to_string(),
            message: "its user-hash secret is damaged (not 32 bytes)".into(),
        })
    }

    fn totals(&mut self, since: i64) -> Result<Totals, StoreError> {
        // Whole hours from the rollup; the part of an hour the window
        // starts in, from the questions themselves.
        let first_whole = since.div_euclid(HOUR) + i64::from(since.rem_euclid(HOUR) != 0);
        let count = |sql: &str, args: &[i64]| -> rusqlite::Result<(i64, i64)> {
            self.conn
                .prepare_cached(sql)?
                .query_row(rusqlite::params_from_iter(args), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
        };
        let totals = (|| {
            let whole = count(
                "SELECT coalesce(sum(asked), 0), coalesce(sum(answered), 0)
                 FROM hourly WHERE hour >= ?1",
                &[first_whole],
            )?;
            let edge = count(
                "SELECT count(*), coalesce(sum(answered), 0)
                 FROM questions WHERE at >= ?1 AND at < ?2",
                &[since, first_whole * HOUR],
            )?;
            let users: i64 = self
                .conn
                .prepare_cached("SELECT count(*) FROM users WHERE last_at >= ?1")?
                .query_row([since], |r| r.get(0))?;
            Ok(Totals {
                asked: (whole.0 + edge.0) as u64,
                answered: (whole.1 + edge.1) as u64,
                distinct_users: users as u64,
            })
        })();
        totals.map_err(|e| self.err(e))
    }

    fn votes(&mut self, since: i64) -> Result<Vec<PassageVotes>, StoreError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| sql_error(&path, e);
        let mut s = self
            .conn
            .prepare_cached(
                "SELECT passage, sum(vote = 1), sum(vote = -1) FROM feedback
                 WHERE vote IS NOT NULL AND passage IS NOT NULL AND asked_at >= ?1
                 GROUP BY passage",
            )
            .map_err(err)?;
        let rows = s
            .query_map([since], |r| {
                Ok(PassageVotes {
                    passage: r.get(0)?,
                    up: r.get::<_, i64>(1)? as u64,
                    down: r.get::<_, i64>(2)? as u64,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn unanswered(&mut self, since: i64, limit: usize) -> Result<Vec<UnansweredGroup>, StoreError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| sql_error(&path, e);
        // SQLite takes `question` from the row where max(id) is: the latest
        // (ids grow within a process, and each opening gets higher ones;
        // `at` has only seconds to tell apart).
        let mut s = self
            .conn
            .prepare_cached(
                "SELECT meaning, question, max(id), count(*) AS n
                 FROM questions
                 WHERE answered = 0 AND meaning IS NOT NULL AND meaning <> '' AND at >= ?1
                 GROUP BY meaning ORDER BY n DESC, meaning LIMIT ?2",
            )
            .map_err(err)?;
        let rows = s
            .query_map(params![since, limit as i64], |r| {
                Ok(UnansweredGroup {
                    meaning: r.get(0)?,
                    example: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    count: r.get::<_, i64>(3)? as u64,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn resolutions(&mut self, low_confidence: f32) -> Result<Vec<Resolution>, StoreError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| sql_error(&path, e);
        let mut s = self
            .conn
            .prepare_cached(
                "SELECT q.lang, q.meaning, q.question, q.passage, f.vote, f.picked, f.meant,
                        q.confidence < ?1
                 FROM feedback f CROSS JOIN questions q ON q.id = f.answer
                 WHERE q.meaning IS NOT NULL AND q.meaning <> '' AND q.question IS NOT NULL
                   AND (f.meant IS NOT NULL OR f.picked IS NOT NULL
                        OR (f.vote = 1 AND q.confidence < ?1 AND q.passage IS NOT NULL))
                 ORDER BY f.at, f.answer",
            )
            .map_err(err)?;
        let mut rows = s.query(params![f64::from(low_confidence)]).map_err(err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(err)? {
            FeedbackOnQuestion {
                lang: lang_of(&r.get::<_, String>(0).map_err(err)?),
                meaning: r.get(1).map_err(err)?,
                question: r.get(2).map_err(err)?,
                passage: r.get(3).map_err(err)?,
                vote: r.get(4).map_err(err)?,
                picked: r.get(5).map_err(err)?,
                meant: r.get(6).map_err(err)?,
                low: r.get(7).map_err(err)?,
            }
            .resolve(&mut out);
        }
        Ok(out)
    }

    fn decided(&mut self) -> Result<HashSet<Decided>, StoreError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| sql_error(&path, e);
        let mut s = self
            .conn
            .prepare_cached("SELECT lang, meaning, passage FROM decisions")
            .map_err(err)?;
        let rows = s
            .query_map([], |r| {
                Ok(Decided {
                    lang: lang_of(&r.get::<_, String>(0)?),
                    meaning: r.get(1)?,
                    passage: r.get(2)?,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn decide(&mut self, what: &Decided, accept: bool, at: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO decisions (lang, meaning, passage, accepted, at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (lang, meaning, passage)
                 DO UPDATE SET accepted = excluded.accepted, at = excluded.at",
                params![what.lang.code(), what.meaning, what.passage, accept, at],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::Totals;

    /// A file written by version 1 (as the first release wrote it), with
    /// questions and votes, is brought to the current version with
    /// everything it held counted.
    #[test]
    fn a_version_1_file_upgrades_with_its_rows_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            for (id, at, user, answered, passage) in [
                (1, 7_200, 10, 1, "d/1"),
                (2, 7_300, 10, 0, "d/2"),
                (3, 90_000, 11, 1, "d/1"),
            ] {
                conn.execute(
                    "INSERT INTO questions (id, at, surface, guild, user_hash, lang, question,
                         meaning, answered, confidence, passage, version)
                     VALUES (?1, ?2, 'slash', 1, ?3, 'es', 'q', 'q', ?4, 0.9, ?5, 'v')",
                    params![id, at, user, answered, passage],
                )
                .unwrap();
            }
            conn.execute(
                "INSERT INTO feedback (answer, user_hash, at, vote) VALUES (1, 10, 7_250, 1), (3, 12, 90_010, -1)",
                [],
            )
            .unwrap();
        }
        let mut db = Sqlite::open(&path).unwrap();
        assert_eq!(db.version().unwrap(), SCHEMA_VERSION);
        assert_eq!(
            db.totals(0).unwrap(),
            Totals {
                asked: 3,
                answered: 2,
                distinct_users: 2
            }
        );
        // Only the question asked at 90,000 is in a window from 80,000.
        assert_eq!(db.totals(80_000).unwrap().distinct_users, 1);
        let votes = db.votes(0).unwrap();
        assert_eq!(
            votes,
            [PassageVotes {
                passage: "d/1".into(),
                up: 1,
                down: 1
            }]
        );
        assert!(db.votes(80_000).unwrap()[0].up == 0);
        // And it goes on being written as a current file.
        drop(db);
        let mut db = Sqlite::open(&path).unwrap();
        assert_eq!(db.version().unwrap(), SCHEMA_VERSION);
        db.purge(80_000).unwrap();
        assert_eq!(db.totals(0).unwrap().asked, 1);
    }
}
