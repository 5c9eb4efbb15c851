//! Browsing: a topic button shows its section, a "did you mean" button its
//! passage; both only to the clicker.

use super::{gone, Handled, Reply};
use crate::discord::render;
use crate::discord::state::Data;
use crate::lang::Lang;

pub fn topic(data: &Data, edition: Lang, section: &str, lang: Lang) -> Handled {
    let snapshot = data.live.snapshot();
    match render::section_embed(&snapshot.brain, edition, section, lang) {
        Some(embed) => (Reply::text(embed), "topic", "ok"),
        None => gone(lang, "topic"),
    }
}

pub fn passage(data: &Data, edition: Lang, passage: &str, lang: Lang) -> Handled {
    let snapshot = data.live.snapshot();
    match render::passage_embed(&snapshot.brain, edition, passage, lang) {
        Some(embed) => (Reply::text(embed), "did_you_mean", "ok"),
        None => gone(lang, "did_you_mean"),
    }
}
