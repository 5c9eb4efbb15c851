//! Results as Discord embeds, within Discord's limits, in the user's language.
//!
//! Everything here is a pure function building an [`EmbedSpec`] (inspectable,
//! tested without Discord) that becomes a serenity embed at the last moment.
//! Text is cut at character boundaries, never in the middle of one.

use poise::serenity_prelude as serenity;

use super::ids::ComponentId;
use super::SyncOutcome;
use crate::answer::Answer;
use crate::brain::Brain;
use crate::conversation::FollowUp;
use crate::i18n::{self, Msg};
use crate::lang::Lang;
use crate::live::ReloadReport;
use crate::recommend::{Recommendation, Verdict};

pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 4096;
pub const FIELD_NAME_MAX: usize = 256;
pub const FIELD_VALUE_MAX: usize = 1024;
pub const FIELDS_MAX: usize = 25;
pub const FOOTER_MAX: usize = 2048;
pub const EMBED_TOTAL_MAX: usize = 6000;
pub const CONTENT_MAX: usize = 2000;
pub const BUTTON_LABEL_MAX: usize = 80;
/// Choice names and option descriptions: the limit `check` holds the
/// questionnaire's labels to.
pub const CHOICE_NAME_MAX: usize = crate::knowledge::rules::MAX_LABEL_CHARS;

const BLUE: u32 = 0x3b82f6;
const GREY: u32 = 0x9ca3af;
const GREEN: u32 = 0x10b981;
const RED: u32 = 0xef4444;

pub use crate::text::truncate;

/// An embed as plain data, so its content and limits can be tested.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmbedSpec {
    pub title: String,
    pub description: String,
    pub fields: Vec<(String, String)>,
    pub footer: String,
    pub colour: u32,
}

impl EmbedSpec {
    /// Cuts every part to Discord's limits, then drops fields (and finally
    /// trims the description) until the whole fits in 6000 characters.
    pub fn within_limits(mut self) -> EmbedSpec {
        self.title = truncate(&self.title, TITLE_MAX);
        self.description = truncate(&self.description, DESCRIPTION_MAX);
        self.footer = truncate(&self.footer, FOOTER_MAX);
        self.fields.truncate(FIELDS_MAX);
        for (name, value) in &mut self.fields {
            *name = truncate(name, FIELD_NAME_MAX);
            *value = truncate(value, FIELD_VALUE_MAX);
        }
        while self.total() > EMBED_TOTAL_MAX && !self.fields.is_empty() {
            self.fields.pop();
        }
        if self.total() > EMBED_TOTAL_MAX {
            let room = EMBED_TOTAL_MAX - (self.total() - self.description.chars().count());
            self.description = truncate(&self.description, room);
        }
        self
    }

    pub fn total(&self) -> usize {
        self.title.chars().count()
            + self.description.chars().count()
            + self.footer.chars().count()
            + self
                .fields
                .iter()
                .map(|(n, v)| n.chars().count() + v.chars().count())
                .sum::<usize>()
    }

    pub fn build(self) -> serenity::CreateEmbed {
        let spec = self.within_limits();
        let mut embed = serenity::CreateEmbed::new()
            .title(spec.title)
            .description(spec.description)
            .colour(spec.colour);
        for (name, value) in spec.fields {
            embed = embed.field(name, value, false);
        }
        if !spec.footer.is_empty() {
            embed = embed.footer(serenity::CreateEmbedFooter::new(spec.footer));
        }
        embed
    }
}

/// No pings, ever: not users, roles, @everyone, nor the replied-to author.
pub fn no_mentions() -> serenity::CreateAllowedMentions {
    serenity::CreateAllowedMentions::new()
        .everyone(false)
        .all_users(false)
        .all_roles(false)
        .replied_user(false)
}

/// Every slash-command reply starts here, so none can forget that it must
/// not ping.
pub fn reply() -> poise::CreateReply {
    poise::CreateReply::default().allowed_mentions(no_mentions())
}

/// A line of a passage for "see also".
fn gist(text: &str) -> String {
    truncate(text.lines().next().unwrap_or(""), 200)
}

/// An answered question: best passage with the question's words in bold.
pub fn answer_embed(answer: &Answer, lang: Lang) -> EmbedSpec {
    let confidence = format!(
        "{} {:.2}",
        i18n::text(lang, Msg::Confidence),
        answer.confidence
    );
    if !answer.answered {
        let mut description = format!("{} ({confidence}).", i18n::text(lang, Msg::NoAnswerBody));
        description.push(' ');
        description.push_str(if answer.passages.is_empty() {
            i18n::text(lang, Msg::NoTopics)
        } else if offers_passages(answer) {
            i18n::text(lang, Msg::DidYouMean)
        } else {
            i18n::text(lang, Msg::TopicsIntro)
        });
        return EmbedSpec {
            title: i18n::text(lang, Msg::NoAnswerTitle).to_string(),
            description,
            colour: GREY,
            ..EmbedSpec::default()
        };
    }
    let best = &answer.passages[0];
    let see_also = answer.passages[1..]
        .iter()
        .take(2)
        .map(|p| {
            (
                format!("{}: {}", i18n::text(lang, Msg::SeeAlso), p.section),
                format!("{} `{}`", gist(&p.text), p.id),
            )
        })
        .collect();
    EmbedSpec {
        title: best.section.clone(),
        description: best.highlighted("**", "**"),
        fields: see_also,
        footer: format!(
            "{}: {} · {confidence}",
            i18n::text(lang, Msg::Source),
            best.id
        ),
        colour: BLUE,
    }
}

/// Under this confidence a "no clear answer" offers sections to browse;
/// from it up, the passages that came closest, as "did you mean…?". A
/// quarter of the dev questions between 0.3 and 0.5 had their passage
/// first, and most within the first three.
pub const DID_YOU_MEAN_MIN: f32 = 0.3;

/// Whether a "no clear answer" offers its closest passages ("did you
/// mean…?") rather than sections.
pub fn offers_passages(answer: &Answer) -> bool {
    !answer.answered && answer.confidence >= DID_YOU_MEAN_MIN && !answer.passages.is_empty()
}

/// The buttons and menus under an answer: 👍 and 👎 on an answer that will
/// be recorded (`answer_id`); "did you mean" passages or sections to browse
/// under a "no clear answer".
pub fn answer_components(
    answer: &Answer,
    brain: &Brain,
    answer_id: Option<i64>,
    next: &[FollowUp],
) -> Vec<serenity::CreateActionRow> {
    if answer.answered {
        return answer_id
            .map(feedback_row)
            .into_iter()
            .chain(follow_up_row(next))
            .collect();
    }
    let choices = if offers_passages(answer) {
        did_you_mean_buttons(answer, answer_id.unwrap_or(0))
    } else {
        topic_buttons(answer, brain)
    };
    buttons(&choices)
}

/// The natural next questions, as buttons (none when there are none).
pub fn follow_up_row(next: &[FollowUp]) -> Option<serenity::CreateActionRow> {
    let choices: Vec<(String, String)> = next
        .iter()
        .filter_map(|f| {
            let id = ComponentId::FollowUp {
                lang: f.lang,
                section: f.section.clone(),
            }
            .encode()?;
            Some((truncate(&f.label, BUTTON_LABEL_MAX), id))
        })
        .collect();
    buttons(&choices).into_iter().next()
}

/// An answer's footer with how its question was understood in front.
pub fn understood_footer(note: &str, footer: &str, lang: Lang) -> String {
    format!(
        "{} · {footer}",
        i18n::fill(lang, Msg::Understood, &[("note", note)])
    )
}

fn feedback_row(answer: i64) -> serenity::CreateActionRow {
    let button = |up: bool, emoji: char| {
        let id = ComponentId::Feedback { answer, up }
            .encode()
            .expect("a number fits");
        serenity::CreateButton::new(id)
            .emoji(emoji)
            .style(serenity::ButtonStyle::Secondary)
    };
    serenity::CreateActionRow::Buttons(vec![button(true, '👍'), button(false, '👎')])
}

/// "Section · the passage's first words", for a button or a menu option.
pub fn passage_label(section: &str, text: &str, max: usize) -> String {
    let words = truncate(text.lines().next().unwrap_or(""), 40);
    truncate(&format!("{section} · {words}"), max)
}

/// Up to three of the closest passages, as (label, custom id).
fn did_you_mean_buttons(answer: &Answer, answer_id: i64) -> Vec<(String, String)> {
    answer
        .passages
        .iter()
        .filter_map(|p| {
            let id = ComponentId::DidYouMean {
                answer: answer_id,
                lang: p.lang,
                passage: p.id.clone(),
            }
            .encode()?;
            Some((passage_label(&p.section, &p.text, BUTTON_LABEL_MAX), id))
        })
        .take(3)
        .collect()
}

/// The sections a low "no clear answer" offers: those of its closest
/// passages, or else the first sections of the edition. (label, custom id).
pub fn topic_buttons(answer: &Answer, brain: &Brain) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let sections = answer.passages.iter().filter_map(|p| {
        let section = p.id.rsplit_once('/').map(|(s, _)| s)?;
        Some((p.section.clone(), p.lang, section.to_string()))
    });
    // Nothing came close: offer the first sections of the answer's edition.
    let edition = crate::lang::this_or_first(&brain.knowledge.editions, answer.lang);
    let fallback = edition.into_iter().flat_map(|(lang, e)| {
        e.documents.iter().flat_map(move |d| {
            d.sections
                .iter()
                .map(move |s| (s.title.clone(), lang, format!("{}/{}", d.id, s.slug)))
        })
    });
    let candidates: Vec<(String, Lang, String)> = if answer.passages.is_empty() {
        fallback.collect()
    } else {
        sections.collect()
    };
    for (title, lang, section) in candidates {
        let Some(id) = (ComponentId::Topic { lang, section }).encode() else {
            continue;
        };
        if !out.iter().any(|(_, i)| *i == id) {
            out.push((truncate(&title, BUTTON_LABEL_MAX), id));
        }
        if out.len() == 3 {
            break;
        }
    }
    out
}

pub fn buttons(choices: &[(String, String)]) -> Vec<serenity::CreateActionRow> {
    if choices.is_empty() {
        return Vec::new();
    }
    vec![serenity::CreateActionRow::Buttons(
        choices
            .iter()
            .map(|(label, id)| {
                serenity::CreateButton::new(id.clone())
                    .label(label.clone())
                    .style(serenity::ButtonStyle::Secondary)
            })
            .collect(),
    )]
}

/// A section of `lang`'s edition (`<doc>/<slug>`), whole; `None` when a
/// reload removed it.
pub fn section_embed(brain: &Brain, edition: Lang, key: &str, lang: Lang) -> Option<EmbedSpec> {
    let (doc_id, slug) = key.split_once('/')?;
    let doc = brain
        .knowledge
        .editions
        .get(&edition)?
        .documents
        .iter()
        .find(|d| d.id == doc_id)?;
    let section = doc.sections.iter().find(|s| s.slug == slug)?;
    let first = section.passages.first()?;
    let description = section
        .passages
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    Some(EmbedSpec {
        title: section.title.clone(),
        description,
        footer: format!("{}: {}", i18n::text(lang, Msg::Source), first.id),
        colour: BLUE,
        ..EmbedSpec::default()
    })
}

/// A passage of `edition` by id, with its section; `None` when a reload
/// removed it.
pub fn find_passage<'a>(
    brain: &'a Brain,
    edition: Lang,
    id: &str,
) -> Option<(&'a crate::knowledge::Section, &'a crate::knowledge::Passage)> {
    brain
        .knowledge
        .editions
        .get(&edition)?
        .documents
        .iter()
        .flat_map(|d| &d.sections)
        .flat_map(|s| s.passages.iter().map(move |p| (s, p)))
        .find(|(_, p)| p.id == id)
}

/// One passage of `lang`'s edition, by id; `None` when a reload removed it.
pub fn passage_embed(brain: &Brain, edition: Lang, id: &str, lang: Lang) -> Option<EmbedSpec> {
    let (section, passage) = find_passage(brain, edition, id)?;
    Some(EmbedSpec {
        title: section.title.clone(),
        description: passage.text.clone(),
        footer: format!("{}: {}", i18n::text(lang, Msg::Source), passage.id),
        colour: BLUE,
        ..EmbedSpec::default()
    })
}

/// The menu a 👎 opens: the answer's closest passages that still exist.
pub fn pick_menu(
    brain: &Brain,
    answer: i64,
    edition: Lang,
    passages: &[String],
    lang: Lang,
) -> Option<serenity::CreateActionRow> {
    let options: Vec<serenity::CreateSelectMenuOption> = passages
        .iter()
        .filter_map(|id| {
            let (section, passage) = find_passage(brain, edition, id)?;
            Some(serenity::CreateSelectMenuOption::new(
                passage_label(&section.title, &passage.text, SELECT_LABEL_MAX),
                passage.id.clone(),
            ))
        })
        .take(SELECT_OPTIONS_MAX)
        .collect();
    if options.is_empty() {
        return None;
    }
    let id = ComponentId::Pick { answer }.encode()?;
    Some(serenity::CreateActionRow::SelectMenu(
        serenity::CreateSelectMenu::new(id, serenity::CreateSelectMenuKind::String { options })
            .placeholder(truncate(
                i18n::text(lang, Msg::FeedbackWhich),
                SELECT_LABEL_MAX,
            )),
    ))
}

/// Discord's limits on a string select menu.
pub const SELECT_OPTIONS_MAX: usize = 25;
pub const SELECT_LABEL_MAX: usize = 100;

/// A short private note ("Thanks!").
pub fn note_embed(text: &str) -> EmbedSpec {
    EmbedSpec {
        description: text.to_string(),
        colour: GREEN,
        ..EmbedSpec::default()
    }
}

pub fn recommendation_embed(rec: &Recommendation, lang: Lang) -> EmbedSpec {
    let verdict = rec.verdict_text(lang);
    let mut fields = Vec::new();
    let reasons: Vec<String> = rec
        .reasons
        .iter()
        .map(|r| {
            format!(
                "{} **{}** {:.1}: {} `{}`",
                rec.sign_of(r),
                r.favors,
                r.weight,
                r.text,
                r.source
            )
        })
        .collect();
    push_lines(&mut fields, i18n::text(lang, Msg::Reasons), &reasons);
    let risks: Vec<String> = rec
        .risks
        .iter()
        .map(|r| format!("⚠ **{}**: {} `{}`", r.model, r.text, r.source))
        .collect();
    push_lines(&mut fields, i18n::text(lang, Msg::Risks), &risks);
    let mut description = format!(
        "{} {:.2} · {}: BPO {:.1} · KPO {:.1}",
        i18n::text(lang, Msg::Confidence),
        rec.confidence,
        i18n::text(lang, Msg::Scores),
        rec.scores.bpo,
        rec.scores.kpo
    );
    if rec.reasons.is_empty() {
        description.push_str("\n\n");
        description.push_str(i18n::text(lang, Msg::NoRuleApplies));
    }
    EmbedSpec {
        title: format!("{}: {verdict}", i18n::text(lang, Msg::Recommendation)),
        description,
        fields,
        footer: String::new(),
        colour: match rec.verdict {
            Verdict::Hybrid => GREY,
            _ => GREEN,
        },
    }
}

/// Lines under `name`, split over as many fields as the 1024-character limit needs.
fn push_lines(fields: &mut Vec<(String, String)>, name: &str, lines: &[String]) {
    let mut value = String::new();
    for line in lines {
        let line = truncate(line, FIELD_VALUE_MAX);
        if !value.is_empty() && value.chars().count() + 1 + line.chars().count() > FIELD_VALUE_MAX {
            fields.push((name.to_string(), std::mem::take(&mut value)));
        }
        if !value.is_empty() {
            value.push('\n');
        }
        value.push_str(&line);
    }
    if !value.is_empty() {
        fields.push((name.to_string(), value));
    }
}

/// A reload's outcome as a message (content, at most 2000 characters).
/// The reply to `/reload`: what changed (or why nothing did), and what
/// became of the slash commands.
pub fn reload_message(
    result: &Result<ReloadReport, crate::knowledge::Problems>,
    sync: Option<&SyncOutcome>,
    lang: Lang,
) -> String {
    let (head, body) = match result {
        Ok(report) => (i18n::text(lang, Msg::ReloadDone), report.to_string()),
        Err(problems) => (i18n::text(lang, Msg::ReloadRefused), problems.to_string()),
    };
    let commands = match sync {
        None | Some(SyncOutcome::Unchanged) => String::new(),
        Some(SyncOutcome::Registered { options }) => i18n::fill(
            lang,
            Msg::CommandsRegistered,
            &[("n", &options.to_string())],
        ),
        Some(SyncOutcome::Refused(why)) => i18n::fill(
            lang,
            Msg::CommandsRefused,
            &[("why", &truncate(why, COMMANDS_WHY_MAX))],
        ),
        Some(SyncOutcome::Failed(why)) => i18n::fill(
            lang,
            Msg::CommandsPending,
            &[("why", &truncate(why, COMMANDS_WHY_MAX))],
        ),
    };
    let fence = "```";
    let room = CONTENT_MAX - head.chars().count() - 2 * fence.len() - 4 - commands.chars().count();
    let mut out = format!("{head}\n{fence}\n{}{fence}", truncate(&body, room));
    if !commands.is_empty() {
        out.push('\n');
        out.push_str(&commands);
    }
    out
}

/// How much of Discord's refusal the `/reload` reply quotes.
const COMMANDS_WHY_MAX: usize = 300;

pub fn topics_embed(brain: &Brain, lang: Lang) -> EmbedSpec {
    let description = brain
        .knowledge
        .section_titles(lang)
        .iter()
        .map(|title| format!("• {title}\n"))
        .collect();
    EmbedSpec {
        title: i18n::text(lang, Msg::Topics).to_string(),
        description,
        colour: BLUE,
        ..EmbedSpec::default()
    }
}

/// What the bot does, and what it keeps of questions (`kept`: the store's
/// retention in days and whether it keeps their text; `None` when it keeps
/// nothing).
pub fn help_embed(lang: Lang, kept: Option<(u32, bool)>) -> EmbedSpec {
    let kept = match kept {
        Some((days, text)) => {
            let msg = if text {
                Msg::HelpStore
            } else {
                Msg::HelpStoreCounts
            };
            i18n::fill(lang, msg, &[("days", &days.to_string())])
        }
        None => i18n::text(lang, Msg::HelpNoStore).to_string(),
    };
    EmbedSpec {
        title: "outsourcing-bot".to_string(),
        description: format!("{}\n\n{kept}", i18n::text(lang, Msg::Help)),
        colour: BLUE,
        ..EmbedSpec::default()
    }
}

pub fn error_embed(text: &str) -> EmbedSpec {
    EmbedSpec {
        title: String::new(),
        description: text.to_string(),
        colour: RED,
        ..EmbedSpec::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_fit_discords_limits() {
        let long = "ñ".repeat(5000);
        let spec = EmbedSpec {
            title: long.clone(),
            description: long.clone(),
            fields: (0..30).map(|_| (long.clone(), long.clone())).collect(),
            footer: long.clone(),
            colour: 0,
        }
        .within_limits();
        assert_eq!(spec.title.chars().count(), TITLE_MAX);
        assert!(spec.fields.len() <= FIELDS_MAX);
        assert!(spec
            .fields
            .iter()
            .all(|(n, v)| n.chars().count() <= FIELD_NAME_MAX
                && v.chars().count() <= FIELD_VALUE_MAX));
        assert!(spec.total() <= EMBED_TOTAL_MAX, "{}", spec.total());
    }

    #[test]
    fn long_reason_lists_split_over_fields() {
        let mut fields = Vec::new();
        let lines: Vec<String> = (0..10)
            .map(|i| format!("{i} {}", "x".repeat(300)))
            .collect();
        push_lines(&mut fields, "Razones", &lines);
        assert!(fields.len() >= 3);
        assert!(fields
            .iter()
            .all(|(n, v)| n == "Razones" && v.chars().count() <= FIELD_VALUE_MAX));
    }
}
