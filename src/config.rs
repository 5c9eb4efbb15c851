//! Configuration in layers: defaults, then a TOML file, then the environment.
//!
//! `config.example.toml` documents every key. Unknown keys are errors that
//! name the key, so a typo never silently falls back to a default. The token
//! is wrapped in [`Secret`], whose `Debug` and `Display` never show it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::answer::AnswerOptions;
use crate::lang::Lang;

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "config.toml";

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub knowledge: KnowledgeConfig,
    pub answer: AnswerConfig,
    pub limits: LimitsConfig,
    pub discord: DiscordConfig,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnowledgeConfig {
    pub dir: PathBuf,
    /// Reload by itself when files in `dir` change.
    pub watch: bool,
    /// How long the folder must be quiet before a watched change reloads.
    pub watch_debounce_ms: u64,
    /// A knowledge file larger than this is a problem, never read whole.
    pub max_file_bytes: u64,
    /// The same for all knowledge files together.
    pub max_total_bytes: u64,
}

impl KnowledgeConfig {
    /// What loading the knowledge may read.
    pub fn limits(&self) -> crate::knowledge::Limits {
        crate::knowledge::Limits {
            max_file_bytes: self.max_file_bytes,
            max_total_bytes: self.max_total_bytes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnswerConfig {
    pub min_confidence: f32,
    pub top: usize,
    pub lang: LangSetting,
}

/// The answers' language: the question's own (`auto`), or always one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LangSetting {
    #[default]
    Auto,
    Es,
    En,
}

impl LangSetting {
    /// The forced language, if any.
    pub fn forced(self) -> Option<Lang> {
        match self {
            LangSetting::Auto => None,
            LangSetting::Es => Some(Lang::Es),
            LangSetting::En => Some(Lang::En),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub question_max_chars: usize,
    /// Questions (and recommendations) one Discord user may ask per minute.
    pub questions_per_minute: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordConfig {
    pub token: Option<Secret>,
    /// Register commands in this guild only (instant); otherwise globally.
    pub guild_id: Option<u64>,
    /// Users who may /reload anywhere, besides members with Manage Server.
    pub admin_user_ids: Vec<u64>,
    /// Roles whose members may /reload.
    pub admin_role_ids: Vec<u64>,
    /// Channels where every message is answered (needs the Message Content intent).
    pub answer_channels: Vec<u64>,
    /// Where the Discord API is; a proxy or a test fake can stand in.
    pub api_base: String,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            token: None,
            guild_id: None,
            admin_user_ids: Vec::new(),
            admin_role_ids: Vec::new(),
            answer_channels: Vec::new(),
            api_base: DEFAULT_API_BASE.to_string(),
        }
    }
}

/// Discord's own API.
pub const DEFAULT_API_BASE: &str = "https://discord.com";

/// A value that must never reach a log or a terminal.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        KnowledgeConfig {
            dir: PathBuf::from("knowledge"),
            watch: false,
            watch_debounce_ms: 500,
            max_file_bytes: crate::knowledge::Limits::DEFAULT_MAX_FILE_BYTES,
            max_total_bytes: crate::knowledge::Limits::DEFAULT_MAX_TOTAL_BYTES,
        }
    }
}

impl Default for AnswerConfig {
    fn default() -> Self {
        let d = AnswerOptions::default();
        AnswerConfig {
            min_confidence: d.min_confidence,
            top: d.top,
            lang: LangSetting::Auto,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            question_max_chars: 500,
            questions_per_minute: 6,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {key} {message}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        message: String,
    },
}

impl Config {
    /// Loads `path`, or `config.toml` when it exists, or the defaults; then the
    /// environment (`DISCORD_TOKEN`, `DISCORD_API_BASE`) on top.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let file = match path {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        let mut config = match &file {
            Some(p) => Config::from_file(p)?,
            None => Config::default(),
        };
        if let Some(token) = std::env::var("DISCORD_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
        {
            config.discord.token = Some(Secret::new(token.trim().to_string()));
        }
        if let Some(base) = std::env::var("DISCORD_API_BASE")
            .ok()
            .filter(|b| !b.trim().is_empty())
        {
            config.discord.api_base = base.trim().trim_end_matches('/').to_string();
        }
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|err| ConfigError::Parse {
            path: path.to_path_buf(),
            line: err
                .span()
                .map_or(1, |s| crate::knowledge::problem::line_of(text, s.start)),
            message: err.message().trim().to_string(),
        })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key, message: &str| ConfigError::Invalid {
            path: path.to_path_buf(),
            key,
            message: message.to_string(),
        };
        if !(0.0..=1.0).contains(&self.answer.min_confidence) {
            return Err(invalid("answer.min_confidence", "must be between 0 and 1"));
        }
        if !(10..=60_000).contains(&self.knowledge.watch_debounce_ms) {
            return Err(invalid(
                "knowledge.watch_debounce_ms",
                "must be between 10 and 60000",
            ));
        }
        if self.knowledge.max_file_bytes == 0 {
            return Err(invalid("knowledge.max_file_bytes", "must be at least 1"));
        }
        if self.knowledge.max_total_bytes == 0 {
            return Err(invalid("knowledge.max_total_bytes", "must be at least 1"));
        }
        if !(1..=10).contains(&self.answer.top) {
            return Err(invalid("answer.top", "must be between 1 and 10"));
        }
        if !(1..=600).contains(&self.limits.questions_per_minute) {
            return Err(invalid(
                "limits.questions_per_minute",
                "must be between 1 and 600",
            ));
        }
        if !(self.discord.api_base.starts_with("http://")
            || self.discord.api_base.starts_with("https://"))
        {
            return Err(invalid(
                "discord.api_base",
                "must start with http:// or https://",
            ));
        }
        if self.limits.question_max_chars == 0 {
            return Err(invalid("limits.question_max_chars", "must be at least 1"));
        }
        Ok(())
    }

    pub fn answer_options(&self) -> AnswerOptions {
        AnswerOptions {
            lang: self.answer.lang.forced(),
            top: self.answer.top,
            min_confidence: self.answer.min_confidence,
            highlight: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::parse(Path::new("c.toml"), "[answer]\ntopp = 3\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("c.toml:2") && msg.contains("topp"), "{msg}");
    }

    #[test]
    fn out_of_range_values_name_the_key() {
        let err =
            Config::parse(Path::new("c.toml"), "[answer]\nmin_confidence = 2.0\n").unwrap_err();
        assert!(err.to_string().contains("answer.min_confidence"));
    }

    #[test]
    fn the_example_documents_the_defaults() {
        let text = include_str!("../config.example.toml");
        let example = Config::parse(Path::new("config.example.toml"), text).unwrap();
        assert_eq!(example, Config::default());
    }

    #[test]
    fn the_token_never_shows() {
        let c = Config::parse(Path::new("c.toml"), "[discord]\ntoken = \"abc.def\"\n").unwrap();
        assert!(!format!("{c:?}").contains("abc.def"));
        assert_eq!(c.discord.token.unwrap().expose(), "abc.def");
    }
}
