//! `/ask question:` — the best passage, "see also", source and confidence;
//! an honest "no clear answer" with topic buttons below the threshold.

use poise::serenity_prelude as serenity;

use crate::discord::render;
use crate::discord::state::{Context, Error};
use crate::discord::{ask_question, lang_of, strip_mentions, Asker};
use crate::store::Surface;

/// Suggests section titles that contain what is typed (accents and case aside).
async fn suggest_topics(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let snapshot = ctx.data().live.snapshot();
    let wanted = fold(partial);
    let mut choices: Vec<serenity::AutocompleteChoice> = Vec::new();
    let lang = crate::discord::lang_of(ctx);
    for title in snapshot.brain.knowledge.section_titles(lang) {
        if fold(title).contains(&wanted) {
            let title = render::truncate(title, render::CHOICE_NAME_MAX);
            choices.push(serenity::AutocompleteChoice::new(title.clone(), title));
        }
        if choices.len() == 25 {
            break;
        }
    }
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

fn fold(text: &str) -> String {
    crate::knowledge::markdown::slugify(text).replace('-', " ")
}

/// Ask a question about BPO or KPO
#[poise::command(
    slash_command,
    description_localized("es-ES", "Haga una pregunta sobre BPO o KPO"),
    description_localized("es-419", "Haga una pregunta sobre BPO o KPO")
)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question, in Spanish or English"]
    #[description_localized("es-ES", "Su pregunta, en español o en inglés")]
    #[description_localized("es-419", "Su pregunta, en español o en inglés")]
    #[name_localized("es-ES", "pregunta")]
    #[name_localized("es-419", "pregunta")]
    #[autocomplete = "suggest_topics"]
    question: String,
) -> Result<(), Error> {
    let lang = lang_of(ctx);
    let question = strip_mentions(&question);
    let asker = Asker {
        user: ctx.author().id,
        channel: ctx.channel_id(),
        guild: ctx.guild_id(),
        surface: Surface::Slash,
    };
    let (embed, components) = ask_question(ctx.data(), asker, &question, lang).await?;
    ctx.send(render::reply().embed(embed).components(components))
        .await?;
    Ok(())
}
