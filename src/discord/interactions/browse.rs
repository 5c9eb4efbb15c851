//! Browsing: a topic button shows its section, and a follow-up button
//! answers its section in the clicker's conversation; both only to the
//! clicker.

use super::{gone, Handled, Reply};
use crate::conversation::{first_passage_id, follow_ups, Turn};
use crate::discord::render;
use crate::discord::state::Data;
use crate::lang::Lang;

pub fn topic(data: &Data, edition: Lang, section: &str, lang: Lang) -> Handled {
    let snapshot = data.live.snapshot();
    match render::section_embed(&snapshot.brain, edition, section, lang) {
        Some(embed) => (Reply::text(embed), "ok"),
        None => gone(lang),
    }
}

/// A follow-up: the section, in the clicker's language when their edition
/// has it, with the next follow-ups under it; the clicker's conversation
/// moves to it.
pub fn follow_up(
    data: &Data,
    conversation: u64,
    edition: Lang,
    section: &str,
    lang: Lang,
) -> Handled {
    let snapshot = data.live.snapshot();
    let brain = &snapshot.brain;
    let shown = [lang, edition].into_iter().find_map(|l| {
        let embed = render::section_embed(brain, l, section, lang)?;
        Some((l, embed))
    });
    let Some((shown_in, embed)) = shown else {
        return gone(lang);
    };
    let turn =
        first_passage_id(brain, section, shown_in).and_then(|id| Turn::at(brain, &id, shown_in));
    let components = match turn {
        Some(turn) => {
            let next = follow_ups(brain, &turn, lang);
            data.conversations
                .remember(conversation, turn, std::time::Instant::now());
            render::follow_up_row(&next).into_iter().collect()
        }
        None => Vec::new(),
    };
    (Reply { embed, components }, "ok")
}
