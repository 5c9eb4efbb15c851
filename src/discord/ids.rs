//! Every `custom_id` the bot puts on a button or menu, encoded and parsed in
//! one place.
//!
//! Ids come back from Discord in clicks, and anyone can forge a click: so
//! every id parses into a typed value or into `None`, never into a panic,
//! and what it names (an answer, a passage, a suggestion) is looked up again
//! before anything is done with it. Each kind starts with its own short tag;
//! a later change of layout takes a new tag, so old buttons still parse as
//! what they were or not at all. All fit Discord's 100 characters.

use crate::lang::Lang;

/// Discord's limit on a `custom_id`.
pub const CUSTOM_ID_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentId {
    /// Show a whole section: `topic:<lang>:<doc>/<slug>`.
    Topic { lang: Lang, section: String },
    /// 👍 or 👎 on an answer: `fb1:up:<answer>` / `fb1:down:<answer>`.
    Feedback { answer: i64, up: bool },
    /// The passage a member expected, picked after 👎: `pick1:<answer>`
    /// (the passage is the menu's value).
    Pick { answer: i64 },
    /// A "did you mean" passage: `dym1:<answer>:<lang>:<passage>`.
    DidYouMean {
        answer: i64,
        lang: Lang,
        passage: String,
    },
    /// Accept or reject a suggested alternate question: `sug1:acc:<id>` /
    /// `sug1:rej:<id>`.
    Suggestion { id: i64, accept: bool },
    /// A natural next question under an answer: a section to answer in the
    /// conversation, `fu1:<lang>:<doc>/<slug>`.
    FollowUp { lang: Lang, section: String },
}

impl ComponentId {
    /// The id as Discord stores it, or `None` when it would not fit (a
    /// passage id too long for a button).
    pub fn encode(&self) -> Option<String> {
        let id = match self {
            ComponentId::Topic { lang, section } => format!("topic:{lang}:{section}"),
            ComponentId::Feedback { answer, up } => {
                format!("fb1:{}:{answer}", if *up { "up" } else { "down" })
            }
            ComponentId::Pick { answer } => format!("pick1:{answer}"),
            ComponentId::DidYouMean {
                answer,
                lang,
                passage,
            } => format!("dym1:{answer}:{lang}:{passage}"),
            ComponentId::Suggestion { id, accept } => {
                format!("sug1:{}:{id}", if *accept { "acc" } else { "rej" })
            }
            ComponentId::FollowUp { lang, section } => format!("fu1:{lang}:{section}"),
        };
        (id.len() <= CUSTOM_ID_MAX).then_some(id)
    }

    /// The typed id, or `None` for anything the bot did not make.
    pub fn parse(id: &str) -> Option<ComponentId> {
        if id.len() > CUSTOM_ID_MAX {
            return None;
        }
        let (tag, rest) = id.split_once(':')?;
        match tag {
            "topic" => {
                let (lang, section) = lang_and_section(rest)?;
                Some(ComponentId::Topic { lang, section })
            }
            "fu1" => {
                let (lang, section) = lang_and_section(rest)?;
                Some(ComponentId::FollowUp { lang, section })
            }
            "fb1" => {
                let (kind, answer) = rest.split_once(':')?;
                let up = match kind {
                    "up" => true,
                    "down" => false,
                    _ => return None,
                };
                Some(ComponentId::Feedback {
                    answer: number(answer)?,
                    up,
                })
            }
            "pick1" => Some(ComponentId::Pick {
                answer: number(rest)?,
            }),
            "dym1" => {
                let (answer, rest) = rest.split_once(':')?;
                let (lang, passage) = rest.split_once(':')?;
                if passage.is_empty() {
                    return None;
                }
                Some(ComponentId::DidYouMean {
                    answer: number(answer)?,
                    lang: Lang::from_code(lang)?,
                    passage: passage.to_string(),
                })
            }
            "sug1" => {
                let (kind, id) = rest.split_once(':')?;
                let accept = match kind {
                    "acc" => true,
                    "rej" => false,
                    _ => return None,
                };
                Some(ComponentId::Suggestion {
                    id: number(id)?,
                    accept,
                })
            }
            _ => None,
        }
    }
}

/// `<lang>:<doc>/<slug>`, both parts of the section named.
fn lang_and_section(rest: &str) -> Option<(Lang, String)> {
    let (lang, section) = rest.split_once(':')?;
    let (doc, slug) = section.split_once('/')?;
    if doc.is_empty() || slug.is_empty() {
        return None;
    }
    Some((Lang::from_code(lang)?, section.to_string()))
}

/// A positive decimal number, nothing else ("+1", "01x" and "-3" are not).
fn number(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let ids = [
            ComponentId::Topic {
                lang: Lang::Es,
                section: "bpo-kpo/que-es-un-kpo".into(),
            },
            ComponentId::Feedback {
                answer: 42,
                up: true,
            },
            ComponentId::Feedback {
                answer: i64::MAX,
                up: false,
            },
            ComponentId::Pick { answer: 7 },
            ComponentId::DidYouMean {
                answer: 9,
                lang: Lang::En,
                passage: "bpo-kpo/desafios-de-bpo/1".into(),
            },
            ComponentId::Suggestion {
                id: 3,
                accept: false,
            },
            ComponentId::FollowUp {
                lang: Lang::En,
                section: "bpo-kpo/desafios-de-bpo".into(),
            },
        ];
        for id in ids {
            let text = id.encode().unwrap();
            assert!(text.len() <= CUSTOM_ID_MAX);
            assert_eq!(ComponentId::parse(&text), Some(id), "{text}");
        }
    }

    #[test]
    fn forged_ids_parse_to_nothing() {
        for forged in [
            "",
            "topic",
            "topic:xx:bpo-kpo/a",
            "topic:es:nodoc",
            "fb1:up:",
            "fb1:up:-1",
            "fb1:up:+1",
            "fb1:sideways:1",
            "fb1:up:99999999999999999999",
            "pick1:abc",
            "dym1:1:es:",
            "dym1:1:fr:bpo-kpo/a/1",
            "sug1:maybe:1",
            "poll:yes",
            "fu1:es:",
            "fu1:es:bpo-kpo/",
            "fu1:de:bpo-kpo/tipos",
        ] {
            assert_eq!(ComponentId::parse(forged), None, "{forged:?}");
        }
        assert_eq!(
            ComponentId::parse(&format!("pick1:{}", "1".repeat(200))),
            None
        );
    }

    #[test]
    fn an_id_too_long_for_discord_is_not_made() {
        let id = ComponentId::DidYouMean {
            answer: 1,
            lang: Lang::Es,
            passage: "x".repeat(100),
        };
        assert_eq!(id.encode(), None);
    }
}
