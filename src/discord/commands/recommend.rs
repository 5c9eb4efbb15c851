//! `/recommend` — one option per questionnaire key, its values as choices.
//!
//! poise registers choices as numbered indexes, but the choice values must
//! be the questionnaire's value ids (what `recommend key=value` takes on the
//! command line), and the options and labels come from rules.toml
//! (reloadable). So poise only dispatches the command, whose options are
//! read from the interaction as they come, and it is registered from
//! [`recommend_builder`], built from the current rules.

use poise::serenity_prelude as serenity;

use crate::discord::render::{self, truncate, CHOICE_NAME_MAX};
use crate::discord::state::{Context, Error, UserError};
use crate::discord::{check_rate, lang_of};
use crate::knowledge::rules::MAX_VALUES;
use crate::knowledge::Rules;
use crate::lang::Lang;
use crate::recommend::{recommend as run, Answers};

const SPANISH_LOCALES: [&str; 2] = ["es-ES", "es-419"];

/// BPO, KPO or hybrid for your situation
///
/// The options are read from the interaction, whatever rules.toml defines:
/// a key added by a reload works as soon as it is registered, with no
/// parameter list here to keep in step.
#[poise::command(slash_command)]
pub async fn recommend(ctx: Context<'_>) -> Result<(), Error> {
    let lang = lang_of(ctx);
    check_rate(ctx.data(), ctx.author().id)?;
    let snapshot = ctx.data().live.snapshot();
    let rules = snapshot.brain.rules().map_err(|_| UserError::NoRules)?;
    let mut answers = Answers::default();
    for (key, value) in given(ctx) {
        answers
            .set(rules, key, value)
            .map_err(|e| UserError::Text(e.to_string()))?;
    }
    if answers.iter().next().is_none() {
        return Err(UserError::NoOptions.into());
    }
    let rec = run(rules, &answers, lang);
    crate::metrics::recommendation(rec.verdict);
    ctx.send(render::reply().embed(render::recommendation_embed(&rec, lang).build()))
        .await?;
    Ok(())
}

/// The `(key, value id)` pairs the user chose. Every option /recommend is
/// registered with is a string of choices; anything else is not ours.
fn given<'a>(ctx: Context<'a>) -> Vec<(&'a str, &'a str)> {
    let poise::Context::Application(app) = ctx else {
        return Vec::new();
    };
    app.args
        .iter()
        .filter_map(|option| match option.value {
            serenity::ResolvedValue::String(value) => Some((option.name, value)),
            _ => None,
        })
        .collect()
}

/// `/recommend` as Discord registers it: labels in English with Spanish
/// localizations, and choice values that are the questionnaire's ids.
pub fn recommend_builder(rules: Option<&Rules>) -> serenity::CreateCommand {
    let mut command = serenity::CreateCommand::new("recommend")
        .description("BPO, KPO or hybrid for your situation");
    for locale in SPANISH_LOCALES {
        command = command.description_localized(locale, "BPO, KPO o híbrido para su situación");
    }
    let Some(rules) = rules else {
        return command;
    };
    for question in &rules.questions {
        let mut option = serenity::CreateCommandOption::new(
            serenity::CommandOptionType::String,
            question.key.clone(),
            truncate(question.description.get(Lang::En), CHOICE_NAME_MAX),
        )
        .required(false);
        for locale in SPANISH_LOCALES {
            option = option.description_localized(
                locale,
                truncate(question.description.get(Lang::Es), CHOICE_NAME_MAX),
            );
        }
        // `check` refuses more values than Discord takes; the cap only
        // guards rules built in code.
        for value in question.values.iter().take(MAX_VALUES) {
            let spanish = truncate(value.label.get(Lang::Es), CHOICE_NAME_MAX);
            option = option.add_string_choice_localized(
                truncate(value.label.get(Lang::En), CHOICE_NAME_MAX),
                value.id.clone(),
                SPANISH_LOCALES.map(|l| (l, spanish.clone())),
            );
        }
        command = command.add_option(option);
    }
    command
}
