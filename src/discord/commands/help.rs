//! `/help` — what the bot does and how to ask.

use crate::discord::lang_of;
use crate::discord::render;
use crate::discord::state::{Context, Error};

/// What this bot does and how to ask it
#[poise::command(
    slash_command,
    description_localized("es-ES", "Qué hace este bot y cómo preguntarle"),
    description_localized("es-419", "Qué hace este bot y cómo preguntarle")
)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    let embed = render::help_embed(lang_of(ctx), ctx.data().settings.kept).build();
    ctx.send(render::reply().embed(embed).ephemeral(true))
        .await?;
    Ok(())
}
