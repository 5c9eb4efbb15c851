//! The Discord layer's shared types: `Data`, `Error`, `Context`, the errors
//! meant for users, and the per-user rate limiter.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;

use crate::answer::AnswerOptions;
use crate::i18n::{self, Msg};
use crate::lang::Lang;
use crate::live::Live;
use crate::store::{AnswerId, Store};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// What every handler shares.
pub struct Data {
    pub live: Arc<Live>,
    pub settings: Settings,
    pub limiter: RateLimiter,
    pub bot_user_id: serenity::UserId,
    pub commands: Arc<super::CommandSync>,
    pub store: Store,
    /// The closest passages of recent recorded answers, for the menu a 👎
    /// opens. In RAM only, bounded; after a restart a 👎 still counts,
    /// without the menu.
    pub recent: Mutex<lru::LruCache<AnswerId, Recent>>,
    /// What each conversation (a user in a channel) last asked about.
    pub conversations: crate::conversation::Conversations,
}

/// How many recent answers keep their closest passages for a 👎.
pub const RECENT_MAX: usize = 10_000;

/// What a recorded answer offered: its language and closest passages.
#[derive(Debug, Clone)]
pub struct Recent {
    pub lang: Lang,
    pub passages: Vec<String>,
}

impl Data {
    pub fn remember(&self, id: AnswerId, recent: Recent) {
        self.recent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .put(id, recent);
    }

    pub fn recalled(&self, id: AnswerId) -> Option<Recent> {
        self.recent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }
}

/// An empty memory of recent answers.
pub fn recent_answers() -> Mutex<lru::LruCache<AnswerId, Recent>> {
    let cap = std::num::NonZeroUsize::new(RECENT_MAX).expect("RECENT_MAX > 0");
    Mutex::new(lru::LruCache::new(cap))
}

/// The configuration the Discord layer reads.
#[derive(Debug, Clone)]
pub struct Settings {
    pub guild_id: Option<serenity::GuildId>,
    pub admin_user_ids: HashSet<u64>,
    pub admin_role_ids: HashSet<u64>,
    pub answer_channels: HashSet<u64>,
    pub answer: AnswerOptions,
    pub question_max_chars: usize,
    /// How long the store keeps questions and whether it keeps their text,
    /// for /help (`None`: it is off).
    pub kept: Option<(u32, bool)>,
    /// What a taught question is held to (an accepted suggestion).
    pub teach: crate::knowledge::teach::TeachLimits,
}

/// An error whose text is for the user: short, in their language, ephemeral.
/// Everything else is logged and answered with an apology.
#[derive(Debug, Clone, PartialEq)]
pub enum UserError {
    Cooldown(Refusal),
    QuestionEmpty,
    QuestionTooLong(usize),
    NoOptions,
    /// `store.enabled = false`: nothing to show or learn from.
    NoStore,
    NoRules,
    /// Already in the user's words (for example from the recommend validator).
    Text(String),
}

impl UserError {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            UserError::Cooldown(refusal) => i18n::fill(
                lang,
                Msg::Cooldown,
                &[("secs", &refusal.wait.as_secs().max(1).to_string())],
            ),
            UserError::QuestionEmpty => i18n::text(lang, Msg::QuestionEmpty).to_string(),
            UserError::QuestionTooLong(max) => {
                i18n::fill(lang, Msg::QuestionTooLong, &[("max", &max.to_string())])
            }
            UserError::NoOptions => i18n::text(lang, Msg::NoOptions).to_string(),
            UserError::NoStore => i18n::text(lang, Msg::NoStore).to_string(),
            UserError::NoRules => i18n::text(lang, Msg::NoRules).to_string(),
            UserError::Text(text) => text.clone(),
        }
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for UserError {}

/// Sliding one-minute window of questions per user.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    asked: Mutex<HashMap<u64, Window>>,
}

#[derive(Debug, Default)]
struct Window {
    times: VecDeque<Instant>,
    /// Whether this flood was already told to slow down (messages get one notice).
    warned: bool,
}

/// A refused question: how long to wait, and whether it is the first refusal
/// of this flood (the one worth a message in a channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub wait: Duration,
    pub first: bool,
}

const WINDOW: Duration = Duration::from_secs(60);

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            asked: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a question from `user` at `now`, or refuses it.
    pub fn check(&self, user: u64, now: Instant) -> Result<(), Refusal> {
        let mut asked = self.asked.lock().unwrap_or_else(|p| p.into_inner());
        // Forget users who have been quiet for a window, so the map stays small.
        if asked.len() > 10_000 {
            asked.retain(|_, w| {
                w.times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        let window = asked.entry(user).or_default();
        while window
            .times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            window.times.pop_front();
        }
        if window.times.len() < self.per_minute as usize {
            window.times.push_back(now);
            window.warned = false;
            return Ok(());
        }
        let oldest = *window.times.front().expect("a full window has times");
        let first = !window.warned;
        window.warned = true;
        Err(Refusal {
            wait: WINDOW.saturating_sub(now.duration_since(oldest)),
            first,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_refused_until_the_window_slides() {
        let limiter = RateLimiter::new(3);
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(limiter.check(1, t0 + Duration::from_secs(i)).is_ok());
        }
        let refused = limiter.check(1, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(
            refused,
            Refusal {
                wait: Duration::from_secs(50),
                first: true
            }
        );
        assert!(
            !limiter
                .check(1, t0 + Duration::from_secs(11))
                .unwrap_err()
                .first
        );
        // Another user is not affected.
        assert!(limiter.check(2, t0 + Duration::from_secs(11)).is_ok());
        // A minute after the first question, one more fits.
        assert!(limiter.check(1, t0 + Duration::from_secs(60)).is_ok());
    }
}
