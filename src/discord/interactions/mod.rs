//! Clicks on the bot's buttons and menus, one file per family: browsing
//! (topics, "did you mean"), feedback (👍, 👎, the expected passage) and
//! admins' suggestions. Every click is parsed through [`ComponentId`]
//! first: what the bot did not make is not answered, and what it made but
//! no longer knows (a passage a reload removed) gets a polite private reply.

mod browse;
mod feedback;
mod suggestions;

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
    let command = kind(&id);
    let user = click.user.id;
    let outcome = if let Err(refusal) = super::check_rate(data, user) {
        Reply::text(render::error_embed(&refusal.text(lang)))
            .send(ctx, click)
            .await?;
        "cooldown"
    } else if let ComponentId::Suggestion { id, accept } = id {
        suggestions::decide(ctx, data, click, id, accept, lang).await?
    } else {
        let (reply, outcome) = match id {
            ComponentId::Topic {
                lang: edition,
                section,
            } => browse::topic(data, edition, &section, lang),
            ComponentId::DidYouMean {
                answer,
                lang: edition,
                passage,
            } => feedback::did_you_mean(data, answer, edition, &passage, user, lang),
            ComponentId::Feedback { answer, up } => feedback::vote(data, answer, up, user, lang),
            ComponentId::Pick { answer } => {
                feedback::picked(data, answer, &selected(click), user, lang)
            }
            ComponentId::FollowUp {
                lang: edition,
                section,
            } => {
                let conversation = crate::discord::conversation_key(user, click.channel_id);
                browse::follow_up(data, conversation, edition, &section, lang)
            }
            ComponentId::Suggestion { .. } => unreachable!("decided above"),
        };
        reply.send(ctx, click).await?;
        outcome
    };
    tracing::info!(
        user = user.get(),
        command,
        outcome,
        ms = started.elapsed().as_millis() as u64,
        "command"
    );
    Ok(())
}

/// The values chosen in a select menu (none for a button).
fn selected(click: &serenity::ComponentInteraction) -> Vec<String> {
    match &click.data.kind {
        serenity::ComponentInteractionDataKind::StringSelect { values } => values.clone(),
        _ => Vec::new(),
    }
}

/// The log's name for a kind of click.
fn kind(id: &ComponentId) -> &'static str {
    match id {
        ComponentId::Topic { .. } => "topic",
        ComponentId::DidYouMean { .. } => "did_you_mean",
        ComponentId::Feedback { .. } => "feedback",
        ComponentId::Pick { .. } => "pick",
        ComponentId::Suggestion { .. } => "suggestion",
        ComponentId::FollowUp { .. } => "follow_up",
    }
}

/// A private reply to a click: an embed, and maybe a menu under it.
pub struct Reply {
    pub embed: EmbedSpec,
    pub components: Vec<serenity::CreateActionRow>,
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

/// What a click handler returns: the reply and the log's outcome.
type Handled = (Reply, &'static str);

/// The reply to a click on something a reload removed.
fn gone(lang: Lang) -> Handled {
    (
        Reply::text(render::error_embed(crate::i18n::text(
            lang,
            crate::i18n::Msg::TopicGone,
        ))),
        "gone",
    )
}
