//! `/topics` — the sections of the knowledge.

use crate::discord::lang_of;
use crate::discord::render;
use crate::discord::state::{Context, Error};

/// The topics the bot knows about
#[poise::command(
    slash_command,
    description_localized("es-ES", "Los temas que conoce el bot"),
    description_localized("es-419", "Los temas que conoce el bot")
)]
pub async fn topics(ctx: Context<'_>) -> Result<(), Error> {
    let snapshot = ctx.data().live.snapshot();
    let embed = render::topics_embed(&snapshot.brain, lang_of(ctx)).build();
    ctx.send(render::reply().embed(embed)).await?;
    Ok(())
}
