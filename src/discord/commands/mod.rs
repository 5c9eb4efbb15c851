//! One file per command, all listed in [`all`].

mod ask;
mod help;
mod insights;
mod recommend;
mod reload;
mod suggestions;
mod topics;

use super::state::{Data, Error};

pub use recommend::recommend_builder;

/// Every command the bot registers.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        ask::ask(),
        recommend::recommend(),
        reload::reload(),
        topics::topics(),
        help::help(),
        insights::insights(),
        suggestions::suggestions(),
    ]
}
