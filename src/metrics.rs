//! What the bot does, for Prometheus; and whether it is up and ready.
//!
//! Every metric name is here, and so is every label value: the rest of the
//! code calls one function per event (`metrics::question(…)`) and never
//! names a metric. Labels are small closed sets (surface, language,
//! outcome, verdict, kind, shard): never a question's text, a user or a
//! token.
//!
//! The `metrics` facade records; `metrics-exporter-prometheus` keeps the
//! values and renders the text format. Its own HTTP listener would bring a
//! whole HTTP stack, so a small server here answers the three GETs a
//! scraper and an orchestrator need. Until [`serve`] installs the recorder,
//! every call below costs a check and records nothing: `ask`, `check` and
//! the tests pay nothing.

use std::io;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use poise::serenity_prelude as serenity;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::answer::Answer;
use crate::lang::Lang;
use crate::recommend::Verdict;
use crate::store::{Feedback, Surface};

/// The metric names, in one place.
pub mod name {
    pub const QUESTIONS: &str = "outsourcing_bot_questions_total";
    pub const ANSWER_SECONDS: &str = "outsourcing_bot_answer_seconds";
    pub const RECOMMENDATIONS: &str = "outsourcing_bot_recommendations_total";
    pub const RELOADS: &str = "outsourcing_bot_reloads_total";
    pub const RELOAD_SECONDS: &str = "outsourcing_bot_reload_seconds";
    pub const KNOWLEDGE_VERSION: &str = "outsourcing_bot_knowledge_version";
    pub const KNOWLEDGE_PASSAGES: &str = "outsourcing_bot_knowledge_passages";
    pub const FEEDBACK: &str = "outsourcing_bot_feedback_total";
    pub const STORE_DROPPED: &str = "outsourcing_bot_store_dropped_total";
    pub const GATEWAY_LATENCY: &str = "outsourcing_bot_gateway_latency_seconds";
}

/// How a question ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    NoAnswer,
    /// Empty or too long: never searched.
    RefusedInput,
    RateLimited,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::NoAnswer => "no_answer",
            Outcome::RefusedInput => "refused_input",
            Outcome::RateLimited => "rate_limited",
        }
    }
}

/// A question that ended as `outcome`.
pub fn question(surface: Surface, lang: Lang, outcome: Outcome) {
    counter!(name::QUESTIONS, "surface" => surface.name(), "lang" => lang.code(), "outcome" => outcome.name())
        .increment(1);
}

/// A question searched and answered (or honestly not) in `took`.
pub fn answered(surface: Surface, answer: &Answer, took: Duration) {
    let outcome = if answer.answered {
        Outcome::Answered
    } else {
        Outcome::NoAnswer
    };
    question(surface, answer.lang, outcome);
    histogram!(name::ANSWER_SECONDS).record(took.as_secs_f64());
}

pub fn recommendation(verdict: Verdict) {
    let verdict = match verdict {
        Verdict::Bpo => "bpo",
        Verdict::Kpo => "kpo",
        Verdict::Hybrid => "hybrid",
    };
    counter!(name::RECOMMENDATIONS, "verdict" => verdict).increment(1);
}

/// A reload that swapped (`ok`) or kept the old knowledge, after `took`.
pub fn reload(ok: bool, took: Duration) {
    let outcome = if ok { "ok" } else { "refused" };
    counter!(name::RELOADS, "outcome" => outcome).increment(1);
    histogram!(name::RELOAD_SECONDS).record(took.as_secs_f64());
}

/// The knowledge now served.
pub fn knowledge(generation: u64, passages: usize) {
    gauge!(name::KNOWLEDGE_VERSION).set(generation as f64);
    gauge!(name::KNOWLEDGE_PASSAGES).set(passages as f64);
}

pub fn feedback(feedback: &Feedback) {
    let kind = match feedback {
        Feedback::Up => "up",
        Feedback::Down => "down",
        Feedback::Picked(_) => "picked",
        Feedback::DidYouMean(_) => "did_you_mean",
    };
    counter!(name::FEEDBACK, "kind" => kind).increment(1);
}

/// An event the store's full queue could not take.
pub fn store_dropped() {
    counter!(name::STORE_DROPPED).increment(1);
}

/// Answers and reloads take milliseconds to a few seconds.
const SECONDS_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Installs the recorder once per process; later calls get the same handle.
fn recorder() -> Result<PrometheusHandle, MetricsError> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)
        .and_then(|b| b.install_recorder())
        .map_err(|e| MetricsError::Recorder(e.to_string()))?;
    describe();
    Ok(HANDLE.get_or_init(|| handle).clone())
}

fn describe() {
    describe_counter!(
        name::QUESTIONS,
        "Questions by surface, language and outcome"
    );
    describe_histogram!(
        name::ANSWER_SECONDS,
        metrics::Unit::Seconds,
        "Time to answer a question"
    );
    describe_counter!(name::RECOMMENDATIONS, "Recommendations by verdict");
    describe_counter!(name::RELOADS, "Knowledge reloads by outcome");
    describe_histogram!(
        name::RELOAD_SECONDS,
        metrics::Unit::Seconds,
        "Time to reload the knowledge"
    );
    describe_gauge!(
        name::KNOWLEDGE_VERSION,
        "Generation of the knowledge served (1 at start, +1 per reload)"
    );
    describe_gauge!(name::KNOWLEDGE_PASSAGES, "Passages in the knowledge served");
    describe_counter!(name::FEEDBACK, "Feedback clicks by kind");
    describe_counter!(
        name::STORE_DROPPED,
        "Store events dropped because its queue was full"
    );
    describe_gauge!(
        name::GATEWAY_LATENCY,
        metrics::Unit::Seconds,
        "Discord gateway heartbeat latency per shard"
    );
    // Shown from the start: a scraper sees 0, not a missing series.
    counter!(name::STORE_DROPPED).increment(0);
}

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("cannot serve metrics on {addr} (metrics.listen): {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("cannot start the metrics recorder: {0}")]
    Recorder(String),
}

/// What `/readyz` checks: the knowledge, and Discord's shards when the bot
/// runs on Discord.
#[derive(Default)]
struct Readiness {
    knowledge: AtomicBool,
    discord: AtomicBool,
    shards: Mutex<Option<Watched>>,
}

/// The shard manager, and the shards it must run for this process to be
/// ready: serenity starts them one by one, 5 s apart, so the runners it
/// has at a given moment may be only some of them.
struct Watched {
    manager: Arc<serenity::ShardManager>,
    ids: RangeInclusive<u32>,
}

static READY: OnceLock<Readiness> = OnceLock::new();

fn readiness() -> &'static Readiness {
    READY.get_or_init(Readiness::default)
}

/// The knowledge is loaded: ready as far as it goes.
pub fn knowledge_loaded() {
    readiness().knowledge.store(true, Ordering::SeqCst);
}

/// The shards this process runs (`ids`, of `manager`): `/readyz` waits for
/// each to be connected, and their gateway latency is sampled every 10 s.
/// Call within the Discord client's runtime.
pub fn watch_shards(manager: Arc<serenity::ShardManager>, ids: RangeInclusive<u32>) {
    *readiness()
        .shards
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Watched {
        manager: manager.clone(),
        ids,
    });
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(10));
        loop {
            every.tick().await;
            for (id, runner) in manager.runners.lock().await.iter() {
                if let Some(latency) = runner.latency {
                    gauge!(name::GATEWAY_LATENCY, "shard" => id.0.to_string())
                        .set(latency.as_secs_f64());
                }
            }
        }
    });
}

/// Ready, or why not (a short reason for the operator).
async fn ready() -> Result<(), String> {
    let state = readiness();
    if !state.knowledge.load(Ordering::SeqCst) {
        return Err("knowledge not loaded yet".into());
    }
    if !state.discord.load(Ordering::SeqCst) {
        return Ok(());
    }
    let watched = state
        .shards
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .as_ref()
        .map(|w| (w.manager.clone(), w.ids.clone()));
    let Some((manager, ids)) = watched else {
        return Err("not connected to Discord yet".into());
    };
    let runners = manager.runners.lock().await;
    // A shard serenity has not started yet has no runner: not connected either.
    let waiting: Vec<u32> = ids
        .filter(|id| {
            runners
                .get(&serenity::ShardId(*id))
                .is_none_or(|r| r.stage != serenity::ConnectionStage::Connected)
        })
        .collect();
    match waiting.as_slice() {
        [] => Ok(()),
        some => Err(format!("{} not connected", shard_list(some))),
    }
}

/// "shard 3", "shard 0, 1", or for many "shard 0, 1, … (40 in all)": a
/// short reason even for a process with hundreds of shards.
fn shard_list(ids: &[u32]) -> String {
    const SHOWN: usize = 10;
    let mut list: Vec<String> = ids.iter().take(SHOWN).map(u32::to_string).collect();
    if ids.len() > SHOWN {
        list.push(format!("… ({} in all)", ids.len()));
    }
    format!("shard {}", list.join(", "))
}

/// The running metrics server; it lives as long as the process.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
}

/// Installs the recorder and serves `/metrics`, `/healthz` and `/readyz` on
/// `addr` from a thread of its own, so the console and the Discord client
/// alike keep their runtime. `discord`: `/readyz` also waits for the
/// gateway. An address in use is an error naming it.
pub fn serve(addr: SocketAddr, discord: bool) -> Result<Server, MetricsError> {
    let listener = std::net::TcpListener::bind(addr)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|source| MetricsError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| MetricsError::Bind { addr, source })?;
    let handle = recorder()?;
    readiness().discord.store(discord, Ordering::SeqCst);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| MetricsError::Bind { addr, source })?;
    std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || runtime.block_on(accept(listener, handle)))
        .map_err(|source| MetricsError::Bind { addr, source })?;
    tracing::info!(addr = %bound, "serving metrics");
    Ok(Server { addr: bound })
}

/// Connections served at once; more wait in the kernel's backlog.
const MAX_CONNECTIONS: usize = 32;
/// The request line and headers together; a scraper sends a few hundred bytes.
const MAX_REQUEST_BYTES: usize = 8 * 1024;
/// A client that has not sent its whole request by then is dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

async fn accept(listener: std::net::TcpListener, handle: PrometheusHandle) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(err) => {
            tracing::error!("metrics server stopped: {err}");
            return;
        }
    };
    // Histograms and idle series are kept in shape by upkeep, not by reads.
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors and the like: wait, never spin.
                tracing::warn!("metrics server: cannot accept: {err}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let _ = tokio::time::timeout(REQUEST_TIMEOUT, respond(stream, &handle)).await;
        });
    }
}

/// A response: status line, content type, body.
#[derive(Debug, PartialEq)]
struct Response {
    status: &'static str,
    content_type: &'static str,
    body: String,
}

impl Response {
    fn text(status: &'static str, body: impl Into<String>) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }
}

async fn respond(mut stream: tokio::net::TcpStream, handle: &PrometheusHandle) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    let head = loop {
        if let Some(end) = head_end(&buf) {
            break Ok(&buf[..end]);
        }
        if buf.len() >= MAX_REQUEST_BYTES {
            break Err(Response::text(
                "431 Request Header Fields Too Large",
                "request too large\n",
            ));
        }
        let mut chunk = [0u8; 1024];
        let want = chunk.len().min(MAX_REQUEST_BYTES - buf.len());
        let n = stream.read(&mut chunk[..want]).await?;
        if n == 0 {
            // Closed before a whole request: nothing to answer.
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let response = match head {
        Ok(head) => match route(head) {
            Route::Metrics => Response {
                status: "200 OK",
                content_type: "text/plain; version=0.0.4; charset=utf-8",
                body: handle.render(),
            },
            Route::Ready => match ready().await {
                Ok(()) => Response::text("200 OK", "ready\n"),
                Err(why) => Response::text("503 Service Unavailable", format!("{why}\n")),
            },
            Route::Fixed(response) => response,
        },
        Err(response) => response,
    };
    let mut out = format!(
        "HTTP/1.1 {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    if response.status.starts_with("405") {
        out.push_str("allow: GET\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&response.body);
    stream.write_all(out.as_bytes()).await?;
    stream.shutdown().await?;
    if !response.status.starts_with('2') {
        // Closing with unread bytes would reset the connection and could
        // lose the answer: read what is left (the timeout bounds it).
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
    }
    Ok(())
}

/// Where the request line and headers end (after the blank line).
fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
        .or_else(|| buf.windows(2).position(|w| w == b"\n\n").map(|at| at + 2))
}

#[derive(Debug, PartialEq)]
enum Route {
    Metrics,
    Ready,
    Fixed(Response),
}

/// What a request's head asks for. Anything that is not an HTTP/1.x request
/// line is a 400; its bytes are never echoed.
fn route(head: &[u8]) -> Route {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Route::Fixed(Response::text("400 Bad Request", "bad request\n"));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !target.starts_with('/') {
        return Route::Fixed(Response::text("400 Bad Request", "bad request\n"));
    }
    if method != "GET" {
        return Route::Fixed(Response::text(
            "405 Method Not Allowed",
            "only GET is served\n",
        ));
    }
    let path = target.split(['?', '#']).next().unwrap_or_default();
    match path {
        "/metrics" => Route::Metrics,
        "/healthz" => Route::Fixed(Response::text("200 OK", "ok\n")),
        "/readyz" => Route::Ready,
        _ => Route::Fixed(Response::text("404 Not Found", "not found\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(head: &str) -> &'static str {
        match route(head.as_bytes()) {
            Route::Metrics | Route::Ready => "routed",
            Route::Fixed(r) => r.status,
        }
    }

    #[test]
    fn requests_are_routed_by_method_and_path() {
        assert_eq!(route(b"GET /metrics HTTP/1.1\r\n\r\n"), Route::Metrics);
        assert_eq!(route(b"GET /metrics?x=1 HTTP/1.0\r\n\r\n"), Route::Metrics);
        assert_eq!(
            route(b"GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n"),
            Route::Ready
        );
        assert_eq!(status("GET /healthz HTTP/1.1\r\n\r\n"), "200 OK");
        assert_eq!(status("GET /metricsx HTTP/1.1\r\n\r\n"), "404 Not Found");
        assert_eq!(status("GET / HTTP/1.1\r\n\r\n"), "404 Not Found");
        assert_eq!(
            status("POST /metrics HTTP/1.1\r\n\r\n"),
            "405 Method Not Allowed"
        );
        assert_eq!(
            status("HEAD /healthz HTTP/1.1\r\n\r\n"),
            "405 Method Not Allowed"
        );
    }

    #[test]
    fn garbage_is_a_bad_request() {
        for head in [
            "\r\n\r\n",
            "GET\r\n\r\n",
            "GET /metrics\r\n\r\n",
            "GET /metrics HTTP/1.1 extra\r\n\r\n",
            "GET metrics HTTP/1.1\r\n\r\n",
            "GET /metrics SMTP/1.0\r\n\r\n",
        ] {
            assert_eq!(status(head), "400 Bad Request", "{head:?}");
        }
        assert_eq!(
            status("\u{0}\u{ff}\u{fe} / HTTP/1.1\r\n\r\n"),
            "405 Method Not Allowed"
        );
        assert_eq!(route(&[0xff, 0xfe, b'\n', b'\n']), route(b"x\n\n"));
    }

    #[test]
    fn the_head_ends_at_the_blank_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n\r\nbody"), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\n"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n"), None);
    }

    #[test]
    fn shards_waited_for_are_listed_briefly() {
        assert_eq!(shard_list(&[3]), "shard 3");
        assert_eq!(shard_list(&[0, 1]), "shard 0, 1");
        let many: Vec<u32> = (100..140).collect();
        assert_eq!(
            shard_list(&many),
            "shard 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, … (40 in all)"
        );
    }

    #[test]
    fn outcomes_have_the_documented_names() {
        let names: Vec<_> = [
            Outcome::Answered,
            Outcome::NoAnswer,
            Outcome::RefusedInput,
            Outcome::RateLimited,
        ]
        .map(Outcome::name)
        .into();
        assert_eq!(
            names,
            ["answered", "no_answer", "refused_input", "rate_limited"]
        );
    }
}
