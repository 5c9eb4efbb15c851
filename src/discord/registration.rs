//! Keeping Discord's slash commands in step with the knowledge.
//!
//! Registration never stands between the bot and its users: the bot serves
//! from the first event, and commands are registered in the background,
//! retried with backoff while Discord fails (5xx, 429, an unreachable
//! network), and again whenever a reload changes the questionnaire
//! (`/recommend`'s options come from rules.toml). A registration Discord
//! refuses for good (any other 4xx) is not retried for the same
//! questionnaire: it is logged as an error, reported to the admin whose
//! `/reload` caused it, and tried again by the next `/reload` or by any
//! reload that changes the questionnaire.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use poise::serenity_prelude as serenity;

use super::commands;
use crate::knowledge::rules::QuestionDef;
use crate::live::Live;

/// How often the keeper looks for reloads it was not told about (SIGHUP,
/// the watcher).
const RELOAD_POLL: Duration = Duration::from_secs(2);
/// The first wait after a failed registration; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// How long `/reload` waits for its own registration attempt before
/// answering the admin (the attempt goes on, and so do retries).
const REPORT_WAIT: Duration = Duration::from_secs(10);

/// Where registration stands, for logs, the `/reload` report and readiness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// Not registered yet: the first attempts failed or are under way.
    Pending,
    /// The commands Discord has are those of the served knowledge.
    Registered,
    /// Discord refused the served knowledge's commands; it may still have
    /// older ones.
    Refused(String),
}

/// What one registration attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Discord already has these commands.
    Unchanged,
    /// Registered; `options` is how many `/recommend` has now.
    Registered { options: usize },
    /// Refused for good (a 4xx other than 429): retrying cannot help.
    Refused(String),
    /// Failed for now (5xx, 429, network): retried in the background.
    Failed(String),
}

/// The questionnaire a registration was built from (`None`: no rules.toml).
type Questionnaire = Option<Vec<QuestionDef>>;

pub struct CommandSync {
    http: Arc<serenity::Http>,
    live: Arc<Live>,
    guild_id: Option<serenity::GuildId>,
    /// The commands other than /recommend: their shape never changes.
    static_commands: Vec<serenity::CreateCommand>,
    /// What Discord has (its questionnaire) and what it refused; one
    /// attempt at a time.
    state: tokio::sync::Mutex<State>,
    status: Mutex<Registration>,
    /// How many registrations Discord took: tells `/reload` whether the
    /// keeper registered its knowledge before it could.
    registrations: AtomicU64,
    /// Wakes the keeper early: a reload happened.
    wake: tokio::sync::Notify,
}

#[derive(Default)]
struct State {
    registered: Option<Questionnaire>,
    refused: Option<Questionnaire>,
}

impl CommandSync {
    /// Starts keeping the commands registered, in the background.
    pub fn start(
        http: Arc<serenity::Http>,
        live: Arc<Live>,
        guild_id: Option<serenity::GuildId>,
        framework_commands: &[poise::Command<super::state::Data, super::state::Error>],
        question_max_chars: usize,
    ) -> Arc<CommandSync> {
        let static_commands = framework_commands
            .iter()
            .filter(|c| c.name != "recommend")
            .filter_map(|c| slash_builder(c, question_max_chars))
            .collect();
        let sync = Arc::new(CommandSync {
            http,
            live,
            guild_id,
            static_commands,
            state: tokio::sync::Mutex::new(State::default()),
            status: Mutex::new(Registration::Pending),
            registrations: AtomicU64::new(0),
            wake: tokio::sync::Notify::new(),
        });
        tokio::spawn(sync.clone().keep());
        sync
    }

    pub fn status(&self) -> Registration {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_status(&self, status: Registration) {
        *self.status.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }

    /// One attempt to give Discord the served knowledge's commands, unless
    /// it has them already. A questionnaire refused before is tried again:
    /// an admin asked.
    pub async fn sync(&self) -> Outcome {
        let snapshot = self.live.snapshot();
        let rules = snapshot.brain.knowledge.rules.as_ref();
        let questions: Questionnaire = rules.map(|r| r.questions.clone());
        let mut state = self.state.lock().await;
        if state.registered.as_ref() == Some(&questions) {
            return Outcome::Unchanged;
        }
        let mut builders = self.static_commands.clone();
        builders.push(commands::recommend_builder(rules));
        let count = builders.len();
        let result = match self.guild_id {
            Some(guild) => guild.set_commands(&self.http, builders).await.map(drop),
            None => serenity::Command::set_global_commands(&self.http, builders)
                .await
                .map(drop),
        };
        match result {
            Ok(()) => {
                tracing::info!(
                    commands = count,
                    guild = ?self.guild_id.map(|g| g.get()),
                    "slash commands registered"
                );
                let options = questions.as_ref().map_or(0, Vec::len);
                self.registrations.fetch_add(1, Ordering::SeqCst);
                state.registered = Some(questions);
                state.refused = None;
                self.set_status(Registration::Registered);
                Outcome::Registered { options }
            }
            Err(err) if refused_for_good(&err) => {
                let why = super::diagnostics::chain(&err);
                tracing::error!(
                    "Discord refused the slash commands: {why}; they stay as they were until a \
                     reload changes them (check rules.toml's questionnaire)"
                );
                state.refused = Some(questions);
                self.set_status(Registration::Refused(why.clone()));
                Outcome::Refused(why)
            }
            Err(err) => {
                let why = super::diagnostics::chain(&err);
                tracing::warn!("could not register the slash commands: {why}; retrying");
                if state.registered.is_none() {
                    self.set_status(Registration::Pending);
                }
                Outcome::Failed(why)
            }
        }
    }

    /// How many registrations Discord has taken so far.
    pub fn registrations(&self) -> u64 {
        self.registrations.load(Ordering::SeqCst)
    }

    /// An attempt for the report of a reload that started when
    /// [`registrations`](Self::registrations) was `before`: what became of
    /// its commands, whoever registered them. A slow Discord is waited for a
    /// while; the keeper goes on retrying after.
    pub async fn sync_for_report(&self, before: u64) -> Outcome {
        let outcome = match tokio::time::timeout(REPORT_WAIT, self.sync()).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Failed(format!(
                "no answer from Discord within {} s",
                REPORT_WAIT.as_secs()
            )),
        };
        if outcome == Outcome::Unchanged && self.registrations() > before {
            let snapshot = self.live.snapshot();
            let options = snapshot
                .brain
                .knowledge
                .rules
                .as_ref()
                .map_or(0, |r| r.questions.len());
            return Outcome::Registered { options };
        }
        // The keeper backs off after failures: this one starts it afresh.
        self.wake.notify_one();
        outcome
    }

    /// Registers at start, retries failures with backoff, and registers
    /// again after reloads, forever. A questionnaire Discord refused is not
    /// sent again: only a new one, or an admin's `/reload`, tries.
    async fn keep(self: Arc<Self>) {
        let mut backoff = FIRST_BACKOFF;
        loop {
            let refused = self.state.lock().await.refused == Some(self.questionnaire());
            let wait = if refused {
                RELOAD_POLL
            } else {
                match self.sync().await {
                    Outcome::Failed(_) => {
                        let wait = backoff;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        wait
                    }
                    _ => {
                        backoff = FIRST_BACKOFF;
                        RELOAD_POLL
                    }
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
            }
        }
    }

    /// The served knowledge's questionnaire.
    fn questionnaire(&self) -> Questionnaire {
        let snapshot = self.live.snapshot();
        snapshot
            .brain
            .knowledge
            .rules
            .as_ref()
            .map(|r| r.questions.clone())
    }
}

/// A command as Discord registers it; `/ask`'s question limited to what
/// the bot accepts, so Discord's own box stops a longer one.
fn slash_builder(
    command: &poise::Command<super::state::Data, super::state::Error>,
    question_max_chars: usize,
) -> Option<serenity::CreateCommand> {
    let builder = command.create_as_slash_command()?;
    if command.name != "ask" {
        return Some(builder);
    }
    let max = question_max_chars.min(DISCORD_MAX_LENGTH) as u16;
    let options = command
        .parameters
        .iter()
        .filter_map(|p| {
            let option = p.create_as_slash_command_option()?;
            Some(if p.name == "question" {
                option.max_length(max)
            } else {
                option
            })
        })
        .collect();
    Some(builder.set_options(options))
}

/// The longest `max_length` Discord takes for a string option.
const DISCORD_MAX_LENGTH: usize = 6000;

/// Whether Discord said no in a way retrying cannot change: a client error
/// other than a rate limit (429) or a timeout (408).
fn refused_for_good(err: &serenity::Error) -> bool {
    match err {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            let status = response.status_code.as_u16();
            (400..500).contains(&status) && status != 429 && status != 408
        }
        _ => false,
    }
}
