//! A fresh PostgreSQL database for one test, on the server that
//! `OUTSOURCING_BOT_TEST_POSTGRES` names (`.ci/postgres` starts one), and
//! dropped when the test ends: tests run side by side without sharing rows.
//! Included by path by the tests that need it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

/// The variable that names the test server: a URL whose database the tests
/// may connect to and create databases from.
pub const VAR: &str = "OUTSOURCING_BOT_TEST_POSTGRES";

/// A database made for one test.
pub struct TestDb {
    server: String,
    name: String,
    /// The database's URL, as `store.url` takes it.
    pub url: String,
}

impl TestDb {
    /// A new empty database; `None` when no server is named, after saying
    /// so. Under CI (`CI` set) no server is a failure: CI starts one, and
    /// a skipped test there would pass unseen.
    pub fn create() -> Option<TestDb> {
        let server = match std::env::var(VAR) {
            Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
            _ if std::env::var_os("CI").is_some() => panic!(
                "{VAR} is not set: CI must run the PostgreSQL tests (.ci/run starts a server with .ci/postgres)"
            ),
            _ => {
                eprintln!("skipped: set {VAR} (see .ci/postgres)");
                return None;
            }
        };
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "obt_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        admin(&server)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create a test database on {VAR}: {e}"));
        let url = with_database(&server, &name);
        Some(TestDb { server, name, url })
    }

    /// A connection to this database, to look at what the store wrote.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }

    /// The one number `sql` selects.
    pub fn count(&self, sql: &str) -> i64 {
        self.client().query_one(sql, &[]).unwrap().get(0)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // FORCE: a store a failed test left open must not keep it.
        let _ = admin(&self.server).batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

fn admin(server: &str) -> postgres::Client {
    postgres::Client::connect(server, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the server {VAR} names: {e}"))
}

/// `url` with its database (the path after the host) replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (main, query) = match url.split_once('?') {
        Some((main, query)) => (main, Some(query)),
        None => (url, None),
    };
    let authority = main.find("://").map_or(0, |at| at + 3);
    let host_end = main[authority..]
        .find('/')
        .map_or(main.len(), |at| authority + at);
    let mut out = format!("{}/{name}", &main[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}
