//! The real bot split over shards on the fake Discord: one process running
//! several shards, two processes splitting four between them (each guild
//! answered by the process holding its shard, never by both), and
//! `/readyz` waiting for every shard of its process.

#[path = "support/postgres.rs"]
mod pg;
mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use support::bot::BotProcess;
use support::fake_discord::{guild_on_shard, FakeConfig, FakeDiscord, Recorded, DM_CHANNEL_ID};
use support::session::{eventually, Session, WAIT};

const MEMBER: u64 = 500_000_000_000_000_001;
const ADMIN: u64 = 500_000_000_000_000_002;
/// How long to wait for replies that must not come.
const QUIET: Duration = Duration::from_millis(800);
/// serenity starts a process's shards 5 s apart.
const SHARDS_WAIT: Duration = Duration::from_secs(40);

/// A guild on each shard of `total`, with a text channel of its own
/// (the guild's id + 1, never another guild's: guild ids are 2^22 apart).
fn guilds(total: u32) -> Vec<(u64, u64)> {
    (0..total)
        .map(|shard| {
            let guild = guild_on_shard(shard, total, 0);
            (guild, guild + 1)
        })
        .collect()
}

/// A fake Discord recommending `shards` and knowing a guild on each of `total` shards.
async fn fake_with(shards: u32, total: u32) -> FakeDiscord {
    FakeDiscord::start(FakeConfig {
        shards,
        extra_guild_ids: guilds(total).iter().map(|(g, _)| *g).collect(),
        ..FakeConfig::default()
    })
    .await
}

/// A member mentions the bot in `channel` of `guild` (None: a DM) with a question.
async fn ask_by_mention(fake: &FakeDiscord, guild: Option<u64>, channel: u64) {
    let bot = fake.config().bot_user_id;
    let d = fake.message(
        channel,
        guild,
        MEMBER,
        "someone",
        false,
        &format!("<@{bot}> What is a KPO?"),
        &[bot],
        &[],
        false,
    );
    fake.dispatch("MESSAGE_CREATE", d).await;
}

fn is_reply_in(r: &Recorded, channel: u64) -> bool {
    r.method == "POST" && r.path == format!("/api/v10/channels/{channel}/messages")
}

/// The bot's answer in `channel`, once sent: an answer, replying to the question.
async fn answer_in(fake: &FakeDiscord, channel: u64) -> Recorded {
    let (_, reply) = fake
        .wait_request(0, |r| is_reply_in(r, channel), WAIT)
        .await;
    assert_eq!(
        reply.body["embeds"][0]["title"], "What is a KPO?",
        "{reply}"
    );
    assert_eq!(
        reply.body["message_reference"]["channel_id"],
        channel.to_string()
    );
    reply
}

/// Which process holds each of four shards, when "token-low" runs 0 and 1
/// and "token-high" runs 2 and 3.
const SPLIT_TOKENS: [&str; 4] = ["token-low", "token-low", "token-high", "token-high"];

/// A question in each of `guilds` (one per shard of four) and by DM: each
/// answered by the process holding its shard, the DM by shard 0's.
async fn ask_each_split_process(fake: &FakeDiscord, guilds: &[(u64, u64)]) {
    for &(guild, channel) in guilds {
        ask_by_mention(fake, Some(guild), channel).await;
    }
    // DMs come on shard 0.
    ask_by_mention(fake, None, DM_CHANNEL_ID).await;
    for (&(_, channel), token) in guilds.iter().zip(SPLIT_TOKENS) {
        let reply = answer_in(fake, channel).await;
        assert_eq!(reply.token, token, "the answer in {channel}");
    }
    assert_eq!(answer_in(fake, DM_CHANNEL_ID).await.token, "token-low");
}

/// The IDENTIFYs' shards, sorted, each with the token that sent it.
fn identified(fake: &FakeDiscord) -> Vec<([u32; 2], String)> {
    let mut shards: Vec<_> = fake
        .identified_shards()
        .into_iter()
        .zip(fake.identifies())
        .map(|(shard, d)| (shard, d["token"].as_str().unwrap_or_default().to_string()))
        .collect();
    shards.sort();
    shards
}

#[tokio::test]
async fn one_process_runs_every_shard_and_answers_in_guilds_on_each() {
    let fake = fake_with(1, 2).await;
    let bot = BotProcess::spawn(&fake, "shards = 2\n", "");
    fake.wait_shards_ready(2, SHARDS_WAIT).await;
    assert_eq!(
        identified(&fake),
        [
            ([0, 2], "Bot test-token".to_string()),
            ([1, 2], "Bot test-token".to_string())
        ]
    );
    assert!(
        bot.log().contains("running shards first=0 last=1 total=2"),
        "{}",
        bot.log()
    );

    for (guild, channel) in guilds(2) {
        ask_by_mention(&fake, Some(guild), channel).await;
        answer_in(&fake, channel).await;
    }
    ask_by_mention(&fake, None, DM_CHANNEL_ID).await;
    answer_in(&fake, DM_CHANNEL_ID).await;
}

#[tokio::test]
async fn two_processes_split_four_shards_and_each_guild_is_answered_by_its_own() {
    let fake = fake_with(1, 4).await;
    let low = BotProcess::spawn_as(&fake, "token-low", "shards = 4\nshard_range = [0, 1]\n", "");
    let high = BotProcess::spawn_as(
        &fake,
        "token-high",
        "shards = 4\nshard_range = [2, 3]\n",
        "",
    );
    fake.wait_shards_ready(4, SHARDS_WAIT).await;
    // Each shard identified once, by the process whose range holds it.
    let low_id = "Bot token-low".to_string();
    let high_id = "Bot token-high".to_string();
    assert_eq!(
        identified(&fake),
        [
            ([0, 4], low_id.clone()),
            ([1, 4], low_id),
            ([2, 4], high_id.clone()),
            ([3, 4], high_id)
        ]
    );
    for (bot, line) in [
        (&low, "running shards first=0 last=1 total=4"),
        (&high, "running shards first=2 last=3 total=4"),
    ] {
        assert!(bot.log().contains(line), "{}", bot.log());
    }

    let guilds = guilds(4);
    ask_each_split_process(&fake, &guilds).await;

    // Never both: one answer per question, once the other had time to come.
    tokio::time::sleep(QUIET).await;
    let requests = fake.requests();
    for channel in guilds.iter().map(|(_, c)| *c).chain([DM_CHANNEL_ID]) {
        let replies: Vec<&Recorded> = requests
            .iter()
            .filter(|r| is_reply_in(r, channel))
            .collect();
        assert_eq!(replies.len(), 1, "answers in {channel}: {replies:?}");
    }
    // Both processes registered the commands (the same ones, idempotently).
    let registered: BTreeSet<&str> = requests
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .map(|r| r.token.as_str())
        .collect();
    assert_eq!(registered, BTreeSet::from(["token-high", "token-low"]));
}

/// The production shape: two processes splitting four shards, both
/// recording into one PostgreSQL database. Each guild is answered by its own
/// process, and `/insights` in either process counts every question, asked
/// of either, from one member (the user-hash secret is shared).
#[test]
fn two_processes_on_one_postgres_answer_their_own_guilds_and_insights_counts_both() {
    // The PostgreSQL client blocks on a runtime of its own: the database is
    // made, read and dropped on threads outside the test's runtime.
    let Some(db) = pg::TestDb::create() else {
        return;
    };
    let count = |sql: &str| std::thread::scope(|s| s.spawn(|| db.count(sql)).join().unwrap());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(two_processes_on_one_store(&db.url, count));
}

async fn two_processes_on_one_store(url: &str, count: impl Fn(&str) -> i64) {
    let fake = fake_with(1, 4).await;
    let _low = BotProcess::spawn_on_store(
        &fake,
        "token-low",
        "shards = 4\nshard_range = [0, 1]\n",
        url,
    );
    let _high = BotProcess::spawn_on_store(
        &fake,
        "token-high",
        "shards = 4\nshard_range = [2, 3]\n",
        url,
    );
    fake.wait_shards_ready(4, SHARDS_WAIT).await;

    let guilds = guilds(4);
    ask_each_split_process(&fake, &guilds).await;

    // Both writers reach the one database (each writes in its own time).
    eventually("five questions in the database", WAIT, async || {
        (count("SELECT count(*) FROM questions") == 5).then_some(())
    })
    .await;
    let by_process = count("SELECT count(DISTINCT id >> 32) FROM questions");
    assert_eq!(by_process, 2, "answer ids from two blocks, one per process");

    // An admin asks /insights in a guild of each process: both see all five.
    let mut session = Session::new(fake);
    let admin_role = session.fake.config().admin_role_id;
    for (&(guild, _), token) in guilds.iter().zip(SPLIT_TOKENS).step_by(2) {
        let member = session.fake.member(ADMIN, "admin", &[admin_role], 0);
        let mut d = session.fake.slash_command(
            "insights",
            serde_json::json!([]),
            "en-US",
            Some(member),
            ADMIN,
        );
        d["guild_id"] = guild.to_string().into();
        session.fake.dispatch("INTERACTION_CREATE", d.clone()).await;
        let path = format!(
            "/api/v10/interactions/{}/{}/callback",
            d["id"].as_str().unwrap(),
            d["token"].as_str().unwrap()
        );
        let reply = session.next(|r| r.method == "POST" && r.path == path).await;
        assert_eq!(reply.token, token, "/insights in {guild}");
        let description = reply.body["data"]["embeds"][0]["description"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            description.starts_with("5 questions, 5 answered (100%), from 1 members."),
            "/insights in {guild}: {}",
            reply.body
        );
    }
}

/// Status code and body of `GET path` on the bot's metrics server.
async fn get(addr: &str, path: &str) -> (u16, String) {
    let (status, _, body) = support::http::request(addr, "GET", path).await;
    (status, body)
}

/// serenity starts shard 1 seconds after shard 0: a process whose shard 0
/// is connected is not ready until shard 1 is too. `"auto"` takes Discord's
/// recommended count.
#[tokio::test]
async fn readyz_waits_for_every_shard_of_the_process() {
    let fake = fake_with(2, 2).await;
    fake.hold_ready();
    let bot = BotProcess::spawn(
        &fake,
        "shards = \"auto\"\n",
        "[metrics]\nlisten = \"127.0.0.1:0\"\n",
    );
    let addr = bot.metrics_addr().await;
    let identified_as = |shard: [u32; 2]| fake.identified_shards().contains(&shard);
    eventually("shard 0's IDENTIFY", WAIT, async || {
        identified_as([0, 2]).then_some(())
    })
    .await;
    assert!(
        bot.log().contains("running shards first=0 last=1 total=2"),
        "{}",
        bot.log()
    );
    assert_eq!(
        get(&addr, "/readyz").await,
        (503, "shard 0, 1 not connected\n".into())
    );

    // Shard 0 connected; until shard 1 is, never ready: not while serenity
    // has yet to start it, nor while it waits for its READY.
    assert!(fake.release_ready_of(0));
    eventually("shard 1's IDENTIFY", SHARDS_WAIT, async || {
        let (status, why) = get(&addr, "/readyz").await;
        assert_eq!(status, 503, "ready with shard 1 not connected: {why}");
        identified_as([1, 2]).then_some(())
    })
    .await;
    eventually("/readyz to wait for shard 1 alone", WAIT, async || {
        let (status, why) = get(&addr, "/readyz").await;
        assert_eq!(status, 503, "ready with shard 1 not connected: {why}");
        (why == "shard 1 not connected\n").then_some(())
    })
    .await;

    assert!(fake.release_ready_of(1));
    eventually("/readyz to say ready", WAIT, async || {
        (get(&addr, "/readyz").await == (200, "ready\n".into())).then_some(())
    })
    .await;
}

/// With `"auto"`, a Discord that cannot say how many shards to run stops
/// the bot at once with the reason and the way out, never half-started.
#[tokio::test]
async fn auto_shards_without_an_answer_from_discord_is_a_clear_error() {
    let fake = fake_with(2, 2).await;
    fake.fail_next("GET", "/gateway/bot", 500, 1);
    let mut bot = BotProcess::spawn(&fake, "shards = \"auto\"\n", "");
    let status = bot.exit_status().await;
    assert_eq!(status.code(), Some(1));
    let log = bot.log();
    assert!(
        log.contains("cannot ask Discord how many shards to run (discord.shards = \"auto\")")
            && log.contains("set discord.shards to a number"),
        "{log}"
    );
    assert!(
        fake.identify().is_none(),
        "it connected to the gateway anyway"
    );
}
