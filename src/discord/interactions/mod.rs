//! Clicks on the bot's buttons and menus, one file per family: browsing
//! (topics, "did you mean"), feedback (👍, 👎, the expected passage) and
//! admins' suggestions. Every click is parsed through [`ComponentId`]
//! first: what the bot did not make is not answered, and what it made but
//! no longer knows (a passage a reload removed) gets a polite private reply.

mod browse;

use std::time::Instant;

use poise::serenity_prelude as serenity;

use super::ids::ComponentId;
use super::render::{self, EmbedSpec};
use super::state::{Data, Error};
use crate::lang::{self, Lang};

pub async fn on_component(
    ctx: &serenity::Context,
    data: &Data,
    click: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some(id) = ComponentId::parse(&click.data.custom_id) else {
        tracing::debug!("ignored a click on a component the bot did not make");
        return Ok(());
    };
    let started = Instant::now();
    let lang = lang::from_locale(&click.locale);
    let (reply, command, outcome) = match super::check_rate(data, click.user.id) {
        Err(refusal) => (
            Reply::text(render::error_embed(&refusal.text(lang))),
            kind(&id),
            "cooldown",
        ),
        Ok(()) => match id {
            ComponentId::Topic {
                lang: edition,
                section,
            } => browse::topic(data, edition, &section, lang),
            ComponentId::DidYouMean {
                lang: edition,
                passage,
                ..
            } => browse::passage(data, edition, &passage, lang),
            // Feedback and suggestions come with the store.
            ComponentId::Feedback { .. }
            | ComponentId::Pick { .. }
            | ComponentId::Suggestion { .. } => (
                Reply::text(render::error_embed(crate::i18n::text(
                    lang,
                    crate::i18n::Msg::TopicGone,
                ))),
                kind(&id),
                "gone",
            ),
        },
    };
    reply.send(ctx, click).await?;
    tracing::info!(
        user = click.user.id.get(),
        command,
        outcome,
        ms = started.elapsed().as_millis() as u64,
        "command"
    );
    Ok(())
}

/// The log's name for a kind of click.
fn kind(id: &ComponentId) -> &'static str {
    match id {
        ComponentId::Topic { .. } => "topic",
        ComponentId::DidYouMean { .. } => "did_you_mean",
        ComponentId::Feedback { .. } => "feedback",
        ComponentId::Pick { .. } => "pick",
        ComponentId::Suggestion { .. } => "suggestion",
    }
}

/// A private reply to a click: an embed, and maybe a menu under it.
pub struct Reply {
    embed: EmbedSpec,
    components: Vec<serenity::CreateActionRow>,
}

impl Reply {
    fn text(embed: EmbedSpec) -> Reply {
        Reply {
            embed,
            components: Vec::new(),
        }
    }

    async fn send(
        self,
        ctx: &serenity::Context,
        click: &serenity::ComponentInteraction,
    ) -> Result<(), Error> {
        let response = serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .embed(self.embed.build())
                .components(self.components)
                .ephemeral(true)
                .allowed_mentions(render::no_mentions()),
        );
        click.create_response(&ctx.http, response).await?;
        Ok(())
    }
}

/// What a click handler returns: the reply, the log's command and outcome.
type Handled = (Reply, &'static str, &'static str);

/// The reply to a click on something a reload removed.
fn gone(lang: Lang, command: &'static str) -> Handled {
    (
        Reply::text(render::error_embed(crate::i18n::text(
            lang,
            crate::i18n::Msg::TopicGone,
        ))),
        command,
        "gone",
    )
}
