//! `/insights [days]` — admins only: what members asked and how it went.

use crate::discord::render::{self, EmbedSpec};
use crate::discord::state::{Context, Error, UserError};
use crate::discord::{is_admin, lang_of};
use crate::i18n::{self, Msg};
use crate::lang::Lang;
use crate::learn::Insights;

/// How far back `/insights` looks without `days`.
pub const DEFAULT_DAYS: u32 = 30;

/// What members asked, and how it went (admins)
#[poise::command(
    slash_command,
    default_member_permissions = "MANAGE_GUILD",
    check = "is_admin",
    description_localized("es-ES", "Qué preguntaron los miembros y cómo fue (administradores)"),
    description_localized("es-419", "Qué preguntaron los miembros y cómo fue (administradores)")
)]
pub async fn insights(
    ctx: Context<'_>,
    #[description = "How many days back (default 30)"]
    #[description_localized("es-ES", "Cuántos días hacia atrás (30 si se omite)")]
    #[description_localized("es-419", "Cuántos días hacia atrás (30 si se omite)")]
    #[name_localized("es-ES", "dias")]
    #[name_localized("es-419", "dias")]
    #[min = 1]
    #[max = 3650]
    days: Option<u32>,
) -> Result<(), Error> {
    let lang = lang_of(ctx);
    let store = ctx.data().store.clone();
    if !store.is_enabled() {
        return Err(UserError::NoStore.into());
    }
    let days = days.unwrap_or(DEFAULT_DAYS);
    // What this process queued so far is counted too.
    let insights = tokio::task::spawn_blocking(move || {
        store.flush();
        store.insights(days)
    })
    .await??;
    let embed = insights_embed(&insights, lang).build();
    ctx.send(render::reply().embed(embed).ephemeral(true))
        .await?;
    Ok(())
}

pub fn insights_embed(insights: &Insights, lang: Lang) -> EmbedSpec {
    let share = if insights.asked == 0 {
        0.0
    } else {
        100.0 * insights.answered as f64 / insights.asked as f64
    };
    let description = i18n::fill(
        lang,
        Msg::InsightsSummary,
        &[
            ("asked", &insights.asked.to_string()),
            ("answered", &insights.answered.to_string()),
            ("share", &format!("{share:.0}")),
            ("users", &insights.distinct_users.to_string()),
        ],
    );
    let votes = |list: &[crate::learn::PassageVotes]| -> String {
        list.iter()
            .map(|p| format!("`{}` 👍 {} · 👎 {}", p.passage, p.up, p.down))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut fields = Vec::new();
    if !insights.most_down.is_empty() {
        fields.push((
            i18n::text(lang, Msg::InsightsMostDown).to_string(),
            votes(&insights.most_down),
        ));
    }
    if !insights.per_passage.is_empty() {
        fields.push((
            i18n::text(lang, Msg::InsightsVotes).to_string(),
            votes(&insights.per_passage),
        ));
    }
    if !insights.unanswered.is_empty() {
        let groups = insights
            .unanswered
            .iter()
            .map(|g| format!("{}× “{}”", g.count, crate::echo::echo(&g.example)))
            .collect::<Vec<_>>()
            .join("\n");
        fields.push((
            i18n::text(lang, Msg::InsightsUnanswered).to_string(),
            groups,
        ));
    }
    EmbedSpec {
        title: i18n::fill(
            lang,
            Msg::InsightsTitle,
            &[("days", &insights.days.to_string())],
        ),
        description,
        fields,
        footer: String::new(),
        colour: 0x3b82f6,
    }
}
