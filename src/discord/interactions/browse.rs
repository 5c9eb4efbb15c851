//! Browsing: a topic button shows its section, only to the clicker.

use super::{gone, Handled, Reply};
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
