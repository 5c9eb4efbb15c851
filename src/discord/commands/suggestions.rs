//! `/suggestions` — admins only: questions members resolved to a passage,
//! proposed as alternate questions, each with Accept and Reject.

use poise::serenity_prelude as serenity;

use crate::discord::ids::ComponentId;
use crate::discord::render::{self, EmbedSpec};
use crate::discord::state::{Context, Error, UserError};
use crate::discord::{is_admin, lang_of};
use crate::i18n::{self, Msg};
use crate::lang::Lang;
use crate::learn::Suggestion;

/// A message holds five rows of buttons: one suggestion a row.
pub const SHOWN: usize = 5;

/// Questions to teach the bot, from what members asked (admins)
#[poise::command(
    slash_command,
    default_member_permissions = "MANAGE_GUILD",
    check = "is_admin",
    description_localized(
        "es-ES",
        "Preguntas para enseñar al bot, de lo que preguntaron los miembros (administradores)"
    ),
    description_localized(
        "es-419",
        "Preguntas para enseñar al bot, de lo que preguntaron los miembros (administradores)"
    )
)]
pub async fn suggestions(ctx: Context<'_>) -> Result<(), Error> {
    let lang = lang_of(ctx);
    let store = ctx.data().store.clone();
    if !store.is_enabled() {
        return Err(UserError::NoStore.into());
    }
    // What this process queued so far (a click a moment ago) is counted too.
    let all = tokio::task::spawn_blocking(move || {
        store.flush();
        store.suggestions()
    })
    .await??;
    let (embed, rows) = suggestions_message(&all, lang);
    ctx.send(
        render::reply()
            .embed(embed.build())
            .components(rows)
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// The first [`SHOWN`] suggestions, numbered, with a row of Accept and
/// Reject buttons for each.
pub fn suggestions_message(
    all: &[Suggestion],
    lang: Lang,
) -> (EmbedSpec, Vec<serenity::CreateActionRow>) {
    let shown: Vec<&Suggestion> = all.iter().take(SHOWN).collect();
    let mut description = if shown.is_empty() {
        i18n::text(lang, Msg::SuggestionsNone).to_string()
    } else {
        i18n::fill(
            lang,
            Msg::SuggestionsIntro,
            &[("total", &all.len().to_string())],
        )
    };
    let mut rows = Vec::new();
    for (n, s) in shown.iter().enumerate() {
        description.push_str(&format!(
            "\n**{}.** “{}” → `{}` ({}) · {}×",
            n + 1,
            crate::echo::echo(&s.question),
            s.passage,
            s.lang,
            s.count
        ));
        let button = |accept: bool, label: String, style| {
            ComponentId::Suggestion { id: s.id.0, accept }
                .encode()
                .map(|id| serenity::CreateButton::new(id).label(label).style(style))
        };
        let accept = i18n::fill(lang, Msg::SuggestionAccept, &[("n", &(n + 1).to_string())]);
        let reject = i18n::fill(lang, Msg::SuggestionReject, &[("n", &(n + 1).to_string())]);
        let buttons: Vec<serenity::CreateButton> = [
            button(true, accept, serenity::ButtonStyle::Success),
            button(false, reject, serenity::ButtonStyle::Danger),
        ]
        .into_iter()
        .flatten()
        .collect();
        rows.push(serenity::CreateActionRow::Buttons(buttons));
    }
    let embed = EmbedSpec {
        title: i18n::text(lang, Msg::SuggestionsTitle).to_string(),
        description,
        fields: Vec::new(),
        footer: String::new(),
        colour: 0x3b82f6,
    };
    (embed, rows)
}
