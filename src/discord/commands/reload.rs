//! `/reload` — admins only, checked twice: Discord hides it from members
//! without Manage Server, and [`is_admin`] refuses anyone else on our side.

use std::time::Instant;

use crate::discord::render;
use crate::discord::state::{Context, Error};
use crate::discord::{is_admin, lang_of};

/// Reload the knowledge after editing it (admins)
#[poise::command(
    slash_command,
    default_member_permissions = "MANAGE_GUILD",
    check = "is_admin",
    description_localized("es-ES", "Recargar el conocimiento tras editarlo (administradores)"),
    description_localized("es-419", "Recargar el conocimiento tras editarlo (administradores)")
)]
pub async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    // Reading and indexing can take longer than Discord's 3-second deadline.
    ctx.defer_ephemeral().await?;
    let live = ctx.data().live.clone();
    let started = Instant::now();
    let registrations = ctx.data().commands.registrations();
    let result = tokio::task::spawn_blocking(move || live.reload()).await?;
    match &result {
        Ok(report) => tracing::info!(
            user = ctx.author().id.get(),
            version = %report.version,
            ms = started.elapsed().as_millis() as u64,
            "knowledge reloaded from Discord"
        ),
        Err(problems) => tracing::warn!(
            user = ctx.author().id.get(),
            problems = problems.0.len(),
            "reload from Discord refused"
        ),
    }
    // The admin hears what became of the commands too: /recommend's
    // options follow rules.toml, and Discord may refuse them.
    let sync = match result {
        Ok(_) => Some(ctx.data().commands.sync_for_report(registrations).await),
        Err(_) => None,
    };
    ctx.send(
        render::reply()
            .content(render::reload_message(&result, sync.as_ref(), lang_of(ctx)))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}
