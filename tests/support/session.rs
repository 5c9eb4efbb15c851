//! A test's view of the fake Discord: the requests the bot sent, read in
//! order, and interactions sent to it by members. Shared by the Discord and
//! metrics tests.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::fake_discord::{FakeDiscord, Recorded};

/// How long a test waits for a request the bot should send.
pub const WAIT: Duration = Duration::from_secs(20);

pub struct Session {
    pub fake: FakeDiscord,
    /// Where to start looking for the next request.
    cursor: usize,
}

impl Session {
    pub fn new(fake: FakeDiscord) -> Session {
        Session { fake, cursor: 0 }
    }

    /// The next request (after the previous one waited for) matching `pred`.
    pub async fn next(&mut self, pred: impl Fn(&Recorded) -> bool) -> Recorded {
        let (i, r) = self.fake.wait_request(self.cursor, pred, WAIT).await;
        self.cursor = i + 1;
        r
    }

    /// The response to the interaction `d` (its callback), once sent.
    pub async fn callback(&mut self, d: &Value) -> Value {
        let path = format!(
            "/api/v10/interactions/{}/{}/callback",
            d["id"].as_str().unwrap(),
            d["token"].as_str().unwrap()
        );
        self.next(|r| r.method == "POST" && r.path == path)
            .await
            .body
    }

    /// Sends slash command `name` from `user` (a guild member with `roles`
    /// and `perms`) in `locale`; the interaction sent.
    pub async fn slash(
        &mut self,
        name: &str,
        options: Value,
        locale: &str,
        user: u64,
        roles: &[u64],
        perms: u64,
    ) -> Value {
        let member = self.fake.member(user, "someone", roles, perms);
        let d = self
            .fake
            .slash_command(name, options, locale, Some(member), user);
        self.fake.dispatch("INTERACTION_CREATE", d.clone()).await;
        d
    }
}

/// Polls until `check` gives something, or panics after `within` with `what`.
pub async fn eventually<T>(
    what: &str,
    within: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
