//! Free text and button clicks: what poise's command dispatch does not cover.
//!
//! A message is answered only when it mentions the bot, is a DM, or is in a
//! configured answer channel; bots (this one included) are never answered.

use std::time::Instant;

use poise::serenity_prelude as serenity;

use super::render;
use super::state::{Data, Error, UserError};
use crate::store::Surface;

pub async fn handle(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let ctx = framework.serenity_context;
    let data = framework.user_data;
    match event {
        serenity::FullEvent::Message { new_message } => on_message(ctx, data, new_message).await,
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(click),
        } => super::interactions::on_component(ctx, data, click).await,
        _ => Ok(()),
    }
}

/// Whether the bot should answer this message at all: a person's own
/// words (a regular message or an inline reply, not a webhook's, a bot's,
/// or Discord's notices of pins, joins and new threads) that mention the
/// bot, come by DM, or are in an answer channel.
pub fn addressed_to_bot(msg: &serenity::Message, bot: serenity::UserId, data: &Data) -> bool {
    if msg.author.bot || msg.author.id == bot || msg.webhook_id.is_some() {
        return false;
    }
    if !matches!(
        msg.kind,
        serenity::MessageType::Regular | serenity::MessageType::InlineReply
    ) {
        return false;
    }
    mentioned_or_dm(msg, bot)
        || data
            .settings
            .answer_channels
            .contains(&msg.channel_id.get())
}

/// Whether the message speaks to the bot itself (a DM, or a mention), not
/// only to a channel it reads.
fn mentioned_or_dm(msg: &serenity::Message, bot: serenity::UserId) -> bool {
    msg.guild_id.is_none() || msg.mentions.iter().any(|u| u.id == bot)
}

async fn on_message(
    ctx: &serenity::Context,
    data: &Data,
    msg: &serenity::Message,
) -> Result<(), Error> {
    if !addressed_to_bot(msg, data.bot_user_id, data) {
        return Ok(());
    }
    let started = Instant::now();
    let text = super::strip_mentions(&msg.content);
    if text.is_empty() && !mentioned_or_dm(msg, data.bot_user_id) {
        // An image, a sticker or a file alone in an answer channel asks nothing.
        return Ok(());
    }
    // Grammar, else the words the knowledge's editions use ("kpo full form").
    let lang = data.live.snapshot().brain.detect(&text);
    // A question deleted before the answer is sent is no error: the answer
    // goes out without the reference.
    let reference = serenity::MessageReference::from(msg).fail_if_not_exists(false);
    let reply = serenity::CreateMessage::new()
        .reference_message(reference)
        .allowed_mentions(render::no_mentions());
    let answered = if text.is_empty() {
        // A bare mention: how to ask, counted like a question.
        super::check_rate(data, msg.author.id)
            .map(|()| {
                (
                    render::help_embed(lang, data.settings.kept).build(),
                    Vec::new(),
                )
            })
            .map_err(Error::from)
    } else {
        let surface = if msg.guild_id.is_none() {
            Surface::Dm
        } else if msg.mentions.iter().any(|u| u.id == data.bot_user_id) {
            Surface::Mention
        } else {
            Surface::Channel
        };
        let asker = super::Asker {
            user: msg.author.id,
            channel: msg.channel_id,
            guild: msg.guild_id,
            surface,
        };
        super::ask_question(data, asker, &text, lang).await
    };
    let (reply, outcome) = match answered {
        Ok((embed, buttons)) => (
            reply.embed(embed).components(buttons),
            if text.is_empty() { "help" } else { "ok" },
        ),
        Err(err) => match err.downcast::<UserError>() {
            Ok(user_error) => match *user_error {
                UserError::Cooldown(refusal) if !refusal.first => {
                    // One notice per flood; the rest is ignored so the bot never floods back.
                    log(msg, "cooldown_silent", started);
                    return Ok(());
                }
                ref err => (
                    reply.embed(render::error_embed(&err.text(lang)).build()),
                    if matches!(err, UserError::Cooldown(_)) {
                        "cooldown"
                    } else {
                        "refused"
                    },
                ),
            },
            Err(other) => return Err(other),
        },
    };
    msg.channel_id.send_message(&ctx.http, reply).await?;
    log(msg, outcome, started);
    Ok(())
}

fn log(msg: &serenity::Message, outcome: &str, started: Instant) {
    tracing::info!(
        user = msg.author.id.get(),
        command = "message",
        outcome,
        ms = started.elapsed().as_millis() as u64,
        "command"
    );
}
