//! Configuration in layers: defaults, then a TOML file, then the environment.
//!
//! `config.example.toml` documents every key. Unknown keys are errors that
//! name the key, so a typo never silently falls back to a default. The token
//! is wrapped in [`Secret`], whose `Debug` and `Display` never show it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::answer::AnswerOptions;
use crate::echo::{echo, echo_cut};
use crate::knowledge::problem::line_of;
use crate::knowledge::read::{read_regular_or, Refusal};
use crate::lang::Lang;

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "config.toml";

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub knowledge: KnowledgeConfig,
    pub answer: AnswerConfig,
    pub limits: LimitsConfig,
    pub discord: DiscordConfig,
    pub store: StoreConfig,
    pub conversation: ConversationConfig,
    pub metrics: MetricsConfig,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnowledgeConfig {
    pub dir: PathBuf,
    /// Reload by itself when files in `dir` change.
    pub watch: bool,
    /// How long the folder must be quiet before a watched change reloads.
    pub watch_debounce_ms: u64,
    /// A knowledge file larger than this is a problem, never read whole.
    pub max_file_bytes: u64,
    /// The same for all knowledge files together.
    pub max_total_bytes: u64,
}

impl KnowledgeConfig {
    /// What loading the knowledge may read.
    pub fn limits(&self) -> crate::knowledge::Limits {
        crate::knowledge::Limits {
            max_file_bytes: self.max_file_bytes,
            max_total_bytes: self.max_total_bytes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnswerConfig {
    pub min_confidence: f32,
    pub top: usize,
    pub lang: LangSetting,
}

/// The answers' language: the question's own (`auto`), or always one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LangSetting {
    #[default]
    Auto,
    Es,
    En,
}

impl LangSetting {
    /// The forced language, if any.
    pub fn forced(self) -> Option<Lang> {
        match self {
            LangSetting::Auto => None,
            LangSetting::Es => Some(Lang::Es),
            LangSetting::En => Some(Lang::En),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub question_max_chars: usize,
    /// Questions (and recommendations) one Discord user may ask per minute.
    pub questions_per_minute: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordConfig {
    pub token: Option<Secret>,
    /// Register commands in this guild only (instant); otherwise globally.
    pub guild_id: Option<u64>,
    /// Users who may /reload anywhere, besides members with Manage Server.
    pub admin_user_ids: Vec<u64>,
    /// Roles whose members may /reload.
    pub admin_role_ids: Vec<u64>,
    /// Channels where every message is answered (needs the Message Content intent).
    pub answer_channels: Vec<u64>,
    /// Where the Discord API is; a proxy or a test fake can stand in.
    pub api_base: String,
    /// How many shards the bot has in all, across every process.
    pub shards: Shards,
    /// The shards this process runs, when several processes split them;
    /// all of them when unset.
    pub shard_range: Option<ShardRange>,
}

/// The bot's number of shards: the count Discord recommends for its number
/// of servers, asked at start (`"auto"`), or a fixed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shards {
    Auto,
    Count(u32),
}

impl Default for Shards {
    /// One shard, as a bot without sharding runs: Discord accepts it up to
    /// 2,500 servers, and it costs no request at start.
    fn default() -> Self {
        Shards::Count(1)
    }
}

impl<'de> Deserialize<'de> for Shards {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Shards;

            // Read back by the config's error messages: words, not types.
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"auto\" or a whole number of shards, such as 4")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Shards, E> {
                if v == "auto" {
                    Ok(Shards::Auto)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Shards, E> {
                u32::try_from(v)
                    .map(Shards::Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Shards, E> {
                u32::try_from(v)
                    .map(Shards::Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl fmt::Display for Shards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shards::Auto => f.write_str("\"auto\""),
            Shards::Count(n) => write!(f, "{n}"),
        }
    }
}

/// Shards `first` to `last`, both included, 0-based: `[first, last]` in the
/// file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardRange {
    pub first: u32,
    pub last: u32,
}

impl<'de> Deserialize<'de> for ShardRange {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ShardRange;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("two shard numbers [first, last], such as [0, 1]")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ShardRange, A::Error> {
                let first: Option<u32> = seq.next_element()?;
                let last: Option<u32> = seq.next_element()?;
                let (Some(first), Some(last)) = (first, last) else {
                    let got = usize::from(first.is_some()) + usize::from(last.is_some());
                    return Err(serde::de::Error::invalid_length(got, &self));
                };
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(serde::de::Error::invalid_length(3, &self));
                }
                Ok(ShardRange { first, last })
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

impl fmt::Display for ShardRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.first, self.last)
    }
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            token: None,
            guild_id: None,
            admin_user_ids: Vec::new(),
            admin_role_ids: Vec::new(),
            answer_channels: Vec::new(),
            api_base: DEFAULT_API_BASE.to_string(),
            shards: Shards::default(),
            shard_range: None,
        }
    }
}

/// What the bot remembers of its questions (see `crate::store`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    /// Record questions and feedback; off, nothing is written anywhere.
    pub enabled: bool,
    /// Where: `store.url`, or the SQLite file `store.path` names (the key
    /// configs had before `store.url`). Checked when a config is loaded.
    pub url: StoreUrl,
    /// Rows older than this many days are deleted, at start and daily.
    pub retention_days: u32,
    /// Off: only counts are kept, never what was asked.
    pub keep_questions: bool,
}

/// The default store's file, relative to where the bot runs.
pub const DEFAULT_STORE_PATH: &str = "data/outsourcing-bot.sqlite3";

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            enabled: true,
            url: StoreUrl::sqlite(Path::new(DEFAULT_STORE_PATH)),
            retention_days: 90,
            keep_questions: true,
        }
    }
}

impl StoreConfig {
    /// The default store, kept in the SQLite file at `path`.
    pub fn at(path: &Path) -> StoreConfig {
        StoreConfig {
            url: StoreUrl::sqlite(path),
            ..StoreConfig::default()
        }
    }

    /// The default store, kept where `url` says.
    pub fn at_url(url: &str) -> StoreConfig {
        StoreConfig {
            url: StoreUrl::new(url),
            ..StoreConfig::default()
        }
    }
}

/// `[store]` as written: `url` and `path` are two spellings of one setting,
/// told apart (and refused together) when the config is checked.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct StoreKeys {
    enabled: bool,
    url: Option<StoreUrl>,
    path: Option<PathBuf>,
    retention_days: u32,
    keep_questions: bool,
}

impl Default for StoreKeys {
    fn default() -> Self {
        let d = StoreConfig::default();
        StoreKeys {
            enabled: d.enabled,
            url: None,
            path: None,
            retention_days: d.retention_days,
            keep_questions: d.keep_questions,
        }
    }
}

impl<'de> Deserialize<'de> for StoreConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let keys = StoreKeys::deserialize(deserializer)?;
        let url = match (keys.url, keys.path) {
            (Some(url), _) => url,
            (None, Some(path)) => StoreUrl::sqlite(&path),
            (None, None) => StoreConfig::default().url,
        };
        Ok(StoreConfig {
            enabled: keys.enabled,
            url,
            retention_days: keys.retention_days,
            keep_questions: keys.keep_questions,
        })
    }
}

/// `store.url` as written: `sqlite://PATH` or
/// `postgres://user:password@host:port/db` (`postgresql://` too). Any text
/// is taken when read and judged by [`StoreUrl::location`], so that an error
/// never echoes the password the way a type error would echo the value.
/// `Debug` and `Display` show it with the password hidden.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct StoreUrl(String);

const SQLITE_SCHEME: &str = "sqlite://";

impl StoreUrl {
    pub fn new(url: impl Into<String>) -> StoreUrl {
        StoreUrl(url.into())
    }

    /// The SQLite file at `path`.
    pub fn sqlite(path: &Path) -> StoreUrl {
        StoreUrl(format!("{SQLITE_SCHEME}{}", path.display()))
    }

    /// Where the store is, or why this cannot say (never with the password).
    pub fn location(&self) -> Result<StoreLocation, String> {
        let url = self.0.trim();
        let scheme = url
            .find("://")
            .map_or("", |end| &url[..end])
            .to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => {
                let path = &url[SQLITE_SCHEME.len()..];
                if path.is_empty() {
                    return Err(format!(
                        "must name a file after sqlite://, such as sqlite://{DEFAULT_STORE_PATH} \
                         (or set store.enabled = false)"
                    ));
                }
                Ok(StoreLocation::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => PostgresUrl::parse(url).map(StoreLocation::Postgres),
            _ => Err(format!(
                "must start with sqlite:// or postgres:// (postgresql:// too), such as \
                 sqlite://{DEFAULT_STORE_PATH} or postgres://bot:PASSWORD@localhost:5432/bot \
                 (got {})",
                shown(&redacted(url))
            )),
        }
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({:?})", redacted(&self.0))
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redacted(&self.0))
    }
}

/// Where the store is, as [`StoreUrl::location`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A SQLite file (relative paths from where the bot runs).
    Sqlite(PathBuf),
    Postgres(PostgresUrl),
}

/// Shown in logs and errors: the file, or the URL without its password.
impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Sqlite(path) => write!(f, "{}", path.display()),
            StoreLocation::Postgres(url) => write!(f, "{url}"),
        }
    }
}

/// A PostgreSQL URL the client accepts. `Debug` and `Display` hide its
/// password; [`PostgresUrl::expose`] is for connecting only.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(String);

impl PostgresUrl {
    fn parse(url: &str) -> Result<PostgresUrl, String> {
        // The client's own parser, so what passes here is what it connects
        // to. Its errors name an option, never a value.
        let config: postgres::Config = url.parse().map_err(|err: postgres::Error| {
            let why = std::error::Error::source(&err)
                .map_or_else(|| err.to_string(), |cause| format!("{err}: {cause}"));
            format!("is not a PostgreSQL URL the client can read ({why})")
        })?;
        if config.get_hosts().is_empty() {
            return Err(
                "must name the server, such as postgres://bot:PASSWORD@localhost:5432/bot \
                 (a local socket: postgres://bot@localhost/bot?host=/var/run/postgresql)"
                    .into(),
            );
        }
        if config.get_ssl_mode() == postgres::config::SslMode::Require {
            return Err(
                "asks for sslmode=require, but TLS is not supported yet: point it at a \
                 trusted network or a local socket, without sslmode"
                    .into(),
            );
        }
        Ok(PostgresUrl(url.to_string()))
    }

    /// The URL with its password, to connect with; never to print.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({:?})", redacted(&self.0))
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redacted(&self.0))
    }
}

/// `url` with `***` for its password: the one in `user:password@`, and a
/// `password=` parameter, whatever the scheme. Everything up to the last
/// `@` counts as the user part: the client ends it at the first, but a
/// password typed with a bare `@` must not show its tail as the host.
pub fn redacted(url: &str) -> String {
    let Some(start) = url.find("://").map(|at| at + 3) else {
        return url.to_string();
    };
    let (head, rest) = url.split_at(start);
    let mut out = head.to_string();
    let rest = match rest.rsplit_once('@') {
        Some((user, after)) => {
            match user.split_once(':') {
                Some((name, _)) => out.push_str(&format!("{name}:***@")),
                None => out.push_str(&format!("{user}@")),
            }
            after
        }
        None => rest,
    };
    let Some((before, query)) = rest.split_once('?') else {
        out.push_str(rest);
        return out;
    };
    out.push_str(before);
    out.push('?');
    let params: Vec<String> = query
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => param.to_string(),
        })
        .collect();
    out.push_str(&params.join("&"));
    out
}

/// What the bot remembers of each conversation (see `crate::conversation`):
/// the last answer's subject, in RAM only.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConversationConfig {
    /// A follow-up this many seconds after the last answer starts afresh.
    pub ttl_secs: u64,
    /// Conversations held at most; the least recently active is forgotten.
    pub max: usize,
}

impl Default for ConversationConfig {
    fn default() -> Self {
        ConversationConfig {
            ttl_secs: 600,
            max: 10_000,
        }
    }
}

impl ConversationConfig {
    /// The longest memory a config may ask for: a day.
    pub const TTL_SECS_LIMIT: u64 = 86_400;
    /// The most conversations a config may hold: roughly 150 bytes each.
    pub const MAX_LIMIT: usize = 1_000_000;

    pub fn ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.ttl_secs)
    }

    /// An empty memory with these bounds.
    pub fn memory(&self) -> crate::conversation::Conversations {
        crate::conversation::Conversations::new(self.ttl(), self.max)
    }
}

/// Where `/metrics`, `/healthz` and `/readyz` are served (see `crate::metrics`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// An `ip:port` to listen on; no server when unset.
    pub listen: Option<std::net::SocketAddr>,
}

/// The longest retention a config may ask for: ten years.
pub const RETENTION_DAYS_LIMIT: u32 = 3650;

/// Discord's own API.
pub const DEFAULT_API_BASE: &str = "https://discord.com";

/// A value that must never reach a log or a terminal.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        KnowledgeConfig {
            dir: PathBuf::from("knowledge"),
            watch: false,
            watch_debounce_ms: 500,
            max_file_bytes: crate::knowledge::Limits::DEFAULT_MAX_FILE_BYTES,
            max_total_bytes: crate::knowledge::Limits::DEFAULT_MAX_TOTAL_BYTES,
        }
    }
}

impl Default for AnswerConfig {
    fn default() -> Self {
        let d = AnswerOptions::default();
        AnswerConfig {
            min_confidence: d.min_confidence,
            top: d.top,
            lang: LangSetting::Auto,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            question_max_chars: 500,
            questions_per_minute: 6,
        }
    }
}

/// The largest config file read: a config is a page of settings, and a
/// bound means a path to something endless (`/dev/zero`) cannot eat memory.
pub const CONFIG_MAX_BYTES: u64 = 1024 * 1024;

/// The longest question a config may allow: far beyond any chat message,
/// and it bounds what the console holds of one line (see `console`).
pub const QUESTION_MAX_CHARS_LIMIT: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", shown_path(.path))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not something to read a config from: a FIFO, a device, a folder,
    /// too large, not UTF-8.
    #[error("the config file {} {reason}", shown_path(.path))]
    Unusable { path: PathBuf, reason: String },
    /// Not TOML at all.
    #[error("{}:{line}: {message}", shown_path(.path))]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A key with a value it cannot have (or no such key). `path` is the
    /// file, or "environment" for an environment variable; `line` is where
    /// the value stands, when it stands in a file.
    #[error("{}: {key} {message}", place(.path, *.line))]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        key: String,
        message: String,
    },
}

fn place(path: &Path, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{}:{line}", shown_path(path)),
        None => shown_path(path),
    }
}

/// A path as typed, with control characters escaped but never cut: it
/// must stay usable.
fn shown_path(path: &Path) -> String {
    echo_cut(&path.display().to_string(), usize::MAX)
}

impl Config {
    /// Loads `path`, or `config.toml` when it exists, or the defaults; then the
    /// environment (`DISCORD_TOKEN`, `DISCORD_API_BASE`) on top.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let default_file = Path::new(DEFAULT_CONFIG_FILE);
        let mut config = match path {
            Some(p) => Config::from_file(p)?,
            // Whatever stands there is read, so a config.toml that is a
            // folder or a dangling link is an error, not silently skipped.
            None if std::fs::symlink_metadata(default_file).is_ok() => {
                Config::from_file(default_file)?
            }
            None => Config::default(),
        };
        if let Some(token) = env_var("DISCORD_TOKEN")? {
            config.discord.token = Some(Secret::new(token));
        }
        if let Some(base) = env_var("DISCORD_API_BASE")? {
            config.discord.api_base = normalized_api_base(&base).map_err(|problem| {
                in_environment(
                    "DISCORD_API_BASE",
                    format!("{problem} (got {})", shown(&base)),
                )
            })?;
        }
        Ok(config)
    }

    /// Reads a config file: a regular file (links followed) of at most
    /// [`CONFIG_MAX_BYTES`] of UTF-8; anything else is refused at once.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = read_config_file(path)?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let table = toml::de::DeTable::parse(text).map_err(|err| syntax_error(path, text, &err))?;
        let doc = Document { text, table };
        // From the parsed table, not the text: `toml::from_str` would parse
        // it all again. The document keeps its own copy to locate errors.
        let mut config = Config::deserialize(toml::de::Deserializer::from(doc.table.clone()))
            .map_err(|err| doc.explain(path, &err))?;
        config.normalize();
        config.validate(path, &doc)?;
        Ok(config)
    }

    /// Blank means absent: `token = ""` is no token, as an empty
    /// `DISCORD_TOKEN` is, so the bot runs the console instead of failing
    /// to log in.
    fn normalize(&mut self) {
        let token = self.discord.token.take();
        self.discord.token = token
            .map(|t| t.expose().trim().to_string())
            .filter(|t| !t.is_empty())
            .map(Secret::new);
    }

    /// Checks every value, and puts `discord.api_base` in its normal form.
    fn validate(&mut self, path: &Path, doc: &Document) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: doc.line_of(key),
            key: key.to_string(),
            message,
        };
        let between = |key: &str, low: u64, high: u64, got: u64| {
            if (low..=high).contains(&got) {
                Ok(())
            } else {
                Err(invalid(
                    key,
                    format!("must be between {low} and {high} (got {got})"),
                ))
            }
        };
        if !(0.0..=1.0).contains(&self.answer.min_confidence) {
            return Err(invalid(
                "answer.min_confidence",
                format!(
                    "must be between 0 and 1 (got {})",
                    self.answer.min_confidence
                ),
            ));
        }
        for (key, got) in [
            ("knowledge.max_file_bytes", self.knowledge.max_file_bytes),
            ("knowledge.max_total_bytes", self.knowledge.max_total_bytes),
        ] {
            if got == 0 {
                return Err(invalid(key, "must be at least 1 byte (got 0)".into()));
            }
        }
        between(
            "knowledge.watch_debounce_ms",
            10,
            60_000,
            self.knowledge.watch_debounce_ms,
        )?;
        between("answer.top", 1, 10, self.answer.top as u64)?;
        between(
            "limits.questions_per_minute",
            1,
            600,
            self.limits.questions_per_minute.into(),
        )?;
        between(
            "limits.question_max_chars",
            1,
            QUESTION_MAX_CHARS_LIMIT as u64,
            self.limits.question_max_chars as u64,
        )?;
        between(
            "store.retention_days",
            1,
            RETENTION_DAYS_LIMIT.into(),
            self.store.retention_days.into(),
        )?;
        between(
            "conversation.ttl_secs",
            1,
            ConversationConfig::TTL_SECS_LIMIT,
            self.conversation.ttl_secs,
        )?;
        between(
            "conversation.max",
            1,
            ConversationConfig::MAX_LIMIT as u64,
            self.conversation.max as u64,
        )?;
        self.validate_store(path, doc)?;
        if self.knowledge.dir.as_os_str().is_empty() {
            return Err(invalid(
                "knowledge.dir",
                "must name a folder (leave it out for ./knowledge)".into(),
            ));
        }
        match normalized_api_base(&self.discord.api_base) {
            Ok(base) => self.discord.api_base = base,
            Err(problem) => {
                return Err(invalid(
                    "discord.api_base",
                    format!("{problem} (got {})", shown(&self.discord.api_base)),
                ))
            }
        }
        if self.discord.guild_id == Some(0) {
            return Err(invalid(
                "discord.guild_id",
                "must be a server's id, which is never 0; leave it out to register the commands globally"
                    .into(),
            ));
        }
        for (key, ids) in [
            ("discord.admin_user_ids", &self.discord.admin_user_ids),
            ("discord.admin_role_ids", &self.discord.admin_role_ids),
            ("discord.answer_channels", &self.discord.answer_channels),
        ] {
            if ids.contains(&0) {
                return Err(invalid(
                    key,
                    "must list Discord ids, which are never 0".into(),
                ));
            }
        }
        self.validate_shards(doc.line_of("discord.shards").is_some(), &invalid)
    }

    /// A count of at least one; a range only within a fixed count, since
    /// processes that split the shards must agree on how many there are.
    fn validate_shards(
        &self,
        shards_given: bool,
        invalid: &impl Fn(&str, String) -> ConfigError,
    ) -> Result<(), ConfigError> {
        if self.discord.shards == Shards::Count(0) {
            return Err(invalid(
                "discord.shards",
                "must be \"auto\" or 1 or more (got 0)".into(),
            ));
        }
        let Some(range) = self.discord.shard_range else {
            return Ok(());
        };
        let Shards::Count(total) = self.discord.shards else {
            return Err(invalid(
                "discord.shard_range",
                format!(
                    "needs discord.shards set to a number, the total every process agrees on \
                     (such as shards = 4), not \"auto\" (got {range})"
                ),
            ));
        };
        if range.first > range.last {
            return Err(invalid(
                "discord.shard_range",
                format!("must be [first, last] with first at most last (got {range})"),
            ));
        }
        if range.last >= total && !shards_given {
            return Err(invalid(
                "discord.shard_range",
                format!(
                    "needs discord.shards, the total every process agrees on (such as shards = 4); \
                     without it the bot has one shard, shard 0 (got {range})"
                ),
            ));
        }
        if range.last >= total {
            return Err(invalid(
                "discord.shard_range",
                format!(
                    "must name shards from 0 to {} (discord.shards = {total}; shards count from 0) (got {range})",
                    total - 1
                ),
            ));
        }
        Ok(())
    }

    /// `store.url` (or `store.path`) says where a store can be, and only
    /// one of them is set.
    fn validate_store(&self, path: &Path, doc: &Document) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: doc.line_of(key),
            key: key.to_string(),
            message,
        };
        let path_line = doc.line_of("store.path");
        if doc.line_of("store.url").is_some() && path_line.is_some() {
            return Err(invalid(
                "store.url",
                format!(
                    "and store.path are both set (store.path on line {}): keep one; \
                     store.path = \"FILE\" is store.url = \"sqlite://FILE\"",
                    path_line.unwrap_or_default()
                ),
            ));
        }
        match self.store.url.location() {
            Ok(_) => Ok(()),
            Err(_) if path_line.is_some() => Err(invalid(
                "store.path",
                format!("must name a file (leave it out for {DEFAULT_STORE_PATH}, or set store.enabled = false)"),
            )),
            Err(problem) => Err(invalid("store.url", problem)),
        }
    }

    pub fn answer_options(&self) -> AnswerOptions {
        AnswerOptions {
            lang: self.answer.lang.forced(),
            top: self.answer.top,
            min_confidence: self.answer.min_confidence,
            highlight: true,
        }
    }
}

/// An environment variable's value, trimmed; `None` when unset or blank.
fn env_var(name: &'static str) -> Result<Option<String>, ConfigError> {
    match std::env::var(name) {
        Ok(value) => Ok(Some(value.trim().to_string()).filter(|v| !v.is_empty())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(in_environment(name, "is not valid UTF-8 text".into()))
        }
    }
}

/// An environment variable's bad value, reported as "environment: NAME …".
fn in_environment(name: &str, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: PathBuf::from("environment"),
        line: None,
        key: name.into(),
        message,
    }
}

/// `discord.api_base` in the one form the Discord client joins paths to,
/// or why it cannot be the Discord API's address. Trimmed; scheme and host
/// lowercased, a default port (`:443`, `:80`) and trailing slashes dropped.
///
/// The token is sent there, so it must be https; plain http only to this
/// machine (127.0.0.0/8, ::1, `localhost`), where a test fake or a local
/// proxy listens. Parsed with the HTTP client's own URL parser: the host
/// judged here is the host the client connects to (`http://localhost@x`
/// is `x`, refused for its user name).
pub fn normalized_api_base(raw: &str) -> Result<String, String> {
    let base = raw.trim();
    let scheme_end = base.find("://").map_or(0, |at| at + 3);
    let scheme = base[..scheme_end].to_ascii_lowercase();
    if scheme != "https://" && scheme != "http://" {
        return Err("must start with http:// or https://, such as https://discord.com".into());
    }
    if base[scheme_end..]
        .split('/')
        .next()
        .is_none_or(str::is_empty)
    {
        return Err(
            "must name a host after http:// or https://, such as https://discord.com".into(),
        );
    }
    if base.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must be a URL without spaces or control characters".into());
    }
    if base.contains(['?', '#']) {
        return Err("must be a URL without a query (?) or fragment (#)".into());
    }
    let url = url::Url::parse(base).map_err(|err| format!("must be a valid URL ({err})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold a user name or password (user@host)".into());
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    if url.scheme() == "http" && !loopback {
        return Err(
            "must use https:// (the token is sent there); http:// is only for this machine \
             (127.0.0.1, [::1], localhost)"
                .into(),
        );
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Whether `base` is Discord's own API, however it is spelled: then serenity
/// talks to it directly, with its rate limiter on. Anything else is a proxy
/// (or a fake) that the requests are sent through, unlimited by us.
pub fn api_base_is_discord(base: &str) -> bool {
    // "discord.com." is the same host, written as a fully qualified name.
    normalized_api_base(base)
        .is_ok_and(|b| b == DEFAULT_API_BASE || b.strip_suffix('.') == Some(DEFAULT_API_BASE))
}

impl DiscordConfig {
    /// Whether `api_base` is Discord itself (see [`api_base_is_discord`]).
    pub fn is_discord_itself(&self) -> bool {
        api_base_is_discord(&self.api_base)
    }
}

/// Some text from the user's file or environment, quoted and made safe to
/// print (control characters escaped, long text cut).
fn shown(text: &str) -> String {
    format!("the text \"{}\"", echo(text))
}

/// Reads the whole file if it is a regular file under the cap, the way
/// knowledge files are read (see [`read_regular_or`]): never blocking on a
/// FIFO, never opening a device, never reading past the cap.
fn read_config_file(path: &Path) -> Result<String, ConfigError> {
    let unusable = |reason: String| ConfigError::Unusable {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = read_regular_or(path, CONFIG_MAX_BYTES, |refusal| match refusal {
        Refusal::Io(source) => ConfigError::Read {
            path: path.to_path_buf(),
            source,
        },
        Refusal::NotRegular(file_type) => {
            unusable(format!("is {}, not a regular file", file_kind(file_type)))
        }
        Refusal::TooBig { len: Some(len) } => unusable(format!(
            "is too large ({len} bytes; a config file may have at most {CONFIG_MAX_BYTES})"
        )),
        Refusal::TooBig { len: None } => unusable(format!(
            "is too large (over {CONFIG_MAX_BYTES} bytes, the most a config file may have)"
        )),
    })?;
    String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        // Everything before the first bad byte is UTF-8.
        let valid = std::str::from_utf8(&err.as_bytes()[..at]).unwrap_or_default();
        let line = line_of(valid, at);
        unusable(format!("is not UTF-8 text (line {line}, byte {})", at + 1))
    })
}

/// What a non-regular file is, in words.
fn file_kind(kind: std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

fn syntax_error(path: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let span = err.span().unwrap_or(0..0);
    let message = match err.message().trim() {
        "duplicate key" => format!(
            "{} is given twice",
            text.get(span.clone())
                .map_or_else(|| "a key".to_string(), |k| format!("'{}'", echo(k)))
        ),
        message => format!("this is not valid TOML: {}", echo_cut(message, 300)),
    };
    ConfigError::Parse {
        path: path.to_path_buf(),
        line: line_of(text, span.start),
        message,
    }
}

/// The parsed file with where each key and value stands, to say which key
/// an error is about and on which line.
struct Document<'t> {
    text: &'t str,
    table: toml::Spanned<toml::de::DeTable<'t>>,
}

/// What an error's position points at.
enum Spot<'a, 't> {
    /// A key (as `section.key`).
    Key(String),
    /// A key's value.
    Value(String, &'a toml::de::DeValue<'t>),
    /// Item `n` (1-based) of a key's list.
    Item(String, usize, &'a toml::de::DeValue<'t>),
}

impl<'t> Document<'t> {
    /// The line of `key`'s value (`section.key`), when the file sets it.
    fn line_of(&self, key: &str) -> Option<usize> {
        let mut table = self.table.get_ref();
        let mut parts = key.split('.').peekable();
        while let Some(part) = parts.next() {
            let (_, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == part)?;
            if parts.peek().is_none() {
                return Some(self.line(value.span().start));
            }
            match value.get_ref() {
                toml::de::DeValue::Table(inner) => table = inner,
                _ => return None,
            }
        }
        None
    }

    fn line(&self, offset: usize) -> usize {
        line_of(self.text, offset)
    }

    /// The deepest key, value or list item at `offset`.
    fn spot<'a>(
        table: &'a toml::de::DeTable<'t>,
        offset: usize,
        prefix: &str,
    ) -> Option<Spot<'a, 't>> {
        for (key, value) in table {
            let name = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            if key.span().contains(&offset) {
                return Some(Spot::Key(name));
            }
            match value.get_ref() {
                toml::de::DeValue::Table(inner) => {
                    if let Some(spot) = Document::spot(inner, offset, &name) {
                        return Some(spot);
                    }
                }
                toml::de::DeValue::Array(items) => {
                    for (n, item) in items.iter().enumerate() {
                        if !item.span().contains(&offset) {
                            continue;
                        }
                        if let toml::de::DeValue::Table(inner) = item.get_ref() {
                            if let Some(spot) = Document::spot(inner, offset, &name) {
                                return Some(spot);
                            }
                        }
                        return Some(Spot::Item(name, n + 1, item.get_ref()));
                    }
                }
                _ => {}
            }
            if value.span().contains(&offset) {
                return Some(Spot::Value(name, value.get_ref()));
            }
        }
        None
    }

    /// The deserializer's error in words: which key, on which line, what
    /// value it wants, and what it got.
    fn explain(&self, path: &Path, err: &toml::de::Error) -> ConfigError {
        let message = err.message().trim();
        let offset = err.span().map_or(0, |s| s.start);
        let line = Some(self.line(offset));
        let invalid = |key: String, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            key,
            message,
        };
        let expected = message
            .rfind(", expected ")
            .map(|at| &message[at + ", expected ".len()..]);
        match Document::spot(self.table.get_ref(), offset, "") {
            Some(Spot::Key(key)) if message.starts_with("unknown field") => {
                let known = names(expected.unwrap_or(""));
                let message = match key.rsplit_once('.') {
                    Some((section, _)) => {
                        format!("is not a known key; the keys of [{section}] are: {known}")
                    }
                    None => format!("is not a known section; the sections are: {known}"),
                };
                invalid(echo(&key), message)
            }
            Some(Spot::Value(key, value)) => {
                let wanted = wanted(message, expected);
                invalid(key, format!("must be {wanted} (got {})", got(value)))
            }
            Some(Spot::Item(key, n, value)) => {
                let wanted = wanted(message, expected);
                invalid(
                    key,
                    format!(
                        "must be a list in which every item is {wanted} (item {n} is {})",
                        got(value)
                    ),
                )
            }
            // Not expected from a file that parsed; still located, and
            // safe to print.
            Some(Spot::Key(key)) => invalid(echo(&key), echo_cut(message, 300)),
            None => ConfigError::Parse {
                path: path.to_path_buf(),
                line: self.line(offset),
                message: echo_cut(message, 300),
            },
        }
    }
}

/// `` `a`, `b` `` or `` one of `a`, `b` `` or `` `a` or `b` `` as "a, b".
fn names(expected: &str) -> String {
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(echo)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the deserializer wanted, in words rather than Rust type names.
fn wanted(message: &str, expected: Option<&str>) -> String {
    if message.starts_with("unknown variant") {
        return format!("one of {}", names(expected.unwrap_or("")));
    }
    if message == "invalid socket address syntax" || expected == Some("socket address") {
        return "an ip:port such as \"127.0.0.1:9464\"".into();
    }
    let Some(expected) = expected else {
        // serde's word for a choice of names given something else.
        return if message == "wanted string or table" {
            "text in quotes".into()
        } else {
            "a value of another kind".into()
        };
    };
    match expected {
        "usize" | "u64" | "u128" => "a whole number, 0 or more".into(),
        "u32" => format!("a whole number from 0 to {}", u32::MAX),
        "u16" => format!("a whole number from 0 to {}", u16::MAX),
        "u8" => format!("a whole number from 0 to {}", u8::MAX),
        "isize" | "i64" | "i32" | "i16" | "i8" | "i128" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "true or false".into(),
        "a string" | "path string" | "a borrowed string" => "text in quotes".into(),
        "a sequence" => "a list in brackets, such as [1, 2]".into(),
        e if e.starts_with("struct ") => "a table: a [section] of keys".into(),
        other => echo_cut(other, 120),
    }
}

/// A value from the file, described for an error message.
fn got(value: &toml::de::DeValue<'_>) -> String {
    use toml::de::DeValue;
    match value {
        DeValue::String(s) => shown(s),
        DeValue::Integer(i) => i.as_str().to_string(),
        DeValue::Float(f) => f.as_str().to_string(),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "a list".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What parsing `text` as `c.toml` gives.
    fn parsed(text: &str) -> Config {
        Config::parse(Path::new("c.toml"), text).unwrap()
    }

    /// The message parsing `text` as `c.toml` fails with.
    fn error(text: &str) -> String {
        Config::parse(Path::new("c.toml"), text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let msg = error("[answer]\ntopp = 3\n");
        assert!(msg.contains("c.toml:2") && msg.contains("topp"), "{msg}");
    }

    #[test]
    fn out_of_range_values_name_the_key_and_the_line() {
        let err = error("[answer]\ntop = 3\n\nmin_confidence = 2.0\n");
        assert_eq!(
            err,
            "c.toml:4: answer.min_confidence must be between 0 and 1 (got 2)"
        );
        let err = error("[limits]\nquestions_per_minute = 6\nquestion_max_chars = 0\n");
        assert_eq!(
            err,
            "c.toml:3: limits.question_max_chars must be between 1 and 100000 (got 0)"
        );
        // Dotted keys and inline tables are located too.
        let err = error("\nanswer.top = 11\n");
        assert!(err.starts_with("c.toml:2: answer.top"), "{err}");
        let err = error("limits = { questions_per_minute = 0 }\n");
        assert!(
            err.starts_with("c.toml:1: limits.questions_per_minute"),
            "{err}"
        );
    }

    #[test]
    fn type_errors_name_the_key_the_line_and_the_value_wanted_in_words() {
        let cases = [
            (
                "[limits]\n\nquestion_max_chars = \"3\"\n",
                "c.toml:3: limits.question_max_chars must be a whole number, 0 or more (got the text \"3\")",
            ),
            (
                "[knowledge]\nwatch = \"yes\"\n",
                "c.toml:2: knowledge.watch must be true or false (got the text \"yes\")",
            ),
            (
                "[answer]\nmin_confidence = \"high\"\n",
                "c.toml:2: answer.min_confidence must be a number (got the text \"high\")",
            ),
            (
                "[answer]\nlang = \"fr\"\n",
                "c.toml:2: answer.lang must be one of auto, es, en (got the text \"fr\")",
            ),
            (
                "[discord]\nadmin_role_ids = [1,\n  \"x\"]\n",
                "c.toml:3: discord.admin_role_ids must be a list in which every item is a whole number, 0 or more (item 2 is the text \"x\")",
            ),
            (
                "[discord]\nanswer_channels = 7\n",
                "c.toml:2: discord.answer_channels must be a list in brackets, such as [1, 2] (got 7)",
            ),
            (
                "[limits]\nquestions_per_minute = 99999999999\n",
                "c.toml:2: limits.questions_per_minute must be a whole number from 0 to 4294967295 (got 99999999999)",
            ),
            (
                "limits = 3\n",
                "c.toml:1: limits must be a table: a [section] of keys (got 3)",
            ),
            (
                "[knowledge]\ndir = 3\n",
                "c.toml:2: knowledge.dir must be text in quotes (got 3)",
            ),
            (
                "[discord]\nguild_id = -1\n",
                "c.toml:2: discord.guild_id must be a whole number, 0 or more (got -1)",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(error(text), expected, "{text:?}");
        }
    }

    #[test]
    fn no_config_error_speaks_rust() {
        let bad = [
            "[limits]\nquestion_max_chars = 1.5\n",
            "[limits]\nquestion_max_chars = 1979-05-27\n",
            "[limits]\nquestion_max_chars = { a = 1 }\n",
            "[answer]\ntop = [1]\n",
            "[answer]\nlang = 3\n",
            "[discord]\ntoken = 3\n",
            "[discord]\napi_base = true\n",
            "[knowledge]\nwatch_debounce_ms = -5\n",
            "answer = \"x\"\n",
        ];
        for text in bad {
            let msg = error(text);
            for rust in [
                "usize",
                "u64",
                "u32",
                "f32",
                "invalid type",
                "sequence",
                "struct",
                "map",
            ] {
                assert!(!msg.contains(rust), "{text:?}: {msg}");
            }
            assert!(
                msg.starts_with("c.toml:") && msg.contains(" must "),
                "{text:?}: {msg}"
            );
        }
    }

    #[test]
    fn unknown_keys_and_sections_list_the_known_ones() {
        let err = error("[answer]\ntopp = 3\n");
        assert_eq!(
            err,
            "c.toml:2: answer.topp is not a known key; the keys of [answer] are: min_confidence, top, lang"
        );
        let err = error("[answr]\ntop = 3\n");
        assert!(
            err.contains("answr is not a known section; the sections are: knowledge, answer, limits, discord, store, conversation"),
            "{err}"
        );
    }

    #[test]
    fn echoed_keys_and_values_are_escaped_and_cut() {
        let text = "[answer]\n\"\\u001b]0;PWNED\\u0007\" = 1\n";
        let msg = error(text);
        assert!(
            msg.contains("answer.\\e]0;PWNED\\x07 is not a known key"),
            "{msg}"
        );
        let long = format!("[discord]\napi_base = \"ftp://{}\"\n", "x".repeat(100_000));
        let msg = error(&long);
        assert!(msg.len() < 400 && msg.contains('…'), "{} bytes", msg.len());
    }

    #[test]
    fn syntax_errors_give_the_line() {
        let err = error("[answer]\ntop = 3\ntop = 4\n");
        assert_eq!(err, "c.toml:3: 'top' is given twice");
        let err = error("[answer]\n\nlang = es es\n");
        assert!(
            err.starts_with("c.toml:3: this is not valid TOML: "),
            "{err}"
        );
    }

    #[test]
    fn a_blank_token_is_no_token() {
        for token in ["\"\"", "\"   \"", "\"\\t\""] {
            let text = format!("[discord]\ntoken = {token}\n");
            let c = parsed(&text);
            assert!(c.discord.token.is_none(), "{token}");
        }
        let c = parsed("[discord]\ntoken = \" a.b \"\n");
        assert_eq!(c.discord.token.unwrap().expose(), "a.b");
    }

    #[test]
    fn discord_ids_are_never_zero() {
        let err = error("[discord]\nguild_id = 0\n");
        assert!(
            err.starts_with("c.toml:2: discord.guild_id must be a server's id, which is never 0"),
            "{err}"
        );
        let err = error("[discord]\nadmin_user_ids = [5, 0]\n");
        assert!(err.starts_with("c.toml:2: discord.admin_user_ids"), "{err}");
    }

    #[test]
    fn the_api_base_must_be_an_http_url() {
        for (base, why) in [
            ("ftp://x", "must start with http:// or https://"),
            ("discord.com", "must start with http:// or https://"),
            ("https://", "must name a host"),
            ("http:///api", "must name a host"),
            ("http://a b", "without spaces"),
            ("http://x?y=1", "without a query"),
        ] {
            let text = format!("[discord]\napi_base = {base:?}\n");
            let msg = error(&text);
            assert!(
                msg.starts_with("c.toml:2: discord.api_base ") && msg.contains(why),
                "{base}: {msg}"
            );
        }
        let c = parsed("[discord]\napi_base = \"http://127.0.0.1:3000/\"\n");
        assert_eq!(c.discord.api_base, "http://127.0.0.1:3000");
    }

    #[test]
    fn the_api_base_is_normalised() {
        for (raw, normal) in [
            ("  HTTPS://Discord.COM:443//  ", "https://discord.com"),
            (
                "https://proxy.example:8443/api/",
                "https://proxy.example:8443/api",
            ),
            ("http://LOCALHOST:8080/", "http://localhost:8080"),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("http://[0:0:0:0:0:0:0:1]:3000", "http://[::1]:3000"),
        ] {
            assert_eq!(normalized_api_base(raw).as_deref(), Ok(normal), "{raw:?}");
        }
        // The file's value too, spaces and all.
        let c = parsed("[discord]\napi_base = \" https://Discord.com/ \"\n");
        assert_eq!(c.discord.api_base, DEFAULT_API_BASE);
    }

    /// The token goes wherever api_base says: only https leaves the machine.
    #[test]
    fn plain_http_is_only_for_this_machine() {
        for base in [
            "http://127.0.0.1:3000",
            "http://127.8.9.10",
            "http://[::1]:3000",
            "http://localhost:3000",
        ] {
            assert!(normalized_api_base(base).is_ok(), "{base}");
        }
        for base in [
            "http://discord.com",
            "HTTP://example.com",
            "http://10.0.0.1:3000",
            "http://128.0.0.1",
            "http://localhost.example.com",
            "http://[::2]",
        ] {
            let text = format!("[discord]\napi_base = {base:?}\n");
            let msg = error(&text);
            assert!(
                msg.starts_with("c.toml:2: discord.api_base must use https://")
                    && msg.contains("only for this machine"),
                "{base}: {msg}"
            );
        }
        // A user name before the host: the client would connect to evil.example.
        let msg = error("[discord]\napi_base = \"http://localhost@evil.example\"\n");
        assert!(msg.contains("must not hold a user name"), "{msg}");
        let msg = error("[discord]\napi_base = \"https://x.example:99999\"\n");
        assert!(
            msg.contains("must be a valid URL (invalid port number)"),
            "{msg}"
        );
    }

    /// serenity's rate limiter stays on for Discord however it is written;
    /// anything else is a proxy.
    #[test]
    fn discord_itself_is_recognised_in_any_spelling() {
        for base in [
            DEFAULT_API_BASE,
            "https://discord.com/",
            " HTTPS://DISCORD.COM:443// ",
            "https://discord.com.",
        ] {
            assert!(api_base_is_discord(base), "{base:?}");
        }
        for base in [
            "http://discord.com",
            "https://discord.com/api",
            "https://discord.com:8443",
            "https://discord.com.evil.example",
            "https://discordapp.com",
            "http://127.0.0.1:3000",
        ] {
            assert!(!api_base_is_discord(base), "{base:?}");
        }
        assert!(Config::default().discord.is_discord_itself());
        let c = parsed("[discord]\napi_base = \"https://Discord.com:443/\"\n");
        assert!(c.discord.is_discord_itself());
        let c = parsed("[discord]\napi_base = \"http://127.0.0.1:3000\"\n");
        assert!(!c.discord.is_discord_itself());
    }

    #[test]
    fn shards_are_auto_or_a_count_of_at_least_one() {
        assert_eq!(parsed("").discord.shards, Shards::Count(1));
        assert_eq!(parsed("").discord.shard_range, None);
        let c = parsed("[discord]\nshards = \"auto\"\n");
        assert_eq!(c.discord.shards, Shards::Auto);
        let c = parsed("[discord]\nshards = 16\n");
        assert_eq!(c.discord.shards, Shards::Count(16));
        assert_eq!(
            error("[discord]\nshards = 0\n"),
            "c.toml:2: discord.shards must be \"auto\" or 1 or more (got 0)"
        );
        for (value, got) in [
            ("\"many\"", "the text \"many\""),
            ("\"Auto\"", "the text \"Auto\""),
            ("-2", "-2"),
            ("4294967296", "4294967296"),
            ("2.5", "2.5"),
            ("true", "true"),
        ] {
            assert_eq!(
                error(&format!("[discord]\nshards = {value}\n")),
                format!(
                    "c.toml:2: discord.shards must be \"auto\" or a whole number of shards, such as 4 (got {got})"
                ),
                "{value}"
            );
        }
    }

    #[test]
    fn a_shard_range_is_two_shards_within_the_count() {
        let c = parsed("[discord]\nshards = 4\nshard_range = [2, 3]\n");
        assert_eq!(
            c.discord.shard_range,
            Some(ShardRange { first: 2, last: 3 })
        );
        let c = parsed("[discord]\nshards = 4\nshard_range = [3, 3]\n");
        assert_eq!(
            c.discord.shard_range,
            Some(ShardRange { first: 3, last: 3 })
        );
        for (text, expected) in [
            (
                "[discord]\nshards = 4\nshard_range = [3, 2]\n",
                "c.toml:3: discord.shard_range must be [first, last] with first at most last (got [3, 2])",
            ),
            (
                "[discord]\nshard_range = [2, 4]\nshards = 4\n",
                "c.toml:2: discord.shard_range must name shards from 0 to 3 (discord.shards = 4; shards count from 0) (got [2, 4])",
            ),
            (
                // The default count is 1: a range past shard 0 needs shards set.
                "[discord]\nshard_range = [0, 1]\n",
                "c.toml:2: discord.shard_range needs discord.shards, the total every process agrees on (such as shards = 4); without it the bot has one shard, shard 0 (got [0, 1])",
            ),
            (
                "[discord]\nshards = 1\nshard_range = [0, 1]\n",
                "c.toml:3: discord.shard_range must name shards from 0 to 0 (discord.shards = 1; shards count from 0) (got [0, 1])",
            ),
            (
                "[discord]\nshards = \"auto\"\nshard_range = [0, 1]\n",
                "c.toml:3: discord.shard_range needs discord.shards set to a number, the total every process agrees on (such as shards = 4), not \"auto\" (got [0, 1])",
            ),
            (
                "[discord]\nshards = 4\nshard_range = [1]\n",
                "c.toml:3: discord.shard_range must be two shard numbers [first, last], such as [0, 1] (got a list)",
            ),
            (
                "[discord]\nshards = 4\nshard_range = [0, 1, 2]\n",
                "c.toml:3: discord.shard_range must be two shard numbers [first, last], such as [0, 1] (got a list)",
            ),
            (
                "[discord]\nshards = 4\nshard_range = []\n",
                "c.toml:3: discord.shard_range must be two shard numbers [first, last], such as [0, 1] (got a list)",
            ),
            (
                "[discord]\nshards = 4\nshard_range = 1\n",
                "c.toml:3: discord.shard_range must be two shard numbers [first, last], such as [0, 1] (got 1)",
            ),
            (
                "[discord]\nshards = 4\nshard_range = [0, -1]\n",
                "c.toml:3: discord.shard_range must be a list in which every item is a whole number from 0 to 4294967295 (item 2 is -1)",
            ),
            (
                "[discord]\nshards = 4\nshard_range = [\"0\", 1]\n",
                "c.toml:3: discord.shard_range must be a list in which every item is a whole number from 0 to 4294967295 (item 1 is the text \"0\")",
            ),
        ] {
            assert_eq!(error(text), expected, "{text:?}");
        }
    }

    #[test]
    fn store_keys_are_checked() {
        let c = parsed("[store]\nenabled = false\npath = \"x/y.db\"\nretention_days = 7\nkeep_questions = false\n");
        assert_eq!(
            c.store,
            StoreConfig {
                enabled: false,
                url: StoreUrl::sqlite(Path::new("x/y.db")),
                retention_days: 7,
                keep_questions: false,
            }
        );
        assert_eq!(
            c.store.url.location(),
            Ok(StoreLocation::Sqlite(PathBuf::from("x/y.db")))
        );
        assert_eq!(
            error("[store]\nretention_days = 0\n"),
            "c.toml:2: store.retention_days must be between 1 and 3650 (got 0)"
        );
        assert_eq!(
            error("[store]\n\nretention_days = 3651\n"),
            "c.toml:3: store.retention_days must be between 1 and 3650 (got 3651)"
        );
        let err = error("[store]\npath = \"\"\n");
        assert!(
            err.starts_with("c.toml:2: store.path must name a file"),
            "{err}"
        );
        let err = error("[store]\nkeep_questions = \"no\"\n");
        assert_eq!(
            err,
            "c.toml:2: store.keep_questions must be true or false (got the text \"no\")"
        );
    }

    #[test]
    fn the_store_url_picks_sqlite_or_postgres() {
        assert_eq!(
            parsed("").store.url.location(),
            Ok(StoreLocation::Sqlite(PathBuf::from(DEFAULT_STORE_PATH)))
        );
        for (url, file) in [
            ("sqlite://s/bot.db", "s/bot.db"),
            ("SQLite:///var/lib/bot/s.db", "/var/lib/bot/s.db"),
        ] {
            let c = parsed(&format!("[store]\nurl = \"{url}\"\n"));
            assert_eq!(
                c.store.url.location(),
                Ok(StoreLocation::Sqlite(PathBuf::from(file))),
                "{url}"
            );
        }
        for url in [
            "postgres://bot:pw@db.internal:5433/bot",
            "postgresql://bot@localhost/bot",
            "postgres://bot@localhost/bot?host=/var/run/postgresql",
        ] {
            let c = parsed(&format!("[store]\nurl = \"{url}\"\n"));
            match c.store.url.location() {
                Ok(StoreLocation::Postgres(pg)) => assert_eq!(pg.expose(), url),
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_store_url_that_cannot_be_is_an_error_on_its_line() {
        let err = error("[store]\nenabled = true\nurl = \"mysql://root:hunter2@db/bot\"\n");
        assert!(
            err.starts_with("c.toml:3: store.url must start with sqlite:// or postgres://"),
            "{err}"
        );
        assert!(err.contains("mysql://root:***@db/bot"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = error("[store]\nurl = \"sqlite://\"\n");
        assert!(
            err.starts_with("c.toml:2: store.url must name a file after sqlite://"),
            "{err}"
        );
        let err = error("[store]\nurl = \"data/bot.sqlite3\"\n");
        assert!(
            err.starts_with("c.toml:2: store.url must start with sqlite://"),
            "{err}"
        );
        let err = error("[store]\nurl = \"postgres://bot:hunter2@db:port/bot\"\n");
        assert!(
            err.starts_with("c.toml:2: store.url is not a PostgreSQL URL") && err.contains("port"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
        let err = error("[store]\nurl = \"postgres:///bot\"\n");
        assert!(
            err.starts_with("c.toml:2: store.url must name the server"),
            "{err}"
        );
        let err = error("[store]\nurl = \"postgres://bot:hunter2@db/bot?sslmode=require\"\n");
        assert!(
            err.contains("TLS is not supported yet") && !err.contains("hunter2"),
            "{err}"
        );
        let err = error("[store]\nurl = 5432\n");
        assert!(err.starts_with("c.toml:2: store.url must be text"), "{err}");
    }

    #[test]
    fn store_url_and_path_together_are_refused_naming_both() {
        let err = error("[store]\npath = \"a.db\"\nurl = \"sqlite://b.db\"\n");
        assert_eq!(
            err,
            "c.toml:3: store.url and store.path are both set (store.path on line 2): keep one; \
             store.path = \"FILE\" is store.url = \"sqlite://FILE\""
        );
        let err = error("store = { url = \"postgres://u:hunter2@h/d\", path = \"a.db\" }\n");
        assert!(
            err.contains("store.url and store.path are both set"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn a_store_password_never_shows() {
        let c = parsed(
            "[store]\nurl = \"postgres://bot:s3cr3t-pw@db:5432/bot?password=other-pw&application_name=x\"\n",
        );
        let shown = [
            format!("{c:?}"),
            format!("{:?}", c.store.url),
            c.store.url.to_string(),
            format!("{:?}", c.store.url.location()),
            c.store.url.location().unwrap().to_string(),
        ];
        for text in shown {
            assert!(
                !text.contains("s3cr3t-pw") && !text.contains("other-pw"),
                "{text}"
            );
        }
        assert_eq!(
            c.store.url.to_string(),
            "postgres://bot:***@db:5432/bot?password=***&application_name=x"
        );
        // A bare @ in the password hides all of it.
        assert_eq!(
            redacted("postgres://bot:p@ss@db/bot"),
            "postgres://bot:***@db/bot"
        );
        assert_eq!(redacted("postgres://db/bot"), "postgres://db/bot");
        assert_eq!(redacted("sqlite://data/s.db"), "sqlite://data/s.db");
    }

    #[test]
    fn conversation_keys_are_checked() {
        let c = parsed("[conversation]\nttl_secs = 60\nmax = 5\n");
        assert_eq!(
            c.conversation,
            ConversationConfig {
                ttl_secs: 60,
                max: 5
            }
        );
        assert_eq!(c.conversation.ttl(), std::time::Duration::from_secs(60));
        assert_eq!(
            error("[conversation]\nttl_secs = 0\n"),
            "c.toml:2: conversation.ttl_secs must be between 1 and 86400 (got 0)"
        );
        assert_eq!(
            error("[conversation]\nttl_secs = 86401\n"),
            "c.toml:2: conversation.ttl_secs must be between 1 and 86400 (got 86401)"
        );
        assert_eq!(
            error("[conversation]\n\nmax = 0\n"),
            "c.toml:3: conversation.max must be between 1 and 1000000 (got 0)"
        );
        assert_eq!(
            error("[conversation]\nmax = 1000001\n"),
            "c.toml:2: conversation.max must be between 1 and 1000000 (got 1000001)"
        );
        let err = error("[conversation]\nttl = 5\n");
        assert!(
            err.contains("conversation.ttl is not a known key; the keys of [conversation] are: ttl_secs, max"),
            "{err}"
        );
    }

    #[test]
    fn the_metrics_address_is_a_socket_address() {
        assert_eq!(parsed("").metrics.listen, None);
        let c = parsed("[metrics]\nlisten = \"127.0.0.1:9464\"\n");
        assert_eq!(c.metrics.listen, Some(([127, 0, 0, 1], 9464).into()));
        let c = parsed("[metrics]\nlisten = \"[::1]:0\"\n");
        assert_eq!(c.metrics.listen.map(|a| a.port()), Some(0));
        let err = error("[metrics]\nlisten = \"localhost\"\n");
        assert!(
            err.starts_with(
                "c.toml:2: metrics.listen must be an ip:port such as \"127.0.0.1:9464\""
            ),
            "{err}"
        );
        assert!(err.contains("localhost"), "{err}");
        let err = error("[metrics]\nlisten = 9464\n");
        assert!(
            err.starts_with("c.toml:2: metrics.listen must be an ip:port such as"),
            "{err}"
        );
        let err = error("[metrics]\nport = 9464\n");
        assert!(
            err.contains("metrics.port is not a known key; the keys of [metrics] are: listen"),
            "{err}"
        );
    }

    #[test]
    fn the_container_config_is_valid() {
        let text = include_str!("../deploy/container.toml");
        let c = Config::parse(Path::new("deploy/container.toml"), text).unwrap();
        assert!(c.knowledge.watch);
        assert_eq!(c.metrics.listen, Some(([0, 0, 0, 0], 9464).into()));
        assert_eq!(
            c.store.url.location(),
            Ok(StoreLocation::Sqlite(PathBuf::from(
                "data/outsourcing-bot.sqlite3"
            )))
        );
        assert!(
            c.discord.token.is_none(),
            "the token comes from the environment"
        );
    }

    #[test]
    fn the_example_documents_the_defaults() {
        let text = include_str!("../config.example.toml");
        let example = Config::parse(Path::new("config.example.toml"), text).unwrap();
        assert_eq!(example, Config::default());
    }

    #[test]
    fn the_token_never_shows() {
        let c = parsed("[discord]\ntoken = \"abc.def\"\n");
        assert!(!format!("{c:?}").contains("abc.def"));
        assert_eq!(c.discord.token.unwrap().expose(), "abc.def");
    }
}
