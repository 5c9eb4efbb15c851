//! The command line: `serve` (default), `chat`, `ask`, `recommend`, `check`,
//! `teach`, and the store's `insights` and `suggestions`.
//!
//! Arguments are parsed by clap (raw values), then validated into built
//! objects before anything runs. Exit codes are part of the contract:
//! 0 success (also "no clear answer"), 1 knowledge or config problem,
//! 2 usage error with a message that says what is valid.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::answer::{answer, Question, QuestionError};
use crate::brain::Brain;
use crate::config::{Config, ConfigError};
use crate::console::{self, ConsoleOptions, Style};
use crate::conversation::{understand, Turn, Understood};
use crate::knowledge::teach::{TeachError, TeachLimits};
use crate::knowledge::Problems;
use crate::lang::Lang;
use crate::live::{Live, Version};
use crate::recommend::{Answers, AnswersError};
use crate::store::{Asked, Store, StoreError, Surface};
use crate::triggers;

#[derive(Debug, Parser)]
#[command(
    name = "outsourcing-bot",
    version,
    about = "Answers questions about BPO and KPO from cited passages, on Discord or locally."
)]
pub struct Cli {
    /// Config file (default: ./config.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Knowledge folder (default: knowledge.dir from the config, else ./knowledge).
    #[arg(long, global = true, value_name = "DIR")]
    knowledge: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the bot: on Discord when a token is configured, else the local console.
    Serve,
    /// Local console: one question per line (`:help` lists commands).
    Chat,
    /// Answer one question and exit.
    Ask(AskArgs),
    /// BPO, KPO or hybrid for a situation given as KEY=VALUE answers.
    Recommend(RecommendArgs),
    /// Validate the knowledge folder and the config; exit 1 listing every problem.
    Check(CheckArgs),
    /// Add an alternate question to a passage, in the Markdown of one edition.
    Teach(TeachArgs),
    /// What members asked, how the answers did, what went unanswered (from the store).
    Insights(InsightsArgs),
    /// Alternate questions that members' clicks suggest, most frequent first.
    Suggestions(SuggestionsArgs),
}

#[derive(Debug, Args)]
struct InsightsArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Over the last N days (1-3650).
    #[arg(long, value_name = "N", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=crate::config::RETENTION_DAYS_LIMIT as i64))]
    days: u32,
}

#[derive(Debug, Args)]
struct SuggestionsArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct AskArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Language of the answer.
    #[arg(long, value_name = "es|en")]
    lang: Option<Lang>,
    /// How many passages to show, best first (1-10).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=10))]
    top: Option<u8>,
    /// Show how the question was understood (concepts, weights, synonyms).
    #[arg(long)]
    explain: bool,
    /// Understand the question as a follow-up of a previous answer, given by
    /// its first passage's id (`passages[0].id` of `ask --json`).
    #[arg(long, value_name = "PASSAGE_ID")]
    context: Option<String>,
    /// The question (quotes are optional).
    #[arg(value_name = "QUESTION")]
    question: Vec<String>,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Also show what a reload from this (served) folder to the checked one would report.
    #[arg(long, value_name = "DIR")]
    against: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct RecommendArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Language of the reasons and risks.
    #[arg(long, value_name = "es|en")]
    lang: Option<Lang>,
    /// Answers such as work=legal complexity=high (run without any to list them).
    #[arg(value_name = "KEY=VALUE")]
    answers: Vec<String>,
}

#[derive(Debug, Args)]
struct TeachArgs {
    /// The edition to write to (default: the question's language).
    #[arg(long, value_name = "es|en")]
    lang: Option<Lang>,
    /// The passage, by the id `ask --json` shows (bpo-kpo/que-es-un-kpo/1).
    #[arg(value_name = "PASSAGE_ID")]
    passage: String,
    /// The question (quotes are optional).
    #[arg(value_name = "QUESTION", required = true)]
    question: Vec<String>,
}

/// Why a command failed, and so which exit code it gets.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Question(#[from] QuestionError),
    #[error(transparent)]
    Answers(#[from] AnswersError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Knowledge(#[from] Problems),
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Discord(#[from] crate::discord::DiscordError),
    #[error(transparent)]
    Teach(#[from] TeachError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Metrics(#[from] crate::metrics::MetricsError),
    /// `insights` or `suggestions` with nothing to read.
    #[error("{0}")]
    NoStore(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Question(_) | CliError::Answers(_) => 2,
            CliError::Teach(err) if err.is_usage() => 2,
            CliError::Config(_)
            | CliError::Knowledge(_)
            | CliError::Io(_)
            | CliError::Discord(_)
            | CliError::Teach(_)
            | CliError::Store(_)
            | CliError::Metrics(_)
            | CliError::NoStore(_) => 1,
        }
    }
}

/// Parses the process arguments and runs; the binary's whole `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout (exit 0), usage errors to stderr (exit 2).
            let _ = err.print();
            return ExitCode::from(err.exit_code() as u8);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

fn init_logging(command: &Option<Command>, discord: bool) {
    // The Discord bot logs what it does; the console and one-shot commands
    // only warn, so their output stays the user's.
    let default = match command {
        None | Some(Command::Serve) if discord => "outsourcing_bot=info,warn",
        _ => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .try_init();
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    // Before anything slow (config, knowledge): a SIGHUP from now on is a
    // reload, queued until there is knowledge to reload, never the end of a
    // bot that is starting. One-shot commands keep the default: a hangup
    // ends them.
    let sighup = match &cli.command {
        None | Some(Command::Serve) | Some(Command::Chat) => Some(
            triggers::Sighup::catch()
                .map_err(|err| io::Error::new(err.kind(), format!("cannot catch SIGHUP: {err}")))?,
        ),
        _ => None,
    };
    let config = Config::load(cli.config.as_deref())?;
    init_logging(&cli.command, config.discord.token.is_some());
    let dir = cli
        .knowledge
        .clone()
        .unwrap_or_else(|| config.knowledge.dir.clone());
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&config, &dir, sighup),
        Command::Chat => chat(&config, live(&config, &dir, sighup)?),
        Command::Ask(args) => ask(&config, &dir, args),
        Command::Recommend(args) => recommend(&config, &dir, args),
        Command::Check(args) => check(&config, &dir, args),
        Command::Teach(args) => teach(&config, &dir, args),
        Command::Insights(args) => insights(&config, args),
        Command::Suggestions(args) => suggestions(&config, args),
    }
}

fn serve(
    config: &Config,
    dir: &std::path::Path,
    sighup: Option<triggers::Sighup>,
) -> Result<(), CliError> {
    let on_discord = config.discord.token.is_some();
    if !on_discord && !io::stdin().is_terminal() {
        return Err(CliError::Config(ConfigError::Invalid {
            path: PathBuf::from("DISCORD_TOKEN"),
            line: None,
            key: "discord.token".into(),
            message: "is not configured: set DISCORD_TOKEN, or run `outsourcing-bot chat` for the local console".into(),
        }));
    }
    // Before loading: /healthz answers while the knowledge loads, and the
    // first load is counted.
    if let Some(addr) = config.metrics.listen {
        crate::metrics::serve(addr, on_discord)?;
    }
    let served = live(config, dir, sighup)?;
    crate::metrics::knowledge_loaded();
    match &config.discord.token {
        Some(token) => Ok(crate::discord::run(config, served.live.clone(), token)?),
        None => chat(config, served),
    }
}

/// Loads the knowledge to serve, with its reload triggers: SIGHUP always
/// ([`run`] caught it for the serving commands; a reload asked for while
/// loading runs now), the folder watcher when configured. The watcher lives
/// as long as the Live.
fn live(
    config: &Config,
    dir: &std::path::Path,
    sighup: Option<triggers::Sighup>,
) -> Result<Served, CliError> {
    let live = Arc::new(Live::load_with(dir, config.knowledge.limits())?);
    if let Some(sighup) = sighup {
        sighup.reload(live.clone())?;
    }
    let watcher = if config.knowledge.watch {
        let debounce = Duration::from_millis(config.knowledge.watch_debounce_ms);
        match triggers::watch(live.clone(), debounce) {
            Ok(w) => Some(w),
            Err(err) => {
                tracing::warn!("{err}; reload with :reload or SIGHUP instead");
                None
            }
        }
    } else {
        None
    };
    // Logged once the triggers are in place: a SIGHUP from now on reloads.
    let snapshot = live.snapshot();
    tracing::info!(
        passages = snapshot.brain.passage_count(),
        version = %snapshot.version,
        ms = snapshot.brain.build_time.as_millis() as u64,
        watch = watcher.is_some(),
        "knowledge loaded"
    );
    Ok(Served {
        live,
        _watcher: watcher,
    })
}

/// The served knowledge and whatever keeps it fresh.
struct Served {
    live: Arc<Live>,
    _watcher: Option<triggers::Watcher>,
}

fn chat(config: &Config, served: Served) -> Result<(), CliError> {
    let interactive = io::stdin().is_terminal();
    let opts = ConsoleOptions {
        answer: config.answer_options(),
        question_max_chars: config.limits.question_max_chars,
        style: if interactive && io::stdout().is_terminal() {
            Style::Terminal
        } else {
            Style::Plain
        },
        interactive,
        store: Store::open(&config.store)?,
        conversation_ttl: config.conversation.ttl(),
    };
    console::run(&served.live, &opts, io::stdin().lock(), io::stdout().lock())?;
    Ok(())
}

fn ask(config: &Config, dir: &std::path::Path, args: AskArgs) -> Result<(), CliError> {
    // Validate the question before the (slower) knowledge load: bad input fails fast.
    let question = Question::new(&args.question.join(" "), config.limits.question_max_chars)?;
    let store = Store::open(&config.store)?;
    let brain = Brain::load_with(dir, config.knowledge.limits())?;
    let mut opts = config.answer_options();
    if let Some(lang) = args.lang {
        opts.lang = Some(lang);
    }
    if let Some(top) = args.top {
        opts.top = top.into();
    }
    opts.highlight = !args.json;
    let understood = match &args.context {
        Some(id) => {
            let lang = opts.lang.unwrap_or_else(|| brain.detect(question.as_str()));
            let previous = Turn::at(&brain, id, lang).ok_or_else(|| {
                CliError::Usage(format!(
                    "--context: no passage has the id '{}'; give passages[0].id of a previous `ask --json` (such as bpo-kpo/que-es-un-kpo/1)",
                    crate::echo::echo(id)
                ))
            })?;
            understand(&brain, question.as_str(), Some(&previous), lang)
        }
        None => Understood {
            question: question.as_str().to_string(),
            note: None,
        },
    };
    let mut answer = match &understood.note {
        // The title of a section the knowledge has is a valid question.
        Some(_) => answer(
            &brain,
            &Question::new(&understood.question, usize::MAX)?,
            &opts,
        ),
        None => answer(&brain, &question, &opts),
    };
    // The asker's words, as without --context; how they were read is beside them.
    answer.question = question.as_str().to_string();
    if store.is_enabled() {
        store.record(Asked::of(&brain, &question, &answer, Surface::Cli));
    }
    let mut out = io::stdout().lock();
    if args.explain {
        write!(
            out,
            "{}",
            crate::answer::explain(&brain, &question, &answer, opts.min_confidence)
        )?;
    }
    if args.json {
        let json = serde_json::to_string(&AskJson {
            answer: &answer,
            understood: understood.note.as_deref(),
        })
        .map_err(io::Error::other)?;
        writeln!(out, "{json}")?;
    } else {
        let style = if out.is_terminal() {
            Style::Terminal
        } else {
            Style::Plain
        };
        if let Some(note) = &understood.note {
            writeln!(out, "{}", console::understood_line(answer.lang, note))?;
        }
        write!(out, "{}", console::render_answer(&answer, &brain, style))?;
    }
    // Written before exit; the one wait `ask` has for the store.
    store.flush();
    Ok(())
}

/// `ask --json`'s object: the answer's fields, then how a question asked
/// with `--context` was understood, only when it was rewritten.
#[derive(serde::Serialize)]
struct AskJson<'a> {
    #[serde(flatten)]
    answer: &'a crate::answer::Answer,
    #[serde(skip_serializing_if = "Option::is_none")]
    understood: Option<&'a str>,
}

/// The configured store, to read: it must be enabled and, a SQLite file,
/// exist (reading never creates one where store.url points by mistake).
fn stored(config: &Config) -> Result<Store, CliError> {
    let location = config.store.url.location().map_err(|problem| {
        CliError::NoStore(format!("the store {}: {problem}", config.store.url))
    })?;
    if !config.store.enabled {
        return Err(CliError::NoStore(format!(
            "the store {location} is disabled (store.enabled = false), so nothing was recorded"
        )));
    }
    if let crate::config::StoreLocation::Sqlite(path) = &location {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(CliError::NoStore(format!(
                "the store {location} does not exist: nothing was recorded yet, or store.url (store.path) points elsewhere"
            )));
        }
    }
    Ok(Store::open(&config.store)?)
}

fn insights(config: &Config, args: InsightsArgs) -> Result<(), CliError> {
    let insights = stored(config)?.insights(args.days)?;
    let mut out = io::stdout().lock();
    if args.json {
        let json = serde_json::to_string(&insights).map_err(io::Error::other)?;
        writeln!(out, "{json}")?;
    } else {
        write!(out, "{}", crate::console::render_insights(&insights))?;
    }
    Ok(())
}

fn suggestions(config: &Config, args: SuggestionsArgs) -> Result<(), CliError> {
    let suggestions = stored(config)?.suggestions()?;
    let mut out = io::stdout().lock();
    if args.json {
        let json = serde_json::json!({ "suggestions": suggestions });
        writeln!(out, "{json}")?;
    } else {
        write!(out, "{}", crate::console::render_suggestions(&suggestions))?;
    }
    Ok(())
}

fn recommend(config: &Config, dir: &std::path::Path, args: RecommendArgs) -> Result<(), CliError> {
    // Rules need the passages they cite, not a search index.
    let knowledge = crate::knowledge::load_with(dir, config.knowledge.limits())?;
    let rules = knowledge.rules()?;
    let answers = Answers::parse(rules, &args.answers)?;
    let lang = args
        .lang
        .or(config.answer.lang.forced())
        .unwrap_or(Lang::Es);
    let rec = crate::recommend::recommend(rules, &answers, lang);
    let mut out = io::stdout().lock();
    if args.json {
        let json = serde_json::to_string(&rec).map_err(io::Error::other)?;
        writeln!(out, "{json}")?;
    } else {
        write!(out, "{}", crate::recommend::render(&rec, lang))?;
    }
    Ok(())
}

fn check(config: &Config, dir: &std::path::Path, args: CheckArgs) -> Result<(), CliError> {
    let brain = Brain::load_with(dir, config.knowledge.limits())?;
    if let Some(served) = &args.against {
        let old = Brain::load_with(served, config.knowledge.limits())?;
        let version = Version {
            generation: 0,
            hash: brain.knowledge.content_hash,
        };
        print!(
            "a reload from {} would report:\n{}",
            served.display(),
            crate::live::diff(Some(&old), &brain, brain.build_time, version)
        );
    }
    let langs: Vec<&str> = brain.editions.keys().map(|l| l.code()).collect();
    let documents: usize = brain
        .knowledge
        .editions
        .values()
        .map(|e| e.documents.len())
        .sum();
    let rules = match &brain.knowledge.rules {
        Some(r) => format!(
            "{} questions, {} rules, {} risks",
            r.questions.len(),
            r.rules.len(),
            r.risks.len()
        ),
        None => "no rules.toml".to_string(),
    };
    println!(
        "{}: OK: {} edition{} ({}), {} document{}, {} sections, {} passages, {} synonym groups, {rules}; version {:016x}; indexed in {} ms",
        dir.display(),
        langs.len(),
        crate::console::plural(langs.len()),
        langs.join(", "),
        documents,
        crate::console::plural(documents),
        brain.section_count(),
        brain.passage_count(),
        brain.knowledge.synonyms.groups.len(),
        brain.knowledge.content_hash,
        brain.build_time.as_millis()
    );
    for warning in brain.warnings() {
        eprintln!(
            "{}: warning: {warning}",
            dir.join(crate::knowledge::SYNONYMS_FILE).display()
        );
    }
    Ok(())
}

fn teach(config: &Config, dir: &std::path::Path, args: TeachArgs) -> Result<(), CliError> {
    let question = args.question.join(" ");
    // A keyword question is told by the editions' words ("kpo full form"):
    // that needs the knowledge; if it does not load, teach says why below.
    let lang = args.lang.unwrap_or_else(|| {
        Brain::load_with(dir, config.knowledge.limits())
            .map_or_else(|_| crate::lang::detect(&question), |b| b.detect(&question))
    });
    let limits = TeachLimits {
        knowledge: config.knowledge.limits(),
        question_max_chars: config.limits.question_max_chars,
    };
    let taught = crate::knowledge::teach::teach(dir, lang, &args.passage, &question, limits)?;
    println!("{taught}");
    if taught.added {
        // A one-shot command has nothing to reload; the bot serving the folder does.
        println!("nothing was reloaded here: a running bot picks it up through its watcher (knowledge.watch), SIGHUP or /reload");
    }
    Ok(())
}
