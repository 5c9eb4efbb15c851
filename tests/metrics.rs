//! `/metrics`, `/healthz` and `/readyz` of the real bot on the fake Discord:
//! readiness follows the gateway's READY, and after a scripted session the
//! counters (parsed with a Prometheus text-format parser) moved by exactly
//! what the session did.

mod support;

use prometheus_parse::{Sample, Scrape, Value as Metric};
use serde_json::{json, Value};
use support::bot::BotProcess;
use support::fake_discord::{FakeConfig, FakeDiscord, EVERYONE_PERMISSIONS};
use support::session::{eventually, Session, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MEMBER: u64 = 500_000_000_000_000_001;
const ADMIN: u64 = 500_000_000_000_000_002;
const OTHER: u64 = 500_000_000_000_000_004;
const PER_MINUTE: u32 = 3;

/// Status code and body of `METHOD path` on the bot's metrics server; a
/// scrape must say it is Prometheus's text format 0.0.4.
async fn http(addr: &str, method: &str, path: &str) -> (u16, String) {
    let (status, head, body) = support::http::request(addr, method, path).await;
    if path == "/metrics" && status == 200 {
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/plain; version=0.0.4"),
            "{head}"
        );
    }
    (status, body)
}

/// Command `name` from `user` (with `roles`), in English: the response.
async fn command(s: &mut Session, name: &str, options: Value, user: u64, roles: &[u64]) -> Value {
    let d = s
        .slash(name, options, "en-US", user, roles, EVERYONE_PERMISSIONS)
        .await;
    s.callback(&d).await
}

/// `/ask` from the member: the response.
async fn ask(s: &mut Session, question: &str) -> Value {
    let options = json!([{"name": "question", "type": 3, "value": question}]);
    command(s, "ask", options, MEMBER, &[]).await
}
fn title(reply: &Value) -> &str {
    reply["data"]["embeds"][0]["title"].as_str().unwrap_or("")
}

/// The value of `name{labels}`, if the series exists. Histograms give their count.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && has_labels(s, labels))
        .map(|s| match &s.value {
            Metric::Counter(v) | Metric::Gauge(v) | Metric::Untyped(v) => *v,
            Metric::Histogram(buckets) => buckets
                .iter()
                .find(|b| b.less_than.is_infinite())
                .map_or(f64::NAN, |b| b.count),
            Metric::Summary(_) => panic!("{name} is a summary, not a histogram"),
        })
}

fn has_labels(sample: &Sample, labels: &[(&str, &str)]) -> bool {
    sample.labels.len() == labels.len()
        && labels.iter().all(|(k, v)| sample.labels.get(k) == Some(v))
}

/// Every series of `name`, summed.
fn total(scrape: &Scrape, name: &str) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .map(|s| match &s.value {
            Metric::Counter(v) | Metric::Gauge(v) | Metric::Untyped(v) => *v,
            _ => 0.0,
        })
        .sum()
}

#[tokio::test]
async fn readiness_follows_the_gateway_and_counters_count_the_session() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    fake.hold_ready();
    let bot = BotProcess::spawn(
        &fake,
        "",
        &format!(
            "[limits]\nquestions_per_minute = {PER_MINUTE}\n\
             [metrics]\nlisten = \"127.0.0.1:0\"\n"
        ),
    );
    let addr = bot.metrics_addr().await;

    // Up at once; not ready while the gateway has not sent READY.
    assert_eq!(http(&addr, "GET", "/healthz").await, (200, "ok\n".into()));
    eventually("IDENTIFY", WAIT, async || fake.identify()).await;
    let (status, why) = http(&addr, "GET", "/readyz").await;
    assert_eq!(status, 503, "{why}");
    assert_eq!(why, "shard 0 not connected\n");

    assert!(fake.release_ready(), "the IDENTIFY was not held");
    let mut s = Session::new(fake);
    s.next(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .await;
    eventually("/readyz to say ready", WAIT, async || {
        (http(&addr, "GET", "/readyz").await == (200, "ready\n".into())).then_some(())
    })
    .await;

    // The session: two answers, one honest "no clear answer", one question
    // over the rate, a 👍, a reload and a recommendation.
    let first = ask(&mut s, "What is a KPO?").await;
    assert_eq!(title(&first), "What is a KPO?", "{first}");
    let second = ask(&mut s, "tipos de kpo").await;
    assert_eq!(title(&second), "Types of KPOs", "{second}");
    let off_topic = ask(&mut s, "What is the capital of France?").await;
    assert_eq!(title(&off_topic), "No clear answer", "{off_topic}");
    let limited = ask(&mut s, "What is a BPO?").await;
    assert_eq!(limited["data"]["flags"], 64, "{limited}");
    let text = limited["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap();
    assert!(text.starts_with("You're asking faster"), "{text}");

    let up = first["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_string))
        .find(|id| id.starts_with("fb1:up:"))
        .expect("a 👍 button under the answer");
    // Clicks count against the rate too: another member's.
    let member = s.fake.member(OTHER, "someone", &[], EVERYONE_PERMISSIONS);
    let click = s
        .fake
        .button_click(&up, "en-US", member, OTHER, s.fake.channel_id());
    s.fake.dispatch("INTERACTION_CREATE", click.clone()).await;
    let thanks = s.callback(&click).await;
    assert_eq!(
        thanks["data"]["embeds"][0]["description"],
        "Thanks! Your feedback is recorded."
    );

    let admin_role = s.fake.config().admin_role_id;
    command(&mut s, "reload", json!([]), ADMIN, &[admin_role]).await;
    let report = s
        .next(|r| {
            (r.method == "PATCH" && r.path.ends_with("/messages/@original"))
                || (r.method == "POST" && r.path.starts_with("/api/v10/webhooks/"))
        })
        .await;
    let report = report.body["content"].as_str().unwrap().to_string();
    assert!(report.starts_with("Knowledge reloaded"), "{report}");
    // "… 58 → 58 passages …": what the reload served.
    let passages: f64 = report
        .split(" passages")
        .next()
        .and_then(|before| before.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no passage count in {report}"));

    let options = json!([
        {"name": "work", "type": 3, "value": "legal"},
        {"name": "complexity", "type": 3, "value": "high"}
    ]);
    let rec = command(&mut s, "recommend", options, OTHER, &[]).await;
    assert_eq!(title(&rec), "Recommendation: KPO", "{rec}");

    // What /metrics says now.
    let (status, body) = http(&addr, "GET", "/metrics").await;
    assert_eq!(status, 200);
    let scrape = Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).unwrap();
    let q = "outsourcing_bot_questions_total";
    let slash = |outcome| [("surface", "slash"), ("lang", "en"), ("outcome", outcome)];
    assert_eq!(value(&scrape, q, &slash("answered")), Some(2.0), "{body}");
    assert_eq!(value(&scrape, q, &slash("no_answer")), Some(1.0), "{body}");
    assert_eq!(
        value(&scrape, q, &slash("rate_limited")),
        Some(1.0),
        "{body}"
    );
    assert_eq!(total(&scrape, q), 4.0, "{body}");
    // Searched questions only: the one over the rate never was.
    assert_eq!(
        value(&scrape, "outsourcing_bot_answer_seconds", &[]),
        Some(3.0),
        "{body}"
    );
    assert_eq!(
        value(&scrape, "outsourcing_bot_answer_seconds_count", &[]),
        Some(3.0),
        "{body}"
    );
    let fb = "outsourcing_bot_feedback_total";
    assert_eq!(value(&scrape, fb, &[("kind", "up")]), Some(1.0), "{body}");
    assert_eq!(total(&scrape, fb), 1.0, "{body}");
    let reloads = "outsourcing_bot_reloads_total";
    assert_eq!(value(&scrape, reloads, &[("outcome", "ok")]), Some(1.0));
    assert_eq!(total(&scrape, reloads), 1.0, "{body}");
    assert_eq!(
        value(&scrape, "outsourcing_bot_reload_seconds", &[]),
        Some(1.0),
        "{body}"
    );
    let recs = "outsourcing_bot_recommendations_total";
    assert_eq!(value(&scrape, recs, &[("verdict", "kpo")]), Some(1.0));
    assert_eq!(total(&scrape, recs), 1.0, "{body}");
    assert_eq!(
        value(&scrape, "outsourcing_bot_knowledge_version", &[]),
        Some(2.0),
        "{body}"
    );
    assert_eq!(
        value(&scrape, "outsourcing_bot_knowledge_passages", &[]),
        Some(passages),
        "{body}"
    );
    assert_eq!(
        value(&scrape, "outsourcing_bot_store_dropped_total", &[]),
        Some(0.0),
        "{body}"
    );
    // Labels carry no question text and no user.
    for needle in ["KPO?", "France", &MEMBER.to_string(), "test-token"] {
        assert!(!body.contains(needle), "{needle} in:\n{body}");
    }

    assert_eq!(http(&addr, "GET", "/nope").await.0, 404);
    assert_eq!(http(&addr, "GET", "/").await.0, 404);
    assert_eq!(http(&addr, "POST", "/metrics").await.0, 405);

    // A client that sends nothing holds no one up; garbage and an endless
    // head get a status, and the server goes on.
    let _idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    assert_eq!(http(&addr, "GET", "/healthz").await.0, 200);
    assert_eq!(raw(&addr, b"\x00\xff garbage\r\n\r\n").await, 400);
    let mut endless = b"GET /metrics HTTP/1.1\r\n".to_vec();
    endless.extend(std::iter::repeat_n(b'a', 64 * 1024));
    assert_eq!(raw(&addr, &endless).await, 431);
    assert_eq!(http(&addr, "GET", "/healthz").await.0, 200);
    drop(bot);
}

/// The status the server answers `bytes` with.
async fn raw(addr: &str, bytes: &[u8]) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before reading all of it.
    let _ = stream.write_all(bytes).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response);
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"))
}

#[tokio::test]
async fn a_metrics_address_in_use_is_a_clear_exit_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let mut bot = BotProcess::spawn(&fake, "", &format!("[metrics]\nlisten = \"{addr}\"\n"));
    let status = bot.exit_status().await;
    assert_eq!(status.code(), Some(1));
    let log = bot.log();
    assert!(
        log.contains(&format!(
            "error: cannot serve metrics on {addr} (metrics.listen): "
        )),
        "{log}"
    );
    assert!(fake.identify().is_none(), "it connected to Discord anyway");
}
