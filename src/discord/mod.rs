//! The Discord front end: poise commands over serenity, on the same core as
//! the console. It holds no business logic: it turns interactions and
//! messages into questions for `answer`/`recommend`/`reload` and their
//! results into embeds.
//!
//! Safety rules kept here: replies never ping (empty `allowed_mentions`
//! everywhere), admin commands are checked on our side, each user is rate
//! limited, and the token is never printed or logged.

pub mod commands;
mod diagnostics;
mod events;
pub mod ids;
mod interactions;
mod registration;
pub mod render;
pub mod state;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use poise::serenity_prelude as serenity;

use crate::answer::{answer, Question, QuestionError};
use crate::config::{Config, DiscordConfig, Secret, ShardRange, Shards};
use crate::conversation::{follow_ups, understand, Turn};
use crate::lang::{self, Lang};
use crate::live::Live;
use crate::metrics::{self, Outcome};
use crate::store::{Asked, Store, Surface};
pub use registration::{CommandSync, Outcome as SyncOutcome, Registration};
use state::{Context, Data, Error, RateLimiter, Recent, Settings, UserError};

#[cfg(test)]
mod tests {
    use super::strip_mentions;

    #[test]
    fn mentions_are_not_part_of_the_question() {
        assert_eq!(
            strip_mentions("<@123> @everyone <@&45> <#6> <@!7>  ¿qué es   un KPO? @here"),
            "¿qué es un KPO?"
        );
        assert_eq!(strip_mentions("mail@everyones.com"), "mail@everyones.com");
    }
}

/// Why the bot could not run.
#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    #[error("Discord rejected the token ({0}): check DISCORD_TOKEN or discord.token")]
    BadToken(String),
    #[error("cannot reach the Discord API at {base}: {reason}")]
    Unreachable { base: String, reason: String },
    #[error("the Discord client stopped: {0}")]
    Client(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[from] std::io::Error),
    #[error("{0} (set store.enabled = false to run without it)")]
    Store(#[from] crate::store::StoreError),
    #[error("cannot ask Discord how many shards to run (discord.shards = \"auto\"): {0}; set discord.shards to a number to start without asking")]
    Shards(String),
}

/// The reply language of a slash command: the user's Discord locale.
pub fn lang_of(ctx: Context<'_>) -> Lang {
    ctx.locale().map_or(Lang::En, lang::from_locale)
}

/// Counts a question against the user's rate, or says how long to wait.
pub fn check_rate(data: &Data, user: serenity::UserId) -> Result<(), UserError> {
    data.limiter
        .check(user.get(), Instant::now())
        .map_err(UserError::Cooldown)
}

/// The question without Discord's markup ([`crate::markup`]: code, links,
/// spoilers, `<@id>`, `<@&id>`, `<#id>` mentions…) and without `@everyone`
/// and `@here`: they name people, not ideas, and are never echoed back.
pub fn strip_mentions(text: &str) -> String {
    static MENTION: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"@(?:everyone|here)\b").expect("a valid pattern")
    });
    // Markup first: a mention inside a code block is code, not a mention.
    let text = crate::markup::plain(text);
    MENTION
        .replace_all(&text, " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where and from whom a question came: for the store, and for the
/// conversation it continues.
#[derive(Debug, Clone, Copy)]
pub struct Asker {
    pub user: serenity::UserId,
    pub channel: serenity::ChannelId,
    pub guild: Option<serenity::GuildId>,
    pub surface: Surface,
}

impl Asker {
    /// The conversation this asker is in: the same user in the same channel
    /// (a DM is a channel). A hash kept in RAM only, like the memory it keys.
    pub fn conversation(&self) -> u64 {
        conversation_key(self.user, self.channel)
    }
}

pub fn conversation_key(user: serenity::UserId, channel: serenity::ChannelId) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
        .hash_one((user.get(), channel.get()))
}

/// Answers `text` (already without mention markup) for `asker` in `lang`,
/// in the light of their conversation: the embed and its buttons (👍 👎 and
/// follow-ups under an answer; "did you mean" or topics under a "no clear
/// answer"). Shared by `/ask` and messages. The rate is counted first: a
/// refusal (empty, too long) is a reply too.
pub async fn ask_question(
    data: &Data,
    asker: Asker,
    text: &str,
    lang: Lang,
) -> Result<(serenity::CreateEmbed, Vec<serenity::CreateActionRow>), Error> {
    let started = Instant::now();
    check_rate(data, asker.user)
        .inspect_err(|_| metrics::question(asker.surface, lang, Outcome::RateLimited))?;
    let max = data.settings.question_max_chars;
    let question = Question::new(text, max).map_err(|e| {
        metrics::question(asker.surface, lang, Outcome::RefusedInput);
        match e {
            QuestionError::Empty => UserError::QuestionEmpty,
            QuestionError::TooLong { max, .. } => UserError::QuestionTooLong(max),
        }
    })?;
    // One snapshot for the whole question: a reload meanwhile changes nothing here.
    let snapshot = data.live.snapshot();
    let mut opts = data.settings.answer;
    opts.lang = Some(lang);
    let store = data.store.clone();
    let previous = data
        .conversations
        .recall(asker.conversation(), Instant::now());
    // Searching is CPU work (typo correction, several editions): off the
    // async workers, so one heavy question never stalls the gateway.
    let done = tokio::task::spawn_blocking(move || {
        let brain = &snapshot.brain;
        let understood = understand(brain, question.as_str(), previous.as_ref(), lang);
        // A rewritten question is a section's title: short, and ours.
        let searched = match &understood.note {
            Some(_) => Question::new(&understood.question, usize::MAX).unwrap_or(question.clone()),
            None => question.clone(),
        };
        let result = answer(brain, &searched, &opts);
        metrics::answered(asker.surface, &result, started.elapsed());
        let id = store.is_enabled().then(|| {
            store.record(Asked {
                guild: asker.guild.map(|g| g.get()),
                user: Some(asker.user.get()),
                ..Asked::of(brain, &question, &result, asker.surface)
            })
        });
        let turn = Turn::of(brain, &result);
        let next = turn
            .as_ref()
            .map(|t| follow_ups(brain, t, lang))
            .unwrap_or_default();
        let components = render::answer_components(&result, brain, id.map(|i| i.0), &next);
        let mut embed = render::answer_embed(&result, lang);
        if let Some(note) = &understood.note {
            embed.footer = render::understood_footer(note, &embed.footer, lang);
        }
        let closest = Recent {
            lang: result.lang,
            passages: result.passages.iter().map(|p| p.id.clone()).collect(),
        };
        (embed.build(), components, id.map(|id| (id, closest)), turn)
    })
    .await?;
    let (embed, components, recorded, turn) = done;
    if let Some((id, closest)) = recorded {
        data.remember(id, closest);
    }
    if let Some(turn) = turn {
        data.conversations
            .remember(asker.conversation(), turn, Instant::now());
    }
    Ok((embed, components))
}

/// Admins: listed users, listed roles, or Manage Server / Administrator in this guild.
pub async fn is_admin(ctx: Context<'_>) -> Result<bool, Error> {
    if ctx.guild_id().is_none() {
        return Ok(is_admin_member(&ctx.data().settings, ctx.author().id, None));
    }
    let member = ctx.author_member().await;
    Ok(is_admin_member(
        &ctx.data().settings,
        ctx.author().id,
        member.as_deref(),
    ))
}

/// The admin check for commands and for clicks alike: a user listed in
/// `admin_user_ids` anywhere; in a guild, a member with a listed role or
/// with Manage Server or Administrator (as the interaction reports them).
pub fn is_admin_member(
    settings: &Settings,
    user: serenity::UserId,
    member: Option<&serenity::Member>,
) -> bool {
    if settings.admin_user_ids.contains(&user.get()) {
        return true;
    }
    let Some(member) = member else {
        return false;
    };
    member
        .roles
        .iter()
        .any(|r| settings.admin_role_ids.contains(&r.get()))
        || member
            .permissions
            .is_some_and(|p| p.manage_guild() || p.administrator())
}

/// One structured line per command: who, what, how it went, how long.
fn log_command(user: u64, command: &str, outcome: &str, started: Option<Instant>) {
    let ms = started.map_or(0, |s| s.elapsed().as_millis() as u64);
    tracing::info!(user, command, outcome, ms, "command");
}

async fn started_at(ctx: Context<'_>) -> Option<Instant> {
    ctx.invocation_data::<Instant>().await.map(|t| *t)
}

async fn reply_ephemeral(ctx: Context<'_>, text: String) {
    let reply = render::reply()
        .embed(render::error_embed(&text).build())
        .ephemeral(true);
    if let Err(err) = ctx.send(reply).await {
        tracing::warn!(
            "could not send an error reply: {}",
            diagnostics::chain(&err)
        );
    }
}

/// Errors meant for users get a short ephemeral reply in their language;
/// anything else is logged in detail and answered with an apology.
async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            let lang = lang_of(ctx);
            let command = ctx.command().name.clone();
            let user = ctx.author().id.get();
            match error.downcast_ref::<UserError>() {
                Some(user_error) => {
                    reply_ephemeral(ctx, user_error.text(lang)).await;
                    let outcome = match user_error {
                        UserError::Cooldown(_) => "cooldown",
                        _ => "refused",
                    };
                    log_command(user, &command, outcome, started_at(ctx).await);
                }
                None => {
                    tracing::error!(
                        user,
                        command = %command,
                        "command failed: {}",
                        diagnostics::chain(&*error)
                    );
                    reply_ephemeral(
                        ctx,
                        crate::i18n::text(lang, crate::i18n::Msg::Apology).into(),
                    )
                    .await;
                    log_command(user, &command, "failed", started_at(ctx).await);
                }
            }
        }
        poise::FrameworkError::CommandCheckFailed { ctx, error, .. } => {
            if let Some(error) = error {
                tracing::error!("permission check failed: {}", diagnostics::chain(&*error));
            }
            let text = crate::i18n::text(lang_of(ctx), crate::i18n::Msg::NotAdmin);
            reply_ephemeral(ctx, text.into()).await;
            log_command(
                ctx.author().id.get(),
                &ctx.command().name,
                "not_admin",
                started_at(ctx).await,
            );
        }
        poise::FrameworkError::ArgumentParse { ctx, error, .. } => {
            let lang = lang_of(ctx);
            tracing::info!(
                "could not parse arguments of /{}: {error}",
                ctx.command().name
            );
            let text = format!("{}.", crate::i18n::text(lang, crate::i18n::Msg::BadInput));
            reply_ephemeral(ctx, text).await;
            log_command(
                ctx.author().id.get(),
                &ctx.command().name,
                "bad_input",
                started_at(ctx).await,
            );
        }
        poise::FrameworkError::CommandPanic { ctx, payload, .. } => {
            tracing::error!(command = %ctx.command().name, "command panicked: {payload:?}");
            let text = crate::i18n::text(lang_of(ctx), crate::i18n::Msg::Apology);
            reply_ephemeral(ctx, text.into()).await;
        }
        poise::FrameworkError::EventHandler { error, event, .. } => {
            tracing::error!(
                event = event.snake_case_name(),
                "event handler failed: {}",
                diagnostics::chain(&*error)
            );
        }
        other => tracing::warn!("unhandled framework error: {other}"),
    }
}

fn settings(config: &Config) -> Settings {
    let ids = |v: &Vec<u64>| v.iter().copied().collect::<HashSet<u64>>();
    let mut answer = config.answer_options();
    answer.lang = None;
    Settings {
        guild_id: config.discord.guild_id.map(serenity::GuildId::new),
        admin_user_ids: ids(&config.discord.admin_user_ids),
        admin_role_ids: ids(&config.discord.admin_role_ids),
        answer_channels: ids(&config.discord.answer_channels),
        answer,
        question_max_chars: config.limits.question_max_chars,
        kept: config
            .store
            .enabled
            .then_some((config.store.retention_days, config.store.keep_questions)),
        teach: crate::knowledge::teach::TeachLimits {
            knowledge: config.knowledge.limits(),
            question_max_chars: config.limits.question_max_chars,
        },
    }
}

/// Runs the bot until Ctrl-C or SIGTERM; blocks the calling thread.
pub fn run(config: &Config, live: Arc<Live>, token: &Secret) -> Result<(), DiscordError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(config, live, token))
}

async fn serve(config: &Config, live: Arc<Live>, token: &Secret) -> Result<(), DiscordError> {
    // Before connecting: a store that cannot be opened is a clear exit 1.
    let store = Store::open(&config.store)?;
    let kept = store.clone();
    let conversations = config.conversation.memory();
    let base = config.discord.api_base.clone();
    let mut http = serenity::HttpBuilder::new(token.expose());
    if !config.discord.is_discord_itself() {
        // serenity's rate limiter would bypass the proxy; the proxy limits instead.
        http = http.proxy(base.clone()).ratelimiter_disabled(true);
    }
    let http = http.build();
    let me = http.get_current_user().await.map_err(|err| match &err {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))
            if response.status_code.as_u16() == 401 =>
        {
            DiscordError::BadToken(format!("HTTP {}", response.status_code))
        }
        _ => DiscordError::Unreachable {
            base: base.clone(),
            reason: diagnostics::chain(&err),
        },
    })?;
    tracing::info!(bot = %me.name, id = me.id.get(), "connected to the Discord API");
    let plan = shard_plan(&config.discord, &http).await?;
    tracing::info!(
        first = plan.first,
        last = plan.last,
        total = plan.total,
        "running shards"
    );

    let settings = settings(config);
    let mut intents = serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::DIRECT_MESSAGES;
    if !settings.answer_channels.is_empty() {
        // Reading every message of a channel needs the privileged intent.
        intents |= serenity::GatewayIntents::MESSAGE_CONTENT;
    }
    let per_minute = config.limits.questions_per_minute;
    let bot_user_id = me.id;

    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |error| Box::pin(on_error(error)),
            pre_command: |ctx| {
                Box::pin(async move {
                    ctx.set_invocation_data(Instant::now()).await;
                })
            },
            post_command: |ctx| {
                Box::pin(async move {
                    log_command(
                        ctx.author().id.get(),
                        &ctx.command().name,
                        "ok",
                        started_at(ctx).await,
                    );
                })
            },
            event_handler: |framework, event| Box::pin(events::handle(framework, event)),
            allowed_mentions: Some(render::no_mentions()),
            prefix_options: poise::PrefixFrameworkOptions {
                prefix: None,
                // Free text is answered by our event handler, not parsed as commands.
                mention_as_prefix: false,
                ..Default::default()
            },
            initialize_owners: false,
            ..Default::default()
        })
        .setup(move |ctx, _ready, framework| {
            Box::pin(async move {
                // Serving starts now; registration goes on in the background
                // with retries, so a Discord error at start-up never leaves
                // the bot connected but deaf.
                let commands = CommandSync::start(
                    ctx.http.clone(),
                    live.clone(),
                    settings.guild_id,
                    &framework.options().commands,
                    settings.question_max_chars,
                );
                Ok(Data {
                    live,
                    settings,
                    limiter: RateLimiter::new(per_minute),
                    bot_user_id,
                    commands,
                    store,
                    recent: state::recent_answers(),
                    conversations,
                })
            })
        })
        .build();

    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .map_err(|e| DiscordError::Client(e.to_string()))?;
    let shards = client.shard_manager.clone();
    metrics::watch_shards(shards.clone(), plan.first..=plan.last);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        shards.shutdown_all().await;
    });
    // serenity runs the range's end too ("4..7" boots shards 4 to 7), and
    // sends each shard's IDENTIFY with `shard: [id, total]`. One shard of
    // one is what `Client::start` runs.
    let ran = client
        .start_shard_range(plan.first..plan.last, plan.total)
        .await
        .map_err(|e| DiscordError::Client(e.to_string()));
    // What was asked until the end is written before the process goes.
    let _ = tokio::task::spawn_blocking(move || kept.flush()).await;
    ran
}

/// The shards this process runs: `first` to `last` (both included) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ShardPlan {
    first: u32,
    last: u32,
    total: u32,
}

/// The configured shards, with `"auto"` asked of Discord (`GET /gateway/bot`,
/// as serenity's autosharding does) so that the count is known here: for
/// the log, and for `/readyz` to wait for every shard of this process.
async fn shard_plan(
    config: &DiscordConfig,
    http: &serenity::Http,
) -> Result<ShardPlan, DiscordError> {
    let total = match config.shards {
        Shards::Count(total) => total,
        Shards::Auto => {
            http.get_bot_gateway()
                .await
                .map_err(|err| DiscordError::Shards(diagnostics::chain(&err)))?
                .shards
        }
    }
    // The config file refuses 0; Discord's answer or a config built in
    // code might not, and the range below must not end at `0 - 1`.
    .max(1);
    // Config validation keeps a range within a fixed count; "auto" runs them all.
    let range = config.shard_range.unwrap_or(ShardRange {
        first: 0,
        last: total - 1,
    });
    Ok(ShardPlan {
        first: range.first,
        last: range.last,
        total,
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(err) => {
                    tracing::warn!("cannot listen for SIGTERM: {err}");
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
