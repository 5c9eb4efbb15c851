//! What members say of an answer: 👍 or 👎 (one per member and answer, a
//! second click replacing the first), the passage they expected (the menu a
//! 👎 opens), and the passage a "did you mean" click chose. Each is stored
//! with the answer it is about; an id the store does not know (forged, or
//! purged) changes nothing there.

use poise::serenity_prelude as serenity;

use super::{gone, Handled, Reply};
use crate::discord::render;
use crate::discord::state::Data;
use crate::i18n::{self, Msg};
use crate::lang::Lang;
use crate::store::{AnswerId, Feedback};

pub fn vote(data: &Data, answer: i64, up: bool, user: serenity::UserId, lang: Lang) -> Handled {
    if !data.store.is_enabled() {
        return no_store(lang);
    }
    let id = AnswerId(answer);
    if up {
        data.store.feedback(id, user.get(), Feedback::Up);
        return (
            Reply::text(render::note_embed(i18n::text(lang, Msg::FeedbackThanks))),
            "up",
        );
    }
    data.store.feedback(id, user.get(), Feedback::Down);
    let snapshot = data.live.snapshot();
    let menu = data.recalled(id).and_then(|recent| {
        render::pick_menu(&snapshot.brain, answer, recent.lang, &recent.passages, lang)
    });
    let text = match menu {
        Some(_) => i18n::text(lang, Msg::FeedbackWhich),
        None => i18n::text(lang, Msg::FeedbackThanks),
    };
    (
        Reply {
            embed: render::note_embed(text),
            components: menu.into_iter().collect(),
        },
        "down",
    )
}

/// The passage picked in the menu a 👎 opened: shown, and stored.
pub fn picked(
    data: &Data,
    answer: i64,
    values: &[String],
    user: serenity::UserId,
    lang: Lang,
) -> Handled {
    if !data.store.is_enabled() {
        return no_store(lang);
    }
    let snapshot = data.live.snapshot();
    let Some((edition, id)) = values.first().and_then(|id| {
        snapshot
            .brain
            .knowledge
            .editions
            .keys()
            .find(|&&l| render::find_passage(&snapshot.brain, l, id).is_some())
            .map(|&l| (l, id))
    }) else {
        return gone(lang);
    };
    let Some(mut embed) = render::passage_embed(&snapshot.brain, edition, id, lang) else {
        return gone(lang);
    };
    data.store
        .feedback(AnswerId(answer), user.get(), Feedback::Picked(id.clone()));
    embed.description = format!(
        "{}\n\n{}",
        i18n::text(lang, Msg::PickThanks),
        embed.description
    );
    (Reply::text(embed), "ok")
}

/// A "did you mean" passage: shown, and stored as what the question meant.
pub fn did_you_mean(
    data: &Data,
    answer: i64,
    edition: Lang,
    passage: &str,
    user: serenity::UserId,
    lang: Lang,
) -> Handled {
    let snapshot = data.live.snapshot();
    let Some(embed) = render::passage_embed(&snapshot.brain, edition, passage, lang) else {
        return gone(lang);
    };
    if data.store.is_enabled() {
        data.store.feedback(
            AnswerId(answer),
            user.get(),
            Feedback::DidYouMean(passage.to_string()),
        );
    }
    (Reply::text(embed), "ok")
}

fn no_store(lang: Lang) -> Handled {
    (
        Reply::text(render::error_embed(i18n::text(lang, Msg::NoStore))),
        "no_store",
    )
}
