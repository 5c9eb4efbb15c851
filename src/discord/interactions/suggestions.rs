//! An admin's Accept or Reject on a suggested alternate question. Admins
//! only, checked here as for `/reload` (a button reaches whoever can see
//! the message it is on). Accept writes the question into the knowledge
//! (`knowledge::teach`: validated, atomic, under a lock), reloads, and
//! answers with the reload's report; Reject remembers the refusal so the
//! suggestion is not made again.

use poise::serenity_prelude as serenity;

use crate::discord::render;
use crate::discord::state::{Data, Error};
use crate::i18n::{self, Msg};
use crate::knowledge::teach::teach;
use crate::lang::Lang;
use crate::learn::{Suggestion, SuggestionId};

/// Decides suggestion `id`; the reply goes out deferred, as teaching and
/// reloading a large knowledge can take longer than Discord waits for.
pub async fn decide(
    ctx: &serenity::Context,
    data: &Data,
    click: &serenity::ComponentInteraction,
    id: i64,
    accept: bool,
    lang: Lang,
) -> Result<&'static str, Error> {
    if !crate::discord::is_admin_member(&data.settings, click.user.id, click.member.as_ref()) {
        let embed = render::error_embed(i18n::text(lang, Msg::NotAdmin));
        super::Reply::text(embed).send(ctx, click).await?;
        return Ok("not_admin");
    }
    let defer = serenity::CreateInteractionResponse::Defer(
        serenity::CreateInteractionResponseMessage::new().ephemeral(true),
    );
    click.create_response(&ctx.http, defer).await?;
    let (text, outcome) = match find(data, SuggestionId(id)) {
        Err(text) => (text, "failed"),
        Ok(None) => (i18n::text(lang, Msg::SuggestionGone).to_string(), "gone"),
        Ok(Some(suggestion)) if !accept => match data.store.decide(suggestion.id, false) {
            Ok(()) => (
                i18n::fill(
                    lang,
                    Msg::SuggestionRejected,
                    &[
                        ("question", &crate::echo::echo(&suggestion.question)),
                        ("passage", &suggestion.passage),
                    ],
                ),
                "rejected",
            ),
            Err(err) => (err.to_string(), "failed"),
        },
        Ok(Some(suggestion)) => accepted(data, suggestion, lang).await?,
    };
    let edit = serenity::EditInteractionResponse::new()
        .content(render::truncate(&text, render::CONTENT_MAX))
        .allowed_mentions(render::no_mentions());
    click.edit_response(&ctx.http, edit).await?;
    Ok(outcome)
}

/// The undecided suggestion with this id, if there still is one.
fn find(data: &Data, id: SuggestionId) -> Result<Option<Suggestion>, String> {
    let suggestions = data.store.suggestions().map_err(|e| e.to_string())?;
    Ok(suggestions.into_iter().find(|s| s.id == id))
}

/// Teaches the suggestion, reloads, and says what happened.
async fn accepted(
    data: &Data,
    suggestion: Suggestion,
    lang: Lang,
) -> Result<(String, &'static str), Error> {
    let live = data.live.clone();
    let limits = data.settings.teach;
    let (lang_of_edition, passage, question) = (
        suggestion.lang,
        suggestion.passage.clone(),
        suggestion.question.clone(),
    );
    let result = tokio::task::spawn_blocking(move || {
        let taught = teach(live.dir(), lang_of_edition, &passage, &question, limits)?;
        Ok::<_, crate::knowledge::teach::TeachError>((taught, live.reload()))
    })
    .await?;
    let (taught, reload) = match result {
        Ok(done) => done,
        Err(err) => {
            return Ok((
                i18n::fill(lang, Msg::SuggestionFailed, &[("why", &err.to_string())]),
                "failed",
            ))
        }
    };
    if let Err(err) = data.store.decide(suggestion.id, true) {
        tracing::warn!("could not remember an accepted suggestion: {err}");
    }
    tracing::info!(
        passage = %taught.passage_id,
        added = taught.added,
        "suggestion accepted from Discord"
    );
    let head = i18n::fill(
        lang,
        Msg::SuggestionAccepted,
        &[
            ("question", &crate::echo::echo(&taught.question)),
            ("passage", &taught.passage_id),
            ("at", &format!("{}:{}", taught.file.display(), taught.line)),
        ],
    );
    let report = render::reload_message(&reload, None, lang);
    Ok((format!("{head}\n{report}"), "accepted"))
}
