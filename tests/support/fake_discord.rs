//! A fake Discord for tests: a REST API (a small hand-written HTTP/1.1 server)
//! and a gateway (websocket), both on 127.0.0.1, speaking just enough of
//! Discord's protocol for serenity 0.12 / poise 0.7 to run against them.
//! Nothing here reaches the internet.
//!
//! Point serenity at it with
//! `HttpBuilder::new(token).proxy(fake.api_base()).ratelimiter_disabled(true)`;
//! `Client::start()` then asks `GET /api/v10/gateway` for the websocket URL.
//!
//! Every payload is shaped after serenity's model structs. serenity only logs a
//! dispatch it cannot deserialize (at WARN) and drops it, so [`FakeDiscord::dispatch`]
//! first checks that serenity can deserialize the event and panics if not.
//!
//! Shards: each gateway connection is the shard its IDENTIFY names
//! (`shard: [id, total]`, recorded), with its own session and sequence. A
//! dispatch about a guild goes to the connection of shard
//! `(guild_id >> 22) % total`, as Discord routes it; anything else (DMs)
//! to shard 0. One client with one shard, what `Client::start()` runs, gets
//! every dispatch. `GET /gateway/bot` recommends [`FakeConfig::shards`].
//!
//! All servers are tokio tasks, aborted when the [`FakeDiscord`] is dropped.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use poise::serenity_prelude as serenity;
use serde_json::{json, Value};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The guild's only text channel (also used for guild interactions).
pub const TEXT_CHANNEL_ID: u64 = 400_000_000_000_000_001;
/// The DM channel used by interactions built without a member.
pub const DM_CHANNEL_ID: u64 = 400_000_000_000_000_002;
/// Owner of the guild and of the application (not the bot, not a test user).
pub const OWNER_ID: u64 = 700_000_000_000_000_001;
/// A token (with or without `Bot `) that every REST route answers with 401.
pub const BAD_TOKEN: &str = "bad-token";

/// Permission bits (Discord's numbering).
pub const ADD_REACTIONS: u64 = 1 << 6;
pub const MANAGE_GUILD: u64 = 1 << 5;
pub const ADMINISTRATOR: u64 = 1 << 3;
pub const VIEW_CHANNEL: u64 = 1 << 10;
pub const SEND_MESSAGES: u64 = 1 << 11;
pub const EMBED_LINKS: u64 = 1 << 14;
pub const ATTACH_FILES: u64 = 1 << 15;
pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
pub const USE_EXTERNAL_EMOJIS: u64 = 1 << 18;
pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
/// What `@everyone` may do in the fake guild (a plain member's permissions).
pub const EVERYONE_PERMISSIONS: u64 = ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS;
/// `app_permissions` sent with every interaction (the bot's permissions).
pub const APP_PERMISSIONS: u64 = EVERYONE_PERMISSIONS | SEND_MESSAGES_IN_THREADS;

const HEARTBEAT_INTERVAL_MS: u64 = 41_250;
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
const MAX_LINE: u64 = 16 * 1024;
const MAX_HEADERS: usize = 200;
const MAX_BODY: usize = 32 * 1024 * 1024;
const HTTP_IDLE: Duration = Duration::from_secs(300);
const ATTACHMENT_SIZE_LIMIT: u64 = 25 * 1024 * 1024;

/// Ids and names of the fake application, bot and guild.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    pub application_id: u64,
    pub bot_user_id: u64,
    pub bot_name: String,
    pub guild_id: u64,
    pub admin_role_id: u64,
    pub member_role_id: u64,
    /// More guilds the bot is in, besides `guild_id`: each is in the READY
    /// of its shard and gets a GUILD_CREATE there (no channels, no roles
    /// but `@everyone`).
    pub extra_guild_ids: Vec<u64>,
    /// The shard count `GET /gateway/bot` recommends (`discord.shards = "auto"`).
    pub shards: u32,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            application_id: 100_000_000_000_000_001,
            bot_user_id: 100_000_000_000_000_002,
            bot_name: "FakeBot".to_string(),
            guild_id: 200_000_000_000_000_001,
            admin_role_id: 300_000_000_000_000_001,
            member_role_id: 300_000_000_000_000_002,
            extra_guild_ids: Vec::new(),
            shards: 1,
        }
    }
}

/// One REST request as the fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// E.g. `/api/v10/channels/123/messages`, without the query string.
    pub path: String,
    /// The raw query string (without `?`), empty if none.
    pub query: String,
    /// The JSON body; `Null` if empty or not JSON. For multipart bodies, the
    /// `payload_json` part.
    pub body: Value,
    /// The token it was sent with (without `Bot `; empty without one): which
    /// bot process sent it, when processes are given tokens of their own.
    pub token: String,
}

impl std::fmt::Display for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut body = self.body.to_string();
        if body.len() > 300 {
            let mut cut = 300;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            body.push('…');
        }
        if self.query.is_empty() {
            write!(f, "{} {} {}", self.method, self.path, body)
        } else {
            write!(f, "{} {}?{} {}", self.method, self.path, self.query, body)
        }
    }
}

/// The fake Discord. Dropping it stops its servers.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    listeners: Vec<AbortHandle>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        for handle in &self.listeners {
            handle.abort();
        }
        for handle in lock(&self.shared.tasks).drain(..) {
            handle.abort();
        }
    }
}

impl FakeDiscord {
    /// Binds the HTTP and gateway listeners on 127.0.0.1 (ephemeral ports) and
    /// starts serving.
    pub async fn start(config: FakeConfig) -> FakeDiscord {
        let http = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake discord: cannot bind the HTTP listener");
        let gateway = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake discord: cannot bind the gateway listener");
        let shared = Arc::new(Shared {
            config,
            http_port: http.local_addr().expect("http local addr").port(),
            ws_port: gateway.local_addr().expect("gateway local addr").port(),
            counter: AtomicU64::new(1),
            requests: Mutex::new(Vec::new()),
            identifies: Mutex::new(Vec::new()),
            gateway: Mutex::new(GatewayState::default()),
            originals: Mutex::new(HashMap::new()),
            interaction_channels: Mutex::new(HashMap::new()),
            failures: Mutex::new(Vec::new()),
            tasks: Mutex::new(Vec::new()),
        });
        let listeners = vec![
            tokio::spawn(serve(shared.clone(), http, http_connection)).abort_handle(),
            tokio::spawn(serve(shared.clone(), gateway, gateway_connection)).abort_handle(),
        ];
        FakeDiscord { shared, listeners }
    }

    /// Answers the next `times` requests `method … path_suffix` with
    /// `status` (500: a Discord outage, 400: a refusal) instead of serving
    /// them. They are still recorded.
    pub fn fail_next(&self, method: &str, path_suffix: &str, status: u16, times: usize) {
        lock(&self.shared.failures).push(Failure {
            method: method.to_string(),
            path_suffix: path_suffix.to_string(),
            status,
            times,
        });
    }

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy`.
    pub fn api_base(&self) -> String {
        self.shared.api_base()
    }

    /// `ws://127.0.0.1:PORT`, what `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        self.shared.ws_url()
    }

    pub fn config(&self) -> &FakeConfig {
        &self.shared.config
    }

    /// The guild's text channel.
    pub fn channel_id(&self) -> u64 {
        TEXT_CHANNEL_ID
    }

    /// Waits (up to `timeout`) until a client has IDENTIFYed and been sent READY
    /// and GUILD_CREATE. Panics on timeout.
    pub async fn wait_ready(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if lock(&self.shared.gateway).readies > 0 {
                return;
            }
            if Instant::now() >= deadline {
                let requests = self.requests();
                panic!(
                    "fake discord: no client identified within {timeout:?} (gateway connections: {}, \
                     identify: {:?}); REST requests seen:\n{}",
                    lock(&self.shared.gateway).connections,
                    self.identify().is_some(),
                    list(&requests)
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// From now on an IDENTIFY gets no READY until [`Self::release_ready`]:
    /// a bot connected to the gateway but not yet ready.
    pub fn hold_ready(&self) {
        lock(&self.shared.gateway).hold_ready = true;
    }

    /// Sends READY for every IDENTIFY held back and stops holding. True if
    /// one was held.
    pub fn release_ready(&self) -> bool {
        let mut gateway = lock(&self.shared.gateway);
        gateway.hold_ready = false;
        let held = std::mem::take(&mut gateway.held);
        for &shard in &held {
            self.shared.send_ready(&mut gateway, shard);
        }
        !held.is_empty()
    }

    /// Sends READY for shard `shard`'s IDENTIFY if it was held back; other
    /// shards stay held, and so do IDENTIFYs to come. True if it was held.
    pub fn release_ready_of(&self, shard: u32) -> bool {
        let mut gateway = lock(&self.shared.gateway);
        let Some(at) = gateway.held.iter().position(|&s| s == shard) else {
            return false;
        };
        gateway.held.remove(at);
        self.shared.send_ready(&mut gateway, shard);
        true
    }

    /// Waits (up to `timeout`) until `count` shards are connected and have
    /// been sent READY, whichever clients run them. Panics on timeout.
    pub async fn wait_shards_ready(&self, count: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let ready: Vec<u32> = {
                let gateway = lock(&self.shared.gateway);
                gateway
                    .shards
                    .iter()
                    .filter(|(_, s)| s.ready && s.tx.is_some())
                    .map(|(id, _)| *id)
                    .collect()
            };
            if ready.len() >= count {
                return;
            }
            if Instant::now() >= deadline {
                panic!(
                    "fake discord: {count} shards not ready within {timeout:?}: ready {ready:?},                      identified {:?}",
                    self.identified_shards()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// How many times a client has been sent READY (re-identifications count).
    pub fn ready_count(&self) -> u64 {
        lock(&self.shared.gateway).readies
    }

    /// How many times a client has RESUMEd (and been sent RESUMED).
    pub fn resume_count(&self) -> u64 {
        lock(&self.shared.gateway).resumes
    }

    /// The IDENTIFY payload (its `d`) the client sent last. None before.
    pub fn identify(&self) -> Option<Value> {
        lock(&self.shared.identifies).last().cloned()
    }

    /// Every IDENTIFY payload (its `d`) so far, in order.
    pub fn identifies(&self) -> Vec<Value> {
        lock(&self.shared.identifies).clone()
    }

    /// The `shard: [id, total]` of every IDENTIFY so far, in order (`[0, 1]`
    /// for one without it, as Discord takes it).
    pub fn identified_shards(&self) -> Vec<[u32; 2]> {
        self.identifies().iter().map(shard_of_identify).collect()
    }

    /// Every REST request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    /// Waits for the first request at index `from` or later that matches
    /// `pred`; returns its index and the request. Panics on timeout, listing the
    /// requests seen.
    pub async fn wait_request(
        &self,
        from: usize,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> (usize, Recorded) {
        let deadline = Instant::now() + timeout;
        loop {
            {
                let requests = lock(&self.shared.requests);
                if let Some((i, r)) = requests
                    .iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, r)| pred(r))
                {
                    return (i, r.clone());
                }
            }
            if Instant::now() >= deadline {
                let requests = self.requests();
                panic!(
                    "fake discord: no matching request (from index {from}) within {timeout:?}; \
                     requests seen:\n{}",
                    list(&requests)
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Sends a gateway dispatch (op 0) with the next sequence number to the
    /// connected client. Panics if serenity could not deserialize it (serenity
    /// would silently drop it) or if no client is connected.
    pub async fn dispatch(&self, event: &str, data: Value) {
        if let Err(e) = validate_dispatch(event, &data) {
            panic!(
                "fake discord: serenity cannot deserialize this {event} dispatch: {e}\n{data:#}"
            );
        }
        self.dispatch_raw(event, data).await;
    }

    /// Like [`Self::dispatch`] but without checking the payload. Sent on the
    /// connection of the event's shard (see the module docs).
    pub async fn dispatch_raw(&self, event: &str, data: Value) {
        let mut gateway = lock(&self.shared.gateway);
        let shard = gateway.route(event, &data);
        let conn = gateway.shards.get_mut(&shard);
        assert!(
            conn.as_ref().is_some_and(|c| c.tx.is_some()),
            "fake discord: dispatch({event}) goes to shard {shard}, but no gateway client is \
             connected as it (call wait_ready first; shards identified: {:?})",
            lock(&self.shared.identifies)
                .iter()
                .map(shard_of_identify)
                .collect::<Vec<_>>()
        );
        assert!(
            conn.is_some_and(|c| c.send_dispatch(event, data)),
            "fake discord: dispatch({event}): the gateway connection of shard {shard} is gone"
        );
    }

    /// The shard a dispatch of `event` with `data` goes to, by the total the
    /// connected clients identified with. None while no client is connected.
    pub fn shard_for(&self, event: &str, data: &Value) -> Option<u32> {
        let gateway = lock(&self.shared.gateway);
        (!gateway.shards.is_empty()).then(|| gateway.route(event, data))
    }

    /// Asks every connected shard to reconnect (op 7); each comes back with RESUME.
    pub async fn request_reconnect(&self) {
        let gateway = lock(&self.shared.gateway);
        for tx in gateway.shards.values().filter_map(|s| s.tx.as_ref()) {
            let _ = tx.send(json!({"op": 7, "s": null, "t": null, "d": null}).to_string());
        }
    }

    // ---- payload builders (each returns the `d` of a dispatch) ----

    /// A guild member object (as in interactions): user, roles, deaf, mute,
    /// flags, joined_at and `permissions` (the member's permissions in the
    /// channel, as a string).
    pub fn member(&self, user_id: u64, name: &str, roles: &[u64], permissions: u64) -> Value {
        self.shared
            .member_json(user_id, name, false, roles, Some(permissions))
    }

    /// A user object (as in DMs or `mentions`).
    pub fn user(&self, user_id: u64, name: &str, bot: bool) -> Value {
        user_json(user_id, name, bot)
    }

    /// The bot's user object.
    pub fn bot_user(&self) -> Value {
        self.shared.bot_user()
    }

    /// INTERACTION_CREATE for a slash command (type 2). `options` is an array of
    /// `{name, type, value}` (or null). With `member` it happens in the guild's
    /// text channel (with `guild_id`, `member`, `app_permissions`); with `None`
    /// it happens in a DM with user `user_id`. Each call gets a fresh interaction
    /// id and token.
    pub fn slash_command(
        &self,
        name: &str,
        options: Value,
        locale: &str,
        member: Option<Value>,
        user_id: u64,
    ) -> Value {
        let data = command_data(name, options);
        self.shared
            .interaction(2, data, locale, member, user_id, None)
    }

    /// INTERACTION_CREATE for autocomplete (type 4) in the guild. One option in
    /// `options` should carry `"focused": true`; its `value` must be a string.
    pub fn autocomplete(
        &self,
        name: &str,
        options: Value,
        locale: &str,
        member: Value,
        user_id: u64,
    ) -> Value {
        let data = command_data(name, options);
        self.shared
            .interaction(4, data, locale, Some(member), user_id, None)
    }

    /// INTERACTION_CREATE for a button click (type 3) in the guild, on a bot
    /// message in `channel_id` that carries that button.
    pub fn button_click(
        &self,
        custom_id: &str,
        locale: &str,
        member: Value,
        user_id: u64,
        channel_id: u64,
    ) -> Value {
        let data = json!({"custom_id": custom_id, "component_type": 2});
        let message = self.shared.rest_message(
            channel_id,
            &json!({
                "content": "",
                "components": [{
                    "type": 1,
                    "components": [{"type": 2, "style": 1, "custom_id": custom_id, "label": custom_id}],
                }],
            }),
        );
        let mut interaction =
            self.shared
                .interaction(3, data, locale, Some(member), user_id, Some(channel_id));
        interaction["message"] = message;
        interaction
    }

    /// MESSAGE_CREATE: a message by `author_id` in `channel_id` (in the guild
    /// when `guild_id` is set, then with `member` (no roles); a DM otherwise).
    /// `mentions` are user ids (the bot's id gives the bot's user); the content
    /// is taken as is (write `<@id>` into it yourself).
    #[allow(clippy::too_many_arguments)]
    pub fn message(
        &self,
        channel_id: u64,
        guild_id: Option<u64>,
        author_id: u64,
        author_name: &str,
        author_is_bot: bool,
        content: &str,
        mentions: &[u64],
        mention_roles: &[u64],
        mention_everyone: bool,
    ) -> Value {
        let shared = &self.shared;
        let mentions: Vec<Value> = mentions
            .iter()
            .map(|&id| {
                if id == shared.config.bot_user_id {
                    shared.bot_user()
                } else {
                    user_json(id, &format!("user{id}"), false)
                }
            })
            .collect();
        let mut message = json!({
            "id": shared.snowflake().to_string(),
            "channel_id": channel_id.to_string(),
            "author": user_json(author_id, author_name, author_is_bot),
            "content": content,
            "timestamp": now(),
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": mention_everyone,
            "mentions": mentions,
            "mention_roles": ids(mention_roles),
            "mention_channels": [],
            "attachments": [],
            "embeds": [],
            "reactions": [],
            "pinned": false,
            "type": 0,
            "flags": 0,
            "components": [],
            "sticker_items": [],
        });
        if let Some(guild_id) = guild_id {
            message["guild_id"] = json!(guild_id.to_string());
            message["member"] = json!({
                "roles": [],
                "joined_at": now(),
                "deaf": false,
                "mute": false,
                "flags": 0,
                "pending": false,
                "nick": null,
                "avatar": null,
                "premium_since": null,
            });
        }
        message
    }

    /// The READY payload the gateway sends after IDENTIFY (with a sample
    /// session id, as shard 0 of 1).
    pub fn ready_payload(&self) -> Value {
        self.ready_payload_of([0, 1])
    }

    /// The READY payload shard `[id, total]` is sent: its guilds only.
    pub fn ready_payload_of(&self, shard: [u32; 2]) -> Value {
        self.shared.ready_payload(shard, "fake-session-0")
    }

    /// The GUILD_CREATE payload the gateway sends after READY.
    pub fn guild_create_payload(&self) -> Value {
        self.shared.guild_payload(self.shared.config.guild_id)
    }

    /// What `GET /oauth2/applications/@me` answers.
    pub fn application_info(&self) -> Value {
        self.shared.application_info()
    }

    /// What the REST message routes answer for a request body `body` (content,
    /// embeds, components, flags are taken from it).
    pub fn rest_message(&self, channel_id: u64, body: &Value) -> Value {
        self.shared.rest_message(channel_id, body)
    }

    /// What `PUT .../commands` answers for a request body (None if the body is
    /// not an array of objects).
    pub fn registered_commands(&self, body: &Value, guild_id: Option<u64>) -> Option<Value> {
        self.shared.registered_commands(body, guild_id)
    }
}

/// Checks that serenity deserializes `{"t": event, "d": data}` into a known
/// `Event` (not `Event::Unknown`, which is what a bad payload of a known event
/// may also become).
///
/// Also checks what poise unwraps: a guild command or autocomplete interaction
/// needs `member.permissions` and `app_permissions`.
pub fn validate_dispatch(event: &str, data: &Value) -> Result<(), String> {
    if event == "INTERACTION_CREATE"
        && matches!(data["type"].as_u64(), Some(2 | 4))
        && !data["guild_id"].is_null()
    {
        if data["member"]["permissions"].is_null() {
            return Err("a guild interaction without member.permissions makes poise panic".into());
        }
        if data["app_permissions"].is_null() {
            return Err("an interaction without app_permissions makes poise panic".into());
        }
    }
    let value = json!({"t": event, "d": data});
    match serde_json::from_value::<serenity::Event>(value) {
        Ok(serenity::Event::Unknown(_)) => Err(format!(
            "serenity parsed {event} as an unknown event (unknown name, or a payload it rejects)"
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// Discord's rules for a bulk registration of slash commands (what a `PUT
/// .../commands` body must satisfy): one broken rule and Discord refuses the
/// whole list with 400, so the fake does too. `Err` names the first broken rule.
pub fn validate_commands(body: &Value) -> Result<(), String> {
    let commands = body.as_array().ok_or("the body is not an array")?;
    if commands.len() > MAX_COMMANDS {
        return Err(format!(
            "{} commands; at most {MAX_COMMANDS}",
            commands.len()
        ));
    }
    let mut names = std::collections::HashSet::new();
    for command in commands {
        let name = command["name"].as_str().ok_or("a command has no name")?;
        let at = format!("command {name:?}");
        check_name(&at, name)?;
        if !names.insert(name) {
            return Err(format!("{at} is registered twice"));
        }
        // Only slash commands (type 1, the default) have descriptions and options.
        if command["type"].as_u64().unwrap_or(1) != 1 {
            continue;
        }
        check_described(&at, command)?;
        let options = command["options"].as_array().map_or(&[][..], Vec::as_slice);
        check_options(&at, options)?;
        let size = combined_chars(command);
        if size > MAX_COMMAND_CHARS {
            return Err(format!(
                "{at} has {size} characters of names, descriptions and values; at most {MAX_COMMAND_CHARS}"
            ));
        }
    }
    Ok(())
}

/// Names, descriptions and values of a command, its options and their
/// choices, together; of a localized field only the longest version counts.
pub const MAX_COMMAND_CHARS: usize = 4000;

pub fn combined_chars(item: &Value) -> usize {
    let longest = |field: &str| {
        let localized = item[format!("{field}_localizations").as_str()]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values());
        std::iter::once(&item[field])
            .chain(localized)
            .filter_map(Value::as_str)
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
    };
    let value = match &item["value"] {
        Value::String(s) => s.chars().count(),
        Value::Number(n) => n.to_string().len(),
        _ => 0,
    };
    let nested: usize = ["options", "choices"]
        .iter()
        .filter_map(|k| item[*k].as_array())
        .flatten()
        .map(combined_chars)
        .sum();
    longest("name") + longest("description") + value + nested
}

/// The longest `max_length` (and `min_length`) of a string option.
const MAX_STRING_LENGTH: u64 = 6000;

/// At most this many commands of one type per application (or guild).
pub const MAX_COMMANDS: usize = 100;
/// Options per command (or subcommand) and choices per option.
pub const MAX_OPTIONS: usize = 25;
pub const MAX_CHOICES: usize = 25;
/// Descriptions and choice names: 1 to 100 characters.
pub const MAX_TEXT_CHARS: usize = 100;

/// Command and option names: Discord's documented pattern, and the lowercase
/// form of every letter that has one.
pub fn discord_name_ok(name: &str) -> bool {
    static PATTERN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$").unwrap()
    });
    PATTERN.is_match(name)
        && name
            .chars()
            .all(|c| c.to_lowercase().eq(std::iter::once(c)))
}

fn check_name(at: &str, name: &str) -> Result<(), String> {
    if !discord_name_ok(name) {
        return Err(format!(
            "{at}: the name {name:?} breaks Discord's naming rules"
        ));
    }
    Ok(())
}

fn check_text(at: &str, what: &str, text: &Value) -> Result<(), String> {
    let text = text.as_str().ok_or(format!("{at}: no {what}"))?;
    let chars = text.chars().count();
    if !(1..=MAX_TEXT_CHARS).contains(&chars) {
        return Err(format!(
            "{at}: {what} has {chars} characters (1 to {MAX_TEXT_CHARS})"
        ));
    }
    Ok(())
}

/// A name's localizations follow the name's rules; a description's, the
/// description's.
fn check_described(at: &str, item: &Value) -> Result<(), String> {
    check_text(at, "description", &item["description"])?;
    if let Some(names) = item["name_localizations"].as_object() {
        for (locale, name) in names {
            check_name(
                &format!("{at} ({locale})"),
                name.as_str().unwrap_or_default(),
            )?;
        }
    }
    if let Some(texts) = item["description_localizations"].as_object() {
        for (locale, text) in texts {
            check_text(&format!("{at} ({locale})"), "description", text)?;
        }
    }
    Ok(())
}

fn check_options(at: &str, options: &[Value]) -> Result<(), String> {
    if options.len() > MAX_OPTIONS {
        return Err(format!(
            "{at} has {} options; at most {MAX_OPTIONS}",
            options.len()
        ));
    }
    let mut names = std::collections::HashSet::new();
    let mut optional_seen = false;
    for option in options {
        let name = option["name"]
            .as_str()
            .ok_or(format!("{at}: an option has no name"))?;
        let at = format!("{at}, option {name:?}");
        check_name(&at, name)?;
        if !names.insert(name) {
            return Err(format!("{at} is there twice"));
        }
        check_described(&at, option)?;
        let required = option["required"].as_bool().unwrap_or(false);
        if required && optional_seen {
            return Err(format!("{at}: required options come before optional ones"));
        }
        optional_seen |= !required;
        for key in ["min_length", "max_length"] {
            if let Some(n) = option.get(key).filter(|v| !v.is_null()) {
                if n.as_u64().is_none_or(|n| n > MAX_STRING_LENGTH) {
                    return Err(format!(
                        "{at}: {key} must be 0 to {MAX_STRING_LENGTH}, not {n}"
                    ));
                }
            }
        }
        // Subcommands (1) and groups (2) nest options of their own.
        if matches!(option["type"].as_u64(), Some(1 | 2)) {
            let nested = option["options"].as_array().map_or(&[][..], Vec::as_slice);
            check_options(&at, nested)?;
        }
        let Some(choices) = option["choices"].as_array() else {
            continue;
        };
        if option["autocomplete"].as_bool() == Some(true) && !choices.is_empty() {
            return Err(format!("{at}: choices and autocomplete exclude each other"));
        }
        if choices.len() > MAX_CHOICES {
            return Err(format!(
                "{at} has {} choices; at most {MAX_CHOICES}",
                choices.len()
            ));
        }
        for choice in choices {
            check_text(&at, "a choice's name", &choice["name"])?;
            if let Some(names) = choice["name_localizations"].as_object() {
                for (locale, text) in names {
                    check_text(&format!("{at} ({locale})"), "a choice's name", text)?;
                }
            }
            match &choice["value"] {
                Value::String(value) => check_text(&at, "a choice's value", &json!(value))?,
                Value::Number(_) => {}
                _ => return Err(format!("{at}: a choice without a value")),
            }
        }
    }
    Ok(())
}

/// The `data` of a chat-input command interaction.
fn command_data(name: &str, options: Value) -> Value {
    json!({
        "id": command_id(name).to_string(),
        "name": name,
        "type": 1,
        "options": array_or_empty(options),
    })
}

/// The command id the fake uses for a command name (in registrations and
/// interactions alike).
pub fn command_id(name: &str) -> u64 {
    // FNV-1a, folded into an 18-digit snowflake-looking number.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    600_000_000_000_000_000 + hash % 100_000_000_000_000_000
}

// ---------------------------------------------------------------------------
// Shared state and payloads

struct Shared {
    config: FakeConfig,
    http_port: u16,
    ws_port: u16,
    counter: AtomicU64,
    requests: Mutex<Vec<Recorded>>,
    /// Every IDENTIFY's `d`, in order.
    identifies: Mutex<Vec<Value>>,
    gateway: Mutex<GatewayState>,
    /// Interaction token → the `@original` response message.
    originals: Mutex<HashMap<String, Value>>,
    /// Interaction token → its channel.
    interaction_channels: Mutex<HashMap<String, u64>>,
    /// Scripted failures, in order: the next request matching one is
    /// answered with its status instead.
    failures: Mutex<Vec<Failure>>,
    tasks: Mutex<Vec<AbortHandle>>,
}

/// `times` requests with `method` whose path ends with `path_suffix` get
/// `status` and a Discord error body.
struct Failure {
    method: String,
    path_suffix: String,
    status: u16,
    times: usize,
}

#[derive(Default)]
struct GatewayState {
    /// The shards identified, by id: each its own connection and session.
    shards: BTreeMap<u32, ShardConn>,
    /// Sessions started (IDENTIFYs answered), for their ids.
    sessions: u64,
    readies: u64,
    resumes: u64,
    connections: u64,
    /// Set by [`FakeDiscord::hold_ready`]: IDENTIFY is answered only on release.
    hold_ready: bool,
    /// The shards whose IDENTIFY is held back.
    held: Vec<u32>,
}

/// One shard's session: the connection it runs on now (None while it is
/// away; a RESUME brings it back), and its own sequence.
struct ShardConn {
    tx: Option<mpsc::UnboundedSender<String>>,
    seq: u64,
    total: u32,
    session_id: String,
    /// Sent READY (not held back).
    ready: bool,
}

impl ShardConn {
    /// Queues a dispatch on the shard's connection; false if there is none.
    fn send_dispatch(&mut self, event: &str, data: Value) -> bool {
        let Some(tx) = &self.tx else {
            return false;
        };
        self.seq += 1;
        let frame = json!({"op": 0, "t": event, "s": self.seq, "d": data});
        tx.send(frame.to_string()).is_ok()
    }
}

impl GatewayState {
    /// The shard Discord sends `event` on: its guild's, by the total the
    /// clients identified with; shard 0 for anything without a guild (DMs).
    /// Panics if the clients disagree on the total: Discord would refuse them.
    fn route(&self, event: &str, data: &Value) -> u32 {
        let totals: std::collections::BTreeSet<u32> =
            self.shards.values().map(|s| s.total).collect();
        assert!(
            totals.len() <= 1,
            "fake discord: clients identified with different shard totals {totals:?}"
        );
        let total = totals.first().copied().unwrap_or(1);
        let guild = match event {
            "GUILD_CREATE" | "GUILD_UPDATE" | "GUILD_DELETE" => &data["id"],
            _ => &data["guild_id"],
        };
        guild
            .as_str()
            .and_then(|g| g.parse::<u64>().ok())
            .map_or(0, |g| shard_of(g, total))
    }
}

/// The shard of guild `guild_id` among `total`: `(guild_id >> 22) % total`,
/// Discord's formula.
pub fn shard_of(guild_id: u64, total: u32) -> u32 {
    ((guild_id >> 22) % u64::from(total.max(1))) as u32
}

/// A guild id (a valid snowflake, created in 2016) on shard `shard` of
/// `total`; `n` tells apart several on one shard.
pub fn guild_on_shard(shard: u32, total: u32, n: u64) -> u64 {
    let total = u64::from(total.max(1));
    let ms = 40_000_000_000 / total * total + n * total + u64::from(shard);
    (ms << 22) | 1
}

/// The `shard: [id, total]` of an IDENTIFY's `d`; `[0, 1]` without one.
fn shard_of_identify(d: &Value) -> [u32; 2] {
    let part = |i: usize| d["shard"][i].as_u64().map(|n| n as u32);
    match (part(0), part(1)) {
        (Some(id), Some(total)) => [id, total],
        _ => [0, 1],
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not hide the state from the others.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn list(requests: &[Recorded]) -> String {
    if requests.is_empty() {
        return "  (none)".to_string();
    }
    requests
        .iter()
        .enumerate()
        .map(|(i, r)| format!("  [{i}] {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn now() -> String {
    serenity::Timestamp::now().to_string()
}

fn ids(ids: &[u64]) -> Vec<String> {
    ids.iter().map(u64::to_string).collect()
}

fn array_or_empty(value: Value) -> Value {
    if value.is_array() {
        value
    } else {
        json!([])
    }
}

fn user_json(id: u64, name: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": null,
        "bot": bot,
        "public_flags": 0,
    })
}

fn role_json(id: u64, name: &str, permissions: u64, position: u16) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": position,
        "permissions": permissions.to_string(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

fn error_body(message: &str, code: u64) -> Value {
    json!({"message": message, "code": code})
}

impl Shared {
    fn api_base(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.ws_port)
    }

    /// A fresh, increasing snowflake around the current time.
    fn snowflake(&self) -> u64 {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(DISCORD_EPOCH_MS)
            .saturating_sub(DISCORD_EPOCH_MS);
        let n = self.counter.fetch_add(1, Ordering::Relaxed) & 0x3f_ffff;
        (ms << 22) | n
    }

    fn bot_user(&self) -> Value {
        json!({
            "id": self.config.bot_user_id.to_string(),
            "username": self.config.bot_name,
            "discriminator": "0000",
            "global_name": null,
            "avatar": null,
            "bot": true,
            "system": false,
            "mfa_enabled": false,
            "verified": true,
            "email": null,
            "flags": 0,
            "public_flags": 0,
            "premium_type": 0,
            "banner": null,
            "accent_color": null,
            "locale": "en-US",
        })
    }

    fn member_json(
        &self,
        user_id: u64,
        name: &str,
        bot: bool,
        roles: &[u64],
        permissions: Option<u64>,
    ) -> Value {
        let user = if bot && user_id == self.config.bot_user_id {
            self.bot_user()
        } else {
            user_json(user_id, name, bot)
        };
        let mut member = json!({
            "user": user,
            "nick": null,
            "avatar": null,
            "roles": ids(roles),
            "joined_at": now(),
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "communication_disabled_until": null,
        });
        if let Some(permissions) = permissions {
            member["permissions"] = json!(permissions.to_string());
        }
        member
    }

    /// An interaction of `kind` (2 command, 3 component, 4 autocomplete).
    /// `member` Some: in the guild (channel `channel` or the text channel);
    /// None: in a DM with `user_id`.
    fn interaction(
        &self,
        kind: u8,
        data: Value,
        locale: &str,
        member: Option<Value>,
        user_id: u64,
        channel: Option<u64>,
    ) -> Value {
        let id = self.snowflake();
        let token = format!("fake-interaction-token-{id}");
        let channel_id = match (&member, channel) {
            (_, Some(channel)) => channel,
            (Some(_), None) => TEXT_CHANNEL_ID,
            (None, None) => DM_CHANNEL_ID,
        };
        lock(&self.interaction_channels).insert(token.clone(), channel_id);
        let mut interaction = json!({
            "id": id.to_string(),
            "application_id": self.config.application_id.to_string(),
            "type": kind,
            "data": data,
            "channel_id": channel_id.to_string(),
            "token": token,
            "version": 1,
            "app_permissions": APP_PERMISSIONS.to_string(),
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        });
        match member {
            Some(member) => {
                interaction["guild_id"] = json!(self.config.guild_id.to_string());
                interaction["guild_locale"] = json!("en-US");
                interaction["member"] = member;
                interaction["context"] = json!(0);
            }
            None => {
                interaction["user"] = user_json(user_id, &format!("user{user_id}"), false);
                interaction["context"] = json!(1);
            }
        }
        interaction
    }

    /// The guilds on shard `[id, total]`, the configured one first.
    fn guilds_of(&self, [id, total]: [u32; 2]) -> Vec<u64> {
        std::iter::once(self.config.guild_id)
            .chain(self.config.extra_guild_ids.iter().copied())
            .filter(|&g| shard_of(g, total) == id)
            .collect()
    }

    fn ready_payload(&self, shard: [u32; 2], session_id: &str) -> Value {
        let guilds: Vec<Value> = self
            .guilds_of(shard)
            .iter()
            .map(|g| json!({"id": g.to_string(), "unavailable": true}))
            .collect();
        json!({
            "v": 10,
            "user": self.bot_user(),
            "guilds": guilds,
            "session_id": session_id,
            "resume_gateway_url": self.ws_url(),
            "shard": shard,
            "application": {"id": self.config.application_id.to_string(), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-discord"],
        })
    }

    /// GUILD_CREATE of the configured guild (its text channel and roles),
    /// or of another one (no channel, only `@everyone`).
    fn guild_payload(&self, guild_id: u64) -> Value {
        let mut guild = self.main_guild_payload();
        if guild_id != self.config.guild_id {
            guild["id"] = json!(guild_id.to_string());
            guild["name"] = json!(format!("Fake Guild {guild_id}"));
            guild["roles"] = json!([role_json(guild_id, "@everyone", EVERYONE_PERMISSIONS, 0)]);
            guild["channels"] = json!([]);
            guild["system_channel_id"] = Value::Null;
        }
        guild
    }

    fn main_guild_payload(&self) -> Value {
        let c = &self.config;
        let channel = json!({
            "id": TEXT_CHANNEL_ID.to_string(),
            "type": 0,
            "guild_id": c.guild_id.to_string(),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "topic": null,
            "nsfw": false,
            "last_message_id": null,
            "rate_limit_per_user": 0,
            "parent_id": null,
            "flags": 0,
        });
        let mut guild = json!({
            "id": c.guild_id.to_string(),
            "name": "Fake Guild",
            "icon": null,
            "icon_hash": null,
            "splash": null,
            "discovery_splash": null,
            "owner_id": OWNER_ID.to_string(),
            "widget_enabled": false,
            "widget_channel_id": null,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                role_json(c.guild_id, "@everyone", EVERYONE_PERMISSIONS, 0),
                role_json(c.member_role_id, "Member", 0, 1),
                role_json(c.admin_role_id, "Admin", MANAGE_GUILD, 2),
            ],
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": null,
            "system_channel_id": TEXT_CHANNEL_ID.to_string(),
            "system_channel_flags": 0,
            "rules_channel_id": null,
            "max_presences": null,
            "max_members": 500_000,
            "vanity_url_code": null,
            "description": null,
            "banner": null,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": null,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": false,
            "safety_alerts_channel_id": null,
            "incidents_data": null,
        });
        // GUILD_CREATE's extra fields (a second json! keeps the macro's recursion shallow).
        let extra = json!({
            "joined_at": now(),
            "large": false,
            "unavailable": false,
            "member_count": 1,
            "voice_states": [],
            "members": [self.member_json(c.bot_user_id, &c.bot_name, true, &[], None)],
            "channels": [channel],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
        });
        if let (Some(guild), Value::Object(extra)) = (guild.as_object_mut(), extra) {
            guild.extend(extra);
        }
        guild
    }

    fn application_info(&self) -> Value {
        json!({
            "id": self.config.application_id.to_string(),
            "name": self.config.bot_name,
            "icon": null,
            "description": "A fake application for tests",
            "summary": "",
            "rpc_origins": [],
            "bot_public": true,
            "bot_require_code_grant": false,
            "bot": self.bot_user(),
            "owner": user_json(OWNER_ID, "owner", false),
            "team": null,
            "verify_key": "0".repeat(64),
            "flags": 0,
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": null,
            "role_connections_verification_url": null,
            "approximate_guild_count": 1,
        })
    }

    fn rest_message(&self, channel_id: u64, body: &Value) -> Value {
        let mut message = json!({
            "id": self.snowflake().to_string(),
            "channel_id": channel_id.to_string(),
            "author": self.bot_user(),
            "content": "",
            "timestamp": now(),
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": false,
            "type": 0,
            "flags": 0,
            "application_id": self.config.application_id.to_string(),
        });
        apply_message_fields(&mut message, body);
        message
    }

    fn registered_commands(&self, body: &Value, guild_id: Option<u64>) -> Option<Value> {
        let commands = body.as_array()?;
        let mut out = Vec::with_capacity(commands.len());
        for command in commands {
            if !command.is_object() {
                return None;
            }
            let mut command = command.clone();
            let name = command["name"].as_str().unwrap_or_default().to_string();
            command["id"] = json!(command_id(&name).to_string());
            command["application_id"] = json!(self.config.application_id.to_string());
            command["version"] = json!(self.snowflake().to_string());
            for (key, default) in [
                ("type", json!(1)),
                ("description", json!("")),
                ("default_member_permissions", Value::Null),
                ("options", json!([])),
                ("nsfw", json!(false)),
            ] {
                if command.get(key).is_none_or(Value::is_null) {
                    command[key] = default;
                }
            }
            command["guild_id"] = match guild_id {
                Some(g) => json!(g.to_string()),
                None => Value::Null,
            };
            out.push(command);
        }
        Some(Value::Array(out))
    }

    /// A bulk registration (global, or the guild's with `guild_id`): refused
    /// whole as Discord refuses it, else the commands as registered.
    fn put_commands(&self, body: &Value, guild_id: Option<u64>) -> (u16, Option<Value>) {
        if let Err(why) = validate_commands(body) {
            return (
                400,
                Some(error_body(&format!("Invalid Form Body: {why}"), 50035)),
            );
        }
        match self.registered_commands(body, guild_id) {
            Some(commands) => (200, Some(commands)),
            None => (400, Some(error_body("Invalid Form Body", 50035))),
        }
    }

    fn channel_of(&self, token: &str) -> u64 {
        lock(&self.interaction_channels)
            .get(token)
            .copied()
            .unwrap_or(TEXT_CHANNEL_ID)
    }

    /// The status of a scripted failure this request meets, used up by one.
    fn scripted_failure(&self, request: &Recorded) -> Option<u16> {
        let mut failures = lock(&self.failures);
        let at = failures.iter().position(|f| {
            f.times > 0 && f.method == request.method && request.path.ends_with(&f.path_suffix)
        })?;
        failures[at].times -= 1;
        Some(failures[at].status)
    }

    /// Answers one REST request: (status, JSON body; None for 204).
    fn route(&self, request: &Recorded) -> (u16, Option<Value>) {
        if let Some(status) = self.scripted_failure(request) {
            let message = if status >= 500 {
                "Internal Server Error"
            } else {
                "Invalid Form Body"
            };
            return (status, Some(error_body(message, 0)));
        }
        if request.token == BAD_TOKEN {
            return (401, Some(error_body("401: Unauthorized", 0)));
        }
        let not_found = (404, Some(error_body("Unknown route", 0)));
        let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
        let ["api", "v10", rest @ ..] = segments.as_slice() else {
            return not_found;
        };
        let app = self.config.application_id.to_string();
        let guild = self.config.guild_id.to_string();
        let body = &request.body;
        match (request.method.as_str(), rest) {
            ("GET", ["gateway"]) => (200, Some(json!({"url": self.ws_url()}))),
            ("GET", ["gateway", "bot"]) => (
                200,
                Some(json!({
                    "url": self.ws_url(),
                    "shards": self.config.shards,
                    "session_start_limit": {
                        "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1,
                    },
                })),
            ),
            ("GET", ["oauth2", "applications", "@me"]) => (200, Some(self.application_info())),
            ("GET", ["users", "@me"]) => (200, Some(self.bot_user())),
            ("PUT", ["applications", a, "commands"]) if *a == app => self.put_commands(body, None),
            ("PUT", ["applications", a, "guilds", g, "commands"]) if *a == app && *g == guild => {
                self.put_commands(body, Some(self.config.guild_id))
            }
            ("POST", ["interactions", _id, token, "callback"]) => {
                // 4 = channel message, 7 = update message: remember @original.
                let kind = body["type"].as_u64();
                if matches!(kind, Some(4 | 7)) && body["data"].is_object() {
                    let message = self.rest_message(self.channel_of(token), &body["data"]);
                    lock(&self.originals).insert((*token).to_string(), message);
                }
                (204, None)
            }
            ("PATCH", ["webhooks", a, token, "messages", "@original"]) if *a == app => {
                let mut originals = lock(&self.originals);
                let mut message = originals
                    .get(*token)
                    .cloned()
                    .unwrap_or_else(|| self.rest_message(self.channel_of(token), &Value::Null));
                apply_message_fields(&mut message, body);
                message["edited_timestamp"] = json!(now());
                originals.insert((*token).to_string(), message.clone());
                (200, Some(message))
            }
            ("GET", ["webhooks", a, token, "messages", "@original"]) if *a == app => {
                let mut originals = lock(&self.originals);
                let message = originals
                    .entry((*token).to_string())
                    .or_insert_with(|| self.rest_message(self.channel_of(token), &Value::Null))
                    .clone();
                (200, Some(message))
            }
            ("POST", ["webhooks", a, token]) if *a == app => {
                (200, Some(self.rest_message(self.channel_of(token), body)))
            }
            ("POST", ["channels", channel, "messages"]) => match channel.parse::<u64>() {
                Ok(channel) => (200, Some(self.rest_message(channel, body))),
                Err(_) => (404, Some(error_body("Unknown Channel", 10003))),
            },
            _ => not_found,
        }
    }

    // ---- gateway ----

    /// READY for shard `shard` (identified before), then a GUILD_CREATE for
    /// each of its guilds.
    fn send_ready(&self, gateway: &mut GatewayState, shard: u32) {
        let Some(conn) = gateway.shards.get_mut(&shard) else {
            return;
        };
        let ready = self.ready_payload([shard, conn.total], &conn.session_id);
        conn.send_dispatch("READY", ready);
        for guild in self.guilds_of([shard, conn.total]) {
            conn.send_dispatch("GUILD_CREATE", self.guild_payload(guild));
        }
        conn.ready = true;
        gateway.readies += 1;
    }

    fn on_gateway_text(&self, text: &str, tx: &mpsc::UnboundedSender<String>) {
        let Ok(message) = serde_json::from_str::<Value>(text) else {
            return;
        };
        match message["op"].as_u64() {
            // Heartbeat → ack.
            Some(1) => {
                let _ = tx.send(json!({"op": 11, "s": null, "t": null, "d": null}).to_string());
            }
            // Identify → READY + GUILD_CREATE, a new session for that shard.
            Some(2) => {
                let d = message["d"].clone();
                let [shard, total] = shard_of_identify(&d);
                lock(&self.identifies).push(d);
                let mut gateway = lock(&self.gateway);
                gateway.sessions += 1;
                let session_id = format!("fake-session-{}", gateway.sessions);
                gateway.shards.insert(
                    shard,
                    ShardConn {
                        tx: Some(tx.clone()),
                        seq: 0,
                        total,
                        session_id,
                        ready: false,
                    },
                );
                if gateway.hold_ready {
                    gateway.held.push(shard);
                    return;
                }
                self.send_ready(&mut gateway, shard);
            }
            // Resume → RESUMED, same session, sequence continues.
            Some(6) => {
                let session = message["d"]["session_id"].as_str().unwrap_or_default();
                let mut gateway = lock(&self.gateway);
                let conn = gateway
                    .shards
                    .values_mut()
                    .find(|s| s.session_id == session);
                match conn {
                    Some(conn) => {
                        conn.tx = Some(tx.clone());
                        conn.send_dispatch("RESUMED", json!({}));
                        gateway.resumes += 1;
                    }
                    // Invalid session, not resumable: the client identifies anew.
                    None => {
                        let _ =
                            tx.send(json!({"op": 9, "s": null, "t": null, "d": false}).to_string());
                    }
                }
            }
            // Presence updates, voice state, member requests...: ignored.
            _ => {}
        }
    }
}

/// Copies what a message create/edit body sets onto a message object.
fn apply_message_fields(message: &mut Value, body: &Value) {
    for key in ["content", "embeds", "components", "flags", "tts"] {
        if let Some(value) = body.get(key).filter(|v| !v.is_null()) {
            message[key] = value.clone();
        }
    }
    if let Some(embeds) = message["embeds"].as_array_mut() {
        for embed in embeds.iter_mut().filter(|e| e.is_object()) {
            if embed.get("type").is_none() {
                embed["type"] = json!("rich");
            }
        }
    }
    if let Some(reference) = body
        .get("message_reference")
        .filter(|r| r.get("channel_id").is_some())
    {
        message["message_reference"] = reference.clone();
        message["type"] = json!(19); // InlineReply
    }
}

// ---------------------------------------------------------------------------
// Gateway server

/// Accepts connections for ever, one task each, all aborted with the fake.
async fn serve<F, Fut>(shared: Arc<Shared>, listener: TcpListener, connection: F)
where
    F: Fn(Arc<Shared>, TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let task = tokio::spawn(connection(shared.clone(), stream));
                lock(&shared.tasks).push(task.abort_handle());
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

async fn gateway_connection(shared: Arc<Shared>, stream: TcpStream) {
    // Any path and query (serenity appends `?v=10`).
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    lock(&shared.gateway).connections += 1;
    let (mut sink, mut source) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let hello =
        json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}});
    if sink.send(WsMessage::Text(hello.to_string())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            Some(text) = rx.recv() => {
                if sink.send(WsMessage::Text(text)).await.is_err() {
                    break;
                }
            }
            incoming = source.next() => match incoming {
                Some(Ok(WsMessage::Text(text))) => shared.on_gateway_text(&text, &tx),
                Some(Ok(WsMessage::Close(_))) => {
                    // Flushes tungstenite's queued close reply: the client awaits it.
                    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
                    break;
                }
                Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    // The shard stays known, away until a RESUME brings it back.
    let mut gateway = lock(&shared.gateway);
    for conn in gateway.shards.values_mut() {
        if conn.tx.as_ref().is_some_and(|t| t.same_channel(&tx)) {
            conn.tx = None;
        }
    }
}

// ---------------------------------------------------------------------------
// HTTP server

struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

async fn http_connection(shared: Arc<Shared>, stream: TcpStream) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let head = match tokio::time::timeout(HTTP_IDLE, read_head(&mut reader)).await {
            Ok(Ok(Some(head))) => head,
            _ => return,
        };
        if head
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
            && write
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .is_err()
        {
            return;
        }
        let body = match tokio::time::timeout(HTTP_IDLE, read_body(&mut reader, &head)).await {
            Ok(Ok(body)) => body,
            _ => return,
        };
        let close = head
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));

        let (path, query) = split_target(&head.target);
        let token = head.header("authorization").unwrap_or_default().trim();
        let recorded = Recorded {
            method: head.method.clone(),
            path,
            query,
            body: parse_body(head.header("content-type"), &body),
            token: token
                .strip_prefix("Bot ")
                .unwrap_or(token)
                .trim()
                .to_string(),
        };
        // Recorded before it is answered.
        lock(&shared.requests).push(recorded.clone());
        let (status, json) = shared.route(&recorded);

        if write
            .write_all(&encode_response(status, json.as_ref()))
            .await
            .is_err()
        {
            return;
        }
        if close {
            let _ = write.shutdown().await;
            return;
        }
    }
}

/// One line without its CRLF; None at EOF before any byte.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = (&mut *reader)
        .take(MAX_LINE)
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if !buf.ends_with(b"\n") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "line too long or cut",
        ));
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

async fn read_head<R: AsyncBufRead + Unpin>(reader: &mut R) -> io::Result<Option<Head>> {
    // Tolerate a few empty lines before the request line.
    let mut request_line = None;
    for _ in 0..4 {
        match read_line(reader).await? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => {
                request_line = Some(line);
                break;
            }
        }
    }
    let Some(request_line) = request_line else {
        return Ok(None);
    };
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "bad request line",
        ));
    };
    let mut head = Head {
        method: method.to_string(),
        target: target.to_string(),
        headers: Vec::new(),
    };
    loop {
        let Some(line) = read_line(reader).await? else {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "eof in headers",
            ));
        };
        if line.is_empty() {
            return Ok(Some(head));
        }
        if head.headers.len() >= MAX_HEADERS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "too many headers",
            ));
        }
        if let Some((name, value)) = line.split_once(':') {
            head.headers
                .push((name.trim().to_string(), value.trim().to_string()));
        }
    }
}

async fn read_body<R: AsyncBufRead + Unpin>(reader: &mut R, head: &Head) -> io::Result<Vec<u8>> {
    let too_big = || io::Error::new(io::ErrorKind::InvalidData, "body too large");
    let chunked = head
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        let mut body = Vec::new();
        loop {
            let Some(line) = read_line(reader).await? else {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "eof in chunk size",
                ));
            };
            let size = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if size == 0 {
                // Trailers, up to the empty line.
                for _ in 0..MAX_HEADERS {
                    match read_line(reader).await? {
                        None => return Ok(body),
                        Some(line) if line.is_empty() => return Ok(body),
                        Some(_) => {}
                    }
                }
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "too many trailers",
                ));
            }
            if body.len() + size > MAX_BODY {
                return Err(too_big());
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..]).await?;
            // The CRLF after the chunk.
            read_line(reader).await?;
        }
    }
    let length = match head.header("content-length") {
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad content-length"))?,
        None => 0,
    };
    if length > MAX_BODY {
        return Err(too_big());
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(body)
}

/// (path, query) of a request target, also in absolute form.
fn split_target(target: &str) -> (String, String) {
    let mut target = target;
    if let Some(scheme_end) = target.find("://") {
        let after = &target[scheme_end + 3..];
        target = after.find('/').map_or("/", |i| &after[i..]);
    }
    match target.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (target.to_string(), String::new()),
    }
}

fn parse_body(content_type: Option<&str>, body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    if let Some(boundary) = content_type.and_then(multipart_boundary) {
        return multipart_payload_json(body, &boundary).unwrap_or(Value::Null);
    }
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

fn multipart_boundary(content_type: &str) -> Option<String> {
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/")
    {
        return None;
    }
    content_type.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The JSON in the `payload_json` part of a multipart/form-data body.
fn multipart_payload_json(body: &[u8], boundary: &str) -> Option<Value> {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    for part in text.split(delimiter.as_str()) {
        let Some((headers, content)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let is_payload = headers.lines().any(|line| {
            let line = line.to_ascii_lowercase();
            line.starts_with("content-disposition") && line.contains("name=\"payload_json\"")
        });
        if is_payload {
            let content = content.strip_suffix("\r\n").unwrap_or(content);
            return serde_json::from_str(content).ok();
        }
    }
    None
}

fn encode_response(status: u16, body: Option<&Value>) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Unknown",
    };
    match body {
        None => format!("HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n\r\n")
            .into_bytes(),
        Some(body) => {
            let text = body.to_string();
            format!(
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
                text.len()
            )
            .into_bytes()
        }
    }
}
