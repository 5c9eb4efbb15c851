//! Free text and button clicks: what poise's command dispatch does not cover.
//!
//! A message is answered only when it mentions the bot, is a DM, or is in a
//! configured answer channel; bots (this one included) are never answered.

use std::time::Instant;

use poise::serenity_prelude as serenity;

use super::render;
use super::state::{Data, Error, UserError};
use crate::lang;

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
        } => on_click(ctx, data, click).await,
        _ => Ok(()),
    }
}

/// Whether the bot should answer this message at all.
pub fn addressed_to_bot(msg: &serenity::Message, bot: serenity::UserId, data: &Data) -> bool {
    if msg.author.bot || msg.author.id == bot {
        return false;
    }
    msg.guild_id.is_none()
        || msg.mentions.iter().any(|u| u.id == bot)
        || data
            .settings
            .answer_channels
            .contains(&msg.channel_id.get())
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
    let lang = lang::detect(&text);
    let reply = serenity::CreateMessage::new()
        .reference_message(msg)
        .allowed_mentions(render::no_mentions());
    let (reply, outcome) = if text.is_empty() {
        (reply.embed(render::help_embed(lang).build()), "help")
    } else {
        match super::ask_question(data, msg.author.id, &text, lang) {
            Ok((embed, buttons)) => (reply.embed(embed).components(buttons), "ok"),
            Err(UserError::Cooldown(refusal)) if !refusal.first => {
                // One notice per flood; the rest is ignored so the bot never floods back.
                log(msg, "cooldown_silent", started);
                return Ok(());
            }
            Err(err @ UserError::Cooldown(_)) => (
                reply.embed(render::error_embed(&err.text(lang)).build()),
                "cooldown",
            ),
            Err(err) => (
                reply.embed(render::error_embed(&err.text(lang)).build()),
                "refused",
            ),
        }
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

/// A click on a "no clear answer" topic button shows that section.
async fn on_click(
    ctx: &serenity::Context,
    data: &Data,
    click: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let started = Instant::now();
    let lang = lang::from_locale(&click.locale);
    let snapshot = data.live.snapshot();
    let embed =
        render::section_embed(&snapshot.brain, &click.data.custom_id, lang).unwrap_or_else(|| {
            render::error_embed(crate::i18n::text(lang, crate::i18n::Msg::NoTopics))
        });
    let response = serenity::CreateInteractionResponse::Message(
        serenity::CreateInteractionResponseMessage::new()
            .embed(embed.build())
            .ephemeral(true)
            .allowed_mentions(render::no_mentions()),
    );
    click.create_response(&ctx.http, response).await?;
    tracing::info!(
        user = click.user.id.get(),
        command = "topic",
        outcome = "ok",
        ms = started.elapsed().as_millis() as u64,
        "command"
    );
    Ok(())
}
